"""Upward calls of `hotline`: who wants to know when a work order is replied to or closed.

A work order is replied to when its lead department reports its result
(`services.ticket_reply`): `on_order_replied` listeners (`reviews`: the invitation of a
citizen who filed the request on the portal to rate the reply there) are called inside that
transaction with the order (and each order merged into it) and the officer who replied.

A work order is closed when the hotline's call-back finds the citizen satisfied
(`services.ticket_callback`). Apps above `hotline` (`reviews`: the invitation to rate the
handling by SMS link, and the rating taken at the call-back) register a listener in their
`AppConfig.ready()`; `hotline` calls each inside the closing transaction with the order and
the agent who called back. A listener must not raise for an ordinary order (a failure would
undo the closing).

This keeps `hotline` free of imports of the apps that follow it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

OrderClosed = Callable[..., object]  # what it returns is not used

_listeners: dict[str, OrderClosed] = {}
_replied: dict[str, OrderClosed] = {}


def on_order_closed(fn: OrderClosed) -> OrderClosed:
    """Register `fn(order, *, actor)` (registering the same function again changes nothing)."""
    _listeners[f"{fn.__module__}.{fn.__qualname__}"] = fn
    return fn


def order_closed(order: Any, *, actor: Any) -> None:
    """Tell every listener that `order` was closed by `actor` (inside its transaction)."""
    for fn in _listeners.values():
        fn(order, actor=actor)


def on_order_replied(fn: OrderClosed) -> OrderClosed:
    """Register `fn(order, *, actor)`, called when `order` is replied to (registering the same
    function again changes nothing)."""
    _replied[f"{fn.__module__}.{fn.__qualname__}"] = fn
    return fn


def order_replied(order: Any, *, actor: Any) -> None:
    """Tell every listener that `order` was replied to by `actor` (inside its transaction)."""
    for fn in _replied.values():
        fn(order, actor=actor)
