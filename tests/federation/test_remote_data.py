"""Data held by another region (issue 11 §5), between two real nodes on loopback: Wulian
(371121) reads the household and medical-insurance records of a Ganyu resident that only the
Ganyu node (320707) holds, through a ``peer`` dataset source and signed ``data.fetch``
messages. The provider applies its own agreements and consent rules, both sides record the
access with the other's region, the citizen's data tracker on the provider shows which region
read which record for which case, a record held by the peer counts as held for the
applicant's materials, and a peer that is down is "unavailable", never a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.factories.nodes import LiveNode, migrate_all, peer, worker_ports

# One worker runs the whole module (`make test` uses `--dist loadgroup`): its
# module-scoped set-up is made once, and its tests see each other's order.
pytestmark = pytest.mark.xdist_group("live-nodes-remote-data")

PORTS = dict(zip(("371121", "320707"), worker_ports(8331, 8332), strict=True))
MOVER = "320721198708300350"  # a Ganyu resident: household and social insurance held at 320707
PASSWORD = "Remote-data-pass-2026"

SEED = """
from django.db import transaction
from onestop.core import seeding
for step in seeding.steps():
    if step.name in {"calendar", "org", "datasets", "licence_types", "sharing-agreements",
                     "sharing-demo"}:
        with transaction.atomic():
            step.run()
"""

# on the requesting node: an officer of Wulian's civil affairs, and the Ganyu resident who
# moved to Wulian, registered there and verified by the identity provider (L2)
PEOPLE_A = f"""
from onestop.accounts import services as accounts
from onestop.core.actors import SYSTEM
accounts._staff_create(username="officer-a", password="{PASSWORD}", real_name="李明",
    roles=[("department_officer", "371121", "371121-civil-affairs")])
mover = accounts.citizen_register(username="mover-a", password="{PASSWORD}", real_name="迁入人",
    resident_id="{MOVER}")
accounts.assurance_raise(actor=SYSTEM, user=mover, level=2, method="identity_provider",
    evidence="test identity provider")
"""

# on the provider: the same person's account (for the data tracker), and a consent-based
# record (medical insurance) that only Ganyu holds
PEOPLE_B = f"""
from onestop.accounts import services as accounts
from onestop.core.actors import SYSTEM
from onestop.sharing import services as sharing
mover = accounts.citizen_register(username="mover-b", password="{PASSWORD}", real_name="迁入人",
    resident_id="{MOVER}")
sharing.record_upsert(actor=SYSTEM, dataset="medical-insurance", subject="{MOVER}",
    subject_kind="person", data={{"id_number": "{MOVER}", "enrolment_status": "参保缴费"}})
"""

# Wulian's officer fetches, in turn, each (dataset, fields, case); "consent" makes the
# citizen consent at Wulian first. One JSON line: per case, the values or the error, and
# Wulian's access record.
FETCH = """
import json
from onestop.accounts.models import User
from onestop.core.errors import DomainError
from onestop.sharing import services
from onestop.sharing.models import AccessRecord
officer = User.objects.get(username="officer-a")
found = {{}}
for dataset, fields, case in {steps!r}:
    if dataset == "consent":
        services.consent_grant(actor=User.objects.get(username="mover-a"),
            dataset="medical-insurance", purpose="application-processing")
        continue
    try:
        values = services.data_fetch(actor=officer, subject="{subject}", dataset=dataset,
            fields=fields, purpose="application-processing", case=case)
        out = {{"values": values}}
    except DomainError as exc:
        out = {{"status": exc.status, "code": exc.code, "message": str(exc.message),
                "reason": (exc.details or {{}}).get("reason")}}
    last = AccessRecord.objects.filter(case_ref=case).order_by("-at").first()
    out["record"] = {{"result": last.result, "reason": last.reason, "source": last.source,
        "peer_region": last.peer_region, "peer_record": last.peer_record,
        "department": last.actor_department_id, "log_index": last.log_index}} if last else None
    found[case] = out
from onestop.federation.models import OutboxMessage
found["outbox"] = sorted({{json.dumps([m.envelope["body"], (m.reply or {{}}).get("body")])
    for m in OutboxMessage.objects.filter(type="data.fetch")}})
