"""The check `onestop restore` runs for the ledger (core.backup): every leaf, tile, the root
and every signed checkpoint recompute (`ledger.verify.verify_log`, as `onestop ledger_verify`)."""

from __future__ import annotations

from onestop.core import backup
from onestop.ledger.verify import verify_log


@backup.verifier("ledger")
def ledger_verify() -> str:
    report = verify_log()
    return f"{report.size} entries, {report.checkpoints} checkpoint(s) verify"
