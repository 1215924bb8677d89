"""Tables of the 12345 hotline: categories, time-limit classes, work orders and their events.

The lifecycle rules live in `transitions.py` and `services.py`; nothing here changes state.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from onestop.core.fields import EncryptedTextField
from onestop.core.models import BilingualNameMixin, TimeStampedModel

RESOLVE_FORMAT = RegexValidator(
    r"^\d{1,3}(h|d|wd)$",
    _("A resolution limit is a number followed by h (hours), d (days) or wd (working days)."),
)


class TimeLimitClass(BilingualNameMixin, TimeStampedModel):
    """How fast a kind of request must be answered (`respond_hours`) and resolved (`resolve`:
    ``"2h"`` wall-clock hours, ``"7d"`` calendar days, ``"5wd"`` working days)."""

    key = models.SlugField(_("key"), max_length=40, primary_key=True)
    respond_hours = models.DecimalField(_("respond within (hours)"), max_digits=6, decimal_places=2)
    resolve = models.CharField(_("resolve within"), max_length=8, validators=[RESOLVE_FORMAT])
    description_en = models.TextField(_("description (English)"), blank=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("time-limit class")
        verbose_name_plural = _("time-limit classes")


class Category(BilingualNameMixin, TimeStampedModel):
    """A node of the dispatch catalogue (派单目录); leaves name a default department kind."""

    code = models.CharField(_("code"), max_length=120, primary_key=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    level = models.PositiveSmallIntegerField(_("level"))
    description = models.TextField(_("description"), blank=True)
    keywords = models.JSONField(_("keywords (Chinese)"), default=list, blank=True)
    default_kind = models.ForeignKey(
        "org.DepartmentKind", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    time_limit_class = models.ForeignKey(
        TimeLimitClass, on_delete=models.PROTECT, null=True, blank=True, related_name="categories"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("hotline category")
        verbose_name_plural = _("hotline categories")


class WorkOrder(models.Model):
    """One request to the 12345 hotline (工单)."""

    class RequestType(models.TextChoices):
        CONSULTATION = "consultation", _("Consultation")
        COMPLAINT = "complaint", _("Complaint")
        ASSISTANCE = "assistance", _("Request for help")
        SUGGESTION = "suggestion", _("Suggestion")
        REPORT = "report", _("Report")
        PRAISE = "praise", _("Praise")

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        WEB = "web", _("Web")
        APP = "app", _("App")
        OPEN311 = "open311", _("Online service platform (Open311)")
        SMS = "sms", _("SMS")
        MINI_PROGRAM = "mini-program", _("Mini-program")
        IN_PERSON = "in-person", _("In person")
        PORTAL = "portal", _("Citizen portal")

    class Status(models.TextChoices):
        NEW = "new", _("Accepted")
        ANSWERED = "answered", _("Answered on the call")
        DISPATCHED = "dispatched", _("Dispatched")
        SIGNED = "signed", _("Signed for")
        RETURNED = "returned", _("Returned by the department")
        IN_PROGRESS = "in_progress", _("In progress")
        REPLIED = "replied", _("Replied")
        CLOSED = "closed", _("Closed")
        TRANSFERRED = "transferred", _("Handed over to an emergency service")

    class EmergencyService(models.TextChoices):
        """The emergency lines an order can be handed over to (12345–110 linkage)."""

        POLICE = "110", _("110 Police")
        FIRE = "119", _("119 Fire and rescue")
        AMBULANCE = "120", _("120 Medical emergency")

    number = models.CharField(_("number"), max_length=40, unique=True)
    region = models.CharField(_("region"), max_length=6, db_index=True)
    request_type = models.CharField(_("request type"), max_length=20, choices=RequestType.choices)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="orders")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    contact_name = EncryptedTextField(_("contact name"), max_length=60, blank=True)
    contact_phone_enc = models.TextField(_("contact phone (encrypted)"), editable=False)
    contact_phone_masked = models.CharField(_("contact phone"), max_length=20, editable=False)
    contact_index = models.CharField(
        _("contact phone blind index"), max_length=64, db_index=True, editable=False
    )
    address = EncryptedTextField(_("address"), max_length=300, blank=True)
    township = models.CharField(_("township"), max_length=100, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    description = models.TextField(_("description"), max_length=2000)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW, db_index=True
    )
    lead_department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hotline_orders",
    )
    assisting_departments = models.ManyToManyField(
        "org.Department", blank=True, related_name="hotline_assisting"
    )
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed for at"), null=True, blank=True)
    respond_by = models.DateTimeField(_("respond by"), null=True, blank=True)
    resolve_by = models.DateTimeField(_("resolve by"), null=True, blank=True, db_index=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    reply_text = models.TextField(_("reply"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    callback_satisfied = models.BooleanField(_("citizen satisfied"), null=True, blank=True)
    callback_resolved = models.BooleanField(_("problem resolved"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    extension_days = models.PositiveSmallIntegerField(
        _("extension requested (working days)"), null=True, blank=True
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    # A hand-over to 110 / 119 / 120: the service, its reference number and the time.
    transfer_service = models.CharField(
        _("handed over to"), max_length=3, choices=EmergencyService.choices, blank=True
    )
    transfer_reference = models.CharField(_("their reference"), max_length=60, blank=True)
    transferred_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates"
    )
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=100, null=True, blank=True, unique=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # A portal request filed by a helper for the person (帮办代办, `accounts.Delegation` with
    # the ``hotline`` scope): `created_by` is the person, `agent` the helper.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("filed by the helper"),
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-number"]
        indexes = [
            models.Index(fields=["status", "resolve_by"], name="hotline_due_idx"),
            # The indicators' period reads (`insights`): orders dispatched or received in a
            # range of days (the three rates, the volumes, the hotspot scan).
            models.Index(fields=["region", "dispatched_at"], name="hotline_dispatched_idx"),
            models.Index(fields=["region", "created_at"], name="hotline_created_idx"),
            # The orders a department still owes, by dispatch time: the dashboards count the
            # overdue ones live (the rest of a closed day comes from `insights`' daily rollup).
            models.Index(
                fields=["region", "dispatched_at"],
                name="hotline_owed_idx",
                condition=models.Q(status__in=["dispatched", "signed", "in_progress"]),
            ),
        ]
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")

    def __str__(self) -> str:
        return self.number


def _upload_to(instance: Attachment, filename: str) -> str:
    return f"hotline/{instance.order.number}/{instance.sha256[:16]}-{filename}"


class Attachment(models.Model):
    """A photo or document added to a work order (PDF, PNG or JPEG, checked by content)."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=_upload_to, max_length=300)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


