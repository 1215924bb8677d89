"""The other two cross-province modes between two real nodes on loopback (separate processes,
data dirs, SQLite files and ports 8313/8314, ten up for each further test process): Ganyu
320707 (R, where the application is received) and Wulian 371121 (H, whose items it is).

- Received elsewhere (异地代收代办): R's clerk receives at a window an application for H's item
  (`case.item` asked of H), forwards it; H's officer decides; the result comes back to R's
  window, where the clerk hands it over.
- Joint handling (多地联办): Ganyu's household move (`household-move-371121-320707`): one
  application on R; R's two items fan out on R, Wulian's move-out goes to H; the bundle
  completes once every item on both nodes is final, with one notification.
- The same joint application with H killed (SIGKILL, gunicorn and all) while R's forward is on
  its socket, and again with H's statuses in its outbox, H restarted each time on the same
  data dir and database: every message applied once on each node, one case on H, the bundle
  completed once with one notification, never half-done in between.

The tests share the two nodes (started once for the module). Messages are delivered with
`onestop outbox deliver` (what the worker does, in the foreground)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.factories.nodes import (
    ONESTOP,
    LiveNode,
    make_nodes,
    peer,
    running,
    wait_until,
    worker_ports,
)

# One worker runs the whole module (`make test` uses `--dist loadgroup`): its
# module-scoped set-up is made once, and its tests see each other's order.
pytestmark = pytest.mark.xdist_group("live-nodes-cross-province-modes")

R, H = "320707", "371121"
PORTS = dict(zip((R, H), worker_ports(8313, 8314), strict=True))
STEPS = (
    "calendar org accounts datasets licence_types sharing-agreements catalog ledger "
    "workflow item-processes"
)
CASE_TYPES_OUT = "ping catalog.search case.item case.forward"
CASE_TYPES_IN = "ping case.status"


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, LiveNode]]:
    made = make_nodes(tmp_path_factory, "modes", PORTS, STEPS, FEDERATION_TIMEOUT="10")
    with running(made):
        peer(made[R], made[H], a_to_b=CASE_TYPES_OUT, b_to_a=CASE_TYPES_IN)
        yield made


FILL = """
from onestop.cases.services import forms
def fill(properties, have=None):
    have = have or {}
    out = {}
    for key, prop in properties.items():
        if have.get(key) not in (None, ""): continue
        if "enum" in prop: out[key] = prop["enum"][0]
        elif prop.get("type") == "number": out[key] = 1
        elif prop.get("type") == "boolean": out[key] = True
        elif prop.get("format") == "date": out[key] = "2026-11-20"
        elif "phone" in key: out[key] = "13800138000"
        elif forms.identifier_kind(key, prop) == "resident-id": out[key] = RID
        elif forms.identifier_kind(key, prop) == "uscc": out[key] = "91371121MA3D6E8F97"
        else: out[key] = "测试 " + key
    return out
pdf = b"%PDF-1.4\\n1 0 obj<<>>endobj\\ntrailer<<>>\\n%%EOF\\n"
"""

RECEIVE = (
    FILL
    + """
from django.core.files.uploadedfile import SimpleUploadedFile
from onestop.accounts.models import User
from onestop.cases import selectors, services
RID = "11010519491231002X"
clerk = User.objects.get(username="clerk")
seat = selectors.windows_for_clerk(actor=clerk).first()
walkin = services.walkin_lookup(actor=clerk, resident_id=RID, name="赵六")
item = services.remote_item_get(region="371121", code="37112100GA-GG-0003")
files = {m["key"]: SimpleUploadedFile(m["key"] + ".pdf", pdf)
         for m in item["materials"] if m["required"] and not m["held_there"]}
case = services.window_forward(actor=clerk, walkin=walkin, region="371121",
    code="37112100GA-GG-0003", form_data=fill(item["form"]["properties"]), files=files,
    delivery="window", identity_checked=True, window=seat, idempotency_key="live-window-1")
