"""Log-in (throttled by django-axes), log-out, citizen registration and the account page."""

from __future__ import annotations

import pytest
from django.test import Client

from onestop.accounts.models import User

from .conftest import PASSWORD, RESIDENT_ID

LOGIN = "/accounts/login/"


@pytest.fixture
def en(client: Client) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _register_data(**changes: str) -> dict[str, str]:
    data = {
        "username": "zhangwei",
        "real_name": "张伟",
        "resident_id": RESIDENT_ID,
        "phone": "13812345678",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(changes)
    return data


def test_login_page(db: None, en: Client) -> None:
    response = en.get(LOGIN)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Log in</h1>" in body
    assert 'name="username"' in body
    assert 'autocomplete="current-password"' in body


def test_login_and_logout(citizen: User, en: Client) -> None:
    response = en.post(LOGIN, {"username": "zhangwei", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert en.get("/accounts/me/").status_code == 200
    assert en.get("/accounts/logout/").status_code == 405  # log-out is a POST only
    response = en.post("/accounts/logout/")
    assert response.status_code == 302
    assert en.get("/accounts/me/").status_code == 302


def test_sixth_failed_login_is_locked_out(citizen: User, en: Client) -> None:
    # Five wrong passwords are answered with the form again
    for _ in range(4):
        response = en.post(LOGIN, {"username": "zhangwei", "password": "wrong-password"})
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    en.post(LOGIN, {"username": "zhangwei", "password": "wrong-password"})
    # The sixth attempt is refused even with the right password
    response = en.post(LOGIN, {"username": "zhangwei", "password": PASSWORD})
    assert response.status_code == 429
    body = response.content.decode()
    assert "Too many failed log-ins" in body
    assert en.get("/accounts/me/").status_code == 302  # not logged in


def test_register_then_my_account_shows_the_id_masked(org: None, en: Client) -> None:
    response = en.post("/accounts/register/", _register_data())
    assert response.status_code == 302
    assert response["Location"] == "/accounts/me/"
    user = User.objects.get(username="zhangwei")
    assert user.resident_id_masked == "3711**********123X"
    page = en.get("/accounts/me/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "3711**********123X" in body
    assert RESIDENT_ID not in body
    assert "19930315" not in body
    assert "Registered (password)" in body
    assert 'id="assurance-raise"' in body  # told how to verify
    assert "张伟" in body


def test_the_language_of_messages_is_the_one_registered_in_and_can_be_changed(
    org: None, en: Client
) -> None:
    assert en.post("/accounts/register/", _register_data()).status_code == 302
    user = User.objects.get(username="zhangwei")
    assert user.language == "en"  # registered in English
    page = en.get("/accounts/me/").content.decode()
    assert 'id="language-en" value="en" aria-describedby="account-language-hint" checked' in page
    response = en.post("/accounts/me/language/", {"language": "zh-hans"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "zh-hans"
    assert (
        "Your messages will be written in the language you chose."
        in en.get("/accounts/me/").content.decode()
    )
    en.post("/accounts/me/language/", {"language": "fr"})  # not offered: refused, unchanged
    user.refresh_from_db()
    assert user.language == "zh-hans"


def test_register_with_a_bad_id_shows_a_clear_error(org: None, en: Client) -> None:
    response = en.post("/accounts/register/", _register_data(resident_id="371121199303151231"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "The last character of this resident ID does not match: please check it." in body
    assert 'aria-invalid="true"' in body
    assert User.objects.count() == 0


def test_register_with_a_weak_password(org: None, en: Client) -> None:
    response = en.post(
        "/accounts/register/", _register_data(password1="40817263549", password2="40817263549")
    )
    assert "This password is entirely numeric." in response.content.decode()
    assert User.objects.count() == 0


def test_register_with_mismatched_passwords(org: None, en: Client) -> None:
    response = en.post("/accounts/register/", _register_data(password2="something-else"))
    assert "The two passwords differ." in response.content.decode()
    assert User.objects.count() == 0


def test_register_twice_with_the_same_id(citizen: User, en: Client) -> None:
    response = en.post("/accounts/register/", _register_data(username="another"))
    assert "An account with this resident ID already exists." in response.content.decode()
    assert User.objects.count() == 1


def test_my_account_lists_roles(officer_ps: User, en: Client) -> None:
    en.force_login(officer_ps)
    body = en.get("/accounts/me/").content.decode()
    assert "Department officer" in body
    assert "Wulian County Public Security Bureau" in body


def test_my_account_needs_login(db: None, client: Client) -> None:
    response = client.get("/accounts/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/accounts/me/")
