"""Pages of notify: the signed-in person's in-app notifications. Thin views."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onestop.core.errors import NotFound
from onestop.notify import selectors, services

PER_PAGE = 30


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The person's in-app notifications, newest first; unread ones stand out."""
    page = Paginator(selectors.notification_list(actor=request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "notifications": selectors.notifications_shown(page.object_list, get_language()),
        "unread": selectors.notification_unread_count(actor=request.user),
    }
    return render(request, "notify/notification_list.html", context)


@login_required
@require_POST
def notification_mark_read(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    try:
        notification = selectors.notification_get(actor=request.user, notification_id=pk)
        services.notification_mark_read(actor=request.user, notification=notification)
    except NotFound as error:
        raise Http404(str(error.message)) from error
    messages.success(request, _("The notification is marked as read."))
    return HttpResponseRedirect(reverse("notify:notification_list"))
