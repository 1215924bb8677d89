"""Writes of the knowledge app: the knowledge base, and the search index kept in step with the
catalogue and the knowledge base.

The index is derived data. `index_rebuild` makes a region's index match its catalogue and is
idempotent: a document whose text did not change is not written again (so `updated_at`, and
the cached embedding matrices keyed on it, stay put). `index_item` / `index_scenario` update one
document, for a catalogue change that should be searchable at once; `index_article` does the
same for a knowledge article (indexed only while published and inside its effective dates).

Articles: `article_import` (the demo seed, idempotent), `article_from_ticket_reply` (a hotline
agent turns a reply into a draft), `article_publish` (a supervisor or administrator).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import logging
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onestop.catalog import selectors as catalog_selectors
from onestop.core.errors import PermissionDenied, ValidationFailed, full_clean
from onestop.core.text import tokenize_for_search
from onestop.knowledge import embeddings, policies, synonyms
from onestop.knowledge import selectors as knowledge_selectors
from onestop.knowledge.models import Article, SearchDocument
from onestop.org import selectors as org_selectors

if TYPE_CHECKING:
    from onestop.catalog.models import Item, Scenario

logger = logging.getLogger(__name__)

# BM25 runs over one column, so the title is repeated to weigh more than the body text.
TITLE_WEIGHT = 3
# An item's embedding is its names plus, each at this weight, what its guide says about it:
# the conditions, the key materials, the result, the bundles it belongs to, and the duties of
# the department that handles it (issue #14's dev set: item MRR 0.950 -> 0.964; see
# docs/search.md). A name says what the service is called, the guide what it is for.
GUIDE_WEIGHT = 0.15
GUIDE_MATERIALS = 6
# Part of every document's `semantic_key`: change it when the way documents are embedded
# changes, and every document is re-encoded by the next rebuild (apps.py enqueues one for each
# region whose documents carry another scheme, after `migrate`).
EMBEDDING_SCHEME = "2"
INVALID_ARTICLE = gettext_lazy("The article is not valid.")


@dataclass(frozen=True)
class DocumentText:
    kind: str
    ref: str
    region: str
    title_zh: str
    title_en: str
    body: list[str]
    semantic: list[str]  # what the embedding is computed from, one string per language
    bundles: list[str]
    titles: str = ""  # the weighted title text when it differs from the two titles
    # Further groups of text whose mean vectors join the embedding at GUIDE_WEIGHT each.
    guide: tuple[tuple[str, ...], ...] = ()


def _name(obj: object, lang: str) -> str:
    return str(getattr(obj, f"name_{lang}", "") or "")


def _texts(values: Iterable[object]) -> list[str]:
    return [str(v) for v in values if v]


def _item_bundles(item: Item) -> list[Scenario]:
    return list(catalog_selectors.scenario_list(region=item.region_id).filter(items=item))


def _item_guide(
    item: Item, materials: list[str], scenarios: list[Scenario]
) -> tuple[tuple[str, ...], ...]:
    """The item's guide, as groups of text for its embedding (DocumentText.guide)."""
    result = item.result or {}
    kind = item.implementing_department.kind
    groups = [
        _texts([*(item.conditions_zh or []), *(item.conditions_en or [])]),
        materials[:GUIDE_MATERIALS],
        _texts([result.get("name_zh"), result.get("name_en")]),
        _texts([s.name_zh for s in scenarios] + [s.name_en for s in scenarios]),
        _texts([getattr(kind, "duties_zh", "")]),
    ]
    return tuple(tuple(g) for g in groups if g)


def _item_text(item: Item, scenarios: list[Scenario] | None = None) -> DocumentText:
    if scenarios is None:
        scenarios = _item_bundles(item)
    body: list[str] = [item.applicant_scope_zh, item.applicant_scope_en]
    body += _texts(item.conditions_zh or []) + _texts(item.conditions_en or [])
    materials = list(item.materials.all())
    for material in materials:
        body += [material.name_zh, material.name_en]
    for department in (item.competent_department, item.implementing_department):
        body += [department.name_zh, department.name_en]
    result = item.result or {}
    body += [str(result.get("name_zh") or ""), str(result.get("name_en") or "")]
    body += _texts(item.themes or [])
    return DocumentText(
        kind=SearchDocument.Kind.ITEM,
        ref=item.code,
        region=item.region_id,
        title_zh=item.name_zh,
        title_en=item.name_en,
        body=[b for b in body if b],
        semantic=[item.name_zh, item.name_en],
        bundles=sorted(s.slug for s in scenarios),
        guide=_item_guide(item, _texts(m.name_zh for m in materials), scenarios),
    )


