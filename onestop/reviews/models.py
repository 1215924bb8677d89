"""Tables of the reviews app (好差评): the invitation to rate a service event, the reviews
themselves (one per event; a later change is a new version), the rectification of a bad review
and the daily public figures.

A *service event* is a finished application (a bundle or a lone item case: 一事一评), a closed
12345 work order, or a window visit (一次一评). It is named by its kind and its reference (the
case or work-order number); every channel through which it may be rated (my space, an SMS link,
the call-back, the receipt's QR code) has one invitation, with a token when the channel is a
link (`services.invitation_token`: signed, never stored). Rows are written only by
`services`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onestop.core.fields import EncryptedTextField


class EventKind(models.TextChoices):
    CASE = "case", _("Application")
    ORDER = "order", _("12345 work order")
    VISIT = "visit", _("Window visit")


class Channel(models.TextChoices):
    ONLINE = "online", _("Online, in my space")
    SMS = "sms", _("SMS link")
    WINDOW = "window", _("At the window (rating screen or receipt QR code)")
    CALLBACK = "callback", _("At the hotline call-back")
    PORTAL = "portal", _("On the tracking page of a 12345 request")


class Level(models.IntegerChoices):
    """GB/T 39734-2020: five levels; the two lowest are bad reviews (差评)."""

    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    BASICALLY_SATISFIED = 3, _("Basically satisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


BAD_LEVELS = (Level.DISSATISFIED, Level.VERY_DISSATISFIED)


class Indicator(models.TextChoices):
    """The national options a bad review names (at least one)."""

    NOT_AS_PROMISED = "not_as_promised", _("Not done as promised")
    MATERIALS_TWICE = "materials_twice", _("Asked for materials more than once")
    ATTITUDE = "attitude", _("Poor service attitude")
    WAITED_LONG = "waited_long", _("Waited too long")
    NOT_ON_TIME = "not_on_time", _("Not finished within the time limit")
    GUIDE_WRONG = "guide_wrong", _("The service guide was inaccurate")
    HARD_TO_USE = "hard_to_use", _("The platform was hard to use")
    NOT_SOLVED = "not_solved", _("The problem was not solved")
    OTHER = "other", _("Other")


class Invitation(models.Model):
    """One service event, rateable through one channel. What the review is tied to (the item,
    department, window and member of staff) is copied from the event when it is invited."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event_kind = models.CharField(_("event"), max_length=10, choices=EventKind.choices)
    event_ref = models.CharField(_("event reference"), max_length=60)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # Where the SMS link (and later the rectification's result) goes; encrypted at rest.
    phone = EncryptedTextField(_("phone"), max_length=20, blank=True)
    # Who may rate it signed in (the applicant's account); the real name the department sees.
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="review_invitations",
    )
    reviewer_index = models.CharField(_("reviewer index"), max_length=64, blank=True)
    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    item = models.ForeignKey(
        "catalog.Item", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    scenario = models.ForeignKey(
        "catalog.Scenario", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    window = models.ForeignKey(
        "org.Window", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    title = models.CharField(_("what was served"), max_length=300, blank=True)
    title_en = models.CharField(_("what was served (English)"), max_length=300, blank=True)
    event_at = models.DateTimeField(_("event time"))
    expires_at = models.DateTimeField(_("rate by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_kind", "event_ref", "channel"], name="reviews_invitation_once"
            ),
        ]
        indexes = [models.Index(fields=["reviewer", "-created_at"], name="reviews_inv_reviewer")]
        verbose_name = _("review invitation")
        verbose_name_plural = _("review invitations")

    def __str__(self) -> str:
        return f"{self.event_kind} {self.event_ref} ({self.channel})"

    @property
    def shown_title(self) -> str:
        """What was served in the reader's language: the English name (a work order's
        category, an item's) when the page is in English and it is known, else the Chinese."""
        from django.utils.translation import get_language

        if (get_language() or "").startswith("en") and self.title_en:
            return self.title_en
        return self.title


class Review(models.Model):
    """A rating of one service event. The first is version 1; a later change adds a version and
    the earlier one stops being `current`. Voided (after the department's appeal, 申诉复核) it
    stays on record but counts nowhere."""

    event_kind = models.CharField(_("event"), max_length=10, choices=EventKind.choices)
    event_ref = models.CharField(_("event reference"), max_length=60)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    current = models.BooleanField(_("current version"), default=True)
    invitation = models.ForeignKey(Invitation, on_delete=models.PROTECT, related_name="reviews")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    indicators = models.JSONField(_("indicators"), default=list, blank=True)
    text = models.TextField(_("comment"), max_length=1000, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # 帮办代办: the helper who gave the rating for the author under a delegation naming
    # `reviews` (docs/accounts.md); the department sees it was given by a helper.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("given by a helper"),
    )
    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    item = models.ForeignKey(
        "catalog.Item", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    voided = models.BooleanField(_("voided"), default=False)
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=100, null=True, blank=True, unique=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_kind", "event_ref", "version"], name="reviews_review_version"
            ),
            models.UniqueConstraint(
                fields=["event_kind", "event_ref"],
                condition=models.Q(current=True),
                name="reviews_review_one_current",
            ),
        ]
        indexes = [
            models.Index(fields=["department", "-created_at"], name="reviews_department"),
        ]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return f"{self.event_kind} {self.event_ref} v{self.version}: {self.level}"

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_LEVELS

    @property
    def heard_at_callback(self) -> bool:
        """Recorded by a 12345 agent from what the citizen said at the call-back, not by the
        citizen: pages tell the citizen so instead of calling it "your rating"."""
        return self.channel == Channel.CALLBACK


class Rectification(models.Model):
    """The closed loop of a bad review (差评整改): the department calls the reviewer back within
    one working day, rectifies within the limit (working days on the official calendar), sends
    the result, and the reviewer accepts it or asks again. The department may appeal the review
    itself (申诉复核); a supervisor upholds it (the loop goes on) or voids it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for the call-back")
        RECTIFYING = "rectifying", _("Being rectified")
        RESULT_SENT = "result_sent", _("Result sent to the reviewer")
        ACCEPTED = "accepted", _("Accepted by the reviewer")
        APPEALED = "appealed", _("Appealed by the department")
        VOIDED = "voided", _("Review voided on appeal")
        WITHDRAWN = "withdrawn", _("Review changed to a good one")

    review = models.OneToOneField(Review, on_delete=models.PROTECT, related_name="rectification")
    department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    callback_due = models.DateField(_("call back by"))
    due_date = models.DateField(_("rectify by"), db_index=True)
    limit_days = models.PositiveSmallIntegerField(_("limit (working days)"))
    called_back_at = models.DateTimeField(_("called back at"), null=True, blank=True)
    callback_note = models.TextField(_("call-back note"), max_length=2000, blank=True)
    result = models.TextField(_("rectification result"), max_length=2000, blank=True)
    result_at = models.DateTimeField(_("result sent at"), null=True, blank=True)
    # Whether the (last) result was sent within the limit; None until it is sent.
    on_time = models.BooleanField(_("rectified on time"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The reviewer's answer to the result ("asked again": the rectification goes on).
    reviewer_note = models.TextField(_("reviewer's note"), max_length=1000, blank=True)
    rounds = models.PositiveSmallIntegerField(_("rounds"), default=1)
    # The department's appeal against the review and the supervisor's decision.
    appeal_reason = models.TextField(_("appeal reason"), max_length=2000, blank=True)
    appealed_at = models.DateTimeField(_("appealed at"), null=True, blank=True)
    appealed_from = models.CharField(_("status before the appeal"), max_length=12, blank=True)
    appeal_decision = models.CharField(_("appeal decision"), max_length=10, blank=True)
    appeal_decision_reason = models.TextField(_("appeal decision reason"), blank=True)
    appeal_decided_at = models.DateTimeField(_("appeal decided at"), null=True, blank=True)
    appeal_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    warned_at = models.DateTimeField(_("warning sent at"), null=True, blank=True)
    callback_escalated_at = models.DateTimeField(
        _("missed call-back escalated at"), null=True, blank=True
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["department", "status"], name="reviews_rect_department"),
        ]
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")

    def __str__(self) -> str:
        return f"{self.review} → {self.status}"


class RectificationEvent(models.Model):
    """One step of a rectification (append-only audit trail)."""

    rectification = models.ForeignKey(
        Rectification, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from status"), max_length=12, blank=True)
    to_status = models.CharField(_("to status"), max_length=12, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("rectification event")
        verbose_name_plural = _("rectification events")

    def __str__(self) -> str:
        return f"{self.rectification_id} {self.action}"

    @property
    def label(self) -> str:
        """The step's name for people."""
        if self.action.startswith("uphold_"):
            return str(STEP_LABELS["uphold"])
        return str(STEP_LABELS.get(self.action, self.action))


STEP_LABELS = {
    "call_back": _("Reviewer called back"),
    "send_result": _("Result sent to the reviewer"),
    "accept": _("Reviewer accepted the result"),
    "ask_again": _("Reviewer asked for another rectification"),
    "appeal": _("Department appealed against the review"),
    "void": _("Supervisor voided the review"),
    "uphold": _("Supervisor upheld the review"),
    "withdraw": _("Reviewer changed the rating to a good one"),
}


class DailyStat(models.Model):
    """The public figures of one day, department and item (computed daily by
    `services.stats_refresh` from the current, not voided reviews of that day)."""

    day = models.DateField(_("day"))
    region = models.ForeignKey("org.Region", on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(
        "org.Department", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    item = models.ForeignKey(
        "catalog.Item", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reviews = models.PositiveIntegerField(_("reviews"), default=0)
    satisfied = models.PositiveIntegerField(_("satisfied reviews"), default=0)
    score_sum = models.PositiveIntegerField(_("sum of levels"), default=0)
    bad = models.PositiveIntegerField(_("bad reviews"), default=0)
    rectified_on_time = models.PositiveIntegerField(_("rectified on time"), default=0)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        ordering = ["-day"]
        # A day's rows are replaced as a whole (delete and insert in one transaction).
        indexes = [models.Index(fields=["day", "department"], name="reviews_dailystat_day")]
        verbose_name = _("daily review figure")
        verbose_name_plural = _("daily review figures")

    def __str__(self) -> str:
        return f"{self.day} {self.department_id} {self.item_id}: {self.reviews}"
