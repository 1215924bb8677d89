"""The crash test (issue #13 §3): `kill -9` the web server and the task worker of a node at
random moments while clients submit, accept, report and get notified; afterwards nothing is
lost, nothing is there twice and nothing is half-done.

    python tools/crash_test.py --kills 200                     # PostgreSQL by DATABASE_URL
    make crash-test KILLS=200 DATABASE_URL=postgres://…/onestop_crash

What it does:

1. **Set-up** (a subprocess with the node's environment): migrates a fresh database and builds
   the world of the cases tests (tests/cases/conftest.py: organisation, accounts, catalogue,
   processes) plus the hotline catalogue and the demo Open311 client; then one ready-to-submit
   "newborn" bundle draft (7 item cases) per citizen, and ready-to-accept window applications
   ("restaurant opening", every material checked on paper) for the clerk; signed-in sessions
   for each (the clerk's with the second factor verified).
2. **Drive**: the node runs as two process groups, as in production — the web server
   (`onestop serve --no-worker`: gunicorn and its workers) and the task worker
   (`onestop worker`). Client threads send, concurrently: the citizens' bundle submissions
   (`POST /api/v1/cases/drafts/<id>/submit` with an `Idempotency-Key`), the clerk's window
   acceptances (the window page's accept form with its idempotency key) and Open311 requests
   (`POST /open311/v2/requests.json`, one key each; every one sends an SMS receipt through the
   worker). A request that got no answer (connection refused or reset, time-out, 502/503) is
   sent again with the same key until it is answered. Two killers `kill -9` the web server's
   and the worker's process group at random moments (uniform in `--gap` seconds after the last
   restart) and start them again, until `--kills` kills are done; Open311 clients keep the load
   on until then.
3. **Settle**: both run undisturbed until the task queue is empty; then time passes for the
   notification sweeper (rows left `queued`/`sending` are dated back by `NOTIFY_STALE_SECONDS`
   and `notify.tasks.requeue_stale` runs, as the ticker would 15 minutes later) and the queue
   is drained again.
4. **Check** (a subprocess): every request that was answered with an acceptance exists exactly
   once (cases by idempotency key, work orders by the client's key); no case half-done (a
   submitted bundle has one item case per selected item, each with its started process, the
   submission/acceptance events once each); every work order has its create event and one SMS
   receipt; every notification delivered; no task left running or failed; the ledger verifies
   (`onestop ledger_verify`).

It prints a table and writes JSON (bench/results/crash.json unless `--json`). Exit status 1
when a check fails. tests/core/test_crash.py runs a lean version (a few kills) in the suite.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
ONESTOP = [sys.executable, "-m", "onestop"]
# What the node must not inherit from the caller's environment (tests/factories/nodes.py).
INHERITED_NOT = ("ONESTOP_", "DATABASE_URL", "PUBLIC_URL", "DJANGO_", "NODE_", "LEDGER_")
REGION = "371121"
OPEN311_SERVICE = "urban-rural-construction.property-management"


# --- the node ------------------------------------------------------------------------------


@dataclass
class Node:
    data_dir: Path
    database_url: str
    port: int
    web: subprocess.Popen | None = None
    worker: subprocess.Popen | None = None
    log: Path | None = None
    worker_ready: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(INHERITED_NOT)}
        env.update(
            {
                "PROMETHEUS_MULTIPROC_DIR": str(self.data_dir / "metrics"),
                "DJANGO_SETTINGS_MODULE": "onestop.settings",
                "DATA_DIR": str(self.data_dir),
                "DATABASE_URL": self.database_url,
                "NODE_REGION": REGION,
                "PUBLIC_URL": self.url,
                "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
                "PYTHONPATH": str(ROOT),
                "PYTHONUNBUFFERED": "1",
                # no routing model is trained on this node: orders wait for an agent
                "HOTLINE_AUTO_DISPATCH": "false",
                # the clients are few and fast; the limits are tested elsewhere
                "RATE_LIMIT_OPEN311_POST": "1000000/m",
                # a killed worker's task is queued again within seconds, not a minute
                "TASK_WORKER_BEAT_SECONDS": "1",
                "TASK_WORKER_LOST_SECONDS": "4",
                "LOG_LEVEL": "WARNING",
            }
        )
        return env

    def run(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 - our own interpreter and commands
            args, env=self.env(), capture_output=True, text=True, timeout=timeout, check=False
        )

    def _spawn(self, argv: list[str]) -> subprocess.Popen:
        out = (self.log or self.data_dir / "node.log").open("ab")
        return subprocess.Popen(  # noqa: S603 - our own interpreter and commands
            argv,
            env=self.env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: one kill reaches every child
            cwd=ROOT,
        )

    def start_web(self, workers: int) -> None:
        """gunicorn as `onestop serve --no-worker` starts it (the same configuration), without
        the wrapper process: a restart costs one Django start less."""
        self.web = self._spawn(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "onestop.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--config",
                "python:onestop.gunicorn_conf",
            ]
        )

    def web_workers(self) -> list[int]:
        """The pids of gunicorn's worker processes (the master's children)."""
        if self.web is None or self.web.poll() is not None:
            return []
        try:
            text = Path(f"/proc/{self.web.pid}/task/{self.web.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split()]

    def start_worker(self) -> None:
        """`onestop worker`; `worker_ready` is set once it says it has started claiming (after
        its warm-up), so a kill lands while it works, not while it loads its models."""
        self.worker_ready.clear()
        env = self.env() | {"LOG_LEVEL": "INFO"}
        self.worker = subprocess.Popen(  # noqa: S603 - our own interpreter and command
            [*ONESTOP, "worker", "--queue-name", "default", "--interval", "0.2"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=ROOT,
        )
        threading.Thread(target=self._read_worker, args=(self.worker,), daemon=True).start()

    def _read_worker(self, process: subprocess.Popen) -> None:
        assert process.stdout is not None  # noqa: S101 - PIPE above
        with (self.log or self.data_dir / "node.log").open("ab") as log:
            for line in process.stdout:
                if b"Starting worker" in line and self.worker is process:
                    self.worker_ready.set()
                log.write(line)

    def ready(self, timeout: float = 120.0) -> bool:
        """Whether the web server answers /healthz within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                status, _h, _b = request(self.port, "GET", "/healthz", timeout=2)
                if status == 200:
                    return True
            except OSError:
                pass
            time.sleep(0.1)
        return False

    @staticmethod
    def kill(process: subprocess.Popen | None) -> bool:
        """SIGKILL `process`'s whole group (no handler runs; open transactions are gone)."""
        if process is None or process.poll() is not None:
            return False
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            return False
        process.wait()
        return True

    def stop(self) -> None:
        for process in (self.web, self.worker):
            if process is not None and process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=30)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    self.kill(process)


