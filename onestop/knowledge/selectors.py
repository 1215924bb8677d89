"""Reads of the knowledge app: search over catalogue items and scenario bundles.

`search` is the public contract (the portal, the API and the hotline call it). The pipeline:
validate -> tokenise (jieba search mode) + colloquial synonym expansion -> full-text candidates
(FTS5 bm25 on SQLite, idf-weighted ts_rank_cd on PostgreSQL) -> embedding nearest neighbours
(numpy cosine over a per-region matrix cached in the process) -> weighted fusion of normalised
scores, bundle propagation, and a small prior for scenario bundles when the question reads like
a life event. See docs/search.md.
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from django.conf import settings
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from onestop.core.errors import ValidationFailed
from onestop.core.text import tokenize_for_search
from onestop.knowledge import embeddings, fulltext, synonyms
from onestop.knowledge.models import SearchDocument

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
WEIGHT_FULLTEXT = 0.5
WEIGHT_EMBEDDING = 0.5
# Scenario bundles answer life-event questions better than any one of their items.
SCENARIO_PRIOR = 1.3
# A question that matches an item of a bundle is partly a question about the bundle: the
# scenario gets this share of its best-matching item's score.
BUNDLE_SHARE = 0.5


@dataclass(frozen=True)
class Hit:
    kind: str
    ref: str
    title: str
    score: float

    @property
    def slug(self) -> str | None:
        return self.ref if self.kind == SearchDocument.Kind.SCENARIO else None

    @property
    def code(self) -> str | None:
        return self.ref if self.kind == SearchDocument.Kind.ITEM else None

    def as_dict(self) -> dict[str, Any]:
        key = "slug" if self.kind == SearchDocument.Kind.SCENARIO else "code"
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


# --- the per-region embedding matrix, cached per process -----------------------------------


@dataclass(frozen=True)
class _Matrix:
    signature: tuple[Any, ...]
    ids: npt.NDArray[np.int64]
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
            .values_list("id", "embedding")
        )
        ids = np.array([pk for pk, _vec in rows], dtype=np.int64)
        vectors = (
            np.vstack([embeddings.from_bytes(vec) for _pk, vec in rows])
            if rows
            else np.zeros((0, embeddings.DIMENSIONS), dtype=np.float32)
        )
        matrix = _Matrix(signature=signature, ids=ids, vectors=vectors)
        _matrices[region] = matrix
        return matrix


def clear_cache() -> None:
    with _matrix_lock:
        _matrices.clear()


def _neighbours(text: str, region: str, limit: int) -> list[tuple[int, float]]:
    matrix = _matrix(region)
    if not len(matrix.ids):
        return []
    query = embeddings.encode([text])[0]
    scores = matrix.vectors @ query
    order = np.argsort(-scores)[:limit]
    return [(int(matrix.ids[i]), float(scores[i])) for i in order if scores[i] >= MIN_COSINE]


# --- search ----------------------------------------------------------------------------------


def search(
    *,
    q: str,
    lang: str = "zh-hans",
    limit: int | str = 10,
    region: str | None = None,
) -> list[Hit]:
    """Catalogue items and scenario bundles that answer a question, best first.

    Raises ValidationFailed for an empty or over-long query, an unknown language or a limit
    outside 1..50. `region` defaults to this node's region.
    """
    text = _clean_query(q)
    lang = _clean_lang(lang)
    count = _clean_limit(limit)
    region = region or settings.NODE_REGION

    expansion = synonyms.expand(text)
    tokens = tokenize_for_search(text)
    tokens += [t for t in tokenize_for_search(" ".join(expansion.terms)) if t not in tokens]

    fused: dict[int, float] = {}
    textual = fulltext.candidates(tokens=tokens, region=region, limit=FULLTEXT_CANDIDATES)
    top = max((score for _pk, score in textual), default=0.0)
    for pk, score in textual:
        if top > 0:
            fused[pk] = fused.get(pk, 0.0) + WEIGHT_FULLTEXT * score / top
    for pk, cosine in _neighbours(text, region, EMBEDDING_CANDIDATES):
        semantic = (cosine - MIN_COSINE) / (1 - MIN_COSINE)
        fused[pk] = fused.get(pk, 0.0) + WEIGHT_EMBEDDING * semantic
    if not fused:
        return []

    documents = list(
        SearchDocument.objects.filter(pk__in=fused).only(
            "id", "kind", "ref", "title_zh", "title_en", "bundles"
        )
    )
    # Bundle propagation: the best score among a scenario's matching items lifts it, and a
    # scenario reached only through its items joins the candidates.
    from_items: dict[str, float] = {}
    for doc in documents:
        if doc.kind == SearchDocument.Kind.ITEM:
            for slug in doc.bundles or []:
                from_items[slug] = max(from_items.get(slug, 0.0), fused[doc.pk])
    present = {d.ref for d in documents if d.kind == SearchDocument.Kind.SCENARIO}
    if missing := set(from_items) - present:
        extra = SearchDocument.objects.filter(
            region=region, kind=SearchDocument.Kind.SCENARIO, ref__in=missing
        ).only("id", "kind", "ref", "title_zh", "title_en", "bundles")
        for doc in extra:
            fused[doc.pk] = 0.0
            documents.append(doc)

    best = (WEIGHT_FULLTEXT + WEIGHT_EMBEDDING) * (1 + BUNDLE_SHARE) * SCENARIO_PRIOR
    hits = []
    for doc in documents:
        score = fused[doc.pk]
        if doc.kind == SearchDocument.Kind.SCENARIO:
            score += BUNDLE_SHARE * from_items.get(doc.ref, 0.0)
            if expansion.life_event:
                score *= SCENARIO_PRIOR
        hits.append(Hit(kind=doc.kind, ref=doc.ref, title=doc.title(lang), score=score / best))
    hits.sort(key=lambda h: (-h.score, h.kind != SearchDocument.Kind.SCENARIO, h.ref))
    return [
        Hit(kind=h.kind, ref=h.ref, title=h.title, score=round(h.score, 4)) for h in hits[:count]
    ]
