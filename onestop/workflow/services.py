"""Writes of the workflow app: load definitions, start instances, complete tasks, fire timers.

The cases app drives these; it decides who may complete which task (lanes map to its roles)
and passes the actor in. Every change of an instance happens here, inside
`transaction.atomic` with the instance row locked (`select_for_update`), and is saved only at
commit points: after a start, after a task and the engine steps that follow it, after a timer
refresh. An instance's `version` grows by one at each save; a writer names the version it read
(`expected_version`) and gets `Conflict` if somebody else saved in between.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException, TaskNotFoundException
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from onestop.core.actors import SYSTEM, is_system
from onestop.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onestop.workflow import engine, limits, policies, sandbox, selectors
from onestop.workflow.engine import TaskView
from onestop.workflow.models import ProcessDefinition, ProcessInstance, WorkflowEvent

logger = logging.getLogger(__name__)

PROCESSES_DIR = Path(__file__).resolve().parent / "processes"
SYSTEM_ACTOR = SYSTEM.name
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")

Status = ProcessInstance.Status
Kind = WorkflowEvent.Kind


def _actor_id(actor: Any) -> str:
    """Who the events name; refuses an actor that may not run processes (`policies`)."""
    if not policies.can(actor, policies.Action.PROCESS_RUN):
        raise PermissionDenied(_("Only the node itself or a signed-in person may run a process."))
    if is_system(actor):
        return SYSTEM_ACTOR
    pk = getattr(actor, "pk", None)
    return str(pk) if pk is not None else str(actor)


# --- definitions -----------------------------------------------------------------------------


def definition_load(
    *, key: str, bpmn_path: Path, dmn_paths: Iterable[Path] = ()
) -> ProcessDefinition:
    """Parse a process and store it as the next version of `key`.

    Idempotent: when the files hash the same as the latest version of `key`, that version is
    returned unchanged. Different files make a new version; running instances keep theirs.
    """
    try:
        bpmn = engine.Source(bpmn_path.name, bpmn_path.read_text(encoding="utf-8"))
        dmns = [engine.Source(p.name, p.read_text(encoding="utf-8")) for p in dmn_paths]
    except OSError as exc:
        raise ValidationFailed(
            _("The process file could not be read: %(error)s") % {"error": exc}
        ) from exc
    sha = engine.sources_hash(bpmn, dmns)
    with transaction.atomic():
        latest = (
            ProcessDefinition.objects.select_for_update()
            .filter(key=key)
            .order_by("-version")
            .first()
        )
        if latest is not None and latest.sha256 == sha:
            return latest
        try:
            parsed = engine.parse(key=key, bpmn=bpmn, dmns=dmns)
        except (SpiffWorkflowException, ValueError, KeyError) as exc:
            raise ValidationFailed(
                _("The process %(key)s is not valid: %(error)s") % {"key": key, "error": exc}
            ) from exc
        definition = ProcessDefinition(
            key=key,
            version=(latest.version + 1) if latest else 1,
            name=parsed.name[:200],
            bpmn_xml=bpmn.xml,
            dmn_xml=[{"name": d.name, "xml": d.xml} for d in dmns],
            spec_json=parsed.spec_json,
            sha256=sha,
        )
        definition.full_clean()
        try:
            with transaction.atomic():
                definition.save()
        except IntegrityError as exc:  # another loader saved the same version first
            raise Conflict(
                _("Another version of the process %(key)s was saved at the same time.")
                % {"key": key}
            ) from exc
    return definition


def process_files(directory: Path = PROCESSES_DIR) -> list[tuple[str, Path, list[Path]]]:
    """The processes in `directory`: each `<key>.bpmn` with the `<key>*.dmn` files beside it."""
    found = []
    for bpmn_path in sorted(directory.glob("*.bpmn")):
        key = bpmn_path.stem
        dmn_paths = sorted(directory.glob(f"{key}*.dmn"))
        found.append((key, bpmn_path, dmn_paths))
    return found


def definitions_load_all(*, directory: Path = PROCESSES_DIR) -> list[ProcessDefinition]:
    """Load every process in `directory` (idempotent)."""
    return [
        definition_load(key=key, bpmn_path=bpmn_path, dmn_paths=dmn_paths)
        for key, bpmn_path, dmn_paths in process_files(directory)
    ]


# --- instances -------------------------------------------------------------------------------


def _check_data(data: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValidationFailed(_("Process data must be an object of named values."))
    bad = sorted(
        str(k)
        for k in data
        if not isinstance(k, str) or not _NAME.match(k) or k in sandbox.RESERVED_NAMES
    )
    if bad:
        raise ValidationFailed(
            _("These process variable names are not allowed: %(names)s.")
            % {"names": ", ".join(bad)},
            details={"fields": bad},
        )
    try:
        limits.check_data(data)
    except limits.LimitExceeded as exc:
        raise ValidationFailed(str(exc), code="process_data_too_large") from exc
    return dict(data)


class _Recorder:
    """Collects what the engine did during one run, to write events and flags afterwards."""

    def __init__(self) -> None:
        self.timers: list[str] = []
        self.escalated = False

    def __call__(self, task: Task) -> None:
        spec = task.task_spec
        event_definition = getattr(spec, "event_definition", None)
        if isinstance(event_definition, TimerEventDefinition):
            self.timers.append(spec.bpmn_id or spec.name)
        if task.data.get("escalated") is True:
            self.escalated = True


def _run(workflow: BpmnWorkflow) -> _Recorder:
    recorder = _Recorder()
    engine.run(workflow, did_complete=recorder)
    return recorder


def _sandbox_cause(exc: BaseException) -> BaseException | None:
    """The sandbox's own error behind an engine error (SpiffWorkflow's message of a failed DMN
    rule names the rule, not why it failed)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (sandbox.ScriptError, sandbox.ScriptRefused)):
            return current
        inner = getattr(current, "exception", None)
        if not isinstance(inner, BaseException):
            inner = current.__cause__ or current.__context__
        current = inner
    return None


