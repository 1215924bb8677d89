"""data_fetch: allowed by law, by consent and to the subject themself; refused (and recorded)
without a purpose, for an unknown field, without an agreement, after consent is withdrawn."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from onestop.accounts.models import User
from onestop.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onestop.ledger import merkle
from onestop.ledger import selectors as ledger_selectors
from onestop.ledger.canonical import canonical_json, leaf_data
from onestop.sharing import services
from onestop.sharing.models import AccessRecord, Consent, Purpose

pytestmark = pytest.mark.django_db

CITIZEN_ID = "37112119930315123X"
SPOUSE_ID = "371121199408221249"
BABY_ID = "371121202611100228"
BIRTH = "Birth medical certificate records (Health Bureau)"
RESIDENT = "Resident identity card records (Public Security Bureau)"


def _last() -> AccessRecord:
    return AccessRecord.objects.order_by("-log_index").first()  # type: ignore[return-value]


def _refused(**kwargs: Any) -> tuple[AccessRecord, str]:
    before = AccessRecord.objects.count()
    size = ledger_selectors.tree_size()
    with pytest.raises(PermissionDenied) as caught:
        services.data_fetch(**kwargs)
    assert AccessRecord.objects.count() == before + 1
    assert ledger_selectors.tree_size() == size + 1
    record = _last()
    assert record.result == AccessRecord.Result.REFUSED
    assert caught.value.details == {"record": str(record.id), "reason": record.reason}
    return record, str(caught.value.message)


def test_staff_fetch_allowed_by_law_returns_only_requested_fields(demo: dict[str, User]) -> None:
    officer = demo["officer-ps"]

    data = services.data_fetch(
        actor=officer,
        subject=BABY_ID,
        dataset="birth-medical-certificate",
        fields=["child_name", "birth_date"],
        purpose=Purpose.APPLICATION_PROCESSING,
        case="371121-20261126-0007",
    )

    assert data == {"child_name": "张小雨", "birth_date": "2026-11-10"}
    record = _last()
    assert record.result == AccessRecord.Result.ALLOWED
    assert record.actor_id == officer.pk
    assert record.actor_department_id == "371121-public-security"
    assert record.dataset == "birth-medical-certificate"
    assert record.fields == ["child_name", "birth_date"]
    assert record.purpose == "application-processing"
    assert record.basis.startswith("law: 《中华人民共和国户口登记条例》第七条")
    assert record.case_ref == "371121-20261126-0007"
    assert record.reason == ""


def test_subject_fetches_own_data_with_basis_self(demo: dict[str, User]) -> None:
    citizen = demo["citizen"]

    data = services.data_fetch(
        actor=citizen, subject=citizen, dataset="resident-id", fields=["name"], purpose="prefill"
    )

    assert data == {"name": "张伟"}
    record = _last()
    assert (record.basis, record.actor_department_id, record.subject_index) == (
        "self",
        None,
        citizen.resident_id_index,
    )


def test_parent_reaches_the_newborns_certificate_as_a_party(demo: dict[str, User]) -> None:
    data = services.data_fetch(
        actor=demo["citizen"],
        subject=demo["citizen"],
        dataset="birth-medical-certificate",
        fields=["child_name", "mother_id_number"],
        purpose=Purpose.PREFILL,
    )

    assert data == {"child_name": "张小雨", "mother_id_number": SPOUSE_ID}


def test_business_fetches_its_own_enterprise_record(demo: dict[str, User]) -> None:
    data = services.data_fetch(
        actor=demo["business"],
        subject=demo["business"],
        dataset="tax-registration",
        fields=["credit_rating"],
        purpose=Purpose.PREFILL,
    )

    assert data == {"credit_rating": "A"}


@pytest.mark.parametrize(
    ("purpose", "fields", "reason"),
    [
        ("", ["name"], "no_purpose"),
        ("curiosity", ["name"], "unknown_purpose"),
        ("verification", ["name", "horoscope"], "unknown_field"),
        ("verification", [], "no_fields"),
    ],
)
def test_bad_requests_are_refused_and_recorded(
    demo: dict[str, User], purpose: str, fields: list[str], reason: str
) -> None:
    record, message = _refused(
        actor=demo["officer-hr"],
        subject=CITIZEN_ID,
        dataset="household",
        fields=fields,
        purpose=purpose,
    )

    assert record.reason == reason
    assert record.basis == ""
    assert message == str(services.REFUSALS[reason])


def test_department_without_agreement_is_refused(demo: dict[str, User]) -> None:
    record, message = _refused(
        actor=demo["officer-ps"],
        subject=demo["citizen"],
        dataset="social-insurance",
        fields=["card_number"],
        purpose=Purpose.VERIFICATION,
    )

    assert record.reason == "no_agreement"
    assert record.actor_department_id == "371121-public-security"
    assert (
        message == "No sharing agreement lets your department fetch this dataset for this purpose."
    )


def test_purpose_outside_the_agreement_is_refused(demo: dict[str, User]) -> None:
    # public security may fetch birth certificates to process and verify, not for pre-fill
    record, _message = _refused(
        actor=demo["officer-ps"],
        subject=BABY_ID,
        dataset="birth-medical-certificate",
        fields=["child_name"],
        purpose=Purpose.PREFILL,
    )

    assert record.reason == "no_agreement"


def test_another_citizen_cannot_fetch_someone_elses_data(demo: dict[str, User]) -> None:
    record, _message = _refused(
        actor=demo["business"],
        subject=CITIZEN_ID,
        dataset="resident-id",
        fields=["name"],
        purpose=Purpose.VERIFICATION,
    )

    assert record.reason == "not_authorised"


def test_no_record_is_recorded_and_not_found(demo: dict[str, User]) -> None:
    before = AccessRecord.objects.count()

    with pytest.raises(NotFound):
        services.data_fetch(
            actor=demo["citizen"],
            subject=demo["citizen"],
            dataset="disability",
            fields=["grade"],
            purpose=Purpose.PREFILL,
        )

    assert AccessRecord.objects.count() == before + 1
    assert _last().reason == "no_record"


def test_consent_dataset_needs_active_consent_and_withdrawal_refuses(
    demo: dict[str, User],
) -> None:
    citizen, officer = demo["citizen"], demo["officer-hr"]
    fetch: dict[str, Any] = {
        "actor": officer,
        "subject": CITIZEN_ID,
        "dataset": "medical-insurance",
        "fields": ["scheme", "maternity_covered"],
        "purpose": Purpose.ELIGIBILITY_CHECK,
    }
    record, _message = _refused(**fetch)
    assert record.reason == "no_consent"

    consent = services.consent_grant(
        actor=citizen, dataset="medical-insurance", purpose=Purpose.ELIGIBILITY_CHECK
    )
    first = services.data_fetch(**fetch)
    allowed = _last()

    assert first == {"scheme": "职工医保", "maternity_covered": True}
    assert (allowed.result, allowed.basis) == ("allowed", "consent")

    services.consent_withdraw(actor=citizen, consent_id=consent.pk)
    record, message = _refused(**fetch)

    assert record.reason == "no_consent"
    assert message == "The data subject has not consented to this use (or withdrew consent)."
    assert list(
        AccessRecord.objects.filter(dataset="medical-insurance", actor=officer)
        .order_by("log_index")
        .values_list("result", flat=True)
    ) == ["refused", "allowed", "refused"]


def test_consent_for_another_purpose_does_not_count(demo: dict[str, User]) -> None:
    services.consent_grant(
        actor=demo["citizen"], dataset="medical-insurance", purpose=Purpose.VERIFICATION
    )

    record, _message = _refused(
        actor=demo["officer-hr"],
        subject=CITIZEN_ID,
        dataset="medical-insurance",
        fields=["scheme"],
        purpose=Purpose.ELIGIBILITY_CHECK,
    )

    assert record.reason == "no_consent"


def test_property_owner_consent_covers_the_property(demo: dict[str, User]) -> None:
    from onestop.accounts.services import staff_create

    officer = staff_create(
        actor=demo["admin"],
        username="officer-hb",
        password="a-long-test-password-1",
        real_name="钱进",
        roles=[("department_officer", "371121", "371121-housing-urban-rural-development")],
    )
    fetch: dict[str, Any] = {
        "actor": officer,
        "subject": "371121001003GB00012F00030502",
        "dataset": "real-estate",
        "fields": ["mortgaged", "floor_area"],
        "purpose": Purpose.APPLICATION_PROCESSING,
    }
    record, _message = _refused(**fetch)
    assert record.reason == "no_consent"

    services.consent_grant(
        actor=demo["citizen"], dataset="real-estate", purpose=Purpose.APPLICATION_PROCESSING
    )

    assert services.data_fetch(**fetch) == {"mortgaged": True, "floor_area": 118}
    assert _last().basis == "consent"


def test_consent_rules(demo: dict[str, User]) -> None:
    citizen = demo["citizen"]
    with pytest.raises(PermissionDenied):
        services.consent_grant(
            actor=demo["officer-hr"], dataset="medical-insurance", purpose="verification"
        )
    with pytest.raises(ValidationFailed):
        services.consent_grant(actor=citizen, dataset="household", purpose="verification")
    with pytest.raises(ValidationFailed):
        services.consent_grant(actor=citizen, dataset="medical-insurance", purpose="fun")
    assert Consent.objects.count() == 0

    consent = services.consent_grant(
        actor=citizen, dataset="medical-insurance", purpose="verification"
    )
    with pytest.raises(Conflict):
        services.consent_grant(actor=citizen, dataset="medical-insurance", purpose="verification")
    with pytest.raises(NotFound):
        services.consent_withdraw(actor=demo["business"], consent_id=consent.pk)
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
    assert Consent.objects.count() == 1


def test_ledger_entry_commits_to_the_record_and_proves_inclusion(demo: dict[str, User]) -> None:
    services.data_fetch(
        actor=demo["officer-hr"],
        subject=CITIZEN_ID,
        dataset="household",
        fields=["household_number"],
        purpose=Purpose.ELIGIBILITY_CHECK,
        case="371121-20261126-0009",
    )
    record = _last()
    entry = ledger_selectors.entry_get(index=record.log_index)  # type: ignore[arg-type]

    assert entry.kind == "sharing.access"
    assert entry.payload == {"record": str(record.id), "commitment": record.commitment}
    body = services.access_body(record)
    expected = hashlib.sha256(bytes.fromhex(record.salt) + canonical_json(body)).hexdigest()
    assert record.commitment == expected
    # never personal data in the log
    text = json.dumps(entry.payload, ensure_ascii=False)
    assert set(entry.payload) == {"record", "commitment"}
    assert CITIZEN_ID not in text
    assert "张伟" not in text

    size = ledger_selectors.tree_size()
    proof = ledger_selectors.inclusion_proof(index=entry.index, size=size)
    leaf = merkle.leaf_hash(leaf_data("sharing.access", entry.payload))
    merkle.verify_inclusion(entry.index, size, leaf, proof, ledger_selectors.root_hash(size=size))
    assert bytes(entry.leaf_hash) == leaf


@pytest.mark.django_db(transaction=True)
def test_refusal_is_committed_before_it_is_raised(demo: dict[str, User]) -> None:
    assert connection.in_atomic_block is False
    with pytest.raises(PermissionDenied):
        services.data_fetch(
            actor=demo["officer-ps"],
            subject=CITIZEN_ID,
            dataset="social-insurance",
            fields=["card_number"],
            purpose=Purpose.VERIFICATION,
        )
    connection.close()  # a fresh connection sees only committed rows

    record = AccessRecord.objects.filter(reason="no_agreement", dataset="social-insurance").last()
    assert record is not None
    assert ledger_selectors.entry_get(index=record.log_index).payload["record"] == str(record.id)  # type: ignore[arg-type]


def test_prefill_returns_values_with_sources_and_records_each_fetch(
    demo: dict[str, User],
) -> None:
    citizen = demo["citizen"]
    before = AccessRecord.objects.filter(subject_index=citizen.resident_id_index).count()

    with translation.override("en"):
        values = services.prefill(
            actor=citizen,
            fields=[
                {"key": "child_name", "prefill": "birth-medical-certificate.child_name"},
                {"key": "applicant_name", "prefill": "resident-id.name"},
                {"key": "applicant_id_number", "x-prefill": "resident-id.id_number"},
                {"key": "grade", "prefill": "disability.grade"},
                {"key": "phone"},
            ],
        )

    assert values == {
        "child_name": {"value": "张小雨", "source": BIRTH},
        "applicant_name": {"value": "张伟", "source": RESIDENT},
        "applicant_id_number": {"value": CITIZEN_ID, "source": RESIDENT},
    }
    new = AccessRecord.objects.filter(subject_index=citizen.resident_id_index).order_by(
        "log_index"
    )[before:]
    assert [(r.dataset, r.fields, r.purpose, r.basis) for r in new] == [
        ("birth-medical-certificate", ["child_name"], "prefill", "self"),
        ("resident-id", ["id_number", "name"], "prefill", "self"),
    ]


def test_record_upsert_is_idempotent_and_encrypted(demo: dict[str, User]) -> None:
    from onestop.sharing.models import DatasetRecord
    from onestop.sharing.seed import seed_demo_records

    stamps = list(DatasetRecord.objects.order_by("pk").values_list("pk", "updated_at"))

    assert seed_demo_records() == "35 records, 0 changed; 0 example accesses"
    assert list(DatasetRecord.objects.order_by("pk").values_list("pk", "updated_at")) == stamps
    stored = DatasetRecord.objects.filter(dataset_id="resident-id").values_list(
        "data_enc", flat=True
    )
    assert all(CITIZEN_ID not in s and "张伟" not in s for s in stored)
    with pytest.raises(PermissionDenied):
        services.record_upsert(
            actor=demo["officer-ps"],
            dataset="resident-id",
            subject=CITIZEN_ID,
            subject_kind="person",
            data={"name": "x"},
        )


def test_fetch_many_records_each_dataset_on_its_own_in_one_ledger_batch(
    demo: dict[str, User], settings: Any
) -> None:
    settings.SHARING_DEDUPE_SECONDS = 0  # every call below is a new access
    citizen = demo["citizen"]
    requests = [
        services.FetchRequest(dataset="resident-id", fields=["name"]),
        services.FetchRequest(dataset="birth-medical-certificate", fields=["child_name"]),
        services.FetchRequest(dataset="resident-id", fields=["no_such_field"]),
        services.FetchRequest(dataset="no-such-dataset", fields=["x"]),
    ]

    def fetch(wanted: list[services.FetchRequest]) -> tuple[list[services.FetchResult], int]:
        with CaptureQueriesContext(connection) as ctx:
            results = services.data_fetch_many(
                actor=citizen,
                subject=citizen,
                requests=wanted,
                purpose=Purpose.ELIGIBILITY_CHECK,
                case="371121-20261126-0011",
            )
        return results, len(ctx.captured_queries)

    fetch(requests[:1])  # warm-up: the first append also creates the ledger's head row
    _one, one_query_count = fetch(requests[:1])
    before = AccessRecord.objects.count()
    size = ledger_selectors.tree_size()
    # The datasets and records are read once, every access is written in one insert and
    # their entries in one ledger append: four requests cost what one costs.
    results, count = fetch(requests)
    assert count <= one_query_count

    assert [r.values for r in results] == [{"name": "张伟"}, {"child_name": "张小雨"}, None, None]
    assert [r.access.reason for r in results] == ["", "", "unknown_field", "unknown_dataset"]
    assert isinstance(results[2].error, PermissionDenied)
    assert results[2].error.details == {
        "record": str(results[2].access.id),
        "reason": "unknown_field",
    }
    # One access record per request, each with its own ledger entry, in request order.
    assert AccessRecord.objects.count() == before + 4
    assert ledger_selectors.tree_size() == size + 4
    for offset, result in enumerate(results):
        record = AccessRecord.objects.get(pk=result.access.pk)
        assert record.log_index == size + offset
        assert record.case_ref == "371121-20261126-0011"
        assert record.basis == ("self" if not result.error else "")
        entry = ledger_selectors.entry_get(index=size + offset)
        assert entry.payload == {"record": str(record.id), "commitment": record.commitment}
        assert record.commitment == services.access_commitment(record)


def test_fetch_many_answers_as_data_fetch_does(demo: dict[str, User]) -> None:
    officer = demo["officer-ps"]
    [allowed, refused] = services.data_fetch_many(
        actor=officer,
        subject=BABY_ID,
        requests=[
            services.FetchRequest(dataset="birth-medical-certificate", fields=["child_name"]),
            services.FetchRequest(dataset="social-insurance", fields=["card_number"]),
        ],
        purpose=Purpose.APPLICATION_PROCESSING,
    )
    assert allowed.values == {"child_name": "张小雨"}
    assert allowed.access.basis.startswith("law: ")
    assert allowed.access.actor_department_id == "371121-public-security"
    assert refused.values is None
    assert refused.access.reason == "no_agreement"
    with pytest.raises(PermissionDenied):
        services.data_fetch(
            actor=officer,
            subject=BABY_ID,
            dataset="social-insurance",
            fields=["card_number"],
            purpose=Purpose.APPLICATION_PROCESSING,
        )
    assert (
        services.data_fetch_many(
            actor=officer, subject=BABY_ID, requests=[], purpose=Purpose.VERIFICATION
        )
        == []
    )