def request(
    port: int,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


# A one-page PDF (what `core.files.sniff` accepts as a material).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

# --- clients -------------------------------------------------------------------------------


# Answers that mean "not answered by the node": try again with the same key.
UNANSWERED = {502, 503, 504}


@dataclass
class Outcome:
    kind: str
    key: str
    status: int | None = None  # the final answer; None: never answered
    tries: int = 0
    body: str = ""


@dataclass
class Stats:
    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)


def send_until_answered(  # noqa: PLR0917 - one request, spelled out
    node: Node,
    kind: str,
    key: str,
    method: str,
    path: str,
    body: bytes,
    headers: dict[str, str],
    deadline: float,
) -> Outcome:
    """Send until the node answers (anything but a dropped connection, a time-out or a
    502/503/504), with the same body and key every time."""
    outcome = Outcome(kind=kind, key=key)
    while time.monotonic() < deadline:
        outcome.tries += 1
        try:
            status, _headers, answer = request(
                node.port, method, path, body=body, headers=headers, timeout=30
            )
        except (OSError, http.client.HTTPException):
            time.sleep(random.uniform(0.1, 0.4))  # noqa: S311 - back-off jitter
            continue
        if status in UNANSWERED:
            time.sleep(random.uniform(0.1, 0.4))  # noqa: S311
            continue
        outcome.status = status
        outcome.body = answer[:300].decode(errors="replace")
        return outcome
    return outcome


