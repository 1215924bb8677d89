"""The worker checks people when data change and on the schedule: a record written through
`sharing.services.record_upsert`, or an application finished, queues the check of the people
concerned; `onestop worker` runs it (a real commit: the worker closes database connections)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from onestop.accounts.models import User
from onestop.benefits import tasks
from onestop.benefits.models import Offer
from onestop.cases.models import Case
from tests.cases import conftest as cases

newborn = cases.newborn
item = cases.item
fill = cases.fill
newborn_draft = cases.newborn_draft
newborn_case = cases.newborn_case
decide = cases.decide
officers = cases.officers
cases_world = cases.cases_world
users = cases.users
citizen = cases.citizen


def _seed_minimal() -> None:
    from onestop.accounts.seed import seed_accounts
    from onestop.org.seed import seed_org
    from onestop.sharing.seed import seed_agreements, seed_datasets
    from onestop.workflow.seed import seed_workflow

    seed_org()
    seed_accounts()
    seed_datasets()
    seed_agreements()
    seed_workflow()


def test_a_changed_record_queues_a_check_that_the_worker_runs(transactional_db: None) -> None:
    from onestop.accounts import services as account_services
    from onestop.core.actors import SYSTEM
    from onestop.sharing.services import record_upsert

    _seed_minimal()
    rid = "110101196005010318"
    holder = account_services.citizen_register(
        username="laowang",
        password="a-long-enough-password-2026",
        real_name="王老汉",
        resident_id=rid,
    )
    assert not DBTaskResult.objects.filter(task_path=tasks.subject_check.module_path).exists()

    record_upsert(
        actor=SYSTEM,
        dataset="resident-id",
        subject=rid,
        subject_kind="person",
        data={"id_number": rid, "name": "王老汉", "birth_date": "1960-05-01"},
    )
    [queued] = DBTaskResult.objects.filter(task_path=tasks.subject_check.module_path)
    assert queued.args_kwargs["args"] == [holder.pk]

    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)

    [offer] = Offer.objects.filter(holder=holder)
    assert (offer.rule, offer.status) == ("senior", Offer.Status.OFFERED)
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"
    # the schedule finds nothing more to do for this person in this period
    assert tasks.tick.call()["checked"] >= 0
    assert Offer.objects.filter(holder=holder).count() == 1


def test_a_finished_newborn_bundle_queues_the_parents_check(
    newborn_case: Case,
    officers: dict[str, User],
    decide: Any,
    citizen: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        for child in newborn_case.children.exclude(status=Case.Status.COMPLETED):
            decide(child, officers[child.department.kind_id])
    newborn_case.refresh_from_db()
    assert newborn_case.status == Case.Status.COMPLETED

    queued = DBTaskResult.objects.filter(task_path=tasks.subject_check.module_path)
    assert [q.args_kwargs["args"] for q in queued] == [[citizen.pk]]
    # what the worker runs: the offers the parent holds now (the newborn's, while the child
    # is young enough for the tables)
    offers = tasks.subject_check.call(citizen.pk)
    assert sorted(offers) == sorted(
        Offer.objects.filter(holder=citizen).values_list("pk", flat=True)
    )
