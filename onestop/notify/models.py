import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message to one person over one channel, with its delivery status.

    The destination (phone number or e-mail address) is stored encrypted with the node key
    (`destination_enc`) and shown masked (`destination_masked`); in-app messages have none.
    Subject and body are rendered once, in `language`, when the message is created (and in
    the portal's other language, in `texts`).
    """

    class Channel(models.TextChoices):
        IN_APP = "in_app", _("In-app")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        READ = "read", _("Read")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    destination_enc = models.TextField(_("destination (encrypted)"), blank=True, editable=False)
    destination_masked = models.CharField(_("destination"), max_length=254, blank=True)
    template = models.CharField(_("template"), max_length=60)
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    # The same message in every language of the portal ({"en": {"subject", "body"}, ...}),
    # rendered when it was sent: a page in another language than `language` shows that one.
    texts = models.JSONField(_("texts by language"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    provider_ref = models.CharField(_("provider reference"), max_length=100, blank=True)
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    # When the status last changed (queued, sending, queued again): a row left queued or
    # sending longer than NOTIFY_STALE_SECONDS after it is re-queued by the sweeper.
    status_at = models.DateTimeField(_("status since"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key", "channel"], name="notify_notification_dedupe"
            ),
        ]
        indexes = [
            models.Index(
                fields=["recipient", "channel", "-created_at"], name="notify_recipient_idx"
            ),
            models.Index(fields=["status", "channel"], name="notify_status_idx"),
            models.Index(fields=["status", "status_at"], name="notify_stale_idx"),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.template} {self.channel} {self.status}"
