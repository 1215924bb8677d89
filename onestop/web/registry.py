"""Hooks through which apps on higher floors contribute to pages of lower floors.

`web` sits on the ground floor and may not import `org` or `catalog`; `org` may not import
`catalog`. Those apps register providers for a named slot instead, in their
`AppConfig.ready()` (so registration is done before the first request is served, whatever
module a process imports first):

    def ready(self) -> None:
        from onestop.catalog import views
        registry.register("home", views.home_sections)  # fn(request, **kwargs) -> dict

A page merges `registry.collect(slot, request, **kwargs)` into its context. Slots in use:

- `site`: every page (org: the node's region, and the nearest centre in the elderly-friendly
  mode; accounts: the "act for" switch and the acting banner); must be cheap and must not
  raise when the database is unavailable (the 500 page uses it);
- `home`: the home page's sections (catalog, org);
- `department`: extra sections of a department page, called with `department=` (catalog;
  reviews: `review_figures`, whose `template` the page includes);
- `item`: extra sections of an item page, called with `item=` (reviews: `review_figures`);
- `account`: links on "My account" (cases: `cases_links`; reviews: `reviews_links`; hotline:
  `hotline_links`; benefits: `benefits_links`);
- `scenario`: extra sections of a scenario page, called with `scenario=` (cases: `burden`);
- `data_tracker`: the data tracker's case references in words, called with `refs=` (cases:
  `tracker_case_refs`, {"case_refs": {ref: case number}});
- `hotline_track`: the tracking page of a citizen's 12345 request, called with `order=` and
  `token=` after the page checked the citizen's access (reviews: `order_rating`, where to rate
  the reply);
- `hotline_order`: the staff page of a work order, called with `order=` (reviews:
  `callback_rating`, the form for the rating heard at the call-back).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

Provider = Callable[..., dict[str, Any]]

_slots: dict[str, dict[str, Provider]] = {}


def register(slot: str, fn: Provider) -> None:
    """Add `fn` to `slot` (registering the same function again changes nothing)."""
    _slots.setdefault(slot, {})[f"{fn.__module__}.{fn.__qualname__}"] = fn


def provides(slot: str) -> Callable[[Provider], Provider]:
    """Decorator form of `register`, for a module its app's `ready()` imports."""

    def decorator(fn: Provider) -> Provider:
        register(slot, fn)
        return fn

    return decorator


def collect(slot: str, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for fn in _slots.get(slot, {}).values():
        context.update(fn(request, **kwargs))
    return context
