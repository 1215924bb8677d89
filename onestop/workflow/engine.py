"""The SpiffWorkflow adapter: parsing, split serialisation, running, reading tasks and timers.

No database here; `services` stores what these functions return. Every workflow runs with the
restricted script environment of `sandbox`.

Split storage (reference/workflow-engine.md §3.2): `BpmnWorkflowSerializer.to_dict` of a
workflow holds the whole process spec (about two thirds of the bytes). `spec_dump` keeps the
spec part ("spec", "subprocess_specs") once per definition version; `state_dump` keeps the rest
per instance; `restore` puts them together again.

Parsed specs are kept per process (`_SPECS`, by the definition's id and hash; a definition
never changes once saved): starting or restoring a workflow then builds only its tasks. A
SpiffWorkflow spec is shared by the workflows made from it, as the library's own parser-once
usage does; the engine changes tasks and task data, never the spec.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import logging
import threading
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from onestop.core import calendar
from onestop.workflow import limits, sandbox

SPEC_KEYS = ("spec", "subprocess_specs")

# SpiffWorkflow logs every task state change at INFO; keep that out of the server log unless
# the LOGGING setting asks for the "spiff" logger explicitly.
_spiff_logger = logging.getLogger("spiff")
if _spiff_logger.level == logging.NOTSET:
    _spiff_logger.setLevel(logging.WARNING)
VERSION_KEY = BpmnWorkflowSerializer.VERSION_KEY


class _StateConverter(BpmnWorkflowConverter):
    """`BpmnWorkflowConverter.to_dict` without the spec: what `state_dump` keeps, with no time
    spent converting a spec only to drop it."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct


def _make_serializer(config: dict[Any, Any] = SPIFF_CONFIG) -> BpmnWorkflowSerializer:
    registry = BpmnWorkflowSerializer.configure(config)
    # Task data may hold plain dates (helpers return them); the default registry knows only
    # datetime and timedelta.
    registry.register(
        datetime.date,
        lambda v: {"value": v.isoformat()},
        lambda v: datetime.date.fromisoformat(v["value"]),
    )
    return BpmnWorkflowSerializer(registry)


serializer = _make_serializer()
_state_serializer = _make_serializer({**SPIFF_CONFIG, BpmnWorkflow: _StateConverter})

# Parsed specs by definition: spec_key → (spec, subprocess specs). A few processes exist; the
# bound only guards against a test run loading thousands of throwaway versions.
_SPECS: dict[Hashable, tuple[Any, dict[str, Any]]] = {}
_SPECS_MAX = 256
_SPECS_LOCK = threading.Lock()


def _specs(spec_json: dict[str, Any], spec_key: Hashable | None) -> tuple[Any, dict[str, Any]]:
    """The spec and subprocess specs of `spec_json`, parsed once per `spec_key` (None: not
    cached)."""
    if spec_key is not None and (hit := _SPECS.get(spec_key)) is not None:
        return hit
    # The converters pop keys from the dicts they restore: always hand them a copy.
    fresh = copy.deepcopy({name: spec_json[name] for name in SPEC_KEYS})
    parsed = (
        serializer.from_dict(fresh["spec"]),
        {name: serializer.from_dict(value) for name, value in fresh["subprocess_specs"].items()},
    )
    if spec_key is not None:
        with _SPECS_LOCK:
            if len(_SPECS) >= _SPECS_MAX:
                _SPECS.clear()
            parsed = _SPECS.setdefault(spec_key, parsed)
    return parsed


@dataclass(frozen=True)
class Source:
    name: str
    xml: str


@dataclass(frozen=True)
class ParsedProcess:
    key: str
    name: str
    spec_json: dict[str, Any]


@dataclass(frozen=True)
class TaskView:
    """A user task waiting for a person."""

    id: str
    name: str
    lane: str
    title: str


