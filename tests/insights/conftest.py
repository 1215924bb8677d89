"""Fixtures of the insights tests: the demo organisation, accounts and hotline catalogue (loaded
by their own seed steps), English, and one month (March 2026, Asia/Shanghai) of work orders
built through the hotline services with a clock the tests control.

The month, per handling unit of Wulian (371121):

- public security (PS): o1 signed on time, callback satisfied + resolved; o2 signed on time,
  callback unsatisfied + unresolved, reopened and signed again on time; o3 signed late, callback
  satisfied but unresolved; o4 never signed (overdue); o5 dispatched then merged into o4 (left
  out); h2 returned by HR, upheld and re-dispatched to PS, signed on time; p0 dispatched in
  February (another month).
- human resources (HR): h1 returned, the return rejected, signed on time, callback satisfied +
  resolved; h2 returned (see above).
- c1: a consultation answered on the call (volumes only).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from onestop.accounts.models import User
from onestop.hotline import services
from onestop.hotline.models import WorkOrder
from tests.factories import OTHER_REGION, other_region_staff, worlds

SH = ZoneInfo("Asia/Shanghai")
PS = "371121-public-security"
HR = "371121-human-resources-social-security"
ORDER = "public-security.public-order"
PROPERTY = "urban-rural-construction.property-management"
MARCH = datetime.date(2026, 3, 1)
AFTER = datetime.datetime(2026, 4, 1, 12, 0, tzinfo=SH)


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=SH)


@pytest.fixture(autouse=True)
def _english_and_media(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield


class Clock:
    def __init__(self) -> None:
        self.now = at(1, 9)

    def set(self, moment: datetime.datetime) -> None:
        self.now = moment


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(services, "_now", lambda: c.now)
    monkeypatch.setattr(services, "_notify", lambda **kw: None)
    return c


def build_world() -> None:
    from onestop.accounts.seed import seed_accounts
    from onestop.hotline.seed import seed_catalogue
    from onestop.org.seed import seed_org

    seed_org()

    seed_org(region=OTHER_REGION)
    seed_accounts()
    other_region_staff()
    seed_catalogue()


@worlds.fixture("org-accounts-hotline-catalogue", build_world)
def world(db: None) -> dict[str, User]:
    return worlds.use("org-accounts-hotline-catalogue")


def fresh(user: User) -> User:
    """The user re-read (no cached roles), as a new request would see it."""
    return User.objects.get(pk=user.pk)


@pytest.fixture
def month(world: dict[str, User], clock: Clock) -> dict[str, WorkOrder]:
    agent, supervisor = world["agent"], world["supervisor"]
    ps, hr = world["officer-ps"], world["officer-hr"]

    def create(category: str = ORDER, channel: str = "phone", kind: str = "complaint"):
        return services.ticket_create(
            actor=agent,
            channel=channel,
            request_type=kind,
            category=category,
            description="Noise from the night market until 2 a.m.",
            contact_phone="13800138000",
            region="371121",
        )

    def dispatch(order: WorkOrder, department: str, when: datetime.datetime) -> WorkOrder:
        clock.set(when)
        return services.ticket_dispatch(actor=agent, order=order, department=department)

    def handle(order: WorkOrder, officer: User, signed: datetime.datetime) -> WorkOrder:
        clock.set(signed)
        order = services.ticket_sign_for(actor=officer, order=order)
        order = services.ticket_start(actor=officer, order=order)
        clock.set(signed + datetime.timedelta(days=1))
        return services.ticket_reply(actor=officer, order=order, text="Handled on site.")

    def callback(order: WorkOrder, *, satisfied: bool, resolved: bool) -> WorkOrder:
        clock.set(at(10, 10))
        return services.ticket_callback(
            actor=agent, order=order, satisfied=satisfied, resolved=resolved
        )

    orders: dict[str, WorkOrder] = {}
    clock.set(at(26, 9, month=2))
    orders["p0"] = dispatch(create(), PS, at(26, 10, month=2))
    clock.set(at(26, 11, month=2))
    services.ticket_sign_for(actor=ps, order=orders["p0"])

    clock.set(at(2, 9))
    created = {
        "o1": create(),
        "o2": create(channel="web"),
        "o3": create(),
        "o4": create(),
        "o5": create(),
        "h1": create(PROPERTY),
        "h2": create(PROPERTY, channel="app"),
    }
    for name, order in created.items():
        department = HR if name.startswith("h") else PS
        orders[name] = dispatch(order, department, at(2, 10))

    orders["o1"] = callback(handle(orders["o1"], ps, at(2, 11)), satisfied=True, resolved=True)
    orders["o2"] = callback(handle(orders["o2"], ps, at(2, 11)), satisfied=False, resolved=False)
    clock.set(at(10, 12))
    orders["o2"] = services.ticket_sign_for(actor=ps, order=orders["o2"])
    orders["o3"] = callback(handle(orders["o3"], ps, at(5, 9)), satisfied=True, resolved=False)
    clock.set(at(2, 10, 30))
    orders["o5"] = services.ticket_merge(actor=agent, duplicate=orders["o5"], master=orders["o4"])

    for name in ("h1", "h2"):
        clock.set(at(2, 11))
        orders[name] = services.ticket_return(actor=hr, order=orders[name], reason="Not ours.")
    clock.set(at(2, 13))
    orders["h1"] = services.ticket_arbitrate(actor=supervisor, order=orders["h1"], uphold=False)
    orders["h2"] = services.ticket_arbitrate(
        actor=supervisor, order=orders["h2"], uphold=True, department=PS
    )
    orders["h1"] = callback(handle(orders["h1"], hr, at(2, 14)), satisfied=True, resolved=True)
    clock.set(at(2, 14))
    orders["h2"] = services.ticket_sign_for(actor=ps, order=orders["h2"])

    clock.set(at(3, 9))
    consultation = create(PROPERTY, channel="app", kind="consultation")
    orders["c1"] = services.ticket_answer_on_spot(
        actor=agent, order=consultation, text="Call the property office."
    )
    return orders
