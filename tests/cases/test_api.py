"""The applications API (/api/v1/cases): drafts with versions, uploads checked by content,
idempotent submission, the owner's case with its children and timeline; errors in the
project's shape; forged ids are 404."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from onestop.cases import services
from onestop.cases.models import Case, CaseEvent, CaseMaterial
from tests.cases.factories_portal import JPEG, PDF, build_portal, client_for, files_in, upload

BASE = "/api/v1/cases"
FOOD_HANDLER = "37112100WJ-GG-0001"  # person; photo to upload (required)
NEWBORN_ANSWERS = {"hukou_here": "yes", "ss_card": "yes", "maternity": "no"}


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


# The applicant's declaration (承诺), accepted as the portal asks before submitting.
DECLARED = {"declaration": True}


@pytest.fixture
def portal(db: Any, media: Path) -> dict[str, Any]:
    return build_portal()


def send(client: Client, method: str, path: str, body: Any = None, **headers: str) -> Any:
    return getattr(client, method)(
        BASE + path,
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        headers=headers,
    )


def draft(client: Client, **target: Any) -> dict[str, Any]:
    response = send(client, "post", "/drafts", target)
    assert response.status_code in (200, 201), response.content
    return response.json()


def filled(client: Client, body: dict[str, Any]) -> dict[str, Any]:
    """Every field of the draft's form: the stored value or a plausible one."""
    data: dict[str, Any] = {}
    for key, prop in body["form_schema"]["properties"].items():
        if key in body["form_data"]:
            data[key] = body["form_data"][key]
        elif "enum" in prop:
            data[key] = prop["enum"][0]
        elif prop.get("type") == "number":
            data[key] = 3
        elif prop.get("format") == "date":
            data[key] = "2026-11-20"
        else:
            data[key] = "13800138000" if "phone" in key else "测试"
    response = send(
        client, "patch", f"/drafts/{body['id']}", {"form_data": data, "version": body["version"]}
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_signed_out_requests_get_401_in_the_error_shape(portal):
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
    for response in (
        send(anonymous, "post", "/drafts", {"scenario": "newborn"}),
        send(anonymous, "get", "/drafts/00000000-0000-4000-8000-000000000000"),
        send(anonymous, "get", "/371121-20261126-00001"),
    ):
        assert response.status_code == 401
        assert response.json() == {
            "code": "unauthenticated",
            "message": "Sign in to apply online.",
        }
    assert Case.objects.count() == 0


def test_writes_need_the_csrf_token(portal):
    client = Client(HTTP_ACCEPT_LANGUAGE="en", enforce_csrf_checks=True)
    client.force_login(portal["citizen"])
    response = send(client, "post", "/drafts", {"scenario": "newborn"})
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert Case.objects.count() == 0


def test_create_a_draft_then_the_same_one_is_resumed(portal):
    client = client_for(portal["citizen"])
    first = send(client, "post", "/drafts", {"scenario": "newborn"})
    assert first.status_code == 201
    body = first.json()
    assert body["kind"] == "bundle"
    assert body["status"] == "draft"
    assert body["scenario"] == "newborn"
    assert len(body["items"]) == 8
    modes = {m["key"]: m["mode"] for m in body["materials"]}
    assert modes["birth-medical-certificate"] in ("held", "licence")
    again = send(client, "post", "/drafts", {"scenario": "newborn"})
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "invalid"),
        ({"scenario": "newborn", "item": FOOD_HANDLER}, 400, "invalid"),
        ({"scenario": "no-such-bundle"}, 404, "scenario_not_found"),
        ({"item": "37112100XX-XX-9999"}, 404, "item_not_found"),
        ({"scenario": "enterprise-deregistration"}, 400, "wrong_audience"),
    ],
)
def test_bad_create_requests_change_nothing(portal, body, status, code):
    response = send(client_for(portal["citizen"]), "post", "/drafts", body)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert Case.objects.count() == 0


def test_prefill_on_create_fills_the_form_with_sources(portal):
    body = draft(client_for(portal["citizen"]), item=FOOD_HANDLER, prefill=True)
    assert body["form_data"]["applicant_name"] == "张伟"
    assert body["prefilled"]["applicant_name"] == "resident-id.name"


