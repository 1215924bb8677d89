"""The walk of issue #15 at phone width (390 px), in Chinese and English, axe on every screen:
"my applications" in stacked rows; the window's rating screen as a kiosk (the centre and the
language switch only); a benefit opted out of for the future while its offer stays to be
confirmed or declined; the elderly mode's compact header, measured; every console the staff
navigation offers the public-security officer opens; the demo seed's hotspot card."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.factories import sign_in

pytestmark = pytest.mark.seed_skip(
    "hotline-routing", "open311", "knowledge-articles", "search-index"
)
PHONE = {"width": 390, "height": 844}
LANGUAGES = (("zh-CN", "zh-hans"), ("en-US", "en"))
# The elderly mode's header at phone width (everything above <main>): it was about 470 px in
# Chinese and 650 px in English before it was made compact.
HEADER_MAX = 320


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide at {PHONE['width']} px"


def _post(page: Any, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).click()


def _context(browser: Any, locale: str) -> Any:
    return browser.new_context(locale=locale, viewport=PHONE)


def _my_cases(page: Any, axe_journey: Any, base: str) -> None:
    page.goto(base + "/me/cases/")
    rows = page.locator("#my-cases tbody tr")
    expect(rows.first).to_be_visible()
    # Stacked: no column heads, each cell a block of its own labelled by its column.
    expect(page.locator("#my-cases thead")).to_be_hidden()
    cell = page.locator("#my-cases tbody td[data-label]").first
    assert cell.evaluate("(td) => getComputedStyle(td).display") == "block"
    assert page.locator("#my-cases tbody td[data-label]").count() >= 4
    _no_sideways_scroll(page)
    axe_journey.check(page)


def _elderly_header(page: Any, axe_journey: Any, base: str) -> float:
    page.goto(base + "/")
    _post(page, "#elderly-switch")
    expect(page.locator("#elderly-switch")).to_have_attribute("aria-pressed", "true")
    bar = page.locator("#elderly-bar")
    expect(bar.locator("a[href='tel:12345']")).to_be_visible()
    expect(bar.locator(".os-elderly-bar__centre a").first).to_be_visible()
    top = page.evaluate("() => document.getElementById('main-content').getBoundingClientRect().top")
    _no_sideways_scroll(page)
    axe_journey.check(page)
    _post(page, "#elderly-switch")  # off again: the other journeys see the ordinary page
    return float(top)


def _benefit_opt_out(page: Any, axe_journey: Any, base: str) -> None:
    from onestop.benefits.models import Offer

    offer = Offer.objects.get(holder__username="citizen", rule="newborn-insurance")
    assert offer.status == Offer.Status.OFFERED
    page.goto(base + f"/me/benefits/{offer.pk}/")
    _post(page, "#opt-out")
    # For the future only: the offer made already still waits for an answer, and says so.
    expect(page.locator("#offer-still-open")).to_be_visible()
    expect(page.locator("#confirm")).to_be_visible()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.OFFERED
    _no_sideways_scroll(page)
    axe_journey.check(page)
    _post(page, "#decline")
    expect(page.locator("#offer-declined")).to_be_visible()
    expect(page.locator("#confirm")).to_have_count(0)
    offer.refresh_from_db()
    assert offer.status == Offer.Status.DECLINED
    axe_journey.check(page)


def _rating_screen(browser: Any, axe_journey: Any, base: str) -> None:
    tablet = _context(browser, "zh-CN")
    screen = tablet.new_page()
    sign_in(screen, base, "clerk")
    screen.goto(base + "/reviews/pad/pair/")
    with screen.expect_navigation():
        screen.locator("#pad-windows button").first.click()
    expect(screen.locator("#pad-header")).to_be_visible()
    expect(screen.locator("#pad-header")).to_contain_text("政务服务中心")
    # A kiosk: no site navigation, no sign-in links, no footer; the language switch stays.
    for hidden in (".usa-nav", ".os-staffnav", "footer", "#elderly-switch", ".os-tool-link"):
        expect(screen.locator(hidden)).to_have_count(0)
    expect(screen.locator("html")).to_have_attribute("lang", "zh-Hans")
    _no_sideways_scroll(screen)
    axe_journey.check(screen)
    _post(screen, "#pad-header .os-lang button")
    assert "/reviews/pad/" in screen.url
    expect(screen.locator("html")).to_have_attribute("lang", "en")
    expect(screen.locator("#pad-header")).to_contain_text("Government Service Centre")
    axe_journey.check(screen)
    tablet.close()


def _staff_navigation(page: Any, axe_journey: Any, base: str) -> None:
    sign_in(page, base, "officer-ps")
    page.goto(base + "/")
    links = page.locator(".os-staffnav__link")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert "/reviews/console/" in hrefs
    for href in hrefs:
        answer = page.goto(base + href)
        assert answer is not None, href
        assert answer.status == 200, (href, answer.status)
    axe_journey.check(page)


def _hotspot(page: Any, axe_journey: Any, base: str) -> None:
    sign_in(page, base, "supervisor")
    page.goto(base + "/insights/hotspots/")
    expect(page.locator("#hotspots tbody tr")).to_have_count(1)
    expect(page.locator("#hotspots")).to_contain_text(re.compile("街头镇"))
    axe_journey.check(page)


def test_the_walk_at_phone_width(seeded_live_server: Any, browser: Any, axe_journey: Any) -> None:
    base = seeded_live_server.url
    heights = {}
    for locale, language in LANGUAGES:
        context = _context(browser, locale)
        page = context.new_page()
        sign_in(page, base, "citizen")
        expect(page.locator("html")).to_have_attribute(
            "lang", "zh-Hans" if language == "zh-hans" else "en"
        )
        _my_cases(page, axe_journey, base)
        heights[language] = _elderly_header(page, axe_journey, base)
        if language == "en":
            _benefit_opt_out(page, axe_journey, base)
        context.close()
    assert all(h <= HEADER_MAX for h in heights.values()), heights

    _rating_screen(browser, axe_journey, base)
    context = _context(browser, "zh-CN")
    page = context.new_page()
    _staff_navigation(page, axe_journey, base)
    _hotspot(page, axe_journey, base)
    context.close()
    axe_journey.assert_clean()
