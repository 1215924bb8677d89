"""The reviews app in the Django admin: read-only (every write goes through `services`)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from onestop.accounts.admin_scope import SuperuserOnlyAdminMixin
from onestop.reviews.models import DailyStat, Rectification, Review


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# Who rated which case, and the department's call-back: superusers only (the departments read
# them in the reviews console, where every view of the reviewer's name is an access record).
@admin.register(Review)
class ReviewAdmin(SuperuserOnlyAdminMixin, ReadOnly):
    list_display = ("event_kind", "event_ref", "version", "level", "department", "current")
    list_filter = ("level", "current", "voided")
    exclude = ("author", "text")


@admin.register(Rectification)
class RectificationAdmin(SuperuserOnlyAdminMixin, ReadOnly):
    list_display = ("review", "department", "status", "due_date", "on_time")
    list_filter = ("status",)
    exclude = ("callback_note", "reviewer_note")


@admin.register(DailyStat)
class DailyStatAdmin(ReadOnly):
    list_display = ("day", "department", "item", "reviews", "bad", "rectified_on_time")
