"""A newcomer lands on the home page, searches 孩子出生, reaches the newborn bundle, opens an
item guide and switches to English; every page passes axe (WCAG 2.1 AA)."""

import re

import pytest
from playwright.sync_api import expect

# Browses and searches the catalogue, signed out: no hotline, Open311, cases or e-licences.
pytestmark = pytest.mark.seed_skip(
    "hotline-routing",
    "hotline-demo",
    "insights-demo",
    "open311",
    "cases-demo",
    "sharing-demo",
    "credentials",
)


def test_newcomer_finds_the_newborn_bundle(seeded_live_server, page, axe, screenshot):
    page.goto(seeded_live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^zh"))
    axe.check(page)
    screenshot(page, "home")

    page.get_by_role("searchbox").first.fill("孩子出生")
    page.get_by_role("searchbox").first.press("Enter")
    page.wait_for_url(re.compile(r"/search/"))
    axe.check(page)

    page.locator("a[href*='/scenarios/newborn']").first.click()
    page.wait_for_url(re.compile(r"/scenarios/newborn"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("出生")
    axe.check(page)
    screenshot(page, "scenario")

    page.locator("main a[href*='/items/']").first.click()
    page.wait_for_url(re.compile(r"/items/[0-9A-Z-]+/"))
    axe.check(page)
    screenshot(page, "item")

    page.locator(
        "form[action*='setlang'] button, form[action*='setlang'] [type=submit]"
    ).first.click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # Catalogue content switches with the interface: the item's English name is shown.
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^[\x00-\x7f\u2019]+$"))
    axe.check(page)