def sources_hash(bpmn: Source, dmns: Iterable[Source]) -> str:
    """SHA-256 over the BPMN and the DMN files (sorted by name): the identity of a version."""
    digest = hashlib.sha256()
    for source in [bpmn, *sorted(dmns, key=lambda s: s.name)]:
        data = source.xml.encode()
        digest.update(f"{source.name}\n{len(data)}\n".encode())
        digest.update(data)
    return digest.hexdigest()


_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)


def _xml(source: Source) -> Any:
    # Files come from administrators; entities and network access are off all the same.
    return etree.fromstring(source.xml.encode(), parser=_XML_PARSER)


def parse(*, key: str, bpmn: Source, dmns: Iterable[Source]) -> ParsedProcess:
    """Parse and validate a process; raises SpiffWorkflow's ValidationException on errors and
    `limits.LimitExceeded` (a ValueError) for a process over a bound (`limits`)."""
    dmns = list(dmns)
    limits.check_sources((bpmn.name, bpmn.xml), [(d.name, d.xml) for d in dmns])
    parser = SpiffBpmnParser()
    parser.add_bpmn_xml(_xml(bpmn), filename=bpmn.name)
    for dmn in dmns:
        root = _xml(dmn)
        limits.check_decision_tables(dmn.name, root)
        parser.add_dmn_xml(root, filename=dmn.name)
    spec = parser.get_spec(key)
    subprocess_specs = parser.get_subprocess_specs(key)
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=sandbox.script_engine())
    full = serializer.to_dict(workflow)
    spec_json = {name: full[name] for name in SPEC_KEYS}
    return ParsedProcess(key=key, name=spec.description or key, spec_json=spec_json)


def start(
    spec_json: dict[str, Any], data: dict[str, Any], *, spec_key: Hashable | None = None
) -> BpmnWorkflow:
    """A new workflow of the given spec, with `data` as its initial task data (not run yet).
    `spec_key` names the definition (its id and hash) whose parsed spec may be reused."""
    spec, subprocess_specs = _specs(spec_json, spec_key)
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=sandbox.script_engine())
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data)
    return workflow


