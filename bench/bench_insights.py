"""Insights: (1) the hotspot test's false-alarm rate and detection on generated data, and
(2) the dashboards' server time (median / p95) and queries per request with 1,000,000 hotline
orders and 500,000 cases (BENCH_QUICK=1: 20,000 and 10,000).

(1) `spikes`: cells (a category in a place) with a weekly rate drawn from RATES; 8 weeks of
Poisson history then a current week. No spike: the current week is Poisson at the same rate;
the share of cell-weeks flagged is the false-alarm rate. Spike: the current week gets EXTRA more
requests than the rate (or ×3); the share flagged is the detection. The test is
`onestop.insights.spikes.test`, the one the worker runs.

(2) `pages`: synthetic rows written straight into the tables (PostgreSQL: COPY; SQLite:
bulk_create) over the last 365 days of Wulian (371121): work orders across the level-2
categories, 12 townships, every channel and status; item cases across the seeded items, both
channels, a tenth with a supplement; completed bundles; queue tickets. Then the daily rollups
of every closed day (`insights.rollups.roll_days`, timed) and one worker tick (`roll_due`,
timed): the pages read the closed days from the rollups and today live. The director is the demo
`supervisor`, the department head the demo `officer-ps`, both signed in with their second
factor; pages are fetched with the test client in-process.
"""

from __future__ import annotations

import datetime
import io
import os
import random
import time
import uuid
from typing import Any

from bench.common import measure, setup_django, table, write

QUICK = os.environ.get("BENCH_QUICK") == "1"
ORDERS = 20_000 if QUICK else 1_000_000
CASES = 10_000 if QUICK else 500_000
TICKETS = 2_000 if QUICK else 50_000
REGION = "371121"
DAYS = 365
TOWNSHIPS = [
    "洪凝",
    "街头",
    "中至",
    "许孟",
    "于里",
    "汪湖",
    "叩官",
    "松柏",
    "高泽",
    "石场",
    "户部",
    "潮河",
]
RATES = [0.2, 0.5, 1, 2, 5, 10, 20, 50]
EXTRA = [5, 10, 20]


# --- (1) the test on generated data -------------------------------------------------------------


def bench_spikes() -> list[dict[str, Any]]:
    import numpy as np

    from onestop.insights import spikes

    rng = np.random.default_rng(15)
    cells = 2_000 if QUICK else 20_000
    rows = []
    for rate in RATES:
        history = rng.poisson(rate, size=(cells, spikes.BASELINE_WEEKS))
        calm = rng.poisson(rate, size=cells)
        false_alarms = sum(
            spikes.test(h.tolist(), int(c)).spike for h, c in zip(history, calm, strict=True)
        )
        row: dict[str, Any] = {
            "weekly rate": rate,
            "cell-weeks": cells,
            "false alarms": int(false_alarms),
            "false-alarm rate": f"{false_alarms / cells:.5f}",
        }
        for extra in EXTRA:
            hit = sum(
                spikes.test(h.tolist(), int(c) + extra).spike
                for h, c in zip(history, calm, strict=True)
            )
            row[f"detected +{extra}"] = f"{hit / cells:.3f}"
        tripled = rng.poisson(rate * 3, size=cells)
        hit = sum(
            spikes.test(h.tolist(), int(c)).spike for h, c in zip(history, tripled, strict=True)
        )
        row["detected ×3"] = f"{hit / cells:.3f}"
        rows.append(row)
    return rows


# --- (2) the pages at volume -------------------------------------------------------------------


def _seed_base() -> None:
    from onestop.core import seeding

    for step in seeding.steps():
        if step.order <= 50 or step.name == "hotline-catalogue":
            step.run()


def _columns(model: Any) -> list[Any]:
    return [
        f
        for f in model._meta.concrete_fields
        if not (
            f.primary_key
            and f.name == "id"
            and f.get_internal_type() in ("BigAutoField", "AutoField")
        )
    ]


