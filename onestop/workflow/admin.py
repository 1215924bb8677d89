from django.contrib import admin
from django.db.models import Q

from onestop.accounts.admin_scope import RegionScopedAdminMixin, administered_number_q
from onestop.workflow.models import ProcessDefinition, ProcessInstance, WorkflowEvent


@admin.register(ProcessDefinition)
class ProcessDefinitionAdmin(admin.ModelAdmin):
    """Read-only: definitions are loaded with `onestop workflow_load`, never edited here."""

    list_display = ("key", "version", "name", "sha256", "created_at")
    list_filter = ("key",)
    exclude = ("spec_json",)
    readonly_fields = ("key", "version", "name", "bpmn_xml", "dmn_xml", "sha256", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class WorkflowEventInline(admin.TabularInline):
    """The steps without their data: a process decided by rules starts with facts read from
    shared data about the applicant (insured or not), which the admin does not show (they are
    read in the consoles, where each view is an access record)."""

    model = WorkflowEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "task_name", "actor_id")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProcessInstance)
class ProcessInstanceAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    """Read-only: instances change only through the cases app and the engine. An
    administrator sees the instances of the cases of their regions: the business key is the
    case's number, which starts with the region's code."""

    def scope_q(self, request) -> Q:
        return administered_number_q(request.user, "business_key")

    list_display = ("business_key", "definition", "status", "escalated", "timer_due_at")
    list_filter = ("status", "escalated", "definition__key")
    search_fields = ("business_key",)
    exclude = ("state_json",)
    readonly_fields = (
        "definition",
        "business_key",
        "status",
        "version",
        "timer_due_at",
        "escalated",
        "error",
        "created_at",
        "updated_at",
    )
    inlines = [WorkflowEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
