from __future__ import annotations

from django.contrib import admin

from onestop.core.admin import ReadOnlyAdminMixin
from onestop.org.models import (
    Department,
    DepartmentKind,
    OpeningHours,
    QueueTicket,
    Region,
    ServiceCentre,
    Window,
)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin[Region]):
    list_display = ["code", "name_zh", "name_en", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(DepartmentKind)
class DepartmentKindAdmin(admin.ModelAdmin[DepartmentKind]):
    list_display = ["key", "name_zh", "name_en", "abbr", "category"]
    list_filter = ["category"]
    search_fields = ["key", "name_zh", "name_en", "duties_zh"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin[Department]):
    list_display = ["code", "name_zh", "region", "kind"]
    list_filter = ["region", "kind__category"]
    search_fields = ["code", "name_zh", "name_en"]
    list_select_related = ["region", "kind"]


class WindowInline(admin.TabularInline[Window, ServiceCentre]):
    model = Window
    extra = 0
    fields = ["number", "name_zh", "name_en", "comprehensive", "departments"]
    filter_horizontal = ["departments"]


class OpeningHoursInline(admin.TabularInline[OpeningHours, ServiceCentre]):
    model = OpeningHours
    extra = 0


@admin.register(ServiceCentre)
class ServiceCentreAdmin(admin.ModelAdmin[ServiceCentre]):
    list_display = ["slug", "name_zh", "region", "phone"]
    list_filter = ["region"]
    search_fields = ["slug", "name_zh", "address_zh"]
    inlines = [WindowInline, OpeningHoursInline]


@admin.register(Window)
class WindowAdmin(admin.ModelAdmin[Window]):
    list_display = ["centre", "number", "name_zh", "comprehensive"]
    list_filter = ["centre", "comprehensive"]
    filter_horizontal = ["departments"]


@admin.register(QueueTicket)
class QueueTicketAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[QueueTicket]):
    """Read-only: tickets change only through the services (the kiosk, the window console)."""

    list_display = ["number", "centre", "day", "status", "window", "purpose_ref"]
    list_filter = ["status", "centre", "day"]
    search_fields = ["number", "purpose_ref", "served_ref"]
