"""Admin of `cases`: the item → process bindings are editable (an administrator binds an item to
a loaded process); cases, their materials, timeline, supplements and papers are
read-only here — they change only through the services, which check policies and keep the
timeline."""

from __future__ import annotations

from django.contrib import admin

from onestop.accounts.admin_scope import PersonalData, RegionScopedAdminMixin
from onestop.cases.models import (
    Case,
    CaseDocument,
    CaseEvent,
    CaseMaterial,
    ItemProcess,
    Supplement,
)
from onestop.core.admin import ReadOnlyAdminMixin


@admin.register(ItemProcess)
class ItemProcessAdmin(admin.ModelAdmin):
    list_display = ("template_key", "process_key", "auto", "note")
    list_filter = ("auto", "process_key")
    search_fields = ("template_key", "process_key")


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0


class MaterialInline(ReadOnlyInline):
    model = CaseMaterial
    fields = ("key", "name_zh", "required", "key_material", "mode", "source", "size", "sha256")
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ("at", "kind", "actor", "note")
    readonly_fields = fields


class SupplementInline(ReadOnlyInline):
    model = Supplement
    fields = ("requested_at", "requested_by", "reason", "materials", "answered_at")
    readonly_fields = fields


class DocumentInline(ReadOnlyInline):
    model = CaseDocument
    fields = ("created_at", "kind", "created_by", "sha256")
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(RegionScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    # an administrator sees the cases of their regions; opening one is a recorded access
    personal_data = PersonalData("cases", "applicant_index", ("applicant", "form", "materials"))
    list_display = (
        "number",
        "kind",
        "status",
        "department",
        "task_name",
        "channel",
        "due_date",
        "created_at",
    )
    list_filter = ("status", "kind", "channel", "region", "auto_decided")
    search_fields = ("number",)
    list_select_related = ("department",)
    # Personal data stays out of the admin: the applicant is shown by account and masked ID.
    exclude = ("applicant_index", "form_data", "prefill_values", "idempotency_key")
    inlines = (MaterialInline, EventInline, SupplementInline, DocumentInline)
