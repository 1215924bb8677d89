"""Tables of insights: the hotspot cards (未诉先办) the worker raises when hotline requests of
one category in one place spike against their trailing baseline, and the one proactive task a
department opens for a card instead of answering each call. The indicators themselves are
computed from the other apps' tables and stored nowhere."""

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
