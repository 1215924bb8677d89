"""axe (WCAG 2.1 AA) on every back-office screen in a real browser: the queue with each due
colour, the case page with the review (pass / supplements), special-step and decision forms, an
error message, and the supervisor board with a row in each section."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone

from onestop.cases import selectors, services
from onestop.cases.models import Case
from tests.cases.conftest import build_world, newborn_draft_for
from tests.cases.factories_office import item_case, item_of
from tests.factories import sign_in as _login

pytestmark = pytest.mark.e2e

PS = "371121-public-security"
PASSWORD = "onestop-demo-2026"


@pytest.fixture
def axe_check() -> Any:
    from tests.e2e.conftest import AxeChecker

    return AxeChecker()


@pytest.fixture
def page(browser: Any) -> Any:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


def test_office_screens_pass_axe(
    live_server: Any, transactional_db: None, page: Any, axe_check: Any
) -> None:
    from playwright.sync_api import expect

    users = build_world()
    citizen = users["citizen"]
    from onestop.catalog.models import Scenario

    newborn = Scenario.objects.get(region_id="371121", slug="newborn")
    bundle = services.case_submit(
        actor=citizen, case=newborn_draft_for(citizen, newborn), idempotency_key="axe-1"
    )
    case = bundle.children.get(department_id=PS)
    today = timezone.localdate()
    item = item_of(PS)
    item_case(item=item, accepted=today - datetime.timedelta(days=60))  # overdue
    item_case(item=item, accepted=today - datetime.timedelta(days=61), escalated_at=timezone.now())
    warn = item_case(item=item, accepted=today, due_date=today, warned_at=timezone.now())
    warn.accepted_at = timezone.now() - datetime.timedelta(days=item.promised_days * 2)
    warn.save()
    item_case(
        item=item,
        status=Case.Status.SUPPLEMENT,
        paused_since=timezone.now() - datetime.timedelta(days=20),
    )
    base = live_server.url

    _login(page, base, "officer-ps")
    page.goto(base + "/office/")
    expect(page.locator("#queue")).to_contain_text(case.number)
    expect(page.locator("#queue tr.os-due-row--overdue").first).to_be_visible()
    axe_check.check(page)

    page.goto(base + f"/office/cases/{case.number}/")
    expect(page.locator("#form-pass")).to_be_visible()
    expect(page.locator("#form-supplement")).to_be_visible()
    axe_check.check(page)
    # A decision without a reason is refused with a message (the browser's own check is
    # bypassed by walking to the decision and posting an empty reason).
    view = selectors.case_task_view(case=case)
    case = services.task_complete(
        actor=users["officer-ps"],
        case=case,
        task_id=view["tasks"][0].id,
        data={"review_outcome": "pass"},
        expected_version=view["version"],
    )
    page.goto(base + f"/office/cases/{case.number}/")
    form = page.locator("#form-decide, #form-special").first
    expect(form).to_be_visible()
    axe_check.check(page)
    page.evaluate(
        "document.querySelectorAll('textarea').forEach(t => t.removeAttribute('required'))"
    )
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/office/cases/{case.number}/"))
    expect(page.locator(".usa-alert--error")).to_be_visible()
    axe_check.check(page)

    _login(page, base, "supervisor")
    page.goto(base + "/office/supervisor/")
    expect(page.locator("#overdue-table")).to_be_visible()
    expect(page.locator("#warned-table")).to_be_visible()
    expect(page.locator("#waiting-table")).to_be_visible()
    axe_check.check(page)
    page.goto(base + f"/office/cases/{case.number}/")
    axe_check.check(page)


def test_an_officer_on_a_phone_decides_with_a_confirmation(
    live_server: Any, transactional_db: None, browser: Any, axe_check: Any
) -> None:
    """390 px wide: the evidence comes before the decision, the decision is confirmed on a
    page of its own, and only then is the case decided; axe on every screen."""
    from playwright.sync_api import expect

    from onestop.catalog.models import Scenario

    users = build_world()
    citizen = users["citizen"]
    newborn = Scenario.objects.get(region_id="371121", slug="newborn")
    bundle = services.case_submit(
        actor=citizen, case=newborn_draft_for(citizen, newborn), idempotency_key="phone-1"
    )
    case = bundle.children.get(department_id=PS)
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    base = live_server.url
    _login(page, base, "officer-ps")
    page.goto(base + f"/office/cases/{case.number}/")
    # Evidence first: the form and the materials come before the tasks.
    order = page.evaluate(
        "['form-title', 'materials-title', 'tasks-title']"
        ".map(id => document.getElementById(id).getBoundingClientRect().top)"
    )
    assert order == sorted(order)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # no sideways scroll
    axe_check.check(page)
    with page.expect_navigation():
        page.locator("#form-pass button[value=pass]").click()
    while page.locator("#form-special").count():
        page.locator("#special-note").fill("现场核查无误。")
        with page.expect_navigation():
            page.locator("#form-special button[type=submit]").click()
    expect(page.locator("#form-decide")).to_be_visible()
    page.locator("label[for='decide-approve']").click()
    page.locator("#decide-reason").fill("材料齐全，信息经共享数据核验一致，予以办理。")
    with page.expect_navigation():
        page.locator("#form-decide button[type=submit]").click()
    expect(page.locator("#confirm-decision")).to_be_visible()
    expect(page.locator("#confirm-reason")).to_contain_text("材料齐全")
    axe_check.check(page)
    case.refresh_from_db()
    assert case.decision == ""  # nothing decided before the confirmation
    with page.expect_navigation():
        page.locator("#form-confirm button[type=submit]").click()
    expect(page.locator("#case-decision")).to_be_visible()
    axe_check.check(page)
    case.refresh_from_db()
    assert case.decision == "approve"
    context.close()
