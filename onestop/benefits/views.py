"""The pages of benefits without applying: the holder's offers in "my space" (what, why, one
click to confirm, opt-out for the future) and the granting departments' console with the
figures. Each view parses, calls one service or selector, and renders."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from onestop.benefits import policies, selectors, services
from onestop.core.errors import DomainError, NotFound, PermissionDenied
from onestop.web import registry
from onestop.web.views import forbidden


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@require_GET
def my_benefits(request: HttpRequest) -> HttpResponse:
    context = {
        "offers": selectors.my_offers(actor=request.user),
        "choices": selectors.my_choices(actor=request.user),
    }
    return _no_store(render(request, "benefits/my_list.html", context))


@never_cache
@login_required
@require_GET
def my_offer(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        view = selectors.offer_get(actor=request.user, offer_id=pk)
    except NotFound:
        raise Http404 from None
    if not policies.is_holder(request.user, view.offer):
        raise Http404
    return _no_store(render(request, "benefits/my_offer.html", {"view": view}))


@login_required
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        offer = services.offer_confirm(actor=request.user, offer_id=pk)
    except (NotFound, PermissionDenied):  # nobody learns of another person's offer
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(reverse("benefits:my_offer", args=[pk]))
    messages.success(request, _("Confirmed. The department handles it now; nothing else to do."))
    return HttpResponseRedirect(reverse("benefits:my_offer", args=[offer.pk]))


@login_required
@require_POST
def decline(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.offer_decline(actor=request.user, offer_id=pk)
    except (NotFound, PermissionDenied):  # nobody learns of another person's offer
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Declined. This offer is closed."))
    return HttpResponseRedirect(reverse("benefits:my_offer", args=[pk]))


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    # only our own pages of "my space"
    if target.startswith("/me/benefits/") and "//" not in target and "\\" not in target:
        return target
    return reverse("benefits:my_benefits")


@login_required
@require_POST
def opt_out(request: HttpRequest) -> HttpResponse:
    try:
        services.opt_out(actor=request.user, rule_key=request.POST.get("rule", ""))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _(
                "Done: this benefit will not be offered to you any more. An offer already "
                "made stays until you confirm or decline it."
            ),
        )
    return HttpResponseRedirect(_back(request))


@login_required
@require_POST
def opt_in(request: HttpRequest) -> HttpResponse:
    try:
        services.opt_in(actor=request.user, rule_key=request.POST.get("rule", ""))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Done: this benefit will be offered to you again."))
    return HttpResponseRedirect(_back(request))


@never_cache
@login_required
@require_GET
def console(request: HttpRequest) -> HttpResponse:
    if not policies.can(request.user, policies.CONSOLE, None):
        return forbidden(
            request,
            _(
                "Only officers of a department that grants benefits, and supervisors, may "
                "open the benefits console."
            ),
        )
    offers = selectors.department_offers(actor=request.user, limit=100)
    context = {
        "figures": selectors.benefit_figures(actor=request.user),
        "offers": offers,
        # the offers this officer may record the payment of (their department's, taken up)
        "payable": {
            view.offer.pk
            for view in offers
            if view.offer.status in services.PAYABLE
            and policies.can(request.user, policies.PAY, view.offer)
        },
    }
    return _no_store(render(request, "benefits/console.html", context))


@never_cache
@login_required
@require_POST
def pay(request: HttpRequest, pk: int) -> HttpResponse:
    """The paying department's officer records the payment of an offer (its reference)."""
    try:
        offer = services.offer_pay(
            actor=request.user, offer_id=pk, reference=request.POST.get("reference", "")
        )
    except NotFound:
        raise Http404 from None
    except PermissionDenied as exc:
        return forbidden(request, exc.message)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The payment of offer %(offer)s is recorded (reference %(ref)s).")
            % {"offer": offer.pk, "ref": offer.payment_reference},
        )
    return HttpResponseRedirect(reverse("benefits:console") + "#offers")


@registry.provides("account")
def account_links(request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
    """ "My benefits" on "My account" for citizens and businesses; the console for staff who
    may open it."""
    links = []
    if policies.can(request.user, policies.OPT_OUT, None):
        links.append({"label": _("My benefits"), "url": reverse("benefits:my_benefits")})
    if policies.can(request.user, policies.CONSOLE, None):
        links.append({"label": _("Benefits without applying"), "url": reverse("benefits:console")})
    return {"benefits_links": links}
