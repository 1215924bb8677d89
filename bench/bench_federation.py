"""Federation: signed messages between two real nodes on loopback (`onestop serve` processes,
each with its own data dir, SQLite file, keys and port, as tests/factories/nodes.py makes them;
this process is node A's command line, on A's database).

- **Round trip.** A ``ping`` sent with `services.message_request` (sign, POST, the peer verifies,
  applies it once in its inbox with its ledger entry, signs the reply covering our signature, we
  verify it; the outbox row and our ledger entry), against the same envelope bytes POSTed to the
  same inbox unsigned (the peer refuses it at the first check: the HTTP and Django floor). The
  ratio is what the protocol costs over a bare call; the signatures' own CPU per round trip (sign
  and verify the request, sign and verify the reply, in this process) says how much of it is
  cryptography and how much the exactly-once bookkeeping on both sides.
- **Outbox throughput.** Messages queued with `message_send`, then delivered one by one to the
  live peer (`outbox_deliver`, what the worker does): messages per second.
- **Recovery.** The peer is stopped, 10,000 messages are queued (BENCH_QUICK=1: 500), the peer
  is started again: the time from the peer answering until the outbox is empty, draining as
  `onestop outbox deliver` does (the worker's back-off would only add waiting), and the check
  that the peer applied each message exactly once.

BENCH_FEDERATION_PORT (default 8701) is the first of the two ports. Results:
bench/results/federation.json.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from bench.common import measure, table, write

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.factories.nodes import LiveNode, migrate_all  # noqa: E402 - after the path

QUICK = os.environ.get("BENCH_QUICK") == "1"
PORT = int(os.environ.get("BENCH_FEDERATION_PORT", "8701"))
ROUND_TRIPS = 30 if QUICK else 200
THROUGHPUT = 100 if QUICK else 1000
BACKLOG = 500 if QUICK else 10000


def _fingerprint(n: LiveNode) -> str:
    import base64
    import hashlib
    import json

    doc = json.loads(n.get("/.well-known/onestop-node.json"))
    key = next(k for k in doc["keys"] if k["use"] == "federation" and k["current"])
    return hashlib.sha256(base64.b64decode(key["public_key"])).hexdigest()


def _setup(base: Path) -> tuple[LiveNode, LiveNode]:
    a = LiveNode("371121", base / "a", PORT, extra_env={"FEDERATION_TIMEOUT": "10"})
    b = LiveNode("320707", base / "b", PORT + 1, extra_env={"FEDERATION_TIMEOUT": "10"})
    migrate_all([a, b])
    a.start()
    b.start()
    a.run("peer", "add", b.url, "--fingerprint", _fingerprint(b))
    b.run("peer", "add", a.url, "--fingerprint", _fingerprint(a))
    # this process is node A from here on
    os.environ.update(a.env())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.settings")
    import django

    django.setup()
    return a, b


def _round_trip() -> dict[str, Any]:
    import requests

    from onestop.federation import node, services, signing
    from onestop.federation.selectors import peer_get
    from onestop.ledger.canonical import canonical_json

    peer = peer_get("320707")
    assert peer is not None  # noqa: S101 - peered above

    def signed() -> None:
        services.message_request(to_region="320707", type="ping", body={}, purpose="monitoring")

    envelope = services.envelope_build(to_region="320707", type="ping", body={}, purpose="bench")
    body = canonical_json(envelope)
    target = peer.url.rstrip("/") + node.MESSAGES_PATH
    session = requests.Session()

    def unsigned() -> None:
        answer = session.post(
            target, data=body, headers={"Content-Type": "application/json"}, timeout=10
        )
        assert answer.status_code == 401  # noqa: S101 - the first check refuses it

    keyid, _kid, private = node.signing_key()
    public = private.public_key()

    def signatures() -> None:
        request = signing.Request("POST", target)
        signing.sign_request(request, body, keyid=keyid, private_key=private)
        signing.verify_request(request, body, lambda _k: public, skew=300)
        headers = signing.headers_of({"Content-Type": signing.CONTENT_TYPE})
        response = signing.Response(200, headers, request)
        signing.sign_response(response, body, keyid=keyid, private_key=private)
        signing.verify_response(response, body, lambda _k: public, skew=300)

    for warm in (signed, unsigned):  # connections, caches, the peer's first requests
        for _ in range(3):
            warm()
    s = measure(signed, repeat=ROUND_TRIPS, cpu=True)
    u = measure(unsigned, repeat=ROUND_TRIPS, cpu=True)
    crypto = measure(signatures, repeat=ROUND_TRIPS, cpu=True)
    return {
        "signed": s,
        "unsigned": u,
        "signatures_only": crypto,
        "ratio_median": round(s["median_ms"] / max(u["median_ms"], 1e-9), 2),
    }


def _queue(count: int) -> list[str]:
    from django.db import transaction

    from onestop.federation import services

    ids = []
    with transaction.atomic():
        for n in range(count):
            message = services.message_send(
                to_region="320707", type="ping", body={"n": n}, purpose="bench"
            )
            ids.append(str(message.pk))
    return ids


def _drain(ids: list[str]) -> dict[str, int]:
    from onestop.federation import services

    states: dict[str, int] = {}
    for pk in ids:
        state = services.outbox_deliver(message_id=pk)
        states[state] = states.get(state, 0) + 1
    return states


def _throughput() -> dict[str, Any]:
    ids = _queue(THROUGHPUT)
    wall, cpu = time.perf_counter(), time.process_time()
    states = _drain(ids)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "messages": len(ids),
        "states": states,
        "per_second": round(len(ids) / wall, 1),
        "per_cpu_second": round(len(ids) / max(cpu, 1e-9), 1),
    }


def _applied_once(b: LiveNode, ids: list[str]) -> dict[str, int]:
    with closing(sqlite3.connect(b.data_dir / "node.sqlite3")) as db:
        rows = db.execute(
            "SELECT message_id, COUNT(*) FROM federation_inboxmessage WHERE from_region = "
            "'371121' GROUP BY message_id"
        ).fetchall()
    counts = {str(mid).replace("-", ""): n for mid, n in rows}
    wanted = [pk.replace("-", "") for pk in ids]
    return {
        "applied": sum(1 for pk in wanted if counts.get(pk) == 1),
        "twice": sum(1 for pk in wanted if counts.get(pk, 0) > 1),
        "missing": sum(1 for pk in wanted if pk not in counts),
    }


def _recovery(b: LiveNode) -> dict[str, Any]:
    from onestop.federation import services
    from onestop.federation.selectors import outbox_queued_ids

    b.stop()
    started = time.perf_counter()
    ids = _queue(BACKLOG)
    queued_in = time.perf_counter() - started
    # one attempt while it is down (connection refused: kept, rescheduled)
    first = services.outbox_deliver(message_id=ids[0])
    b.start()
    wall, cpu = time.perf_counter(), time.process_time()
    delivered: dict[str, int] = {}
    for _round in range(3):
        queued = [str(pk) for pk in outbox_queued_ids(region="320707")]
        if not queued:
            break
        for state, n in _drain(queued).items():
            delivered[state] = delivered.get(state, 0) + n
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "queued": len(ids),
        "queue_seconds": round(queued_in, 1),
        "attempt_while_down": first,
        "recovery_seconds": round(wall, 1),
        "recovery_cpu_seconds": round(cpu, 1),
        "per_second": round(len(ids) / wall, 1),
        "states": delivered,
        **_applied_once(b, ids),
    }


def main() -> None:
    base = Path(tempfile.mkdtemp(prefix="onestop-bench-federation-"))
    nodes: list[LiveNode] = []
    try:
        a, b = _setup(base)
        nodes = [a, b]
        trip = _round_trip()
        out = _throughput()
        rec = _recovery(b)
    finally:
        for n in nodes:
            n.stop()
        shutil.rmtree(base, ignore_errors=True)
    rows = [
        {"measure": "signed round trip (ping, exactly-once)", **trip["signed"]},
        {"measure": "same envelope unsigned (refused at once)", **trip["unsigned"]},
        {"measure": "the four signatures alone", **trip["signatures_only"]},
    ]
    print(table(f"Round trip (ratio signed/unsigned {trip['ratio_median']})", rows))
    print(
        table(
            "Outbox",
            [
                {
                    "measure": "throughput to a live peer",
                    "messages": out["messages"],
                    "per_second": out["per_second"],
                    "per_cpu_second": out["per_cpu_second"],
                },
                {
                    "measure": "recovery after the peer was down",
                    "messages": rec["queued"],
                    "per_second": rec["per_second"],
                    "per_cpu_second": round(
                        rec["queued"] / max(rec["recovery_cpu_seconds"], 1e-9), 1
                    ),
                },
            ],
        )
    )
    print(
        f"recovery: {rec['recovery_seconds']} s for {rec['queued']} messages "
        f"(applied once {rec['applied']}, twice {rec['twice']}, missing {rec['missing']})"
    )
    path = write(
        "federation",
        {"quick": QUICK, "round_trip": trip, "throughput": out, "recovery": rec},
    )
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
