"""Admin of the hotline: the dispatch catalogue is editable; work orders and their events are
read-only here (they change only through the lifecycle services, which audit every step)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from onestop.accounts.admin_scope import PersonalData, RegionScopedAdminMixin
from onestop.hotline.models import Attachment, Category, TimeLimitClass, WorkOrder, WorkOrderEvent


@admin.register(TimeLimitClass)
class TimeLimitClassAdmin(admin.ModelAdmin):
    list_display = ("key", "name_zh", "name_en", "respond_hours", "resolve")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "level", "default_kind", "time_limit_class")
    list_filter = ("level", "time_limit_class")
    search_fields = ("code", "name_zh", "name_en")


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(ReadOnlyInline):
    model = WorkOrderEvent
    fields = ("at", "kind", "from_status", "to_status", "actor", "department", "reason")
    readonly_fields = fields


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ("name", "content_type", "size", "sha256", "created_at")
    readonly_fields = fields


@admin.register(WorkOrder)
class WorkOrderAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    # an administrator sees the orders of their regions; opening one is a recorded access
    personal_data = PersonalData("hotline.contact", "contact_index", ("contact_name", "content"))
    list_display = (
        "number",
        "request_type",
        "category",
        "status",
        "lead_department",
        "resolve_by",
        "created_at",
    )
    list_filter = ("status", "request_type", "channel", "region")
    search_fields = ("number",)
    exclude = ("contact_phone_enc", "contact_index", "idempotency_key")
    inlines = (EventInline, AttachmentInline)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
