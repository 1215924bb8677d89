"""The secret of a portal request's tracking page (the way back for a citizen who filed it
without signing in): the order's number signed with the node's secret (`django.core.signing`,
salt `onestop.hotline.tracking`). It is never stored, the same for a replayed submission, and
names that one order only; it is given out for portal requests only."""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.utils.crypto import constant_time_compare

SALT = "onestop.hotline.tracking"


def token(order: Any) -> str:
    return signing.Signer(salt=SALT).signature(order.number)


def valid(order: Any, given: str) -> bool:
    return bool(given) and constant_time_compare(token(order), str(given)[:200])
