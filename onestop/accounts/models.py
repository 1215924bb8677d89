import datetime
import uuid
from typing import Any

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
    # The keyed blind index of the phone number (`services.phone_index`), so that a centre's
    # helper finds a person by phone at the window (`services.user_find_by_phone`); not unique:
    # family members share a phone.
    phone_index = models.CharField(
        _("phone blind index"),
        max_length=64,
        blank=True,
        default="",
        db_index=True,
        editable=False,
    )
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
    # Elderly-friendly mode (适老化): larger text, fewer choices, the hotline and the nearest
    # centre always shown; remembered here for a signed-in person (a cookie otherwise).
    elderly_mode = models.BooleanField(_("elderly-friendly mode"), default=False)

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


class Delegation(models.Model):
    """A person's recorded consent that someone else acts for them (帮办代办): a family member
    named by resident ID, or a service centre's helper (a staff account) recorded at a window
    with the person present.

    The delegate is `delegate` (an account: the centre's helper) or `delegate_index` (the blind
    index of the resident ID the person typed: whoever holds that ID, now or after registering,
    so granting never tells the person whether the ID has an account). Valid while not revoked
    and before `expires_at`, for the `scopes` named. Written by `services.delegation_*` only.
    """

    class Scope(models.TextChoices):
        CASES = "cases", _("Apply for services and follow applications")
        LICENCES = "licences", _("View e-licences")
        REVIEWS = "reviews", _("Rate services and answer rectifications")
        HOTLINE = "hotline", _("File and follow 12345 requests")

    class Channel(models.TextChoices):
        ONLINE = "online", _("Granted online in my account")
        WINDOW = "window", _("Recorded at a service window")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    principal = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="delegations_given", verbose_name=_("person")
    )
    delegate = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="delegations_held",
        verbose_name=_("helper"),
    )
    delegate_index = models.CharField(
        _("helper's resident ID blind index"), max_length=64, blank=True, db_index=True
    )
    delegate_name = models.CharField(_("helper's name"), max_length=60)
    delegate_id_masked = models.CharField(_("helper's resident ID"), max_length=18, blank=True)
    scopes = models.JSONField(_("what the helper may do"), default=list)
    expires_at = models.DateTimeField(_("valid until"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # At a window: the clerk who recorded the consent, where, and what was checked.
    recorded_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    centre = models.ForeignKey(
        "org.ServiceCentre",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service centre"),
    )
    consent_note = models.CharField(_("how consent was given"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")

    def __str__(self) -> str:
        return f"{self.principal_id} -> {self.delegate_id or self.delegate_id_masked}"

    def valid_at(self, moment: Any) -> bool:
        """Not revoked and not expired at `moment`."""
        return self.revoked_at is None and moment < self.expires_at

    def held_by(self, user: Any) -> bool:
        """Whether `user` (an account) is this delegation's helper."""
        pk = getattr(user, "pk", None)
        if pk is None:
            return False
        if self.delegate_id is not None:
            return self.delegate_id == pk
        index = getattr(user, "resident_id_index", None)
        return bool(self.delegate_index) and index == self.delegate_index

    @property
    def valid_until(self) -> Any:
        """The last day (node's time zone) the delegation may be used: `expires_at` is the
        start of the next day."""
        from django.utils import timezone

        return timezone.localdate(self.expires_at - datetime.timedelta(seconds=1))

    def scope_labels(self) -> list[str]:
        labels = dict(self.Scope.choices)
        return [str(labels.get(s, s)) for s in self.scopes]
