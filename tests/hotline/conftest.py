"""Fixtures of the hotline tests: the demo organisation, accounts and hotline catalogue (loaded
by their own seed steps, which write through the services), English, files in a temp dir, and
a clock the tests can move."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone, translation

from onestop.accounts.models import StaffRole, User
from onestop.hotline import services
from onestop.hotline.models import WorkOrder
from tests.factories import OTHER_REGION, other_region_staff, worlds

R = StaffRole.Role
PASSWORD = "onestop-demo-2026"
EXTRA_STAFF: list[tuple[str, list[tuple[str, str, str | None]]]] = [
    ("officer-water", [(R.DEPARTMENT_OFFICER, "371121", "371121-water-supply")]),
    ("agent-gy", [(R.HOTLINE_AGENT, "320707", None)]),
]


@pytest.fixture(autouse=True)
def _english_and_media(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield


class Clock:
    """`services._now` under the test's control."""

    def __init__(self) -> None:
        self.now = timezone.now()

    def set(self, moment: datetime.datetime) -> None:
        self.now = moment

    def advance(self, **delta: float) -> None:
        self.now += datetime.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(services, "_now", lambda: c.now)
    return c


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Notifications handed to notify (after commit)."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(services, "_notify", lambda **kw: calls.append(kw))
    return calls


def build_world() -> None:
    """The org, the demo accounts, the 12345 catalogue and the extra staff (a template world)."""
    from onestop.accounts import services as account_services
    from onestop.accounts.seed import seed_accounts
    from onestop.hotline.seed import seed_catalogue
    from onestop.org.seed import seed_org

    seed_org()

    seed_org(region=OTHER_REGION)
    seed_accounts()
    other_region_staff()
    seed_catalogue()
    admin = User.objects.get(username="admin")
    for username, roles in EXTRA_STAFF:
        account_services.staff_create(
            actor=admin, username=username, password=PASSWORD, real_name=username, roles=roles
        )


@worlds.fixture("hotline", build_world)
def world(db: None) -> dict[str, User]:
    return worlds.use("hotline")


@pytest.fixture
def make(world: dict[str, User]) -> Callable[..., WorkOrder]:
    def create(**overrides: Any) -> WorkOrder:
        values: dict[str, Any] = {
            "actor": world["agent"],
            "channel": "phone",
            "request_type": "complaint",
            "category": "public-security.public-order",
            "description": "The barbecue downstairs is noisy until 2 a.m. every night.",
            "contact_name": "Li",
            "contact_phone": "13800138000",
            "address": "Hongning Street",
            "region": "371121",
        }
        values.update(overrides)
        return services.ticket_create(**values)

    return create