class RulesTimeout(ValidationFailed):
    """The engine run passed its deadline (`WORKFLOW_RULES_SECONDS`) and stored nothing: on an
    overloaded machine a sound rule can, so unlike the other engine errors this is no verdict on
    the input (HTTP 503, ``rules_timeout``). The same step may be tried again: submissions carry
    an idempotency key, an officer's step the version it was made on."""

    status = 503
    code = "rules_timeout"


def _engine_error(exc: Exception) -> ValidationFailed:
    error = str(exc)
    cause = _sandbox_cause(exc)
    if isinstance(cause, sandbox.DeadlinePassed):
        return RulesTimeout(
            _(
                "The rules took too long to evaluate (the service is busy). Nothing was "
                "changed: please try again."
            ),
            details={"error": str(cause)},
        )
    if cause is not None and str(cause) not in error:
        error = f"{error} {cause}"
    return ValidationFailed(
        _("The process could not continue: %(error)s") % {"error": error}, code="workflow_error"
    )


def _state(
    instance: ProcessInstance,
    workflow: BpmnWorkflow,
    recorder: _Recorder,
    *,
    first: bool = False,
) -> list[tuple[str, str, dict[str, Any]]]:
    """Put the workflow's state on the instance (not saved); returns the events to write after
    the caller's own (kind, task name, data)."""
    instance.state_json = engine.state_dump(workflow)
    instance.status = Status.COMPLETED if workflow.is_completed() else Status.WAITING
    instance.timer_due_at = None if workflow.is_completed() else engine.next_timer_due(workflow)
    instance.error = ""
    newly_escalated = recorder.escalated and not instance.escalated
    instance.escalated = instance.escalated or recorder.escalated
    if not first:
        instance.version += 1
    events: list[tuple[str, str, dict[str, Any]]] = [
        (Kind.TIMER_FIRED, name, {}) for name in recorder.timers
    ]
    if newly_escalated:
        events.append((Kind.ESCALATED, "", {}))
    if instance.status == Status.COMPLETED:
        events.append((Kind.COMPLETED, "", _public_data(workflow)))
    return events


