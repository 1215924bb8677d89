"""Tables of the cases app: applications (cases), their materials, timeline, supplements,
the papers the window hands out, and which process runs each item. (The walk-in queue is the
service centre's: `org.models.QueueTicket`.)

A scenario ("one thing") application is one *bundle* case (the parent) with one *item* case
per item that applies (the children). A single-item application is one item case without a
parent. Materials, form answers and the applicant belong to the top case (the bundle, or the
lone item case); each item case runs its item's BPMN process (business key = its number).

Rows are written only by `services` (and the window / office / portal services built on it).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from onestop.core.fields import EncryptedJSONField, EncryptedTextField


class ItemProcess(models.Model):
    """Which BPMN process an item runs (by template key, so every region's copy of the item
    runs the same process). Items without a row run `item_standard`."""

    template_key = models.CharField(_("template key"), max_length=30, unique=True)
    process_key = models.CharField(_("process key"), max_length=100)
    # True when the process can decide by rules (秒批) from verified data.
    auto = models.BooleanField(_("decided by rules"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["template_key"]
        verbose_name = _("item process")
        verbose_name_plural = _("item processes")

    def __str__(self) -> str:
        return f"{self.template_key} → {self.process_key}"


# An item case waiting in a department queue: a department task ready, or the applicant's
# supplements awaited. The queue filters on exactly this, and the partial index below holds
# exactly these rows.
WAITING = models.Q(kind="item") & (
    models.Q(status="accepted", task_lane="department") | models.Q(status="supplement")
)


class Case(models.Model):
    class Kind(models.TextChoices):
        BUNDLE = "bundle", _("Scenario application")
        ITEM = "item", _("Item application")

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        WINDOW = "window", _("At the window")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        # Fully online for another region's item: sent to the handling node, not acknowledged yet.
        FORWARDED = "forwarded", _("Forwarded to the handling region")
        # One-time notice issued at the window: not accepted; lists everything missing.
        NOTICE = "notice", _("Materials missing (one-time notice)")
        ACCEPTED = "accepted", _("Accepted, in progress")
        # Waiting for the applicant to supply something; the clock is stopped.
        SUPPLEMENT = "supplement", _("Waiting for supplements")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        # Result delivered (bundle: every item case finished).
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class ResultKind(models.TextChoices):
        NONE = "", _("No result yet")
        LICENCE = "licence", _("E-licence")
        PAPER = "paper", _("Paper result")

    class Delivery(models.TextChoices):
        """How the result reaches the applicant: their choice on the form (`delivery_method`)
        where the item asks, else the e-licence when there is one, else the window."""

        NONE = "", _("Not delivered yet")
        WALLET = "wallet", _("E-licence in the wallet")
        POST = "post", _("By post")
        WINDOW = "window", _("Collection at the window")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # <region>-<yyyymmdd>-<5-digit sequence>; given at submission / acceptance (drafts have none).
    number = models.CharField(_("case number"), max_length=30, unique=True, null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    scenario = models.ForeignKey(
        "catalog.Scenario", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    item = models.ForeignKey(
        "catalog.Item", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+")
    # Item case: the implementing department; bundle: the scenario's lead department.
    department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )

    # The applicant: an account when there is one (always online; at the window when the
    # clerk found one), and always the subject index (blind index of resident ID / USCC).
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    applicant_index = models.CharField(
        _("applicant index"), max_length=64, blank=True, db_index=True
    )
    applicant_name = models.CharField(_("applicant name"), max_length=200, blank=True)
    applicant_id_masked = models.CharField(_("applicant ID (masked)"), max_length=30, blank=True)
    contact_phone = EncryptedTextField(_("contact phone"), max_length=20, blank=True)
    # Submitted by a helper acting for the applicant under a delegation (帮办代办).
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by helper"),
    )

    # What the applicant answered: the variant questions, the merged form, and where each
    # pre-filled value came from ({field: "dataset.field"}). Top case only.
    variant_answers = models.JSONField(_("variant answers"), default=dict, blank=True)
    # Encrypted at rest (`core.fields`): the form holds ID numbers of applicants and family.
    form_data = EncryptedJSONField(_("form data"), default=dict, blank=True)
    prefilled = models.JSONField(_("pre-filled fields"), default=dict, blank=True)
    # The values pre-fill put in ({field: value}), to count the fields the applicant typed.
    prefill_values = EncryptedJSONField(_("pre-filled values"), default=dict, blank=True)
    # Where each answer came from, fixed at submission by comparing it with the value pre-fill
    # fetched ({field: {"origin": "record" | "edited", "source": "dataset.field"}}; a field
    # not named was typed): an officer sees "from government records" only for "record".
    form_provenance = models.JSONField(_("answer provenance"), default=dict, blank=True)

    idempotency_key = models.CharField(
        _("idempotency key"), max_length=100, null=True, blank=True, unique=True
    )

    # Burden figures (top case): what the applicant had to do.
    fields_typed = models.PositiveSmallIntegerField(_("fields typed"), default=0)
    materials_submitted = models.PositiveSmallIntegerField(_("materials submitted"), default=0)
    visits = models.PositiveSmallIntegerField(_("visits"), default=0)

    # Acceptance.
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    window = models.ForeignKey(
        "org.Window", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Accepted against a pledge (容缺受理): the missing non-key materials are due by this date.
    pledge_due = models.DateField(_("pledged materials due"), null=True, blank=True)

    # Time limit: promised working days from acceptance; the due date moves on by the working
    # days spent waiting for supplements (paused_since set while the clock is stopped).
    promised_days = models.PositiveSmallIntegerField(_("promised days"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True, db_index=True)
    paused_since = models.DateTimeField(_("clock stopped since"), null=True, blank=True)
    paused_working_days = models.PositiveSmallIntegerField(_("working days paused"), default=0)
    warned_at = models.DateTimeField(_("80% warning sent at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    # The user task the item case's process waits for (BPMN id, e.g. "review") and its lane,
    # copied from the engine after every step so queues never load a workflow.
    task_name = models.CharField(_("waiting task"), max_length=100, blank=True, db_index=True)
    task_lane = models.CharField(_("waiting task lane"), max_length=30, blank=True)

    # Decision (item cases).
    decision = models.CharField(_("decision"), max_length=10, blank=True)  # approve | reject
    decision_reason = models.TextField(_("decision reason"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    auto_decided = models.BooleanField(_("decided by rules"), default=False)

    # Result (item cases).
    result_kind = models.CharField(
        _("result"), max_length=10, choices=ResultKind.choices, default="", blank=True
    )
    credential = models.ForeignKey(
        "credentials.Credential",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    result_collected_at = models.DateTimeField(_("result collected at"), null=True, blank=True)
    delivery = models.CharField(
        _("delivery"), max_length=10, choices=Delivery.choices, default="", blank=True
    )
    # Collection: the window named to the applicant; post: the tracking number, once sent.
    delivery_window = models.ForeignKey(
        "org.Window", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tracking_number = models.CharField(_("postal tracking number"), max_length=40, blank=True)

    # Cross-province cases (docs/federation.md, "Cross-province cases"): the region codes of the
    # node that received the application and of the node that handles (decides) it; both blank
    # for a case received and handled here. On the handling node the case is authoritative; on
    # the receiving node it is a mirror (no item, no process) updated by `case.status` messages.
    receiving_region = models.CharField(_("receiving region"), max_length=12, blank=True)
    handling_region = models.CharField(_("handling region"), max_length=12, blank=True)
    # The other node's case: its id and number (on the mirror: the handling node's case; on
    # the handling node: the receiving node's mirror).
    remote_case = models.CharField(_("case on the other node"), max_length=64, blank=True)
    remote_number = models.CharField(_("case number on the other node"), max_length=30, blank=True)
    # On the mirror: the handling node's item ({"code", "name_zh", "name_en", ...}) and, when
    # received at a window here, the delivery chosen ({"delivery": "window"|"wallet"}); on the
    # handling node: how the receiving node received it ({"channel": "window"|"joint",
    # "delivery", "window", "centre", "bundle"}; {} for an online application).
    remote_item = models.JSONField(_("item on the other node"), default=dict, blank=True)
    # The last `case.status` sequence sent (handling node) or applied (mirror).
    remote_seq = models.PositiveIntegerField(_("status sequence"), default=0)
    remote_status = models.CharField(_("status sent or applied"), max_length=12, blank=True)
    forwarded_at = models.DateTimeField(_("forwarded at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    forward_alerted_at = models.DateTimeField(
        _("unacknowledged alert sent at"), null=True, blank=True
    )

    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # Optimistic lock for case-level actions; every saved change adds one.
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["department", "status", "due_date"], name="cases_queue"),
            # The department queue's rows exactly (`selectors.office.queue_queryset`): waiting
            # item cases in page order, so a page is a short index walk, the count an
            # index-only scan, and the task and status filters need no heap visit.
            models.Index(
                fields=["department", "due_date", "number"],
                name="cases_waiting",
                condition=WAITING,
                include=["id", "status", "task_name"],
            ),
            models.Index(fields=["applicant", "-created_at"], name="cases_applicant"),
            models.Index(fields=["region", "status"], name="cases_region_status"),
            # The dashboards' period reads (`insights`): item cases received or decided in a
            # range of days, so a month of half a million cases is an index range, not a scan.
            models.Index(
                fields=["region", "submitted_at"],
                name="cases_item_submitted",
                condition=models.Q(kind="item"),
            ),
            models.Index(
                fields=["region", "decided_at"],
                name="cases_item_decided",
                condition=models.Q(kind="item"),
            ),
            # The dashboards' live reads next to their daily rollups: the item cases open past
            # their due date now, and the bundles completed in a period (the burden figures).
            models.Index(
                fields=["region", "due_date"],
                name="cases_item_open_due",
                condition=models.Q(kind="item", status="accepted"),
                include=["department", "item", "id"],
            ),
            models.Index(
                fields=["region", "completed_at"],
                name="cases_bundle_completed",
                condition=models.Q(kind="bundle", status="completed"),
            ),
        ]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return self.number or f"draft {self.pk}"

    @property
    def is_mirror(self) -> bool:
        """Received here for another region's node, which handles it (this row only mirrors)."""
        return self.handling_region not in ("", settings.NODE_REGION)

    @property
    def is_forwarded_here(self) -> bool:
        """Handled here for an application received by another region's node."""
        return self.receiving_region not in ("", settings.NODE_REGION)

    @property
    def top(self) -> Case:
        """The case that holds the applicant, form and materials."""
        return self.parent if self.parent is not None else self


