"""The trust layer as a citizen meets it: the e-licence in the wallet verifies on the public page
from its QR link, and fails there once the issuer has revoked it. axe checks every page."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import sign_in as _login

PASSWORD = "onestop-demo-2026"  # the demo seed's development password
# No search, no hotline, no Open311 in this journey.
pytestmark = pytest.mark.seed_skip(
    "hotline-catalogue",
    "hotline-routing",
    "hotline-demo",
    "insights-demo",
    "open311",
    "knowledge-articles",
    "search-index",
)


def test_citizen_sees_held_materials_and_who_looked_at_their_data(seeded_live_server, page, axe):
    base = seeded_live_server.url
    _login(page, base, "citizen")

    page.goto(base + "/scenarios/newborn/")
    held = page.locator("main .os-badge--good")
    expect(held.first).to_be_visible()
    assert held.count() >= 2
    axe.check(page)

    page.goto(base + "/me/data/")
    proof_links = page.locator("main a[href*='/proof/']")
    expect(proof_links.first).to_be_visible()
    axe.check(page)
    proof_links.first.click()
    page.wait_for_url(re.compile(r"/proof/$"))
    expect(page.locator("main")).to_contain_text("onestop.371121")  # the signed checkpoint
    axe.check(page)


def test_citizen_fills_the_bundle_from_government_records_on_request(seeded_live_server, page, axe):
    """The bundle page fetches nothing when it opens: it says what would be filled in, and the
    button (a POST, swapped in by htmx) fetches the details."""
    base = seeded_live_server.url
    _login(page, base, "citizen")

    page.goto(base + "/scenarios/newborn/")
    expect(page.locator("#prefill-plan")).to_be_visible()
    expect(page.locator("main output")).to_have_count(0)
    axe.check(page)

    page.locator("#prefill-fetch").click()
    expect(page.locator("main output[name=child_name]")).to_have_text("张小雨")
    expect(page.locator("#prefill-fetch")).to_have_count(0)
    axe.check(page)


def test_licence_verifies_then_fails_after_revocation(seeded_live_server, page, axe):
    from onestop.accounts.models import User
    from onestop.credentials import selectors, services

    base = seeded_live_server.url
    _login(page, base, "citizen")

    page.goto(base + "/wallet/")
    axe.check(page)
    page.locator("main a[href^='/wallet/']").first.click()
    page.wait_for_url(re.compile(r"/wallet/[^/]+/$"))
    expect(page.locator("main img").first).to_be_visible()  # the QR code
    axe.check(page)

    href = page.locator("main a[href*='/v/']").first.get_attribute("href")
    page.goto(href)
    expect(page.locator(".usa-alert--success")).to_be_visible()
    expect(page.locator(".usa-alert--error")).to_have_count(0)
    axe.check(page)

    # The issuing department revokes it.
    citizen = User.objects.get(username="citizen")
    officer = User.objects.get(username="officer-ps")
    credential = selectors.wallet_list(holder=citizen).filter(revoked_at__isnull=True).first()
    assert credential is not None
    token = credential.token
    services.credential_revoke(actor=officer, credential=credential, reason="e2e")

    page.goto(base + "/verify/?t=" + token)
    expect(page.locator(".usa-alert--error")).to_be_visible()
    expect(page.locator(".usa-alert--error")).to_contain_text("注销")
    axe.check(page)