def _scenario_text(scenario: Scenario, items: list[Item] | None = None) -> DocumentText:
    if items is None:
        items = catalog_selectors.scenario_items(scenario=scenario)
    body: list[str] = [scenario.summary_zh, scenario.summary_en]
    for item in items:
        body += [item.name_zh, item.name_en]
    for variant in scenario.variants or []:
        if isinstance(variant, dict):
            body += [str(variant.get("question_zh") or ""), str(variant.get("question_en") or "")]
    body.append(scenario.lead_department.name_zh)
    return DocumentText(
        kind=SearchDocument.Kind.SCENARIO,
        ref=scenario.slug,
        region=scenario.region_id,
        title_zh=scenario.name_zh,
        title_en=scenario.name_en,
        body=[b for b in body if b],
        semantic=[
            f"{scenario.name_zh}。{scenario.summary_zh}",
            f"{scenario.name_en}. {scenario.summary_en}",
        ],
        bundles=[],
    )


def _article_text(article: Article, region: str) -> DocumentText:
    # The question is part of the title: a FAQ is found by questions like its own.
    title_zh = " ".join(t for t in (article.title_zh, article.question_zh) if t)
    title_en = " ".join(t for t in (article.title_en, article.question_en) if t)
    body = [article.body_zh, article.body_en, article.source]
    if article.department_kind is not None:
        body += [article.department_kind.name_zh, article.department_kind.name_en]
    return DocumentText(
        kind=SearchDocument.Kind.ARTICLE,
        ref=article.slug,
        region=region,
        title_zh=article.title_zh,
        title_en=article.title_en,
        body=[b for b in body if b],
        semantic=[
            f"{article.title_zh}。{article.question_zh}" if article.question_zh else title_zh,
            f"{article.title_en}. {article.question_en}" if article.question_en else title_en,
        ],
        bundles=[],
        titles=f"{title_zh} {title_en}",
    )


def _tokens(doc: DocumentText) -> str:
    titles = doc.titles or f"{doc.title_zh} {doc.title_en}"
    # Colloquial aliases of the standard terms in the titles (and, for a scenario, in the
    # names of its items, which are part of its body): 出生登记 also answers to 上户口.
    alias_source = (
        titles if doc.kind != SearchDocument.Kind.SCENARIO else " ".join([titles, *doc.body])
    )
    words = tokenize_for_search(titles) * TITLE_WEIGHT
    words += tokenize_for_search(" ".join(synonyms.aliases(alias_source)))
    words += tokenize_for_search(" ".join(doc.body))
    return " ".join(words)


@functools.lru_cache(maxsize=4096)
def _group_vector(texts: tuple[str, ...]) -> embeddings.Vector:
    """The mean vector of some texts; a department's duties or a bundle's names, shared by
    many items, are encoded once per process."""
    return embeddings.mean_vector(list(texts))


@functools.lru_cache(maxsize=4096)
def _vector(semantic: tuple[str, ...], guide: tuple[tuple[str, ...], ...] = ()) -> bytes:
    """The embedding of a document's texts: the mean vector of its names, plus GUIDE_WEIGHT
    times the mean vector of each guide group, normalised. An article of every region is
    encoded once."""
    vector = _group_vector(semantic)
    for group in guide:
        vector = vector + GUIDE_WEIGHT * _group_vector(group)
    norm = float(np.linalg.norm(vector))
    return embeddings.to_bytes(vector / norm if norm else vector)


def semantic_key(doc: DocumentText) -> str:
    """What the embedding was computed from (scheme and texts): a document whose key differs
    from the stored one is re-encoded."""
    texts = json.dumps([doc.semantic, doc.guide], ensure_ascii=False)
    return f"{EMBEDDING_SCHEME}:{hashlib.sha256(texts.encode()).hexdigest()[:32]}"


def _write(doc: DocumentText) -> tuple[SearchDocument, bool]:
    """Create or update one document; return it and whether anything was written."""
    tokens = _tokens(doc)
    key = semantic_key(doc)
    existing = SearchDocument.objects.filter(region=doc.region, kind=doc.kind, ref=doc.ref).first()
    if (
        existing is not None
        and existing.tokens == tokens
        and existing.title_zh == doc.title_zh
        and existing.title_en == doc.title_en
        and existing.bundles == doc.bundles
        and existing.semantic_key == key
        and existing.embedding
    ):
        return existing, False
    document = existing or SearchDocument(region=doc.region, kind=doc.kind, ref=doc.ref)
    document.title_zh = doc.title_zh[:200]
    document.title_en = doc.title_en[:200]
    document.tokens = tokens
    document.bundles = doc.bundles
    document.embedding = _vector(tuple(doc.semantic), doc.guide)
    document.semantic_key = key
    document.full_clean()
    document.save()
    return document, True


