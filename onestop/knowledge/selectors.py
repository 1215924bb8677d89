"""Reads of the knowledge app: search over catalogue items, scenario bundles and knowledge
articles; the knowledge base; answers with citations.

`search` is the public contract (the portal, the API and the hotline call it). The pipeline:
validate -> tokenise (jieba search mode) + colloquial synonym expansion -> full-text candidates
(FTS5 bm25 on SQLite, idf-weighted ts_rank_cd on PostgreSQL) -> embedding nearest neighbours
(numpy cosine over a per-region matrix cached in the process) -> weighted fusion of normalised
scores, bundle propagation, and a small prior for scenario bundles when the question reads like
a life event. Articles join the same index (kind "article") and the same pipeline; `answer`
picks the best article for a question and quotes it with citations, or answers nothing.
See docs/search.md.
"""

from __future__ import annotations

import datetime
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.catalog import selectors as catalog_selectors
from onestop.core.errors import NotFound, ValidationFailed
from onestop.core.languages import from_tag
from onestop.core.text import tokenize_for_search
from onestop.knowledge import embeddings, fulltext, markup, policies, synonyms
from onestop.knowledge.models import Article, SearchDocument

LANGUAGES = ("zh-hans", "en")
MAX_QUERY_LENGTH = 200
MAX_LIMIT = 50
FULLTEXT_CANDIDATES = 50
EMBEDDING_CANDIDATES = 50
# Below this cosine a neighbour is noise, not a match (a query of random letters scores
# about 0.1-0.2 against every document; real paraphrases score 0.35 and above).
MIN_COSINE = 0.30
# Weighted fusion of normalised scores: full-text scores are divided by the best one of the
# query; cosines are mapped from [MIN_COSINE, 1] to [0, 1]. Unlike rank fusion this keeps the
# size of a gap: a document that matches one generic word stays far below an exact match.
WEIGHT_FULLTEXT = 0.3
WEIGHT_EMBEDDING = 0.7
# Scenario bundles answer life-event questions better than any one of their items.
SCENARIO_PRIOR = 1.3
# A question that matches an item of a bundle is partly a question about the bundle: the
# scenario gets this share of its best-matching item's score.
BUNDLE_SHARE = 0.5
# Articles answer questions; the catalogue answers "what do I apply for". When both match about
# as well, the service comes first in a mixed list.
ARTICLE_PRIOR = 0.8
KINDS = tuple(SearchDocument.Kind.values)
CATALOGUE_KINDS = (SearchDocument.Kind.ITEM.value, SearchDocument.Kind.SCENARIO.value)


@dataclass(frozen=True)
class Hit:
    kind: str
    ref: str
    title: str
    score: float
    # Why it matched: the question's words (or the standard terms its colloquial phrases stand
    # for) found in the document; empty when it matched on meaning alone (the embeddings).
    matched: tuple[str, ...] = ()

    @property
    def slug(self) -> str | None:
        return self.ref if self.kind != SearchDocument.Kind.ITEM else None

    @property
    def code(self) -> str | None:
        return self.ref if self.kind == SearchDocument.Kind.ITEM else None

    def as_dict(self) -> dict[str, Any]:
        key = "slug" if self.kind != SearchDocument.Kind.ITEM else "code"
        return {"kind": self.kind, key: self.ref, "title": self.title, "score": self.score}


def _clean_query(q: object) -> str:
    if not isinstance(q, str):
        raise ValidationFailed(_("Enter something to search for."), code="query_empty")
    # Control characters (including NUL, which PostgreSQL refuses) are dropped, not an error.
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in q)
    text = " ".join(text.split())
    if not text:
        raise ValidationFailed(_("Enter something to search for."), code="query_empty")
    if len(text) > MAX_QUERY_LENGTH:
        raise ValidationFailed(
            _("Your search is too long. Use at most %(max)d characters.")
            % {"max": MAX_QUERY_LENGTH},
            code="query_too_long",
            details=[{"field": "q", "max_length": MAX_QUERY_LENGTH}],
        )
    return text


