"""Reads of the workflow app. The cases app scopes what a person may see (by case); these
functions take an instance the caller already may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from SpiffWorkflow.bpmn import BpmnWorkflow

from onestop.core.errors import NotFound
from onestop.workflow import engine
from onestop.workflow.engine import TaskView
from onestop.workflow.models import ProcessDefinition, ProcessInstance, WorkflowEvent


def definition_latest(*, key: str) -> ProcessDefinition:
    definition = ProcessDefinition.objects.filter(key=key).order_by("-version").first()
    if definition is None:
        raise NotFound(_("There is no process called %(key)s.") % {"key": key})
    return definition


def definition_keys() -> list[str]:
    """The keys of every loaded process (for the catalogue's item → process mapping)."""
    return list(ProcessDefinition.objects.order_by("key").values_list("key", flat=True).distinct())


def instance_get(*, business_key: str) -> ProcessInstance:
    instance = (
        ProcessInstance.objects.select_related("definition")
        .filter(business_key=business_key)
        .first()
    )
    if instance is None:
        raise NotFound(
            _("There is no process for %(business_key)s.") % {"business_key": business_key}
        )
    return instance


def instance_events(*, instance: ProcessInstance) -> QuerySet[WorkflowEvent]:
    return WorkflowEvent.objects.filter(instance=instance).order_by("at", "id")


def spec_key(definition: ProcessDefinition) -> tuple[int, str]:
    """What names a definition's parsed spec in the engine's per-process cache: a definition
    never changes once saved, and its hash guards against a reused id (a test database)."""
    return (definition.pk, definition.sha256)


def instance_workflow(*, instance: ProcessInstance) -> BpmnWorkflow:
    """The instance's workflow rebuilt from its state and its definition's (cached) spec."""
    definition = instance.definition
    return engine.restore(definition.spec_json, instance.state_json, spec_key=spec_key(definition))


def ready_tasks(*, instance: ProcessInstance) -> list[TaskView]:
    """The user tasks of the instance that wait for a person: id, name (the BPMN id), lane,
    title."""
    return engine.ready_tasks(instance_workflow(instance=instance))


def instance_view(*, instance: ProcessInstance) -> engine.ProcessView:
    """The waiting user tasks, the variables and whether it ended, from one restore."""
    return engine.view(instance_workflow(instance=instance))


def instance_variables(*, instance: ProcessInstance) -> dict[str, Any]:
    """The process variables as they stand: the final data of a completed instance, else the
    data the first waiting user task sees."""
    return instance_view(instance=instance).variables
