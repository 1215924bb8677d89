from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class BilingualNameMixin(models.Model):
    """Catalogue and organisation names are bilingual data, not gettext."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name_zh

    @property
    def name(self) -> str:
        lang = get_language() or "zh-hans"
        if lang.startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh


class CalendarYear(TimeStampedModel):
    """A year whose official holidays and adjusted workdays have been entered.

    A year without a row here is computed weekend-only, with a warning.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=300)

    class Meta:
        ordering = ["year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(TimeStampedModel):
    """A day that differs from the plain Monday-to-Friday rule."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Official holiday (no work)")
        WORKDAY = "workday", _("Adjusted workday (weekend day worked)")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date} {self.kind}"


class DayCounter(models.Model):
    """The last sequence number given out per series, region and day (work orders, cases...);
    its row is the allocation lock (`core.numbering`)."""

    series = models.CharField(_("series"), max_length=20)
    region = models.CharField(_("region"), max_length=6)
    day = models.DateField(_("day"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["series", "region", "day"], name="core_daycounter_unique"
            ),
        ]
        verbose_name = _("day counter")
        verbose_name_plural = _("day counters")

    def __str__(self) -> str:
        return f"{self.series} {self.region}-{self.day:%Y%m%d}: {self.last}"


class WorkerBeat(models.Model):
    """A running task worker (`onestop worker`) and when it last said it was alive
    (`core.workers`): a task left running by a worker that stopped beating — killed, its
    machine gone — is queued again."""

    worker_id = models.CharField(_("worker id"), max_length=64, primary_key=True)
    hostname = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process id"))
    started_at = models.DateTimeField(_("started at"))
    beat_at = models.DateTimeField(_("last beat"), db_index=True)

    class Meta:
        verbose_name = _("task worker")
        verbose_name_plural = _("task workers")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"
