"""Sign-in as people do it in a browser: a resident through a real OpenID Connect provider on
loopback (`oidc-provider-mock`, its own process), and a staff member through the password and
the authenticator app's code. axe checks every page of the node (not the provider's page)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CASES_SKIP_STEPS
from tests.factories import PASSWORD, StaffFactory, resident_id, totp_code

# Only the organisation and the accounts: no catalogue, data, processes or demo cases either.
pytestmark = pytest.mark.seed_skip(
    *CASES_SKIP_STEPS,
    *("datasets", "licence_types", "sharing-agreements", "sharing-demo", "catalog"),
    *("credentials", "ledger", "workflow", "item-processes", "cases-demo"),
)


def test_a_resident_signs_in_with_the_identity_provider(
    seeded_live_server: Any, page: Any, axe: Any, oidc: Any
) -> None:
    base = seeded_live_server.url
    oidc.person("li-na", name="李娜", resident_id=resident_id(), acr="substantial")

    page.goto(base + "/accounts/login/")
    axe.check(page)
    page.get_by_role("link", name=re.compile("身份认证平台|identity provider")).click()

    # the provider's own page: sign in there as the person "li-na"
    page.wait_for_url(re.compile(re.escape(oidc.url) + r"/oauth2/authorize"))
    page.locator("input[name=sub]").fill("li-na")
    page.get_by_role("button", name="Authorize").click()

    page.wait_for_url(base + "/accounts/me/")
    expect(page.locator("main")).to_contain_text("李娜")
    axe.check(page)


def test_a_staff_member_sets_up_the_authenticator_at_first_sign_in(
    seeded_live_server: Any, page: Any, axe: Any
) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from onestop.accounts import selectors

    base = seeded_live_server.url
    admin = selectors.users_by_username(["admin"])["admin"]
    StaffFactory(actor=admin, username="new-clerk", roles=[("window_clerk", "371121", None)])

    page.goto(base + "/accounts/login/?next=/accounts/me/")
    page.locator("input[name=username]").fill("new-clerk")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form [type=submit]").first.click()

    page.wait_for_url(re.compile(r"/accounts/mfa/enrol/"))
    expect(page.locator("main img[src^='data:image/svg+xml']")).to_be_visible()
    axe.check(page)
    device = TOTPDevice.objects.get(user__username="new-clerk", confirmed=False)
    page.locator("input[name=token]").fill(totp_code(device))
    page.locator("main form.usa-form [type=submit]").click()

    page.wait_for_url(base + "/accounts/me/")
    axe.check(page)

    # the next sign-in asks for the code after the password
    page.context.clear_cookies()
    page.goto(base + "/accounts/login/?next=/accounts/me/")
    page.locator("input[name=username]").fill("new-clerk")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form [type=submit]").first.click()
    page.wait_for_url(re.compile(r"/accounts/mfa/verify/"))
    axe.check(page)
    device.refresh_from_db()
    page.locator("input[name=token]").fill(totp_code(device))
    page.locator("main form.usa-form [type=submit]").click()
    page.wait_for_url(base + "/accounts/me/")
