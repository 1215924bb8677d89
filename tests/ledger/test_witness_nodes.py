"""Two nodes, two processes: node A (371121) has its log witnessed by node B (320707) over the
C2SP tlog-witness protocol on loopback, each with its own data dir, keys and database, set up
only with the operator's commands (`onestop witness log add`, `witness add`, `witness run`).

A's served checkpoint carries B's cosignature, checked here by an independent verifier
(tlog-scales) with B's published `witness_vkey`; then a fork of A's log signed with A's own
ledger key is slipped to B, and A's next `witness run` finds it: B refuses A's real checkpoint
(422), both nodes record the split view, and `witness run` exits with an error.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from tlog_scales.signing import Vkey, VkeySet
from tlog_scales.tlog import Checkpoint as ScalesCheckpoint

from onestop.core import keys
from onestop.ledger import merkle, note, witness
from onestop.ledger.canonical import leaf_data
from tests.factories.nodes import LiveNode, migrate_all, worker_ports

# One worker runs the whole module (`make test` uses `--dist loadgroup`): its
# module-scoped set-up is made once, and its tests see each other's order.
pytestmark = pytest.mark.xdist_group("live-nodes-witness")

PORTS = dict(zip(("371121", "320707"), worker_ports(8411, 8412), strict=True))  # 8400-8449


class Node(LiveNode):
    """A live node whose log the test fills through its own services."""

    def append(self, start: int, end: int) -> None:
        code = (
            "from onestop.ledger.services import entries_append_batch as append; "
            f"append(items=[('test.record', {{'i': i}}) for i in range({start}, {end})])"
        )
        self.run("shell", "-c", code)


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Node]]:
    root = tmp_path_factory.mktemp("witness-nodes")
    found = {r: Node(r, root / r, port) for r, port in PORTS.items()}
    try:
        migrate_all(list(found.values()))
        for node in found.values():
            node.start()
        yield found
    finally:
        for node in found.values():
            node.stop()


def _leaves(start: int, end: int) -> list[bytes]:
    return [merkle.leaf_hash(leaf_data("test.record", {"i": i})) for i in range(start, end)]


def test_two_nodes_witness_and_catch_a_fork(nodes: dict[str, Node], settings: Any) -> None:
    a, b = nodes["371121"], nodes["320707"]
    a_key = json.loads(a.get("/api/v1/ledger/key"))
    b_key = json.loads(b.get("/api/v1/ledger/key"))
    a.append(0, 20)

    # B witnesses A's log; A submits to B
    done = b.run("witness", "log", "add", a_key["vkey"])
    assert "witnessing onestop.371121.example/ledger" in done.stdout
    witness_url = f"{b.url}/federation/v1/witness"
    a.run("witness", "add", "ganyu", witness_url, b_key["witness_vkey"])
    run = a.run("witness", "run")
    assert "ganyu\tcosigned\tsize 20" in run.stdout
    assert "checkpoint 20: witnessed, cosigned by 1 of 1 (quorum 1)" in run.stdout

    # A serves B's cosignature after its own signature; an independent verifier checks both
    served = a.get("/api/v1/ledger/checkpoint")
    parsed = ScalesCheckpoint.from_text(served)
    assert (parsed.origin, parsed.size) == ("onestop.371121.example/ledger", 20)
    trusted = VkeySet(Vkey.from_string(a_key["vkey"]), Vkey.from_string(b_key["witness_vkey"]))
    valid = trusted.verify(parsed.signatures, parsed)
    assert sorted(v.name for v, _sig in valid) == [
        "onestop.320707.example/witness",
        "onestop.371121.example/ledger",
    ]
    assert parsed.root_hash == merkle.mth(_leaves(0, 20))
    status = json.loads(a.get("/api/v1/ledger/witnessing"))
    assert status["current"]["cosigned_by"] == ["ganyu"]
    assert status["current"]["witnessed"] is True
    # B's monitoring resource shows the same cosigned checkpoint
    origin_hash = witness.origin_hash(a_key["name"])
    assert b.get(f"/federation/v1/witness/{origin_hash}/checkpoint") == served

    # the log grows: B gets a consistency proof from 20
    a.append(20, 300)
    assert "ganyu\tcosigned\tsize 300" in a.run("witness", "run").stdout
    assert "onestop.371121.example/ledger\tsize 300" in b.run("witness", "log", "list").stdout
    assert "ganyu\tup to date\tsize 300" in a.run("witness", "run").stdout

    # a fork of A's log (its first 300 entries, then others), signed with A's ledger key
    settings.DATA_DIR = a.data_dir
    settings.KEYS_DIR = ""
    _kid, a_ledger_key = keys.current_signing_key("ledger")
    assert note.Verifier(a_key["name"], a_ledger_key.public_key()).vkey == a_key["vkey"]
    forked = _leaves(0, 300) + [merkle.leaf_hash(b"forged-%d" % i) for i in range(5)]
    text = note.Checkpoint(a_key["name"], 305, merkle.mth(forked)).text
    forged = note.assemble(text, [note.sign(text, a_key["name"], a_ledger_key)])
    body = witness.format_add_checkpoint(300, merkle.consistency_proof(300, forked), forged)
    request = urllib.request.Request(  # noqa: S310 - a loopback http URL
        f"{witness_url}/add-checkpoint", data=body, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.status == 200  # B cannot tell yet: it extends what it cosigned

    a.append(300, 305)
    caught = a.run("witness", "run", check=False)
    assert caught.returncode == 1
    assert "ganyu\tsplit view\tsize 305" in caught.stdout
    assert "not ours" in caught.stderr
    alarms_a = a.run("witness", "alarms").stdout
    assert "\tlog\tonestop.371121.example/ledger\tganyu\tcosigned 305\toffered 305" in alarms_a
    alarms_b = b.run("witness", "alarms").stdout
    assert "\twitness\tonestop.371121.example/ledger\t" in alarms_b
    status = json.loads(a.get("/api/v1/ledger/witnessing"))
    assert status["current"]["witnessed"] is False
    assert status["latest_witnessed"]["size"] == 300
