"""Cross-province cases, fully online (services.forwarding, docs/federation.md): the handling
node's `case.forward` applied exactly once through the real inbox, its refusals (unknown item,
type not allowed for the peer, bad identity assertion), `case.status` going back in the same
transaction as each status change; the receiving node's mirror (`case_forward`) and how it
follows `case.status`; the alert for a forwarded case nobody acknowledged.

One database plays this node (371121); the peer 320707 is played by the test with its own key
(tests/federation/conftest.py `FakePeer`)."""

from __future__ import annotations

import base64
import datetime
import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onestop.accounts import services as account_services
from onestop.cases import services
from onestop.cases.models import Case, CaseEvent, CaseMaterial
from onestop.cases.services import forms, forwarding
from onestop.core.errors import PermissionDenied, ValidationFailed
from onestop.federation.models import InboxMessage, OutboxMessage
from onestop.notify.models import Notification
from tests.cases.conftest import walk
from tests.federation.conftest import FakePeer, reply_json

PEER = "320707"
ITEM = "37112100GA-GG-0003"  # 无犯罪记录证明开具: item_standard, officers of public security
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
RESIDENT_ID = "11010519491231002X"


@pytest.fixture(autouse=True)
def _items_cache() -> None:
    forwarding._items.clear()


@pytest.fixture
def peer(cases_world: Any) -> FakePeer:
    fake = FakePeer(PEER)
    fake.peer.allowed_in_types = ["ping", "case.item", "case.forward", "case.status"]
    fake.peer.allowed_out_types = ["ping", "case.item", "case.forward", "case.status"]
    fake.peer.save()
    return fake


def _form(code: str) -> dict[str, Any]:
    schema = forwarding.item_describe(code=code)["form"]
    values: dict[str, Any] = {}
    for key, prop in schema["properties"].items():
        if "enum" in prop:
            values[key] = prop["enum"][0]
        elif prop.get("type") == "number":
            values[key] = 1
        elif prop.get("format") == "date":
            values[key] = "2026-11-20"
        elif "phone" in key:
            values[key] = "13800138000"
        elif forms.identifier_kind(key, prop) == "resident-id":
            values[key] = RESIDENT_ID  # check digits are checked wherever one is typed
        elif forms.identifier_kind(key, prop) == "uscc":
            values[key] = "91371121MA3D6E8F97"
        else:
            values[key] = f"test {key}"
    return values


def _forward_body(**changes: Any) -> dict[str, Any]:
    materials = [
        m["key"]
        for m in forwarding.item_describe(code=ITEM)["materials"]
        if m["required"] and not m["held_there"]
    ]
    body = {
        "case": str(uuid.uuid4()),
        "number": "320707-20261207-00001",
        "submission": "sub-1",
        "item": ITEM,
        "applicant": {"kind": "citizen", "name": "王芳", "resident_id": RESIDENT_ID, "level": 2},
        "form": _form(ITEM),
        "materials": [
            {
                "key": k,
                "name": f"{k}.pdf",
                "content_type": "application/pdf",
                "data": base64.b64encode(PDF).decode(),
            }
            for k in materials
        ],
    }
    body.update(changes)
    return body


def _send(client: Any, peer: FakePeer, body: dict[str, Any], **changes: Any) -> Any:
    envelope = peer.envelope(type="case.forward", purpose="case", body=body, **changes)
    return envelope, peer.send(client, envelope)


# --- the handling node ---------------------------------------------------------------------


def test_a_forwarded_application_becomes_one_case_here(client: Any, peer: FakePeer) -> None:
    body = _forward_body()
    envelope, response = _send(client, peer, body)
    assert response.status_code == 200, response.content
    number = reply_json(response)["body"]["number"]
    case = Case.objects.get(number=number)
    assert case.item.code == ITEM
    assert case.status == Case.Status.ACCEPTED
    assert (case.receiving_region, case.handling_region) == (PEER, "371121")
    assert case.remote_case == body["case"]
    assert case.applicant.real_name == "王芳"
    assert case.applicant.real_name_level == 2
    uploaded = CaseMaterial.objects.filter(case=case, mode=CaseMaterial.Mode.UPLOAD)
    assert set(uploaded.values_list("key", flat=True)) == {m["key"] for m in body["materials"]}
    # the acknowledgement went out in the same transaction: case.status seq 1, "accepted"
    status = OutboxMessage.objects.get(type="case.status")
    assert status.peer.region == PEER
    assert status.envelope["body"]["seq"] == 1
    assert status.envelope["body"]["status"] == "accepted"
    assert status.envelope["body"]["number"] == number
    assert status.envelope["body"]["case"] == body["case"]

    # the same message again: the first reply, nothing applied twice
    again = peer.send(client, envelope)
    assert again.status_code == 409
    assert reply_json(again)["details"]["reply"]["body"]["number"] == number
    # the same submission in a new message (the sender lost its outbox row): the same case
    _env, third = _send(client, peer, body)
    assert third.status_code == 200
    assert reply_json(third)["body"]["number"] == number
    assert Case.objects.filter(receiving_region=PEER).count() == 1
    assert OutboxMessage.objects.filter(type="case.status").count() == 1


