"""Settings of the ledger, with their defaults (none of them is required)."""

from __future__ import annotations

from django.conf import settings


def origin() -> str:
    """The log's checkpoint origin and note key name (setting LEDGER_ORIGIN)."""
    default = f"onestop.{settings.NODE_REGION}.example/ledger"
    return str(getattr(settings, "LEDGER_ORIGIN", "") or default)


def witness_name() -> str:
    """The name this node cosigns other logs' checkpoints under (setting LEDGER_WITNESS_NAME)."""
    default = f"onestop.{settings.NODE_REGION}.example/witness"
    return str(getattr(settings, "LEDGER_WITNESS_NAME", "") or default)


def witness_quorum() -> int:
    """How many of this node's witnesses must cosign a checkpoint before it counts as witnessed
    (setting LEDGER_WITNESS_QUORUM, default 1)."""
    return max(1, int(getattr(settings, "LEDGER_WITNESS_QUORUM", 1) or 1))


def witness_timeout() -> float:
    """Seconds to wait for one witness's answer (setting LEDGER_WITNESS_TIMEOUT, default 10)."""
    return float(getattr(settings, "LEDGER_WITNESS_TIMEOUT", 10) or 10)
