"""Upward calls of `cases`: who wants to know when an application is finished.

An application (a bundle, or a lone item case) is finished when every item in it is final
(completed or rejected) and the applicant is told so, once (`services.delivery.
delivered_notify`). Apps above `cases` (`reviews`: the invitation to rate the service, 一事一评)
register a listener in their `AppConfig.ready()`; `cases` calls each inside the transaction
that finished the application, so the listener's rows commit or roll back with it. A listener
must not raise for an ordinary application (a failure would undo the delivery).

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
