"""API keys: their stored digest, and the clients this process has verified recently.

A key is stored as its SHA-256 digest (a random 32-byte key needs no slow hash: nothing can be
guessed from the digest). Verifying one is a query (client, service account) and the account's
roles a second; `client_authenticate` keeps the answer for ``OPEN311_CACHE_SECONDS`` per
process (`verified`), so an intake costs neither. `client_deactivate` forgets the key in its
own process at once; the other processes refuse it within that time.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING

from django.conf import settings

from onestop.core import memo

if TYPE_CHECKING:
    from onestop.open311.models import ApiClient


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def cache_seconds() -> float:
    return float(getattr(settings, "OPEN311_CACHE_SECONDS", 30))


verified: memo.TTLCache[str, ApiClient] = memo.TTLCache("open311.clients", cache_seconds)


def recall(digest: str) -> ApiClient | None:
    """The client verified for `digest` in this process within the cache time, if any."""
    client = verified.get(digest)
    if client is None or not hmac.compare_digest(client.key_hash, digest):
        return None
    return client


def forget(client: ApiClient) -> None:
    verified.pop(client.key_hash)