def test_every_status_change_goes_back_with_the_licence(
    client: Any, peer: FakePeer, officers: dict[str, Any]
) -> None:
    _env, response = _send(client, peer, _forward_body())
    case = Case.objects.get(number=reply_json(response)["body"]["number"])
    walk(case, officers["public-security"])
    case.refresh_from_db()
    assert case.status == Case.Status.COMPLETED
    sent = [
        m.envelope["body"]
        for m in OutboxMessage.objects.filter(type="case.status").order_by("created_at")
    ]
    assert [b["seq"] for b in sent] == list(range(1, len(sent) + 1))
    assert sent[0]["status"] == "accepted"
    assert sent[-1]["status"] == "completed"
    assert sent[-1]["decision"] == "approve"
    if case.credential_id is not None:  # the item's result is an e-licence of this node
        assert sent[-1]["licence"] == case.credential.token


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"item": "37112100XX-NO-0000"}, 404, "item_not_found"),
        (
            {
                "applicant": {
                    "kind": "citizen",
                    "name": "王芳",
                    "resident_id": RESIDENT_ID,
                    "level": 1,
                }
            },
            400,
            "bad_assertion",
        ),
        (
            {
                "applicant": {
                    "kind": "citizen",
                    "name": "王芳",
                    "resident_id": "110105194912310021",
                    "level": 2,
                }
            },
            400,
            "bad_assertion",
        ),
        (
            {
                "materials": [
                    {"key": "resident-id", "data": base64.b64encode(b"not a pdf").decode()}
                ]
            },
            400,
            "file_type",
        ),
    ],
)
def test_refusals_change_nothing(
    client: Any, peer: FakePeer, changes: dict[str, Any], status: int, code: str
) -> None:
    cases_before = Case.objects.count()
    _env, response = _send(client, peer, _forward_body(**changes))
    assert response.status_code == status, response.content
    assert reply_json(response)["code"] == code
    assert Case.objects.count() == cases_before
    assert not InboxMessage.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_a_peer_not_allowed_to_forward_is_refused(client: Any, peer: FakePeer) -> None:
    peer.peer.allowed_in_types = ["ping"]
    peer.peer.save()
    _env, response = _send(client, peer, _forward_body())
    assert response.status_code == 403
    assert reply_json(response)["code"] == "type_not_allowed"
    assert not Case.objects.filter(receiving_region=PEER).exists()


def test_the_item_is_described_to_a_peer(client: Any, peer: FakePeer) -> None:
    envelope = peer.envelope(type="case.item", purpose="case", body={"code": ITEM})
    response = peer.send(client, envelope)
    assert response.status_code == 200
    item = reply_json(response)["body"]
    assert item["code"] == ITEM
    assert item["form"]["properties"]
    assert {"key", "name_zh", "name_en", "required"} <= set(item["materials"][0])
    missing = peer.send(
        client, peer.envelope(type="case.item", purpose="case", body={"code": "nope"})
    )
    assert missing.status_code == 404


# --- the receiving node --------------------------------------------------------------------


def _remote_item(code: str = ITEM) -> dict[str, Any]:
    """The peer's item as `case.item` would answer (this node's item, told as the peer's)."""
    described = forwarding.item_describe(code=code)
    return forwarding._items.put(
        (PEER, "32070700GA-GG-0003"), {**described, "code": "32070700GA-GG-0003", "region": PEER}
    )


def _files() -> dict[str, Any]:
    return {
        m["key"]: SimpleUploadedFile(f"{m['key']}.pdf", PDF)
        for m in forwarding.item_describe(code=ITEM)["materials"]
        if m["required"] and not m["held_there"]
    }


