"""The adapter's services: each path of the built-in processes, split storage, optimistic
locking, timers, definition versions."""

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from onestop.core.actors import SYSTEM
from onestop.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onestop.workflow import selectors, services
from onestop.workflow.models import ProcessDefinition, ProcessInstance, WorkflowEvent

pytestmark = pytest.mark.django_db

OFFICER = "officer-1"
APPLICANT = "citizen-7"


class Actor:
    """A signed-in person with a pk (the cases app passes users)."""

    is_authenticated = True

    def __init__(self, pk: str) -> None:
        self.pk = pk


def start_standard(business_key: str = "371121-20261126-0001", **data: Any) -> ProcessInstance:
    values = {"special_steps": [], "review_due": "P5D", **data}
    return services.instance_start(key="item_standard", business_key=business_key, data=values)


def complete(instance: ProcessInstance, name: str, actor: str, **data: Any) -> ProcessInstance:
    """Complete the one ready task called `name`, as the cases app would."""
    tasks = services.ready_tasks(instance=instance)
    assert [t.name for t in tasks] == [name]
    return services.task_complete(
        instance=instance,
        task_id=tasks[0].id,
        actor=Actor(actor),
        data=data,
        expected_version=instance.version,
    )


def names(instance: ProcessInstance) -> list[str]:
    return [t.name for t in services.ready_tasks(instance=instance)]


def kinds(instance: ProcessInstance) -> list[tuple[str, str]]:
    return [(e.kind, e.task_name) for e in selectors.instance_events(instance=instance)]


def test_standard_normal_path(definitions):
    instance = start_standard()

    assert instance.status == ProcessInstance.Status.WAITING
    assert instance.version == 1
    tasks = services.ready_tasks(instance=instance)
    assert [(t.name, t.lane, t.title) for t in tasks] == [
        ("review", "department", "Department review")
    ]
    assert instance.timer_due_at is not None

    instance = complete(instance, "review", OFFICER, review_outcome="pass")
    assert instance.version == 2
    assert names(instance) == ["decide"]
    assert instance.timer_due_at is None  # the review timer went with the review

    instance = complete(instance, "decide", OFFICER, decision="approve")
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert instance.version == 3
    assert names(instance) == []
    variables = selectors.instance_variables(instance=instance)
    assert variables["decision"] == "approve"
    assert variables["delivered"] is True
    assert variables["accepted"] is True
    assert variables["escalated"] is False
    assert kinds(instance) == [
        ("started", ""),
        ("task_completed", "review"),
        ("task_completed", "decide"),
        ("completed", ""),
    ]
    review_event = selectors.instance_events(instance=instance)[1]
    assert review_event.actor_id == OFFICER
    assert review_event.data == {"review_outcome": "pass"}


def test_standard_supplement_loop(definitions):
    instance = start_standard()

    instance = complete(instance, "review", OFFICER, review_outcome="supplement")
    tasks = services.ready_tasks(instance=instance)
    assert [(t.name, t.lane) for t in tasks] == [("supplement", "applicant")]

    instance = complete(instance, "supplement", APPLICANT, supplement_note="ID copy added")
    assert names(instance) == ["review"]
    instance = complete(instance, "review", OFFICER, review_outcome="pass")
    instance = complete(instance, "decide", OFFICER, decision="reject")

    assert instance.status == ProcessInstance.Status.COMPLETED
    variables = selectors.instance_variables(instance=instance)
    assert variables["decision"] == "reject"
    assert variables["supplement_note"] == "ID copy added"
    assert [k for k in kinds(instance) if k[0] == "task_completed"] == [
        ("task_completed", "review"),
        ("task_completed", "supplement"),
        ("task_completed", "review"),
        ("task_completed", "decide"),
    ]


