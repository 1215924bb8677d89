"""My space: the applicant's applications, one application's items, due dates, results,
papers, timeline and notifications; nobody else's (404, not 403); links on the account page."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone

from onestop.accounts.models import User
from onestop.cases.models import Case, CaseEvent
from onestop.catalog.models import Item, Scenario
from onestop.notify import services as notify_services

from .factories_space import bundle_case, item_case, seed_world

D = datetime.date


@pytest.fixture
def world(db: None) -> dict[str, User]:
    return seed_world()


@pytest.fixture
def citizen(client: Any, english: None, world: dict[str, User]) -> User:
    client.force_login(world["citizen"])
    return world["citizen"]


@pytest.fixture
def newborn(world: dict[str, User]) -> Scenario:
    return Scenario.objects.get(region_id="371121", slug="newborn")


def _bundle(newborn: Scenario, applicant: User, **fields: Any) -> Case:
    return bundle_case(
        scenario=newborn,
        accepted=timezone.localdate() - datetime.timedelta(days=1),
        applicant=applicant,
        **fields,
    )


def _draft(applicant: User, scenario: Scenario) -> Case:
    case = Case(
        kind=Case.Kind.BUNDLE,
        scenario=scenario,
        region_id=scenario.region_id,
        channel=Case.Channel.ONLINE,
        applicant=applicant,
    )
    case.full_clean()
    case.save()
    return case


def _without_tokens(body: bytes) -> str:
    """A page without its per-request CSRF tokens and the language form's return path."""
    return re.sub(r'name="(csrfmiddlewaretoken|next)" value="[^"]*"', "", body.decode())


def test_login_required(client: Any, world: dict[str, User]) -> None:
    response = client.get("/me/cases/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_list_shows_drafts_and_submitted_applications(
    client: Any, citizen: User, newborn: Scenario, world: dict[str, User]
) -> None:
    draft = _draft(citizen, newborn)
    top = _bundle(newborn, citizen)
    _bundle(newborn, world["business"])  # someone else's
    page = client.get("/me/cases/")
    assert page.status_code == 200
    text = page.content.decode()
    assert top.number in text
    assert f"/me/cases/{top.number}/" in text
    assert "Drafts" in text
    # The draft continues where the portal keeps it (when the portal is wired).
    from django.urls import NoReverseMatch, reverse

    try:
        continue_url = reverse("cases:apply", kwargs={"case_id": draft.pk})
    except NoReverseMatch:
        continue_url = ""
    if continue_url:
        assert continue_url in text
    other_numbers = Case.objects.filter(applicant=world["business"]).values_list(
        "number", flat=True
    )
    for number in other_numbers:
        assert number not in text


def test_empty_list(client: Any, citizen: User) -> None:
    text = client.get("/me/cases/").content.decode()
    assert "You have not submitted any application yet." in text


def test_detail_items_due_dates_and_timeline(client: Any, citizen: User, newborn: Scenario) -> None:
    top = _bundle(newborn, citizen)
    children = list(top.children.order_by("number"))
    page = client.get(f"/me/cases/{top.number}/")
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    text = page.content.decode()
    assert top.number in text
    for child in children:
        assert child.number in text
        assert child.due_date.isoformat() in text
    assert "Accepted" in text
    # Timeline: the bundle's and the item cases' events.
    assert (
        text.count("usa-process-list__item")
        == CaseEvent.objects.filter(case__in=[top, *children]).count()
    )


def test_an_item_case_number_leads_to_its_application(
    client: Any, citizen: User, newborn: Scenario
) -> None:
    top = _bundle(newborn, citizen)
    child = top.children.first()
    page = client.get(f"/me/cases/{child.number}/")
    assert page.status_code == 200
    assert top.number in page.content.decode()


@pytest.mark.parametrize(
    "number", ["371121-20991231-99999", "nonsense", "x" * 40, "../../etc/passwd"]
)
def test_forged_number_is_404(client: Any, citizen: User, number: str) -> None:
    assert client.get(f"/me/cases/{number}/").status_code == 404


def test_someone_elses_case_is_404_like_an_unknown_one(
    client: Any, citizen: User, newborn: Scenario, world: dict[str, User]
) -> None:
    theirs = _bundle(newborn, world["business"])
    mine_unknown = client.get("/me/cases/371121-20991231-99999/")
    foreign = client.get(f"/me/cases/{theirs.number}/")
    assert foreign.status_code == 404
    assert _without_tokens(foreign.content) == _without_tokens(mine_unknown.content)
    assert client.get(f"/me/cases/{theirs.number}/receipt.pdf").status_code == 404
    assert client.get(f"/me/cases/{theirs.pk}/").status_code == 404


