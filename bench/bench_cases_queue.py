"""Officer queue page (/office/) and supervisor board: median / p95 server time and queries per
request with 1,000 and with 100,000 cases in the database.

The cases are synthetic rows bulk-created straight into the tables (a tenth bundles, the rest
item cases, a third of those inside a bundle; most finished, about a third waiting for a
department task or for supplements), spread over the seeded items of Wulian (371121) and so
over their implementing departments. The officer is the demo `officer-ps` (public security);
the supervisor is the demo `supervisor`, both signed in with their second factor. The query
count must not grow with the cases. Each row gives the wall clock and this process's CPU time
(on a shared machine the wall clock mostly waits for a core); the load average is printed.
"""

from __future__ import annotations

import datetime
import io
import os
import random
import uuid

from bench.common import measure, setup_django, table, write

QUICK = os.environ.get("BENCH_QUICK") == "1"
TARGET = 100_000
SMALL = 1_000
REGION = "371121"
BUNDLE_SHARE = 0.10
IN_BUNDLE_SHARE = 0.33
# Status of an item case → weight. Open ones carry a task like the engine sync writes.
STATUS_WEIGHTS = [
    ("completed", 55),
    ("rejected", 5),
    ("accepted:review", 14),
    ("accepted:special_step", 4),
    ("accepted:decide", 10),
    ("accepted:applicant", 2),
    ("supplement", 6),
    ("withdrawn", 4),
]
# One in three item cases goes to the benchmark officer's department, so the queue is long.
OFFICER_SHARE = 0.33
OFFICER = "officer-ps"
OFFICER_DEPARTMENT = f"{REGION}-public-security"
STATES = [s for s, _ in STATUS_WEIGHTS]
WEIGHTS = [w for _, w in STATUS_WEIGHTS]


def _seed_base() -> None:
    """Only the seed steps the cases need (calendar, org, accounts, sharing, catalogue)."""
    from onestop.core import seeding

    for step in seeding.steps():
        if step.order <= 50:
            step.run()


def _task(status: str, task: str) -> tuple[str, str]:
    """(task_name, task_lane) as the engine sync leaves them for a case in `status`."""
    if status == "supplement" or task == "applicant":
        return "supplement", "applicant"
    if status == "accepted":
        return task, "department"
    return "", ""


class _Maker:
    """Synthetic case rows, numbered on from what the table holds."""

    def __init__(self, rng: random.Random, seq: int) -> None:
        from django.utils import timezone

        from onestop.catalog.models import Item

        items = list(
            Item.objects.filter(region_id=REGION).only(
                "id", "implementing_department_id", "promised_days", "code"
            )
        )
        self.officer_items = [
            i for i in items if i.implementing_department_id == OFFICER_DEPARTMENT
        ]
        self.other_items = [i for i in items if i.implementing_department_id != OFFICER_DEPARTMENT]
        self.rng = rng
        self.seq = seq
        self.today = timezone.localdate()
        self.due: dict[tuple[datetime.date, int], datetime.date] = {}
        self.bundle = None

    def number(self, day: datetime.date) -> str:
        self.seq += 1
        return f"{REGION}-{day:%Y%m%d}-{self.seq:07d}"

    def due_date(self, day: datetime.date, promised: int) -> datetime.date:
        from onestop.core import calendar

        if (day, promised) not in self.due:
            self.due[(day, promised)] = calendar.add_working_days(day, promised)
        return self.due[(day, promised)]

    def make(self):
        from django.utils import timezone

        from onestop.cases.models import Case

        rng = self.rng
        day = self.today - datetime.timedelta(days=rng.randint(0, 90))
        at = timezone.make_aware(
            datetime.datetime.combine(day, datetime.time(9, rng.randint(0, 59)))
        )
        common = {"id": uuid.uuid4(), "number": self.number(day), "region_id": REGION}
        common |= {"channel": Case.Channel.ONLINE, "accepted_at": at, "submitted_at": at}
        if rng.random() < BUNDLE_SHARE:
            self.bundle = Case(
                **common,
                kind=Case.Kind.BUNDLE,
                status=Case.Status.ACCEPTED,
                applicant_name=f"申请人{self.seq}",
            )
            return self.bundle
        item = rng.choice(self.officer_items if rng.random() < OFFICER_SHARE else self.other_items)
        status, _, task = rng.choices(STATES, WEIGHTS)[0].partition(":")
        parent = self.bundle if self.bundle and rng.random() < IN_BUNDLE_SHARE else None
        task_name, lane = _task(status, task)
        return Case(
            **common,
            kind=Case.Kind.ITEM,
            parent=parent,
            item_id=item.id,
            department_id=item.implementing_department_id,
            status=status,
            applicant_name="" if parent else f"申请人{self.seq}",
            promised_days=item.promised_days or 0,
            due_date=self.due_date(day, item.promised_days or 0),
            paused_since=at if status == "supplement" else None,
            task_name=task_name,
            task_lane=lane,
        )


