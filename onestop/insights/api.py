"""The insights API (/api/v1/insights): the hotline's three rates of one month as JSON.
Session authentication; the same scope as the page (supervisors and administrators: every
handling unit; department officers: their own)."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Query, Router

from onestop.core.api import SessionAuth
from onestop.core.errors import PermissionDenied
from onestop.insights import policies, selectors
from onestop.insights.schemas import ThreeRatesOut

MONTH_PATTERN = r"^20[0-9]{2}-(0[1-9]|1[0-2])$"

router = Router(
    tags=["insights"],
    auth=SessionAuth(gettext_lazy("Sign in as a supervisor or department officer first.")),
)


def _number(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


@router.get(
    "/hotline/three-rates",
    response=ThreeRatesOut,
    summary="The hotline's three rates per handling unit for one month",
)
def three_rates(
    request: HttpRequest,
    month: str | None = Query(None, pattern=MONTH_PATTERN, description="YYYY-MM, 2000-2099"),
) -> dict[str, Any]:
    """`month` is ``YYYY-MM`` (default: the current month in Asia/Shanghai); a malformed month
    is a 400, a future month has no rows."""
    user = request.user
    region = str(settings.NODE_REGION)
    if not policies.can(user, policies.VIEW_HOTLINE, region):
        raise PermissionDenied(
            _(
                "Only supervisors, administrators and department officers of this region may "
                "see the hotline indicators."
            ),
            code="forbidden",
        )
    first = selectors.parse_month(month)
    rows = selectors.three_rates(actor=user, region=region, month=first)
    return {
        "region": region,
        "month": f"{first:%Y-%m}",
        "weights": {k: float(v) for k, v in selectors.WEIGHTS.items()},
        "rows": [{k: _number(v) for k, v in asdict(row).items()} for row in rows],
    }
