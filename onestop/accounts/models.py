from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from onestop.core.fields import EncryptedTextField
from onestop.core.models import TimeStampedModel


class User(AbstractUser):
    """Everyone who signs in: citizens, business representatives and staff.

    The resident ID is stored encrypted (`resident_id_enc`, Fernet with the node key) with a
    keyed blind index (`resident_id_index`, HMAC-SHA256) for exact lookup; it is shown masked
    on every screen that does not need it.
    """

    class Kind(models.TextChoices):
        CITIZEN = "citizen", _("Citizen")
        BUSINESS = "business", _("Business representative")
        STAFF = "staff", _("Staff")

    class AssuranceLevel(models.IntegerChoices):
        """How sure the node is that the account holder is the person of the resident ID
        (NIST SP 800-63-3 IAL / eIDAS LoA in spirit). Shared data about the holder (held
        materials, pre-fill, automatic decisions) needs L2 or more."""

        L1 = 1, _("Registered (password)")
        L2 = 2, _("Verified online by an identity provider")
        L3 = 3, _("Verified in person")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CITIZEN)
    real_name = models.CharField(_("real name"), max_length=60, blank=True)
    resident_id_enc = models.TextField(_("resident ID (encrypted)"), blank=True, editable=False)
    resident_id_index = models.CharField(
        _("resident ID blind index"),
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        editable=False,
    )
    resident_id_masked = models.CharField(
        _("resident ID"), max_length=18, blank=True, editable=False
    )
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, db_index=True
    )
    organisation_name = models.CharField(_("organisation name"), max_length=200, blank=True)
    phone = EncryptedTextField(_("phone"), max_length=20, blank=True)
    real_name_level = models.PositiveSmallIntegerField(
        _("identity assurance level"), choices=AssuranceLevel.choices, default=AssuranceLevel.L1
    )
    region = models.ForeignKey(
        "org.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The language of the person's messages (notify renders each in it); the language the
    # account was registered in, changed on "my account"; empty: the node's default.
    language = models.CharField(
        _("language of messages"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        default="",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.real_name or self.username


class AssuranceEvent(models.Model):
    """One raise of an account's assurance level: who raised it, how, and on what evidence.

    Append-only: written by `services.assurance_raise` and `services.account_takeover` only.
    `evidence` names the document or claim checked (never the document number itself).
    """

    class Method(models.TextChoices):
        REGISTRATION = "registration", _("Registration")
        IDENTITY_PROVIDER = "identity_provider", _("Identity provider")
        WINDOW = "window", _("ID card checked at a window")
        TAKEOVER = "takeover", _("Account taken over by the verified owner")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assurance_events")
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    level_from = models.PositiveSmallIntegerField(
        _("level before"), choices=User.AssuranceLevel.choices
    )
    level_to = models.PositiveSmallIntegerField(
        _("level after"), choices=User.AssuranceLevel.choices
    )
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    evidence = models.CharField(_("evidence"), max_length=200, blank=True)
    centre = models.ForeignKey(
        "org.ServiceCentre",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service centre"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("assurance event")
        verbose_name_plural = _("assurance events")

    def __str__(self) -> str:
        return f"{self.user_id} L{self.level_from}->L{self.level_to} {self.method}"


class StaffRole(TimeStampedModel):
    """A role a staff member holds, scoped to a region and (for most roles) a department."""

    class Role(models.TextChoices):
        WINDOW_CLERK = "window_clerk", _("Window clerk")
        DEPARTMENT_OFFICER = "department_officer", _("Department officer")
        HOTLINE_AGENT = "hotline_agent", _("Hotline agent")
        SUPERVISOR = "supervisor", _("Supervisor")
        ADMINISTRATOR = "administrator", _("Administrator")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_roles")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "region", "department"], name="accounts_staffrole_unique"
            ),
        ]
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")

    def __str__(self) -> str:
        return f"{self.user} {self.role} {self.department_id or self.region_id}"
