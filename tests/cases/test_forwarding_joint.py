"""Joint handling (多地联办, services.forwarding_joint, docs/federation.md): one application for
a scenario whose items belong to two regions. The bundle's own items fan out here as usual;
the item of the other region becomes a mirror item case of the bundle, forwarded with its own
`case.forward` in the acceptance's transaction (the identity asserted, the answers the item
asks, the materials as scans or attestations); the bundle completes once, when the local
items and the mirror are all final, with one notification. And the handling node's side: the
attested materials count as held.

One database plays this node (371121, whose newborn scenario is given an item of 320707 here);
the peer 320707 is played by the test (`FakePeer`) and describes its item as the test says."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from onestop.cases import selectors, services
from onestop.cases.models import Case, CaseEvent, CaseMaterial
from onestop.cases.services import forwarding
from onestop.catalog.models import ScenarioItem
from onestop.core.errors import ValidationFailed
from onestop.federation.models import OutboxMessage
from onestop.notify.models import Notification
from tests.cases.conftest import newborn_draft_for, walk
from tests.cases.test_forwarding import (
    ITEM,
    PEER,
    _forward_body,
    _send,
    _status,
)
from tests.federation.conftest import FakePeer, reply_json

REMOTE_CODE = "32070700GA-QR-0006"
CASE_TYPES = ["ping", "case.item", "case.forward", "case.status", "case.withdraw"]


@pytest.fixture(autouse=True)
def _items_cache() -> None:
    forwarding._items.clear()


@pytest.fixture
def peer(cases_world: Any) -> FakePeer:
    fake = FakePeer(PEER)
    fake.peer.allowed_in_types = CASE_TYPES
    fake.peer.allowed_out_types = CASE_TYPES
    fake.peer.save()
    return fake


@pytest.fixture
def joint(newborn: Any) -> Any:
    """The newborn scenario, handled jointly: one more item, of region 320707."""
    ScenarioItem.objects.create(
        scenario=newborn, region_id=PEER, item_code=REMOTE_CODE, position=99
    )
    return newborn


def _describe(draft: Case, *, extra_field: str = "", extra_material: str = "") -> dict[str, Any]:
    """The peer's item as `case.item` would answer: two of the bundle's answered fields, two
    of its materials (as the test plays the peer)."""
    schema = selectors.case_form_schema(case=draft)
    answered = [k for k in schema["properties"] if (draft.form_data or {}).get(k) not in (None, "")]
    properties = {k: schema["properties"][k] for k in answered[:2]}
    if extra_field:
        properties[extra_field] = {"type": "string", "title": extra_field}
    held = list(CaseMaterial.objects.filter(case=draft, required=True).order_by("key")[:2])
    materials = [
        {"key": m.key, "name_zh": m.name_zh, "name_en": m.name_en, "required": True} for m in held
    ]
    if extra_material:
        materials.append({"key": extra_material, "name_zh": "迁入证明", "required": True})
    materials.append({"key": "application-form", "name_zh": "申请表", "held_there": True})
    item = {
        "code": REMOTE_CODE,
        "name_zh": "户口迁出",
        "name_en": "Moving household registration out",
        "department_zh": "公安局",
        "department_en": "Public security",
        "promised_days": 1,
        "e_licence": False,
        "form": {"type": "object", "properties": properties},
        "materials": materials,
    }
    return forwarding._items.put((PEER, REMOTE_CODE), {**item, "region": PEER})


def test_one_application_fans_out_to_both_nodes_and_completes_once(
    client: Any, citizen: Any, joint: Any, peer: FakePeer, officers: dict[str, Any]
) -> None:
    draft = newborn_draft_for(citizen, joint)
    described = _describe(draft)
    bundle = services.case_submit(actor=citizen, case=draft, idempotency_key="joint-1")
    assert bundle.status == Case.Status.ACCEPTED
    children = list(bundle.children.order_by("number"))
    mirrors = [c for c in children if c.is_mirror]
    local = [c for c in children if not c.is_mirror]
    assert len(mirrors) == 1
    assert local
    mirror = mirrors[0]
    assert mirror.status == Case.Status.FORWARDED
    assert mirror.parent_id == bundle.pk
    assert mirror.handling_region == PEER
    assert mirror.remote_item["code"] == REMOTE_CODE
    assert mirror.number.startswith("371121-")
    # one case.forward, with the answers the item asks and the bundle's materials
    message = OutboxMessage.objects.get(type="case.forward")
    body = message.envelope["body"]
    assert body["item"] == REMOTE_CODE
    assert body["case"] == str(mirror.pk)
    assert body["channel"] == "joint"
    assert body["bundle"] == bundle.number
    assert body["applicant"]["resident_id"]
    assert body["applicant"]["level"] >= 2
    assert set(body["form"]) == set(described["form"]["properties"])
    sent = {m["key"]: m for m in body["materials"]}
    wanted = {m["key"] for m in described["materials"] if not m.get("held_there")}
    assert set(sent) == wanted
    for key, entry in sent.items():
        row = CaseMaterial.objects.get(case=bundle, key=key)
        if row.file:
            assert base64.b64decode(entry["data"])
        else:
            assert entry["attested"] in ("held", "licence", "paper")

    # every local item decided and delivered: the bundle still waits for the other region
    for child in local:
        walk(child, officers[child.department.kind.key])
    bundle.refresh_from_db()
    assert bundle.status == Case.Status.ACCEPTED
    assert not Notification.objects.filter(recipient=citizen, template="case.delivered").exists()

    # the other region acknowledges, then completes: the bundle completes, told once
    assert _status(client, peer, mirror, 1, "accepted").status_code == 200
    bundle.refresh_from_db()
    assert bundle.status == Case.Status.ACCEPTED
    done = _status(client, peer, mirror, 2, "completed", decision="approve", delivery="window")
    assert done.status_code == 200
    bundle.refresh_from_db()
    mirror.refresh_from_db()
    assert mirror.status == Case.Status.COMPLETED
    assert bundle.status == Case.Status.COMPLETED
    assert CaseEvent.objects.filter(case=bundle, kind=CaseEvent.Kind.COMPLETED).count() == 1
    delivered = Notification.objects.filter(recipient=citizen, template="case.delivered")
    assert delivered.count() == 1
    # a late copy of the final status changes nothing more
    _status(client, peer, mirror, 3, "completed", decision="approve")
    assert Notification.objects.filter(recipient=citizen, template="case.delivered").count() == 1


def test_the_bundle_waits_when_the_other_region_finishes_first(
    client: Any, citizen: Any, joint: Any, peer: FakePeer, officers: dict[str, Any]
) -> None:
    draft = newborn_draft_for(citizen, joint)
    _describe(draft)
    bundle = services.case_submit(actor=citizen, case=draft, idempotency_key="joint-2")
    mirror = bundle.children.get(handling_region=PEER)
    _status(client, peer, mirror, 1, "completed", decision="approve")
    bundle.refresh_from_db()
    assert bundle.status == Case.Status.ACCEPTED
    assert not Notification.objects.filter(recipient=citizen, template="case.delivered").exists()
    for child in bundle.children.exclude(handling_region=PEER):
        walk(child, officers[child.department.kind.key])
    bundle.refresh_from_db()
    assert bundle.status == Case.Status.COMPLETED
    assert Notification.objects.filter(recipient=citizen, template="case.delivered").count() == 1


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"extra_field": "destination_address"}, "fields_missing"),
        ({"extra_material": "move-in-approval"}, "materials_missing"),
    ],
)
def test_what_the_other_region_needs_and_the_application_lacks_is_refused(
    citizen: Any, joint: Any, peer: FakePeer, changes: dict[str, str], code: str
) -> None:
    draft = newborn_draft_for(citizen, joint)
    _describe(draft, **changes)
    with pytest.raises(ValidationFailed) as refused:
        services.case_submit(actor=citizen, case=draft, idempotency_key="joint-3")
    assert refused.value.code == code
    draft.refresh_from_db()
    assert draft.status == Case.Status.DRAFT  # nothing accepted, nothing sent
    assert not draft.children.exists()
    assert not OutboxMessage.objects.exists()


def test_an_unreachable_region_makes_the_submission_wait(
    citizen: Any, joint: Any, peer: FakePeer
) -> None:
    draft = newborn_draft_for(citizen, joint)  # nothing cached: the peer's node is asked
    with pytest.raises(forwarding.RegionUnreachable):
        services.case_submit(actor=citizen, case=draft, idempotency_key="joint-4")
    draft.refresh_from_db()
    assert draft.status == Case.Status.DRAFT
    assert not OutboxMessage.objects.filter(type="case.forward").exists()


# --- the handling node -----------------------------------------------------------------------


def test_attested_materials_count_as_held_on_the_handling_node(client: Any, peer: FakePeer) -> None:
    described = forwarding.item_describe(code=ITEM)
    needed = [m["key"] for m in described["materials"] if m["required"] and not m["held_there"]]
    body = _forward_body(
        materials=[{"key": k, "attested": "licence"} for k in needed],
        channel="joint",
        bundle="320707-20261207-00001",
        submission="bundle-1:37112100GA-GG-0003",
    )
    _env, response = _send(client, peer, body)
    assert response.status_code == 200, response.content
    case = Case.objects.get(number=reply_json(response)["body"]["number"])
    assert case.status == Case.Status.ACCEPTED
    assert case.remote_item["channel"] == "joint"
    assert case.remote_item["bundle"] == "320707-20261207-00001"
    for key in needed:
        row = CaseMaterial.objects.get(case=case, key=key)
        # held or verified here already, else held as the receiving node attested it
        assert row.mode in (CaseMaterial.Mode.HELD, CaseMaterial.Mode.LICENCE)
    assert CaseMaterial.objects.filter(case=case, source=f"peer:{PEER}:licence").exists()
    bad = _forward_body(materials=[{"key": needed[0], "attested": "hearsay"}], submission="x-2")
    _env, refused = _send(client, peer, bad)
    assert refused.status_code == 400
    assert reply_json(refused)["code"] == "bad_materials"


def test_withdrawing_a_bundle_asks_the_other_node_to_withdraw_its_item(
    client: Any, citizen: Any, joint: Any, peer: FakePeer
) -> None:
    """What `case_withdraw` does for a bundle's mirror (`forwarding_after.withdraw_send`); the
    newborn bundle itself cannot be withdrawn: its enrolment is decided by rules at once."""
    from django.db import transaction

    from onestop.cases.services import forwarding_after
    from onestop.core.errors import Conflict

    draft = newborn_draft_for(citizen, joint)
    _describe(draft)
    bundle = services.case_submit(actor=citizen, case=draft, idempotency_key="joint-5")
    mirror = bundle.children.get(handling_region=PEER)
    with pytest.raises(Conflict), transaction.atomic():  # not acknowledged there yet
        forwarding_after.withdraw_send(mirror, actor=citizen)
    _status(client, peer, mirror, 1, "accepted")
    mirror.refresh_from_db()
    for _twice in range(2):
        with transaction.atomic():
            forwarding_after.withdraw_send(mirror, actor=citizen)
    sent = OutboxMessage.objects.filter(type="case.withdraw")
    assert [m.envelope["body"] for m in sent] == [{"case": str(mirror.pk)}]
    _status(client, peer, mirror, 2, "withdrawn")
    mirror.refresh_from_db()
    assert mirror.status == Case.Status.WITHDRAWN


def test_my_space_shows_the_other_regions_item_in_the_bundle(
    client: Any, citizen: Any, joint: Any, peer: FakePeer
) -> None:
    draft = newborn_draft_for(citizen, joint)
    _describe(draft)
    bundle = services.case_submit(actor=citizen, case=draft, idempotency_key="joint-6")
    mirror = bundle.children.get(handling_region=PEER)
    client.force_login(citizen)
    page = client.get(f"/me/cases/{bundle.number}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    assert mirror.number in text
    assert "Moving household registration out" in text
    assert "Public security (region 320707)" in text