def _cookie_headers(session: str, csrf: str) -> dict[str, str]:
    return {"Cookie": f"sessionid={session}; csrftoken={csrf}", "Accept-Language": "en"}


def submit_client(node: Node, plan: dict[str, Any], stats: Stats, deadline: float) -> None:
    """Each draft of the plan submitted once by its citizen (retried with the same key)."""
    while True:
        with stats.lock:
            if not plan["submits"]:
                return
            job = plan["submits"].pop()
        key = f"crash-submit-{uuid.uuid4().hex}"
        headers = _cookie_headers(job["session"], job["csrf"]) | {
            "X-CSRFToken": job["csrf"],
            "Idempotency-Key": key,
            "Content-Type": "application/json",
        }
        stats.add(
            send_until_answered(
                node, "submit", key, "POST", job["path"], SUBMIT_BODY, headers, deadline
            )
        )


# The applicant's declaration (承诺) that the submission requires, the same on every retry.
SUBMIT_BODY = json.dumps({"declaration": True}).encode()


def window_client(node: Node, plan: dict[str, Any], stats: Stats, deadline: float) -> None:
    """Each window application of the plan accepted once by the clerk (the accept form, its
    idempotency key posted again on a retry)."""
    while True:
        with stats.lock:
            if not plan["windows"]:
                return
            job = plan["windows"].pop()
        key = f"crash-window-{uuid.uuid4().hex}"
        csrf = plan["clerk"]["csrf"]
        form = urllib.parse.urlencode(
            {"action": "accept", "idempotency_key": key, "csrfmiddlewaretoken": csrf}
        ).encode()
        headers = _cookie_headers(plan["clerk"]["session"], csrf) | {
            "Content-Type": "application/x-www-form-urlencoded",
        }
        stats.add(
            send_until_answered(node, "window", key, "POST", job["path"], form, headers, deadline)
        )


def open311_client(
    node: Node, plan: dict[str, Any], stats: Stats, until: threading.Event, deadline: float
) -> None:
    """Open311 requests, a new key each, until the killers are done."""
    while not until.is_set() and time.monotonic() < deadline:
        key = f"crash-311-{uuid.uuid4().hex}"
        form = urllib.parse.urlencode(
            {
                "api_key": plan["open311_key"],
                "service_code": OPEN311_SERVICE,
                "lat": "35.7",
                "long": "119.2",
                "description": f"楼道灯坏了 {key[-6:]}",
                "phone": "13800005555",
                "first_name": "Wei",
                "last_name": "Zhang",
                "attribute[request_type]": "complaint",
            }
        ).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Idempotency-Key": key,
        }
        stats.add(
            send_until_answered(
                node, "open311", key, "POST", "/open311/v2/requests.json", form, headers, deadline
            )
        )
        time.sleep(random.uniform(0.0, 0.2))  # noqa: S311


# --- killers -------------------------------------------------------------------------------


