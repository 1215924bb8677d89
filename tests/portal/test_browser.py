"""The portal in a real browser (Debian's chromium): axe-core finds no WCAG 2.1 AA violation
in either language, the CSP blocks nothing, and the pages work with and without JavaScript."""

from __future__ import annotations

from typing import Any

import pytest

from tests.portal.conftest import Portal

pytestmark = pytest.mark.e2e

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PAGES = [
    "/",
    "/items/",
    "/items/?audience=enterprise&type=licensing",
    "/items/37112100SP-XK-0001/",
    "/items/37112100GA-BA-0001/",
    "/scenarios/",
    "/scenarios/enterprise-info-change/?seal_change=no",
    "/departments/",
    "/departments/371121-public-security/",
    "/centres/",
    "/items/unknown-code/",
]


@pytest.fixture
def chromium(browser: Any) -> Any:
    """The session's one chromium (tests/conftest.py): one Playwright per process."""
    return browser


@pytest.fixture
def site(live_server: Any, transactional_db: None, portal: Portal) -> str:
    return str(live_server.url)


def _open(chromium: Any, *, locale: str, width: int = 1280, js: bool = True) -> Any:
    context = chromium.new_context(
        locale=locale, viewport={"width": width, "height": 900}, java_script_enabled=js
    )
    page = context.new_page()
    page.csp_errors = []  # type: ignore[attr-defined]
    page.on(
        "console",
        lambda m: page.csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return page


@pytest.mark.parametrize(("locale", "width"), [("zh-CN", 1280), ("en", 1280), ("zh-CN", 375)])
def test_axe_finds_no_violation(chromium: Any, site: str, locale: str, width: int) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page = _open(chromium, locale=locale, width=width)
    found = {}
    for url in PAGES:
        page.goto(site + url)
        result = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        violations = [v["id"] for v in result.response["violations"]]
        if violations:
            found[url] = violations
    assert found == {}
    assert page.csp_errors == []
    page.context.close()


def test_language_switch_in_the_browser(chromium: Any, site: str) -> None:
    page = _open(chromium, locale="zh-CN")
    page.goto(site + "/items/37112100SP-XK-0001/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.locator("h1").inner_text() == "营业执照变更登记"
    page.get_by_role("button", name="English").click()
    page.wait_for_url(site + "/items/37112100SP-XK-0001/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Change of business registration"
    page.context.close()


def test_filters_without_javascript(chromium: Any, site: str) -> None:
    page = _open(chromium, locale="en", width=375, js=False)
    page.goto(site + "/items/")
    # The primary navigation is shown in the page when there is no script to open the menu.
    assert page.get_by_role("link", name="Service centres").first.is_visible()
    page.get_by_label("Who applies").select_option("person")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/items/?*audience=person*")
    assert page.get_by_role("status").first.inner_text().startswith("1 service found")
    page.context.close()


def test_filters_with_htmx(chromium: Any, site: str) -> None:
    page = _open(chromium, locale="en")
    page.goto(site + "/items/")
    marker = page.evaluate("() => { window.__sameDocument = true; return 1 }")
    assert marker == 1
    page.get_by_label("Item type").select_option("filing")
    page.wait_for_url("**/items/?*type=filing*")
    page.get_by_text("1 service found").wait_for()
    # htmx swapped the results in place: still the same document, no full reload.
    assert page.evaluate("() => window.__sameDocument") is True
    assert page.csp_errors == []
    page.context.close()
