"""Benefits without applying: the rules decided by the workflow engine from shared data, the
offers they make (once), the holder's confirmation and opt-out, what is recorded."""

from __future__ import annotations

import pytest

from onestop.accounts.models import User
from onestop.benefits import selectors, services
from onestop.benefits.models import Check, Offer, OfferEvent, OptOut
from onestop.core.actors import SYSTEM
from onestop.core.errors import Conflict, NotFound, PermissionDenied
from onestop.ledger.models import Entry
from onestop.notify.models import Notification
from onestop.sharing.models import AccessRecord
from onestop.sharing.selectors import access_record_list_for_subject, subject_index_of
from onestop.workflow import selectors as workflow_selectors
from onestop.workflow import services as workflow_services
from onestop.workflow.models import ProcessInstance
from tests.benefits.conftest import TODAY

Status = Offer.Status


@pytest.mark.parametrize(
    ("key", "data", "eligible"),
    [
        ("benefit_senior", {"age": 60}, True),
        ("benefit_senior", {"age": 59}, False),
        ("benefit_senior", {}, False),  # a missing fact grants nothing
        ("benefit_newborn_insurance", {"birth_registered": True, "child_age_days": 27}, True),
        ("benefit_newborn_insurance", {"birth_registered": True, "child_age_days": 400}, False),
        ("benefit_newborn_insurance", {"birth_registered": False, "child_age_days": 3}, False),
        ("benefit_newborn_vaccination", {"birth_registered": True, "child_age_days": 400}, True),
        ("benefit_enterprise_setup", {"in_business": True, "days_since_establishment": 17}, True),
        ("benefit_enterprise_setup", {"in_business": True, "days_since_establishment": 181}, False),
        ("benefit_enterprise_setup", {"in_business": False, "days_since_establishment": 1}, False),
    ],
)
def test_the_tables_decide_through_the_workflow_engine(cases_world, key, data, eligible):
    instance = workflow_services.instance_start(
        key=key, business_key=f"test:{key}:{sorted(data.items())}", data=data, actor=SYSTEM
    )
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert workflow_selectors.instance_variables(instance=instance)["eligible"] is eligible


def test_a_registered_birth_offers_the_newborn_benefits_to_the_parent(citizen: User):
    offers = services.subject_check(holder=citizen, today=TODAY)

    by_rule = {o.rule: o for o in offers}
    assert set(by_rule) == {"newborn-insurance", "newborn-vaccination"}  # 张伟 is 33
    insurance, reminders = by_rule["newborn-insurance"], by_rule["newborn-vaccination"]
    assert (insurance.status, insurance.department_id) == (
        Status.OFFERED,
        "371121-medical-security",
    )
    assert (reminders.status, reminders.department_id) == (Status.GRANTED, "371121-health")
    assert reminders.granted_at is not None
    # why: the facts used, with their source dataset
    facts = {f["field"]: f for f in insurance.facts}
    assert facts["birth_date"]["value"] == "2026-11-10"
    assert facts["birth_date"]["dataset"] == "birth-medical-certificate"
    # the decision ran through the engine, and the check is kept
    instance = workflow_selectors.instance_get(business_key=insurance.process_key)
    assert instance.definition.key == "benefit_newborn_insurance"
    assert Check.objects.filter(holder=citizen, rule="senior", eligible=False).exists()
    # recorded: match + offer / grant events, each a ledger entry
    kinds = sorted(OfferEvent.objects.filter(holder=citizen).values_list("kind", flat=True))
    assert kinds == ["granted", "matched", "matched", "offered"]
    assert all(e.ledger_index is not None for e in OfferEvent.objects.filter(holder=citizen))
    assert Entry.objects.filter(kind="benefits.event").count() == 4
    # told, in the app, in both languages
    note = Notification.objects.get(recipient=citizen, template="benefits.offered")
    assert "新生儿城乡居民医保参保" in note.texts["zh-hans"]["subject"]
    assert "medical insurance" in note.texts["en"]["subject"]


def test_the_fetches_are_in_the_citizens_data_tracker(citizen: User):
    services.subject_check(holder=citizen, today=TODAY)

    rows = access_record_list_for_subject(actor=citizen).filter(purpose="eligibility-check")
    departments = {(r.actor_department_id, r.dataset, r.result) for r in rows}
    assert ("371121-medical-security", "birth-medical-certificate", "allowed") in departments
    assert ("371121-health", "birth-medical-certificate", "allowed") in departments
    assert ("371121-civil-affairs", "resident-id", "allowed") in departments
    assert all(r.log_index is not None for r in rows)
    assert {r.case_ref for r in rows} >= {"benefit-newborn-insurance", "benefit-senior"}


