"""Hooks through which apps on higher floors serve the catalogue without it importing them.

- Who wants to know when a region's catalogue changed: apps that keep something derived from
  the catalogue (the search index) register a callback in their `AppConfig.ready()`;
  `catalog.services` calls them after the change has committed.
- What the signed-in person already holds: which materials they need not hand in, and the form
  values pre-filled from their records. Composing that reads `sharing` and `credentials` (both
  on the catalogue's floor), so it lives one floor up (`cases.holdings`), which registers itself
  here from its `AppConfig.ready()`. Without a provider the pages show no personal status.

This keeps the catalogue free of imports of the apps that read it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

CatalogueChanged = Callable[[str], None]

_listeners: dict[str, CatalogueChanged] = {}


def on_catalogue_changed(fn: CatalogueChanged) -> CatalogueChanged:
    _listeners[f"{fn.__module__}.{fn.__qualname__}"] = fn
    return fn


def catalogue_changed(region: str) -> None:
    for fn in _listeners.values():
        fn(region)


@dataclass(frozen=True)
class Holdings:
    """What one provider answers about the signed-in person.

    `material_statuses(actor, materials)`: {material id: {"status", "source", ...}} for a
    citizen or business, ``{}`` for anyone else (a fixed number of queries).
    `prefill(actor, schema, fetch)`: ``None`` when there is nothing to pre-fill for this actor;
    else ``{"plan", "verified", "fetched", "rows"}``: what would be filled in (from the
    registry, nothing read), whether the actor's identity is verified enough to fetch, and,
    with `fetch` (only ever on a POST), the rows ``{"key", "title_zh", "title_en", "value",
    "source"}`` fetched from their records (every fetch recorded), and ``unavailable``: the
    labels of the sources that could not answer now (a department system down).
    """

    material_statuses: Callable[..., dict[int, dict[str, Any]]]
    prefill: Callable[..., dict[str, Any] | None]


_holdings: list[Holdings] = []


def provide_holdings(holdings: Holdings) -> None:
    """Register the one holdings provider (a later registration replaces an earlier one)."""
    _holdings[:] = [holdings]


def material_statuses(*, actor: Any, materials: Sequence[Any]) -> dict[int, dict[str, Any]]:
    if not _holdings or not materials:
        return {}
    return _holdings[0].material_statuses(actor=actor, materials=materials)


def prefill(*, actor: Any, schema: dict[str, Any], fetch: bool) -> dict[str, Any] | None:
    if not _holdings:
        return None
    return _holdings[0].prefill(actor=actor, schema=schema, fetch=fetch)