def state_dump(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The instance part of the serialised workflow (spec removed), with the serializer version."""
    full: dict[str, Any] = _state_serializer.to_dict(workflow)
    full[VERSION_KEY] = serializer.VERSION
    return full


def restore(
    spec_json: dict[str, Any], state_json: dict[str, Any], *, spec_key: Hashable | None = None
) -> BpmnWorkflow:
    """Re-attach the definition's spec to an instance's state and rebuild the workflow.

    With `spec_key` and a state of the serializer's own version, the parsed spec is reused:
    the converter passes objects it does not recognise through unchanged, so the spec objects
    go in where their dicts would. An older state is migrated with the spec's dicts."""
    full = copy.deepcopy(state_json)
    full.setdefault(VERSION_KEY, serializer.VERSION)
    _order_tasks(full)
    for subprocess in (full.get("subprocesses") or {}).values():
        _order_tasks(subprocess)
    if spec_key is not None and full[VERSION_KEY] == serializer.VERSION:
        full.pop(VERSION_KEY)
        full["spec"], full["subprocess_specs"] = _specs(spec_json, spec_key)
    else:
        full.update(copy.deepcopy({name: spec_json[name] for name in SPEC_KEYS}))
        serializer.migrate(full)
    workflow: BpmnWorkflow = serializer.from_dict(full)
    workflow.script_engine = sandbox.script_engine()
    return workflow


def _order_tasks(workflow_dict: dict[str, Any]) -> None:
    """Put the tasks of a serialised workflow in tree order (parents first), in place.

    A task stores only its changes to its parent's data, so the serializer must restore a
    parent before its children. PostgreSQL's jsonb does not keep the key order of the "tasks"
    object (it sorts keys), so the order is rebuilt from "root" and each task's "children".
    """
    tasks = workflow_dict.get("tasks")
    root = workflow_dict.get("root")
    if not isinstance(tasks, dict) or not isinstance(root, str) or root not in tasks:
        return
    ordered: dict[str, Any] = {}
    stack: list[str] = [root]
    while stack:
        task_id = stack.pop()
        if task_id in ordered or task_id not in tasks:
            continue
        ordered[task_id] = tasks[task_id]
        stack.extend(reversed(tasks[task_id].get("children") or []))
    for task_id, task in tasks.items():  # anything unreachable keeps its place at the end
        ordered.setdefault(task_id, task)
    workflow_dict["tasks"] = ordered


def run(workflow: BpmnWorkflow, *, did_complete: Callable[[Task], None] | None = None) -> None:
    """Run engine tasks (scripts, gateways, rules, fired timers) until only people or timers
    are left; the expressions evaluated on the way share one deadline
    (`limits` WORKFLOW_RULES_SECONDS: past it the task fails with `sandbox.ScriptError`)."""
    with sandbox.deadline(float(limits.limit("WORKFLOW_RULES_SECONDS"))):
        workflow.refresh_timers()
        workflow.do_engine_steps(did_complete_task=did_complete)


def ready_tasks(workflow: BpmnWorkflow) -> list[TaskView]:
    tasks = workflow.get_tasks(state=TaskState.READY, manual=True)
    return [
        TaskView(
            id=str(task.id),
            name=task.task_spec.bpmn_id or task.task_spec.name,
            lane=task.task_spec.lane or "",
            title=task.task_spec.bpmn_name or task.task_spec.name,
        )
        for task in tasks
    ]


@dataclass(frozen=True)
class ProcessView:
    """What the cases app copies from a workflow after a step: the user tasks waiting, the
    process variables as they stand, and whether the process has ended."""

    tasks: list[TaskView]
    variables: dict[str, Any]
    completed: bool


def view(workflow: BpmnWorkflow) -> ProcessView:
    """The waiting tasks and the variables (the final data of a completed workflow, else the
    data the first waiting user task sees) of an in-memory workflow."""
    if workflow.is_completed():
        return ProcessView(tasks=[], variables=dict(workflow.data), completed=True)
    waiting = workflow.get_tasks(state=TaskState.READY, manual=True)
    source = waiting[0] if waiting else workflow.last_task
    return ProcessView(
        tasks=ready_tasks(workflow),
        variables=dict(source.data) if source is not None else {},
        completed=False,
    )


def next_timer_due(workflow: BpmnWorkflow) -> datetime.datetime | None:
    """The earliest due time among the workflow's pending timers (None if there is none)."""
    due: list[datetime.datetime] = []
    for event in workflow.waiting_events():
        value = event.value
        if isinstance(value, dict):  # cycle timers keep {"cycles", "next", "duration"}
            value = value.get("next")
        if not isinstance(value, str):
            continue
        try:
            when = TimerEventDefinition.get_datetime(value)
        except ValueError:
            continue
        due.append(when)
    return min(due) if due else None


def working_days_duration(
    *, start: datetime.datetime, days: int, close_of_business: datetime.time | None = None
) -> str:
    """An ISO-8601 duration from `start` to the end of the working day `days` working days
    later (official holidays and adjusted workdays from `core.calendar`).

    SpiffWorkflow only knows calendar time, so the host computes the committed time limit
    here and passes the result in as a process variable (e.g. `review_due`).
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    close = close_of_business or datetime.time(23, 59, 59)
    local_start = start.astimezone(_local_zone())
    due_day = calendar.add_working_days(local_start.date(), days)
    due = datetime.datetime.combine(due_day, close, tzinfo=local_start.tzinfo)
    seconds = max(0, int((due - local_start).total_seconds()))
    return f"PT{seconds}S"


def _local_zone() -> datetime.tzinfo:
    from django.utils import timezone

    return timezone.get_current_timezone()