def test_a_rule_run_twice_makes_one_offer(citizen: User):
    first = services.subject_check(holder=citizen, today=TODAY)
    instances = ProcessInstance.objects.count()
    events = OfferEvent.objects.count()
    notes = Notification.objects.filter(recipient=citizen).count()

    second = services.subject_check(holder=citizen, today=TODAY)

    assert sorted(o.pk for o in first) == sorted(o.pk for o in second)
    assert Offer.objects.filter(holder=citizen).count() == 2
    assert OfferEvent.objects.count() == events
    assert ProcessInstance.objects.count() == instances  # the same facts are decided once
    assert Notification.objects.filter(recipient=citizen).count() == notes


def test_a_senior_gets_the_allowance_at_60_and_not_before(senior):
    old = senior(born="1960-05-01")
    young = senior(born="1967-01-02", username="xiaowang", seq="053")

    [offer] = services.subject_check(holder=old, today=TODAY)
    assert (offer.rule, offer.status) == ("senior", Status.OFFERED)
    assert offer.department_id == "371121-civil-affairs"
    assert [(f["value"], f["dataset"]) for f in offer.facts] == [
        ("1960-05-01", "resident-id"),
        (66, "resident-id"),  # the age on the day of the check
    ]
    assert services.subject_check(holder=young, today=TODAY) == []


def test_a_rule_whose_decision_is_not_loaded_offers_and_fetches_nothing(senior):
    from onestop.workflow.models import ProcessDefinition

    old = senior(born="1960-05-01")
    ProcessDefinition.objects.filter(key="benefit_senior").delete()

    assert services.subject_check(holder=old, today=TODAY) == []
    assert not Offer.objects.filter(holder=old).exists()
    assert not AccessRecord.objects.filter(
        purpose="eligibility-check", case_ref="benefit-senior"
    ).exists()


def test_a_new_enterprise_gets_its_set_up_offered(new_firm):
    firm = new_firm(founded="2026-11-20")
    [offer] = services.subject_check(holder=firm, today=TODAY)
    assert (offer.rule, offer.department_id) == ("enterprise-setup", "371121-tax")


def test_an_old_enterprise_gets_nothing(business: User):
    assert services.subject_check(holder=business, today=TODAY) == []  # founded 2019


def test_the_holder_confirms_with_one_click_once(citizen: User):
    services.subject_check(holder=citizen, today=TODAY)
    offer = Offer.objects.get(holder=citizen, rule="newborn-insurance")

    confirmed = services.offer_confirm(actor=citizen, offer_id=offer.pk)
    again = services.offer_confirm(actor=citizen, offer_id=offer.pk)

    assert confirmed.status == again.status == Status.CONFIRMED
    assert OfferEvent.objects.filter(offer=offer, kind="confirmed").count() == 1
    assert (
        Notification.objects.filter(recipient=citizen, template="benefits.confirmed").count() == 1
    )


def test_only_the_holder_confirms(citizen: User, users: dict[str, User], senior):
    services.subject_check(holder=citizen, today=TODAY)
    offer = Offer.objects.get(holder=citizen, rule="newborn-insurance")
    stranger = senior()
    officer = users["officer-yb"]  # medical-security: the granting department

    for actor in (stranger, officer, users["admin"], SYSTEM, None):
        with pytest.raises(PermissionDenied):
            services.offer_confirm(actor=actor, offer_id=offer.pk)
    offer.refresh_from_db()
    assert offer.status == Status.OFFERED
    with pytest.raises(NotFound):
        services.offer_confirm(actor=citizen, offer_id=999999)


def test_who_sees_an_offer(citizen: User, users: dict[str, User], senior):
    services.subject_check(holder=citizen, today=TODAY)
    offer = Offer.objects.get(holder=citizen, rule="newborn-insurance")

    assert selectors.offer_get(actor=citizen, offer_id=offer.pk).offer == offer
    assert selectors.offer_get(actor=users["officer-yb"], offer_id=offer.pk).offer == offer
    for actor in (senior(), users["officer-wj"], users["officer-sw"], users["clerk"]):
        with pytest.raises(NotFound):
            selectors.offer_get(actor=actor, offer_id=offer.pk)
    # the console: each department its own offers
    assert [v.offer.rule for v in selectors.department_offers(actor=users["officer-yb"])] == [
        "newborn-insurance"
    ]
    assert [v.offer.rule for v in selectors.department_offers(actor=users["officer-wj"])] == [
        "newborn-vaccination"
    ]
    assert selectors.department_offers(actor=users["officer-ps"]) == []
    assert selectors.department_offers(actor=citizen) == []


