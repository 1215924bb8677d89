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
