"""Shapes of the search and knowledge API (/api/v1/search, /api/v1/knowledge/...)."""

import datetime
from typing import Literal

from ninja import Schema


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
    # Plain strings on purpose: the selector validates them and answers 400 with the domain
    # error shape, instead of ninja's generic 422.
    q: str = ""
    lang: str = "zh-hans"
    limit: str = "10"
    region: str = ""


class AnswerParams(Schema):
    q: str = ""
    lang: str = "zh-hans"


class ArticleParams(Schema):
    lang: str = "zh-hans"
