"""Submitting a 7-item scenario and the auto-approval that follows it.

The demo citizen applies for the newborn bundle (hukou here, social security card, no
maternity insurance: 7 items in 5 departments). Each run builds a fresh draft through the
cases services — start, variant answers, pre-fill, form, uploads of the materials the state does
not hold — outside the clock, then times:

- `case_submit`: the server time of the submission, in-process through
  `onestop.cases.services.case_submit` (what the portal's submit view and the API call, without
  the HTTP layer): number, 7 item cases, 7 processes started, the medical-insurance enrolment
  decided by its DMN table and delivered, events and the notification, in one transaction;
- the same through the HTTP layer, in-process: `POST /api/v1/cases/drafts/{id}/submit` with an
  `Idempotency-Key` header, by the Django test client signed in as the citizen (session,
  middleware, routing, JSON answer; no network);
- submit → auto-approval: from the start of the `case_submit` call (so the fetches of the
  verified facts from `sharing`, made before the transaction, are included) to the enrolment
  case's `decided_at`, stamped by the server when its DMN table approved it; and, inside the
  transaction, from the top case's `submitted_at` to that `decided_at`.

Then the officers of the four departments pass the review and approve every item case that
waits for them (`services.task_complete`, timed per step), so the bundles complete, and the
burden figures of the newborn scenario (`cases.burden.scenario_burden`, the same as
`GET /api/v1/scenarios/newborn/burden`) are printed from these real cases against the
item-by-item baseline.

Medians and p95 of the wall time over N runs (BENCH_QUICK=1: 5 runs; otherwise 30), and the
median CPU time of the bench process (`cpu_median_ms`) for the submission. SQLite unless
DATABASE_URL names PostgreSQL. The queue latency at 100,000 cases is `bench_cases_queue.py`.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

from bench.common import percentile, setup_django, table, write

QUICK = os.environ.get("BENCH_QUICK") == "1"
# BENCH_PROFILE=1: also print the last submission's queries grouped by their SQL shape.
PROFILE = os.environ.get("BENCH_PROFILE") == "1"
SCENARIO = "newborn"
ANSWERS = {"hukou_here": "yes", "ss_card": "yes", "maternity": "no"}
AUTO_ITEM = "37112100YB-GG-0004"  # resident medical-insurance enrolment, decided by rules
# Seed steps the cases flow does not need (search index, hotline model, Open311 client).
SKIP_STEPS = {
    "hotline-catalogue",
    "hotline-routing",
    "hotline-demo",
    "open311",
    "knowledge-articles",
    "search-index",
}
# The smallest valid PDF the upload check accepts (read by content, not by name).
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _seed() -> None:
    from django.db import transaction

    from onestop.core import seeding

    for step in seeding.steps():
        if step.name in SKIP_STEPS:
            continue
        with transaction.atomic():
            step.run()


def _fill(schema: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Values for the required fields the pre-fill left empty, by their JSON Schema type."""
    from django.utils import timezone

    out = dict(data)
    props = schema.get("properties", {})
    for key in schema.get("required", []):
        if out.get(key) not in (None, ""):
            continue
        spec = props.get(key, {})
        if spec.get("enum"):
            out[key] = spec["enum"][0]
        elif spec.get("format") == "date":
            out[key] = timezone.localdate().isoformat()
        elif spec.get("type") in ("integer", "number"):
            out[key] = 1
        elif spec.get("type") == "boolean":
            out[key] = True
        else:
            out[key] = "13800138000" if "phone" in key else "张小雨"
    return out