def test_staff_do_not_see_citizens_cases_in_my_space(
    client: Any, english: None, newborn: Scenario, world: dict[str, User]
) -> None:
    top = _bundle(newborn, world["citizen"])
    client.force_login(world["clerk"])
    assert client.get(f"/me/cases/{top.number}/").status_code == 404
    assert top.number not in client.get("/me/cases/").content.decode()


def test_results_licence_link_and_paper_to_collect(
    client: Any, citizen: User, newborn: Scenario, world: dict[str, User]
) -> None:
    from onestop.credentials.services import credential_issue

    top = _bundle(newborn, citizen)
    licence_case, paper_case, collected = list(top.children.order_by("number"))[:3]
    credential = credential_issue(
        actor=world["officer-ps"],
        licence_type="resident-id",
        holder=citizen,
        subject={"name": "张伟", "birthDate": "1993-03-15"},
        valid_from=timezone.now() - datetime.timedelta(days=1),
    )
    Case.objects.filter(pk=licence_case.pk).update(
        status=Case.Status.COMPLETED, result_kind=Case.ResultKind.LICENCE, credential=credential
    )
    Case.objects.filter(pk=paper_case.pk).update(
        status=Case.Status.COMPLETED, result_kind=Case.ResultKind.PAPER
    )
    Case.objects.filter(pk=collected.pk).update(
        status=Case.Status.COMPLETED,
        result_kind=Case.ResultKind.PAPER,
        result_collected_at=timezone.now(),
    )
    text = client.get(f"/me/cases/{top.number}/").content.decode()
    assert f"/wallet/{credential.pk}/" in text
    assert "E-licence in your wallet" in text
    assert "Paper result: collect it at the service centre window" in text  # none to name
    assert "Paper result collected on" in text


def test_rejected_item_shows_the_reason(client: Any, citizen: User, newborn: Scenario) -> None:
    top = _bundle(newborn, citizen)
    child = top.children.first()
    Case.objects.filter(pk=child.pk).update(
        status=Case.Status.REJECTED, decision="reject", decision_reason="出生医学证明信息不符"
    )
    text = client.get(f"/me/cases/{top.number}/").content.decode()
    assert "出生医学证明信息不符" in text


def test_overdue_and_remaining_days(client: Any, citizen: User, world: dict[str, User]) -> None:
    item = Item.objects.filter(region_id="371121", promised_days__gte=3).first()
    assert item is not None
    old = item_case(
        item=item, accepted=timezone.localdate() - datetime.timedelta(days=60), applicant=citizen
    )
    text = client.get(f"/me/cases/{old.number}/").content.decode()
    assert "Overdue" in text
    fresh = item_case(item=item, accepted=timezone.localdate(), applicant=citizen)
    text = client.get(f"/me/cases/{fresh.number}/").content.decode()
    assert "working days left" in text


def test_receipt_pdf(client: Any, citizen: User, newborn: Scenario) -> None:
    top = _bundle(newborn, citizen)
    text = client.get(f"/me/cases/{top.number}/").content.decode()
    assert f"/me/cases/{top.number}/receipt.pdf" in text
    response = client.get(f"/me/cases/{top.number}/receipt.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    # No notice was issued for this case.
    assert client.get(f"/me/cases/{top.number}/notice.pdf").status_code == 404


def test_notifications_about_the_case(client: Any, citizen: User, newborn: Scenario) -> None:
    top = _bundle(newborn, citizen)
    other = _bundle(newborn, citizen)
    notify_services.notification_send(
        template="case.submitted",
        context={"item": newborn.name_zh, "number": top.number},
        recipient_user=citizen,
        channels=("in_app",),
    )
    notify_services.notification_send(
        template="case.submitted",
        context={"item": newborn.name_zh, "number": other.number},
        recipient_user=citizen,
        channels=("in_app",),
    )
    text = client.get(f"/me/cases/{top.number}/").content.decode()
    assert f"its number is {top.number}" in text or top.number in text
    section = text.split('id="notifications-title"', 1)[1]
    assert top.number in section
    assert other.number not in section


def test_account_page_links_for_a_citizen(client: Any, citizen: User) -> None:
    text = client.get("/accounts/me/").content.decode()
    assert 'href="/me/cases/"' in text
    assert "My applications" in text
    assert "Window console" not in text
    assert "Department queue" not in text


STAFF_LINKS = [
    ("clerk", "Window console", "cases:window"),
    ("officer-ps", "Department queue", "cases:office"),
    ("supervisor", "Supervisor", "cases:supervisor"),
]


@pytest.mark.parametrize("row", STAFF_LINKS, ids=[r[0] for r in STAFF_LINKS])
def test_account_page_links_for_staff(
    client: Any, english: None, world: dict[str, User], row: tuple[str, str, str]
) -> None:
    from django.urls import reverse

    username, label, name = row
    client.force_login(world[username])
    text = client.get("/accounts/me/").content.decode()
    url = reverse(name)
    assert f'href="{url}"' in text
    assert label in text
