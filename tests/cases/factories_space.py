"""Test data of the "my space / time limits / burden" tests (helper E).

The demo organisation, accounts and catalogue come from their own seed steps. Cases are written
directly as the rows `cases.services` leaves behind after acceptance, so the clock, the tick and
the burden figures can be tested on exactly the dates they need.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from onestop.accounts.models import User
from onestop.cases import clock
from onestop.cases.models import Case, CaseEvent
from onestop.catalog.models import Item, Scenario
from tests.factories import OTHER_REGION, other_region_staff, worlds

# Numbers from 90001 up, clear of the ones `services` allocates (from 1) in the same test.
_seq = {"n": 90000}


def _seed_world() -> None:
    """Regions and departments, demo accounts, registries and the demo catalogue."""
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


def seed_world() -> dict[str, User]:
    """The world above, built once per test process (a template: tests/factories/worlds.py)."""
    return worlds.use("org-accounts-registries-catalogue", _seed_world)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    """A local time on `day` (aware)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def number(region: str = "371121", day: datetime.date | None = None) -> str:
    _seq["n"] += 1
    stamp = (day or timezone.localdate()).strftime("%Y%m%d")
    return f"{region}-{stamp}-{_seq['n']:05d}"


def item_case(
    *,
    item: Item,
    accepted: datetime.date,
    promised_days: int | None = None,
    applicant: User | None = None,
    parent: Case | None = None,
    status: str = Case.Status.ACCEPTED,
    **fields: Any,
) -> Case:
    """An accepted item case of `item`, as acceptance leaves it (due date from the clock)."""
    promised = item.promised_days if promised_days is None else promised_days
    moment = at(accepted)
    case = Case(
        number=number(item.region_id, accepted),
        kind=Case.Kind.ITEM,
        parent=parent,
        item=item,
        region_id=item.region_id,
        department=item.implementing_department,
        channel=Case.Channel.ONLINE,
        status=status,
        applicant=applicant if parent is None else None,
        applicant_name=applicant.real_name if applicant else "",
        accepted_at=moment,
        submitted_at=moment,
        promised_days=promised,
        due_date=clock.due_date_for(start=accepted, promised_days=promised),
    )
    for name, value in fields.items():
        setattr(case, name, value)
    case.full_clean()
    case.save()
    CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.ACCEPTED, at=moment)
    return case


def bundle_case(
    *,
    scenario: Scenario,
    accepted: datetime.date,
    applicant: User | None,
    items: list[Item] | None = None,
    status: str = Case.Status.ACCEPTED,
    **fields: Any,
) -> Case:
    """An accepted bundle of `scenario` with one item case per item (default: every item)."""
    moment = at(accepted)
    top = Case(
        number=number(scenario.region_id, accepted),
        kind=Case.Kind.BUNDLE,
        scenario=scenario,
        region_id=scenario.region_id,
        department=scenario.lead_department,
        channel=Case.Channel.ONLINE,
        status=status,
        applicant=applicant,
        applicant_name=applicant.real_name if applicant else "",
        accepted_at=moment,
        submitted_at=moment,
    )
    for name, value in fields.items():
        setattr(top, name, value)
    top.full_clean()
    top.save()
    CaseEvent.objects.create(case=top, kind=CaseEvent.Kind.SUBMITTED, at=moment)
    for item in items if items is not None else list(scenario.items.all()):
        item_case(item=item, accepted=accepted, parent=top)
    return top
