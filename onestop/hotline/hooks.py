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

The call-back also carries the rating the citizen gives on the phone (好差评, 12345's
channel): `services.ticket_callback` hands what the agent entered (`rating`, opaque to
`hotline`) to every `on_callback` listener inside its transaction, after the step's guard and
before the order's status changes — the rating is recorded as part of the call-back, and the
order closes after it. A listener raises a `DomainError` for bad input, which undoes the
whole call-back (nothing changed).

This keeps `hotline` free of imports of the apps that follow it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

OrderClosed = Callable[..., object]  # what it returns is not used

_listeners: dict[str, OrderClosed] = {}
_replied: dict[str, OrderClosed] = {}
_callback: dict[str, OrderClosed] = {}


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


def on_callback(fn: OrderClosed) -> OrderClosed:
    """Register `fn(order, *, actor, satisfied, rating)`, called at the call-back before the
    order's status changes (registering the same function again changes nothing)."""
    _callback[f"{fn.__module__}.{fn.__qualname__}"] = fn
    return fn


def callback_taken(order: Any, *, actor: Any, satisfied: bool, rating: Any) -> None:
    """Tell every listener what the call-back of `order` heard (inside its transaction, the
    order still replied): `rating` is what the agent entered, a mapping or None."""
    for fn in _callback.values():
        fn(order, actor=actor, satisfied=satisfied, rating=rating)