receipt = case.documents.get(kind="receipt")
print(case.number, case.status, receipt.data["handling_region"])
"""
)

DECIDE = """
from onestop.accounts.models import User
from onestop.cases import selectors, services
from onestop.cases.models import Case
officer = User.objects.get(username="{officer}")
case = Case.objects.get({lookup})
for _ in range(6):
    view = selectors.case_task_view(case=case)
    if not view["tasks"]:
        break
    task = view["tasks"][0]
    data = {{"review": {{"review_outcome": "pass"}},
             "special_step": {{"special_step_result": "pass"}},
             "decide": {{"decision": "approve"}}}}[task.name]
    case = services.task_complete(actor=officer, case=case, task_id=task.id, data=data,
                                  expected_version=view["version"], reason="核实无误")
print(case.status, case.delivery or "-", case.remote_item.get("channel") or "-")
"""

WINDOW_MIRROR = """
import json
from onestop.accounts.models import User
from onestop.cases import services
from onestop.cases.models import Case
case = Case.objects.get(idempotency_key="live-window-1")
out = {"status": case.status, "remote": case.remote_number, "delivery": case.delivery,
       "result": case.result_kind, "at_window": case.delivery_window_id == case.window_id}
if case.status == "completed" and case.result_collected_at is None:
    clerk = User.objects.get(username="clerk")
    handed = services.window_result_collect(actor=clerk, case=case)
    out["collected"] = handed.result_collected_at is not None
print(json.dumps(out))
"""


def test_received_at_a_window_here_decided_there(nodes: dict[str, LiveNode]) -> None:
    r, h = nodes[R], nodes[H]
    number, status, handling = r.shell(RECEIVE).split()
    assert number.startswith(f"{R}-")
    assert status == "forwarded"
    assert handling == H  # the receipt is R's and names the handling region
    r.run("outbox", "deliver")

    decided, delivery, channel = h.shell(
        DECIDE.format(
            officer="officer-ps",
            lookup="receiving_region='320707', item__code='37112100GA-GG-0003'",
        )
    ).split()
    assert decided == "completed"
    assert delivery == "window"  # at the receiving node's window
    assert channel == "window"
    h.run("outbox", "deliver")

    mirror = json.loads(r.shell(WINDOW_MIRROR))
    assert mirror["status"] == "completed"
    assert mirror["remote"].startswith(f"{H}-")
    assert mirror["delivery"] == "window"
    assert mirror["result"] == "paper"
    assert mirror["at_window"] is True
    assert mirror["collected"] is True


JOINT = (
    FILL
    + """
from django.core.files.uploadedfile import SimpleUploadedFile
from onestop.accounts.models import User
from onestop.cases import selectors, services
from onestop.cases.models import CaseMaterial
from onestop.cases.uploads import material_upload
from onestop.catalog.selectors import scenario_get
from onestop.core import crypto
citizen = User.objects.get(username="citizen")
RID = crypto.decrypt_pii(citizen.resident_id_enc)
scenario = scenario_get(region="320707", slug="household-move-371121-320707")
draft = services.draft_start(actor=citizen, scenario=scenario)
draft = services.prefill_apply(actor=citizen, case=draft)
schema = selectors.case_form_schema(case=draft)
draft = services.draft_save(actor=citizen, case=draft,
    form_data=fill(schema["properties"], draft.form_data))
for m in CaseMaterial.objects.filter(case=draft, required=True, mode="missing"):
    material_upload(actor=citizen, case=draft, key=m.key,
                             file=SimpleUploadedFile(m.key + ".pdf", pdf))