def test_prefill_on_create_for_an_unverified_account_gives_the_draft_without_values(portal):
    from onestop.sharing.models import AccessRecord
    from tests.factories import CitizenFactory

    squatter = CitizenFactory(resident_id="371121199408221249", level=1)
    body = draft(client_for(squatter), item=FOOD_HANDLER, prefill=True)
    assert body["prefilled"] == {}
    assert "applicant_name" not in body["form_data"]
    assert set(AccessRecord.objects.filter(actor=squatter).values_list("reason", flat=True)) == {
        "not_verified"
    }


def test_patch_stores_answers_with_versions_and_refuses_stale_ones(portal):
    client = client_for(portal["citizen"])
    body = draft(client, scenario="newborn")
    path = f"/drafts/{body['id']}"
    saved = send(
        client, "patch", path, {"variant_answers": NEWBORN_ANSWERS, "version": body["version"]}
    )
    assert saved.status_code == 200
    assert saved.json()["variant_answers"] == NEWBORN_ANSWERS
    assert saved.json()["version"] == body["version"] + 1
    assert len(saved.json()["items"]) == 7

    stale = send(
        client,
        "patch",
        path,
        {"variant_answers": {"maternity": "yes"}, "version": body["version"]},
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale"
    assert send(client, "get", path).json()["variant_answers"]["maternity"] == "no"


@pytest.mark.parametrize(
    ("patch", "code"),
    [
        ({"variant_answers": {"no_such_question": "yes"}}, "invalid_answers"),
        ({"variant_answers": {"maternity": "perhaps"}}, "invalid_answers"),
        ({"form_data": {"no_such_field": "x"}}, "invalid_form"),
        ({"form_data": {"birth_date": "yesterday"}}, "invalid_form"),
    ],
)
def test_bad_answers_are_refused_and_nothing_changes(portal, patch, code):
    client = client_for(portal["citizen"])
    body = draft(client, scenario="newborn")
    response = send(client, "patch", f"/drafts/{body['id']}", patch)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["details"]
    after = send(client, "get", f"/drafts/{body['id']}").json()
    assert after["version"] == body["version"]
    assert after["variant_answers"] == body["variant_answers"]
    assert after["form_data"] == body["form_data"]


def test_upload_is_checked_by_content_and_stored_with_its_hash(portal, media):
    client = client_for(portal["citizen"])
    body = draft(client, item=FOOD_HANDLER)
    path = f"/drafts/{body['id']}/materials/photo"
    response = client.post(BASE + path, {"file": upload(JPEG, "me.jpg", "image/jpeg")})
    assert response.status_code == 201
    out = response.json()
    assert out["mode"] == "upload"
    assert out["content_type"] == "image/jpeg"
    assert out["sha256"] == hashlib.sha256(JPEG).hexdigest()
    assert out["size"] == len(JPEG)
    assert [p.read_bytes() for p in files_in(media)] == [JPEG]


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        ((b"<html>not a picture</html>", None), "file_type"),
        ((b"", None), "file_empty"),
        ((PDF + b"0" * 2048, 1024), "file_too_large"),
    ],
)
def test_a_bad_upload_is_refused_and_nothing_stored(portal, media, settings, bad, code):
    data, limit = bad
    if limit:
        settings.CASE_UPLOAD_MAX_BYTES = limit
    client = client_for(portal["citizen"])
    body = draft(client, item=FOOD_HANDLER)
    response = client.post(
        BASE + f"/drafts/{body['id']}/materials/photo", {"file": upload(data, "photo.pdf")}
    )
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert CaseMaterial.objects.get(case_id=body["id"], key="photo").mode == "missing"
    assert files_in(media) == []


def test_upload_to_an_unknown_or_held_material_is_refused(portal, media):
    client = client_for(portal["citizen"])
    body = draft(client, item=FOOD_HANDLER)
    unknown = client.post(
        BASE + f"/drafts/{body['id']}/materials/no-such-material", {"file": upload()}
    )
    assert unknown.status_code == 404
    held = client.post(BASE + f"/drafts/{body['id']}/materials/resident-id", {"file": upload()})
    assert held.status_code == 400
    assert held.json()["code"] == "material_not_uploaded"
    assert files_in(media) == []


