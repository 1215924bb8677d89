"""Writes of the knowledge app: keeping the search index in step with the catalogue.

The index is derived data. `index_rebuild` makes a region's index match its catalogue and is
idempotent: a document whose text did not change is not written again (so `updated_at`, and
the cached embedding matrices keyed on it, stay put). `index_item` / `index_scenario` update one
document, for a catalogue change that should be searchable at once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction

from onestop.catalog import selectors as catalog_selectors
from onestop.core.text import tokenize_for_search
from onestop.knowledge import embeddings, synonyms
from onestop.knowledge.models import SearchDocument
from onestop.org import selectors as org_selectors

if TYPE_CHECKING:
    from onestop.catalog.models import Item, Scenario

logger = logging.getLogger(__name__)

# BM25 runs over one column, so the title is repeated to weigh more than the body text.
TITLE_WEIGHT = 3


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


def _name(obj: object, lang: str) -> str:
    return str(getattr(obj, f"name_{lang}", "") or "")


def _texts(values: Iterable[object]) -> list[str]:
    return [str(v) for v in values if v]


def _item_text(item: Item, bundles: list[str] | None = None) -> DocumentText:
    body: list[str] = [item.applicant_scope_zh, item.applicant_scope_en]
    body += _texts(item.conditions_zh or []) + _texts(item.conditions_en or [])
    for material in item.materials.all():
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
        bundles=sorted(
            catalog_selectors.scenario_list(region=item.region_id)
            .filter(items=item)
            .values_list("slug", flat=True)
        )
        if bundles is None
        else bundles,
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


def _tokens(doc: DocumentText) -> str:
    titles = f"{doc.title_zh} {doc.title_en}"
    # Colloquial aliases of the standard terms in the titles (and, for a scenario, in the
    # names of its items, which are part of its body): 出生登记 also answers to 上户口.
    alias_source = titles if doc.kind == SearchDocument.Kind.ITEM else " ".join([titles, *doc.body])
    words = tokenize_for_search(titles) * TITLE_WEIGHT
    words += tokenize_for_search(" ".join(synonyms.aliases(alias_source)))
    words += tokenize_for_search(" ".join(doc.body))
    return " ".join(words)


def _write(doc: DocumentText) -> tuple[SearchDocument, bool]:
    """Create or update one document; return it and whether anything was written."""
    tokens = _tokens(doc)
    existing = SearchDocument.objects.filter(region=doc.region, kind=doc.kind, ref=doc.ref).first()
    if (
        existing is not None
        and existing.tokens == tokens
        and existing.title_zh == doc.title_zh
        and existing.title_en == doc.title_en
        and existing.bundles == doc.bundles
        and existing.embedding
    ):
        return existing, False
    vector = embeddings.mean_vector(doc.semantic)
    document = existing or SearchDocument(region=doc.region, kind=doc.kind, ref=doc.ref)
    document.title_zh = doc.title_zh[:200]
    document.title_en = doc.title_en[:200]
    document.tokens = tokens
    document.bundles = doc.bundles
    document.embedding = embeddings.to_bytes(vector)
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


def index_delete(*, region: str, kind: str, ref: str) -> int:
    """Remove one document (an item or scenario that left the catalogue)."""
    with transaction.atomic():
        deleted, _ = SearchDocument.objects.filter(region=region, kind=kind, ref=ref).delete()
    return deleted


def _rebuild_region(region: str) -> dict[str, int]:
    seen: set[tuple[str, str]] = set()
    written = 0
    bundles: dict[str, list[str]] = {}
    for scenario in catalog_selectors.scenario_list(region=region):
        members = catalog_selectors.scenario_items(scenario=scenario)
        doc = _scenario_text(scenario, members)
        written += _write(doc)[1]
        seen.add((doc.kind, doc.ref))
        for item in members:
            bundles.setdefault(item.code, []).append(scenario.slug)
    items = catalog_selectors.item_list(region=region).prefetch_related("materials")
    for item in items:
        doc = _item_text(item, sorted(bundles.get(item.code, [])))
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
