"""The queue kiosk of a service centre: choose the centre and what you came for, take a number.
No login. What may be chosen comes from the registered purposes (`org.purposes`, filled by
`catalog`): the bundles, the most frequent items, and a search over the rest. The ticket page
says how many wait before, what to bring, prints as a ticket and can be sent by SMS. With
``?kiosk=1`` (kept through every form) the pages show no site header: a kiosk screen. The
window clerks call the numbers from their console (`cases`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onestop.core.errors import DomainError, NotFound
from onestop.core.throttle import throttled
from onestop.org import purposes, selectors, services
from onestop.org.models import ServiceCentre

TEMPLATE = "org/queue.html"
OTHER = "other:"  # the kiosk's "something else": no reference stored


# How many of the most frequent items the kiosk shows before the search.
FREQUENT = 8
SEARCH_LIMIT = 30


def _centre_context(
    request: HttpRequest, centres: list[ServiceCentre], centre: ServiceCentre | None
) -> dict[str, Any]:
    kiosk = (request.POST.get("kiosk") or request.GET.get("kiosk")) == "1"
    context: dict[str, Any] = {"centres": centres, "centre": centre, "kiosk": kiosk}
    if centre is not None:
        choices = purposes.purpose_choices(region=centre.region_id)
        items = [p for p in choices if p.kind == purposes.ITEM]
        query = (request.GET.get("q") or "").strip()[:50]
        context["scenarios"] = [p for p in choices if p.kind == purposes.SCENARIO]
        context["frequent"] = items[:FREQUENT]
        context["query"] = query
        if query:
            wanted = query.lower()
            context["found"] = [
                p for p in items if wanted in p.name_zh.lower() or wanted in p.name_en.lower()
            ][:SEARCH_LIMIT]
        context["waiting"] = selectors.queue_length(centre=centre)
    return context


def _default_centre(centres: list[ServiceCentre]) -> str:
    """The node's own centre (of `NODE_REGION` itself, not a township's under it), else the
    only one."""
    own = [c for c in centres if c.region_id == settings.NODE_REGION]
    if own:
        return own[0].slug
    return centres[0].slug if len(centres) == 1 else ""


@require_http_methods(["GET", "POST"])
@throttled("kiosk_ticket")
def queue_take(request: HttpRequest) -> HttpResponse:
    """The kiosk: choose the centre and what you came for, take a number."""
    centres = list(selectors.centre_list_node())
    slug = request.POST.get("centre") or request.GET.get("centre") or ""
    if not slug and request.method == "GET":
        slug = _default_centre(centres)
    centre = next((c for c in centres if c.slug == slug), None)
    context = _centre_context(request, centres, centre)
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
    url = reverse("org:queue_ticket", args=[selectors.ticket_token(ticket)])
    return HttpResponseRedirect(url + ("?kiosk=1" if context["kiosk"] else ""))


def _ticket_page(request: HttpRequest, token: str, *, status: int = 200) -> HttpResponse:
    try:
        ticket = selectors.ticket_by_token(token=token)
    except NotFound as error:
        raise Http404(str(error.message)) from None
    centres = list(selectors.centre_list_node())
    centre = next((c for c in centres if c.pk == ticket.centre_id), None)
    chosen = purposes.purposes_resolve(region=ticket.centre.region_id, refs=[ticket.purpose_ref])
    purpose = chosen.get(ticket.purpose_ref)
    context = {
        "centres": centres,
        "centre": centre,
        "kiosk": (request.POST.get("kiosk") or request.GET.get("kiosk")) == "1",
        "ticket": ticket,
        "token": token,
        "purpose": selectors.ticket_purpose(ticket),
        "bring": purpose.bring if purpose is not None else (),
        # a bundle's list covers all its items; which of them apply depends on the answers
        "bring_depends": purpose is not None and purpose.kind == purposes.SCENARIO,
        "ahead": selectors.tickets_ahead(ticket=ticket),
    }
    response = render(request, "org/queue_ticket.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def queue_ticket(request: HttpRequest, token: str) -> HttpResponse:
    """The number just taken at the kiosk (a signed link: tickets cannot be enumerated): how
    many wait before, what to bring; printable, and sent by SMS on request."""
    return _ticket_page(request, token)


@require_POST
def queue_ticket_sms(request: HttpRequest, token: str) -> HttpResponse:
    """Send the number to the phone typed on the ticket page (once per phone)."""
    try:
        ticket = selectors.ticket_by_token(token=token)
    except NotFound as error:
        raise Http404(str(error.message)) from None
    try:
        services.ticket_sms(ticket=ticket, phone=request.POST.get("phone", ""))
    except DomainError as error:
        messages.error(request, str(error.message))
        return _ticket_page(request, token, status=error.status)
    messages.success(request, _("The number is sent to your phone."))
    url = reverse("org:queue_ticket", args=[token])
    kiosk = request.POST.get("kiosk") == "1"
    return HttpResponseRedirect(url + ("?kiosk=1" if kiosk else ""))
