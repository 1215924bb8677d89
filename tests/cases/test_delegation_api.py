"""Assisted handling over the API: a helper names the delegation in `On-Behalf-Of` and calls
`/api/v1/` for the person, within the delegation's scope and before its expiry; the case, its
events and the data-access records name the helper as agent. Refusals (out of scope, expired,
revoked, not the caller's, an operation nobody calls for someone else) answer in the one error
shape, translated, and change nothing."""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from onestop.accounts import policies as accounts_policies
from onestop.accounts import services as accounts_services
from onestop.accounts.models import Delegation, User
from onestop.cases.models import Case, CaseEvent
from onestop.core import crypto
from onestop.sharing.models import AccessRecord
from tests.cases.factories_portal import JPEG, build_portal, client_for, upload
from tests.factories import CitizenFactory, resident_id

BASE = "/api/v1"
FOOD_HANDLER = "37112100WJ-GG-0001"
CASES = Delegation.Scope.CASES
LICENCES = Delegation.Scope.LICENCES
HEADER = "On-Behalf-Of"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def portal(db: Any, settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_portal()


@pytest.fixture
def daughter(portal: dict[str, Any]) -> User:
    return CitizenFactory(username="api-daughter", real_name="张小红", resident_id=resident_id())


def grant(person: User, helper: User, scopes: list[str], days: int = 30) -> Delegation:
    return accounts_services.delegation_grant(
        actor=person,
        helper_resident_id=crypto.decrypt_pii(helper.resident_id_enc),
        helper_name=helper.real_name,
        scopes=scopes,
        valid_until=timezone.localdate() + datetime.timedelta(days=days),
    )


def send(client: Client, method: str, path: str, body: Any = None, **headers: str) -> Any:
    return getattr(client, method)(
        BASE + path,
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        headers={"Accept-Language": "en", **headers},
    )


def fill(body: dict[str, Any]) -> dict[str, Any]:
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
    return data


def test_a_helper_applies_for_the_person_through_the_api_and_is_recorded_as_agent(
    portal: dict[str, Any], daughter: User
) -> None:
    citizen = portal["citizen"]
    delegation = grant(citizen, daughter, [CASES])
    client = client_for(daughter)
    acting = {HEADER: str(delegation.pk)}

    created = send(
        client, "post", "/cases/drafts", {"item": FOOD_HANDLER, "prefill": True}, **acting
    )
    assert created.status_code == 201, created.content
    body = created.json()
    saved = send(
        client,
        "patch",
        f"/cases/drafts/{body['id']}",
        {"form_data": fill(body), "version": body["version"]},
        **acting,
    )
    assert saved.status_code == 200, saved.content
    uploaded = client.post(
        f"{BASE}/cases/drafts/{body['id']}/materials/photo",
        {"file": upload(JPEG, "me.jpg", "image/jpeg")},
        headers=acting,
    )
    assert uploaded.status_code in (200, 201), uploaded.content
    submitted = send(
        client,
        "post",
        f"/cases/drafts/{body['id']}/submit",
        {"declaration": True},
        **{"Idempotency-Key": "for-mother-api", **acting},
    )
    assert submitted.status_code == 200, submitted.content

    case = Case.objects.get(pk=body["id"])
    assert case.applicant_id == citizen.pk
    assert case.agent_id == daughter.pk
    events = list(CaseEvent.objects.filter(case=case, kind__in=["created", "submitted"]))
    assert {e.kind for e in events} == {"created", "submitted"}
    assert all(e.actor_id == citizen.pk and e.agent_id == daughter.pk for e in events)
    fetched = AccessRecord.objects.filter(
        subject_index=citizen.resident_id_index, actor_id=citizen.pk
    )
    assert fetched.exists()
    assert all(a.agent_id == daughter.pk for a in fetched)

    # the person's case reads back for the helper acting; not for the helper as themself
    assert send(client, "get", f"/cases/{case.number}", **acting).status_code == 200
    assert send(client, "get", f"/cases/{case.number}").status_code == 404


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_refusals_are_translated_in_the_error_shape_and_change_nothing(
    portal: dict[str, Any], daughter: User, monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    citizen = portal["citizen"]
    client = client_for(daughter)
    before = Case.objects.count()

    def attempt(delegation_id: Any, path: str = "/cases/drafts") -> Any:
        response = send(
            client,
            "post",
            path,
            {"item": FOOD_HANDLER},
            **{HEADER: str(delegation_id), "Accept-Language": language},
        )
        assert set(response.json()) <= {"code", "message", "details"}
        assert response.json()["message"]
        return response

    # out of scope: e-licences only
    licences = grant(citizen, daughter, [LICENCES])
    refused = attempt(licences.pk)
    assert (refused.status_code, refused.json()["code"]) == (403, "delegation_out_of_scope")
    if language == "en":
        assert refused.json()["message"] == (
            "The delegation does not let you do this for the person."
        )

    # not delegated: somebody else's delegation, or none at all
    stranger = CitizenFactory(username="api-stranger", resident_id=resident_id())
    cases = grant(citizen, daughter, [CASES])
    other = client_for(stranger)
    response = send(
        other, "post", "/cases/drafts", {"item": FOOD_HANDLER}, **{HEADER: str(cases.pk)}
    )
    assert (response.status_code, response.json()["code"]) == (403, "delegation_unknown")
    assert attempt(uuid.uuid4()).json()["code"] == "delegation_unknown"
    assert attempt("not-a-delegation").json()["code"] == "delegation_unknown"

    # an operation nobody may call for someone else
    elsewhere = attempt(cases.pk, path="/hotline/tickets")
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (403, "acting_not_here")

    # expired
    moment = timezone.now() + datetime.timedelta(days=31)
    monkeypatch.setattr(accounts_policies, "timezone", SimpleNamespace(now=lambda: moment))
    expired = attempt(cases.pk)
    assert (expired.status_code, expired.json()["code"]) == (403, "delegation_ended")
    monkeypatch.undo()

    # revoked
    accounts_services.delegation_revoke(actor=citizen, delegation=cases)
    revoked = attempt(cases.pk)
    assert (revoked.status_code, revoked.json()["code"]) == (403, "delegation_ended")

    assert Case.objects.count() == before


def test_without_the_header_the_helper_is_themself(portal: dict[str, Any], daughter: User) -> None:
    grant(portal["citizen"], daughter, [CASES])
    client = client_for(daughter)
    created = send(client, "post", "/cases/drafts", {"item": FOOD_HANDLER})
    assert created.status_code == 201
    case = Case.objects.get(pk=created.json()["id"])
    assert case.applicant_id == daughter.pk
    assert case.agent_id is None


def test_signed_out_with_the_header_is_still_401(portal: dict[str, Any], daughter: User) -> None:
    delegation = grant(portal["citizen"], daughter, [CASES])
    response = send(
        Client(), "post", "/cases/drafts", {"item": FOOD_HANDLER}, **{HEADER: str(delegation.pk)}
    )
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_an_undeclared_method_with_the_header_is_still_405(
    portal: dict[str, Any], daughter: User
) -> None:
    """The header is read only for the methods the path's operations have: a TRACE or a PUT
    where none is declared (as a fuzzer sends) is the API's 405, not a refusal of the
    delegation."""
    client = client_for(daughter)
    forged = {HEADER: "e3e70682-c209-1cac-a29f-6fbed82c07cd"}
    for method, path in (
        ("TRACE", "/api/v1/cases/drafts"),
        ("PUT", "/api/v1/cases/drafts"),  # an operation's method, not this path's
        ("DELETE", "/api/v1/me/prefill"),
    ):
        assert client.generic(method, path, headers=forged).status_code == 405, (method, path)
    # a method the path has: the forged delegation is refused
    refused = client.generic("POST", "/api/v1/cases/drafts", headers=forged)
    assert (refused.status_code, refused.json()["code"]) == (403, "delegation_unknown")
