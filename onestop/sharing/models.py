import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from onestop.core.fields import EncryptedTextField
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


class DatasetSource(TimeStampedModel):
    """Where this node reads a dataset from: its own records (`local`, the default when a
    dataset has no source row) or a department's own system behind the HTTP JSON adapter
    (`http_json`, docs/sharing.md "Department systems"), so that a county connects its
    register without copying it into the node.

    The credential is never in the database in clear: `secret` is encrypted at rest
    (`core.fields.EncryptedTextField`), or `secret_env` names an environment variable (or
    ``<NAME>_FILE``, a mounted secret file) read through `core.secrets.read_env` at each call.
    """

    class Kind(models.TextChoices):
        LOCAL = "local", _("This node's records")
        HTTP_JSON = "http_json", _("A department system (HTTP JSON)")
        PEER = "peer", _("Peer nodes (federation)")

    class Auth(models.TextChoices):
        NONE = "none", _("None")
        BEARER = "bearer", _("Bearer token")
        BASIC = "basic", _("HTTP basic")

    dataset = models.OneToOneField(
        Dataset, on_delete=models.CASCADE, primary_key=True, related_name="source"
    )
    # The region whose department runs the system (its administrators configure it).
    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.LOCAL)
    base_url = models.URLField(_("base URL"), max_length=300, blank=True)
    path_template = models.CharField(
        _("path template"), max_length=200, default="/records/{dataset}/{subject}"
    )
    auth = models.CharField(
        _("authentication"), max_length=10, choices=Auth.choices, default=Auth.NONE
    )
    username = models.CharField(_("user name (HTTP basic)"), max_length=100, blank=True)
    secret = EncryptedTextField(_("token or password (encrypted)"), max_length=500, blank=True)
    secret_env = models.CharField(
        _("secret from the environment variable"), max_length=100, blank=True
    )
    # {dataset field: the department's field name}, for fields the department names otherwise.
    field_map = models.JSONField(_("field names at the department"), default=dict, blank=True)
    connect_timeout = models.FloatField(_("connect timeout (seconds)"), default=3.0)
    read_timeout = models.FloatField(_("read timeout (seconds)"), default=10.0)
    # kind `peer`: the regions of the peer nodes holding the records this node does not hold
    # itself, asked in this order after its own records (docs/sharing.md "Data held by peers")
    peers = models.JSONField(_("peer regions"), default=list, blank=True)

    class Meta:
        ordering = ["dataset_id"]
        verbose_name = _("dataset source")
        verbose_name_plural = _("dataset sources")

    def __str__(self) -> str:
        return f"{self.dataset_id}: {self.kind}"


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
        UNAVAILABLE = "unavailable", _("Source unavailable")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The helper who fetched for the person (`actor`) under a delegation (帮办代办), else empty.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("helper"),
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
    result = models.CharField(_("result"), max_length=12, choices=Result.choices)
    reason = models.CharField(_("refusal reason"), max_length=300, blank=True)
    # Which source answered: "" for this node's own records, else "<kind>:<host>".
    source = models.CharField(_("source"), max_length=120, blank=True)
    # A data request between nodes (federation): the other node's region (the provider that
    # answered, on the requesting node; the node that asked, on the provider), the requesting
    # officer and department as the requesting node asserted them (on the provider), and the
    # id of the other node's access record about the same request.
    peer_region = models.CharField(_("peer region"), max_length=12, blank=True)
    peer_department = models.CharField(_("requesting department"), max_length=80, blank=True)
    peer_actor = models.CharField(_("requesting officer"), max_length=200, blank=True)
    peer_record = models.CharField(_("peer access record"), max_length=36, blank=True)
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
