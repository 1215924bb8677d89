"""`core.memo.TTLCache`: per-process values that expire."""

from __future__ import annotations

import time

from onestop.core import memo


def test_values_expire_after_their_time_and_zero_keeps_nothing(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    seconds = [30.0]
    cache: memo.TTLCache[str, int] = memo.TTLCache("test", lambda: seconds[0])

    assert cache.put("a", 1) == 1
    assert cache.get("a") == 1
    now[0] += 29.9
    assert cache.get("a") == 1
    now[0] += 0.2
    assert cache.get("a") is None

    seconds[0] = 0
    cache.put("b", 2)
    assert cache.get("b") is None


def test_pop_limit_and_clear_all() -> None:
    cache: memo.TTLCache[int, int] = memo.TTLCache("test", 60, limit=2)
    cache.put(1, 1)
    cache.put(2, 2)
    cache.pop(1)
    assert (cache.get(1), cache.get(2)) == (None, 2)
    cache.put(3, 3)
    cache.put(4, 4)  # past the limit: the cache starts over
    assert (cache.get(2), cache.get(3), cache.get(4)) == (None, None, 4)
    memo.clear_all()
    assert cache.get(4) is None
