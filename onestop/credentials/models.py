import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from onestop.core.models import BilingualNameMixin, TimeStampedModel


class LicenceType(BilingualNameMixin, TimeStampedModel):
    """A type of e-licence (see data/seed/licence_types.json)."""

    key = models.SlugField(_("key"), max_length=60, primary_key=True)
    issuer_kind = models.ForeignKey(
        "org.DepartmentKind", on_delete=models.PROTECT, related_name="+"
    )
    dataset = models.CharField(_("backing dataset"), max_length=60, blank=True)
    trust_level = models.CharField(_("trust level"), max_length=1, default="A")
    # The allow-list of the credential subject: the application form's fields an e-licence of
    # this type may carry (besides the holder's verified name), each only when its value came
    # from a verified source (data/seed/licence_types.json; `cases.services.delivery`).
    subject_fields = models.JSONField(_("subject fields"), default=list, blank=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("licence type")
        verbose_name_plural = _("licence types")


class StatusList(models.Model):
    """One Bitstring Status List (revocation) of this node; its bits are the revoked
    credentials' `status_index` values, so the list itself stores no bits."""

    SIZE = 131_072  # the minimum the Bitstring Status List spec asks for (herd privacy)

    key = models.SlugField(_("key"), max_length=20, primary_key=True)
    purpose = models.CharField(_("status purpose"), max_length=20, default="revocation")
    size = models.PositiveIntegerField(_("size in bits"), default=SIZE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "key"]
        verbose_name = _("status list")
        verbose_name_plural = _("status lists")

    def __str__(self) -> str:
        return self.key


class Credential(models.Model):
    """An issued e-licence: a W3C VC 2.0 secured as a compact JWS (`vc+jwt`).

    `token` is the credential as issued; the other columns are what the node needs to list,
    find and revoke it. The holder appears in the token only as a blind index or a USCC.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    licence_type = models.ForeignKey(
        LicenceType, on_delete=models.PROTECT, related_name="credentials"
    )
    number = models.CharField(_("licence number"), max_length=60)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credentials"
    )
    subject = models.JSONField(_("subject data"), default=dict)
    issuer_department = models.CharField(_("issuing department"), max_length=80)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="+")
    status_index = models.PositiveIntegerField(_("status list index"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revocation_reason = models.CharField(_("revocation reason"), max_length=300, blank=True)
    token = models.TextField(_("signed credential (compact JWS)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["licence_type", "number"], name="credentials_number_unique_per_type"
            ),
            models.UniqueConstraint(
                fields=["status_list", "status_index"], name="credentials_status_slot_unique"
            ),
        ]
        indexes = [models.Index(fields=["holder", "licence_type"])]
        verbose_name = _("e-licence")
        verbose_name_plural = _("e-licences")

    def __str__(self) -> str:
        return f"{self.licence_type_id} {self.number}"


class PeerCredential(models.Model):
    """An e-licence a peer node issued to a holder of this node (the result of a cross-province
    case, docs/federation.md), kept in the holder's wallet here. It is the peer's token as
    received; it verifies through the trust list (the peer's pinned `credentials` key) and its
    revocation is the peer's status list."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="peer_credentials"
    )
    issuer_region = models.CharField(_("issuing region"), max_length=12)
    licence_type_key = models.CharField(_("licence type"), max_length=60)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    number = models.CharField(_("licence number"), max_length=60)
    token = models.TextField(_("signed credential (compact JWS)"))
    sha256 = models.CharField(_("SHA-256 of the token"), max_length=64, unique=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "id"]
        verbose_name = _("e-licence issued by a peer node")
        verbose_name_plural = _("e-licences issued by peer nodes")

    def __str__(self) -> str:
        return f"{self.issuer_region} {self.licence_type_key} {self.number}"
