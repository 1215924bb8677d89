"""Tables of the federation: the peers this node trusts, the outbox of messages to them, the
inbox of messages applied from them, the nonces seen, and the endorsements of this node's own
federation keys (a rotated key signed by the key before it)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from onestop.core.fields import EncryptedJSONField
from onestop.core.models import TimeStampedModel


class Peer(TimeStampedModel):
    """Another node, pinned by the fingerprint of its federation key.

    `keys` is the list of the peer's public keys as its node document gave them
    (``{"kid", "alg", "use", "public_key"}``), every key ever pinned kept so old signatures
    still verify. The four ``*_types`` / ``*_datasets`` lists say what may go each way:
    ``in`` = the peer may send it to us, ``out`` = we may send it to the peer.
    """

    region = models.CharField(_("region"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    url = models.URLField(_("URL"), max_length=300)
    keys = models.JSONField(_("pinned keys"), default=list, blank=True)
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    document = models.JSONField(_("node document"), default=dict, blank=True)
    allowed_in_types = models.JSONField(default=list, blank=True)
    allowed_out_types = models.JSONField(default=list, blank=True)
    allowed_in_datasets = models.JSONField(default=list, blank=True)
    allowed_out_datasets = models.JSONField(default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    last_seen = models.DateTimeField(_("last seen"), null=True, blank=True)
    last_ping_at = models.DateTimeField(_("last ping"), null=True, blank=True)
    last_ping_ok = models.BooleanField(null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["region"]

    def __str__(self) -> str:
        return f"{self.region} {self.url}"


class OutboxMessage(models.Model):
    """A message to a peer, written in the transaction of the change that causes it and
    delivered by the worker (`services.outbox_deliver`)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        DEAD = "dead", _("Dead letter")
        DISCARDED = "discarded", _("Discarded")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="outbox")
    type = models.CharField(max_length=64)
    # encrypted at rest: a case.forward carries the applicant's identity and materials
    envelope = EncryptedJSONField()
    digest = models.CharField(max_length=64)  # SHA-256 hex of the canonical envelope
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    dead_after = models.DateTimeField()  # a queued message still failing then becomes dead
    last_error = models.TextField(blank=True)
    reply = EncryptedJSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["peer", "state"]), models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.id} {self.type} → {self.peer_id} ({self.state})"


class InboxMessage(models.Model):
    """A message applied from a peer: at most one row per (sender, id). The reply is kept so a
    retried id with the same digest gets the first reply again."""

    id = models.BigAutoField(primary_key=True)
    message_id = models.UUIDField()
    from_region = models.CharField(max_length=12)
    type = models.CharField(max_length=64)
    digest = models.CharField(max_length=64)  # SHA-256 hex of the canonical envelope
    reply = EncryptedJSONField()
    applied_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["from_region", "message_id"], name="federation_inbox_once"
            )
        ]
        indexes = [models.Index(fields=["applied_at"])]

    def __str__(self) -> str:
        return f"{self.message_id} {self.type} ← {self.from_region}"


class SeenNonce(models.Model):
    """A signature nonce seen from a key (``<region>:<kid>``); kept past the clock window."""

    keyid = models.CharField(max_length=80)
    nonce = models.CharField(max_length=128)
    seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["keyid", "nonce"], name="federation_nonce_once")
        ]
        indexes = [models.Index(fields=["seen_at"])]

    def __str__(self) -> str:
        return f"{self.keyid} {self.nonce}"


class KeyEndorsement(models.Model):
    """This node's new federation key signed by the key it replaced (`onestop peer rotate`):
    what lets a peer accept the rotation without a new fingerprint."""

    kid = models.CharField(max_length=32, unique=True)
    public_key = models.CharField(max_length=64)  # base64 of the raw 32 bytes
    signed_by = models.CharField(max_length=32)
    signature = models.CharField(max_length=128)  # base64 Ed25519 over the endorsement text
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.signed_by} → {self.kid}"
