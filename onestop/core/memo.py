"""Per-process caches with a time to live, for the few reads a hot request repeats unchanged.

A `TTLCache` keeps values for `seconds` (a number or a callable read at each `put`, so a
setting can say it) in this process only: another worker, or this one after the time, reads
the database again. Use it where a change may take that long to reach every worker, and say so
where the cache is made. Every cache registers itself, so `clear_all()` (the tests, between
two tests) forgets them all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_caches: list[TTLCache[object, object]] = []


class TTLCache(Generic[K, V]):
    """A dict whose entries expire `seconds` after they were put (0: nothing is kept)."""

    def __init__(self, name: str, seconds: float | Callable[[], float], limit: int = 1000) -> None:
        self.name = name
        self._seconds = seconds
        self._limit = limit
        self._entries: dict[K, tuple[float, V]] = {}
        _caches.append(self)  # type: ignore[arg-type]

    def seconds(self) -> float:
        return float(self._seconds() if callable(self._seconds) else self._seconds)

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= time.monotonic():
            self._entries.pop(key, None)
            return None
        return entry[1]

    def put(self, key: K, value: V) -> V:
        seconds = self.seconds()
        if seconds > 0:
            if len(self._entries) >= self._limit:
                self._entries.clear()  # a bound, not an eviction policy: refills on demand
            self._entries[key] = (time.monotonic() + seconds, value)
        return value

    def pop(self, key: K) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()


def clear_all() -> None:
    """Forget every cache of this process."""
    for cache in _caches:
        cache.clear()
