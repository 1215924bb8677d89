"""Tables of the workflow engine adapter.

A process definition is stored once per version (its serialised SpiffWorkflow spec included);
an instance stores only its own state (the spec is popped before saving and re-attached on
load), so a thousand cases of one item share one copy of the diagram. Rows are written only
by `services`.
"""

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DocumentJSONField(models.JSONField):
    """A JSONField for large documents, bulk-inserted as rows of VALUES rather than through
    PostgreSQL's `UNNEST` of arrays (Django 5.2's default for `bulk_create`): psycopg writes a
    text array by escaping every double quote of each document with a regular-expression
    template, which cost 10 ms of CPU for the seven workflow states of one submission — more
    than running their engines. A field with `get_placeholder` opts out of `UNNEST`; the
    placeholder is the plain one. Deconstructs as a JSONField: same column, no migration."""

    def get_placeholder(self, value: Any, compiler: Any, connection: Any) -> str:
        return "%s"

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.JSONField", args, kwargs


class ProcessDefinition(models.Model):
    """One version of a BPMN process (with the DMN tables it calls). Never changed once saved:
    a changed file becomes a new version; running instances keep theirs."""

    key = models.CharField(_("process key"), max_length=100)
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    bpmn_xml = models.TextField(_("BPMN XML"))
    # [{"name": "auto_decision.dmn", "xml": "..."}]
    dmn_xml = models.JSONField(_("DMN XML"), default=list, blank=True)
    # {"spec": ..., "subprocess_specs": ...} as BpmnWorkflowSerializer.to_dict writes them.
    spec_json = models.JSONField(_("serialised spec"))
    sha256 = models.CharField(_("SHA-256 of the sources"), max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["key", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "version"], name="workflow_definition_key_version"
            ),
        ]
        verbose_name = _("process definition")
        verbose_name_plural = _("process definitions")

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"


class ProcessInstance(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        WAITING = "waiting", _("Waiting")
        COMPLETED = "completed", _("Completed")
        ERROR = "error", _("Error")

    definition = models.ForeignKey(
        ProcessDefinition, on_delete=models.PROTECT, related_name="instances"
    )
    # The case number (or any other id of the thing the process runs for).
    business_key = models.CharField(_("business key"), max_length=100, unique=True)
    # The serialised workflow WITHOUT "spec" and "subprocess_specs" (see ProcessDefinition).
    state_json = DocumentJSONField(_("instance state"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    # Optimistic lock: every saved change adds one; a writer names the version it read.
    version = models.PositiveIntegerField(_("version"), default=1)
    # The earliest pending timer, so the worker can find due instances without loading any.
    timer_due_at = models.DateTimeField(_("next timer due"), null=True, blank=True, db_index=True)
    escalated = models.BooleanField(_("escalated"), default=False)
    error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("process instance")
        verbose_name_plural = _("process instances")

    def __str__(self) -> str:
        return f"{self.business_key} ({self.status})"


class WorkflowEvent(models.Model):
    """The audit trail of an instance: started, task completed, timer fired, error..."""

    class Kind(models.TextChoices):
        STARTED = "started", _("Started")
        TASK_COMPLETED = "task_completed", _("Task completed")
        ENGINE_STEP = "engine_step", _("Engine step")
        TIMER_FIRED = "timer_fired", _("Timer fired")
        ESCALATED = "escalated", _("Escalated")
        COMPLETED = "completed", _("Completed")
        ERROR = "error", _("Error")

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    task_name = models.CharField(_("task"), max_length=100, blank=True)
    actor_id = models.CharField(_("actor"), max_length=64, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["instance", "at"], name="workflow_event_instance_at")]
        verbose_name = _("workflow event")
        verbose_name_plural = _("workflow events")

    def __str__(self) -> str:
        return f"{self.kind} {self.task_name}"