def index_item(item: Item) -> SearchDocument:
    """Index (or re-index) one catalogue item."""
    with transaction.atomic():
        return _write(_item_text(item))[0]


def index_scenario(scenario: Scenario) -> SearchDocument:
    """Index (or re-index) one scenario bundle."""
    with transaction.atomic():
        return _write(_scenario_text(scenario))[0]


def _regions_for_all() -> set[str]:
    """Where an article of every region is indexed: the node's region and every region with
    a catalogue (a province or city without services of its own has no search page)."""
    codes = set(org_selectors.region_list().values_list("code", flat=True))
    with_items = {code for code in codes if catalog_selectors.item_list(region=code).exists()}
    return with_items | ({settings.NODE_REGION} & codes)


def _article_regions(article: Article) -> list[str]:
    if article.region_id:
        return [str(article.region_id)]
    return sorted(_regions_for_all())


def index_article(article: Article) -> list[SearchDocument]:
    """Index (or re-index) one article in every region it applies to.

    An article that is not visible (a draft, not yet or no longer effective) is removed from
    the index instead; so is an article from the regions it no longer applies to.
    """
    with transaction.atomic():
        visible = knowledge_selectors.articles_visible().filter(pk=article.pk).exists()
        regions = _article_regions(article) if visible else []
        SearchDocument.objects.filter(kind=SearchDocument.Kind.ARTICLE, ref=article.slug).exclude(
            region__in=regions
        ).delete()
        return [_write(_article_text(article, region))[0] for region in regions]


def index_delete(*, region: str, kind: str, ref: str) -> int:
    """Remove one document (an item or scenario that left the catalogue)."""
    with transaction.atomic():
        deleted, _ = SearchDocument.objects.filter(region=region, kind=kind, ref=ref).delete()
    return deleted


def _rebuild_region(region: str) -> dict[str, int]:
    seen: set[tuple[str, str]] = set()
    written = 0
    bundles: dict[str, list[Scenario]] = {}
    for scenario in catalog_selectors.scenario_list(region=region):
        members = catalog_selectors.scenario_items(scenario=scenario)
        doc = _scenario_text(scenario, members)
        written += _write(doc)[1]
        seen.add((doc.kind, doc.ref))
        for item in members:
            bundles.setdefault(item.code, []).append(scenario)
    items = (
        catalog_selectors.item_list(region=region)
        .select_related("implementing_department__kind")
        .prefetch_related("materials")
    )
    for item in items:
        doc = _item_text(item, sorted(bundles.get(item.code, []), key=lambda s: s.slug))
        written += _write(doc)[1]
        seen.add((doc.kind, doc.ref))
    articles = knowledge_selectors.articles_visible(region=region)
    if region not in _regions_for_all():
        articles = articles.filter(region_id=region)
    for article in articles.select_related("department_kind"):
        doc = _article_text(article, region)
        written += _write(doc)[1]
        seen.add((doc.kind, doc.ref))
    stale = [
        pk
        for pk, kind, ref in SearchDocument.objects.filter(region=region).values_list(
            "pk", "kind", "ref"
        )
        if (kind, ref) not in seen
    ]
    deleted = SearchDocument.objects.filter(pk__in=stale).delete()[0] if stale else 0
    return {"documents": len(seen), "written": written, "deleted": deleted}


def index_rebuild(*, region: str | None = None) -> dict[str, int]:
    """Make the index of one region (or of every region) match the catalogue.

    Returns counts: documents in the index for the regions rebuilt, documents written
    (created or changed) and stale documents deleted. A second run writes nothing.
    """
    regions = (
        [region]
        if region is not None
        else list(org_selectors.region_list().values_list("code", flat=True))
    )
    totals = {"documents": 0, "written": 0, "deleted": 0}
    with transaction.atomic():
        if region is None:
            # Regions that no longer exist keep no documents.
            totals["deleted"] += SearchDocument.objects.exclude(region__in=regions).delete()[0]
        for code in regions:
            for key, value in _rebuild_region(code).items():
                totals[key] += value
    logger.info("search index rebuilt: %s", totals)
    return totals


# --- the knowledge base ----------------------------------------------------------------------

ARTICLE_FIELDS = (
    "kind",
    "title_zh",
    "title_en",
    "question_zh",
    "question_en",
    "body_zh",
    "body_en",
    "source",
    "related_items",
    "related_scenarios",
    "effective_from",
    "effective_until",
    "status",
)


def _date(value: object) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def _department_kind(key: object) -> Any:
    if key in (None, ""):
        return None
    if not isinstance(key, str):
        return key
    kind = org_selectors.department_kind_list().filter(key=key).first()
    if kind is None:
        raise ValidationFailed(
            _("Unknown department kind: %(key)s.") % {"key": key},
            code="unknown_department_kind",
            details=[{"field": "department_kind", "value": key}],
        )
    return kind


