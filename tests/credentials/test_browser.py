"""E-licence pages in a real browser (Debian's chromium): axe-core finds no WCAG 2.1 AA
violation and the CSP blocks nothing (the QR code is a data: image)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from onestop.accounts.models import User
from tests.factories import session_cookie

pytestmark = pytest.mark.e2e

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def site(live_server: Any, transactional_db: None) -> str:
    return str(live_server.url)


def _page(browser: Any, site: str, user: User | None, locale: str) -> Any:
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    if user is not None:
        context.add_cookies([session_cookie(user, site)])
    page = context.new_page()
    page.csp_errors = []  # type: ignore[attr-defined]
    page.on(
        "console",
        lambda m: page.csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return page


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_axe_finds_no_violation(
    browser: Any, site: str, issue: Any, world: dict[str, User], locale: str
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    credential = issue(number="AXE-1")
    axe = Axe()
    found: dict[str, list[str]] = {}
    visits = [
        (None, "/verify/"),
        (None, f"/verify/?t={quote(credential.token)}"),
        (None, "/verify/?t=garbage"),
        (world["citizen"], "/wallet/"),
        (world["citizen"], f"/wallet/{credential.id}/"),
        (world["officer-ps"], "/credentials/issued/"),
    ]
    for user, url in visits:
        page = _page(browser, site, user, locale)
        response = page.goto(site + url)
        assert response is not None, url
        assert response.status == 200, url
        result = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        violations = [v["id"] for v in result.response["violations"]]
        if violations:
            found[url] = violations
        assert page.csp_errors == [], url
        if "/wallet/" in url and url != "/wallet/":
            assert page.locator("img[src^='data:image/png']").count() == 1
        page.context.close()
    assert found == {}
