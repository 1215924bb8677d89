"""Assisted handling (帮办代办): a helper acts for a person under the person's recorded consent.

Services and policies: a delegation in scope lets the helper apply and follow applications (or
see e-licences); an expired, revoked or out-of-scope one is refused; the case, its timeline and
the data-access records name both people; the person is told when a delegation is created and
when it is used for a submission; a helper never grants further, changes the person's account,
reads their messages or their data tracker.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from onestop.accounts import policies as accounts_policies
from onestop.accounts import selectors as accounts_selectors
from onestop.accounts import services as accounts_services
from onestop.accounts.models import Delegation, User
from onestop.cases import policies as cases_policies
from onestop.cases import selectors, services
from onestop.cases.models import Case
from onestop.catalog.models import Scenario
from onestop.core import crypto
from onestop.core.errors import NotFound, PermissionDenied, ValidationFailed
from onestop.credentials import policies as credentials_policies
from onestop.credentials.selectors import wallet_list
from onestop.notify import policies as notify_policies
from onestop.notify.models import Notification
from onestop.org import selectors as org_selectors
from onestop.sharing import policies as sharing_policies
from onestop.sharing.models import AccessRecord
from tests.factories import CitizenFactory, resident_id

from .conftest import NEWBORN_ANSWERS, fill_values

CASES = Delegation.Scope.CASES
LICENCES = Delegation.Scope.LICENCES


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def daughter(cases_world: dict[str, User]) -> User:
    return CitizenFactory(username="daughter", real_name="张小红", resident_id=resident_id())


def grant(person: User, helper: User, scopes: list[str], days: int = 30) -> Delegation:
    return accounts_services.delegation_grant(
        actor=person,
        helper_resident_id=crypto.decrypt_pii(helper.resident_id_enc),
        helper_name=helper.real_name,
        scopes=scopes,
        valid_until=in_days(days),
    )


def acting(helper: User, delegation: Delegation) -> User:
    return accounts_selectors.acting_as(actor=helper, delegation_id=delegation.pk)


def later(monkeypatch: pytest.MonkeyPatch, days: int) -> None:
    """The policies' clock `days` ahead (for expiry)."""
    moment = timezone.now() + datetime.timedelta(days=days)
    monkeypatch.setattr(accounts_policies, "timezone", SimpleNamespace(now=lambda: moment))


def test_helper_submits_for_the_person_and_records_name_both(
    citizen: User, daughter: User, newborn: Scenario
) -> None:
    delegation = grant(citizen, daughter, [CASES])
    granted = Notification.objects.filter(recipient=citizen, template="accounts.delegation_granted")
    assert granted.count() == 1

    person = acting(daughter, delegation)
    assert person.pk == citizen.pk
    assert person.acting_agent == daughter
    case = services.draft_start(actor=person, scenario=newborn, allow_duplicate=True)
    case = services.draft_save(actor=person, case=case, variant_answers=NEWBORN_ANSWERS)
    case = services.prefill_apply(actor=person, case=case)
    case = services.draft_save(actor=person, case=case, form_data=fill_values(case))
    case = services.case_submit(actor=person, case=case, idempotency_key="for-mother-1")

    stored = Case.objects.get(pk=case.pk)
    assert stored.applicant_id == citizen.pk  # the person's application
    assert stored.agent_id == daughter.pk  # submitted by the helper
    events = list(stored.events.filter(kind__in=["created", "submitted"]))
    assert events
    assert all(e.actor_id == citizen.pk and e.agent_id == daughter.pk for e in events)
    # pre-fill fetched the person's records: each access names the helper too
    fetched = AccessRecord.objects.filter(
        subject_index=citizen.resident_id_index, actor_id=citizen.pk
    )
    assert fetched.exists()
    assert all(a.agent_id == daughter.pk for a in fetched)
    # the person is told their helper submitted it
    used = Notification.objects.get(recipient=citizen, template="accounts.delegation_used")
    assert stored.number in used.body
    # the person sees it among their own applications; the helper's own list stays theirs
    assert stored in selectors.case_list_for_applicant(actor=citizen)
    assert stored not in selectors.case_list_for_applicant(actor=daughter)
    assert stored in selectors.case_list_for_applicant(actor=person)