bundle = services.case_submit(actor=citizen, case=draft, idempotency_key="live-joint-1")
kids = sorted((c.handling_region or "-", c.status) for c in bundle.children.all())
print(bundle.number, bundle.status, ",".join(f"{r}:{s}" for r, s in kids))
"""
)

LOCAL_DECIDE = """
from onestop.accounts.models import User
from onestop.cases import selectors, services
from onestop.cases.models import Case
bundle = Case.objects.get(idempotency_key="live-joint-1")
officers = {"public-security": "officer-ps", "medical-security": "officer-yb"}
for child in bundle.children.filter(handling_region="").select_related("department__kind"):
    officer = User.objects.get(username=officers[child.department.kind.key])
    case = child
    for _ in range(6):
        view = selectors.case_task_view(case=case)
        if not view["tasks"]:
            break
        task = view["tasks"][0]
        data = {"review": {"review_outcome": "pass"},
                "special_step": {"special_step_result": "pass"},
                "decide": {"decision": "approve"}}[task.name]
        case = services.task_complete(actor=officer, case=case, task_id=task.id, data=data,
                                      expected_version=view["version"], reason="核实无误")
bundle.refresh_from_db()
print(bundle.status)
"""

BUNDLE = """
import json
from onestop.cases.models import Case
from onestop.notify.models import Notification
bundle = Case.objects.get(idempotency_key="live-joint-1")
mirror = bundle.children.get(handling_region="371121")
told = Notification.objects.filter(recipient=bundle.applicant, template="case.delivered",
    dedupe_key=f"case.delivered:{bundle.pk}")
print(json.dumps({"status": bundle.status, "mirror": mirror.status,
  "remote": mirror.remote_number, "told": told.count(),
  "completed_events": bundle.events.filter(kind="completed").count()}))
"""

ON_H = """
import json
from onestop.cases.models import Case
case = Case.objects.get(receiving_region="320707", item__code="37112100GA-QR-0006")
print(json.dumps({"status": case.status, "channel": case.remote_item.get("channel"),
  "bundle": case.remote_item.get("bundle"),
  "materials": sorted(f"{m.key}:{m.mode}" for m in case.materials.filter(required=True))}))
"""


def test_a_joint_application_completes_once_on_both_nodes(nodes: dict[str, LiveNode]) -> None:
    r, h = nodes[R], nodes[H]
    number, status, children = r.shell(JOINT).split()
    assert number.startswith(f"{R}-")
    assert status == "accepted"
    # R's two items here, Wulian's move-out forwarded
    assert sorted(children.split(",")) == ["-:accepted", "-:accepted", f"{H}:forwarded"]
    r.run("outbox", "deliver")

    on_h = json.loads(h.shell(ON_H))
    assert on_h["status"] == "accepted"
    assert on_h["channel"] == "joint"
    assert on_h["bundle"] == number
    assert all(not m.endswith(":missing") for m in on_h["materials"])

    # R's own items decided first: the bundle waits for the other region
    assert r.shell(LOCAL_DECIDE) == "accepted"
    h.run("outbox", "deliver")  # H's acknowledgement
    waiting = json.loads(r.shell(BUNDLE))
    assert waiting["status"] == "accepted"
    assert waiting["mirror"] == "accepted"
    assert waiting["told"] == 0

    decided, _delivery, channel = h.shell(
        DECIDE.format(
            officer="officer-ps",
            lookup="receiving_region='320707', item__code='37112100GA-QR-0006'",
        )
    ).split()
    assert decided == "completed"
    assert channel == "joint"
    h.run("outbox", "deliver")
    done = json.loads(r.shell(BUNDLE))
    assert done["mirror"] == "completed"
    assert done["remote"].startswith(f"{H}-")
    assert done["status"] == "completed"
    assert done["completed_events"] == 1
    assert done["told"] == 1  # one notification for the whole application


# The joint application again, its handling node (Wulian, H) killed with SIGKILL twice: while
# Ganyu's forward is on its socket, and with its own status messages still in its outbox.
KILLED = "live-joint-killed"
ON_H_KILLED = """
import json
from onestop.cases.models import Case
cases = Case.objects.filter(receiving_region="320707", remote_item__bundle="{number}")
print(json.dumps([c.status for c in cases]))
"""
REPLAY = """
from onestop.federation import services
from onestop.federation.models import OutboxMessage
sent = list(OutboxMessage.objects.filter(type="{type}", state="sent").values_list("pk", flat=True))
OutboxMessage.objects.filter(pk__in=sent).update(state="queued")
print(" ".join(sorted({{services.outbox_deliver(message_id=pk) for pk in sent}})))
"""
ONCE = """
import json
from collections import Counter
from onestop.federation.models import InboxMessage, OutboxMessage
inbox = Counter(InboxMessage.objects.values_list("from_region", "message_id"))
print(json.dumps({"twice": sum(1 for n in inbox.values() if n > 1), "inbox": len(inbox),
  "outbox": sorted(set(OutboxMessage.objects.values_list("state", flat=True)))}))
