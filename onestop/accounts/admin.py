"""Users and staff roles in the admin. The resident ID is only ever shown masked here.

Also the scoping of admins this app cannot have in their own module (`accounts.admin_scope`):
`org`'s queue tickets (org cannot import accounts, which builds on it) by their centre's
region, and the records of the packages this app signs people in with — sign-in attempts and
logs (django-axes), authenticator devices (django-otp) — and the task queue's rows, for
superusers only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from onestop.accounts.admin_scope import (
    PersonalData,
    RegionScopedAdminMixin,
    SuperuserOnlyAdminMixin,
    rescope,
)
from onestop.accounts.models import AssuranceEvent, StaffRole, User


class StaffRoleInline(admin.TabularInline[StaffRole, User]):
    model = StaffRole
    extra = 0
    fields = ["role", "region", "department"]
    autocomplete_fields = ["region", "department"]


class AssuranceEventInline(admin.TabularInline[AssuranceEvent, User]):
    """How the account's level was raised; read-only (a level changes through
    `services.assurance_raise` only, never by editing it here)."""

    model = AssuranceEvent
    fk_name = "user"
    extra = 0
    can_delete = False
    fields = ["created_at", "level_from", "level_to", "method", "actor", "centre", "evidence"]
    readonly_fields = (
        "created_at",
        "level_from",
        "level_to",
        "method",
        "actor",
        "centre",
        "evidence",
    )

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(RegionScopedAdminMixin, DjangoUserAdmin):
    # an administrator sees the accounts of their regions; opening one is a recorded access
    personal_data = PersonalData(
        "accounts.profile", "resident_id_index", ("real_name", "resident_id", "phone", "email")
    )
    list_display = ["username", "real_name", "kind", "resident_id_masked", "real_name_level"]
    list_filter = ["kind", "real_name_level", "is_staff", "is_active"]
    search_fields = ["username", "real_name", "organisation_name", "uscc"]
    readonly_fields = ["resident_id_masked", "real_name_level", "last_login", "date_joined"]
    inlines = [StaffRoleInline, AssuranceEventInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Identity"),
            {
                "fields": (
                    "kind",
                    "real_name",
                    "resident_id_masked",
                    "real_name_level",
                    "phone",
                    "email",
                    "region",
                )
            },
        ),
        (_("Business"), {"fields": ("uscc", "organisation_name")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "kind", "real_name", "password1", "password2"),
            },
        ),
    )


@admin.register(StaffRole)
class StaffRoleAdmin(RegionScopedAdminMixin, admin.ModelAdmin[StaffRole]):
    # an administrator sees the roles held in their regions
    list_display = ["user", "role", "region", "department"]
    list_filter = ["role", "region"]
    search_fields = ["user__username", "user__real_name", "department__code"]
    autocomplete_fields = ["user", "region", "department"]
    list_select_related = ["user", "region", "department"]


def _rescope_others() -> None:
    # Import the admins first (autodiscover imports them in INSTALLED_APPS order; importing
    # here again is a no-op), then put the scoping in front of each registered one.
    import django_otp.plugins.otp_totp.admin  # noqa: F401
    import django_tasks_db.admin  # noqa: F401
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from django_tasks_db.models import DBTaskResult

    import onestop.org.admin  # noqa: F401
    from onestop.org.models import QueueTicket

    if QueueTicket in admin.site._registry:
        rescope(QueueTicket, RegionScopedAdminMixin, scope_field="centre__region")
    for model in (AccessAttempt, AccessLog, AccessFailureLog, TOTPDevice, DBTaskResult):
        if model in admin.site._registry:  # axes registers its admin only if AXES_ENABLE_ADMIN
            rescope(model, SuperuserOnlyAdminMixin)


_rescope_others()
