"""Delivery follows the applicant's choice per item (the form's "How to receive the result":
e-licence to the wallet, post with a tracking number, or collection at a named window), and the
timeline says what the result panel says; every decision, e-licence, supplement request and
delivery tells the applicant once, in the language of their account."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from onestop.accounts import services as accounts_services
from onestop.accounts.models import User
from onestop.cases import services
from onestop.cases.models import Case, CaseEvent
from onestop.catalog.models import Scenario
from onestop.notify.models import Notification
from tests.cases.conftest import NEWBORN_ANSWERS, fill_values

AUTO = "37112100YB-GG-0004"  # decided by rules at submission, no e-licence
BIRTH = "37112100WJ-GG-0002"  # birth medical certificate: an e-licence
TAX = "37112100SW-QT-0005"
HR = "37112100RS-GG-0005"
POST, WINDOW, WALLET = "邮政寄递", "窗口领取", "电子证照（免费）"


def _submit(citizen: User, newborn: Scenario, delivery: str, key: str) -> Case:
    case = services.draft_start(actor=citizen, scenario=newborn, allow_duplicate=True)
    case = services.draft_save(actor=citizen, case=case, variant_answers=NEWBORN_ANSWERS)
    case = services.prefill_apply(actor=citizen, case=case)
    case = services.draft_save(
        actor=citizen, case=case, form_data={**fill_values(case), "delivery_method": delivery}
    )
    return services.case_submit(actor=citizen, case=case, idempotency_key=key)


def _child(top: Case, code: str) -> Case:
    return top.children.get(item__code=code)


def _delivered(case: Case) -> CaseEvent:
    return case.events.get(kind=CaseEvent.Kind.DELIVERED)


def _page(client: Any, user: User, top: Case) -> str:
    client.force_login(user)
    return client.get(f"/me/cases/{top.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_post_is_posted_with_a_tracking_number(
    client: Any, citizen: User, clerk: User, newborn: Scenario
) -> None:
    top = _submit(citizen, newborn, POST, "post-1")
    auto = _child(top, AUTO)
    assert auto.status == Case.Status.COMPLETED
    assert auto.delivery == Case.Delivery.POST
    with translation.override("en"):
        assert _delivered(auto).label == "Result decided: it will be sent by post"
    html = _page(client, citizen, top)
    assert "To be sent by post: you will be told the tracking number" in html
    assert "collect it at" not in html  # the panel and the timeline agree

    services.window_result_post(actor=clerk, case=auto, tracking_number="SF1234567890")
    auto.refresh_from_db()
    assert auto.tracking_number == "SF1234567890"
    posted = Notification.objects.filter(recipient=citizen, template="case.posted")
    assert posted.count() == 1
    assert "SF1234567890" in posted.get().body
    html = _page(client, citizen, top)
    assert "Sent by post, tracking number SF1234567890" in html
    assert "Result sent by post, tracking number SF1234567890" in html  # the timeline


def test_window_names_the_window_and_e_licence_goes_to_the_wallet(
    client: Any, citizen: User, newborn: Scenario, officers: dict[str, User], decide: Any
) -> None:
    top = _submit(citizen, newborn, WINDOW, "window-1")
    auto = _child(top, AUTO)
    assert auto.delivery == Case.Delivery.WINDOW
    assert auto.delivery_window is not None
    with translation.override("en"):
        label = _delivered(auto).label
    assert label.startswith(
        f"Result ready for collection at window {auto.delivery_window.number}, "
    )
    html = _page(client, citizen, top)
    assert f"Paper result: collect it at window {auto.delivery_window.number}, " in html

    wallet = _submit(citizen, newborn, WALLET, "wallet-1")
    birth = decide(_child(wallet, BIRTH), officers["health"])
    assert birth.delivery == Case.Delivery.WALLET
    assert birth.credential is not None
    # An e-licence choice for an item without an e-licence: its paper result at a window.
    assert _child(wallet, AUTO).delivery == Case.Delivery.WINDOW


@pytest.mark.parametrize("language", ["en", ""])
def test_each_decision_issue_supplement_and_delivery_tells_the_applicant_once(
    citizen: User, newborn: Scenario, officers: dict[str, User], decide: Any, language: str
) -> None:
    expected = language or "zh-hans"  # no choice: the node's default
    accounts_services.user_language_set(actor=citizen, language=language)
    top = _submit(citizen, newborn, WINDOW, f"notify-{language}")

    def told(template: str, case: Case | None = None) -> list[Notification]:
        found = Notification.objects.filter(recipient=citizen, template=template)
        if case is not None:
            found = found.filter(dedupe_key__startswith=f"{template}:{case.pk}")
        return list(found)

    assert len(told("case.decided", _child(top, AUTO))) == 1  # decided by rules

    birth = decide(_child(top, BIRTH), officers["health"])  # approve, e-licence
    assert len(told("case.decided", birth)) == 1
    issued = told("credential.issued", birth.credential)
    assert len(issued) == 1

    tax = decide(_child(top, TAX), officers["tax"], decision="reject", reason="Not insured here.")
    rejected = told("case.decided", tax)
    assert len(rejected) == 1

    hr = _child(top, HR)
    from onestop.cases import selectors

    services.supplement_request(
        actor=officers["human-resources-social-security"],
        case=hr,
        reason="The photo is missing.",
        materials=["photo"],
        expected_version=selectors.case_task_view(case=hr)["version"],
    )
    assert len(told("case.supplement_requested")) == 1
    assert told("case.delivered") == []  # not every item is final yet

    for notification in [*told("case.decided"), *issued, *told("case.supplement_requested")]:
        assert notification.language == expected
    if expected == "en":
        assert rejected[0].subject == "A decision on your application"
        assert "not approved (Not insured here.)" in rejected[0].body
        assert issued[0].subject == "An e-licence has been issued to you"
    else:
        assert rejected[0].subject == "办件已作出决定"
        assert issued[0].subject == "电子证照已发放"


def test_delivery_of_a_completed_bundle_is_told_once(
    citizen: User, newborn: Scenario, officers: dict[str, User], decide: Any
) -> None:
    accounts_services.user_language_set(actor=citizen, language="en")
    top = _submit(citizen, newborn, WINDOW, "delivered-1")
    for child in top.children.exclude(status=Case.Status.COMPLETED).select_related("item"):
        decide(child, officers[child.department.kind_id])
    top.refresh_from_db()
    assert top.status == Case.Status.COMPLETED
    delivered = Notification.objects.filter(recipient=citizen, template="case.delivered")
    assert delivered.count() == 1
    assert delivered.get().language == "en"
    assert "e-licences in your wallet" in delivered.get().body
    assert "paper results to collect at window " in delivered.get().body
