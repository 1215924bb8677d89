"""CLI verbs, the worker task and the seed step."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from onestop.core import seeding
from onestop.workflow import services, tasks
from onestop.workflow.models import ProcessDefinition, ProcessInstance

pytestmark = pytest.mark.django_db


def test_workflow_load_is_idempotent():
    out = StringIO()
    call_command("workflow_load", stdout=out)
    first = out.getvalue().splitlines()
    call_command("workflow_load", stdout=out)

    assert [line.rsplit(" ", 1)[0] for line in first] == [
        "auto_decision v1",
        "auto_out_of_area_filing v1",
        "auto_tax_clearance v1",
        "benefit_enterprise_setup v1",
        "benefit_newborn_insurance v1",
        "benefit_newborn_vaccination v1",
        "benefit_senior v1",
        "item_standard v1",
    ]
    assert ProcessDefinition.objects.count() == 8


def test_seed_step_loads_the_processes_once():
    step = next(s for s in seeding.steps() if s.name == "workflow")
    assert step.order == 65
    loaded = (
        "auto_decision v1, auto_out_of_area_filing v1, auto_tax_clearance v1, "
        "benefit_enterprise_setup v1, benefit_newborn_insurance v1, "
        "benefit_newborn_vaccination v1, benefit_senior v1, item_standard v1"
    )
    assert step.run() == loaded
    assert step.run() == loaded
    assert ProcessDefinition.objects.count() == 8


def start_with_due_timer(clock):
    services.definitions_load_all()
    instance = services.instance_start(
        key="item_standard",
        business_key="371121-20261126-0100",
        data={"special_steps": [], "review_due": "PT1H"},
    )
    clock(datetime.timedelta(hours=2))
    ProcessInstance.objects.filter(pk=instance.pk).update(
        timer_due_at=instance.timer_due_at - datetime.timedelta(hours=2)
    )
    return instance


def test_workflow_tick_fires_due_timers(clock):
    instance = start_with_due_timer(clock)
    out = StringIO()

    call_command("workflow_tick", stdout=out)

    assert out.getvalue() == "1 instance(s) changed\n"
    instance.refresh_from_db()
    assert instance.escalated is True
    call_command("workflow_tick", stdout=out)
    assert out.getvalue().splitlines()[-1] == "0 instance(s) changed"


def test_worker_task_fires_due_timers(clock):
    instance = start_with_due_timer(clock)

    assert tasks.refresh_due_timers.call() == 1

    instance.refresh_from_db()
    assert instance.escalated is True
