"""A cross-province case, fully online, between two real nodes on loopback (separate processes,
data dirs, SQLite files and ports 8311/8312, ten up for each further test process): Wulian
371121 (A, the citizen's home node) and Ganyu 320707 (B, the item's region).

Search on A finds B's item (a signed `catalog.search`) → the citizen applies on A (the mirror,
`case.item` and `case.forward`) → the case appears on B and is accepted → B's officer decides →
every status (`case.status`) and the e-licence come back to A: A's timeline shows B's steps and
the licence from B is in the wallet on A, verifying through A's trust list.

The nodes are seeded with only the demo-seed steps the walk needs (no hotline model). Messages
are delivered with `onestop outbox deliver` (what the worker does, in the foreground)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from tests.factories.nodes import LiveNode, make_nodes, peer, running, worker_ports

# One worker runs the whole module (`make test` uses `--dist loadgroup`): its
# module-scoped set-up is made once, and its tests see each other's order.
pytestmark = pytest.mark.xdist_group("live-nodes-cross-province")

A, B = "371121", "320707"
PORTS = dict(zip((A, B), worker_ports(8311, 8312), strict=True))
ITEM = "32070700GA-GG-0003"  # 无犯罪记录证明开具 of Ganyu: officers decide, an e-licence results
STEPS = {
    A: "calendar org accounts datasets licence_types ledger",
    B: (
        "calendar org accounts datasets licence_types sharing-agreements catalog ledger "
        "workflow item-processes search-index"
    ),
}


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, LiveNode]]:
    made = make_nodes(tmp_path_factory, "cross", PORTS, STEPS, FEDERATION_TIMEOUT="10")
    with running(made):
        peer(
            made[A],
            made[B],
            a_to_b="ping catalog.search case.item case.forward",
            b_to_a="ping case.status",
        )
        yield made


APPLY = """
from django.core.files.uploadedfile import SimpleUploadedFile
from onestop.accounts.models import User
from onestop.cases import services
from onestop.cases.services import forms
citizen = User.objects.get(username="citizen")
item = services.remote_item_get(region="320707", code="{code}")
form = {{}}
for key, prop in item["form"]["properties"].items():
    if "enum" in prop: form[key] = prop["enum"][0]
    elif prop.get("type") == "number": form[key] = 1
    elif prop.get("format") == "date": form[key] = "2026-11-20"
    elif "phone" in key: form[key] = "13800138000"
    elif forms.identifier_kind(key, prop) == "resident-id": form[key] = "11010519491231002X"
    elif forms.identifier_kind(key, prop) == "uscc": form[key] = "91371121MA3D6E8F97"
    else: form[key] = "测试 " + key
pdf = b"%PDF-1.4\\n1 0 obj<<>>endobj\\ntrailer<<>>\\n%%EOF\\n"
files = {{m["key"]: SimpleUploadedFile(m["key"] + ".pdf", pdf)
         for m in item["materials"] if m["required"] and not m["held_there"]}}
case = services.case_forward(actor=citizen, region="320707", code="{code}", form_data=form,
                             files=files, idempotency_key="live-1")
print(case.number, case.status)
"""
MIRROR = """
import json
from onestop.cases.models import Case
from onestop.credentials.models import PeerCredential
from onestop.credentials.selectors import credential_verify
case = Case.objects.get(idempotency_key="live-1")
steps = [e.data.get("status") for e in case.events.filter(kind="remote_step").order_by("id")]
held = PeerCredential.objects.filter(holder=case.applicant).first()
verified = credential_verify(token=held.token) if held else None
print(json.dumps({"status": case.status, "remote": case.remote_number, "steps": steps,
  "licence": held.issuer_region if held else None,
  "valid": verified.valid if verified else None,
  "issuer_region": (verified.credential.get("issuer_region") if verified else None)}))
"""
ON_B = """
import json
from onestop.cases.models import Case
case = Case.objects.get(receiving_region="371121")
print(json.dumps({"number": case.number, "status": case.status, "item": case.item.code,
  "applicant": case.applicant.real_name, "level": case.applicant.real_name_level}))
"""
DECIDE = """
from onestop.accounts.models import User
from onestop.cases import selectors, services
from onestop.cases.models import Case
officer = User.objects.get(username="officer-ps")
case = Case.objects.get(receiving_region="371121")
for _ in range(6):
    view = selectors.case_task_view(case=case)
    if not view["tasks"]:
        break
    task = view["tasks"][0]
    data = {"review": {"review_outcome": "pass"}, "special_step": {"special_step_result": "pass"},
            "decide": {"decision": "approve"}}[task.name]
    case = services.task_complete(actor=officer, case=case, task_id=task.id, data=data,
                                  expected_version=view["version"], reason="核实无误")
print(case.status, bool(case.credential_id))
"""

COUNT = (
    "from onestop.federation.models import InboxMessage; "
    "print(InboxMessage.objects.filter(type='{type}').count())"
)


def _search(n: LiveNode, q: str, region: str) -> list[dict]:
    query = urllib.parse.urlencode({"q": q, "region": region, "lang": "zh-hans"})
    return json.loads(n.get(f"/api/v1/search?{query}"))


def test_fully_online_across_provinces(nodes: dict[str, LiveNode]) -> None:
    a, b = nodes[A], nodes[B]

    # search on A finds B's item, with an address on A to apply
    hits = _search(a, "无犯罪记录证明", B)
    hit = next(h for h in hits if h["code"] == ITEM)
    assert hit["region"] == B
    assert hit["url"] == f"{a.url}/apply/remote/{B}/{ITEM}/"

    # the citizen applies on A: the mirror waits, the forward is queued
    number, status = a.shell(APPLY.format(code=ITEM)).split()
    assert number.startswith(f"{A}-")
    assert status == "forwarded"
    a.run("outbox", "deliver")

    # the case is on B, for the asserted person, accepted; its acknowledgement goes back
    on_b = json.loads(b.shell(ON_B))
    assert on_b["item"] == ITEM
    assert on_b["status"] == "accepted"
    assert on_b["level"] == 2
    b.run("outbox", "deliver")
    mirror = json.loads(a.shell(MIRROR))
    assert mirror["status"] == "accepted"
    assert mirror["remote"] == on_b["number"]

    # B's officer decides; the e-licence is B's; statuses and the licence reach A
    decided, has_licence = b.shell(DECIDE).split()
    assert decided == "completed"
    assert has_licence == "True"
    b.run("outbox", "deliver")
    mirror = json.loads(a.shell(MIRROR))
    assert mirror["status"] == "completed"
    assert mirror["steps"][0] == "accepted"
    assert mirror["steps"][-1] == "completed"
    assert mirror["licence"] == B
    assert mirror["valid"] is True  # through A's trust list: B's pinned credentials key
    assert mirror["issuer_region"] == B

    # everything once: one forward applied on B, each status applied once on A
    assert b.shell(COUNT.format(type="case.forward")) == "1"
    assert a.shell(COUNT.format(type="case.status")) == str(len(mirror["steps"]))


def test_a_search_of_a_region_whose_node_is_down_says_so(nodes: dict[str, LiveNode]) -> None:
    a, b = nodes[A], nodes[B]
    b.stop()
    try:
        query = urllib.parse.urlencode({"q": "无犯罪记录证明", "region": B})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(a.url + f"/api/v1/search?{query}", timeout=60)  # noqa: S310
        assert refused.value.code == 502
        assert json.load(refused.value)["code"] == "region_unreachable"
    finally:
        b.start()
