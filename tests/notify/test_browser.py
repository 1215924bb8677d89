"""The notifications page in a real browser (Debian's chromium): axe-core finds no WCAG 2.1
AA violation, the CSP blocks nothing, and "Mark as read" works by keyboard."""

from __future__ import annotations

from typing import Any

import pytest

from onestop.accounts.models import User
from onestop.notify import services
from onestop.notify.models import Notification
from tests.factories import session_cookie

pytestmark = pytest.mark.e2e

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def site(live_server: Any, transactional_db: None) -> str:
    return str(live_server.url)


def _page(browser: Any, site: str, user: User, locale: str) -> Any:
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    context.add_cookies([session_cookie(user, site)])
    page = context.new_page()
    page.csp_errors = []  # type: ignore[attr-defined]
    page.on(
        "console",
        lambda m: page.csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return page


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_notifications_page_is_accessible_and_marks_read(
    browser: Any, site: str, citizen: User, locale: str
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    services.notification_send(
        template="hotline.received",
        context={"number": "371121-20261126-0001"},
        recipient_user=citizen,
        channels=("in_app",),
    )
    services.notification_send(
        template="case.decided",
        context={"number": "371121-20261126-0002", "item": "出生登记", "decision": "准予"},
        recipient_user=citizen,
        channels=("in_app",),
    )
    page = _page(browser, site, citizen, locale)
    response = page.goto(site + "/me/notifications/")
    assert response is not None
    assert response.status == 200
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert [v["id"] for v in result.response["violations"]] == []
    assert page.locator("form[action$='/read/'] button").count() == 2

    page.locator("form[action$='/read/'] button").first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.locator("form[action$='/read/'] button").count() == 1
    assert page.csp_errors == []
    assert Notification.objects.filter(status=Notification.Status.READ).count() == 1
    page.context.close()
