"""The demo seed's people (walk #15.7): a second citizen with a resident ID for the assisted-
handling demos, with the published demo password, listed among the demo accounts that a
production node refuses."""

from __future__ import annotations

import pytest

from onestop.accounts.models import User
from onestop.accounts.seed import DEMO_PASSWORD, demo_usernames, seed_accounts
from onestop.core.seed import seed_calendar
from onestop.org.seed import seed_org

pytestmark = pytest.mark.django_db


def test_a_second_citizen_is_seeded_once() -> None:
    seed_calendar()
    seed_org()
    done = seed_accounts()
    assert f"citizen2/{DEMO_PASSWORD}" in done
    second = User.objects.get(username="citizen2")
    assert second.kind == "citizen"
    assert second.real_name == "王晓燕"
    assert second.check_password(DEMO_PASSWORD)
    assert second.real_name_level == User.AssuranceLevel.L2
    assert second.resident_id_index  # a resident ID, looked up by its blind index
    assert "citizen2" in demo_usernames()
    seed_accounts()
    assert User.objects.filter(username__startswith="citizen").count() == 2
