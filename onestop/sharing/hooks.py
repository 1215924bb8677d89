"""Upward calls of `sharing`: who wants to know when an authoritative record changed.

Apps above `sharing` (`benefits`: check the people a new or changed record is about, 免申即享)
register a listener in their `AppConfig.ready()`. `services.record_upsert` calls each after
its transaction commits, only when the record changed, with the dataset key and the subject
keys in clear (the record's subject and its other parties) — in memory only: a listener must
not store or log them. A listener's failure is logged and does not undo the change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

logger = logging.getLogger(__name__)

RecordChanged = Callable[[str, Sequence[str]], object]

_listeners: dict[str, RecordChanged] = {}


def on_record_changed(fn: RecordChanged) -> RecordChanged:
    """Register `fn(dataset, subject_keys)` (registering the same function again changes
    nothing)."""
    _listeners[f"{fn.__module__}.{fn.__qualname__}"] = fn
    return fn


def record_changed(dataset: str, subject_keys: Sequence[str]) -> None:
    """Tell every listener that a record of `dataset` about `subject_keys` changed."""
    for fn in list(_listeners.values()):
        try:
            fn(dataset, list(subject_keys))
        except Exception:  # one listener must not stop the others, nor the change
            logger.exception("a record-changed listener failed (%s)", dataset)