def test_submit_needs_a_key_and_the_materials_and_changes_nothing_otherwise(portal):
    client = client_for(portal["citizen"])
    body = filled(client, draft(client, item=FOOD_HANDLER, prefill=True))
    path = f"/drafts/{body['id']}/submit"
    no_key = send(client, "post", path)
    assert no_key.status_code == 422  # a required header, as the OpenAPI document says
    assert "Idempotency-Key" in no_key.content.decode()
    missing = send(client, "post", path, DECLARED, **{"Idempotency-Key": "k-1"})
    assert missing.status_code == 400
    assert missing.json()["code"] == "materials_missing"
    assert missing.json()["details"]["materials"] == ["photo"]
    case = Case.objects.get(pk=body["id"])
    assert case.status == Case.Status.DRAFT
    assert case.number is None
    assert case.idempotency_key is None


def test_submit_needs_the_declaration_and_changes_nothing_without_it(portal):
    """The API asks for the declaration (承诺) the portal asks for: without it (false, or no
    body at all) nothing is submitted, in the one error shape; the draft gives its text."""
    client = client_for(portal["citizen"])
    body = filled(client, draft(client, item=FOOD_HANDLER, prefill=True))
    client.post(BASE + f"/drafts/{body['id']}/materials/photo", {"file": upload(JPEG, "me.jpg")})
    with translation.override("en"):
        assert body["declaration"] == str(services.DECLARATION)
    path = f"/drafts/{body['id']}/submit"
    refused = send(client, "post", path, {"declaration": False}, **{"Idempotency-Key": "d-1"})
    assert refused.status_code == 400
    assert refused.json()["code"] == "declaration_required"
    assert refused.json()["details"]["declaration"] == body["declaration"]
    assert set(refused.json()) == {"code", "message", "details"}
    no_body = send(client, "post", path, **{"Idempotency-Key": "d-2"})
    assert no_body.status_code == 422
    assert set(no_body.json()) == {"code", "message", "details"}
    case = Case.objects.get(pk=body["id"])
    assert case.status == Case.Status.DRAFT
    assert case.number is None
    assert case.idempotency_key is None

    accepted = send(client, "post", path, DECLARED, **{"Idempotency-Key": "d-3"})
    assert accepted.status_code == 200, accepted.content
    submitted = CaseEvent.objects.get(case_id=body["id"], kind="submitted")
    assert submitted.data == {"declaration": body["declaration"]}


def test_a_second_application_while_one_is_open_is_refused_unless_meant(portal):
    """Applying again for the same item while the first application is being handled starts
    nothing (409 naming it), unless the applicant says they mean it."""
    client = client_for(portal["citizen"])
    body = filled(client, draft(client, item=FOOD_HANDLER, prefill=True))
    client.post(BASE + f"/drafts/{body['id']}/materials/photo", {"file": upload(JPEG, "me.jpg")})
    path = f"/drafts/{body['id']}/submit"
    first = send(client, "post", path, DECLARED, **{"Idempotency-Key": "open-1"}).json()
    assert first["status"] == "accepted"
    again = send(client, "post", "/drafts", {"item": FOOD_HANDLER})
    assert again.status_code == 409
    assert again.json()["code"] == "open_case"
    assert again.json()["details"] == {"case_id": body["id"], "number": first["number"]}
    assert Case.objects.filter(parent__isnull=True).count() == 1
    meant = send(client, "post", "/drafts", {"item": FOOD_HANDLER, "allow_duplicate": True})
    assert meant.status_code == 201
    assert meant.json()["id"] != body["id"]
    assert Case.objects.filter(parent__isnull=True).count() == 2


def test_submit_retried_with_the_same_key_returns_the_same_case(portal):
    client = client_for(portal["citizen"])
    body = filled(client, draft(client, item=FOOD_HANDLER, prefill=True))
    client.post(BASE + f"/drafts/{body['id']}/materials/photo", {"file": upload(JPEG, "me.jpg")})
    path = f"/drafts/{body['id']}/submit"
    first = send(client, "post", path, DECLARED, **{"Idempotency-Key": "submit-7f3a"})
    again = send(client, "post", path, DECLARED, **{"Idempotency-Key": "submit-7f3a"})
    assert first.status_code == 200, first.content
    assert again.status_code == 200
    assert first.json() == again.json()
    out = first.json()
    assert out["number"]
    assert out["status"] != "draft"
    assert [c["item"] for c in out["children"]] == [FOOD_HANDLER]
    assert any(e["kind"] == "submitted" for e in out["timeline"])
    assert Case.objects.exclude(status=Case.Status.DRAFT).count() == 1

    # the key belongs to this case: another draft cannot reuse it
    other = draft(client, scenario="newborn")
    reused = send(
        client,
        "post",
        f"/drafts/{other['id']}/submit",
        DECLARED,
        **{"Idempotency-Key": "submit-7f3a"},
    )
    assert reused.status_code == 409
    assert reused.json()["code"] == "idempotency_key_reused"

    # the owner reads it by number; nobody else can tell it exists
    mine = send(client, "get", f"/{out['number']}")
    assert mine.status_code == 200
    assert mine.json()["number"] == out["number"]
    stranger = send(client_for(portal["business"]), "get", f"/{out['number']}")
    forged = send(client, "get", "/371121-20200101-99999")
    assert stranger.status_code == 404
    assert forged.status_code == 404
    assert stranger.json() == forged.json()