def test_standard_special_step(definitions):
    instance = start_standard(special_steps=["inspection", "public_notice"])

    instance = complete(instance, "review", OFFICER, review_outcome="pass")
    tasks = services.ready_tasks(instance=instance)
    assert [(t.name, t.lane) for t in tasks] == [("special_step", "department")]

    instance = complete(instance, "special_step", OFFICER, special_step_result="site fine")
    assert names(instance) == ["decide"]
    instance = complete(instance, "decide", OFFICER, decision="approve")
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert selectors.instance_variables(instance=instance)["special_step_result"] == "site fine"


def test_auto_decision_approves_without_people(definitions):
    instance = services.instance_start(
        key="auto_decision",
        business_key="371121-20261126-0002",
        data={"parent_insured": True, "birth_certificate_verified": True},
    )

    assert instance.status == ProcessInstance.Status.COMPLETED
    assert names(instance) == []
    variables = selectors.instance_variables(instance=instance)
    assert variables["route"] == "approve"
    assert variables["decision"] == "approve"
    assert variables["decided_by"] == "rules"
    assert variables["delivered"] is True
    assert kinds(instance) == [("started", ""), ("completed", "")]


@pytest.mark.parametrize(
    "data",
    [
        {"parent_insured": True, "birth_certificate_verified": False},
        {"parent_insured": False, "birth_certificate_verified": True},
        {},  # nothing verified at all: the catch-all still answers
    ],
)
def test_auto_decision_catch_all_sends_to_an_officer(definitions, data):
    instance = services.instance_start(
        key="auto_decision", business_key="371121-20261126-0003", data=data
    )

    assert instance.status == ProcessInstance.Status.WAITING
    tasks = services.ready_tasks(instance=instance)
    assert [(t.name, t.lane) for t in tasks] == [("decide", "department")]
    assert selectors.instance_variables(instance=instance)["route"] == "review"

    instance = complete(instance, "decide", OFFICER, decision="approve")
    variables = selectors.instance_variables(instance=instance)
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert variables["decided_by"] == ""
    assert variables["delivered"] is True


def test_timer_boundary_escalates_after_refresh(definitions, clock):
    instance = start_standard(review_due="P1D")
    due = instance.timer_due_at
    assert due is not None
    assert datetime.timedelta(hours=23) < due - timezone.now() <= datetime.timedelta(days=1)

    # Not due yet: the worker finds nothing to do.
    assert services.due_timers_refresh() == 0
    instance.refresh_from_db()
    assert (instance.version, instance.escalated) == (1, False)

    clock(datetime.timedelta(days=1, minutes=1))
    assert services.due_timers_refresh(now=due + datetime.timedelta(seconds=1)) == 1

    instance.refresh_from_db()
    assert instance.escalated is True
    assert instance.version == 2
    assert instance.timer_due_at is None
    assert names(instance) == ["review"]  # non-interrupting: the review stays open
    assert kinds(instance)[1:] == [("timer_fired", "review_due_timer"), ("escalated", "")]

    instance = complete(instance, "review", OFFICER, review_outcome="pass")
    instance = complete(instance, "decide", OFFICER, decision="approve")
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert instance.escalated is True


def test_timers_refresh_with_a_zero_duration(definitions, clock):
    instance = start_standard(review_due="PT0S")
    clock(datetime.timedelta(seconds=1))

    services.timers_refresh(instance=instance)

    assert instance.escalated is True
    assert names(instance) == ["review"]


def test_split_storage_keeps_one_spec_for_two_instances(definitions):
    first = start_standard("371121-20261126-0010")
    second = start_standard("371121-20261126-0011", special_steps=["public_notice"])

    assert ProcessDefinition.objects.filter(key="item_standard").count() == 1
    for instance in (first, second):
        instance.refresh_from_db()
        assert instance.definition_id == definitions["item_standard"].pk
        assert "spec" not in instance.state_json
        assert "subprocess_specs" not in instance.state_json
        assert instance.state_json["serializer_version"] == "1.5"
    assert "spec" in definitions["item_standard"].spec_json

    # Mid-process: read back from the database, deserialise, carry on.
    first = complete(
        selectors.instance_get(business_key=first.business_key),
        "review",
        OFFICER,
        review_outcome="pass",
    )
    second = complete(
        selectors.instance_get(business_key=second.business_key),
        "review",
        OFFICER,
        review_outcome="pass",
    )
    assert names(selectors.instance_get(business_key=first.business_key)) == ["decide"]
    assert names(selectors.instance_get(business_key=second.business_key)) == ["special_step"]