# What each event of the timeline is called (its `kind`: a transition's action or a step of
# its own); an unknown kind is shown as it is.
EVENT_LABELS = {
    "create": _("Request received"),
    "route": _("Routing suggested"),
    "article": _("Knowledge article drafted"),
    "attach": _("File attached"),
    "merge": _("Merged into another work order"),
    "merged_in": _("Another work order merged into this one"),
    "callback": _("Follow-up call: the caller is satisfied"),
    "reopen": _("Follow-up call: not satisfied, handed back"),
    "answer_on_spot": _("Answered on the call"),
    "dispatch": _("Dispatched"),
    "sign_for": _("Signed for"),
    "return": _("Returned by the department"),
    "arbitrate_uphold": _("Return upheld by the supervisor"),
    "arbitrate_reject": _("Return refused by the supervisor"),
    "start": _("Handling started"),
    "reply": _("Replied"),
    "callback_satisfied": _("Follow-up call: the caller is satisfied"),
    "callback_unsatisfied": _("Follow-up call: not satisfied, handed back"),
    "extension_request": _("Extension requested"),
    "extension_decide": _("Extension decided"),
    "escalate": _("Escalated"),
    "reassign": _("Reassigned"),
    "transfer": _("Handed over to an emergency service"),
}


class WorkOrderEvent(models.Model):
    """One step of a work order's life: the audit trail (append-only)."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=30)
    from_status = models.CharField(_("from status"), max_length=20, blank=True)
    to_status = models.CharField(_("to status"), max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        ordering = ["at", "id"]
        # The indicators' returns and reopens over a period (`insights`).
        indexes = [models.Index(fields=["kind", "at"], name="hotline_event_kind_at")]
        verbose_name = _("work-order event")
        verbose_name_plural = _("work-order events")

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"

    @property
    def label(self) -> str:
        """The event's name for people (`EVENT_LABELS`)."""
        return str(EVENT_LABELS.get(self.kind, self.kind))

    @property
    def transfer_text(self) -> str:
        """A hand-over's receiving service and its reference, in words ("" for other kinds)."""
        if self.kind != "transfer":
            return ""
        service = str(self.data.get("service", ""))
        if service in WorkOrder.EmergencyService.values:
            service = str(WorkOrder.EmergencyService(service).label)
        return _("%(service)s, their reference %(reference)s") % {
            "service": service,
            "reference": self.data.get("reference", ""),
        }

    @property
    def status_label(self) -> str:
        """The status the event led to, by its translated name."""
        if self.to_status in WorkOrder.Status.values:
            return str(WorkOrder.Status(self.to_status).label)
        return self.to_status