@dataclass
class Killers:
    node: Node
    kills: int
    gap: tuple[float, float]
    web_workers: int
    done: dict[str, int] = field(default_factory=lambda: {"web": 0, "web_worker": 0, "worker": 0})
    restart_seconds: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    finished: threading.Event = field(default_factory=threading.Event)

    def _take(self) -> bool:
        with self.lock:
            return sum(self.done.values()) < self.kills

    def web_loop(self) -> None:
        """Kill one gunicorn worker (the master starts another; the OOM killer's way) or, one
        time in three, the whole web server (master and workers: a power cut), and restart it."""
        while self._take():
            time.sleep(random.uniform(*self.gap))  # noqa: S311 - a random moment
            if not self._take():
                break
            pids = self.node.web_workers()
            if pids and random.random() < 2 / 3:  # noqa: S311
                try:
                    os.kill(random.choice(pids), signal.SIGKILL)  # noqa: S311
                except ProcessLookupError:
                    continue
                with self.lock:
                    self.done["web_worker"] += 1
                continue
            if Node.kill(self.node.web):
                with self.lock:
                    self.done["web"] += 1
            started = time.monotonic()
            self.node.start_web(self.web_workers)
            if not self.node.ready():
                raise RuntimeError("the web server did not come back after a kill")
            self.restart_seconds.append(time.monotonic() - started)

    def worker_loop(self) -> None:
        while self._take():
            self.node.worker_ready.wait(120)  # killed while it works, not while it loads
            time.sleep(random.uniform(*self.gap))  # noqa: S311
            if not self._take():
                break
            if Node.kill(self.node.worker):
                with self.lock:
                    self.done["worker"] += 1
            self.node.start_worker()

    def run(self) -> None:
        threads = [
            threading.Thread(target=self.web_loop, daemon=True),
            threading.Thread(target=self.worker_loop, daemon=True),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.finished.set()


# --- the phases that run inside the node (subprocesses with its environment) ---------------


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    import django

    django.setup()


def phase_setup(plan_path: Path, submits: int, windows: int) -> None:
    """Migrate, build the world, make the drafts and window applications and the sessions."""
    _django()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)

    from onestop.cases import selectors, services, uploads
    from onestop.cases.models import Case, CaseMaterial
    from onestop.catalog.models import Scenario
    from onestop.hotline.seed import seed_catalogue
    from onestop.open311.seed import DEMO_KEY, seed_open311
    from tests.cases.conftest import NEWBORN_ANSWERS, build_world, fill_values, newborn_draft_for
    from tests.cases.factories_window import RESTAURANT_ANSWERS
    from tests.factories import CitizenFactory, login, resident_id

    users = build_world()
    seed_catalogue()
    seed_open311()
    clerk = users["clerk"]
    newborn = Scenario.objects.get(region_id=REGION, slug="newborn")
    restaurant = Scenario.objects.get(region_id=REGION, slug="restaurant-opening")

    def session_of(user: Any) -> dict[str, str]:
        client: Client = login(user)
        return {"session": client.cookies["sessionid"].value, "csrf": secrets.token_hex(16)}

    plan: dict[str, Any] = {"submits": [], "windows": [], "open311_key": DEMO_KEY}
    for n in range(submits):
        # a birthday of its own: the factory's serial alone repeats after 1,000
        # (after 1993: the county code 371121 is valid from then on)
        birth = (datetime.date(1995, 1, 1) + datetime.timedelta(days=n)).strftime("%Y%m%d")
        citizen = CitizenFactory(resident_id=resident_id(birth=birth))
        draft = newborn_draft_for(citizen, newborn)
        if draft.variant_answers != NEWBORN_ANSWERS:
            raise RuntimeError(f"the newborn draft was answered {draft.variant_answers}")
        # what the citizen's data does not hold, the citizen uploads (a one-page PDF)
        for material in draft.materials.filter(required=True, mode=CaseMaterial.Mode.MISSING):
            upload = SimpleUploadedFile(f"{material.key}.pdf", PDF, "application/pdf")
            uploads.material_upload(actor=citizen, case=draft, key=material.key, file=upload)
        plan["submits"].append(
            {
                "draft": str(draft.pk),
                "path": f"/api/v1/cases/drafts/{draft.pk}/submit",
                **session_of(citizen),
            }
        )
    for n in range(windows):
        case = services.draft_start(
            actor=clerk,
            scenario=restaurant,
            channel=Case.Channel.WINDOW,
            applicant_index=f"crash-walk-in-{n:04d}",
            applicant_name="王小明",
        )
        case = services.draft_save(actor=clerk, case=case, variant_answers=RESTAURANT_ANSWERS)
        case = services.draft_save(actor=clerk, case=case, form_data=fill_values(case))
        for material in case.materials.filter(required=True, mode=CaseMaterial.Mode.MISSING):
            services.material_check(actor=clerk, case=case, key=material.key, mode="paper")
        path = reverse("cases:window_case", args=[selectors.case_ref(case)])
        plan["windows"].append({"case": str(case.pk), "path": path})
    plan["clerk"] = session_of(clerk)
    plan_path.write_text(json.dumps(plan))


