"""The staff navigation offers each demo member of staff only consoles they may open (walk
#15.5: a console in the navigation that answers 403 is a broken promise). The demo
accounts and their roles come from the demo seed's own steps."""

from __future__ import annotations

import pytest

from onestop.accounts.seed import STAFF, seed_accounts
from onestop.core.seed import seed_calendar
from onestop.org.seed import seed_org
from onestop.web import consoles
from tests.factories import login

pytestmark = pytest.mark.django_db


def test_every_console_offered_opens() -> None:
    from onestop.accounts.models import User

    seed_calendar()
    seed_org()
    seed_accounts()
    every = consoles.for_user(User.objects.get(username="admin"))
    assert len(every) >= 10  # the superuser is offered every console
    checked = 0
    for username, _name, _roles in STAFF:
        user = User.objects.get(username=username)
        offered = {console.key for console in consoles.for_user(user)}
        client = login(user)
        for console in every:
            if console.key in offered:
                status = client.get(console.url).status_code
                assert status == 200, (username, console.key, status)
                checked += 1
    assert checked >= len(STAFF)
