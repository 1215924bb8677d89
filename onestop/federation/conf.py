"""Settings of the federation, with their defaults (none of them is required).

- ``NODE_NAME``: the node's name in its node document (default "OneStop <region>");
- ``FEDERATION_DEAD_LETTER_AFTER``: seconds an outbox message keeps being retried before it
  becomes a dead letter (default 3 days);
- ``FEDERATION_CLOCK_SKEW``: how far (seconds) a signature's ``created`` may be from our clock
  (default 300);
- ``FEDERATION_TIMEOUT``: seconds to connect to and hear from a peer (default 10);
- ``FEDERATION_BACKOFF_BASE`` / ``FEDERATION_BACKOFF_MAX``: the first retry delay and the
  longest one, in seconds (defaults 10 and 3600).
"""

from __future__ import annotations

from django.conf import settings


def region() -> str:
    return str(settings.NODE_REGION)


def node_name() -> str:
    return str(getattr(settings, "NODE_NAME", "") or f"OneStop {region()}")


def dead_letter_after() -> int:
    return int(getattr(settings, "FEDERATION_DEAD_LETTER_AFTER", 3 * 24 * 3600))


def clock_skew() -> int:
    return int(getattr(settings, "FEDERATION_CLOCK_SKEW", 300))


def timeout() -> float:
    return float(getattr(settings, "FEDERATION_TIMEOUT", 10))


def backoff_base() -> float:
    return float(getattr(settings, "FEDERATION_BACKOFF_BASE", 10))


def backoff_max() -> float:
    return float(getattr(settings, "FEDERATION_BACKOFF_MAX", 3600))