def test_an_opt_out_is_honoured(citizen: User):
    services.subject_check(holder=citizen, today=TODAY)
    services.opt_out(actor=citizen, rule_key="newborn-insurance")
    services.opt_out(actor=citizen, rule_key="newborn-insurance")  # idempotent
    offer = Offer.objects.get(holder=citizen, rule="newborn-insurance")
    # Opting out is for the future: the offer already made still waits for an answer.
    assert offer.status == Status.OFFERED
    assert OptOut.objects.filter(holder=citizen).count() == 1

    index = subject_index_of(citizen)
    fetches = AccessRecord.objects.filter(
        subject_index=index, actor_department_id="371121-medical-security"
    ).count()
    Check.objects.all().delete()
    services.subject_check(holder=citizen, today=TODAY)
    # nothing read for the opted-out rule, nothing offered
    assert (
        AccessRecord.objects.filter(
            subject_index=index, actor_department_id="371121-medical-security"
        ).count()
        == fetches
    )
    assert Offer.objects.count() == 2  # nothing new offered
    assert list(OfferEvent.objects.filter(kind="opted_out").values_list("rule", flat=True)) == [
        "newborn-insurance"
    ]
    # The waiting offer is still the holder's to confirm or decline; declined, it is closed.
    services.offer_decline(actor=citizen, offer_id=offer.pk)
    services.offer_decline(actor=citizen, offer_id=offer.pk)  # again: nothing changes
    assert Offer.objects.get(pk=offer.pk).status == Status.DECLINED
    assert OfferEvent.objects.filter(kind="declined", offer=offer).count() == 1
    with pytest.raises(Conflict):
        services.offer_confirm(actor=citizen, offer_id=offer.pk)

    assert services.opt_in(actor=citizen, rule_key="newborn-insurance") is True
    assert Offer.objects.get(pk=offer.pk).status == Status.OFFERED


def test_a_waiting_offer_is_confirmed_after_opting_out(citizen: User, users: dict[str, User]):
    services.subject_check(holder=citizen, today=TODAY)
    offer = Offer.objects.get(holder=citizen, rule="newborn-insurance")
    services.opt_out(actor=citizen, rule_key="newborn-insurance")
    # Nobody else declines it for them.
    for actor in (users["officer-yb"], users["business"]):
        with pytest.raises(PermissionDenied):
            services.offer_decline(actor=actor, offer_id=offer.pk)
    assert services.offer_confirm(actor=citizen, offer_id=offer.pk).status == Status.CONFIRMED
    with pytest.raises(Conflict):  # a confirmed offer is not declined
        services.offer_decline(actor=citizen, offer_id=offer.pk)
    assert Offer.objects.get(pk=offer.pk).status == Status.CONFIRMED


def test_opting_out_is_for_oneself_only(citizen: User, users: dict[str, User]):
    for actor in (users["officer-yb"], SYSTEM, None):
        with pytest.raises(PermissionDenied):
            services.opt_out(actor=actor, rule_key="senior")
    with pytest.raises(PermissionDenied):
        services.opt_out(actor=citizen, rule_key="enterprise-setup")  # not a business
    from onestop.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        services.opt_out(actor=citizen, rule_key="nonsense")
    assert not OptOut.objects.exists()


def test_the_figures(citizen: User, users: dict[str, User]):
    services.subject_check(holder=citizen, today=TODAY)
    offer = Offer.objects.get(holder=citizen, rule="newborn-insurance")
    services.offer_confirm(actor=citizen, offer_id=offer.pk)

    rows = {r.rule: r for r in selectors.benefit_figures(actor=users["officer-yb"])}
    assert (rows["newborn-insurance"].offers, rows["newborn-insurance"].taken_up) == (1, 1)
    assert rows["newborn-insurance"].uptake == 1.0
    assert rows["newborn-insurance"].median_days_to_uptake is not None
    # eligibility → payment: nothing paid yet
    assert (rows["newborn-insurance"].paid, rows["newborn-insurance"].median_days) == (0, None)
    assert rows["newborn-vaccination"].offers == 0  # another department's
    every = {r.rule: r for r in selectors.benefit_figures(actor=users["supervisor"])}
    assert every["newborn-vaccination"].taken_up == 1
    # not in their scope (no console): None, not an empty list that would read "no offers"
    assert selectors.benefit_figures(actor=citizen) is None
    assert selectors.benefit_figures(actor=users["officer-ps"]) is None


