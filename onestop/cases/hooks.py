"""Upward calls of `cases`: who wants to know when an application is finished.

- An application (a bundle, or a lone item case) is finished when every item in it is final
  (completed or rejected) and the applicant is told so, once (`services.delivery.
  delivered_notify`). Apps above `cases` (`reviews`: the invitation to rate the service,
  一事一评) register a listener in their `AppConfig.ready()`; `cases` calls each inside the
  transaction that finished the application, so the listener's rows commit or roll back with
  it. A listener must not raise for an ordinary application (a failure would undo the
  delivery).
- The receipt of an application accepted at a window carries a second QR code: the link to
  rate that visit (一次一评). One provider (`reviews`) answers the link for the case
  (`provide_rating_link`); `services.window.receipt_ensure` asks it once, when the receipt is
  made, and the receipt keeps it. Without a provider the receipt has no rating code.

This keeps `cases` free of imports of the apps that follow it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

CaseFinished = Callable[[Any], object]  # what it returns is not used

_listeners: dict[str, CaseFinished] = {}


def on_case_finished(fn: CaseFinished) -> CaseFinished:
    """Register `fn(top_case)` (registering the same function again changes nothing)."""
    _listeners[f"{fn.__module__}.{fn.__qualname__}"] = fn
    return fn


def case_finished(top: Any) -> None:
    """Tell every listener that the application `top` is finished (inside its transaction)."""
    for fn in _listeners.values():
        fn(top)


RatingLink = Callable[[Any], str]

_rating_links: list[RatingLink] = []


def provide_rating_link(fn: RatingLink) -> None:
    """Register the one provider of a window visit's rating link (a later one replaces it)."""
    _rating_links[:] = [fn]


def receipt_rating_link(top: Any) -> str:
    """The link to rate the window visit that accepted `top` ("" without a provider); call
    inside the transaction that makes the receipt."""
    return _rating_links[0](top) if _rating_links else ""