def test_second_completion_of_the_same_task_conflicts_and_changes_nothing(definitions):
    instance = start_standard()
    # Two officers open the same case at version 1.
    seen_by_a = selectors.instance_get(business_key=instance.business_key)
    seen_by_b = selectors.instance_get(business_key=instance.business_key)
    task_id = services.ready_tasks(instance=seen_by_a)[0].id

    services.task_complete(
        instance=seen_by_a,
        task_id=task_id,
        actor=Actor("a"),
        data={"review_outcome": "pass"},
        expected_version=1,
    )
    stored = ProcessInstance.objects.get(pk=instance.pk)
    events_before = WorkflowEvent.objects.count()

    with pytest.raises(Conflict) as raised:
        services.task_complete(
            instance=seen_by_b,
            task_id=task_id,
            actor=Actor("b"),
            data={"review_outcome": "supplement"},
            expected_version=1,
        )

    assert raised.value.code == "conflict"
    assert raised.value.details == {"expected_version": 1, "version": 2}
    after = ProcessInstance.objects.get(pk=instance.pk)
    assert (after.version, after.status, after.state_json) == (
        stored.version,
        stored.status,
        stored.state_json,
    )
    assert WorkflowEvent.objects.count() == events_before
    assert names(after) == ["decide"]


def test_unknown_task_is_not_found_and_changes_nothing(definitions):
    instance = start_standard()
    before = ProcessInstance.objects.get(pk=instance.pk)

    with pytest.raises(NotFound):
        services.task_complete(
            instance=instance,
            task_id="00000000-0000-0000-0000-000000000000",
            actor=Actor(OFFICER),
            data={},
            expected_version=1,
        )

    after = ProcessInstance.objects.get(pk=instance.pk)
    assert (after.version, after.state_json) == (before.version, before.state_json)


@pytest.mark.parametrize("nobody", [None, AnonymousUser()])
def test_only_the_node_or_a_person_runs_a_process_and_nobody_changes_nothing(definitions, nobody):
    instance = start_standard()  # by SYSTEM, the default
    before = ProcessInstance.objects.get(pk=instance.pk)
    events = WorkflowEvent.objects.count()
    [task] = services.ready_tasks(instance=instance)

    with pytest.raises(PermissionDenied):
        services.task_complete(
            instance=instance, task_id=task.id, actor=nobody, data={}, expected_version=1
        )
    with pytest.raises(PermissionDenied):
        services.instance_stop(instance=instance, actor=nobody)
    with pytest.raises(PermissionDenied):
        services.instance_start(
            key="item_standard", business_key="371121-20261126-0002", data={}, actor=nobody
        )

    after = ProcessInstance.objects.get(pk=instance.pk)
    assert (after.version, after.status) == (before.version, before.status)
    assert WorkflowEvent.objects.count() == events
    assert ProcessInstance.objects.count() == 1
    assert {e.actor_id for e in WorkflowEvent.objects.all()} == {SYSTEM.name}


@pytest.mark.parametrize("key", ["_private", "date", "var", "len", "1st", "has space"])
def test_reserved_or_bad_variable_names_are_refused(definitions, key):
    with pytest.raises(ValidationFailed):
        start_standard(**{key: 1})
    assert ProcessInstance.objects.count() == 0


def test_one_process_per_business_key(definitions):
    start_standard("371121-20261126-0020")
    with pytest.raises(Conflict):
        start_standard("371121-20261126-0020")
    assert ProcessInstance.objects.count() == 1


