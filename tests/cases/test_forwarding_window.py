"""Received elsewhere (异地代收代办, services.forwarding_window, docs/federation.md): a clerk of
this node receives at the window an application for a peer's item — identity and originals
checked here, scans, the case forwarded with `case.forward` (L3, channel window, the delivery
chosen); the receipt and the one-time notice are this node's and name the handling region; the
result comes back to this window. And the handling node's side: the application received
elsewhere is decided here and its result is delivered at the receiving node's window.

One database plays this node (371121); the peer 320707 is played by the test (`FakePeer`)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onestop.cases import pdf, selectors, services
from onestop.cases.models import Case, CaseDocument, CaseEvent, CaseMaterial
from onestop.cases.services import forwarding
from onestop.core.errors import ValidationFailed
from onestop.federation.models import OutboxMessage
from tests.cases.conftest import walk
from tests.cases.test_forwarding import (
    ITEM,
    PDF,
    PEER,
    RESIDENT_ID,
    _files,
    _form,
    _forward_body,
    _remote_item,
    _send,
    _status,
)
from tests.federation.conftest import FakePeer, reply_json

REMOTE_CODE = "32070700GA-GG-0003"
CASE_TYPES = ["ping", "case.item", "case.forward", "case.status"]


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
def seat(clerk: Any) -> Any:
    return selectors.windows_for_clerk(actor=clerk).first()


def _walkin(clerk: Any) -> Any:
    return services.walkin_lookup(
        actor=clerk, resident_id=RESIDENT_ID, name="赵六", phone="13700137000"
    )


def _receive(clerk: Any, seat: Any, key: str = "w-1", **changes: Any) -> Case:
    _remote_item()
    arguments: dict[str, Any] = {
        "actor": clerk,
        "walkin": _walkin(clerk),
        "region": PEER,
        "code": REMOTE_CODE,
        "form_data": _form(ITEM),
        "files": _files(),
        "delivery": "window",
        "identity_checked": True,
        "window": seat,
        "idempotency_key": key,
    }
    arguments.update(changes)
    return services.window_forward(**arguments)


def test_the_clerk_receives_and_forwards_with_a_receipt_naming_the_handling_region(
    clerk: Any, seat: Any, peer: FakePeer
) -> None:
    mirror = _receive(clerk, seat)
    assert mirror.status == Case.Status.FORWARDED
    assert mirror.channel == Case.Channel.WINDOW
    assert (mirror.receiving_region, mirror.handling_region) == ("371121", PEER)
    assert mirror.applicant is None  # a walk-in without an account is served all the same
    assert mirror.applicant_name == "赵六"
    assert mirror.accepted_by == clerk
    assert mirror.window == seat
    assert mirror.number.startswith("371121-")
    message = OutboxMessage.objects.get(type="case.forward")
    body = message.envelope["body"]
    assert message.peer.region == PEER
    assert body["applicant"] == {
        "kind": "citizen",
        "name": "赵六",
        "resident_id": RESIDENT_ID,
        "level": 3,  # checked in person at the window
    }
    assert body["channel"] == "window"
    assert body["delivery"] == "window"
    assert body["received"]["window"] == str(seat.number)
    assert {m["key"] for m in body["materials"]} == set(_files())
    scans = CaseMaterial.objects.filter(case=mirror, mode=CaseMaterial.Mode.UPLOAD)
    assert set(scans.values_list("key", flat=True)) == set(_files())
    assert all(m.checked_by == clerk for m in scans)
    event = CaseEvent.objects.get(case=mirror, kind=CaseEvent.Kind.FORWARDED)
    assert event.data == {"region": PEER, "channel": "window"}
    # the receipt is this node's and names the handling region
    receipt = mirror.documents.get(kind=CaseDocument.Kind.RECEIPT)
    assert receipt.data["number"] == mirror.number
    assert receipt.data["handling_region"] == PEER
    assert receipt.data["items"][0]["handling_region"] == PEER
    assert receipt.data["items"][0]["code"] == REMOTE_CODE
    assert receipt.data["title_zh"]
    assert pdf.document_pdf(receipt).startswith(b"%PDF")
    # the same acceptance posted again: the same case, one message
    assert _receive(clerk, seat).pk == mirror.pk
    assert OutboxMessage.objects.filter(type="case.forward").count() == 1


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"identity_checked": False}, "not_checked"),
        ({"delivery": "wallet"}, "invalid_delivery"),  # no account: nowhere to put it
        ({"delivery": "post"}, "invalid_delivery"),
        ({"files": {}}, "materials_missing"),
        ({"form_data": {}}, "fields_missing"),
        ({"region": "371121"}, "local_item"),
    ],
)
def test_refusals_change_nothing(
    clerk: Any, seat: Any, peer: FakePeer, changes: dict[str, Any], code: str
) -> None:
    before = Case.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        _receive(clerk, seat, **changes)
    assert refused.value.code == code
    assert Case.objects.count() == before
    assert not OutboxMessage.objects.exists()


def test_a_citizen_cannot_use_the_window_forward(citizen: Any, peer: FakePeer) -> None:
    from onestop.core.errors import PermissionDenied

    _remote_item()
    with pytest.raises(PermissionDenied):
        services.window_forward(
            actor=citizen,
            walkin=None,  # type: ignore[arg-type]
            region=PEER,
            code=REMOTE_CODE,
            form_data=_form(ITEM),
            files=_files(),
            identity_checked=True,
        )
    assert not OutboxMessage.objects.exists()


def test_a_one_time_notice_then_the_next_visit_forwards_the_same_application(
    clerk: Any, seat: Any, peer: FakePeer
) -> None:
    _remote_item()
    walkin = _walkin(clerk)
    files = _files()
    first_key = sorted(files)[0]
    document = services.window_forward_notice(
        actor=clerk,
        walkin=walkin,
        region=PEER,
        code=REMOTE_CODE,
        form_data={},
        files={first_key: files[first_key]},
        window=seat,
    )
    assert document.kind == CaseDocument.Kind.NOTICE
    assert document.data["handling_region"] == PEER
    assert document.data["reference"].startswith("GZ-371121-")
    missing = {m["key"] for m in document.data["materials"]}
    assert missing == set(files) - {first_key}
    assert {f["key"] for f in document.data["fields"]} == set(_form(ITEM))
    assert pdf.document_pdf(document).startswith(b"%PDF")
    draft = document.case
    assert draft.status == Case.Status.NOTICE
    assert draft.number is None
    assert not OutboxMessage.objects.exists()  # nothing sent before the application is whole
    # nothing missing: no notice
    with pytest.raises(ValidationFailed) as nothing:
        services.window_forward_notice(
            actor=clerk,
            walkin=walkin,
            region=PEER,
            code=REMOTE_CODE,
            form_data=_form(ITEM),
            files=_files(),
            window=seat,
        )
    assert nothing.value.code == "nothing_missing"
    # the next visit: the rest of the scans and the form; the scan of the first visit counts
    rest = {k: f for k, f in _files().items() if k != first_key}
    mirror = _receive(clerk, seat, key="w-2", files=rest)
    assert mirror.pk == draft.pk
    assert mirror.status == Case.Status.FORWARDED
    body = OutboxMessage.objects.get(type="case.forward").envelope["body"]
    assert {m["key"] for m in body["materials"]} == set(files)
    assert mirror.visits == 2


def test_the_result_comes_back_to_this_window(
    client: Any, clerk: Any, seat: Any, peer: FakePeer
) -> None:
    mirror = _receive(clerk, seat)
    assert _status(client, peer, mirror, 1, "accepted").status_code == 200
    done = _status(client, peer, mirror, 2, "completed", decision="approve", delivery="window")
    assert done.status_code == 200
    mirror.refresh_from_db()
    assert mirror.status == Case.Status.COMPLETED
    assert mirror.result_kind == Case.ResultKind.PAPER
    assert mirror.delivery == Case.Delivery.WINDOW
    assert mirror.delivery_window == seat
    collected = services.window_result_collect(actor=clerk, case=mirror)
    assert collected.result_collected_at is not None
    assert CaseEvent.objects.filter(case=mirror, kind=CaseEvent.Kind.COLLECTED).exists()


# --- the handling node -----------------------------------------------------------------------


def test_an_application_received_elsewhere_is_decided_here_and_delivered_there(
    client: Any, peer: FakePeer, officers: dict[str, Any]
) -> None:
    body = _forward_body(
        applicant={"kind": "citizen", "name": "赵六", "resident_id": RESIDENT_ID, "level": 3},
        channel="window",
        delivery="window",
        received={"region": PEER, "window": "5", "centre": {"zh": "赣榆", "en": "Ganyu"}},
    )
    _env, response = _send(client, peer, body)
    assert response.status_code == 200, response.content
    case = Case.objects.get(number=reply_json(response)["body"]["number"])
    assert case.remote_item["channel"] == "window"
    assert case.remote_item["delivery"] == "window"
    assert case.remote_item["window"] == "5"
    assert case.applicant.real_name == "赵六"
    assert forwarding.case_title(case)  # the item's own name, not the receiving node's
    walk(case, officers["public-security"])
    case.refresh_from_db()
    assert case.status == Case.Status.COMPLETED
    assert case.delivery == Case.Delivery.WINDOW
    assert case.delivery_window is None  # not one of this node's windows
    last = OutboxMessage.objects.filter(type="case.status").order_by("-created_at").first()
    assert last is not None
    assert last.envelope["body"]["status"] == "completed"
    assert last.envelope["body"]["delivery"] == "window"


# --- the window's pages ----------------------------------------------------------------------


def _at_window(client: Any, clerk: Any, seat: Any) -> None:
    client.force_login(clerk)
    assert client.post("/window/", {"action": "sit", "window": seat.pk}).status_code == 302
    looked_up = client.post(
        "/window/",
        {"action": "lookup", "resident_id": RESIDENT_ID, "name": "赵六", "phone": "13700137000"},
    )
    assert looked_up.status_code == 302


def test_the_console_offers_the_peers_regions_for_a_person(
    client: Any, clerk: Any, seat: Any, peer: FakePeer
) -> None:
    _at_window(client, clerk, seat)
    page = client.get("/window/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="remote-form"' in page
    assert f'<option value="{PEER}">' in page
    search = client.get("/window/remote/", {"region": PEER}, HTTP_ACCEPT_LANGUAGE="en")
    assert search.status_code == 200
    assert "Received for another region" in search.content.decode()


def test_the_clerk_forwards_from_the_page_and_prints_the_receipt(
    client: Any, clerk: Any, seat: Any, peer: FakePeer
) -> None:
    _remote_item()
    _at_window(client, clerk, seat)
    url = f"/window/remote/{PEER}/{REMOTE_CODE}/"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Handled by the node of region 320707" in text
    assert 'value="wallet"' not in text  # no account: the result is collected here
    # the identity check not confirmed: refused, nothing sent
    data: dict[str, Any] = {"key": "page-1", "delivery": "window", **_form(ITEM), **_files()}
    refused = client.post(url, {**data, "action": "forward"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400
    assert "Confirm that you checked the ID card and the originals." in refused.content.decode()
    assert not OutboxMessage.objects.exists()
    data = {"key": "page-1", "delivery": "window", "checked": "yes", **_form(ITEM), **_files()}
    done = client.post(url, {**data, "action": "forward"}, HTTP_ACCEPT_LANGUAGE="en")
    assert done.status_code == 302, done.content.decode()[:2000]
    mirror = Case.objects.get(idempotency_key="page-1")
    assert done["Location"] == f"/window/cases/{mirror.number}/"
    shown = client.get(done["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Forwarding to region 320707: queued" in shown
    assert "Forwarded to the handling region" in shown  # the timeline
    receipt = client.get(f"/window/cases/{mirror.number}/receipt.pdf")
    assert receipt.status_code == 200
    assert receipt.content.startswith(b"%PDF")


def test_the_clerk_issues_a_notice_from_the_page(
    client: Any, clerk: Any, seat: Any, peer: FakePeer
) -> None:
    _remote_item()
    _at_window(client, clerk, seat)
    url = f"/window/remote/{PEER}/{REMOTE_CODE}/"
    done = client.post(url, {"key": "page-2", "action": "notice"}, HTTP_ACCEPT_LANGUAGE="en")
    assert done.status_code == 302
    draft = Case.objects.get(status=Case.Status.NOTICE, handling_region=PEER)
    assert done["Location"] == f"/window/cases/{draft.pk}/"
    shown = client.get(done["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'href="{url}"' in shown  # continue the application on the next visit
    notice = client.get(f"/window/cases/{draft.pk}/notice.pdf")
    assert notice.status_code == 200
    assert notice.content.startswith(b"%PDF")
    again = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Continues the application of the one-time notice" in again


def test_the_walk_in_brings_the_supplement_the_handling_region_asked_for(
    client: Any, clerk: Any, seat: Any, peer: FakePeer
) -> None:
    """The handling node asks for a supplement (`case.status` "supplement"); the walk-in
    brings it to this window; the clerk scans it on the application's window page and it goes
    there (`case.supplement`), once; the page then shows it sent, not the form."""
    peer.peer.allowed_out_types = [*CASE_TYPES, "case.supplement"]
    peer.peer.save()
    mirror = _receive(clerk, seat)
    key = sorted(_files())[0]
    assert _status(client, peer, mirror, 1, "accepted").status_code == 200
    asked = _status(
        client, peer, mirror, 2, "supplement", supplement="The scan is unreadable.",
        supplement_materials=[{"key": key, "name_zh": "身份证", "name_en": "ID card"}],
        supplement_due="2026-12-14",
    )  # fmt: skip
    assert asked.status_code == 200
    _at_window(client, clerk, seat)
    url = f"/window/cases/{mirror.number}/"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="remote-supplement-form"' in page
    assert "Supplement asked by region 320707" in page
    assert "Reason: The scan is unreadable." in page
    assert f'name="{key}"' in page
    assert "ID card" in page
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "身份证" in chinese

    # nothing scanned: refused with the reason, linked to the form; nothing sent
    refused = client.post(url, {"action": "supplement", "note": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "Hand in every requested material again first." in text
    assert 'href="#remote-supplement"' in text
    assert not OutboxMessage.objects.filter(type="case.supplement").exists()
    # a file that was not asked for: refused too
    stray = client.post(
        url,
        {
            "action": "supplement",
            key: SimpleUploadedFile("a.pdf", PDF),
            "other": SimpleUploadedFile("b.pdf", PDF),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert stray.status_code == 400
    assert not OutboxMessage.objects.filter(type="case.supplement").exists()

    done = client.post(
        url,
        {
            "action": "supplement",
            "note": "Rescanned at the window.",
            key: SimpleUploadedFile(f"{key}.pdf", PDF),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert done.status_code == 302
    assert done["Location"] == url
    sent = OutboxMessage.objects.get(type="case.supplement")
    assert sent.peer.region == PEER
    assert sent.envelope["body"]["case"] == str(mirror.pk)
    assert sent.envelope["body"]["note"] == "Rescanned at the window."
    assert [m["key"] for m in sent.envelope["body"]["materials"]] == [key]
    step = CaseEvent.objects.get(case=mirror, kind=CaseEvent.Kind.REMOTE_REQUEST)
    assert step.actor == clerk
    shown = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="remote-supplement-form"' not in shown  # answered: once
    assert "Supplement sent to region 320707" in shown  # the timeline
    again = client.post(
        url, {"action": "supplement", key: SimpleUploadedFile(f"{key}.pdf", PDF)},
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert again.status_code == 409
    assert OutboxMessage.objects.filter(type="case.supplement").count() == 1
    # the handling node reports the case back in review: the mirror follows
    assert _status(client, peer, mirror, 3, "accepted").status_code == 200
    mirror.refresh_from_db()
    assert mirror.status == Case.Status.ACCEPTED


def test_a_walk_in_with_an_account_may_choose_the_wallet(
    client: Any, clerk: Any, seat: Any, citizen: Any, peer: FakePeer
) -> None:
    """A walk-in who has an account here may have the e-licence put in the wallet here rather
    than collect a paper at this window: the page offers it, the forward carries it."""
    from onestop.core import crypto

    item = _remote_item()
    assert item["e_licence"]
    walkin = services.walkin_lookup(
        actor=clerk, resident_id=crypto.decrypt_pii(citizen.resident_id_enc), name="张三"
    )
    assert walkin.account == citizen
    mirror = _receive(clerk, seat, key="w-wallet", walkin=walkin, delivery="wallet")
    assert mirror.applicant == citizen
    assert mirror.remote_item["delivery"] == "wallet"  # Case.delivery: once the result is back
    body = OutboxMessage.objects.get(type="case.forward").envelope["body"]
    assert body["delivery"] == "wallet"
    assert body["channel"] == "window"
