"""Query budget of the online submission: the 7-item newborn bundle is numbered, fanned out,
its processes started and followed, in a fixed number of queries whatever the number of items
and materials (the timing is `bench/bench_cases.py`)."""

from __future__ import annotations

from typing import Any

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

from onestop.cases import services
from onestop.cases.models import Case, CaseEvent
from onestop.workflow.models import ProcessInstance

# Steady state on PostgreSQL: 33 before issue 9's last pass (bench/bench_cases.py;
# docs/operations.md, "Profiles"). Cases' and workflow's share is 19; `sharing` is 12 for the
# enrolment's two recorded fact fetches, made as one batch (`data_fetch_many`: one read of the
# last minutes' accesses, so a repeated fetch is one access (issue 10), one insert of both
# access records and one ledger append for their entries, in one transaction); the
# notification is 2 (one insert, one read-back under its dedupe key). Here on SQLite the
# first submission also reads the calendar year. The item decided at once adds its own notice
# ("case.decided": 2) and the window named for collecting its result (the centres of its
# department, their windows, their departments and opening hours: 4; the department itself
# comes with the item). The draft is not read again before the lock (the lock reads it), and
# the materials are read once under the lock for the checks and the count handed in: 36.
# Before issue 9: 306; before the batched fetch: 56; before this pass: 39. Issue 11's joint
# handling reads the scenario's items of other regions once (1, none here): 37.
BUDGET = 37
# The same over HTTP: the session and its user (2), the draft read by the view (1; the
# service takes it from there) and the answer's timeline (1): the item cases in the answer
# are those just written, and a citizen's own facts need no look at staff roles. 45 before;
# 41 with the joint scenario's read (above).
HTTP_BUDGET = 41


def test_newborn_submission_stays_within_its_query_budget(
    django_assert_max_num_queries: Any, citizen: Any, newborn_draft: Case
) -> None:
    with django_assert_max_num_queries(BUDGET):
        top = services.case_submit(actor=citizen, case=newborn_draft, idempotency_key="budget")
    children = list(Case.objects.filter(parent=top))
    assert len(children) == 7
    assert {c.status for c in children} == {Case.Status.ACCEPTED, Case.Status.COMPLETED}
    assert (
        ProcessInstance.objects.filter(business_key__in=[c.number for c in children]).count() == 7
    )
    assert all(c.task_name or c.status == Case.Status.COMPLETED for c in children)
    assert CaseEvent.objects.filter(case__parent=top, kind=CaseEvent.Kind.ACCEPTED).count() == 7


def test_the_submission_over_http_stays_within_its_budget(
    django_assert_max_num_queries: Any, citizen: Any, newborn_draft: Case, login: Any
) -> None:
    """`POST /api/v1/cases/drafts/{id}/submit`: the service's queries, the session and its
    user, the draft read once for the view's check and the service (not again), and the
    answer's timeline; the item cases in the answer are the ones just written, not read back.
    The answer is the case as anybody reads it afterwards."""
    client = login(citizen)
    reset_queries()  # a request starts by clearing the query log: count from zero
    with django_assert_max_num_queries(HTTP_BUDGET):
        response = client.post(
            f"/api/v1/cases/drafts/{newborn_draft.pk}/submit",
            {"declaration": True},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="budget",
        )
    assert response.status_code == 200, response.content
    body = response.json()
    assert len(body["children"]) == 7
    assert {c["status"] for c in body["children"]} == {"accepted", "completed"}
    assert body == client.get(f"/api/v1/cases/{body['number']}").json()


def _submitted_queries(citizen: Any, newborn: Any, answers: dict[str, str], fill: Any) -> int:
    draft = services.draft_start(actor=citizen, scenario=newborn, allow_duplicate=True)
    draft = services.draft_save(actor=citizen, case=draft, variant_answers=answers)
    draft = services.prefill_apply(actor=citizen, case=draft)
    draft = services.draft_save(actor=citizen, case=draft, form_data=fill(draft))
    with CaptureQueriesContext(connection) as ctx:
        top = services.case_submit(actor=citizen, case=draft)
    assert Case.objects.filter(parent=top).count() == (7 if answers["ss_card"] == "yes" else 6)
    return len(ctx.captured_queries)


def test_the_count_does_not_grow_with_the_items(citizen: Any, newborn: Any, fill: Any) -> None:
    """Seven items (and their materials) cost what six cost: numbers, item cases, processes
    and events are written in bulk. (The first submission of the day also makes the day's
    number counter: it is the warm-up.)"""
    six = {"hukou_here": "yes", "ss_card": "no", "maternity": "no"}
    seven = {**six, "ss_card": "yes"}
    _submitted_queries(citizen, newborn, six, fill)
    with_seven = _submitted_queries(citizen, newborn, seven, fill)
    with_six = _submitted_queries(citizen, newborn, six, fill)
    assert with_seven == with_six
