"""Tables of benefits without applying (免申即享): the offers made to the eligible, every step of
each offer as an event, the opt-outs, and the last check of each rule for each person.

The facts an offer rests on are personal data (a date of birth, a child's name): encrypted at
rest (`core.fields.EncryptedJSONField`). An account is named by its row; the subject's blind
index (`subject_index`, the same keyed index `sharing` uses) ties an offer to the data tracker.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onestop.core.fields import EncryptedJSONField


class Offer(models.Model):
    class Status(models.TextChoices):
        OFFERED = "offered", _("Waiting for your confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        GRANTED = "granted", _("Granted")
        DECLINED = "declined", _("Declined")
        # the paying department recorded the payment (or the delivery) of a confirmed or
        # granted benefit: the end of "eligibility → payment"
        PAID = "paid", _("Paid")

    rule = models.CharField(_("rule"), max_length=40)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="benefit_offers",
        verbose_name=_("holder"),
    )
    subject_index = models.CharField(_("subject index"), max_length=64)
    # what tells two occasions of one rule apart (a child's certificate, as a blind index); ""
    # for a rule that is offered once
    occasion = models.CharField(_("occasion"), max_length=64, blank=True, default="")
    region = models.ForeignKey(
        "org.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        related_name="benefit_offers",
        verbose_name=_("granting department"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    facts = EncryptedJSONField(_("facts"), default=list, blank=True)
    process_key = models.CharField(_("eligibility process"), max_length=100)
    eligible_at = models.DateTimeField(_("found eligible at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    granted_at = models.DateTimeField(_("granted at"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("payment recorded by"),
    )
    # the paying department's own reference of the payment (its system's voucher number)
    payment_reference = models.CharField(_("payment reference"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("benefit offer")
        verbose_name_plural = _("benefit offers")
        ordering = ["-eligible_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "holder", "occasion"], name="benefits_offer_once"
            )
        ]
        indexes = [models.Index(fields=["department", "status"])]

    def __str__(self) -> str:
        return f"{self.rule} #{self.pk} ({self.status})"


class OfferEvent(models.Model):
    """Append-only: each match, offer, grant, confirmation, payment, opt-out and opt-in (each
    also a ledger entry `benefits.event`, without personal data)."""

    class Kind(models.TextChoices):
        MATCHED = "matched", _("Found eligible")
        OFFERED = "offered", _("Offered")
        GRANTED = "granted", _("Granted without confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")
        OPTED_OUT = "opted_out", _("Opted out")
        OPTED_IN = "opted_in", _("Opted in again")
        PAID = "paid", _("Payment recorded")

    offer = models.ForeignKey(
        Offer, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rule = models.CharField(_("rule"), max_length=40)
    kind = models.CharField(_("event"), max_length=10, choices=Kind.choices)
    actor_id = models.CharField(_("actor"), max_length=40)
    at = models.DateTimeField(_("at"), default=timezone.now)
    data = models.JSONField(_("data"), default=dict, blank=True)
    ledger_index = models.BigIntegerField(_("ledger index"), null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.rule} {self.kind} {self.at:%Y-%m-%d}"


class OptOut(models.Model):
    """A person does not want `rule` offered any more (no data is fetched for it meanwhile)."""

    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rule = models.CharField(_("rule"), max_length=40)
    at = models.DateTimeField(_("opted out at"), default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["holder", "rule"], name="benefits_optout_once")
        ]

    def __str__(self) -> str:
        return f"{self.holder_id} {self.rule}"


class Check(models.Model):
    """The last eligibility check of `rule` for `holder` (the schedule checks again after
    `BENEFITS_RECHECK_DAYS`; an event — a finished application, a changed record — at once)."""

    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rule = models.CharField(_("rule"), max_length=40)
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now)
    eligible = models.BooleanField(_("eligible"), default=False)
    business_key = models.CharField(_("process instance"), max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["holder", "rule"], name="benefits_check_once")
        ]

    def __str__(self) -> str:
        return f"{self.holder_id} {self.rule} {self.checked_at:%Y-%m-%d}"
