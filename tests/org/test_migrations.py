"""The queue ticket's move from `cases` to `org` keeps the table's rows: forwards on a database
that holds tickets (their catalogue and case links become plain references, the table is
renamed, the allocator's counters start where each centre's day is), and back again.

Migrating is the cost of this test (SQLite remakes a table for most operations), so it goes
back from the latest state once, then forwards and back over the move's own five migrations
only (MOVED), and to the latest state once at the end."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from onestop.core.models import DayCounter
from tests.factories import OTHER_REGION

BEFORE = [
    ("cases", "0004_queue_waiting_index"),
    ("org", "0002_comprehensive_only_hours_and_townships"),
]
# The move itself: the ticket's reference columns, the rows' references, the links dropped, the
# table renamed to org's (what depends on them, 17 later migrations, stays unapplied between).
MOVED = [
    ("cases", "0008_queueticket_moved_to_org"),
    ("org", "0003_queueticket_from_cases"),
]
DAY = datetime.date(2026, 3, 2)


def _migrate(targets: list[tuple[str, str]] | None = None) -> None:
    """Migrate to `targets` (None: every app's latest)."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


def _old_apps() -> Any:
    """Migrate back to BEFORE and return the apps of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    executor.loader.build_graph()
    return executor.loader.project_state(BEFORE).apps


def _world() -> dict[str, Any]:
    """A centre, a scenario and an item of its region, and a case (by today's services)."""
    from onestop.catalog.models import Item, Scenario
    from onestop.catalog.seed import seed_catalog
    from onestop.credentials.seed import seed_licence_types
    from onestop.org.models import ServiceCentre
    from onestop.org.seed import seed_org
    from onestop.sharing.seed import seed_datasets
    from tests.factories import CitizenFactory, DraftFactory

    seed_org()

    seed_org(region=OTHER_REGION)
    seed_datasets()
    seed_licence_types()
    seed_catalog()
    seed_catalog(region=OTHER_REGION)
    centre = ServiceCentre.objects.get(slug="wulian-centre")
    item = Item.objects.filter(region_id=centre.region_id).exclude(implementing_department=None)[0]
    scenario = Scenario.objects.filter(region_id=centre.region_id)[0]
    citizen = CitizenFactory(resident_id="110101199003070038")  # valid, from tests/cases
    case = DraftFactory(actor=citizen, item=item)
    return {"centre": centre, "item": item, "scenario": scenario, "case": case}


@pytest.mark.django_db(transaction=True)
def test_the_tickets_move_to_org_with_their_rows() -> None:
    world = _world()
    try:
        _forwards_and_back(world)
    finally:
        _migrate()  # leave the database as the other tests expect it, whatever happened


def _forwards_and_back(world: dict[str, Any]) -> None:
    centre, item, scenario, case = world["centre"], world["item"], world["scenario"], world["case"]
    old = _old_apps()
    ticket_model = old.get_model("cases", "QueueTicket")
    rows = {
        "scenario": {"seq": 1, "scenario_id": scenario.pk, "status": "waiting"},
        "item": {"seq": 2, "item_id": item.pk, "case_id": case.pk, "status": "served"},
        "other": {"seq": 3, "status": "absent"},
    }
    pks = {
        key: ticket_model.objects.create(
            centre_id=centre.pk, day=DAY, number=f"A{row['seq']:03d}", **row
        ).pk
        for key, row in rows.items()
    }

    _migrate(MOVED)

    from onestop.org import services
    from onestop.org.models import QueueTicket

    tables = connection.introspection.table_names()
    assert "org_queueticket" in tables
    assert "cases_queueticket" not in tables
    moved = {t.pk: t for t in QueueTicket.objects.all()}
    assert sorted(moved) == sorted(pks.values())  # the same rows, the same ids
    by_scenario, by_item, other = (moved[pks[k]] for k in ("scenario", "item", "other"))
    assert (by_scenario.purpose_ref, by_scenario.department_id) == (
        f"scenario:{scenario.slug}",
        None,
    )
    assert (by_item.purpose_ref, by_item.department_id) == (
        f"item:{item.code}",
        item.implementing_department_id,
    )
    assert by_item.served_ref == f"case:{case.pk}"
    assert (other.purpose_ref, other.served_ref, other.status) == ("", "", "absent")
    assert [t.number for t in QueueTicket.objects.filter(centre=centre, day=DAY)] == [
        "A001",
        "A002",
        "A003",
    ]
    counter = DayCounter.objects.get(series=services.ticket_series(centre), day=DAY)
    assert counter.last == 3
    # The next walk-in of that day gets the next number, from the one allocator.
    from onestop.core.actors import SYSTEM

    assert services.ticket_take(actor=SYSTEM, centre=centre, day=DAY).number == "A004"

    # Back again: the links are found from the references, the counters go.
    old = _old_apps()
    ticket_model = old.get_model("cases", "QueueTicket")
    back = {t.pk: t for t in ticket_model.objects.all()}
    assert back[pks["scenario"]].scenario_id == scenario.pk
    assert back[pks["item"]].item_id == item.pk
    assert back[pks["item"]].case_id == case.pk
    assert back[pks["other"]].item_id is None
    assert not DayCounter.objects.filter(series__startswith="queue-").exists()
    assert "cases_queueticket" in connection.introspection.table_names()
