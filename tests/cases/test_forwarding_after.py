"""Supplements and withdrawal across nodes (services.forwarding_after, docs/federation.md): a
supplement asked on the handling node reaches the applicant at home (`case.status`), whose
answer goes back (`case.supplement`); a withdrawal at home reaches the handling node
(`case.withdraw`). Both sides, each played by this node (371121) against the test's peer."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onestop.cases import selectors, services
from onestop.cases.models import Case, CaseEvent
from onestop.cases.services import forwarding
from onestop.core.errors import Conflict
from onestop.federation.models import OutboxMessage
from onestop.notify.models import Notification
from tests.cases.conftest import walk
from tests.cases.test_forwarding import PDF, PEER, _apply, _forward_body, _send, _status
from tests.federation.conftest import FakePeer, reply_json

CASE_TYPES = [
    "ping",
    "case.item",
    "case.forward",
    "case.status",
    "case.supplement",
    "case.withdraw",
]


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


def _statuses() -> list[dict[str, Any]]:
    return [
        m.envelope["body"]
        for m in OutboxMessage.objects.filter(type="case.status").order_by("created_at")
    ]


def _forwarded_here(client: Any, peer: FakePeer) -> tuple[Case, dict[str, Any]]:
    body = _forward_body()
    _env, response = _send(client, peer, body)
    assert response.status_code == 200, response.content
    return Case.objects.get(number=reply_json(response)["body"]["number"]), body


# --- the handling node -----------------------------------------------------------------------


def test_a_supplement_asked_here_goes_home_and_the_answer_comes_back(
    client: Any, peer: FakePeer, officers: dict[str, Any]
) -> None:
    case, body = _forwarded_here(client, peer)
    key = body["materials"][0]["key"]
    view = selectors.case_task_view(case=case)
    services.supplement_request(
        actor=officers["public-security"],
        case=case,
        reason="The scan is unreadable.",
        materials=[key],
        expected_version=view["version"],
    )
    asked = _statuses()[-1]
    assert asked["status"] == "supplement"
    assert asked["supplement"] == "The scan is unreadable."
    assert [m["key"] for m in asked["supplement_materials"]] == [key]
    assert asked["supplement_due"]
    # the answer from home: the scan again, and the case is back in review
    answer = {"case": body["case"], "note": "Rescanned.", "materials": body["materials"][:1]}
    response = peer.send(client, peer.envelope(type="case.supplement", purpose="case", body=answer))
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert case.status == Case.Status.ACCEPTED
    assert reply_json(response)["body"] == {"case": case.number, "status": "accepted"}
    assert _statuses()[-1]["status"] == "accepted"
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.SUPPLEMENT_ANSWERED).exists()


def test_a_supplement_nobody_asked_for_is_refused(client: Any, peer: FakePeer) -> None:
    case, body = _forwarded_here(client, peer)
    answer = {"case": body["case"], "materials": body["materials"][:1]}
    response = peer.send(client, peer.envelope(type="case.supplement", purpose="case", body=answer))
    assert response.status_code == 409
    assert reply_json(response)["code"] == "no_supplement"
    case.refresh_from_db()
    assert case.status == Case.Status.ACCEPTED


def test_a_withdrawal_at_home_withdraws_the_case_here(client: Any, peer: FakePeer) -> None:
    case, body = _forwarded_here(client, peer)
    response = peer.send(
        client, peer.envelope(type="case.withdraw", purpose="case", body={"case": body["case"]})
    )
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert case.status == Case.Status.WITHDRAWN
    assert _statuses()[-1]["status"] == "withdrawn"


def test_a_decided_case_cannot_be_withdrawn_from_home(
    client: Any, peer: FakePeer, officers: dict[str, Any]
) -> None:
    case, body = _forwarded_here(client, peer)
    walk(case, officers["public-security"])
    response = peer.send(
        client, peer.envelope(type="case.withdraw", purpose="case", body={"case": body["case"]})
    )
    assert response.status_code == 409
    assert reply_json(response)["code"] == "not_withdrawable"
    case.refresh_from_db()
    assert case.status == Case.Status.COMPLETED


# --- the receiving node ----------------------------------------------------------------------


def test_the_citizen_answers_at_home_a_supplement_asked_there(
    client: Any, citizen: Any, peer: FakePeer
) -> None:
    mirror = _apply(citizen)
    key = OutboxMessage.objects.get(type="case.forward").envelope["body"]["materials"][0]["key"]
    _status(client, peer, mirror, 1, "accepted")
    asked = _status(
        client,
        peer,
        mirror,
        2,
        "supplement",
        supplement="The scan is unreadable.",
        supplement_materials=[{"key": key, "name_zh": "身份证", "name_en": "ID card"}],
        supplement_due="2026-12-14",
    )
    assert asked.status_code == 200
    mirror.refresh_from_db()
    assert mirror.status == Case.Status.SUPPLEMENT
    assert mirror.remote_item["supplement"]["materials"][0]["key"] == key
    told = Notification.objects.filter(recipient=citizen, template="case.supplement_requested")
    assert told.count() == 1
    services.mirror_supplement_answer(
        actor=citizen,
        case=mirror,
        files={key: SimpleUploadedFile(f"{key}.pdf", PDF)},
        note="Rescanned.",
    )
    sent = OutboxMessage.objects.get(type="case.supplement").envelope["body"]
    assert sent["case"] == str(mirror.pk)
    assert sent["note"] == "Rescanned."
    assert [m["key"] for m in sent["materials"]] == [key]
    step = CaseEvent.objects.get(case=mirror, kind=CaseEvent.Kind.REMOTE_REQUEST)
    assert step.data["request"] == "supplement"
    with pytest.raises(Conflict):  # once per request
        services.mirror_supplement_answer(
            actor=citizen, case=mirror, files={key: SimpleUploadedFile(f"{key}.pdf", PDF)}
        )
    assert OutboxMessage.objects.filter(type="case.supplement").count() == 1
    _status(client, peer, mirror, 3, "accepted")
    mirror.refresh_from_db()
    assert mirror.status == Case.Status.ACCEPTED


def test_a_supplement_answer_without_the_materials_is_refused(
    client: Any, citizen: Any, peer: FakePeer
) -> None:
    from onestop.core.errors import ValidationFailed

    mirror = _apply(citizen)
    _status(client, peer, mirror, 1, "accepted")
    _status(
        client, peer, mirror, 2, "supplement", supplement="Again.",
        supplement_materials=[{"key": "resident-id"}],
    )  # fmt: skip
    with pytest.raises(ValidationFailed) as refused:
        services.mirror_supplement_answer(actor=citizen, case=mirror, files={})
    assert refused.value.code == "materials_missing"
    assert not OutboxMessage.objects.filter(type="case.supplement").exists()


def test_the_citizen_withdraws_at_home(client: Any, citizen: Any, peer: FakePeer) -> None:
    mirror = _apply(citizen)
    with pytest.raises(Conflict):  # not acknowledged yet: the other node may not have it
        services.mirror_withdraw(actor=citizen, case=mirror)
    _status(client, peer, mirror, 1, "accepted")
    services.mirror_withdraw(actor=citizen, case=mirror)
    services.mirror_withdraw(actor=citizen, case=mirror)  # once
    sent = OutboxMessage.objects.filter(type="case.withdraw")
    assert [m.envelope["body"] for m in sent] == [{"case": str(mirror.pk)}]
    mirror.refresh_from_db()
    assert mirror.status == Case.Status.ACCEPTED  # until the handling node says so
    _status(client, peer, mirror, 2, "withdrawn")
    mirror.refresh_from_db()
    assert mirror.status == Case.Status.WITHDRAWN


# --- my space ------------------------------------------------------------------------------


def test_my_space_answers_the_other_regions_supplement_and_withdraws(
    client: Any, citizen: Any, peer: FakePeer
) -> None:
    mirror = _apply(citizen)
    key = OutboxMessage.objects.get(type="case.forward").envelope["body"]["materials"][0]["key"]
    _status(client, peer, mirror, 1, "accepted")
    _status(
        client, peer, mirror, 2, "supplement", supplement="The scan is unreadable.",
        supplement_materials=[{"key": key, "name_zh": "身份证", "name_en": "ID card"}],
    )  # fmt: skip
    client.force_login(citizen)
    url = f"/me/cases/{mirror.number}/"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="my-case-remote-supplement"' in page
    assert "Region 320707, which handles this application, needs more from you." in page
    assert "ID card" in page
    refused = client.post(f"{url}remote-supplement", {"note": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400
    assert not OutboxMessage.objects.filter(type="case.supplement").exists()
    done = client.post(
        f"{url}remote-supplement",
        {"note": "Rescanned.", key: SimpleUploadedFile(f"{key}.pdf", PDF)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert done.status_code == 302
    assert OutboxMessage.objects.filter(type="case.supplement").count() == 1
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="my-case-remote-supplement"' not in page  # answered: nothing more to send
    assert "Supplement sent to region 320707" in page  # the timeline
    assert 'id="my-case-withdraw"' in page
    withdrawn = client.post(f"{url}withdraw", HTTP_ACCEPT_LANGUAGE="en")
    assert withdrawn.status_code == 302
    assert OutboxMessage.objects.filter(type="case.withdraw").count() == 1
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="my-case-withdraw"' not in page
    assert "Withdrawal sent to region 320707" in page
