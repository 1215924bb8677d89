"""Hooks through which apps on higher floors contribute to pages of lower floors.

`web` sits on the ground floor and may not import `org` or `catalog`; `org` may not import
`catalog`. Those apps register providers for a named slot instead, from the view modules the
root URLconf imports (so registration is done before the first request is served):

    @registry.provides("home")
    def home_sections(request, **kwargs) -> dict: ...

A page merges `registry.collect(slot, request, **kwargs)` into its context. Slots in use:

- `site`: every page (the node's region); must be cheap and must not raise when the database
  is unavailable (the 500 page uses it);
- `home`: the home page's sections;
- `department`: extra sections of a department page, called with `department=`;
- `account`: links on "My account" (cases: `cases_links`);
- `scenario`: extra sections of a scenario page, called with `scenario=` (cases: `burden`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

Provider = Callable[..., dict[str, Any]]

_slots: dict[str, dict[str, Provider]] = {}


def provides(slot: str) -> Callable[[Provider], Provider]:
    def decorator(fn: Provider) -> Provider:
        _slots.setdefault(slot, {})[f"{fn.__module__}.{fn.__qualname__}"] = fn
        return fn

    return decorator


def collect(slot: str, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for fn in _slots.get(slot, {}).values():
        context.update(fn(request, **kwargs))
    return context
