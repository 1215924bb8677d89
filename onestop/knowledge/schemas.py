"""Shapes of the search and knowledge API (/api/v1/search, /api/v1/knowledge/...)."""

import datetime
from typing import Literal

from ninja import Field, Schema

from onestop.core.languages import TAG_PATTERN

LANG = Field(
    "zh-hans",
    pattern=TAG_PATTERN,
    description="A BCP 47 tag (zh, zh-CN, zh-Hans, en, en-GB, any case): Chinese or English.",
)
Q = Field("", max_length=200, description="The question in the citizen's words (empty: no hits).")


class SearchHitOut(Schema):
    """One search result. Scenario and article hits carry `slug`, item hits carry `code`."""

    kind: Literal["scenario", "item", "article"]
    slug: str | None = None
    code: str | None = None
    title: str
    score: float | None = None
    region: str
    url: str


class CitationOut(Schema):
    """A source of an answer: the article quoted, or a service item or scenario it names."""

    kind: Literal["article", "scenario", "item"]
    ref: str
    title: str
    source: str
    url: str


class AnswerOut(Schema):
    text: str
    citations: list[CitationOut]
    confidence: float


class AnswerEnvelopeOut(Schema):
    """`answer` is null when no article answers the question surely enough."""

    answer: AnswerOut | None


class ArticleOut(Schema):
    slug: str
    kind: Literal["article", "faq"]
    region: str | None
    title: str
    question: str
    body: str
    source: str
    department_kind: str | None
    effective_from: datetime.date
    effective_until: datetime.date | None
    related: list[CitationOut]


class SearchParams(Schema):
    # The bounds are in the OpenAPI document; outside them ninja answers 422 in the one shape.
    q: str = Q
    lang: str = LANG
    limit: int = Field(10, ge=1, le=50)
    region: str = Field(
        "",
        max_length=12,
        pattern=r"^(\d{6})?$",
        description="GB/T 2260 code of the region whose node answers (empty: this node's).",
    )


class AnswerParams(Schema):
    q: str = Q
    lang: str = LANG


class ArticleParams(Schema):
    lang: str = LANG