def test_unknown_process_key_is_not_found(db):
    with pytest.raises(NotFound):
        services.instance_start(key="nope", business_key="x", data={})
    assert ProcessInstance.objects.count() == 0


def test_definition_load_is_idempotent_and_versioned(db, process_file):
    body = (
        '<bpmn:startEvent id="start"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>'
        '<bpmn:userTask id="work" name="Work"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end"/>'
        '<bpmn:endEvent id="end"/>'
    )
    path = process_file("simple", body)
    first = services.definition_load(key="simple", bpmn_path=path)
    again = services.definition_load(key="simple", bpmn_path=path)
    assert again.pk == first.pk
    assert first.version == 1
    assert ProcessDefinition.objects.filter(key="simple").count() == 1

    old = services.instance_start(key="simple", business_key="case-old", data={})

    process_file("simple", body.replace('name="Work"', 'name="Work carefully"'))
    second = services.definition_load(key="simple", bpmn_path=path)
    assert second.version == 2
    assert second.sha256 != first.sha256
    assert ProcessDefinition.objects.filter(key="simple").count() == 2

    new = services.instance_start(key="simple", business_key="case-new", data={})
    assert new.definition_id == second.pk
    old.refresh_from_db()
    assert old.definition_id == first.pk
    assert [t.title for t in services.ready_tasks(instance=old)] == ["Work"]
    assert [t.title for t in services.ready_tasks(instance=new)] == ["Work carefully"]


def test_invalid_process_is_refused_and_nothing_stored(db, process_file):
    path = process_file(
        "broken",
        '<bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f" '
        'sourceRef="start" targetRef="missing"/>',
    )

    with pytest.raises(ValidationFailed):
        services.definition_load(key="broken", bpmn_path=path)
    assert ProcessDefinition.objects.count() == 0


def test_a_refused_script_stops_the_start_and_stores_nothing(db, process_file):
    path = process_file(
        "evil",
        '<bpmn:startEvent id="start"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="s"/>'
        "<bpmn:scriptTask id=\"s\"><bpmn:script>pid = __import__('os').getpid()</bpmn:script>"
        "</bpmn:scriptTask>"
        '<bpmn:sequenceFlow id="f2" sourceRef="s" targetRef="end"/>'
        '<bpmn:endEvent id="end"/>',
    )
    services.definition_load(key="evil", bpmn_path=path)

    with pytest.raises(ValidationFailed) as raised:
        services.instance_start(key="evil", business_key="case-evil", data={})

    assert raised.value.code == "workflow_error"
    assert "__import__" in str(raised.value.message)
    assert ProcessInstance.objects.count() == 0
    assert WorkflowEvent.objects.count() == 0


def test_an_engine_failure_after_a_task_marks_error_and_keeps_state(db, process_file):
    path = process_file(
        "fragile",
        '<bpmn:startEvent id="start"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>'
        '<bpmn:userTask id="work"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="g"/>'
        '<bpmn:exclusiveGateway id="g"/>'
        '<bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="end">'
        '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">missing == 1'
        "</bpmn:conditionExpression></bpmn:sequenceFlow>"
        '<bpmn:endEvent id="end"/>',
    )
    services.definition_load(key="fragile", bpmn_path=path)
    instance = services.instance_start(key="fragile", business_key="case-f", data={})
    state = ProcessInstance.objects.get(pk=instance.pk).state_json
    task_id = services.ready_tasks(instance=instance)[0].id

    with pytest.raises(ValidationFailed):
        services.task_complete(
            instance=instance, task_id=task_id, actor=Actor(OFFICER), data={}, expected_version=1
        )

    stored = ProcessInstance.objects.get(pk=instance.pk)
    assert stored.status == ProcessInstance.Status.ERROR
    assert stored.state_json == state
    assert "missing" in stored.error
    assert kinds(stored) == [("started", ""), ("error", "work")]
    # The task is still there to be retried once the process is fixed.
    assert [t.id for t in services.ready_tasks(instance=stored)] == [task_id]
