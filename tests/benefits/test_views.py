"""The pages: my benefits (list, offer, confirm, opt-out and opt-in), who may open them, and
the console of the granting departments."""

from __future__ import annotations

from typing import Any

from django.test import Client

from onestop.accounts.models import User
from onestop.benefits import services
from onestop.benefits.models import Offer, OptOut
from tests.benefits.conftest import TODAY


def _offer(citizen: User) -> Offer:
    services.subject_check(holder=citizen, today=TODAY)
    return Offer.objects.get(holder=citizen, rule="newborn-insurance")


def test_my_space_shows_the_offer_and_confirms_it(
    client: Client, login: Any, citizen: User
) -> None:
    offer = _offer(citizen)
    login(citizen)
    listed = client.get("/me/benefits/").content.decode()
    assert "Resident medical insurance for your newborn" in listed
    assert "Vaccination reminders for your child" in listed
    assert "My benefits" in client.get("/accounts/me/").content.decode()

    page = client.get(f"/me/benefits/{offer.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert "Birth medical certificate" in html  # the source of the facts
    assert "2026-11-10" in html
    assert 'id="confirm"' in html

    assert client.post(f"/me/benefits/{offer.pk}/confirm/").status_code == 302
    assert client.post(f"/me/benefits/{offer.pk}/confirm/").status_code == 302  # twice: once
    offer.refresh_from_db()
    assert offer.status == Offer.Status.CONFIRMED
    assert 'id="confirm"' not in client.get(f"/me/benefits/{offer.pk}/").content.decode()


def test_opt_out_and_in_from_my_space(client: Client, login: Any, citizen: User) -> None:
    offer = _offer(citizen)
    login(citizen)
    done = client.post(
        "/me/benefits/opt-out/", {"rule": "newborn-insurance", "next": "https://evil.example/"}
    )
    assert (done.status_code, done["Location"]) == (302, "/me/benefits/")
    assert OptOut.objects.filter(holder=citizen, rule="newborn-insurance").exists()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.OFFERED  # for the future only
    assert "you opted out" in client.get("/me/benefits/").content.decode()
    page = client.get(f"/me/benefits/{offer.pk}/").content.decode()
    assert 'id="offer-still-open"' in page
    assert 'id="confirm"' in page
    assert 'id="decline"' in page
    assert client.post(f"/me/benefits/{offer.pk}/decline/").status_code == 302
    offer.refresh_from_db()
    assert offer.status == Offer.Status.DECLINED
    assert 'id="offer-declined"' in client.get(f"/me/benefits/{offer.pk}/").content.decode()

    client.post("/me/benefits/opt-in/", {"rule": "newborn-insurance"})
    assert not OptOut.objects.exists()
    bad = client.post("/me/benefits/opt-out/", {"rule": "nonsense"}, follow=True)
    assert "There is no such benefit." in bad.content.decode()
    assert not OptOut.objects.exists()


def test_nobody_else_opens_or_confirms_an_offer(
    client: Client, login: Any, citizen: User, users: dict[str, User]
) -> None:
    offer = _offer(citizen)
    url = f"/me/benefits/{offer.pk}/"
    assert client.get(url).status_code == 302  # to the sign-in page
    for other in (users["business"], users["officer-yb"], users["officer-ps"]):
        login(other)
        assert client.get(url).status_code == 404
        assert client.post(url + "confirm/").status_code == 404
        assert client.post(url + "decline/").status_code == 404
    offer.refresh_from_db()
    assert offer.status == Offer.Status.OFFERED
    assert client.get("/me/benefits/999999/").status_code == 404


def test_the_console(client: Client, login: Any, citizen: User, users: dict[str, User]) -> None:
    _offer(citizen)
    login(users["officer-yb"])
    page = client.get("/benefits/console/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Resident medical insurance for your newborn" in html
    assert "张伟" not in html  # no holder's name in the console
    login(users["officer-ps"])
    assert client.get("/benefits/console/").status_code == 403
    login(citizen)
    assert client.get("/benefits/console/").status_code == 403
