import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from onestop.core.models import BilingualNameMixin, TimeStampedModel


class Dataset(BilingualNameMixin, TimeStampedModel):
    """An authoritative dataset held by a kind of department (see data/seed/datasets.json)."""

    class Basis(models.TextChoices):
        LAW = "law", _("Legal basis")
        CONSENT = "consent", _("Consent of the data subject")

    key = models.SlugField(_("key"), max_length=60, primary_key=True)
    provider_kind = models.ForeignKey(
        "org.DepartmentKind", on_delete=models.PROTECT, related_name="+"
    )
    sensitivity = models.CharField(_("sensitivity"), max_length=30)
    subject = models.CharField(_("subject"), max_length=20)
    basis = models.CharField(_("basis"), max_length=10, choices=Basis.choices)
    fields = models.JSONField(_("fields"), default=list)

    class Meta:
        ordering = ["key"]
        verbose_name = _("dataset")
        verbose_name_plural = _("datasets")


class Purpose(models.TextChoices):
    """Why data is fetched; every access names one (Myinfo-style registered purposes)."""

    APPLICATION_PROCESSING = "application-processing", _("Processing an application")
    PREFILL = "prefill", _("Pre-filling a form")
    ELIGIBILITY_CHECK = "eligibility-check", _("Checking eligibility")
    VERIFICATION = "verification", _("Verifying a material")


class SharingAgreement(TimeStampedModel):
    """Departments of `consumer_kind` may fetch `dataset` for `purposes`, on `legal_basis`."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="agreements")
    consumer_kind = models.ForeignKey(
        "org.DepartmentKind", on_delete=models.PROTECT, related_name="+"
    )
    purposes = models.JSONField(_("purposes"), default=list)
    legal_basis_zh = models.TextField(_("legal basis (Chinese)"))
    legal_basis_en = models.TextField(_("legal basis (English)"), blank=True)

    class Meta:
        ordering = ["dataset_id", "consumer_kind_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "consumer_kind"], name="sharing_agreement_dataset_kind"
            ),
        ]
        verbose_name = _("sharing agreement")
        verbose_name_plural = _("sharing agreements")

    def __str__(self) -> str:
        return f"{self.dataset_id} → {self.consumer_kind_id}"


class DatasetRecord(models.Model):
    """One record of an authoritative dataset, encrypted at rest.

    `subject_index` is the blind index of the record's subject key (resident ID, unified social
    credit code, real-estate unit or vehicle number). `party_indexes` holds the blind indexes of
    the other persons the record is about (the parents on a birth certificate, the spouse on a
    marriage record, the owner of a property), space-separated: each index is 64 hex characters,
    so a substring match can only hit a whole index.
    """

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="records")
    subject_index = models.CharField(_("subject blind index"), max_length=64)
    subject_kind = models.CharField(_("subject kind"), max_length=20)
    party_indexes = models.TextField(_("blind indexes of other parties"), blank=True)
    data_enc = models.TextField(_("data (encrypted)"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "subject_index"], name="sharing_record_dataset_subject"
            ),
        ]
        verbose_name = _("dataset record")
        verbose_name_plural = _("dataset records")

    def __str__(self) -> str:
        return f"{self.dataset_id}:{self.subject_index[:8]}"


class Consent(models.Model):
    """A data subject's consent to fetch a consent-based dataset for one purpose."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sharing_consents"
    )
    subject_index = models.CharField(_("subject blind index"), max_length=64, db_index=True)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=30, choices=Purpose.choices)
    granted_at = models.DateTimeField(_("granted at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        ordering = ["-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dataset", "purpose"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="sharing_consent_one_active",
            ),
        ]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"{self.user_id}:{self.dataset_id}:{self.purpose}"


class AccessRecord(models.Model):
    """One data release or refusal (reference/trust.md §5.2). Its salted SHA-256 commitment is
    appended to the ledger (kind ``sharing.access``); the record itself stays on this node."""

    class Result(models.TextChoices):
        ALLOWED = "allowed", _("Allowed")
        REFUSED = "refused", _("Refused")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject_index = models.CharField(_("subject blind index"), max_length=64, db_index=True)
    # A key, not a foreign key: a request for an unknown dataset is recorded (and refused) too.
    dataset = models.CharField(_("dataset"), max_length=60)
    fields = models.JSONField(_("fields"), default=list, blank=True)
    purpose = models.CharField(_("purpose"), max_length=30, blank=True)
    basis = models.CharField(_("basis"), max_length=500, blank=True)
    case_ref = models.CharField(_("case reference"), max_length=60, blank=True)
    at = models.DateTimeField(_("time"))
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    reason = models.CharField(_("refusal reason"), max_length=300, blank=True)
    salt = models.CharField(_("commitment salt"), max_length=64)
    commitment = models.CharField(_("commitment"), max_length=64)
    log_index = models.BigIntegerField(_("ledger index"), null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["actor_department", "-at"], name="sharing_access_dept_at")]
        verbose_name = _("access record")
        verbose_name_plural = _("access records")

    def __str__(self) -> str:
        return f"{self.dataset} {self.result} {self.at:%Y-%m-%d %H:%M}"