def test_scope_expiry_and_revocation_are_enforced_by_every_policy(
    citizen: User, daughter: User, newborn_case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    licence = wallet_list(holder=citizen).first()
    assert licence is not None
    cases_only = grant(citizen, daughter, [CASES])
    person = acting(daughter, cases_only)
    assert cases_policies.can(person, cases_policies.Action.VIEW, newborn_case)
    assert cases_policies.can(person, cases_policies.Action.WITHDRAW, newborn_case)
    assert sharing_policies.can(person, sharing_policies.Action.FETCH_SELF)
    # out of scope: the licences were not given
    assert not credentials_policies.can(person, credentials_policies.Action.VIEW, licence)
    # the helper as themself sees nothing of the person's
    assert not cases_policies.can(daughter, cases_policies.Action.VIEW, newborn_case)

    licences_only = grant(citizen, daughter, [LICENCES])
    person = acting(daughter, licences_only)
    assert credentials_policies.can(person, credentials_policies.Action.VIEW, licence)
    assert not cases_policies.can(person, cases_policies.Action.VIEW, newborn_case)
    assert not sharing_policies.can(person, sharing_policies.Action.FETCH_SELF)
    assert not list(selectors.case_list_for_applicant(actor=person))

    # expired: refused, and no new acting
    person = acting(daughter, cases_only)
    later(monkeypatch, 31)
    assert not cases_policies.can(person, cases_policies.Action.VIEW, newborn_case)
    with pytest.raises(PermissionDenied):
        acting(daughter, cases_only)
    monkeypatch.undo()

    # revoked by the person: refused at once, even for an actor built before
    person = acting(daughter, cases_only)
    accounts_services.delegation_revoke(actor=citizen, delegation=cases_only)
    person.acting_delegation.refresh_from_db()
    assert not cases_policies.can(person, cases_policies.Action.VIEW, newborn_case)
    with pytest.raises(PermissionDenied):
        acting(daughter, cases_only)


def test_a_helper_never_manages_the_persons_account(citizen: User, daughter: User) -> None:
    delegation = grant(citizen, daughter, [CASES, LICENCES])
    person = acting(daughter, delegation)
    other = CitizenFactory(resident_id=resident_id())
    with pytest.raises(PermissionDenied):  # no further delegation
        grant(person, other, [CASES])
    with pytest.raises(PermissionDenied):  # no change of the person's account
        accounts_services.user_language_set(actor=person, language="en")
    with pytest.raises(PermissionDenied):
        accounts_services.user_elderly_set(actor=person, on=True)
    note = Notification.objects.filter(recipient=citizen).first()
    assert note is not None
    assert not notify_policies.can(person, notify_policies.Action.READ, note)
    assert not sharing_policies.can(person, sharing_policies.Action.TRACKER_VIEW)
    assert not sharing_policies.can(person, sharing_policies.Action.CONSENT_MANAGE)
    assert not accounts_policies.can(person, accounts_policies.Action.PROFILE_VIEW, citizen)
    # nor acts for someone else through the person (no chains)
    assert not accounts_policies.can(person, accounts_policies.Action.DELEGATION_ACT, delegation)
    # the helper may give it up; a stranger may not even see it
    with pytest.raises(NotFound):
        accounts_selectors.delegation_get(actor=other, delegation_id=delegation.pk)
    accounts_services.delegation_revoke(actor=daughter, delegation=delegation)
    assert Delegation.objects.get(pk=delegation.pk).revoked_by_id == daughter.pk


def test_granting_tells_nobody_who_has_an_account(citizen: User, daughter: User) -> None:
    known = grant(citizen, daughter, [CASES])
    nobody_id = resident_id()
    unknown = accounts_services.delegation_grant(
        actor=citizen,
        helper_resident_id=nobody_id,
        helper_name="李四",
        scopes=[CASES],
        valid_until=in_days(30),
    )
    # the same answer either way: a saved delegation, shown with the masked ID typed
    assert {known.channel, unknown.channel} == {Delegation.Channel.ONLINE}
    assert unknown.delegate_id is None
    assert known.delegate_id is None
    assert unknown.delegate_id_masked.startswith(nobody_id[:4])
    # whoever registers later with that ID may act at once
    newcomer = CitizenFactory(resident_id=nobody_id)
    assert [d.pk for d in accounts_selectors.delegations_held(actor=newcomer)] == [unknown.pk]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"scopes": []}, "invalid_scope"),
        ({"scopes": ["everything"]}, "invalid_scope"),
        ({"valid_until": "today"}, "invalid_until"),
        ({"valid_until": "far"}, "invalid_until"),
        ({"helper_resident_id": "12345"}, "invalid_resident_id"),
        ({"helper_resident_id": "self"}, "invalid_resident_id"),
        ({"helper_name": " "}, "invalid_name"),
    ],
)
def test_bad_grants_are_refused_and_change_nothing(
    citizen: User, daughter: User, changes: dict[str, Any], code: str
) -> None:
    fields: dict[str, Any] = {
        "helper_resident_id": crypto.decrypt_pii(daughter.resident_id_enc),
        "helper_name": "张小红",
        "scopes": [CASES],
        "valid_until": in_days(30),
    }
    fields.update(changes)
    if fields["valid_until"] == "today":
        fields["valid_until"] = timezone.localdate()
    if fields["valid_until"] == "far":
        fields["valid_until"] = in_days(400)
    if fields["helper_resident_id"] == "self":
        fields["helper_resident_id"] = crypto.decrypt_pii(citizen.resident_id_enc)
    with pytest.raises(ValidationFailed) as raised:
        accounts_services.delegation_grant(actor=citizen, **fields)
    assert raised.value.code == code
    assert not Delegation.objects.filter(principal=citizen).exists()