class Jurisdiction(models.Model):
    """Who handles a category in a region (属地/权责): the routing model predicts the category,
    this table decides the department (`routing.jurisdiction`). A row with an empty `place` is
    the region's rule for the category; a row with a `place` (a village, a township, a
    utility's area) wins when the request's text names that place. A category of a region
    with no row goes to the region's department of the catalogue's default kind."""

    region = models.CharField(_("region"), max_length=6, db_index=True)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    place = models.CharField(_("place named in the request"), max_length=40, blank=True)
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["region", "category", "place"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "category", "place"], name="hotline_jurisdiction_rule"
            ),
        ]
        verbose_name = _("jurisdiction rule")
        verbose_name_plural = _("jurisdiction rules")

    def __str__(self) -> str:
        return f"{self.region} {self.category_id} {self.place} -> {self.department_id}"


class RoutingModel(models.Model):
    """One trained routing model in the registry: its file under DATA_DIR/models/, what it
    learnt from, its figures on the evaluation set, and whether it is the live one (one at
    most). `services.routing_model_promote` / `routing_model_rollback` change the live one."""

    version = models.PositiveIntegerField(_("version"), primary_key=True)
    created_at = models.DateTimeField(_("trained"))
    file = models.CharField(_("file"), max_length=200)
    n_examples = models.PositiveIntegerField(_("examples"), default=0)
    sources = models.JSONField(_("training data"), default=dict, blank=True)
    figures = models.JSONField(_("figures on the evaluation set"), default=dict, blank=True)
    threshold = models.FloatField(_("auto-dispatch threshold"), null=True, blank=True)
    live = models.BooleanField(_("live"), default=False)
    live_since = models.DateTimeField(_("live since"), null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["live"], condition=models.Q(live=True), name="hotline_one_live_model"
            ),
        ]
        verbose_name = _("routing model")
        verbose_name_plural = _("routing models")

    def __str__(self) -> str:
        return f"v{self.version}{' (live)' if self.live else ''}"


class RoutingEvent(models.Model):
    """A change to the routing set-up (append-only audit trail): a jurisdiction rule set or
    removed, a model registered, promoted or rolled back; who, when, and what."""

    kind = models.CharField(_("kind"), max_length=30)
    region = models.CharField(_("region"), max_length=6, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(_("data"), default=dict, blank=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("routing change")
        verbose_name_plural = _("routing changes")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"

    @property
    def label(self) -> str:
        """What changed, in words (codes as stored: a rule's category and department)."""
        data = self.data or {}
        if self.kind in ("jurisdiction_set", "jurisdiction_remove"):
            text = (
                _("Rule set: %(category)s%(place)s to %(department)s")
                if self.kind == "jurisdiction_set"
                else _("Rule removed: %(category)s%(place)s to %(department)s")
            )
            place = f" ({data['place']})" if data.get("place") else ""
            return str(text) % {
                "category": data.get("category", ""),
                "place": place,
                "department": data.get("department", ""),
            }
        labels = {
            "model_register": _("Model %(version)s trained and registered"),
            "model_promote": _("Model %(version)s made live"),
            "model_rollback": _("Rolled back to model %(version)s"),
        }
        label = labels.get(self.kind)
        return str(label) % {"version": data.get("version")} if label else self.kind