print(json.dumps(found, ensure_ascii=False))
"""

# on the provider: its access records of each case, and whether each is on its ledger
RECORDS_B = """
import json
from onestop.sharing.models import AccessRecord
from onestop.ledger.models import Entry
logged = {{e.payload.get("record") for e in Entry.objects.filter(kind="sharing.access")}}
found = {{}}
for case in {cases!r}:
    rows = [{{"id": str(r.id), "result": r.result, "reason": r.reason, "dataset": r.dataset,
    "peer_region": r.peer_region, "peer_department": r.peer_department,
    "peer_actor": r.peer_actor, "peer_record": r.peer_record, "basis": r.basis,
    "fields": r.fields, "log_index": r.log_index}}
        for r in AccessRecord.objects.filter(case_ref=case).order_by("at")]
    found[case] = {{"rows": rows, "logged": [r["id"] in logged for r in rows]}}
from onestop.federation.models import InboxMessage
found["inbox"] = sorted({{json.dumps(m.reply["body"])
    for m in InboxMessage.objects.filter(type="data.fetch")}})
"""

# ... and the data tracker page of the citizen there (`/me/data/`, in English)
TRACKER_B = """
from django.conf import settings
from django.test import Client, override_settings
from onestop.accounts.models import User
client = Client(HTTP_HOST="localhost")
client.force_login(User.objects.get(username="mover-b"))
plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):
    page = client.get("/me/data/", HTTP_ACCEPT_LANGUAGE="en")
found["page"] = {"status": page.status_code, "html": page.content.decode()}
"""
PRINT = "print(json.dumps(found, ensure_ascii=False))"

HELD_A = """
import json
from onestop.accounts.models import User
from onestop.sharing import selectors
mover = User.objects.get(username="mover-a")
found = selectors.holdings_of(subject=mover, keys=["household", "medical-insurance",
    "marriage"])
print(json.dumps({"held": sorted(found.held), "unknown": sorted(found.unknown)}))
"""


def _fetch(node: LiveNode, *steps: tuple[str, list[str], str]) -> dict:
    return json.loads(node.shell(FETCH.format(subject=MOVER, steps=list(steps))))


def _provider_records(node: LiveNode, *cases: str, script: str = "", tracker: bool = False) -> dict:
    records = RECORDS_B.format(cases=list(cases))
    return json.loads(node.shell(script + records + (TRACKER_B if tracker else "") + PRINT))


# Wulian allows data.fetch and the two datasets towards Ganyu and reads them from it (what
# `onestop peer allow` and `onestop dataset source --peer` do, in one process)
SOURCES_A = """
from django.core.management import call_command
datasets = "household medical-insurance"
call_command("peer", "allow", "320707", "--out-types", "ping data.fetch",
    "--out-datasets", datasets)
for dataset in datasets.split():
    call_command("dataset", "source", dataset, "--peer", "320707", "--timeout", "5")
call_command("dataset", "sources")
"""
ALLOW_B = """
from django.core.management import call_command
call_command("peer", "allow", "371121", "--in-types", "ping data.fetch",
    "--in-datasets", "household medical-insurance")
