"""Search and knowledge API: GET /api/v1/search, /api/v1/knowledge/answer,
/api/v1/knowledge/articles/{slug}."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from onestop.core.api import ErrorOut
from onestop.core.errors import ValidationFailed
from onestop.knowledge import federated, selectors
from onestop.knowledge.schemas import (
    AnswerEnvelopeOut,
    AnswerParams,
    ArticleOut,
    ArticleParams,
    SearchHitOut,
    SearchParams,
)

router = Router(tags=["knowledge"])


@router.get(
    "/search",
    response={200: list[SearchHitOut], 502: ErrorOut},
    exclude_none=True,
    summary="Search catalogue items, scenario bundles and knowledge articles",
    description=(
        "Chinese or English, in the citizen's own words. Scenario and article hits carry "
        "`slug`, item hits `code`; every hit its `region` and `url`, the absolute address on "
        "this node to open it (for a peer's item: to apply for it here). `region` (default "
        "this node's) asks the peer node that serves that region, with a signed federation "
        "message; its hits are items only and carry no score. `lang` (a BCP 47 tag of Chinese "
        "or English) picks the title language; `limit` is 1-50. An empty query finds nothing; "
        "an over-long one (more than 200 characters), an unknown language or a limit out of "
        "range answers 422, a region no peer serves 404 (`unknown_region`), a peer that does "
        "not answer 502 (`region_unreachable`), with "
        "{code, message, details}."
    ),
)
def search(request: HttpRequest, params: Query[SearchParams]) -> list[dict[str, Any]]:
    try:
        return federated.search(
            q=params.q, lang=params.lang, limit=params.limit, region=params.region
        )
    except ValidationFailed as exc:
        if exc.code == "query_empty":
            return []  # nothing asked, nothing found
        raise


@router.get(
    "/knowledge/answer",
    response=AnswerEnvelopeOut,
    summary="Answer a question from the knowledge base, with citations",
    description=(
        "Extractive: the answer of the best FAQ, or the most relevant paragraph of the best "
        "article, with the article and the services it names as citations. `answer` is null "
        "when no article answers the question surely enough (or none was asked). An over-long "
        "question or an unknown language answers 422 with {code, message, details}."
    ),
)
def answer(request: HttpRequest, params: Query[AnswerParams]) -> dict[str, Any]:
    try:
        result = selectors.answer(q=params.q, lang=params.lang)
    except ValidationFailed as exc:
        if exc.code != "query_empty":
            raise
        result = None
    return {"answer": result.as_dict() if result is not None else None}


@router.get(
    "/knowledge/articles/{slug}",
    response=ArticleOut,
    summary="One knowledge article (published and in force)",
    description=(
        "`lang` (a BCP 47 tag of Chinese or English) picks the language. An unknown article "
        "answers 404."
    ),
)
def article(request: HttpRequest, slug: str, params: Query[ArticleParams]) -> dict[str, Any]:
    lang = selectors.clean_lang(params.lang)
    found = selectors.article_get(slug=slug, actor=request.user)
    return {
        "slug": found.slug,
        "kind": found.kind,
        "region": found.region_id,
        "title": found.title(lang),
        "question": found.question(lang),
        "body": found.body(lang),
        "source": found.source,
        "department_kind": found.department_kind_id,
        "effective_from": found.effective_from,
        "effective_until": found.effective_until,
        "related": [c.as_dict() for c in selectors.article_related(article=found, lang=lang)],
    }