def _save(
    instance: ProcessInstance,
    workflow: BpmnWorkflow,
    recorder: _Recorder,
    *,
    first: bool = False,
) -> list[tuple[str, str, dict[str, Any]]]:
    """Store the workflow's state on the (locked) row; returns the events to write after the
    caller's own (kind, task name, data)."""
    events = _state(instance, workflow, recorder, first=first)
    instance.full_clean()
    instance.save()
    return events


def _events(
    instance: ProcessInstance, events: list[tuple[str, str, dict[str, Any]]], *, actor_id: str
) -> None:
    for kind, task_name, data in events:
        _event(instance, kind, task_name=task_name, actor_id=actor_id, data=data)


def _public_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    data = workflow.data if workflow.is_completed() else workflow.last_task.data
    return {k: v for k, v in data.items() if isinstance(v, str | int | float | bool | None)}


def _event(
    instance: ProcessInstance,
    kind: str,
    *,
    task_name: str = "",
    actor_id: str = "",
    data: dict[str, Any] | None = None,
) -> WorkflowEvent:
    event = WorkflowEvent(
        instance=instance, kind=kind, task_name=task_name, actor_id=actor_id, data=data or {}
    )
    event.full_clean()
    event.save()
    return event


def instance_start(
    *, key: str, business_key: str, data: dict[str, Any], actor: Any = SYSTEM
) -> ProcessInstance:
    """Start the latest version of process `key` for `business_key` and run it until it waits
    for a person or a timer (or completes, as an auto-approval does).

    Nothing is stored when the process fails before its first wait.
    """
    return instances_start(starts=[(key, business_key, data)], actor=actor)[0][0]


def instances_start(
    *, starts: Sequence[tuple[str, str, dict[str, Any]]], actor: Any = None
) -> list[tuple[ProcessInstance, engine.ProcessView]]:
    """Start several processes at once: (process key, business key, start data) each, the
    latest version of each key, each run until it waits. One query reads the definitions, one
    checks the business keys, one inserts the instances and one their events, whatever their
    number. Returns each instance with the view of its workflow as it was stored (its waiting
    tasks and variables), so the caller need not restore it. All or nothing."""
    starts = [(key, str(business_key), _check_data(data)) for key, business_key, data in starts]
    if not starts:
        return []
    keys = {key for key, _b, _d in starts}
    definitions: dict[str, ProcessDefinition] = {}
    for definition in ProcessDefinition.objects.filter(key__in=keys).order_by("key", "-version"):
        definitions.setdefault(definition.key, definition)
    for key in keys:
        if key not in definitions:
            raise NotFound(_("There is no process called %(key)s.") % {"key": key})
    actor_id = _actor_id(actor)
    business_keys = [b for _k, b, _d in starts]

    def running(taken: Iterable[str]) -> Conflict:
        return Conflict(
            _("A process is already running for %(business_key)s.")
            % {"business_key": ", ".join(sorted(set(taken)))}
        )

    doubles = [b for b in business_keys if business_keys.count(b) > 1]
    taken = doubles or list(
        ProcessInstance.objects.filter(business_key__in=business_keys).values_list(
            "business_key", flat=True
        )
    )
    if taken:
        raise running(taken)
    # The engines run before anything is written: a refused script stores nothing.
    instances: list[ProcessInstance] = []
    started: list[tuple[ProcessInstance, engine.ProcessView, list[Any], dict[str, Any]]] = []
    for key, business_key, data in starts:
        definition = definitions[key]
        try:
            workflow = engine.start(
                definition.spec_json, data, spec_key=selectors.spec_key(definition)
            )
            recorder = _run(workflow)
        except (SpiffWorkflowException, sandbox.ScriptRefused, sandbox.ScriptError) as exc:
            raise _engine_error(exc) from exc
        instance = ProcessInstance(
            definition=definition, business_key=business_key, state_json={}, version=1
        )
        events = _state(instance, workflow, recorder, first=True)
        instance.clean_fields(exclude=["definition"])
        instances.append(instance)
        head = {"key": key, "version": definition.version, "data": data}
        started.append((instance, engine.view(workflow), events, head))
    rows: list[WorkflowEvent] = []
    for instance, _view, events, head in started:
        rows.append(
            WorkflowEvent(instance=instance, kind=Kind.STARTED, actor_id=actor_id, data=head)
        )
        rows += [
            WorkflowEvent(
                instance=instance, kind=kind, task_name=task_name, actor_id=SYSTEM_ACTOR, data=data
            )
            for kind, task_name, data in events
        ]
    # No savepoint of its own inside the caller's transaction (two round trips fewer); only a
    # concurrent start of the same key after the check above fails here, and fails the caller.
    with transaction.atomic(savepoint=False):
        try:
            ProcessInstance.objects.bulk_create(instances)
        except IntegrityError as exc:
            raise running(business_keys) from exc
        WorkflowEvent.objects.bulk_create(rows)
    return [(instance, view) for instance, view, _e, _h in started]


