"""Administrators maintain the official calendar here (or with `onestop calendar_load`).

`ReadOnlyAdminMixin`: the admin of rows that change only through their app's services (which
check policies and keep the history): shown, never added, changed or deleted here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from onestop.core import calendar
from onestop.core.errors import ValidationFailed
from onestop.core.models import CalendarDay, CalendarYear


class ReadOnlyAdminMixin:
    """Read-only in the admin (mix into a ModelAdmin or an inline, before it)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin[CalendarYear]):
    list_display = ["year", "source", "updated_at"]
    search_fields = ["year", "source"]

    def save_model(self, request: HttpRequest, obj: CalendarYear, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        calendar.invalidate(obj.year)

    def delete_model(self, request: HttpRequest, obj: CalendarYear) -> None:
        super().delete_model(request, obj)
        calendar.invalidate(obj.year)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        super().delete_queryset(request, queryset)
        calendar.invalidate()


class CalendarDayForm(forms.ModelForm[CalendarDay]):
    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "name"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, kind = data.get("date"), data.get("kind")
        if day and kind:
            # The same checks as `calendar_load`, minus duplicates (the unique date covers them).
            try:
                calendar._check_entries(day.year, [calendar.DayEntry(day, kind, "")])
            except ValidationFailed as exc:
                raise forms.ValidationError(str(exc.message)) from exc
        return data


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin[CalendarDay]):
    form = CalendarDayForm
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name"]

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        calendar.invalidate()  # the date itself may have moved to another year

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        super().delete_model(request, obj)
        calendar.invalidate(obj.date.year)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        super().delete_queryset(request, queryset)
        calendar.invalidate()
