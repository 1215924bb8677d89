"""Three real nodes on loopback, every pair peered (separate processes, data dirs, databases
and ports 8381-8383, ten up for each further test process): Wulian 371121 (A, the item's
region), Ganyu 320707 (B) and Xihu 330106 (C, the citizen's home node) — the regions of
`make federation-demo`.

A citizen of C applies fully online (全程网办) for A's item through C: C's search finds it on
A, the case is made on A, A's officer decides, the statuses and the e-licence come back to C.
B, peered with both and allowed every case message, sees nothing of it: every message goes
from C to A or from A to C, and each is applied once. Messages are delivered with
`onestop outbox deliver` (what the worker does, in the foreground)."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator

import pytest

from tests.factories.nodes import LiveNode, make_nodes, peer, running, worker_ports
from tests.federation.test_cross_province_modes import DECIDE

# One worker runs the whole module (`make test` uses `--dist loadgroup`): its
# module-scoped set-up is made once, and its tests see each other's order.
pytestmark = pytest.mark.xdist_group("live-nodes-three")

A, B, C = "371121", "320707", "330106"
PORTS = dict(zip((A, B, C), worker_ports(8381, 8382, 8383), strict=True))
ITEM = "37112100GA-GG-0003"  # 无犯罪记录证明开具 of Wulian: officers decide, an e-licence results
STEPS = {
    A: (
        "calendar org accounts datasets licence_types sharing-agreements catalog ledger "
        "workflow item-processes search-index"
    ),
    C: "calendar org accounts datasets licence_types ledger",
    # B: only migrated; its keys are made when it starts
}
# Cross-province cases, allowed both ways between every pair (as `make federation-demo` does).
CASE_TYPES = "ping catalog.search case.item case.forward case.status case.supplement case.withdraw"


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, LiveNode]]:
    made = make_nodes(tmp_path_factory, "three", PORTS, STEPS, FEDERATION_TIMEOUT="10")
    with running(made):
        for first, second in ((A, B), (A, C), (B, C)):
            peer(made[first], made[second], a_to_b=CASE_TYPES, b_to_a=CASE_TYPES)
        yield made


APPLY = (
    "from onestop.cases.seed_federation import demo_fully_online; "
    f"case = demo_fully_online(region='{A}', code='{ITEM}'); "
    "print(case.number, case.status)"
)
MIRROR = """
import json
from onestop.cases.models import Case
from onestop.credentials.models import PeerCredential
case = Case.objects.get(idempotency_key="demo-online-371121-37112100GA-GG-0003")
held = PeerCredential.objects.filter(holder=case.applicant).first()
print(json.dumps({"status": case.status, "remote": case.remote_number,
  "licence": held.issuer_region if held else None}))
"""
ON_A = """
import json
from onestop.cases.models import Case
print(json.dumps([[c.number, c.status, c.item.code] for c in
  Case.objects.filter(receiving_region="330106")]))
"""
# What a node sent and received, and to and from whom: (region, type) -> how many messages,
# each message id counted once; its cases from elsewhere; its ledger's peer messages.
TRAFFIC = """
import json
from collections import Counter
from django.conf import settings
from onestop.cases.models import Case
from onestop.federation.models import InboxMessage, OutboxMessage
from onestop.ledger.models import Entry
inbox = list(InboxMessage.objects.values_list("from_region", "type", "message_id"))
outbox = list(OutboxMessage.objects.values_list("peer__region", "type", "state"))
logged = Counter(p.get("id") for p in Entry.objects.filter(kind="federation.message")
  .values_list("payload", flat=True))
print(json.dumps({
  "in": sorted(Counter(f"{r} {t}" for r, t, _ in inbox).items()),
  "in_ids": len({m for _, _, m in inbox}), "in_rows": len(inbox),
  "out": sorted(Counter(f"{r} {t} {s}" for r, t, s in outbox).items()),
  "cases_from_peers": Case.objects.exclude(
  receiving_region__in=("", settings.NODE_REGION)).count(),
  "ledger": len(logged), "ledger_twice": sum(1 for n in logged.values() if n > 1)}))
"""


def _traffic(n: LiveNode) -> dict:
    return json.loads(n.shell(TRAFFIC))


def test_fully_online_from_a_third_region_reaches_only_its_two_nodes(
    nodes: dict[str, LiveNode],
) -> None:
    a, b, c = nodes[A], nodes[B], nodes[C]

    # C's portal searches A's catalogue (a signed `catalog.search` to A, none to B)
    query = urllib.parse.urlencode({"q": "无犯罪记录证明", "region": A, "lang": "zh-hans"})
    hit = next(h for h in json.loads(c.get(f"/api/v1/search?{query}")) if h["code"] == ITEM)
    assert hit["region"] == A
    assert hit["url"] == f"{c.url}/apply/remote/{A}/{ITEM}/"

    # the citizen of C applies through C; the case is made on A and decided there
    number, status = c.shell(APPLY).split()
    assert number.startswith(f"{C}-")
    assert status == "forwarded"
    c.run("outbox", "deliver")
    [[remote, on_a, code]] = json.loads(a.shell(ON_A))
    assert (on_a, code) == ("accepted", ITEM)
    a.run("outbox", "deliver")
    decided, _delivery, _channel = a.shell(
        DECIDE.format(officer="officer-ps", lookup="receiving_region='330106'")
    ).split()
    assert decided == "completed"
    a.run("outbox", "deliver")
    mirror = json.loads(c.shell(MIRROR))
    assert mirror == {"status": "completed", "remote": remote, "licence": A}

    # every message between C and A only, each applied once and logged once on both sides
    on_c, on_a_, on_b = _traffic(c), _traffic(a), _traffic(b)
    assert {key.split()[0] for key, _n in on_c["in"] + on_c["out"]} == {A}
    assert {key.split()[0] for key, _n in on_a_["in"] + on_a_["out"]} == {C}
    assert dict(on_a_["in"])[f"{C} case.forward"] == 1
    assert all(key.endswith(" sent") for key, _n in on_c["out"] + on_a_["out"])
    for side in (on_c, on_a_):
        assert side["in_ids"] == side["in_rows"]
        assert side["ledger_twice"] == 0
    assert on_a_["cases_from_peers"] == 1

    # B saw nothing of it: no message in or out, no case, nothing on its ledger
    assert on_b == {
        "in": [],
        "in_ids": 0,
        "in_rows": 0,
        "out": [],
        "cases_from_peers": 0,
        "ledger": 0,
        "ledger_twice": 0,
    }