def _queue_counts() -> dict[str, int]:
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    return dict(
        DBTaskResult.objects.values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )


def _wait_drained(timeout: float) -> dict[str, int]:
    from django.db import close_old_connections

    deadline = time.monotonic() + timeout
    counts: dict[str, int] = {}
    while time.monotonic() < deadline:
        close_old_connections()
        counts = _queue_counts()
        if not counts.get("READY") and not counts.get("RUNNING"):
            break
        time.sleep(0.5)
    return counts


def phase_settle(out_path: Path, timeout: float) -> None:
    """Wait for the queue to drain; let the notification sweeper's time pass; drain again."""
    _django()
    from datetime import timedelta

    from django.utils import timezone

    from onestop.notify import services as notify_services
    from onestop.notify.models import Notification

    first = _wait_drained(timeout)
    left = Notification.objects.filter(
        status__in=[Notification.Status.QUEUED, Notification.Status.SENDING]
    )
    before = dict(Counter(left.values_list("status", flat=True)))
    # 15 minutes pass: what the sweeper finds stale then, it finds stale now
    back = timedelta(seconds=notify_services.stale_seconds() + 1)
    for row in left:
        Notification.objects.filter(pk=row.pk).update(
            status_at=(row.status_at or timezone.now()) - back
        )
    requeued = notify_services.notifications_requeue_stale(limit=100_000)
    second = _wait_drained(timeout)
    out_path.write_text(
        json.dumps(
            {
                "queue_after_kills": first,
                "notifications_left_before_sweep": before,
                "notifications_requeued": requeued,
                "queue_after_sweep": second,
            }
        )
    )