def _known_region(code: object) -> str | None:
    if not code:
        return None
    return str(code) if org_selectors.region_list().filter(code=str(code)).exists() else None


def article_import(*, actor: Any, records: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Create or update articles by slug from plain records (data/seed/knowledge_articles.json).

    Idempotent: an unchanged article is not written. A record for a region this node does not
    know is skipped. Returns counts: created, updated, unchanged, skipped.
    """
    if not policies.can(actor, policies.Action.ARTICLE_IMPORT):
        raise PermissionDenied(_("You may not import knowledge articles."))
    counts = {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0}
    with transaction.atomic():
        for record in records:
            region = _known_region(record.get("region"))
            if record.get("region") and region is None:
                counts["skipped"] += 1
                continue
            values: dict[str, Any] = {f: record.get(f) for f in ARTICLE_FIELDS if f in record}
            for field in ("effective_from", "effective_until"):
                values[field] = _date(record.get(field))
            for field in ("title_en", "question_zh", "question_en", "body_en"):
                values[field] = values.get(field) or ""
            kind = _department_kind(record.get("department_kind"))
            article = Article.objects.filter(slug=record.get("slug")).first()
            if article is None:
                article = Article(slug=str(record.get("slug") or ""))
                changed = True
            else:
                changed = (
                    any(getattr(article, f) != v for f, v in values.items())
                    or article.region_id != region
                    or article.department_kind_id != (kind.key if kind else None)
                )
            if not changed:
                counts["unchanged"] += 1
                continue
            created = article.pk is None
            for field, value in values.items():
                setattr(article, field, value)
            article.region_id = region
            article.department_kind = kind
            if article.status == Article.Status.PUBLISHED and article.published_at is None:
                article.published_at = timezone.now()
            full_clean(article, message=INVALID_ARTICLE, code="invalid_article")
            article.save()
            index_article(article)
            counts["created" if created else "updated"] += 1
    return counts


def _required(value: object, message: str, field: str, max_length: int | None = None) -> str:
    text = " ".join(str(value or "").split()) if field != "body_zh" else str(value or "").strip()
    if not text:
        raise ValidationFailed(message, code="required", details=[{"field": field}])
    if max_length is not None and len(text) > max_length:
        raise ValidationFailed(
            _("The %(field)s is too long. Use at most %(max)d characters.")
            % {"field": field, "max": max_length},
            code="too_long",
            details=[{"field": field, "max_length": max_length}],
        )
    return text


def article_from_ticket_reply(
    *,
    actor: Any,
    title_zh: str,
    body_zh: str,
    question_zh: str,
    source: str,
    department_kind: Any = None,
) -> Article:
    """Turn the reply of a closed hotline order into a draft FAQ of the node's region.

    The draft is not searchable until a supervisor or administrator publishes it
    (`article_publish`). `department_kind` is a department kind or its key.
    """
    if not policies.can(actor, policies.Action.ARTICLE_DRAFT):
        raise PermissionDenied(_("You may not write knowledge articles."))
    title = _required(title_zh, _("Enter a title."), "title_zh", 200)
    body = _required(body_zh, _("Enter the answer."), "body_zh")
    question = " ".join(str(question_zh or "").split())[:300]
    cited = _required(source, _("Enter the source of the answer."), "source", 300)
    kind = _department_kind(department_kind)
    today = timezone.localdate()
    article = Article(
        slug=f"reply-{today:%Y%m%d}-{secrets.token_hex(4)}",
        region_id=_known_region(settings.NODE_REGION),
        kind=Article.Kind.FAQ if question else Article.Kind.ARTICLE,
        title_zh=title,
        question_zh=question,
        body_zh=body,
        source=cited,
        department_kind=kind,
        effective_from=today,
        status=Article.Status.DRAFT,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    with transaction.atomic():
        full_clean(article, message=INVALID_ARTICLE, code="invalid_article")
        article.save()
    return article


def article_publish(*, actor: Any, article: Article) -> Article:
    """Publish a draft (supervisor or administrator of its region) and index it at once."""
    if not policies.can(actor, policies.Action.ARTICLE_PUBLISH, article):
        raise PermissionDenied(_("Only a supervisor or an administrator may publish articles."))
    with transaction.atomic():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        if locked.status != Article.Status.PUBLISHED:
            locked.status = Article.Status.PUBLISHED
            locked.published_at = timezone.now()
            locked.published_by = actor if getattr(actor, "pk", None) else None
            full_clean(locked, message=INVALID_ARTICLE, code="invalid_article")
            locked.save(update_fields=["status", "published_at", "published_by", "updated_at"])
        index_article(locked)
    article.refresh_from_db()
    return article