def _apply(citizen: Any, key: str = "k-1") -> Case:
    _remote_item()
    return services.case_forward(
        actor=citizen,
        region=PEER,
        code="32070700GA-GG-0003",
        form_data=_form(ITEM),
        files=_files(),
        idempotency_key=key,
    )


def test_applying_for_a_peer_item_queues_the_forward(citizen: Any, peer: FakePeer) -> None:
    mirror = _apply(citizen)
    assert mirror.status == Case.Status.FORWARDED
    assert mirror.is_mirror
    assert mirror.item is None
    assert mirror.handling_region == PEER
    assert mirror.number.startswith("371121-")
    message = OutboxMessage.objects.get(type="case.forward")
    body = message.envelope["body"]
    assert message.peer.region == PEER
    assert message.state == "queued"
    assert body["case"] == str(mirror.pk)
    assert body["applicant"]["name"] == citizen.real_name
    assert body["applicant"]["level"] == 2
    assert set(body["applicant"]) == {"kind", "name", "resident_id", "level"}
    assert {m["key"] for m in body["materials"]} == set(_files())
    assert CaseEvent.objects.get(case=mirror).kind == CaseEvent.Kind.FORWARDED
    # the disclosure of the identity to the handling region is recorded
    from onestop.sharing.models import AccessRecord

    disclosed = AccessRecord.objects.get(dataset="accounts.identity")
    assert disclosed.subject_index == mirror.applicant_index
    assert mirror.number in disclosed.basis
    # a retry with the same key: the same case, no second message
    assert _apply(citizen).pk == mirror.pk
    assert OutboxMessage.objects.filter(type="case.forward").count() == 1


def test_an_unverified_citizen_cannot_apply_across(cases_world: Any, peer: FakePeer) -> None:
    person = account_services.citizen_register(
        username="lowlevel",
        password="Low-level-pass-2026",
        real_name="李四",
        resident_id=RESIDENT_ID,
        phone="13900139000",
    )
    with pytest.raises(PermissionDenied):
        _apply(person)
    assert not Case.objects.filter(handling_region=PEER).exists()


def test_missing_materials_refused(citizen: Any, peer: FakePeer) -> None:
    _remote_item()
    with pytest.raises(ValidationFailed) as error:
        services.case_forward(
            actor=citizen,
            region=PEER,
            code="32070700GA-GG-0003",
            form_data=_form(ITEM),
            files={},
            idempotency_key="k-2",
        )
    assert error.value.code == "materials_missing"
    assert not OutboxMessage.objects.exists()


def _status(client: Any, peer: FakePeer, mirror: Case, seq: int, status: str, **more: Any) -> Any:
    body = {
        "case": str(mirror.pk),
        "seq": seq,
        "status": status,
        "number": "320707-20261207-00009",
        **more,
    }
    return peer.send(client, peer.envelope(type="case.status", purpose="case", body=body))


def test_the_mirror_follows_the_handling_node(client: Any, citizen: Any, peer: FakePeer) -> None:
    mirror = _apply(citizen)
    assert _status(client, peer, mirror, 1, "accepted").status_code == 200
    mirror.refresh_from_db()
    assert mirror.status == Case.Status.ACCEPTED
    assert mirror.remote_number == "320707-20261207-00009"
    assert mirror.acknowledged_at is not None
    # out of order: 3 (completed) before 2 (approved)
    assert _status(client, peer, mirror, 3, "completed", decision="approve").status_code == 200
    assert _status(client, peer, mirror, 2, "approved", decision="approve").status_code == 200
    mirror.refresh_from_db()
    assert mirror.status == Case.Status.COMPLETED
    assert mirror.decision == "approve"
    steps = list(
        CaseEvent.objects.filter(case=mirror, kind=CaseEvent.Kind.REMOTE_STEP)
        .order_by("id")
        .values_list("data__status", flat=True)
    )
    assert steps == ["accepted", "completed", "approved"]
    assert Notification.objects.filter(recipient=citizen, template="case.delivered").count() == 1


def test_a_status_for_an_unknown_case_is_refused(client: Any, peer: FakePeer) -> None:
    response = _status(client, peer, Case(pk=uuid.uuid4()), 1, "accepted")
    assert response.status_code == 404
    assert reply_json(response)["code"] == "unknown_case"