def phase_check(  # noqa: PLR0912, PLR0915 - one list of invariants, read top to bottom
    plan_path: Path, outcomes_path: Path, out_path: Path
) -> None:
    """The invariants, per accepted request and over the whole node."""
    _django()
    from django.core.management import call_command
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from onestop.cases.models import Case, CaseEvent
    from onestop.cases.selectors.items import selected_items
    from onestop.hotline.models import WorkOrder, WorkOrderEvent
    from onestop.notify.models import Notification
    from onestop.workflow.models import ProcessInstance

    plan = json.loads(plan_path.read_text())
    outcomes = [Outcome(**o) for o in json.loads(outcomes_path.read_text())]
    problems: list[str] = []
    figures: Counter[str] = Counter()

    def problem(text: str) -> None:
        if len(problems) < 200:
            problems.append(text)

    for o in outcomes:
        figures[f"{o.kind}_requests"] += 1
        figures[f"{o.kind}_tries"] += o.tries
        figures[f"{o.kind}_retried"] += o.tries > 1
        if o.status is None:
            figures[f"{o.kind}_unanswered"] += 1
            problem(f"{o.kind} {o.key}: never answered")
        accepted = o.status in (200, 201) or (o.kind == "window" and o.status == 302)
        if o.status is not None and not accepted:
            figures[f"{o.kind}_refused"] += 1
            problem(f"{o.kind} {o.key}: answered {o.status}: {o.body[:160]}")
        if accepted:
            figures[f"{o.kind}_accepted"] += 1

    # -- cases: online bundles and window applications, by their keys
    for o in outcomes:
        if o.kind not in ("submit", "window"):
            continue
        rows = list(Case.objects.filter(idempotency_key=o.key))
        accepted = o.status in (200, 201, 302)
        if accepted and not rows:
            figures["cases_lost"] += 1
            problem(f"{o.kind} {o.key}: accepted, but no case holds the key")
            continue
        if len(rows) > 1:
            figures["cases_duplicated"] += 1
            problem(f"{o.kind} {o.key}: {len(rows)} cases")
        for top in rows:
            if not accepted:
                figures["cases_unreported"] += 1  # made, the client never heard (not a loss)
            children = list(Case.objects.filter(parent=top))
            wanted = {item.pk for item in selected_items(case=top)}
            got = Counter(child.item_id for child in children)
            if top.status in ("draft",) or not top.number:
                figures["cases_half_done"] += 1
                problem(f"{o.kind} {top.pk}: holds the key but is {top.status}")
            if set(got) != wanted or any(n != 1 for n in got.values()):
                figures["cases_half_done"] += 1
                problem(f"{o.kind} {top.number}: item cases {dict(got)} for items {wanted}")
            numbers = [c.number for c in children]
            processes = Counter(
                ProcessInstance.objects.filter(business_key__in=numbers).values_list(
                    "business_key", flat=True
                )
            )
            for number in numbers:
                if processes.get(number) != 1:
                    figures["cases_half_done"] += 1
                    problem(f"{o.kind} {number}: {processes.get(number, 0)} processes")
            kinds = ["submitted", "accepted"] if o.kind == "submit" else ["accepted"]
            for kind in kinds:
                events = CaseEvent.objects.filter(case=top, kind=kind).count()
                if events != 1:
                    figures["cases_half_done"] += 1
                    problem(f"{o.kind} {top.number}: {events} '{kind}' events")
            figures[f"{o.kind}_cases_ok"] += 1

    # -- work orders by the client's key (scoped to the client, bound to the body)
    import hashlib

    from onestop.open311.models import ApiClient
    from onestop.open311.seed import DEMO_NAME

    account = ApiClient.objects.get(name=DEMO_NAME).account_id
    for o in outcomes:
        if o.kind != "open311":
            continue
        scope = f"{account}:{hashlib.sha256(o.key.encode()).hexdigest()[:32]}:"
        orders = list(WorkOrder.objects.filter(idempotency_key__startswith=scope))
        if o.status in (200, 201) and not orders:
            figures["orders_lost"] += 1
            problem(f"open311 {o.key}: accepted, but no order holds the key")
        if len(orders) > 1:
            figures["orders_duplicated"] += 1
            problem(f"open311 {o.key}: {len(orders)} orders")
        for order in orders:
            if o.status is None:
                figures["orders_unreported"] += 1
            if WorkOrderEvent.objects.filter(order=order, kind="create").count() != 1:
                figures["orders_half_done"] += 1
                problem(f"open311 {order.number}: create events != 1")
            receipts = Notification.objects.filter(
                template="hotline.received", body__contains=order.number
            ).count()
            if receipts == 0:
                figures["receipts_lost"] += 1
                problem(f"open311 {order.number}: no SMS receipt")
            elif receipts > 1:
                figures["receipts_duplicated"] += 1
                problem(f"open311 {order.number}: {receipts} SMS receipts")
            figures["orders_ok"] += 1

    # -- notifications: each delivered (the sweeper has had its time), none twice by key
    statuses = dict(
        Notification.objects.values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    for status, n in statuses.items():
        figures[f"notifications_{status}"] += n
        if status not in ("delivered", "sent", "read"):
            problem(f"{n} notification(s) {status}")

    # -- tasks: none left running or waiting; failures are bugs
    tasks = _queue_counts()
    for status, n in tasks.items():
        figures[f"tasks_{status.lower()}"] += n
    for row in DBTaskResult.objects.filter(status="FAILED")[:20]:
        problem(f"task {row.task_path} failed: {row.exception_class_path}")
    if tasks.get("RUNNING") or tasks.get("READY"):
        problem(f"tasks still waiting or running: {tasks}")

    # -- the ledger
    try:
        call_command("ledger_verify", verbosity=0)
        figures["ledger_verified"] = 1
    except BaseException as error:
        figures["ledger_verified"] = 0
        problem(f"ledger_verify: {error}")

    out_path.write_text(
        json.dumps({"figures": dict(figures), "problems": problems, "plan_keys": list(plan)})
    )


# --- the run -------------------------------------------------------------------------------


def fresh_database(url: str) -> None:
    """Drop and create the PostgreSQL database `url` names (the run starts from nothing).
    Only a database whose name says `crash`: this tool never empties anyone's real data."""
    parts = urllib.parse.urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        return
    name = parts.path.lstrip("/")
    if "crash" not in name:
        raise SystemExit(f"refusing to empty the database {name!r}: its name must contain 'crash'")
    import psycopg
    from psycopg import sql

    maintenance = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as db:
        db.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url: str | None) -> None:
    """Drop the PostgreSQL database of a run (named `…crash…`); nothing for SQLite."""
    parts = urllib.parse.urlsplit(url or "")
    name = parts.path.lstrip("/")
    if not parts.scheme.startswith("postgres") or "crash" not in name:
        return
    import psycopg
    from psycopg import sql

    maintenance = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as db:
        db.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _phase(node: Node, *args: str, timeout: float = 1800) -> None:
    done = node.run(sys.executable, str(Path(__file__).resolve()), *args, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"phase {args[0]} failed:\n{done.stdout[-3000:]}{done.stderr[-6000:]}")


