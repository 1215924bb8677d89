"""The registry of message handlers and of the datasets this node offers to its peers.

Apps above `federation` (``cases``, ``sharing``, ``credentials``, ``ledger``...) say which
message types they answer, in their ``AppConfig.ready()``::

    from onestop.federation import handlers

    def case_forward(envelope: dict, peer: Peer) -> dict:
        ...  # create the case; raise a core.errors.DomainError to refuse
        return {"case": number}

    handlers.register("case.forward", case_forward)

A handler is called by the inbox (`services.inbox_receive`) once per message id, inside the
transaction that records the message as applied: its writes commit together with the inbox
row (exactly once), and a `DomainError` it raises rolls everything back and is answered to the
sender in the one error shape with its status (the sender may send the same id again). Its
return value is the ``body`` of the signed reply (a JSON object) and is kept for retries.

Datasets a peer may fetch from this node (remote data, issue 11 §5) are listed with
`register_dataset` (by ``sharing``); the node document publishes both lists.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
TYPE_RE = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")

_handlers: dict[str, Handler] = {}
_private: set[str] = set()
_datasets: set[str] = set()
REDACTED = {"redacted": True}


def register(message_type: str, handler: Handler, *, private: bool = False) -> None:
    """Answer `message_type` with `handler(envelope, peer) -> reply body` (replaces an earlier
    registration of the same type). A `private` type carries personal data (a data request):
    the inbox does not keep its reply body (a retried id is answered ``{"redacted": true}``),
    and the sender's `message_request(private=True)` does not keep its body or reply."""
    if not TYPE_RE.match(message_type):
        raise ValueError(f"message type {message_type!r}: 1 to 64 of a-z 0-9 . _ -")
    _handlers[message_type] = handler
    if private:
        _private.add(message_type)
    else:
        _private.discard(message_type)


def is_private(message_type: str) -> bool:
    return message_type in _private


def unregister(message_type: str) -> None:
    """Forget a handler (tests)."""
    _handlers.pop(message_type, None)
    _private.discard(message_type)


def handler_for(message_type: str) -> Handler | None:
    return _handlers.get(message_type)


def message_types() -> list[str]:
    """The message types this node answers, sorted (its node document's ``message_types``)."""
    return sorted(_handlers)


def register_dataset(key: str) -> None:
    """Offer the dataset `key` to peers (each peer still needs it allowed, per direction)."""
    _datasets.add(key)


def unregister_dataset(key: str) -> None:
    _datasets.discard(key)


def datasets() -> list[str]:
    """The datasets this node offers, sorted (its node document's ``datasets``)."""
    return sorted(_datasets)