def _grow(target: int, rng: random.Random) -> int:
    """Bulk-create synthetic cases until the table holds `target` rows (bundles first in each
    batch, so every item case's parent exists)."""
    from django.db import transaction

    from onestop.cases.models import Case

    have = Case.objects.count()
    maker = _Maker(rng, have)
    pending = []
    for n in range(have, target):
        pending.append(maker.make())
        if len(pending) >= 5_000 or n == target - 1:
            with transaction.atomic():
                Case.objects.bulk_create(
                    sorted(pending, key=lambda c: c.kind != Case.Kind.BUNDLE), batch_size=1000
                )
            pending = []
    from django.db import connection

    # Fresh planner statistics and (PostgreSQL) the visibility map, as autovacuum gives a table
    # after a bulk insert: the queue's count and page walk are index-only scans that need it.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return Case.objects.count()


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return len(ctx.captured_queries)


def _waiting(officer) -> int:
    from onestop.cases import selectors

    return selectors.queue_queryset(actor=officer).count()


def _run(officer_client, supervisor_client, officer, label: str, repeat: int) -> list[dict]:
    from onestop.cases import selectors

    pages = max(1, -(-_waiting(officer) // selectors.PAGE_SIZE))
    urls = [
        ("/office/", "queue, first page"),
        (f"/office/?page={max(1, pages // 2)}", f"queue, page {max(1, pages // 2)} of {pages}"),
        ("/office/?task=decide&sort=-due", "queue, task=decide, latest due first"),
        ("/office/?status=supplement", "queue, waiting for supplements"),
    ]
    rows = []
    for url, what in urls:
        stats = measure(lambda url=url: officer_client.get(url), repeat=repeat, cpu=True)
        rows.append(
            {"cases": label, "page": what, **stats, "queries": _queries(officer_client, url)}
        )
    stats = measure(lambda: supervisor_client.get("/office/supervisor/"), repeat=repeat, cpu=True)
    rows.append(
        {
            "cases": label,
            "page": "supervisor board",
            **stats,
            "queries": _queries(supervisor_client, "/office/supervisor/"),
        }
    )
    return rows


def main() -> None:
    setup_django("cases-queue")
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from onestop.cases.models import Case

    call_command("check", verbosity=0, stdout=io.StringIO())
    _seed_base()
    from tests.factories import login  # staff sign in with their second factor verified

    users = get_user_model().objects
    officer = users.get(username=OFFICER)
    officer_client = login(officer, language="zh-hans")
    supervisor_client = login(users.get(username="supervisor"), language="zh-hans")
    repeat = 10 if QUICK else 50
    rng = random.Random(5)
    rows = []
    for target in (SMALL, 10_000 if QUICK else TARGET):
        size = _grow(target, rng)
        waiting = _waiting(officer)
        label = f"{size:,} ({waiting:,} waiting for {OFFICER})"
        rows += _run(officer_client, supervisor_client, officer, label, repeat)
    from django.db import connection

    database = connection.vendor
    load = os.getloadavg()[0]
    title = (
        f"Back-office queue on {database}: server time per request (test client, in-process; "
        f"wall clock and this process's CPU; load average {load:.1f})"
    )
    print(table(title, rows))
    total = Case.objects.count()
    path = write(
        "cases_queue",
        {"rows": rows, "cases": total, "database": database, "quick": QUICK, "load_average": load},
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
