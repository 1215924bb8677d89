"""Tables of insights: the hotspot cards (未诉先办) the worker raises when hotline requests of
one category in one place spike against their trailing baseline, and the one proactive task a
department opens for a card instead of answering each call; and the daily rollups of the
steering dashboards (`RolledDay`, `CaseDay`, `HotlineDay`), which the worker keeps for the
closed days (`insights.rollups`, docs/insights.md "Daily rollups")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Hotspot(models.Model):
    """A spike of requests of one category in one place (township, or a grid cell of about
    1 km when the request has coordinates but no township) in one week (Monday, Asia/Shanghai),
    with the figures of the test that raised it (docs/insights.md "Hotspots")."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        TASKED = "tasked", _("Proactive task opened")

    region = models.CharField(_("region"), max_length=6, db_index=True)
    category = models.CharField(_("category"), max_length=120)
    place = models.CharField(_("place"), max_length=100)
    week = models.DateField(_("week starting"))
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    count = models.PositiveIntegerField(_("requests this week"))
    baseline = models.FloatField(_("trailing weekly mean"))
    p_value = models.FloatField(_("p-value"))
    orders = models.JSONField(_("work orders"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    detected_at = models.DateTimeField(_("detected at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["-week", "-count", "pk"]
        verbose_name = _("hotspot")
        verbose_name_plural = _("hotspots")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "category", "place", "week"], name="insights_hotspot_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.place} {self.week:%Y-%m-%d}"


class ProactiveTask(models.Model):
    """What a department does about a hotspot as a whole (one per card): an owner, a status
    and notes, instead of answering each call on its own."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    hotspot = models.OneToOneField(Hotspot, on_delete=models.CASCADE, related_name="task")
    department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    title = models.CharField(_("title"), max_length=200)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("proactive task")
        verbose_name_plural = _("proactive tasks")

    def __str__(self) -> str:
        return self.title


class RolledDay(models.Model):
    """A closed day (Asia/Shanghai) whose rollup rows (`CaseDay`, `HotlineDay`) of `region` (the
    node's region; the rows carry the region of each case or order below it) are written. A day
    without this mark is computed live from the raw rows by the dashboards."""

    region = models.CharField(_("region"), max_length=6)
    day = models.DateField(_("day"))
    rolled_at = models.DateTimeField(_("rolled at"), default=timezone.now)

    class Meta:
        ordering = ["region", "day"]
        verbose_name = _("rolled-up day")
        verbose_name_plural = _("rolled-up days")
        constraints = [
            models.UniqueConstraint(fields=["region", "day"], name="insights_rolledday_unique")
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.day:%Y-%m-%d}"


class CaseDay(models.Model):
    """The item-case figures of one day × department × item × channel: each count on its own
    day (received on the day of submission; decided, kept, late, working days and promised
    days on the day of the decision; supplements on the day of the request)."""

    region = models.CharField(_("region"), max_length=6)
    day = models.DateField(_("day"))
    department = models.CharField(_("department"), max_length=80, blank=True)
    item = models.CharField(_("item"), max_length=40, blank=True)
    channel = models.CharField(_("channel"), max_length=10, blank=True)
    received = models.PositiveIntegerField(_("received"), default=0)
    decided = models.PositiveIntegerField(_("decided"), default=0)
    kept = models.PositiveIntegerField(_("decided within the limit"), default=0)
    late = models.PositiveIntegerField(_("decided after the limit"), default=0)
    working_days = models.PositiveIntegerField(_("working days"), default=0)
    promised_days = models.PositiveIntegerField(_("promised working days"), default=0)
    supplements = models.PositiveIntegerField(_("supplement requests"), default=0)

    class Meta:
        ordering = ["day", "department", "item", "channel"]
        verbose_name = _("case figures of a day")
        verbose_name_plural = _("case figures of days")
        indexes = [models.Index(fields=["day", "region"], name="insights_caseday_day")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.department} {self.item} {self.channel}"


class HotlineDay(models.Model):
    """The three-rates counts of the work orders dispatched on one day, per lead department,
    as they stood when the day was rolled (`RolledDay.rolled_at`). `overdue` counts the orders
    replied late and those still owed past their deadline then; an owed order whose deadline
    was still ahead is counted live by the pages once it passes. The returns and reopens are
    counted live (distinct orders over the whole period)."""

    region = models.CharField(_("region"), max_length=6)
    day = models.DateField(_("day"))
    department = models.CharField(_("department"), max_length=80)
    dispatched = models.PositiveIntegerField(_("dispatched"), default=0)
    signed_on_time = models.PositiveIntegerField(_("signed for on time"), default=0)
    callbacks = models.PositiveIntegerField(_("callbacks"), default=0)
    resolved = models.PositiveIntegerField(_("resolved"), default=0)
    satisfied = models.PositiveIntegerField(_("satisfied"), default=0)
    overdue = models.PositiveIntegerField(_("overdue when rolled"), default=0)

    class Meta:
        ordering = ["day", "department"]
        verbose_name = _("hotline figures of a day")
        verbose_name_plural = _("hotline figures of days")
        indexes = [models.Index(fields=["day", "region"], name="insights_hotlineday_day")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.department}"