"""


def _established(port: int) -> int:
    """How many TCP connections to 127.0.0.1:`port` are established (Linux's /proc)."""
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(
        1 for row in rows if row.split()[1] == f"0100007F:{port:04X}" and row.split()[3] == "01"
    )


def test_a_joint_bundle_survives_its_handling_node_killed(nodes: dict[str, LiveNode]) -> None:
    r, h = nodes[R], nodes[H]
    number, status, children = r.shell(JOINT.replace("live-joint-1", KILLED)).split()
    assert status == "accepted"
    assert f"{H}:forwarded" in children.split(",")

    # 1. H stops answering; R starts delivering the forward; once R's request is on H's socket,
    #    H (gunicorn and all) is killed: the forward stays queued on R, nothing on H
    assert h.process is not None
    before = _established(h.port)
    os.killpg(h.process.pid, signal.SIGSTOP)
    deliverer = subprocess.Popen(
        [*ONESTOP, "outbox", "deliver"], env=r.env(), stdout=subprocess.PIPE, text=True
    )
    try:
        wait_until(
            lambda: _established(h.port) > before or deliverer.poll() is not None,
            seconds=60,
            what="R's forward reaching H's socket",
        )
        assert _established(h.port) > before  # R's forward is in flight
    finally:
        h.kill()
    assert "queued" in deliverer.communicate(timeout=120)[0].split()

    # 2. H restarts on the same data dir and database; R delivers, then (as if the reply had
    #    been lost) delivers the same forward again: H answers its first reply
    h.start()
    assert "queued" not in r.run("outbox", "deliver").stdout.split()
    assert r.shell(REPLAY.format(type="case.forward")) == "sent"
    assert json.loads(h.shell(ON_H_KILLED.format(number=number))) == ["accepted"]

    # 3. H's acknowledgement and, later, its decision wait in its outbox across a SIGKILL
    h.kill()
    h.start()
    h.run("outbox", "deliver")
    assert r.shell(LOCAL_DECIDE.replace("live-joint-1", KILLED)) == "accepted"
    decided, _delivery, channel = h.shell(
        DECIDE.format(officer="officer-ps", lookup=f"remote_item__bundle='{number}'")
    ).split()
    assert (decided, channel) == ("completed", "joint")
    h.kill()
    waiting = json.loads(r.shell(BUNDLE.replace("live-joint-1", KILLED)))
    assert (waiting["status"], waiting["told"]) == ("accepted", 0)  # not half-done
    h.start()
    assert "queued" not in h.run("outbox", "deliver").stdout.split()
    assert h.shell(REPLAY.format(type="case.status")) == "sent"  # every status, again

    # every message applied once on each node, one case on H, the bundle completed once
    done = json.loads(r.shell(BUNDLE.replace("live-joint-1", KILLED)))
    assert done["status"] == "completed"
    assert done["mirror"] == "completed"
    assert done["completed_events"] == 1
    assert done["told"] == 1
    assert json.loads(h.shell(ON_H_KILLED.format(number=number))) == ["completed"]
    for node in (r, h):
        once = json.loads(node.shell(ONCE))
        assert once["twice"] == 0
        assert once["outbox"] == ["sent"]
