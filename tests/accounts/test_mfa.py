"""The second factor of staff (TOTP): enrolment, verification after the password, the consoles
refusing a session without it, and the 8-hour idle limit of staff sessions."""

from __future__ import annotations

import re
import time
from base64 import b32encode
from typing import Any

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from onestop.accounts.middleware import SEEN_KEY
from onestop.accounts.models import User
from tests.factories import login, mfa_device, totp_code

from .conftest import PASSWORD

CONSOLES = ["/window/", "/office/", "/hotline/desk/", "/hotline/supervisor/", "/admin/"]


def _password_only(user: User) -> Client:
    """A client that signed in through the login form (password, no second factor yet)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("path", CONSOLES)
def test_consoles_send_a_staff_member_without_a_device_to_enrol(
    clerk_wulian: User, path: str
) -> None:
    client = _password_only(clerk_wulian)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/mfa/enrol/?next=")
    assert "_auth_user_id" in client.session  # still signed in, only not verified


@pytest.mark.parametrize("path", CONSOLES)
def test_consoles_send_an_enrolled_staff_member_to_verify(admin_wulian: User, path: str) -> None:
    mfa_device(admin_wulian)
    client = _password_only(admin_wulian)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/mfa/verify/?next={path.replace('/', '%2F')}"


def test_the_api_refuses_an_unverified_staff_session(clerk_wulian: User) -> None:
    client = _password_only(clerk_wulian)

    response = client.get("/api/v1/hotline/orders")

    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"


def test_enrolment_shows_the_qr_code_and_confirms_with_the_first_code(clerk_wulian: User) -> None:
    client = _password_only(clerk_wulian)

    page = client.get("/accounts/mfa/enrol/?next=/window/").content.decode()

    assert 'src="data:image/svg+xml' in page
    secret = re.search(r'id="mfa-secret"[^>]*>([A-Z2-7]+)<', page)
    assert secret is not None
    pending = TOTPDevice.objects.get(user=clerk_wulian)
    assert pending.confirmed is False
    assert pending.config_url.startswith("otpauth://totp/OneStop%3Aclerk-wl?secret=")
    assert f"secret={secret.group(1)}" in pending.config_url
    # reloading keeps the same secret (the person may have scanned it already)
    assert secret.group(1) in client.get("/accounts/mfa/enrol/").content.decode()

    wrong = client.post("/accounts/mfa/enrol/", {"token": "000000", "next": "/window/"})
    assert "That code is not right" in wrong.content.decode()
    pending.refresh_from_db()
    assert pending.confirmed is False
    assert client.get("/window/").status_code == 302

    pending.refresh_from_db()  # the wrong code's throttle is reset by a right one
    TOTPDevice.objects.filter(pk=pending.pk).update(throttling_failure_count=0)
    right = client.post("/accounts/mfa/enrol/", {"token": totp_code(pending), "next": "/window/"})

    assert right.status_code == 302
    assert right["Location"] == "/window/"
    pending.refresh_from_db()
    assert pending.confirmed is True
    assert client.get("/window/").status_code == 200


def test_verification_after_the_password_opens_the_consoles(officer_ps: User) -> None:
    device = mfa_device(officer_ps)
    client = _password_only(officer_ps)
    assert client.get("/office/").status_code == 302

    response = client.post(
        "/accounts/mfa/verify/", {"token": totp_code(device), "next": "/office/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/office/"
    assert client.get("/office/").status_code == 200


def test_a_code_is_accepted_once(officer_ps: User) -> None:
    device = mfa_device(officer_ps)
    code = totp_code(device)
    first = _password_only(officer_ps)
    assert first.post("/accounts/mfa/verify/", {"token": code}).status_code == 302

    second = _password_only(officer_ps)
    response = second.post("/accounts/mfa/verify/", {"token": code})

    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert second.get("/office/").status_code == 302


def test_an_off_site_next_is_not_followed(officer_ps: User) -> None:
    device = mfa_device(officer_ps)
    client = _password_only(officer_ps)

    response = client.post(
        "/accounts/mfa/verify/", {"token": totp_code(device), "next": "https://evil.example/"}
    )

    assert response["Location"] == "/"


def test_citizens_need_no_second_factor(citizen: User) -> None:
    client = _password_only(citizen)

    assert client.get("/accounts/me/").status_code == 200
    assert not TOTPDevice.objects.filter(user=citizen).exists()


def test_the_login_helpers_verify_the_second_factor(clerk_wulian: User, client: Client) -> None:
    assert login(clerk_wulian).get("/window/").status_code == 200
    client.force_login(clerk_wulian)
    assert client.get("/window/").status_code == 200
    assert login(clerk_wulian, verified=False).get("/window/").status_code == 302


def _seen(client: Client, seconds_ago: int) -> None:
    session = client.session
    session[SEEN_KEY] = int(time.time()) - seconds_ago
    session.save()


def test_a_staff_session_ends_after_8_hours_idle(clerk_wulian: User, settings: Any) -> None:
    client = login(clerk_wulian)
    _seen(client, settings.STAFF_SESSION_IDLE_SECONDS + 1)

    response = client.get("/window/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fwindow%2F"
    assert "_auth_user_id" not in client.session
    assert client.get("/accounts/me/").status_code == 302


def test_a_staff_session_active_within_8_hours_goes_on(clerk_wulian: User, settings: Any) -> None:
    client = login(clerk_wulian)
    _seen(client, settings.STAFF_SESSION_IDLE_SECONDS - 60)

    assert client.get("/window/").status_code == 200
    # the request counts as activity: the idle clock starts again, and so does the cookie's
    assert int(time.time()) - client.session[SEEN_KEY] < 5
    assert client.session.get_expiry_age() == settings.STAFF_SESSION_IDLE_SECONDS


def test_a_citizen_session_has_no_idle_limit_of_8_hours(citizen: User, settings: Any) -> None:
    client = login(citizen)
    _seen(client, settings.STAFF_SESSION_IDLE_SECONDS + 1)

    assert client.get("/accounts/me/").status_code == 200


def test_the_demo_seed_gives_demo_staff_the_published_authenticator(org: None) -> None:
    from onestop.accounts.seed import DEMO_PASSWORD, DEMO_TOTP_SECRET, seed_accounts

    summary = seed_accounts()

    assert DEMO_TOTP_SECRET in summary
    clerk = User.objects.get(username="clerk")
    device = TOTPDevice.objects.get(user=clerk, confirmed=True)
    assert b32encode(device.bin_key).decode() == DEMO_TOTP_SECRET
    assert TOTPDevice.objects.filter(user__username="admin", confirmed=True).count() == 1
    assert not TOTPDevice.objects.filter(user__kind=User.Kind.CITIZEN).exists()
    seed_accounts()  # again: nothing added
    assert TOTPDevice.objects.filter(user=clerk).count() == 1
    # the published secret opens the consoles after the published password
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post("/accounts/login/", {"username": "clerk", "password": DEMO_PASSWORD})
    client.post("/accounts/mfa/verify/", {"token": totp_code(device)})
    assert client.get("/window/").status_code == 200


def test_the_demo_seed_gives_no_authenticator_in_production_mode(org: None, settings: Any) -> None:
    from onestop.accounts.seed import seed_accounts

    settings.ONESTOP_ENV = "production"

    seed_accounts()

    assert not TOTPDevice.objects.exists()


def test_a_demo_node_shows_the_demo_authenticators_code_and_production_never(
    org: None, settings: Any
) -> None:
    from onestop.accounts.seed import DEMO_PASSWORD, seed_accounts

    seed_accounts()
    clerk = User.objects.get(username="clerk")
    device = TOTPDevice.objects.get(user=clerk, confirmed=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post("/accounts/login/", {"username": "clerk", "password": DEMO_PASSWORD})

    page = client.get("/accounts/mfa/verify/").content.decode()
    assert "published demo authenticator" in page
    assert f"<strong>{totp_code(device)}</strong>" in page

    settings.ONESTOP_ENV = "production"
    assert (
        "published demo authenticator" not in client.get("/accounts/mfa/verify/").content.decode()
    )


def test_an_authenticator_a_person_set_up_shows_no_code(db: None) -> None:
    staff = User.objects.create_user("own-device", password=PASSWORD, kind=User.Kind.STAFF)
    mfa_device(staff)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post("/accounts/login/", {"username": "own-device", "password": PASSWORD})

    assert (
        "published demo authenticator" not in client.get("/accounts/mfa/verify/").content.decode()
    )