print("allowed")
"""


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, LiveNode]]:
    """Ganyu and Wulian, seeded with their own regions' data only, peered both ways, Ganyu
    letting Wulian ask for household and medical insurance, Wulian reading both from Ganyu
    after its own records."""
    made = {
        region: LiveNode(
            region,
            Path(tmp_path_factory.mktemp(f"data{region}")),
            port,
            extra_env={"FEDERATION_TIMEOUT": "5", "SHARING_SOURCE_RETRY_SECONDS": "0"},
        )
        for region, port in PORTS.items()
    }
    a, b = made["371121"], made["320707"]
    migrate_all([a, b])
    a.shell(SEED + PEOPLE_A + "print('ready')")
    b.shell(SEED + PEOPLE_B + "print('ready')")
    try:
        for n in (a, b):
            n.start()
        peer(a, b)
        assert b.shell(ALLOW_B) == "allowed"
        assert "medical-insurance: peer 320707" in a.shell(SOURCES_A)
        yield made
    finally:
        for n in made.values():
            n.stop()


def test_a_record_held_by_the_peer_is_fetched_and_recorded_on_both_sides(
    pair: dict[str, LiveNode],
) -> None:
    a, b = pair["371121"], pair["320707"]
    got = _fetch(a, ("household", ["household_number", "name"], "WL-2026-0001"))["WL-2026-0001"]
    assert set(got["values"]) == {"household_number", "name"}
    assert got["values"]["household_number"]  # Ganyu's record, which Wulian does not hold
    mine = got["record"]
    assert mine["result"] == "allowed"
    assert mine["source"] == "peer:320707"
    assert mine["peer_region"] == "320707"
    assert mine["department"] == "371121-civil-affairs"
    assert mine["log_index"] is not None
    theirs = _provider_records(b, "WL-2026-0001", tracker=True)
    (row,) = theirs["WL-2026-0001"]["rows"]
    assert theirs["WL-2026-0001"]["logged"] == [True]  # on the provider's own ledger
    assert row["result"] == "allowed"
    assert row["peer_region"] == "371121"
    assert row["peer_department"] == "371121-civil-affairs"
    assert "李明" in row["peer_actor"]
    assert row["basis"].startswith("law: ")  # Ganyu's own agreement with civil affairs
    assert row["fields"] == ["household_number", "name"]
    assert row["id"] == mine["peer_record"]  # each side names the other's record
    # neither side keeps the subject key or the values in its outbox or inbox
    redacted = json.dumps({"redacted": True})
    assert theirs["inbox"] == [redacted]
    assert _fetch(a)["outbox"] == [json.dumps([{"redacted": True}, {"redacted": True}])]
    # the citizen's data tracker on the provider: which region read which record, which case
    page = theirs["page"]
    assert page["status"] == 200
    assert "The node of region 371121" in page["html"]
    assert "371121-civil-affairs" in page["html"]
    assert "WL-2026-0001" in page["html"]


def test_consent_is_checked_before_asking_and_by_the_provider(
    pair: dict[str, LiveNode],
) -> None:
    a, b = pair["371121"], pair["320707"]
    got = _fetch(
        a,
        # no consent yet: Wulian's own rule refuses, Ganyu is never asked
        ("medical-insurance", ["enrolment_status"], "WL-2026-0002"),
        # consented at Wulian: the proof travels with the request, Ganyu's rule accepts it
        ("consent", [], ""),
        ("medical-insurance", ["enrolment_status"], "WL-2026-0003"),
    )
    refused = got["WL-2026-0002"]
    assert (refused["status"], refused["reason"]) == (403, "no_consent")
    assert refused["record"]["result"] == "refused"
    assert got["WL-2026-0003"]["values"] == {"enrolment_status": "参保缴费"}
    theirs = _provider_records(b, "WL-2026-0002", "WL-2026-0003")
    assert theirs["WL-2026-0002"]["rows"] == []
    (row,) = theirs["WL-2026-0003"]["rows"]
    assert (row["result"], row["basis"]) == ("allowed", "consent")


NO_AGREEMENT_B = """
from onestop.sharing.models import SharingAgreement
SharingAgreement.objects.filter(dataset_id="household", consumer_kind_id="civil-affairs").delete()
"""


def test_the_provider_refuses_under_its_own_agreements(pair: dict[str, LiveNode]) -> None:
    a, b = pair["371121"], pair["320707"]
    # Ganyu no longer shares households with civil affairs (Wulian still has the agreement)
    before = _provider_records(b, script=NO_AGREEMENT_B)
    # only data.fetch replies are kept, redacted (whatever ran before on these nodes)
    assert set(before) <= {"inbox"}
    assert set(before.get("inbox", [])) <= {json.dumps({"redacted": True})}
    refused = _fetch(a, ("household", ["household_number"], "WL-2026-0004"))["WL-2026-0004"]
    assert refused["status"] == 403
    assert refused["reason"] == "peer_no_agreement"
    # the node answers in its default language (zh-hans)
    assert any(
        text in refused["message"]
        for text in ("region holding this data has no sharing agreement", "没有允许您所在部门")
    )
    assert refused["record"]["result"] == "refused"
    assert refused["record"]["peer_region"] == "320707"
    (row,) = _provider_records(b, "WL-2026-0004")["WL-2026-0004"]["rows"]
    assert (row["result"], row["reason"]) == ("refused", "no_agreement")


def test_a_peer_held_record_counts_as_held_and_a_peer_down_is_unavailable(
    pair: dict[str, LiveNode],
) -> None:
    a, b = pair["371121"], pair["320707"]
    held = json.loads(a.shell(HELD_A))
    # household and medical insurance: held by Ganyu; marriage: nowhere
    assert held == {"held": ["household", "medical-insurance"], "unknown": []}
    b.stop()
    try:
        down = _fetch(
            a,
            # social insurance is not read from peers: Wulian's records only, which hold none
            ("social-insurance", ["employer_name"], "WL-2026-0005"),
            ("household", ["household_number"], "WL-2026-0006"),
        )
        assert down["WL-2026-0005"]["status"] == 404
        unavailable = down["WL-2026-0006"]
        assert unavailable["status"] == 503
        assert unavailable["code"] == "source_unavailable"
        assert unavailable["reason"] == "peer_unavailable"
        assert any(
            text in unavailable["message"] for text in ("upload the document instead", "请改为上传")
        )
        assert unavailable["record"]["result"] == "unavailable"
        assert unavailable["record"]["peer_region"] == "320707"
    finally:
        b.start()
