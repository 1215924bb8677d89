"""Absolute URLs of this node, built from the `PUBLIC_URL` setting.

Every absolute URL the node hands out (the QR codes on receipts and licences, links in messages,
the Open311 discovery document) comes from here, never from the request's Host header: a
forged Host must not end up printed on a government paper or sent to a citizen.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def public_url() -> str:
    """The node's public origin without a trailing slash (`PUBLIC_URL`)."""
    base = str(getattr(settings, "PUBLIC_URL", "") or "").rstrip("/")
    if not base:
        raise ImproperlyConfigured("PUBLIC_URL is not set (e.g. https://onestop.example.gov.cn).")
    return base


def absolute(path: str) -> str:
    """`path` (starting with "/", as `reverse` returns it) on this node's public origin."""
    if not path.startswith("/"):
        raise ValueError(f"an absolute URL needs a path starting with '/': {path!r}")
    return public_url() + path
