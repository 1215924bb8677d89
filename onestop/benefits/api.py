"""The benefits API (/api/v1/benefits): the paying department records a payment.

`POST /benefits/offers/{id}/payment` is what the department's payment system (or its officer's
tool) calls once the benefit of a confirmed offer, or of one granted without confirmation, is
paid: signed in as an officer of the offer's department (session and CSRF token). It calls
`services.offer_pay`, the same service as the console's button; recording the same reference
again answers the same offer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from ninja import Router

from onestop.benefits import services
from onestop.benefits.models import Offer
from onestop.benefits.schemas import PaymentIn, PaymentOut
from onestop.core.api import SessionAuth

router = Router(
    tags=["benefits"],
    auth=SessionAuth(gettext_lazy("Sign in as an officer of the paying department.")),
)


def _body(offer: Offer) -> dict[str, Any]:
    return {
        "id": offer.pk,
        "rule": offer.rule,
        "department": offer.department_id,
        "status": offer.status,
        "eligible_at": offer.eligible_at,
        "paid_at": offer.paid_at,
        "payment_reference": offer.payment_reference,
    }


@router.post(
    "/offers/{offer_id}/payment", response=PaymentOut, summary="Record a benefit's payment"
)
def offer_pay(request: HttpRequest, offer_id: int, body: PaymentIn) -> dict[str, Any]:
    """The offer becomes `paid` (404 for an offer the caller may not see, 403 for one of
    another department, 409 `not_confirmed` while it waits for the holder or was declined,
    409 `already_paid` for another reference)."""
    return _body(
        services.offer_pay(actor=request.user, offer_id=offer_id, reference=body.reference)
    )
