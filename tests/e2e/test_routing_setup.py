"""The routing set-up console in the browser (issue #14): a supervisor gives a category to
another department for a village named in requests, sees the rule and the change in the
audit list, and removes it again; axe checks the page in Chinese and in English."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import sign_in as _login

# The console needs the organisation, the accounts and the hotline catalogue only (and an
# empty jurisdiction table: the demo's own rules are seeded by `hotline-jurisdiction`).
pytestmark = pytest.mark.seed_skip(
    "hotline-jurisdiction",
    "sharing-demo",
    "credentials",
    "ledger",
    "workflow",
    "item-processes",
    "hotline-routing",
    "hotline-demo",
    "insights-demo",
    "open311",
    "knowledge-articles",
    "search-index",
    "cases-demo",
)
NOISE = "ecology.noise"


def _set_rule(page, department: str) -> None:
    page.locator("#rule-category").select_option(NOISE)
    page.locator("#rule-place").fill("槐树岭村")
    page.locator("#rule-department").select_option(department)
    page.locator("form[action$='/routing/rule'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/hotline/routing/#rules$"))


def test_a_supervisor_sets_and_removes_a_place_rule(seeded_live_server, page, axe):
    from onestop.hotline.models import Jurisdiction, RoutingEvent
    from onestop.org.selectors import department_list

    base = seeded_live_server.url
    township = department_list(region="371121").filter(kind="township").last().code
    _login(page, base, "supervisor")
    page.goto(base + "/hotline/routing/")
    # The page in Chinese (its new strings get their Chinese when the catalogue is compiled).
    expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^zh"))
    expect(page.locator("h1")).to_be_visible()
    axe.check(page)

    _set_rule(page, township)
    expect(page.locator(".usa-alert--success")).to_be_visible()
    expect(page.locator("#rules table").first).to_contain_text("槐树岭村")
    page.locator("#rules details summary").click()
    axe.check(page)
    rule = Jurisdiction.objects.get()
    assert (rule.region, rule.category_id, rule.place, rule.department_id) == (
        "371121",
        NOISE,
        "槐树岭村",
        township,
    )

    page.locator("#rules form[action$='/routing/rule/remove'] button").click()
    page.wait_for_url(re.compile(r"/hotline/routing/#rules$"))
    assert not Jurisdiction.objects.exists()
    assert [e.kind for e in RoutingEvent.objects.order_by("id")] == [
        "jurisdiction_set",
        "jurisdiction_remove",
    ]

    english = page.context.browser.new_context(locale="en-US")
    en = english.new_page()
    _login(en, base, "supervisor")
    en.goto(base + "/hotline/routing/")
    expect(en.locator("html")).to_have_attribute("lang", "en")
    expect(en.locator("h1")).to_have_text("Routing set-up")
    expect(en.locator("#changes")).to_contain_text("Rule removed")
    axe.check(en)
    english.close()