def _clean_lang(lang: object) -> str:
    """`lang` as a BCP 47 tag (zh, zh-CN, zh-Hans, en-GB, any case) → zh-hans or en."""
    lang = from_tag(lang) if lang not in LANGUAGES else lang
    if lang not in LANGUAGES:
        raise ValidationFailed(
            _("The language must be zh-hans or en."),
            code="invalid_language",
            details=[{"field": "lang", "allowed": list(LANGUAGES)}],
        )
    return str(lang)


def _clean_limit(limit: object) -> int:
    try:
        value = int(str(limit).strip()) if not isinstance(limit, int) else limit
    except ValueError:
        value = 0
    if isinstance(limit, bool) or not 1 <= value <= MAX_LIMIT:
        raise ValidationFailed(
            _("The number of results must be between 1 and %(max)d.") % {"max": MAX_LIMIT},
            code="invalid_limit",
            details=[{"field": "limit", "min": 1, "max": MAX_LIMIT}],
        )
    return value


def _clean_kinds(kinds: Iterable[str] | None) -> tuple[str, ...]:
    if kinds is None:
        return KINDS
    chosen = tuple(dict.fromkeys(str(k) for k in kinds)) if not isinstance(kinds, str) else ()
    if not chosen or any(k not in KINDS for k in chosen):
        raise ValidationFailed(
            _("The kinds of result must be among item, scenario and article."),
            code="invalid_kinds",
            details=[{"field": "kinds", "allowed": list(KINDS)}],
        )
    return chosen


# --- the per-region embedding matrix, cached per process -----------------------------------


@dataclass(frozen=True)
class _Matrix:
    signature: tuple[Any, ...]
    ids: npt.NDArray[np.int64]
    kinds: npt.NDArray[np.str_]
    vectors: npt.NDArray[np.float32]


_matrices: dict[str, _Matrix] = {}
_matrix_lock = threading.Lock()


def _signature(region: str) -> tuple[Any, ...]:
    """Changes whenever a document of the region is written or deleted (one cheap query)."""
    agg = SearchDocument.objects.filter(region=region).aggregate(
        n=Count("id"), last=Max("updated_at"), top=Max("id")
    )
    return (agg["n"], agg["last"], agg["top"])


def _matrix(region: str) -> _Matrix:
    signature = _signature(region)
    cached = _matrices.get(region)
    if cached is not None and cached.signature == signature:
        return cached
    with _matrix_lock:
        cached = _matrices.get(region)
        if cached is not None and cached.signature == signature:
            return cached
        rows = list(
            SearchDocument.objects.filter(region=region)
            .order_by("id")
            .values_list("id", "kind", "embedding")
        )
        ids = np.array([pk for pk, _kind, _vec in rows], dtype=np.int64)
        kinds = np.array([kind for _pk, kind, _vec in rows], dtype=np.str_)
        vectors = (
            np.vstack([embeddings.from_bytes(vec) for _pk, _kind, vec in rows])
            if rows
            else np.zeros((0, embeddings.DIMENSIONS), dtype=np.float32)
        )
        matrix = _Matrix(signature=signature, ids=ids, kinds=kinds, vectors=vectors)
        _matrices[region] = matrix
        return matrix


def clear_cache() -> None:
    with _matrix_lock:
        _matrices.clear()


def _neighbours(
    text: str, matrix: _Matrix, limit: int, kinds: Sequence[str] = KINDS
) -> list[tuple[int, float]]:
    if not len(matrix.ids):
        return []
    query = embeddings.encode([text])[0]
    scores = matrix.vectors @ query
    if len(kinds) < len(KINDS):
        scores = np.where(np.isin(matrix.kinds, list(kinds)), scores, -1.0)
    if len(scores) > limit:
        # The best `limit` without sorting the whole region (10,000 items): partition, then
        # sort those few.
        best = np.argpartition(-scores, limit - 1)[:limit]
        order = best[np.argsort(-scores[best], kind="stable")]
    else:
        order = np.argsort(-scores, kind="stable")
    return [(int(matrix.ids[i]), float(scores[i])) for i in order if scores[i] >= MIN_COSINE]


# --- search ----------------------------------------------------------------------------------


def articles_visible(
    *, region: str | None = None, on: datetime.date | None = None
) -> QuerySet[Article]:
    """Published articles inside their effective dates (of one region and of every region)."""
    today = on or timezone.localdate()
    articles = Article.objects.filter(
        status=Article.Status.PUBLISHED, effective_from__lte=today
    ).filter(Q(effective_until__isnull=True) | Q(effective_until__gte=today))
    if region is not None:
        articles = articles.filter(Q(region__isnull=True) | Q(region_id=region))
    return articles


