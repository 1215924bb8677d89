"""好差评 in the browser: the demo citizen's newborn bundle is finished by the departments; the
citizen rates it "very dissatisfied" in my space with the reasons; the lead department's
officer opens the rectification in the reviews console (the reviewer's name shown), records
the call-back and sends the result; the citizen reads it and accepts it. axe checks every
screen."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from onestop.accounts.models import StaffRole, User
from onestop.cases import services
from onestop.cases.models import Case
from onestop.catalog.models import Scenario
from onestop.reviews.models import Rectification, Review
from tests.cases.conftest import newborn_draft_for, walk
from tests.factories import sign_in


def _finished_bundle() -> Case:
    citizen = User.objects.get(username="citizen")
    newborn = Scenario.objects.get(region_id="371121", slug="newborn")
    draft = newborn_draft_for(citizen, newborn)
    top = services.case_submit(actor=citizen, case=draft, idempotency_key="e2e-reviews")
    for child in top.children.exclude(status=Case.Status.COMPLETED).select_related("department"):
        role = StaffRole.objects.filter(
            role=StaffRole.Role.DEPARTMENT_OFFICER, department_id=child.department_id
        ).first()
        walk(child, role.user)
    top.refresh_from_db()
    assert top.status == Case.Status.COMPLETED
    return top


def _tick(page: Any, selector: str) -> None:
    field = page.locator(selector)
    page.locator(f"label[for='{field.get_attribute('id')}']").click()
    expect(field).to_be_checked()


def _send(page: Any, form: str) -> None:
    with page.expect_navigation():
        page.locator(f"{form} button[type=submit]").click()


def _rate_badly(page: Any, base: str, top: Case, axe_journey: Any) -> None:
    """The citizen finds the finished application in my space and rates it badly (first
    without a reason: refused, with the error summary)."""
    sign_in(page, base, "citizen")
    page.goto(base + "/me/reviews/")
    row = page.locator("#my-reviews tr", has_text=top.number)
    expect(row).to_have_count(1)
    axe_journey.check(page, "reviews-my-space")
    row.locator("a").click()
    page.wait_for_url("**/me/reviews/*/")
    _tick(page, "#rate-form input[name=level][value='1']")
    _send(page, "#rate-form")
    expect(page.locator("[data-error-summary]")).to_be_visible()
    axe_journey.check(page)
    assert not Review.objects.exists()
    _tick(page, "#rate-form input[name=level][value='1']")
    _tick(page, "#rate-form input[name=indicators][value='attitude']")
    _tick(page, "#rate-form input[name=indicators][value='waited_long']")
    page.locator("#rate-form textarea[name=text]").fill("窗口排队两小时，态度冷淡。")
    _send(page, "#rate-form")
    expect(page.locator("#rectification-status")).to_be_visible()
    axe_journey.check(page, "reviews-rated")


def test_a_bad_rating_is_rectified_and_accepted(
    cases_live_server: Any, page: Any, axe_journey: Any
) -> None:
    base = cases_live_server.url
    top = _finished_bundle()
    officer = (
        StaffRole.objects.filter(
            role=StaffRole.Role.DEPARTMENT_OFFICER, department_id=top.department_id
        )
        .select_related("user")
        .first()
        .user
    )

    _rate_badly(page, base, top, axe_journey)
    rectification = Rectification.objects.get()
    assert rectification.status == Rectification.Status.OPEN

    # The department's officer calls back and sends the result.
    sign_in(page, base, officer.username)
    page.goto(base + "/reviews/console/")
    link = page.locator("#rectifications a", has_text=top.number)
    expect(link).to_have_count(1)
    axe_journey.check(page, "reviews-console")
    link.click()
    page.wait_for_url("**/reviews/console/*/")
    expect(page.locator("#reviewer-name")).to_contain_text("张伟")
    axe_journey.check(page, "reviews-rectification")
    _tick(page, "#action-call_back")
    page.locator("#note").fill("已电话回访，向申请人致歉。")
    _send(page, "#rectification-form")
    _tick(page, "#action-send_result")
    page.locator("#note").fill("已增设一个综合窗口，高峰时段增派人员。")
    _send(page, "#rectification-form")
    rectification.refresh_from_db()
    assert rectification.status == Rectification.Status.RESULT_SENT
    axe_journey.check(page)

    # The citizen reads the result and accepts it.
    sign_in(page, base, "citizen")
    page.goto(base + "/me/reviews/")
    page.locator("#my-reviews a").first.click()
    expect(page.locator("#rectification-result")).to_contain_text("综合窗口")
    axe_journey.check(page)
    _tick(page, "#answer-form input[name=accept][value=yes]")
    _send(page, "#answer-form")
    rectification.refresh_from_db()
    assert rectification.status == Rectification.Status.ACCEPTED
    assert rectification.on_time is True
    axe_journey.check(page)
    axe_journey.assert_clean()