def _insert(model: Any, rows: list[dict[str, Any]]) -> None:
    """Write `rows` (field name → value; the other fields take their defaults) into `model`'s
    table: COPY on PostgreSQL, bulk_create elsewhere."""
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        with transaction.atomic():
            model.objects.bulk_create([model(**r) for r in rows], batch_size=2000)
        return
    fields = _columns(model)
    defaults = {}
    for f in fields:
        if f.has_default():
            defaults[f.attname] = f.get_default()
        elif f.null:
            defaults[f.attname] = None
        else:
            defaults[f.attname] = ""
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    with transaction.atomic(), connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for r in rows:
            values = []
            for f in fields:
                value = r.get(f.attname, r.get(f.name, defaults[f.attname]))
                if isinstance(value, (dict, list)):
                    import json

                    value = json.dumps(value)
                values.append(value)
            copy.write_row(values)


def _generate(rng: random.Random) -> dict[str, int]:  # noqa: PLR0915 - one loop per table
    from django.db import connection
    from django.utils import timezone

    from onestop.cases.models import Case, Supplement
    from onestop.catalog.models import Item, Scenario
    from onestop.hotline.models import Category, WorkOrder
    from onestop.org.models import Department, QueueTicket, ServiceCentre

    now = timezone.now()
    departments = set(Department.objects.filter(region_id=REGION).values_list("code", flat=True))
    categories = [
        (c.code, f"{REGION}-{c.default_kind_id}")
        for c in Category.objects.filter(level=2, default_kind__isnull=False)
        if f"{REGION}-{c.default_kind_id}" in departments
    ]
    items = list(
        Item.objects.filter(region_id=REGION, implementing_department__isnull=False).values_list(
            "id", "implementing_department_id", "promised_days"
        )
    )
    scenarios = list(Scenario.objects.filter(region_id=REGION).values_list("id", flat=True))
    centre = ServiceCentre.objects.filter(region_id=REGION).order_by("pk").first()
    supervisor_id = (
        Case._meta.get_field("decided_by").related_model.objects.get(username="officer-ps").pk
    )
    channels = [c for c, _ in WorkOrder.Channel.choices]
    types = ["complaint", "assistance", "report", "consultation", "suggestion"]
    started = time.perf_counter()
    batch: list[dict[str, Any]] = []
    # Oldest first, as a table appended to over a year (the period reads rely on it).
    ages = sorted((rng.randrange(DAYS * 86400) for _ in range(ORDERS)), reverse=True)
    for n in range(ORDERS):
        created = now - datetime.timedelta(seconds=ages[n])
        category, department = rng.choice(categories)
        dispatched = created + datetime.timedelta(minutes=rng.randrange(5, 240))
        signed = dispatched + datetime.timedelta(hours=rng.randrange(1, 40))
        called = rng.random() < 0.7
        batch.append(
            {
                "number": f"{REGION}-{created:%Y%m%d}-8{n:07d}",
                "region": REGION,
                "request_type": rng.choice(types),
                "category_id": category,
                "channel": rng.choice(channels),
                "contact_phone_enc": "",
                "contact_phone_masked": "138****0000",
                "contact_index": "",
                "address": "",
                "contact_name": "",
                "township": rng.choice(TOWNSHIPS),
                "description": "bench",
                "status": "closed" if called else rng.choice(["signed", "in_progress", "replied"]),
                "lead_department_id": department,
                "dispatched_at": dispatched,
                "signed_at": signed,
                "respond_by": dispatched + datetime.timedelta(hours=24),
                "resolve_by": dispatched + datetime.timedelta(days=10),
                "replied_at": signed + datetime.timedelta(days=rng.randrange(1, 14)),
                "callback_satisfied": (rng.random() < 0.85) if called else None,
                "callback_resolved": (rng.random() < 0.8) if called else None,
                "created_at": created,
                "updated_at": created,
            }
        )
        if len(batch) >= 50_000:
            _insert(WorkOrder, batch)
            batch = []
    if batch:
        _insert(WorkOrder, batch)
    orders_s = time.perf_counter() - started

    started = time.perf_counter()
    batch, supplements = [], []
    statuses = ["approved"] * 5 + ["completed"] * 3 + ["rejected", "accepted", "supplement"]
    ages = sorted((rng.randrange(DAYS * 86400) for _ in range(CASES)), reverse=True)
    for n in range(CASES):
        item_id, department, promised = rng.choice(items)
        accepted = now - datetime.timedelta(seconds=ages[n])
        status = rng.choice(statuses)
        done = status in ("approved", "completed", "rejected")
        promised = promised or 0
        due = (accepted + datetime.timedelta(days=int(promised * 1.4) + 1)).date()
        decided = accepted + datetime.timedelta(
            days=rng.randrange(0, max(2, int(promised * 1.6) + 2))
        )
        case_id = uuid.uuid4()
        batch.append(
            {
                "id": case_id,
                "number": f"{REGION}-{accepted:%Y%m%d}-7{n:07d}",
                "kind": "item",
                "item_id": item_id,
                "region_id": REGION,
                "department_id": department,
                "channel": "online" if rng.random() < 0.6 else "window",
                "status": status,
                "applicant_name": "bench",
                "contact_phone": "",
                "form_data": {},
                "prefill_values": {},
                "accepted_at": accepted,
                "submitted_at": accepted,
                "promised_days": promised,
                "due_date": due,
                "decision": "approve"
                if status != "rejected" and done
                else ("reject" if done else ""),
                "decided_at": decided if done else None,
                "decided_by_id": supervisor_id if done else None,
                "created_at": accepted,
                "updated_at": accepted,
            }
        )
        if rng.random() < 0.1:
            supplements.append(
                {
                    "case_id": case_id,
                    "requested_by_id": supervisor_id,
                    "reason": "bench",
                    "requested_at": accepted + datetime.timedelta(days=1),
                }
            )
        if len(batch) >= 50_000:
            _insert(Case, batch)
            batch = []
    if batch:
        _insert(Case, batch)
    bundles = []
    for n in range(CASES // 50):
        accepted = now - datetime.timedelta(seconds=rng.randrange(DAYS * 86400))
        bundles.append(
            {
                "id": uuid.uuid4(),
                "number": f"{REGION}-{accepted:%Y%m%d}-6{n:07d}",
                "kind": "bundle",
                "scenario_id": rng.choice(scenarios),
                "region_id": REGION,
                "channel": "online",
                "status": "completed",
                "applicant_name": "bench",
                "contact_phone": "",
                "form_data": {},
                "prefill_values": {},
                "accepted_at": accepted,
                "submitted_at": accepted,
                "completed_at": accepted + datetime.timedelta(days=rng.randrange(1, 20)),
                "materials_submitted": rng.randrange(0, 4),
                "visits": rng.randrange(0, 2),
                "created_at": accepted,
                "updated_at": accepted,
            }
        )
    _insert(Case, bundles)
    _insert(Supplement, supplements)
    tickets = []
    for n in range(TICKETS):
        taken = now - datetime.timedelta(seconds=rng.randrange(DAYS * 86400))
        called = taken + datetime.timedelta(minutes=rng.randrange(1, 60))
        tickets.append(
            {
                "centre_id": centre.pk,
                "day": taken.date(),
                "seq": n + 1,
                "number": f"A{n % 1000:03d}",
                "status": "served",
                "created_at": taken,
                "called_at": called,
                "served_at": called + datetime.timedelta(minutes=rng.randrange(2, 30)),
            }
        )
    _insert(QueueTicket, tickets)
    cases_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return {
        "orders": WorkOrder.objects.count(),
        "cases": Case.objects.filter(kind="item").count(),
        "orders_seconds": round(orders_s, 1),
        "cases_seconds": round(cases_s, 1),
    }


def _queries(client: Any, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return len(ctx.captured_queries)


def bench_pages() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    setup_django("insights")
    import logging

    logging.getLogger("onestop.request").setLevel(logging.WARNING)  # one line per request
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    call_command("check", verbosity=0, stdout=io.StringIO())
    _seed_base()
    from onestop.cases.models import Case
    from onestop.hotline.models import WorkOrder

    if WorkOrder.objects.count() >= ORDERS:  # a database generated by an earlier run: reuse
        sizes = {"orders": WorkOrder.objects.count(), "orders_seconds": 0, "cases_seconds": 0}
        sizes["cases"] = Case.objects.filter(kind="item").count()
    else:
        sizes = _generate(random.Random(15))
    from django.utils import timezone

    from onestop.insights import rollups, services
    from tests.factories import login

    # The daily rollups, as `onestop insights_rollup` builds them (every closed day of the
    # year), then what the worker's tick does on a day like this one (`rollups.roll_due`: the
    # trailing days and those changed since the last roll).
    yesterday = rollups.today() - datetime.timedelta(days=1)
    roll_started = time.perf_counter()
    rolled = rollups.roll_days(
        region=REGION,
        days=[yesterday - datetime.timedelta(days=i) for i in range(rollups.HORIZON_DAYS)],
    )
    roll_s = round(time.perf_counter() - roll_started, 1)
    with connection.cursor() as cursor:  # as autovacuum does after a bulk write
        cursor.execute(
            "ANALYZE insights_caseday, insights_hotlineday, insights_rolledday"
            if connection.vendor == "postgresql"
            else "ANALYZE"
        )
    tick_started = time.perf_counter()
    ticked = rollups.roll_due(region=REGION)
    tick_s = round(time.perf_counter() - tick_started, 1)
    users = get_user_model().objects
    director = login(users.get(username="supervisor"), language="zh-hans")
    head = login(users.get(username="officer-ps"), language="zh-hans")
    scan_started = time.perf_counter()
    scan = services.hotspot_scan(region=REGION)
    scan_ms = round((time.perf_counter() - scan_started) * 1000, 1)
    repeat = int(os.environ.get("BENCH_REPEAT", "5" if QUICK else "20"))
    today = timezone.localdate()
    year_ago = f"{today - datetime.timedelta(days=364):%Y-%m-%d}"
    pages = [
        (director, "/insights/", "director, last 30 days"),
        (director, f"/insights/?from={year_ago}", "director, 365 days"),
        (
            director,
            "/insights/?channel=online&department=371121-public-security",
            "director, filtered",
        ),
        (head, "/insights/", "department head, last 30 days"),
        (director, f"/insights/hotline/?month={today:%Y-%m}", "three rates, this month"),
        (director, "/insights/hotspots/", "hotspot cards"),
        (director, "/insights/export.xlsx", "Excel export, 30 days"),
    ]
    rows = []
    for client, url, what in pages:
        client.get(url)  # warm caches
        stats = measure(lambda c=client, u=url: c.get(u), repeat=repeat, cpu=True)
        rows.append({"page": what, **stats, "queries": _queries(client, url)})
    info = {
        **sizes,
        "database": connection.vendor,
        "hotspot_scan_ms": scan_ms,
        "hotspots_raised": scan.raised,
        "rollup_seconds": roll_s,
        "rollup_days": rolled.days,
        "rollup_case_rows": rolled.case_rows,
        "rollup_hotline_rows": rolled.hotline_rows,
        "rollup_tick_seconds": tick_s,
        "rollup_tick_days": ticked.days,
        "load_average": round(os.getloadavg()[0], 2),
    }
    return rows, info


def main() -> None:
    spike_rows = bench_spikes()
    print(
        table(
            "Hotspot test (Poisson upper tail, trailing 8-week mean, α=0.001, at least 5 "
            "requests): false alarms on no-spike weeks, detection of injected spikes",
            spike_rows,
        )
    )
    page_rows, info = bench_pages()
    print(
        table(
            f"Insights pages on {info['database']} with {info['orders']:,} work orders and "
            f"{info['cases']:,} item cases (ms; load average {info['load_average']})",
            page_rows,
        )
    )
    print(
        f"generated in {info['orders_seconds']} s (orders) + {info['cases_seconds']} s (cases); "
        f"hotspot scan {info['hotspot_scan_ms']} ms, {info['hotspots_raised']} cards"
    )
    print(
        f"rollup of {info['rollup_days']} days: {info['rollup_seconds']} s "
        f"({info['rollup_case_rows']:,} case rows, {info['rollup_hotline_rows']:,} hotline rows); "
        f"a worker tick rolled {info['rollup_tick_days']} days in {info['rollup_tick_seconds']} s"
    )
    path = write(
        "insights" if not QUICK else "insights-quick",
        {"spikes": spike_rows, "pages": page_rows, "info": info, "quick": QUICK},
    )
    print(f"written {path}")


if __name__ == "__main__":
    main()
