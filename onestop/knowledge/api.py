"""Search API: GET /api/v1/search."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from onestop.knowledge import selectors
from onestop.knowledge.schemas import SearchHitOut

router = Router(tags=["knowledge"])


class SearchParams(Schema):
    # Plain strings on purpose: the selector validates them and answers 400 with the domain
    # error shape, instead of ninja's generic 422.
    q: str = ""
    lang: str = "zh-hans"
    limit: str = "10"


@router.get(
    "/search",
    response=list[SearchHitOut],
    exclude_none=True,
    summary="Search catalogue items and scenario bundles",
    description=(
        "Chinese or English, in the citizen's own words. Scenario hits carry `slug`, item "
        "hits `code`. `lang` (zh-hans or en) picks the title language; `limit` is 1-50. "
        "An empty or over-long query (more than 200 characters), an unknown language or a "
        "limit out of range answers 400 with {code, message, details}."
    ),
)
def search(request: HttpRequest, params: Query[SearchParams]) -> list[dict[str, Any]]:
    hits = selectors.search(q=params.q, lang=params.lang, limit=params.limit)
    return [hit.as_dict() for hit in hits]