def test_the_schedule_checks_each_person_once_per_period(citizen: User, business: User):
    checked = services.checks_due(limit=10)
    assert checked >= 2
    assert Offer.objects.filter(holder=citizen).count() == 2
    assert services.checks_due(limit=10) == 0  # nothing due again before BENEFITS_RECHECK_DAYS


def test_the_schedule_reads_people_a_page_at_a_time(
    citizen: User, business: User, monkeypatch: pytest.MonkeyPatch
):
    from onestop.accounts import selectors as accounts_selectors

    pages: list[int] = []
    read = accounts_selectors.data_subjects

    def paged(**kw):
        found = read(**kw)
        pages.append(len(found))
        return found

    monkeypatch.setattr(services, "CHECKS_PAGE", 1)
    monkeypatch.setattr(services.accounts_selectors, "data_subjects", paged)
    assert services.checks_due(limit=2) == 2
    assert max(pages) == 1  # never more than a page of people in memory
    assert Check.objects.filter(holder__in=[citizen, business]).exists()


def test_the_tick_command(citizen: User):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("benefits_tick", "--limit", "1", stdout=out)
    assert out.getvalue().strip() == "checked: 1"


def test_the_figures_appear_on_the_steering_dashboard(citizen: User, users: dict[str, User]):
    """Offers, uptake and the days from eligibility to the benefit reach the insights
    dashboard through `core.figures` (benefits and insights share a floor), scoped by the
    benefits policy, narrowed by the department filter, in the page, the CSV and the workbook."""
    import datetime
    import io as _io

    from django.utils import timezone
    from openpyxl import load_workbook

    from onestop.insights.selectors import dashboard
    from tests.factories import login

    services.subject_check(holder=citizen, today=TODAY)
    offer = Offer.objects.get(holder=citizen, rule="newborn-insurance")
    services.offer_confirm(actor=citizen, offer_id=offer.pk)
    eligible = timezone.localtime(offer.eligible_at).date()
    params = {"from": f"{eligible:%Y-%m-%d}", "to": f"{eligible:%Y-%m-%d}"}

    steering = dashboard.steering(
        actor=users["supervisor"], region="371121", filters=dashboard.parse_filters(params)
    )
    rows = {r.rule: r for r in steering.benefits or []}
    assert (rows["newborn-insurance"].offers, rows["newborn-insurance"].taken_up) == (1, 1)
    assert rows["newborn-insurance"].uptake == 1
    # confirmed, not yet paid: days to the uptake, none to a payment
    assert rows["newborn-insurance"].median_days_to_uptake is not None
    assert (rows["newborn-insurance"].paid, rows["newborn-insurance"].median_days) == (0, None)
    assert rows["newborn-vaccination"].offers == 1
    other = dashboard.steering(
        actor=users["supervisor"],
        region="371121",
        filters=dashboard.parse_filters({**params, "department": offer.department_id}),
    )
    assert {r.rule: r.offers for r in other.benefits or []}["newborn-vaccination"] == 0
    # Another period: no offer.
    before = eligible - datetime.timedelta(days=30)
    earlier = dashboard.steering(
        actor=users["supervisor"],
        region="371121",
        filters=dashboard.parse_filters({"from": f"{before:%Y-%m-%d}", "to": f"{before:%Y-%m-%d}"}),
    )
    assert sum(r.offers for r in earlier.benefits or []) == 0

    client = login(users["supervisor"])
    page = client.get("/insights/", params)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="insights-benefits-caption"' in body
    assert rows["newborn-insurance"].name in body
    csv_text = client.get("/insights/export.csv", params).content.decode("utf-8-sig")
    assert "Benefits without applying: offers, uptake, payments and days to the payment" in csv_text
    book = load_workbook(_io.BytesIO(client.get("/insights/export.xlsx", params).content))
    sheet = book["benefits"]
    assert sheet["A2"].value == "Benefit"
    assert any(row[1] == 1 and row[2] == 1 for row in sheet.iter_rows(min_row=3, values_only=True))