def _prepare(citizen: Any, scenario: Any) -> Any:
    """A newborn draft ready to submit (not timed)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from onestop.cases import selectors, services, uploads
    from onestop.cases.models import CaseMaterial

    case = services.draft_start(actor=citizen, scenario=scenario)
    case = services.draft_save(actor=citizen, case=case, variant_answers=ANSWERS)
    case = services.prefill_apply(actor=citizen, case=case)
    schema = selectors.case_form_schema(case=case)
    case = services.draft_save(actor=citizen, case=case, form_data=_fill(schema, case.form_data))
    for material in case.materials.filter(required=True, mode=CaseMaterial.Mode.MISSING):
        upload = SimpleUploadedFile(f"{material.key}.pdf", PDF, content_type="application/pdf")
        uploads.material_upload(actor=citizen, case=case, key=material.key, file=upload)
    case.refresh_from_db()
    return case


def _query_shapes(captured: list[dict[str, Any]]) -> str:
    """The captured queries grouped by shape (literals and numbers elided), most frequent first."""
    import collections
    import re

    shapes: collections.Counter[str] = collections.Counter()
    for query in captured:
        sql = re.sub(r"'[^']*'", "?", query["sql"])
        sql = re.sub(r"IN \([^)]*\)", "IN (...)", re.sub(r"\b\d+\b", "N", sql))
        shapes[sql[:140]] += 1
    return "\n".join(f"{n:4d}  {sql}" for sql, n in shapes.most_common())


def _stats(values: list[float], cpu: list[float] | None = None) -> dict[str, Any]:
    """Wall median and p95 (ms), and the median CPU time of this process (ms, `process_time`:
    Python's share of the server time, steadier than the wall clock on a shared machine)."""
    return {
        "median_ms": round(statistics.median(values), 3),
        "p95_ms": round(percentile(values, 95), 3),
        "cpu_median_ms": round(statistics.median(cpu), 3) if cpu else "",
        "n": len(values),
    }


def _through_services(citizen: Any, scenario: Any, repeat: int) -> list[dict[str, Any]]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from onestop.cases import services
    from onestop.cases.models import Case

    submit_ms: list[float] = []
    submit_cpu: list[float] = []
    call_ms: list[float] = []
    decision_ms: list[float] = []
    queries: list[int] = []
    for n in range(repeat):
        draft = _prepare(citizen, scenario)
        reset_queries()  # the log keeps at most 9,000 queries: count each run from zero
        with CaptureQueriesContext(connection) as ctx:
            called_at = timezone.now()
            start, cpu = time.perf_counter(), time.process_time()
            top = services.case_submit(actor=citizen, case=draft, idempotency_key=f"bench-{n}")
            submit_ms.append((time.perf_counter() - start) * 1000)
            submit_cpu.append((time.process_time() - cpu) * 1000)
        queries.append(len(ctx.captured_queries))
        if PROFILE and n == repeat - 1:
            print(_query_shapes(ctx.captured_queries))
        auto = Case.objects.get(parent=top, item__code=AUTO_ITEM)
        if not (auto.auto_decided and auto.decided_at and top.submitted_at):
            raise RuntimeError(f"{auto.number}: not decided by rules at submission")
        call_ms.append((auto.decided_at - called_at).total_seconds() * 1000)
        decision_ms.append((auto.decided_at - top.submitted_at).total_seconds() * 1000)
    return [
        {
            "measure": "submit newborn bundle (7 items), services.case_submit",
            **_stats(submit_ms, submit_cpu),
            "queries": int(statistics.median(queries)),
        },
        {
            "measure": "submit called → enrolment decided_at (auto-approval)",
            **_stats(call_ms),
            "queries": "",
        },
        {
            "measure": "  of which submitted_at → decided_at (in the transaction)",
            **_stats(decision_ms),
            "queries": "",
        },
    ]


def _over_http(citizen: Any, scenario: Any, repeat: int) -> dict[str, Any]:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(citizen)
    http_ms: list[float] = []
    http_cpu: list[float] = []
    queries: list[int] = []
    for n in range(repeat):
        draft = _prepare(citizen, scenario)
        url = f"/api/v1/cases/drafts/{draft.pk}/submit"
        # A request starts by clearing the query log (request_started → reset_queries): clear
        # it first, so the capture counts from zero on both sides.
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            start, cpu = time.perf_counter(), time.process_time()
            response = client.post(
                url,
                {"declaration": True},
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=f"bench-http-{n}",
            )
            http_ms.append((time.perf_counter() - start) * 1000)
            http_cpu.append((time.process_time() - cpu) * 1000)
        queries.append(len(ctx.captured_queries))
        if response.status_code != 200 or len(response.json().get("children", [])) != 7:
            raise RuntimeError(f"{url} answered {response.status_code}: {response.content[:300]!r}")
    return {
        "measure": "the same over HTTP: POST /api/v1/cases/drafts/{id}/submit",
        **_stats(http_ms, http_cpu),
        "queries": int(statistics.median(queries)),
    }


def _officer_of(case: Any) -> Any:
    from onestop.accounts.models import StaffRole

    role = (
        StaffRole.objects.filter(
            role=StaffRole.Role.DEPARTMENT_OFFICER, department_id=case.department_id
        )
        .select_related("user")
        .first()
    )
    if role is None:
        raise RuntimeError(f"no officer for {case.department_id}")
    return role.user


def _decide_all(scenario: Any) -> dict[str, Any]:
    """The officers complete every department task of the scenario's open item cases (review
    → pass, decide → approve with a reason); returns the timing of one step."""
    from onestop.cases import selectors, services
    from onestop.cases.models import Case

    answers = {"review": {"review_outcome": "pass"}, "decide": {"decision": "approve"}}
    step_ms: list[float] = []
    waiting = Case.objects.filter(
        parent__scenario=scenario, kind=Case.Kind.ITEM, task_lane="department"
    ).select_related("department", "parent")
    for case in list(waiting):
        officer = _officer_of(case)
        while True:
            view = selectors.case_task_view(case=case)
            tasks = [t for t in view["tasks"] if t.lane == "department"]
            if not tasks:
                break
            task = tasks[0]
            start = time.perf_counter()
            services.task_complete(
                actor=officer,
                case=case,
                task_id=task.id,
                data=answers[task.name],
                expected_version=view["version"],
                reason="材料齐全，经共享数据核验，予以办理。",
            )
            step_ms.append((time.perf_counter() - start) * 1000)
    measure = "an officer's step (review or decide), services.task_complete"
    return {"measure": measure, **_stats(step_ms), "queries": ""}


def _burden_rows(scenario: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    from onestop.cases.burden import scenario_burden

    burden = scenario_burden(scenario=scenario)
    labels = {
        "materials": "materials handed in",
        "visits": "visits",
        "days": "working days",
        "forms": "forms",
        "fields_typed": "fields typed",
    }
    rows = [
        {
            "figure": label,
            "item by item (catalogue)": burden["baseline"].get(key, "—"),
            f"bundled (mean of {burden['cases']} cases)": burden["bundled"].get(key),
        }
        for key, label in labels.items()
    ]
    return rows, burden


def main() -> None:
    setup_django("cases")
    from django.conf import settings
    from django.db import connection

    from onestop.accounts.models import User
    from onestop.cases import services
    from onestop.cases.models import Case
    from onestop.catalog import selectors as catalog

    _seed()
    citizen = User.objects.get(username="citizen")
    scenario = catalog.scenario_get(region=settings.NODE_REGION, slug=SCENARIO)
    repeat = 5 if QUICK else 30

    # One warm-up submission (imports, parsed process specs), checked for the expected shape.
    warm = services.case_submit(actor=citizen, case=_prepare(citizen, scenario))
    children = list(Case.objects.filter(parent=warm))
    if len(children) != 7:
        raise RuntimeError(f"expected 7 item cases, got {len(children)}")

    rows = _through_services(citizen, scenario, repeat)
    rows.insert(1, _over_http(citizen, scenario, repeat))
    rows.append(_decide_all(scenario))
    vendor = connection.vendor
    print(table(f"Cases: 7-item submission and auto-approval, in-process ({vendor})", rows))
    burden_rows, burden = _burden_rows(scenario)
    print()
    print(table("Burden of the newborn bundle, from the cases above", burden_rows))
    payload = {"database": vendor, "rows": rows, "burden": burden, "quick": QUICK}
    path = write("cases", payload)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
