"""Who wants to know when a region's catalogue changed.

Apps that keep something derived from the catalogue (the search index) register a callback in
their `AppConfig.ready()`; `catalog.services` calls them after the change has committed. This
keeps the catalogue free of imports of the apps that read it.
"""

from __future__ import annotations

from collections.abc import Callable

CatalogueChanged = Callable[[str], None]

_listeners: dict[str, CatalogueChanged] = {}


def on_catalogue_changed(fn: CatalogueChanged) -> CatalogueChanged:
    _listeners[f"{fn.__module__}.{fn.__qualname__}"] = fn
    return fn


def catalogue_changed(region: str) -> None:
    for fn in _listeners.values():
        fn(region)
