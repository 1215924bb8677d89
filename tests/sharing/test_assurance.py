"""Data about the account holder needs a verified identity (L2 or more), and a repeated fetch
within a few minutes is one access; the role checks are sharing's policies."""

from __future__ import annotations

from typing import Any

import pytest

from onestop.accounts.models import User
from onestop.core.errors import PermissionDenied
from onestop.ledger import selectors as ledger_selectors
from onestop.sharing import policies, selectors, services
from onestop.sharing.models import AccessRecord, Purpose
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db

MOTHER_ID = "371121199408221249"  # 王丽: records in the demo's shared data
A = policies.Action


def _fetch(actor: Any, **extra: Any) -> dict[str, Any]:
    return services.data_fetch(
        actor=actor,
        subject=actor,
        dataset="resident-id",
        fields=["name"],
        purpose=Purpose.VERIFICATION,
        **extra,
    )


def test_an_unverified_account_is_refused_its_own_data_and_the_refusal_recorded(
    demo: dict[str, User],
) -> None:
    squatter = CitizenFactory(resident_id=MOTHER_ID, level=1)
    size = ledger_selectors.tree_size()

    with pytest.raises(PermissionDenied) as exc:
        _fetch(squatter)

    record = AccessRecord.objects.get(actor=squatter)
    assert (record.result, record.reason, record.basis) == ("refused", "not_verified", "")
    assert exc.value.details == {"record": str(record.id), "reason": "not_verified"}
    assert ledger_selectors.tree_size() == size + 1
    assert selectors.held_datasets(subject=squatter, keys=["resident-id"]) == set()


def test_the_same_person_verified_gets_their_data(demo: dict[str, User]) -> None:
    owner = CitizenFactory(resident_id=MOTHER_ID, level=2)

    assert _fetch(owner) == {"name": "王丽"}
    assert selectors.held_datasets(subject=owner, keys=["resident-id"]) == {"resident-id"}


def test_a_repeated_fetch_is_one_access(demo: dict[str, User]) -> None:
    citizen = demo["citizen"]
    before = AccessRecord.objects.count()
    size = ledger_selectors.tree_size()

    first = services.data_fetch_many(
        actor=citizen,
        subject=citizen,
        requests=[services.FetchRequest(dataset="resident-id", fields=["name"])],
        purpose=Purpose.VERIFICATION,
        case="C-1",
    )
    again = services.data_fetch_many(
        actor=citizen,
        subject=citizen,
        requests=[services.FetchRequest(dataset="resident-id", fields=["name"])],
        purpose=Purpose.VERIFICATION,
        case="C-1",
    )

    assert again[0].values == first[0].values == {"name": "张伟"}
    assert again[0].access.pk == first[0].access.pk
    assert AccessRecord.objects.count() == before + 1
    assert ledger_selectors.tree_size() == size + 1


def test_another_case_purpose_or_field_is_another_access(demo: dict[str, User]) -> None:
    citizen = demo["citizen"]
    before = AccessRecord.objects.count()

    _fetch(citizen, case="C-1")
    _fetch(citizen, case="C-2")
    services.data_fetch(
        actor=citizen,
        subject=citizen,
        dataset="resident-id",
        fields=["name"],
        purpose=Purpose.PREFILL,
        case="C-1",
    )
    services.data_fetch(
        actor=citizen,
        subject=citizen,
        dataset="resident-id",
        fields=["name", "gender"],
        purpose=Purpose.VERIFICATION,
        case="C-1",
    )

    assert AccessRecord.objects.count() == before + 4


def test_without_a_dedupe_window_every_call_is_recorded(
    demo: dict[str, User], settings: Any
) -> None:
    settings.SHARING_DEDUPE_SECONDS = 0
    citizen = demo["citizen"]
    before = AccessRecord.objects.count()

    _fetch(citizen)
    _fetch(citizen)

    assert AccessRecord.objects.count() == before + 2


def test_policies(demo: dict[str, User]) -> None:
    unverified = CitizenFactory(level=1)
    verified = demo["citizen"]
    officer = demo["officer-ps"]

    assert not policies.can(unverified, A.FETCH_SELF)
    assert policies.can(verified, A.FETCH_SELF)
    assert not policies.can(officer, A.FETCH_SELF)  # staff are no data subjects
    assert policies.can(officer, A.FETCH_DEPARTMENT)
    assert not policies.can(verified, A.FETCH_DEPARTMENT)
    assert policies.fetching_departments(officer) == ["371121-public-security"]
    assert policies.fetching_departments(verified) == []