def run(
    *,
    kills: int,
    database_url: str | None,
    data_dir: Path,
    port: int,
    submits: int,
    windows: int,
    gap: tuple[float, float],
    web_workers: int = 2,
    clients: int = 3,
    reuse_setup: bool = False,
) -> dict[str, Any]:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "metrics").mkdir(exist_ok=True)
    url = database_url or f"sqlite:///{data_dir / 'node.sqlite3'}"
    node = Node(data_dir=data_dir, database_url=url, port=port, log=data_dir / "node.log")
    plan_path = data_dir / "plan.json"
    started = time.monotonic()
    if not (reuse_setup and plan_path.exists()):
        fresh_database(url)
        _phase(node, "_setup", str(plan_path), str(submits), str(windows))
    setup_seconds = time.monotonic() - started
    plan = json.loads(plan_path.read_text())

    stats = Stats()
    killers = Killers(node=node, kills=kills, gap=gap, web_workers=web_workers)
    node.start_web(web_workers)
    node.start_worker()
    if not node.ready():
        node.stop()
        raise RuntimeError(f"the node did not start; see {node.log}")
    drive_started = time.monotonic()
    deadline = drive_started + max(600.0, kills * 10.0)
    try:
        killer = threading.Thread(target=killers.run, daemon=True)
        killer.start()
        threads = [
            threading.Thread(target=submit_client, args=(node, plan, stats, deadline))
            for _n in range(clients)
        ]
        threads += [
            threading.Thread(target=window_client, args=(node, plan, stats, deadline))
            for _n in range(max(1, clients // 2))
        ]
        threads += [
            threading.Thread(
                target=open311_client, args=(node, plan, stats, killers.finished, deadline)
            )
            for _n in range(max(1, clients // 2))
        ]
        for t in threads:
            t.start()
        killer.join()
        for t in threads:
            t.join()
        drive_seconds = time.monotonic() - drive_started
        # both up and undisturbed for the settling
        if node.web is None or node.web.poll() is not None:
            node.start_web(web_workers)
        if node.worker is None or node.worker.poll() is not None:
            node.start_worker()
        node.ready()
        settle_path = data_dir / "settle.json"
        _phase(node, "_settle", str(settle_path), "120")
    finally:
        node.stop()
    outcomes_path = data_dir / "outcomes.json"
    outcomes_path.write_text(json.dumps([o.__dict__ for o in stats.outcomes]))
    check_path = data_dir / "check.json"
    _phase(node, "_check", str(plan_path), str(outcomes_path), str(check_path))
    checked = json.loads(check_path.read_text())
    restarts = sorted(killers.restart_seconds)
    return {
        "database": url.split(":", 1)[0],
        "kills": dict(killers.done),
        "kills_total": sum(killers.done.values()),
        "setup_seconds": round(setup_seconds, 1),
        "drive_seconds": round(drive_seconds, 1),
        "web_restart_median_seconds": round(restarts[len(restarts) // 2], 2) if restarts else None,
        "settle": json.loads(settle_path.read_text()),
        "figures": checked["figures"],
        "problems": checked["problems"],
        "ok": not checked["problems"],
    }


def table(report: dict[str, Any]) -> str:
    figures = report["figures"]
    rows = [
        ("database", report["database"]),
        (
            "kills: web server / one web worker / task worker",
            " / ".join(str(report["kills"].get(k, 0)) for k in ("web", "web_worker", "worker")),
        ),
        ("drive seconds", report["drive_seconds"]),
        ("web restart, median s", report["web_restart_median_seconds"]),
    ]
    rows += [
        (
            f"{kind}: requests / retried / tries / accepted",
            f"{figures.get(f'{kind}_requests', 0)} / {figures.get(f'{kind}_retried', 0)} / "
            f"{figures.get(f'{kind}_tries', 0)} / {figures.get(f'{kind}_accepted', 0)}",
        )
        for kind in ("submit", "window", "open311")
    ]
    for name in (
        "cases_lost",
        "cases_duplicated",
        "cases_half_done",
        "orders_lost",
        "orders_duplicated",
        "orders_half_done",
        "receipts_lost",
        "receipts_duplicated",
        "tasks_running",
        "tasks_ready",
        "tasks_failed",
        "ledger_verified",
    ):
        rows.append((name, figures.get(name, 0)))
    rows += [
        (f"notifications {k.removeprefix('notifications_')}", v)
        for k, v in sorted(figures.items())
        if k.startswith("notifications_")
    ]
    rows.append(("problems", len(report["problems"])))
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"{name.ljust(width)}  {value}" for name, value in rows)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "_setup":
        phase_setup(Path(argv[1]), int(argv[2]), int(argv[3]))
        return 0
    if argv and argv[0] == "_settle":
        phase_settle(Path(argv[1]), float(argv[2]))
        return 0
    if argv and argv[0] == "_check":
        phase_check(Path(argv[1]), Path(argv[2]), Path(argv[3]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="a database of its own, emptied and migrated (default $DATABASE_URL; none: SQLite)",
    )
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--port", type=int, default=9401)
    parser.add_argument("--submits", type=int, default=None, help="bundle submissions")
    parser.add_argument("--windows", type=int, default=None, help="window acceptances")
    parser.add_argument("--gap", type=float, nargs=2, default=(0.5, 3.0))
    parser.add_argument("--json", type=Path, default=RESULTS / "crash.json")
    parser.add_argument(
        "--reuse-setup",
        action="store_true",
        help="keep the database and plan of an earlier set-up in --data-dir (not yet driven)",
    )
    args = parser.parse_args(argv)
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="onestop-crash-"))
    report = run(
        kills=args.kills,
        database_url=args.database_url,
        data_dir=data_dir,
        port=args.port,
        submits=args.submits if args.submits is not None else max(10, args.kills),
        windows=args.windows if args.windows is not None else max(5, args.kills // 2),
        gap=tuple(args.gap),
        reuse_setup=args.reuse_setup,
    )
    print(table(report))  # noqa: T201 - the tool's output
    for line in report["problems"][:40]:
        print("  -", line)  # noqa: T201
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"written: {args.json}")  # noqa: T201
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
