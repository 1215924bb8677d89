"""The queue kiosk of a service centre: choose the centre and what you came for, take a number.
No login. What may be chosen comes from the registered purposes (`org.purposes`, filled by
`catalog`); the window clerks call the numbers from their console (`cases`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from onestop.core.errors import DomainError, NotFound
from onestop.core.throttle import throttled
from onestop.org import purposes, selectors, services
from onestop.org.models import ServiceCentre

TEMPLATE = "org/queue.html"
OTHER = "other:"  # the kiosk's "something else": no reference stored


def _centre_context(centres: list[ServiceCentre], centre: ServiceCentre | None) -> dict[str, Any]:
    context: dict[str, Any] = {"centres": centres, "centre": centre}
    if centre is not None:
        choices = purposes.purpose_choices(region=centre.region_id)
        context["scenarios"] = [p for p in choices if p.kind == purposes.SCENARIO]
        context["items"] = [p for p in choices if p.kind == purposes.ITEM]
    return context


@require_http_methods(["GET", "POST"])
@throttled("kiosk_ticket")
def queue_take(request: HttpRequest) -> HttpResponse:
    """The kiosk: choose the centre and what you came for, take a number."""
    centres = list(selectors.centre_list_node())
    slug = request.POST.get("centre") or request.GET.get("centre") or ""
    if not slug and len(centres) == 1:
        slug = centres[0].slug
    centre = next((c for c in centres if c.slug == slug), None)
    context = _centre_context(centres, centre)
    if request.method == "GET":
        return render(request, TEMPLATE, context)
    if centre is None:
        messages.error(request, _("Choose a service centre."))
        return render(request, TEMPLATE, context, status=400)
    chosen = request.POST.get("purpose", "")
    if not chosen:
        messages.error(request, _("Choose what you came for."))
        return render(request, TEMPLATE, context, status=400)
    try:
        ticket = services.ticket_take(
            actor=request.user,
            centre=centre,
            purpose_ref="" if chosen == OTHER else chosen,
        )
    except DomainError as error:
        messages.error(request, str(error.message))
        return render(request, TEMPLATE, context, status=error.status)
    # POST/redirect/GET: reloading the ticket page shows the same number, never a second one.
    return HttpResponseRedirect(reverse("org:queue_ticket", args=[selectors.ticket_token(ticket)]))


@require_GET
def queue_ticket(request: HttpRequest, token: str) -> HttpResponse:
    """The number just taken at the kiosk (a signed link: tickets cannot be enumerated)."""
    try:
        ticket = selectors.ticket_by_token(token=token)
    except NotFound as error:
        raise Http404(str(error.message)) from None
    centres = list(selectors.centre_list_node())
    centre = next((c for c in centres if c.pk == ticket.centre_id), None)
    context = _centre_context(centres, centre) | {
        "ticket": ticket,
        "purpose": selectors.ticket_purpose(ticket),
        "ahead": selectors.tickets_ahead(ticket=ticket),
    }
    response = render(request, TEMPLATE, context)
    response["Cache-Control"] = "private, no-store"
    return response