@dataclass(frozen=True)
class _Ranked:
    documents: list[SearchDocument]
    fused: dict[int, float]
    from_items: dict[str, float]
    life_event: bool
    terms: tuple[str, ...] = ()  # the question's search tokens, its own first, then synonyms


def _rank(text: str, region: str, kinds: Sequence[str]) -> _Ranked:
    """Full-text and embedding candidates of the wanted kinds, with raw fused scores."""
    expansion = synonyms.expand(text)
    tokens = tokenize_for_search(text)
    tokens += [t for t in tokenize_for_search(" ".join(expansion.terms)) if t not in tokens]
    restrict = kinds if len(kinds) < len(KINDS) else None

    fused: dict[int, float] = {}
    textual = fulltext.candidates(
        tokens=tokens, region=region, limit=FULLTEXT_CANDIDATES, kinds=restrict
    )
    top = max((score for _pk, score in textual), default=0.0)
    for pk, score in textual:
        if top > 0:
            fused[pk] = fused.get(pk, 0.0) + WEIGHT_FULLTEXT * score / top
    matrix = _matrix(region)
    for pk, cosine in _neighbours(text, matrix, EMBEDDING_CANDIDATES, kinds):
        semantic = (cosine - MIN_COSINE) / (1 - MIN_COSINE)
        fused[pk] = fused.get(pk, 0.0) + WEIGHT_EMBEDDING * semantic
    if not fused:
        return _Ranked([], {}, {}, expansion.life_event, tuple(tokens))

    fields = ("id", "kind", "ref", "title_zh", "title_en", "bundles", "tokens")
    documents = list(SearchDocument.objects.filter(pk__in=fused).only(*fields))
    # An article indexed while visible may have expired since (the daily rebuild drops it).
    article_refs = [d.ref for d in documents if d.kind == SearchDocument.Kind.ARTICLE]
    if article_refs:
        visible = set(
            articles_visible(region=region)
            .filter(slug__in=article_refs)
            .values_list("slug", flat=True)
        )
        documents = [
            d for d in documents if d.kind != SearchDocument.Kind.ARTICLE or d.ref in visible
        ]
    # Bundle propagation: the best score among a scenario's matching items lifts it, and a
    # scenario reached only through its items joins the candidates.
    from_items: dict[str, float] = {}
    for doc in documents:
        if doc.kind == SearchDocument.Kind.ITEM:
            for slug in doc.bundles or []:
                from_items[slug] = max(from_items.get(slug, 0.0), fused[doc.pk])
    present = {d.ref for d in documents if d.kind == SearchDocument.Kind.SCENARIO}
    if SearchDocument.Kind.SCENARIO in kinds and (missing := set(from_items) - present):
        extra = SearchDocument.objects.filter(
            region=region, kind=SearchDocument.Kind.SCENARIO, ref__in=missing
        ).only(*fields)
        for doc in extra:
            fused[doc.pk] = 0.0
            documents.append(doc)
    return _Ranked(documents, fused, from_items, expansion.life_event, tuple(tokens))


MAX_MATCHED = 4
MIN_TERM_CHARS = 2  # single characters (的, 办, a) explain nothing


def _matched(doc: SearchDocument, terms: Sequence[str]) -> tuple[str, ...]:
    """The question's terms that the document's tokens contain, in the question's order; a
    term inside a longer one found is left out (jieba's search mode also yields 饮店 from
    餐饮店)."""
    have = set((doc.tokens or "").split())
    found = [t for t in dict.fromkeys(terms) if len(t) >= MIN_TERM_CHARS and t in have]
    whole = [t for t in found if not any(t != other and t in other for other in found)]
    return tuple(whole[:MAX_MATCHED])