def test_newborn_bundle_over_the_api_fans_out_with_one_decided_at_once(portal):
    client = client_for(portal["citizen"])
    body = draft(client, scenario="newborn", prefill=True)
    body = send(
        client,
        "patch",
        f"/drafts/{body['id']}",
        {"variant_answers": NEWBORN_ANSWERS, "version": body["version"]},
    ).json()
    body = filled(client, body)
    assert body["missing_materials"] == []
    response = send(
        client, "post", f"/drafts/{body['id']}/submit", DECLARED, **{"Idempotency-Key": "nb-1"}
    )
    assert response.status_code == 200, response.content
    out = response.json()
    assert out["kind"] == "bundle"
    assert len(out["children"]) == 7
    assert [c["item"] for c in out["children"] if c["auto_decided"]] == ["37112100YB-GG-0004"]
    assert all(c["number"] and c["status"] for c in out["children"])


def test_forged_or_foreign_draft_ids_are_404(portal, media):
    mine = draft(client_for(portal["citizen"]), item=FOOD_HANDLER)
    other = client_for(portal["business"])
    forged = "00000000-0000-4000-8000-000000000000"
    for draft_id in (mine["id"], forged, "not-a-uuid"):
        for response in (
            send(other, "get", f"/drafts/{draft_id}"),
            send(other, "patch", f"/drafts/{draft_id}", {"form_data": {"phone": "1"}}),
            other.post(BASE + f"/drafts/{draft_id}/materials/photo", {"file": upload()}),
            send(other, "post", f"/drafts/{draft_id}/submit", DECLARED, **{"Idempotency-Key": "x"}),
        ):
            assert response.status_code == 404, (draft_id, response.content)
            assert response.json()["code"] in ("not_found", "case_not_found")
    assert Case.objects.get(pk=mine["id"]).form_data == mine["form_data"]
    assert files_in(media) == []


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="two requests at the same time need a database with row locks",
)
def test_a_double_click_at_the_same_time_gives_one_case(transactional_db, media):
    import threading

    from django.db import connection

    users = build_portal()
    client = client_for(users["citizen"])
    body = filled(client, draft(client, item=FOOD_HANDLER, prefill=True))
    client.post(BASE + f"/drafts/{body['id']}/materials/photo", {"file": upload(JPEG, "me.jpg")})
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def click() -> None:
        try:
            own = client_for(users["citizen"])
            barrier.wait()
            results.append(
                send(
                    own,
                    "post",
                    f"/drafts/{body['id']}/submit",
                    DECLARED,
                    **{"Idempotency-Key": "dbl"},
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in results] == [200, 200]
    assert results[0].json()["number"] == results[1].json()["number"]
    assert Case.objects.exclude(status=Case.Status.DRAFT).count() == 1


def test_withdraw_an_application_through_the_api(portal):
    from onestop.workflow.models import ProcessInstance

    client = client_for(portal["citizen"])
    body = filled(client, draft(client, item=FOOD_HANDLER, prefill=True))
    client.post(BASE + f"/drafts/{body['id']}/materials/photo", {"file": upload(JPEG, "me.jpg")})
    case = send(
        client, "post", f"/drafts/{body['id']}/submit", DECLARED, **{"Idempotency-Key": "w-1"}
    )
    number = case.json()["number"]
    other = send(client_for(portal["business"]), "post", f"/{number}/withdraw")
    assert other.status_code == 404
    response = send(client, "post", f"/{number}/withdraw")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == Case.Status.WITHDRAWN
    instance = ProcessInstance.objects.get(business_key=number)
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert instance.timer_due_at is None
    again = send(client, "post", f"/{number}/withdraw")
    assert again.status_code == 409