class CaseMaterial(models.Model):
    """One material of a top case (shared by every item case that needs it)."""

    class Mode(models.TextChoices):
        HELD = "held", _("Held by the government: no need to submit")
        LICENCE = "licence", _("E-licence, verified")
        UPLOAD = "upload", _("Uploaded")
        PAPER = "paper", _("Checked at the window")
        PLEDGED = "pledged", _("Pledged: to supply later")
        MISSING = "missing", _("Missing")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    key = models.SlugField(_("key"), max_length=80)
    name_zh = models.CharField(_("name (Chinese)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    # Codes of the items of this case that need the material.
    items = models.JSONField(_("items"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=True)
    key_material = models.BooleanField(_("key material"), default=True)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.MISSING)
    # Where it comes from: "dataset:<key>", "licence:<type>", "generated", or "" (applicant).
    source = models.CharField(_("source"), max_length=80, blank=True)
    credential = models.ForeignKey(
        "credentials.Credential",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    file = models.FileField(_("file"), upload_to="cases/%Y/%m/", blank=True)
    original_name = models.CharField(_("original file name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["case_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "key"], name="cases_material_case_key"),
        ]
        verbose_name = _("case material")
        verbose_name_plural = _("case materials")

    def __str__(self) -> str:
        return f"{self.case_id}:{self.key} ({self.mode})"


class CaseEvent(models.Model):
    """The timeline of a case, as the applicant and the officers see it."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Draft saved")
        SUBMITTED = "submitted", _("Submitted")
        NOTICE_ISSUED = "notice_issued", _("One-time notice issued")
        ACCEPTED = "accepted", _("Accepted")
        PLEDGE_ACCEPTED = "pledge_accepted", _("Accepted against a pledge")
        TASK_COMPLETED = "task_completed", _("Step completed")
        SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested")
        SUPPLEMENT_ANSWERED = "supplement_answered", _("Supplement provided")
        DECIDED = "decided", _("Decided")
        AUTO_DECIDED = "auto_decided", _("Decided by rules")
        DELIVERED = "delivered", _("Result delivered")
        COLLECTED = "collected", _("Result collected")
        POSTED = "posted", _("Result posted")
        COMPLETED = "completed", _("Completed")
        # xgettext:no-python-format
        WARNED = "warned", _("80% of the time limit used")
        ESCALATED = "escalated", _("Overdue: escalated")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        FORWARDED = "forwarded", _("Forwarded to the handling region")
        REMOTE_STEP = "remote_step", _("Step at the handling region")
        # The applicant's supplement or withdrawal, sent to the handling region's node.
        REMOTE_REQUEST = "remote_request", _("Sent to the handling region")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The helper who did it for `actor` under a delegation (帮办代办), else empty.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by helper"),
    )
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="cases_event_case_at")]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"

    @property
    def label(self) -> str:
        """What the timeline says: the kind of event, and for a delivery where the result
        went — the same words as the result panel (`Case.delivery`)."""
        data = self.data or {}
        if self.kind == self.Kind.DELIVERED:
            return _delivered_label(data)
        if self.kind == self.Kind.REMOTE_STEP:
            return _remote_label(data)
        if self.kind == self.Kind.FORWARDED and data.get("region"):
            return gettext("Forwarded to the node of region %(region)s") % {
                "region": data["region"]
            }
        if self.kind == self.Kind.REMOTE_REQUEST:
            return _request_label(data)
        if self.kind == self.Kind.POSTED and data.get("tracking_number"):
            return gettext("Result sent by post, tracking number %(number)s") % {
                "number": data["tracking_number"]
            }
        return str(self.get_kind_display())


def window_ref(window: Any) -> dict[str, Any] | None:
    """A collection window (`org.Window`) as events keep it: {"number", "centre": {"zh", "en"}}."""
    if window is None:
        return None
    centre = window.centre
    return {"number": str(window.number), "centre": {"zh": centre.name_zh, "en": centre.name_en}}


def window_label(window: Any) -> str:
    """A collection window as kept in an event ({"number", "centre": {"zh", "en"}})."""
    if not isinstance(window, dict) or not window.get("number"):
        return gettext("the service centre window")
    return gettext("window %(number)s, %(centre)s") % {
        "number": window["number"],
        "centre": _in_language(window.get("centre")),
    }


def _request_label(data: dict[str, Any]) -> str:
    """What the applicant sent to the handling node, as the mirror's timeline says it."""
    region = {"region": data.get("region", "")}
    if data.get("request") == "withdraw":
        return gettext("Withdrawal sent to region %(region)s") % region
    return gettext("Supplement sent to region %(region)s") % region


def _remote_label(data: dict[str, Any]) -> str:
    """A step of the handling node, as the mirror's timeline says it."""
    status = str(data.get("status") or "")
    label = str(Case.Status(status).label) if status in Case.Status.values else status
    if status == Case.Status.ACCEPTED and data.get("first"):
        return gettext("Accepted by region %(region)s as case %(number)s") % {
            "region": data.get("region", ""),
            "number": data.get("number", ""),
        }
    if data.get("licence"):
        return gettext("Region %(region)s: e-licence issued to the wallet") % {
            "region": data.get("region", "")
        }
    return gettext("Region %(region)s: %(status)s") % {
        "region": data.get("region", ""),
        "status": label,
    }


def _delivered_label(data: dict[str, Any]) -> str:
    delivery = data.get("delivery")
    if data.get("result") == "rejected":
        return gettext("Decision notice delivered")
    if delivery == Case.Delivery.WALLET:
        return gettext("E-licence issued to the wallet")
    if delivery == Case.Delivery.POST:
        return gettext("Result decided: it will be sent by post")
    if delivery == Case.Delivery.WINDOW or data.get("result") == "paper":
        return gettext("Result ready for collection at %(window)s") % {
            "window": window_label(data.get("window"))
        }
    return str(CaseEvent.Kind.DELIVERED.label)


def _in_language(names: Any) -> str:
    """{"zh": ..., "en": ...} in the active language (Chinese when there is no English)."""
    if not isinstance(names, dict):
        return str(names or "")
    if (get_language() or "").startswith("en") and names.get("en"):
        return str(names["en"])
    return str(names.get("zh") or names.get("en") or "")


class Supplement(models.Model):
    """An officer's request for more from the applicant; the item case's clock stops from
    `requested_at` until `answered_at`."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supplements")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    # Keys of the top case's materials to supply again (may be empty: an explanation only).
    materials = models.JSONField(_("materials"), default=list, blank=True)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer_note = models.TextField(_("answer"), blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("supplement request")
        verbose_name_plural = _("supplement requests")

    def __str__(self) -> str:
        return f"{self.case_id} {self.requested_at:%Y-%m-%d}"


class CaseDocument(models.Model):
    """A paper the service hands out (receipt, one-time notice, decision), stored as the data
    that was printed; the PDF is rendered from it on demand, identically each time."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Acceptance receipt")
        NOTICE = "notice", _("One-time notice")
        DECISION = "decision", _("Decision notice")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    data = models.JSONField(_("printed data"), default=dict)
    sha256 = models.CharField(_("SHA-256 of the data"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("case document")
        verbose_name_plural = _("case documents")

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"