def test_an_unacknowledged_forward_alerts_the_administrators(
    citizen: Any, peer: FakePeer, users: dict[str, Any]
) -> None:
    mirror = _apply(citizen)
    now = mirror.forwarded_at
    assert forwarding.unacknowledged_alert(now=now + datetime.timedelta(hours=2)) == []
    later = now + datetime.timedelta(days=5)
    assert forwarding.unacknowledged_alert(now=later) == [mirror.number]
    assert forwarding.unacknowledged_alert(now=later) == []  # once
    alerts = Notification.objects.filter(template="federation.unacknowledged")
    assert alerts.exists()
    assert all(n.recipient.username.startswith("admin") for n in alerts)


# --- the pages -----------------------------------------------------------------------------


def test_the_citizen_applies_on_the_portal_and_sees_the_forward_queued(
    client: Any, citizen: Any, peer: FakePeer
) -> None:
    _remote_item()
    client.force_login(citizen)
    url = f"/apply/remote/{PEER}/32070700GA-GG-0003/"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "handled by the node of region 320707" in page.content.decode()
    data: dict[str, Any] = {"key": "portal-1", **_form(ITEM), **_files()}
    done = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert done.status_code == 302, done.content.decode()[:2000]
    mirror = Case.objects.get(idempotency_key="portal-1")
    assert done["Location"] == f"/me/cases/{mirror.number}/"
    detail = client.get(done["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Forwarding to region 320707: queued" in detail
    assert "Forwarded to the node of region 320707" in detail  # the timeline


def test_an_empty_form_is_refused_and_nothing_sent(
    client: Any, citizen: Any, peer: FakePeer
) -> None:
    _remote_item()
    client.force_login(citizen)
    response = client.post(f"/apply/remote/{PEER}/32070700GA-GG-0003/", {"key": "portal-2"})
    assert response.status_code == 400
    assert not Case.objects.filter(idempotency_key="portal-2").exists()
    assert not OutboxMessage.objects.exists()


def test_this_nodes_staff_see_the_mirror_as_their_role_allows_but_cannot_decide(
    client: Any, citizen: Any, supervisor: Any, officers: dict[str, Any], peer: FakePeer
) -> None:
    from onestop.cases import policies

    mirror = _apply(citizen)
    _status(client, peer, mirror, 1, "accepted")
    mirror.refresh_from_db()
    officer = officers["public-security"]
    assert policies.can(supervisor, policies.Action.VIEW, mirror)
    assert not policies.can(officer, policies.Action.VIEW, mirror)
    for person in (supervisor, officer):
        assert not policies.can(person, policies.Action.STEP_DEPARTMENT, mirror)
    client.force_login(supervisor)
    page = client.get(f"/office/cases/{mirror.number}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Accepted by region 320707 as case 320707-20261207-00009" in page.content.decode()
    refused = client.post(
        f"/office/cases/{mirror.number}/act/",
        {"task_id": "x", "action": "approve", "version": "1"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code in (302, 400, 403, 404)
    mirror.refresh_from_db()
    assert mirror.status == Case.Status.ACCEPTED
    assert not mirror.decision


def test_a_licence_that_does_not_verify_stays_out_of_the_wallet(
    client: Any, citizen: Any, peer: FakePeer
) -> None:
    from onestop.credentials.models import Credential, PeerCredential

    mirror = _apply(citizen)
    own = Credential.objects.filter(holder=citizen).first()  # this node's, not the peer's
    assert own is not None
    for seq, token in ((1, "not.a.token"), (2, own.token)):
        response = _status(
            client, peer, mirror, seq, "completed", decision="approve", licence=token
        )
        assert response.status_code == 200
    mirror.refresh_from_db()
    assert mirror.status == Case.Status.COMPLETED
    assert mirror.result_kind == Case.ResultKind.PAPER
    assert not PeerCredential.objects.exists()
    licences = CaseEvent.objects.filter(case=mirror, kind=CaseEvent.Kind.REMOTE_STEP)
    assert [e.data["licence"] for e in licences] == [False, False]


def test_a_mirror_is_not_timed_on_this_nodes_calendar(
    client: Any, citizen: Any, peer: FakePeer
) -> None:
    from onestop.cases import clock

    mirror = _apply(citizen)
    _status(client, peer, mirror, 1, "accepted", promised_days=1, due_date="2026-01-05")
    mirror.refresh_from_db()
    assert mirror.due_date == datetime.date(2026, 1, 5)  # shown as the handling node said
    result = clock.tick(now=mirror.forwarded_at + datetime.timedelta(days=400))
    assert mirror.number not in result["warned"] + result["escalated"]
    mirror.refresh_from_db()
    assert mirror.escalated_at is None
    assert mirror.warned_at is None
