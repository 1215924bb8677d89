"""The payment step of benefits without applying: the paying department's officer records the
payment of a confirmed offer (or of one granted without confirmation), through the service, the
console's button, the API or the worker; everything recorded; the figure "eligibility →
payment" from it, also under `core.figures` ``benefits.figures``. Refusals change nothing."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from onestop.accounts import selectors as accounts_selectors
from onestop.accounts.models import StaffRole, User
from onestop.benefits import policies, selectors, services, tasks
from onestop.benefits.models import Offer, OfferEvent
from onestop.core import figures
from onestop.core.actors import SYSTEM
from onestop.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onestop.ledger.models import Entry
from onestop.notify.models import Notification
from tests.benefits.conftest import TODAY
from tests.factories import login

Status = Offer.Status


@pytest.fixture
def offers(citizen: User) -> dict[str, Offer]:
    services.subject_check(holder=citizen, today=TODAY)
    return {o.rule: o for o in Offer.objects.filter(holder=citizen)}


def _state(offer: Offer) -> tuple[Any, ...]:
    offer.refresh_from_db()
    return (offer.status, offer.paid_at, offer.paid_by_id, offer.payment_reference)


def test_a_confirmed_offer_is_paid_by_its_department_and_the_figure_runs_to_payment(
    citizen: User, users: dict[str, User], offers: dict[str, Offer]
) -> None:
    insurance = offers["newborn-insurance"]
    officer = users["officer-yb"]  # medical security: the paying department
    # not yet confirmed: nothing to pay
    with pytest.raises(Conflict) as waiting:
        services.offer_pay(actor=officer, offer_id=insurance.pk, reference="YB-2026-0001")
    assert waiting.value.code == "not_confirmed"
    assert _state(insurance) == (Status.OFFERED, None, None, "")

    services.offer_confirm(actor=citizen, offer_id=insurance.pk)
    # back-date the match so that the figure has days to measure
    Offer.objects.filter(pk=insurance.pk).update(
        eligible_at=timezone.now() - datetime.timedelta(days=4)
    )
    paid = services.offer_pay(actor=officer, offer_id=insurance.pk, reference=" YB-2026-0001 ")
    assert (paid.status, paid.paid_by_id, paid.payment_reference) == (
        Status.PAID,
        officer.pk,
        "YB-2026-0001",
    )
    event = OfferEvent.objects.get(offer=insurance, kind=OfferEvent.Kind.PAID)
    assert (event.actor_id, event.data) == (str(officer.pk), {"reference": "YB-2026-0001"})
    assert event.ledger_index is not None
    assert Entry.objects.filter(kind="benefits.event", index=event.ledger_index).exists()
    assert Notification.objects.filter(recipient=citizen, template="benefits.paid").count() == 1

    # the same payment again: unchanged; another reference: refused
    again = services.offer_pay(actor=officer, offer_id=insurance.pk, reference="YB-2026-0001")
    assert again.paid_at == paid.paid_at
    with pytest.raises(Conflict) as other:
        services.offer_pay(actor=officer, offer_id=insurance.pk, reference="YB-2026-0002")
    assert other.value.code == "already_paid"
    assert OfferEvent.objects.filter(offer=insurance, kind="paid").count() == 1
    # confirming a paid offer changes nothing
    assert services.offer_confirm(actor=citizen, offer_id=insurance.pk).status == Status.PAID

    row = {r.rule: r for r in selectors.benefit_figures(actor=officer)}["newborn-insurance"]
    assert (row.offers, row.taken_up, row.paid) == (1, 1, 1)
    assert row.median_days == 4.0  # eligibility → payment
    assert row.median_days_to_uptake == 4.0  # back-dated: confirmed now as well

    provided = figures.provider("benefits.figures")
    assert provided is not None
    shown = {r.rule: r for r in provided(actor=officer, department="371121-medical-security")}
    assert (shown["newborn-insurance"].paid, shown["newborn-insurance"].median_days) == (1, 4.0)
    assert provided(actor=citizen) is None  # not in their scope (no empty table)


def test_a_grant_without_confirmation_is_paid_too(
    users: dict[str, User], offers: dict[str, Offer]
) -> None:
    reminders = offers["newborn-vaccination"]
    assert reminders.status == Status.GRANTED
    paid = services.offer_pay(actor=users["officer-wj"], offer_id=reminders.pk, reference="WJ-7")
    assert paid.status == Status.PAID


def test_only_an_officer_of_the_paying_department_records_a_payment(
    citizen: User, users: dict[str, User], offers: dict[str, Offer]
) -> None:
    insurance = offers["newborn-insurance"]
    services.offer_confirm(actor=citizen, offer_id=insurance.pk)
    before = _state(insurance)
    # the holder, another department's officer, a supervisor (sees it, may not pay), the node
    with pytest.raises(PermissionDenied):
        services.offer_pay(actor=citizen, offer_id=insurance.pk, reference="X-1")
    with pytest.raises(NotFound):
        services.offer_pay(actor=users["officer-wj"], offer_id=insurance.pk, reference="X-1")
    with pytest.raises(PermissionDenied):
        services.offer_pay(actor=users["supervisor"], offer_id=insurance.pk, reference="X-1")
    for actor in (SYSTEM, None):
        with pytest.raises((NotFound, PermissionDenied)):
            services.offer_pay(actor=actor, offer_id=insurance.pk, reference="X-1")
    # the department's rule runner is an officer only to fetch: it never pays
    runner = services.runner_for(insurance.department)
    assert not policies.can(runner, policies.PAY, insurance)
    with pytest.raises(PermissionDenied):
        services.offer_pay(actor=runner, offer_id=insurance.pk, reference="X-1")
    # bad input and unknown offers
    officer = users["officer-yb"]
    for bad in ("", "   ", "x" * 61):
        with pytest.raises(ValidationFailed):
            services.offer_pay(actor=officer, offer_id=insurance.pk, reference=bad)
    for missing in (999999, "nope"):
        with pytest.raises(NotFound):
            services.offer_pay(actor=officer, offer_id=missing, reference="X-1")
    assert _state(insurance) == before
    assert not OfferEvent.objects.filter(kind="paid").exists()


def test_the_rule_runner_is_never_listed_as_an_officer(offers: dict[str, Offer]) -> None:
    department = offers["newborn-insurance"].department_id
    holders = accounts_selectors.role_holders(
        role=StaffRole.Role.DEPARTMENT_OFFICER, departments=[department]
    )
    names = [role.user.username for role in holders]
    assert names  # the department's people
    assert not [n for n in names if n.startswith(services.RUNNER_PREFIX)]


def test_the_console_button_records_the_payment(
    citizen: User, users: dict[str, User], offers: dict[str, Offer]
) -> None:
    insurance = offers["newborn-insurance"]
    services.offer_confirm(actor=citizen, offer_id=insurance.pk)
    client = login(users["officer-yb"])
    with translation.override("en"):
        page = client.get(reverse("benefits:console"), HTTP_ACCEPT_LANGUAGE="en")
    assert f'id="pay-{insurance.pk}"' in page.content.decode()
    url = reverse("benefits:pay", args=[insurance.pk])
    empty = client.post(url, {"reference": ""}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "Enter the payment&#x27;s reference" in empty.content.decode()
    assert _state(insurance)[0] == Status.CONFIRMED
    done = client.post(url, {"reference": "YB-88"}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert done.status_code == 200
    assert _state(insurance)[0] == Status.PAID
    assert "YB-88" in done.content.decode()
    # another department's officer: not found
    other = login(users["officer-wj"]).post(url, {"reference": "WJ-1"})
    assert other.status_code == 404


def test_the_api_and_the_worker_record_payments(
    citizen: User, users: dict[str, User], offers: dict[str, Offer]
) -> None:
    insurance, reminders = offers["newborn-insurance"], offers["newborn-vaccination"]
    services.offer_confirm(actor=citizen, offer_id=insurance.pk)
    client = login(users["officer-yb"])
    url = f"/api/v1/benefits/offers/{insurance.pk}/payment"
    refused = client.post(url, data=json.dumps({"reference": ""}), content_type="application/json")
    assert refused.status_code == 422
    response = client.post(
        url, data=json.dumps({"reference": "YB-API-1"}), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["payment_reference"]) == (
        "paid",
        "YB-API-1",
    )
    conflict = client.post(
        url, data=json.dumps({"reference": "YB-API-2"}), content_type="application/json"
    )
    assert (conflict.status_code, conflict.json()["code"]) == (409, "already_paid")
    signed_out = login(citizen).post(
        f"/api/v1/benefits/offers/{reminders.pk}/payment",
        data=json.dumps({"reference": "R"}),
        content_type="application/json",
    )
    assert signed_out.status_code == 403

    result = tasks.payment_record.call(reminders.pk, "WJ-BATCH-1", users["officer-wj"].pk)
    assert result == {"offer": reminders.pk, "status": "paid"}
