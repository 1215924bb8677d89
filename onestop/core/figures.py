"""A registry of aggregate figures that one app computes and another on the same floor shows.

Apps of one floor may not import each other (import-linter: independent layers); when a
dashboard needs another app's public aggregates, the providing app registers a function here
from its `AppConfig.ready()` and the dashboard asks for it by name. A name nobody provides
answers `None`: the dashboard shows the figure as not available.

Names in use: ``reviews.stats`` (`reviews.selectors.stats`: the public review figures per
department and item, shown on the insights dashboards); ``benefits.figures``
(`benefits.selectors.benefit_figures`: per rule, the offers, their uptake, the payments and the
median days from eligibility to uptake and to payment, in the actor's scope, or `None` when
the actor has none, shown on the insights dashboards).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_providers: dict[str, Callable[..., Any]] = {}


def provide(name: str, fn: Callable[..., Any]) -> None:
    """Register `fn` as the provider of the figures `name` (the last registration wins)."""
    _providers[name] = fn


def provider(name: str) -> Callable[..., Any] | None:
    """The function registered under `name`, or `None`."""
    return _providers.get(name)
