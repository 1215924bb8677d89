"""免申即享 in the browser: the demo seed's benefits step found the demo citizen 张伟 eligible
for his newborn's medical insurance (to confirm) and vaccination reminders (granted). On a
phone, in Chinese, he opens the offer in my space, reads why (the facts and their source) and
confirms it with one click; in English he reads his benefits and opts out of the reminders for
the future. The medical-security officer opens the benefits console. axe checks every
screen."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from onestop.benefits.models import Offer, OptOut
from tests.factories import sign_in

PHONE = {"width": 390, "height": 844}


def _send(page: Any, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).click()


def test_a_citizen_confirms_a_benefit_offer(
    cases_live_server: Any, browser: Any, page: Any, axe_journey: Any
) -> None:
    base = cases_live_server.url
    insurance = Offer.objects.get(holder__username="citizen", rule="newborn-insurance")
    assert insurance.status == Offer.Status.OFFERED

    # 中文, phone width: my space → the offer → confirm.
    page.set_viewport_size(PHONE)
    sign_in(page, base, "citizen")
    page.goto(base + "/accounts/me/")
    # (the page texts are gettext: their Chinese arrives with the merged catalogue; the
    # benefits' names and the facts are bilingual data)
    page.locator("#account-links a[href='/me/benefits/']").click()
    page.wait_for_url("**/me/benefits/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    axe_journey.check(page, "benefits-my-space")
    page.locator("#offers a", has_text="新生儿城乡居民医保参保").click()
    page.wait_for_url(f"**/me/benefits/{insurance.pk}/")
    expect(page.locator("#facts")).to_contain_text("出生医学证明")
    expect(page.locator("#facts")).to_contain_text("2026-11-10")
    axe_journey.check(page, "benefits-offer")
    _send(page, "#confirm")
    expect(page.locator("main .usa-alert--success").first).to_be_visible()
    expect(page.locator("#confirm")).to_have_count(0)
    axe_journey.check(page)
    insurance.refresh_from_db()
    assert insurance.status == Offer.Status.CONFIRMED

    # English, phone width: the list says so; the reminders need nothing; opt out of them.
    english_context = browser.new_context(locale="en-US", viewport=PHONE)
    english = english_context.new_page()
    sign_in(english, base, "citizen")
    english.goto(base + "/me/benefits/")
    expect(english.locator("#offers")).to_contain_text("Confirmed")
    axe_journey.check(english)
    english.locator("#offers a", has_text="Vaccination reminders").click()
    english.wait_for_url("**/me/benefits/*/")
    expect(english.locator("main")).to_contain_text("Nothing to do")
    expect(english.locator("#facts")).to_contain_text("Birth medical certificate")
    axe_journey.check(english)
    _send(english, "#opt-out")
    expect(english.locator("main")).to_contain_text("will not be offered to you any more")
    axe_journey.check(english)
    english_context.close()
    assert OptOut.objects.filter(holder__username="citizen", rule="newborn-vaccination").exists()

    # The granting department's console: the offer and the figures.
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base, "officer-yb")
    page.goto(base + "/benefits/console/")
    expect(page.locator("#figures")).to_contain_text("新生儿城乡居民医保参保")
    expect(page.locator("#offers")).to_contain_text(str(insurance.pk))
    axe_journey.check(page, "benefits-console")
    _pay(page, insurance, axe_journey)
    axe_journey.assert_clean()


def _pay(page: Any, insurance: Offer, axe_journey: Any) -> None:
    """The confirmed offer is paid: the officer records the payment's reference."""
    page.fill(f"#reference-{insurance.pk}", "YB-E2E-1")
    page.click(f"#pay-{insurance.pk}")
    page.wait_for_url("**/benefits/console/**")
    expect(page.locator("#offers")).to_contain_text("YB-E2E-1")
    axe_journey.check(page, "benefits-console-paid")
    insurance.refresh_from_db()
    assert (insurance.status, insurance.payment_reference) == ("paid", "YB-E2E-1")
