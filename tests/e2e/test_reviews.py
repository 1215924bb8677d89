"""好差评 in the browser, in Chinese and in English; axe checks every screen.

- The demo citizen's newborn bundle is finished by the departments; the citizen rates it "very
  dissatisfied" in my space with the reasons; the lead department's officer filters the
  reviews console, opens the rectification (the reviewer's name shown), records the call-back
  and sends the result; the citizen reads it and accepts it; the item's page shows the figures
  after the daily refresh.
- In English (the citizen on a phone): the department appeals a bad review as mistaken; the
  supervisor voids it with a reason (first refused without one); the citizen reads why.
- 一次一评: the clerk pairs the window's tablet (signed out on it); the rating screen shows the
  visit just accepted at the window, takes one rating, thanks and waits for the next visit.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from onestop.accounts.models import StaffRole, User
from onestop.cases import services
from onestop.cases.models import Case
from onestop.catalog.models import Scenario
from onestop.reviews import services as reviews
from onestop.reviews.models import EventKind, Rectification, Review
from tests.cases.conftest import newborn_draft_for, walk
from tests.factories import sign_in
from tests.reviews.conftest import visit_at_window


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


def _officer(top: Case) -> User:
    """An officer of the bundle's lead department (who handles its rectification)."""
    role = StaffRole.objects.filter(
        role=StaffRole.Role.DEPARTMENT_OFFICER, department_id=top.department_id
    ).select_related("user")
    return role.first().user


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
    officer = _officer(top)

    _rate_badly(page, base, top, axe_journey)
    rectification = Rectification.objects.get()
    assert rectification.status == Rectification.Status.OPEN

    # The department's officer calls back and sends the result.
    sign_in(page, base, officer.username)
    page.goto(base + "/reviews/console/")
    link = page.locator("#rectifications a", has_text=top.number)
    expect(link).to_have_count(1)
    axe_journey.check(page, "reviews-console")
    # The department narrows its console to the bad reviews still running.
    page.locator("#id_level").select_option("bad")
    _send(page, "#console-filters")
    expect(page.locator("#rectifications-count")).to_contain_text("1")
    axe_journey.check(page)
    link = page.locator("#rectifications a", has_text=top.number)
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

    # The next daily refresh puts the department's figures on its page.
    reviews.stats_refresh()
    page.goto(base + f"/departments/{top.department_id}/")
    expect(page.locator("#service-ratings-figures")).to_contain_text("100%")
    axe_journey.check(page)
    _rating_screen(page, base, axe_journey, "zh-hans")
    axe_journey.assert_clean()


def test_a_supervisor_voids_an_appealed_review_in_english(
    cases_live_server: Any, browser: Any, axe_journey: Any
) -> None:
    base = cases_live_server.url
    top = _finished_bundle()
    officer = _officer(top)
    phone_context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})
    phone = phone_context.new_page()
    _rate_badly(phone, base, top, axe_journey)
    rectification = Rectification.objects.get()

    desk_context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = desk_context.new_page()
    # The department appeals: the citizen confused it with another centre.
    sign_in(page, base, officer.username)
    page.goto(base + f"/reviews/console/{rectification.pk}/")
    expect(page.locator("h1")).to_contain_text("Rectification")
    _tick(page, "#action-appeal")
    page.locator("#note").fill("The applicant rated another centre's window by mistake.")
    _send(page, "#rectification-form")
    rectification.refresh_from_db()
    assert rectification.status == Rectification.Status.APPEALED
    axe_journey.check(page)

    # The supervisor decides: a void without a reason is refused, then voided with one.
    sign_in(page, base, "supervisor")
    page.goto(base + "/reviews/console/")
    appeal = page.locator("#appeals a", has_text=top.number)
    expect(appeal).to_have_count(1)
    axe_journey.check(page)
    appeal.click()
    page.wait_for_url("**/reviews/console/*/")
    _tick(page, "#action-void")
    _send(page, "#rectification-form")
    expect(page.locator("[data-error-summary]")).to_be_visible()
    axe_journey.check(page)
    rectification.refresh_from_db()
    assert rectification.status == Rectification.Status.APPEALED
    _tick(page, "#action-void")
    page.locator("#note").fill("The call recording shows the visit was at another centre.")
    _send(page, "#rectification-form")
    rectification.refresh_from_db()
    assert rectification.status == Rectification.Status.VOIDED
    assert rectification.review.voided is True
    assert rectification.appeal_decision_reason.startswith("The call recording")
    expect(page.locator("#rectification-status")).to_contain_text("voided")
    axe_journey.check(page)

    # The citizen reads the decision and its reason on the phone.
    phone.goto(base + "/me/reviews/")
    phone.locator("#my-reviews a").first.click()
    expect(phone.locator("#rate-current")).to_contain_text("does not count")
    expect(phone.locator("#rate-rectification")).to_contain_text("call recording")
    axe_journey.check(phone)
    _rating_screen(page, base, axe_journey, "en")
    phone_context.close()
    desk_context.close()
    axe_journey.assert_clean()


def _rating_screen(page: Any, base: str, axe_journey: Any, language: str) -> None:
    """一次一评 on the window's tablet, in the page's language."""
    visit = visit_at_window(User.objects.get(username="clerk"), f"e2e-pad-{language}")
    tablet = page.context.browser.new_context(
        locale="zh-CN" if language == "zh-hans" else "en-US",
        viewport={"width": 800, "height": 1280},
    )
    screen = tablet.new_page()
    sign_in(screen, base, "clerk")
    screen.goto(base + "/reviews/pad/pair/")
    axe_journey.check(screen, f"reviews-pad-pair-{language}")
    with screen.expect_navigation():
        screen.locator(f"#pad-windows input[value='{visit.window_id}'] ~ button").click()
    expect(screen.locator("#pad-visit")).to_be_visible()
    axe_journey.check(screen, f"reviews-pad-{language}")
    _tick(screen, "#rate-form input[name=level][value='5']")
    _send(screen, "#rate-form")
    expect(screen.locator("#pad-waiting")).to_be_visible()
    expect(screen.locator("#rate-form")).to_have_count(0)
    axe_journey.check(screen)
    review = Review.objects.get(event_ref=visit.event_ref, event_kind=EventKind.VISIT)
    assert (review.level, review.channel) == (5, "window")
    # The tablet was signed out when it was paired: no clerk's session at the window.
    screen.goto(base + "/reviews/pad/pair/")
    assert "/accounts/login/" in screen.url
    tablet.close()