def _locked(instance: ProcessInstance) -> ProcessInstance:
    row = (
        ProcessInstance.objects.select_for_update()
        .select_related("definition")
        .filter(pk=instance.pk)
        .first()
    )
    if row is None:
        raise NotFound(_("The process instance does not exist."))
    return row


def _load(instance: ProcessInstance) -> BpmnWorkflow:
    return selectors.instance_workflow(instance=instance)


def _fail(instance: ProcessInstance, exc: Exception, *, task_name: str, actor_id: str) -> None:
    """Record an engine failure on the instance (state stays at its last commit point)."""
    instance.status = Status.ERROR
    instance.error = str(exc)[:2000]
    instance.version += 1
    instance.save(update_fields=["status", "error", "version", "updated_at"])
    _event(
        instance,
        Kind.ERROR,
        task_name=task_name,
        actor_id=actor_id,
        data={"error": str(exc)[:2000]},
    )


def ready_tasks(*, instance: ProcessInstance) -> list[TaskView]:
    """The user tasks of the instance that wait for a person (a read; see selectors)."""
    return selectors.ready_tasks(instance=instance)


def task_complete(
    *,
    instance: ProcessInstance,
    task_id: str,
    actor: Any,
    data: dict[str, Any],
    expected_version: int,
) -> ProcessInstance:
    """Complete the ready user task `task_id` with `data`, then run the engine until it waits.

    Raises `Conflict` (and changes nothing) if the instance was saved by somebody else after
    the caller read `expected_version` — e.g. another officer completed the same task.
    """
    data = _check_data(data)
    actor_id = _actor_id(actor)
    failure: Exception | None = None
    with transaction.atomic():
        row = _locked(instance)
        if row.version != expected_version:
            raise Conflict(
                _(
                    "This case was changed by someone else in the meantime. Reload it and "
                    "try again."
                ),
                details={"expected_version": expected_version, "version": row.version},
            )
        if row.status == Status.COMPLETED:
            raise Conflict(_("This process has already completed."))
        workflow = _load(row)
        task = _ready_user_task(workflow, task_id)
        task_name = task.task_spec.bpmn_id or task.task_spec.name
        try:
            task.data.update(data)
            task.run()
            recorder = _run(workflow)
        except (SpiffWorkflowException, sandbox.ScriptRefused, sandbox.ScriptError) as exc:
            failure = exc
            _fail(row, exc, task_name=task_name, actor_id=actor_id)
        else:
            events = _save(row, workflow, recorder)
            _event(row, Kind.TASK_COMPLETED, task_name=task_name, actor_id=actor_id, data=data)
            _events(row, events, actor_id=SYSTEM_ACTOR)
    if failure is not None:
        raise _engine_error(failure) from failure
    _sync(instance, row)
    return instance


