"""Applying while the applicant's household record is held by another region's node (a
``peer`` dataset source, docs/sharing.md "Data held by peer nodes"): the material counts as
held in the draft and in the burden figures exactly like local data, the pre-fill reads it
from the peer with one access record naming the peer's region and record, and a peer that does
not answer leaves the material "unavailable" (uploaded instead), never a 500.

The peer is played here by its answers to ``data.fetch`` (the reply bodies of the protocol);
the provider's side and the signed messages between two real nodes are
tests/federation/test_remote_data.py."""

from __future__ import annotations

from typing import Any

import pytest

from onestop.accounts.models import User
from onestop.cases import services
from onestop.cases.models import Case, CaseMaterial
from onestop.catalog.models import Scenario
from onestop.core.actors import SYSTEM
from onestop.federation.models import Peer
from onestop.federation.services import PeerUnavailable
from onestop.sharing import federated, selectors
from onestop.sharing import services as sharing_services
from onestop.sharing.models import AccessRecord, DatasetRecord
from tests.cases.conftest import NEWBORN_ANSWERS, fill_values

pytestmark = pytest.mark.django_db

ADDRESS = "江苏省连云港市赣榆区青口镇黄海路9号（赣榆户籍）"
PROVIDER_RECORD = "8d0f6a52-5c0e-4b59-9f54-3f3f7c1b2a10"


class Provider:
    """Region 320707 answering `data.fetch` as its handler does (`federated.received`)."""

    def __init__(self) -> None:
        self.up = True
        self.asked: list[dict[str, Any]] = []

    def __call__(self, *, to_region: str, type: str, body: dict[str, Any], **_: Any) -> dict:
        assert (to_region, type) == ("320707", "data.fetch")
        self.asked.append(body)
        if not self.up:
            raise PeerUnavailable("connection refused")
        if body["probe"]:
            return {"result": "found"}
        record = {"registered_address": ADDRESS, "household_number": "320707004411"}
        values = {f: record.get(f) for f in body["fields"]}
        return {"result": "found", "values": values, "record": PROVIDER_RECORD, "basis": "self"}


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch, citizen: User, settings: Any) -> Provider:
    """The household dataset read from the peer 320707, which holds the applicant's record."""
    settings.SHARING_SOURCE_RETRY_SECONDS = 0
    Peer.objects.create(
        region="320707",
        url="http://127.0.0.1:9/320707",
        fingerprint="0" * 64,
        allowed_out_types=["ping", "data.fetch"],
        allowed_out_datasets=["household"],
    )
    played = Provider()
    monkeypatch.setattr(federated.federation_services, "message_request", played)
    # the applicant moved from Ganyu: this node holds no household record about them
    index = selectors.subject_index_of(citizen)
    DatasetRecord.objects.filter(dataset_id="household", subject_index=index).delete()
    DatasetRecord.objects.filter(dataset_id="household", party_indexes__contains=index).delete()
    sharing_services.source_configure(
        actor=SYSTEM, dataset="household", kind="peer", peers=["320707"]
    )
    return played


def _draft(citizen: User, newborn: Scenario) -> Case:
    case = services.draft_start(actor=citizen, scenario=newborn, allow_duplicate=True)
    return services.draft_save(actor=citizen, case=case, variant_answers=NEWBORN_ANSWERS)


def _modes(case: Case) -> dict[str, str]:
    return dict(CaseMaterial.objects.filter(case=case.top).values_list("key", "mode"))


def test_held_by_the_peer_counts_as_held_and_prefills(
    citizen: User, newborn: Scenario, provider: Provider
) -> None:
    case = _draft(citizen, newborn)
    assert _modes(case)["household-record"] == CaseMaterial.Mode.HELD
    probe = provider.asked[0]
    assert probe["probe"] is True
    assert probe["fields"] == []  # no data asked for a probe

    case, gaps = services.prefill_apply_report(actor=citizen, case=case)
    assert gaps == []
    assert case.form_data["household_address"] == ADDRESS  # the peer's value
    access = AccessRecord.objects.get(actor=citizen, dataset="household")
    assert (access.result, access.purpose, access.basis) == ("allowed", "prefill", "self")
    assert (access.source, access.peer_region) == ("peer:320707", "320707")
    assert access.peer_record == PROVIDER_RECORD
    assert access.log_index is not None
    asked = provider.asked[-1]
    assert asked["basis"] == "self"
    assert asked["assurance"] == str(citizen.real_name_level)
    assert asked["request_id"] == str(access.id)
    # the commitment covers the peer's region and record
    body = sharing_services.access_body(access)
    assert body["peer"] == {
        "region": "320707",
        "department": "",
        "actor": "",
        "record": PROVIDER_RECORD,
    }


def _submit(citizen: User, case: Case) -> Case:
    case = services.draft_save(actor=citizen, case=case, form_data=fill_values(case))
    return services.case_submit(actor=citizen, case=case)


def test_held_by_the_peer_counts_like_local_data_in_the_burden(
    citizen: User, newborn: Scenario, provider: Provider
) -> None:
    remote = _submit(citizen, _draft(citizen, newborn))
    # the same applicant, had this node held the record itself
    sharing_services.source_configure(actor=SYSTEM, dataset="household", kind="local")
    sharing_services.record_upsert(
        actor=SYSTEM,
        dataset="household",
        subject=citizen_id(citizen),
        subject_kind="person",
        data={"registered_address": ADDRESS, "household_number": "320707004411"},
    )
    local = _submit(citizen, _draft(citizen, newborn))

    assert remote.pk != local.pk
    assert _modes(remote) == _modes(local)
    assert _modes(remote)["household-record"] == CaseMaterial.Mode.HELD
    # `cases.burden` means `materials_submitted`: what was handed in, whatever held the rest
    assert remote.materials_submitted == local.materials_submitted


def citizen_id(citizen: User) -> str:
    return str(selectors.subject_key_of(citizen))


def test_a_peer_down_is_unavailable_and_recorded(
    citizen: User, newborn: Scenario, provider: Provider
) -> None:
    provider.up = False
    found = sharing_services.data_fetch_many(
        actor=citizen,
        subject=citizen,
        requests=[sharing_services.FetchRequest("household", ["registered_address"])],
        purpose="prefill",
    )
    (result,) = found
    assert result.error is not None
    assert (result.error.status, result.error.code) == (503, "source_unavailable")
    assert result.error.details["reason"] == "peer_unavailable"
    assert (result.access.result, result.access.peer_region) == ("unavailable", "320707")
