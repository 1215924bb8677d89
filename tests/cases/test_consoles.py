"""The staff navigation (web.consoles): each staff member is offered exactly the consoles they
may open, every offered link answers, every console not offered is refused (nav and policy
agree), and staff land on their own console after signing in."""

import re
from typing import Any

import pytest
from django.urls import reverse

from onestop.web import consoles
from tests.factories import PASSWORD

NAV = re.compile(r'class="os-staffnav__link" href="([^"]+)"')

EXPECTED = {
    "clerk": ["cases:window", "accounts:delegation_record", "reviews:pad_pair"],
    "officer-ps": [
        "cases:office",
        "reviews:console",
        "hotline:department",
        "insights:steering",
        "insights:hotspots",
        "credentials:issued",
    ],
    "agent": ["hotline:desk"],
    "supervisor": [
        "cases:supervisor",
        "hotline:desk",
        "reviews:console",
        "benefits:console",
        "hotline:supervisor",
        "hotline:routing",
        "insights:steering",
        "insights:hotspots",
    ],
    "citizen": [],
}


def _offered(client: Any) -> list[str]:
    return NAV.findall(client.get(reverse("web:home")).content.decode())


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_staff_are_offered_their_consoles_and_each_answers(
    username: str, users: dict[str, Any], login: Any
) -> None:
    client = login(users[username])
    offered = _offered(client)
    assert offered == [reverse(name) for name in EXPECTED[username]]
    for url in offered:
        assert client.get(url).status_code == 200, url
    # Every other console refuses them: none opens without being offered (the window clerk
    # could open the issued e-licences, empty). Django's admin sends them to its own sign-in.
    others = {c.url for c in consoles.registered()} - set(offered)
    for url in sorted(others):
        status = client.get(url).status_code
        assert status == (302 if url == reverse("admin:index") else 403), (url, status)


def test_a_console_someone_may_not_open_is_not_offered(users: dict[str, Any], login: Any) -> None:
    """The officer used to see "Agent desk" and "Supervisor console" buttons that answered 403."""
    client = login(users["officer-ps"])
    page = client.get(reverse("hotline:department")).content.decode()
    assert reverse("hotline:desk") not in page
    assert reverse("hotline:supervisor") not in page
    assert client.get(reverse("hotline:desk")).status_code == 403


def test_citizens_see_no_staff_navigation(users: dict[str, Any], login: Any) -> None:
    page = login(users["citizen"]).get(reverse("web:home")).content.decode()
    assert "os-staffnav" not in page


def test_staff_land_on_their_console_and_citizens_on_the_home_page(
    users: dict[str, Any], client: Any
) -> None:
    login_url = reverse("accounts:login")
    answer = client.post(login_url, {"username": "clerk", "password": PASSWORD})
    assert answer.status_code == 302
    assert answer["Location"] == reverse("cases:window")
    client.logout()
    answer = client.post(login_url, {"username": "citizen", "password": PASSWORD})
    assert answer["Location"] == reverse("web:home")
    client.logout()
    answer = client.post(
        login_url + "?next=/me/cases/", {"username": "agent", "password": PASSWORD}
    )
    assert answer["Location"] == "/me/cases/"  # an asked-for page still wins
