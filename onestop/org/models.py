from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onestop.core.models import BilingualNameMixin, TimeStampedModel


class Region(BilingualNameMixin, TimeStampedModel):
    """An administrative division, keyed by its GB/T 2260 code."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County")
        DISTRICT = "district", _("District")

    code = models.CharField(_("GB/T 2260 code"), max_length=6, primary_key=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")


class DepartmentKind(BilingualNameMixin, TimeStampedModel):
    """A kind of department that every region has (public security, civil affairs, ...)."""

    key = models.SlugField(_("key"), max_length=60, primary_key=True)
    abbr = models.CharField(_("item-code abbreviation"), max_length=4, blank=True)
    category = models.CharField(_("category"), max_length=30, blank=True)
    duties_zh = models.TextField(_("duties (Chinese)"), blank=True)
    duties_en = models.TextField(_("duties (English)"), blank=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("department kind")
        verbose_name_plural = _("department kinds")


class Department(BilingualNameMixin, TimeStampedModel):
    """A department of one region; code `<region>-<kind>`."""

    code = models.CharField(_("code"), max_length=80, primary_key=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departments")
    kind = models.ForeignKey(DepartmentKind, on_delete=models.PROTECT, related_name="departments")

    class Meta:
        ordering = ["region_id", "kind_id"]
        constraints = [
            # One department of each kind per region, except townships: a county has many.
            models.UniqueConstraint(
                fields=["region", "kind"],
                condition=~models.Q(kind="township"),
                name="org_department_region_kind",
            ),
        ]
        verbose_name = _("department")
        verbose_name_plural = _("departments")


class ServiceCentre(BilingualNameMixin, TimeStampedModel):
    """A government service centre (政务服务中心) where all departments accept at one front."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="centres")
    address_zh = models.CharField(_("address (Chinese)"), max_length=300)
    address_en = models.CharField(_("address (English)"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        ordering = ["region_id", "slug"]
        verbose_name = _("service centre")
        verbose_name_plural = _("service centres")


class Window(BilingualNameMixin, TimeStampedModel):
    """A counter of a service centre. A comprehensive window accepts any department's item."""

    centre = models.ForeignKey(ServiceCentre, on_delete=models.CASCADE, related_name="windows")
    number = models.CharField(_("window number"), max_length=10)
    comprehensive = models.BooleanField(_("comprehensive (accepts every item)"), default=False)
    departments = models.ManyToManyField(Department, blank=True, related_name="windows")

    class Meta:
        ordering = ["centre_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "number"], name="org_window_centre_number"),
        ]
        verbose_name = _("window")
        verbose_name_plural = _("windows")


class OpeningHours(models.Model):
    """One opening period of a centre on a weekday (a centre may open twice a day)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    centre = models.ForeignKey(ServiceCentre, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))
    comprehensive_only = models.BooleanField(
        _("comprehensive windows only"),
        default=False,
        help_text=_("Only the comprehensive windows are open in this period (e.g. Saturday)."),
    )

    class Meta:
        ordering = ["centre_id", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")), name="org_hours_order"
            ),
        ]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class QueueTicket(models.Model):
    """A walk-in's queue number at a service centre (A001, A002 ... per centre and day).

    What the walk-in came for is a plain reference that the app offering the choice at the
    kiosk understands (`org.purposes`: ``item:<code>``, ``scenario:<slug>``; empty: other
    business), with the department whose own windows may call the walk-in. What the walk-in
    was served with is likewise a plain reference written by the serving app (``case:<id>``).
    This app never looks either up itself.
    """

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        CALLED = "called", _("Called to a window")
        SERVED = "served", _("Served")
        ABSENT = "absent", _("Did not come")

    centre = models.ForeignKey(
        ServiceCentre, on_delete=models.PROTECT, related_name="queue_tickets"
    )
    day = models.DateField(_("day"))
    seq = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("queue number"), max_length=10)
    # Free text (the kiosk stores none: "other business" is shown translated, never stored).
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    purpose_ref = models.CharField(_("came for"), max_length=120, blank=True)
    # The department whose own (non-comprehensive) windows may call the walk-in; None: only
    # comprehensive windows, unless the walk-in did not say what they came for.
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    window = models.ForeignKey(
        Window, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    served_ref = models.CharField(_("served with"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("taken at"), default=timezone.now)
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    served_at = models.DateTimeField(_("served at"), null=True, blank=True)

    class Meta:
        ordering = ["day", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "day", "seq"], name="org_queue_seq"),
        ]
        verbose_name = _("queue ticket")
        verbose_name_plural = _("queue tickets")

    def __str__(self) -> str:
        return f"{self.centre_id} {self.day} {self.number}"