def test_a_window_clerk_records_consent_with_the_person_present(
    citizen: User, daughter: User, clerk: User, newborn_case: Case
) -> None:
    centre = org_selectors.centre_list(region="371121").first()
    assert centre is not None
    person_id = crypto.decrypt_pii(citizen.resident_id_enc)
    # the centre's helper: the clerk themself
    own = accounts_services.delegation_record(
        actor=clerk,
        centre=centre,
        person_resident_id=person_id,
        scopes=[CASES],
        valid_until=in_days(7),
        consent_note="In person, ID card checked, form signed",
    )
    assert own.delegate_id == clerk.pk
    assert own.recorded_by_id == clerk.pk
    assert own.centre_id == centre.pk
    assert own.channel == Delegation.Channel.WINDOW
    person = acting(clerk, own)
    assert cases_policies.can(person, cases_policies.Action.VIEW, newborn_case)
    # a family member
    family = accounts_services.delegation_record(
        actor=clerk,
        centre=centre,
        person_resident_id=person_id,
        helper_resident_id=crypto.decrypt_pii(daughter.resident_id_enc),
        helper_name="张小红",
        scopes=[LICENCES],
        valid_until=in_days(7),
        consent_note="In person",
    )
    assert family.held_by(daughter)
    assert not family.held_by(clerk)
    assert (
        Notification.objects.filter(
            recipient=citizen, template="accounts.delegation_granted"
        ).count()
        == 2
    )
    # the look-up of the person is recorded like any staff look-up
    assert AccessRecord.objects.filter(
        subject_index=citizen.resident_id_index, dataset="accounts.profile", actor=clerk
    ).exists()
    # consent must be said; a citizen may not record at a window
    with pytest.raises(ValidationFailed):
        accounts_services.delegation_record(
            actor=clerk,
            centre=centre,
            person_resident_id=person_id,
            scopes=[CASES],
            valid_until=in_days(7),
            consent_note="",
        )
    with pytest.raises(PermissionDenied):
        accounts_services.delegation_record(
            actor=daughter,
            centre=centre,
            person_resident_id=person_id,
            scopes=[CASES],
            valid_until=in_days(7),
            consent_note="x",
        )