def _ready_user_task(workflow: BpmnWorkflow, task_id: str) -> Task:
    try:
        uid = uuid.UUID(str(task_id))
    except ValueError:
        uid = None
    task: Task | None = None
    if uid is not None:
        try:
            task = workflow.get_task_from_id(uid)
        except TaskNotFoundException:
            task = None
    if task is None or not task.task_spec.manual or task.state != TaskState.READY:
        raise NotFound(_("This task is not waiting to be done (any more)."))
    return task


def _sync(target: ProcessInstance, source: ProcessInstance) -> None:
    for field in ProcessInstance._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def timers_refresh(*, instance: ProcessInstance) -> ProcessInstance:
    """Fire the instance's due timers and run what follows them (the worker calls this).

    Saves only if a timer fired; an engine failure marks the instance `error` and raises.
    """
    failure: Exception | None = None
    with transaction.atomic():
        row = _locked(instance)
        if row.status == Status.COMPLETED:
            _sync(instance, row)
            return instance
        workflow = _load(row)
        try:
            recorder = _run(workflow)
        except (SpiffWorkflowException, sandbox.ScriptRefused, sandbox.ScriptError) as exc:
            failure = exc
            _fail(row, exc, task_name="", actor_id=SYSTEM_ACTOR)
        else:
            due = engine.next_timer_due(workflow)
            if recorder.timers or workflow.is_completed() or due != row.timer_due_at:
                _events(row, _save(row, workflow, recorder), actor_id=SYSTEM_ACTOR)
    if failure is not None:
        raise _engine_error(failure) from failure
    _sync(instance, row)
    return instance


def instance_stop(
    *, instance: ProcessInstance, actor: Any = SYSTEM, reason: str = ""
) -> ProcessInstance:
    """Stop an instance for good (e.g. its case was withdrawn): its waiting tasks are
    cancelled, no timer is left for the worker, the status becomes completed and a
    ``completed`` event with ``{"stopped": true}`` is written. Stopping a completed instance
    changes nothing."""
    actor_id = _actor_id(actor)
    with transaction.atomic():
        row = _locked(instance)
        if row.status == Status.COMPLETED:
            _sync(instance, row)
            return instance
        workflow = _load(row)
        workflow.cancel()
        row.state_json = engine.state_dump(workflow)
        row.status = Status.COMPLETED
        row.timer_due_at = None
        row.error = ""
        row.version += 1
        row.full_clean()
        row.save()
        _event(
            row,
            Kind.COMPLETED,
            actor_id=actor_id,
            data={"stopped": True, "reason": str(reason)[:200]},
        )
    _sync(instance, row)
    return instance


def due_timers_refresh(*, now: Any = None, limit: int = 500) -> int:
    """Refresh every instance whose earliest timer is due by `now`; returns how many fired or
    changed. One failing instance is logged and marked `error`; the others still run."""
    now = now or timezone.now()
    ids = list(
        ProcessInstance.objects.filter(
            status__in=[Status.WAITING, Status.RUNNING], timer_due_at__lte=now
        )
        .order_by("timer_due_at")
        .values_list("pk", flat=True)[:limit]
    )
    count = 0
    for pk in ids:
        instance = ProcessInstance.objects.filter(pk=pk).first()
        if instance is None:
            continue
        before = instance.version
        try:
            timers_refresh(instance=instance)
        except Exception:  # one broken instance must not stop the others
            logger.exception("Timer refresh failed for process instance %s", pk)
            continue
        if instance.version != before:
            count += 1
    return count