def search(
    *,
    q: str,
    lang: str = "zh-hans",
    limit: int | str = 10,
    region: str | None = None,
    kinds: Iterable[str] | None = None,
) -> list[Hit]:
    """Catalogue items, scenario bundles and knowledge articles that answer a question, best
    first.

    `kinds` keeps some kinds only ("item", "scenario", "article"; default all). Raises
    ValidationFailed for an empty or over-long query, an unknown language, a limit outside
    1..50 or an unknown kind. `region` defaults to this node's region.
    """
    text = _clean_query(q)
    lang = _clean_lang(lang)
    count = _clean_limit(limit)
    wanted = _clean_kinds(kinds)
    region = region or settings.NODE_REGION

    ranked = _rank(text, region, wanted)
    best = (WEIGHT_FULLTEXT + WEIGHT_EMBEDDING) * (1 + BUNDLE_SHARE) * SCENARIO_PRIOR
    hits: list[tuple[float, SearchDocument]] = []
    for doc in ranked.documents:
        score = ranked.fused[doc.pk]
        if doc.kind == SearchDocument.Kind.SCENARIO:
            score += BUNDLE_SHARE * ranked.from_items.get(doc.ref, 0.0)
            if ranked.life_event:
                score *= SCENARIO_PRIOR
        elif doc.kind == SearchDocument.Kind.ARTICLE:
            score *= ARTICLE_PRIOR
        hits.append((score / best, doc))
    hits.sort(key=lambda h: (-h[0], h[1].kind != SearchDocument.Kind.SCENARIO, h[1].ref))
    # Titles and the words it matched on for the hits shown only (not for every candidate).
    return [
        Hit(
            kind=doc.kind,
            ref=doc.ref,
            title=doc.title(lang),
            score=round(score, 4),
            matched=_matched(doc, ranked.terms),
        )
        for score, doc in hits[:count]
    ]


def clean_lang(lang: object) -> str:
    """zh-hans or en for a BCP 47 tag of either (core.languages); ValidationFailed otherwise."""
    return _clean_lang(lang)


# --- the knowledge base ----------------------------------------------------------------------


def article_get(*, slug: str, actor: Any = None) -> Article:
    """A visible article; a supervisor or administrator also sees drafts and expired ones, and
    the author of a draft sees their own draft (a hotline agent who turned a reply into it)."""
    article = Article.objects.select_related("department_kind", "region").filter(slug=slug).first()
    if article is not None and (
        articles_visible().filter(pk=article.pk).exists()
        or policies.can(actor, policies.Action.ARTICLE_PUBLISH, article)
        or _own_draft(actor, article)
    ):
        return article
    raise NotFound(_("There is no such article."), code="article_not_found")


def _own_draft(actor: Any, article: Article) -> bool:
    return (
        article.status == Article.Status.DRAFT
        and article.created_by_id is not None
        and bool(getattr(actor, "is_authenticated", False))
        and getattr(actor, "is_active", False)
        and article.created_by_id == getattr(actor, "pk", None)
    )


def article_list(*, region: str | None = None) -> QuerySet[Article]:
    """The visible articles of a region (default: this node's): articles, then FAQ, by slug."""
    return articles_visible(region=region or settings.NODE_REGION).order_by("kind", "slug")


@dataclass(frozen=True)
class Citation:
    kind: str  # article | item | scenario
    ref: str
    title: str
    source: str
    url: str

    def as_dict(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "ref": self.ref,
            "title": self.title,
            "source": self.source,
            "url": self.url,
        }


@dataclass(frozen=True)
class Answer:
    text: str
    citations: list[Citation] = field(default_factory=list)
    confidence: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "citations": [c.as_dict() for c in self.citations],
            "confidence": self.confidence,
        }


def article_citation(article: Article, lang: str) -> Citation:
    return Citation(
        kind=SearchDocument.Kind.ARTICLE,
        ref=article.slug,
        title=article.title(lang),
        source=article.source,
        url=reverse("knowledge:article_detail", kwargs={"slug": article.slug}),
    )


def _bilingual(obj: Any, english: bool) -> str:
    """A bilingual name in the answer's language (not the thread's active language)."""
    return str(obj.name_en if english and obj.name_en else obj.name_zh)


