"""Routing API: POST /api/v1/hotline/classify suggests a category and a department."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Router

from onestop.core import throttle
from onestop.hotline import routing
from onestop.hotline.schemas import ClassifyIn, ClassifyOut

router = Router(tags=["hotline"])


@router.post(
    "/classify",
    response=ClassifyOut,
    summary="Suggest the category and the department of a 12345 request",
    description=(
        "The request text (Chinese or English, at most 2,000 characters) and the region code. "
        "Answers the five most likely level-2 categories and the three most likely departments "
        "of that region, best first, with probabilities (a department's is the summed "
        "probability of the categories the region's jurisdiction table gives it); `auto` is "
        "true when both top scores reach the auto-dispatch threshold. Empty or over-long "
        "text, or an unknown region, answers 400 with {code, message, details}."
    ),
)
def classify(request: HttpRequest, payload: ClassifyIn) -> dict[str, Any]:
    throttle.check(request, "classify")
    return routing.classify(text=payload.text, region=payload.region or settings.NODE_REGION)
