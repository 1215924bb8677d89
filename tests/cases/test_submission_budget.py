"""Query budget of the online submission: the 7-item newborn bundle is numbered, fanned out,
its processes started and followed, in a fixed number of queries whatever the number of items
and materials (the timing is `bench/bench_cases.py`)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from onestop.cases import services
from onestop.cases.models import Case, CaseEvent
from onestop.workflow.models import ProcessInstance

# Steady state on PostgreSQL: 33 (bench/bench_cases.py; docs/operations.md, "Profiles").
# Cases' and workflow's share is 19; `sharing` is 12 for the enrolment's two recorded fact
# fetches, made as one batch (`data_fetch_many`: one read of the last minutes' accesses, so a
# repeated fetch is one access (issue 10), one insert of both access records and one ledger
# append for their entries, in one transaction); the notification is 2 (one insert, one
# read-back under its dedupe key). Here on SQLite the first submission of a day also creates
# the day's number counter and reads the calendar year: 35. The item decided at once adds its
# own notice ("case.decided": 2) and the window named for collecting its result (the centres of
# its department, their windows and departments: 5): 42. Before issue 9: 306; before the
# batched fetch: 56.
BUDGET = 42


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


def _submitted_queries(citizen: Any, newborn: Any, answers: dict[str, str], fill: Any) -> int:
    draft = services.draft_start(actor=citizen, scenario=newborn)
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
