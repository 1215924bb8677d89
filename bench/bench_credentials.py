"""E-licences: credentials issued per second and verified per second (median of one run).

Issue = credential_issue (allocate a status slot, sign with Ed25519, write the row and a
ledger entry). Verify = credential_verify with this node's keys and status list (signature,
VC 2.0 shape, validity, revocation bit), and offline from a JWKS and a status list token.
"""

from __future__ import annotations

import io
import os
from datetime import timedelta

from bench.common import measure, setup_django, table, write

QUICK = os.environ.get("BENCH_QUICK") == "1"


def _per_second(stats: dict[str, float]) -> float:
    return round(1000 / stats["median_ms"], 1) if stats["median_ms"] else 0.0


def main() -> None:
    setup_django("credentials")
    from django.core.management import call_command
    from django.utils import timezone

    from onestop.accounts.models import User
    from onestop.credentials import selectors, services

    call_command("seed_demo", verbosity=0, stdout=io.StringIO())
    officer = User.objects.get(username="officer-ps")
    citizen = User.objects.get(username="citizen")
    repeat = 30 if QUICK else 300
    issued: list[str] = []

    def issue() -> None:
        credential = services.credential_issue(
            actor=officer,
            licence_type="residence-permit",
            holder=citizen,
            subject={"name": "张伟", "address": "山东省日照市五莲县（演示）"},
            valid_from=timezone.now() - timedelta(days=1),
            valid_until=timezone.now() + timedelta(days=365),
        )
        issued.append(credential.token)

    issue_stats = measure(issue, repeat=repeat)
    tokens = iter(issued * 3)

    def verify_online() -> None:
        if not selectors.credential_verify(token=next(tokens)).valid:
            raise RuntimeError("a fresh credential did not verify")

    verify_stats = measure(verify_online, repeat=repeat)
    jwks = selectors.node_jwks()
    status_list = selectors.status_list_token(key="1")

    def verify_offline() -> None:
        result = selectors.credential_verify(
            token=next(tokens), jwks=jwks, status_list_token=status_list
        )
        if not result.valid:
            raise RuntimeError("a fresh credential did not verify offline")

    offline_stats = measure(verify_offline, repeat=repeat)
    status_stats = measure(
        lambda: selectors.status_list_token(key="1"), repeat=max(10, repeat // 10)
    )
    rows = [
        {"operation": "issue (sign + store + ledger)", **issue_stats},
        {"operation": "verify (node keys, DB status)", **verify_stats},
        {"operation": "verify offline (JWKS + status list)", **offline_stats},
        {"operation": "sign status list (131,072 bits)", **status_stats},
    ]
    for row, stats in zip(
        rows, (issue_stats, verify_stats, offline_stats, status_stats), strict=True
    ):
        row["per_second"] = _per_second(stats)
    print(table("E-licences: median time per operation (in-process, one run)", rows))
    path = write("credentials", {"rows": rows, "quick": QUICK})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