def article_related(*, article: Article, lang: str, region: str | None = None) -> list[Citation]:
    """The scenarios and items an article names that exist in the region, as citations."""
    region = region or str(article.region_id or settings.NODE_REGION)
    english = lang.startswith("en")
    slugs = [str(s) for s in article.related_scenarios or []]
    scenarios = {
        s.slug: s
        for s in catalog_selectors.scenario_list(region=region)
        .filter(slug__in=slugs)
        .select_related("lead_department")
    }
    related = [
        Citation(
            kind=SearchDocument.Kind.SCENARIO,
            ref=slug,
            title=(scenario.name_en if english and scenario.name_en else scenario.name_zh),
            source=_bilingual(scenario.lead_department, english),
            url=reverse("catalog:scenario_detail", kwargs={"slug": slug}),
        )
        for slug in slugs
        if (scenario := scenarios.get(slug)) is not None
    ]
    codes = [str(c) for c in article.related_items or []]
    items = {
        i.code: i
        for i in catalog_selectors.item_list(region=region)
        .filter(code__in=codes)
        .select_related("implementing_department")
    }
    related += [
        Citation(
            kind=SearchDocument.Kind.ITEM,
            ref=code,
            title=(item.name_en if english and item.name_en else item.name_zh),
            source=_bilingual(item.implementing_department, english),
            url=reverse("catalog:item_detail", kwargs={"code": code}),
        )
        for code in codes
        if (item := items.get(code)) is not None
    ]
    return related


# How many of the best articles `answer` weighs, and the confidence below which it answers
# nothing: a wrong answer read out on the hotline is worse than "let me find out".
ANSWER_CANDIDATES = 3
ANSWER_FLOOR = 0.45
MAX_RELATED_CITATIONS = 4


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def _confidence(
    question: npt.NDArray[np.float32],
    q_tokens: set[str],
    article: Article,
    doc: SearchDocument,
    fused: float,
) -> float:
    """0-1: how surely `article` answers the question.

    The cosine between the question and the article's own questions and titles, the share of
    the question's words the article holds, and the fused search score.
    """
    phrasings = [
        t
        for t in (article.question_zh, article.question_en, article.title_zh, article.title_en)
        if t
    ]
    cosine = float(np.max(embeddings.encode(phrasings) @ question)) if phrasings else 0.0
    semantic = max(0.0, (cosine - MIN_COSINE) / (1 - MIN_COSINE))
    words = set((doc.tokens or "").split())
    coverage = len(q_tokens & words) / len(q_tokens) if q_tokens else 0.0
    return 0.5 * semantic + 0.3 * coverage + 0.2 * min(fused, 1.0)


def answer(*, q: str, lang: str = "zh-hans", region: str | None = None) -> Answer | None:
    """The answer of the best knowledge article for a question, with its citations; None when
    no article answers it surely enough (confidence below ANSWER_FLOOR).

    Extractive: a FAQ answers with its answer text; an article with its paragraph closest to
    the question (by embedding). Citations: the article first, then the scenarios and items it
    names. Raises ValidationFailed for an empty or over-long question or an unknown language.
    """
    text = _clean_query(q)
    lang = _clean_lang(lang)
    region = region or settings.NODE_REGION
    ranked = _rank(text, region, (SearchDocument.Kind.ARTICLE.value,))
    if not ranked.documents:
        return None
    top = sorted(ranked.documents, key=lambda d: (-ranked.fused[d.pk], d.ref))
    top = top[:ANSWER_CANDIDATES]
    articles = {
        a.slug: a
        for a in articles_visible(region=region)
        .filter(slug__in=[d.ref for d in top])
        .select_related("department_kind")
    }
    question = embeddings.encode([text])[0]
    q_tokens = set(tokenize_for_search(text))
    scored = [
        (_confidence(question, q_tokens, articles[d.ref], d, ranked.fused[d.pk]), d.ref)
        for d in top
        if d.ref in articles
    ]
    if not scored:
        return None
    confidence, slug = max(scored, key=lambda pair: (pair[0], pair[1]))
    if confidence < ANSWER_FLOOR:
        return None
    article = articles[slug]
    body = article.body(lang)
    paragraphs = _paragraphs(body)
    if article.kind == Article.Kind.FAQ or len(paragraphs) <= 1:
        quoted = body.strip()
    else:
        similarity = embeddings.encode(paragraphs) @ question
        quoted = paragraphs[int(np.argmax(similarity))]
    citations = [article_citation(article, lang)]
    citations += article_related(article=article, lang=lang, region=region)[:MAX_RELATED_CITATIONS]
    return Answer(
        text=markup.plain(quoted), citations=citations, confidence=round(min(confidence, 1.0), 4)
    )
