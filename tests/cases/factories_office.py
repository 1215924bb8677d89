"""Test data of the back-office tests (helper D).

The organisation, accounts and catalogue come from their own seed steps. Queue rows are
written directly as the item cases the core leaves behind after acceptance and each engine step
(status, task_name / task_lane, due date), so scoping, colours, filters and query counts can be
tested on exactly the rows they need; the actions go through the real services.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from onestop.accounts.models import StaffRole, User
from onestop.cases import clock
from onestop.cases.models import Case
from onestop.catalog.models import Item
from tests.factories import OTHER_REGION, other_region_staff, worlds

PASSWORD = "onestop-demo-2026"
R = StaffRole.Role
_seq = {"n": 80000}  # far from the numbers the services give out


def _seed_world() -> None:
    """Regions and departments, demo accounts, registries and the demo catalogue."""
    from onestop.accounts import services as account_services
    from onestop.accounts.seed import seed_accounts
    from onestop.catalog.seed import seed_catalog
    from onestop.credentials.seed import seed_licence_types
    from onestop.org.seed import seed_org
    from onestop.sharing.seed import seed_datasets

    seed_org()

    seed_org(region=OTHER_REGION)
    seed_accounts()
    other_region_staff()
    seed_datasets()
    seed_licence_types()
    seed_catalog()
    seed_catalog(region=OTHER_REGION)
    admin = User.objects.get(username="admin")
    for username, roles in (
        ("office-ps2", [(R.DEPARTMENT_OFFICER, "371121", "371121-public-security")]),
        ("office-health", [(R.DEPARTMENT_OFFICER, "371121", "371121-health")]),
        ("supervisor-gy", [(R.SUPERVISOR, "320707", None)]),
    ):
        if not User.objects.filter(username=username).exists():
            account_services.staff_create(
                actor=admin, username=username, password=PASSWORD, real_name=username, roles=roles
            )


def seed_world() -> dict[str, User]:
    """The world above, built once per test process (a template: tests/factories/worlds.py)."""
    return worlds.use("cases-office", _seed_world)


def item_of(department: str) -> Item:
    """A seeded item implemented by `department` (a department code) with a limit of at least
    five working days."""
    item = (
        Item.objects.filter(implementing_department_id=department, promised_days__gte=5)
        .order_by("code")
        .first()
    )
    assert item is not None, department
    return item


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def number(region: str, day: datetime.date) -> str:
    _seq["n"] += 1
    return f"{region}-{day:%Y%m%d}-{_seq['n']:05d}"


def item_case(
    *,
    item: Item,
    accepted: datetime.date | None = None,
    status: str = Case.Status.ACCEPTED,
    task: str = "review",
    lane: str = "department",
    parent: Case | None = None,
    applicant_name: str = "张伟",
    **fields: Any,
) -> Case:
    """An item case of `item` waiting for `task` in `lane` (as the engine sync leaves it)."""
    accepted = accepted or timezone.localdate()
    moment = at(accepted)
    promised = item.promised_days or 0
    case = Case(
        number=number(item.region_id, accepted),
        kind=Case.Kind.ITEM,
        parent=parent,
        item=item,
        region_id=item.region_id,
        department=item.implementing_department,
        channel=Case.Channel.WINDOW,
        status=status,
        applicant_name="" if parent else applicant_name,
        accepted_at=moment,
        submitted_at=moment,
        promised_days=promised,
        due_date=clock.due_date_for(start=accepted, promised_days=promised),
        task_name=task if status in (Case.Status.ACCEPTED, Case.Status.SUPPLEMENT) else "",
        task_lane=lane if status in (Case.Status.ACCEPTED, Case.Status.SUPPLEMENT) else "",
    )
    if status == Case.Status.SUPPLEMENT:
        case.task_name, case.task_lane = "supplement", "applicant"
        case.paused_since = moment
    for name, value in fields.items():
        setattr(case, name, value)
    case.full_clean()
    case.save()
    return case
