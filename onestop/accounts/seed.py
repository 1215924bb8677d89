"""Demo-seed step of `accounts`: a citizen, a business representative and staff.

DEVELOPMENT DATA ONLY: every demo account has the password `DEMO_PASSWORD`, and the resident
ID and credit code below are synthetic (valid check digits, nobody's real number).
"""

from __future__ import annotations

from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from onestop.accounts import selectors, services
from onestop.accounts.models import AssuranceEvent, StaffRole, User
from onestop.core import seeding
from onestop.core.actors import SYSTEM
from onestop.org.selectors import department_get, region_get

DEMO_PASSWORD = "onestop-demo-2026"  # noqa: S105  (published demo password)
# The demo staff's authenticator secret (TOTP, RFC 6238: SHA-1, 6 digits, 30 s), published like
# the password so that `make run` stays usable: add it to any authenticator app (or compute
# the code with `oathtool --totp -b SECRET`). Never seeded in production mode.
DEMO_TOTP_SECRET = "N5XGK43UN5YC2ZDFNVXS25DPORYC2MRQ"  # noqa: S105  (base32 of the key below)
DEMO_TOTP_KEY = b"onestop-demo-totp-20".hex()

# 371121 (Wulian) + 1993-03-15 + sequence 123 + check digit X; synthetic.
CITIZEN = {"username": "citizen", "real_name": "张伟", "resident_id": "37112119930315123X"}
# 91 (enterprise) + 371121 + MA3C5D7E8 + check digit U; synthetic.
BUSINESS = {
    "username": "business",
    "real_name": "李娜",
    "uscc": "91371121MA3C5D7E8U",
    "organisation_name": "五莲县示例农业科技有限公司（演示）",
}
R = StaffRole.Role
ADMIN = ("admin", "周敏", "371121")  # administrator of Wulian, also superuser
STAFF: list[tuple[str, str, list[tuple[str, str, str | None]]]] = [
    ("clerk", "王芳", [(R.WINDOW_CLERK, "371121", None)]),
    ("officer-ps", "刘强", [(R.DEPARTMENT_OFFICER, "371121", "371121-public-security")]),
    (
        "officer-hr",
        "陈静",
        [(R.DEPARTMENT_OFFICER, "371121", "371121-human-resources-social-security")],
    ),
    ("officer-wj", "黄敏", [(R.DEPARTMENT_OFFICER, "371121", "371121-health")]),
    ("officer-sw", "郑涛", [(R.DEPARTMENT_OFFICER, "371121", "371121-tax")]),
    ("officer-yb", "何晶", [(R.DEPARTMENT_OFFICER, "371121", "371121-medical-security")]),
    (
        "officer-sp",
        "罗刚",
        [(R.DEPARTMENT_OFFICER, "371121", "371121-administrative-approval-services")],
    ),
    ("officer-xf", "高峰", [(R.DEPARTMENT_OFFICER, "371121", "371121-fire-rescue")]),
    ("agent", "杨洋", [(R.HOTLINE_AGENT, "371121", None)]),
    ("supervisor", "赵磊", [(R.SUPERVISOR, "371121", None)]),
    ("clerk-gy", "吴涛", [(R.WINDOW_CLERK, "320707", None)]),
    ("officer-gy", "孙丽", [(R.DEPARTMENT_OFFICER, "320707", "320707-public-security")]),
]


def _ensure_roles(user: User, roles: list[tuple[str, str, str | None]]) -> int:
    added = 0
    for role, region, department in roles:
        exists = StaffRole.objects.filter(
            user=user, role=role, region_id=region, department_id=department
        ).exists()
        if not exists:
            staff_role = StaffRole(
                user=user,
                role=role,
                region=region_get(code=region),
                department=department_get(code=department) if department else None,
            )
            staff_role.full_clean()
            staff_role.save()
            added += 1
    return added


def _verify_online(user: User) -> None:
    """The demo citizen and business representative are verified (L2), as if they had signed
    in once with the identity provider, so the demo shows pre-fill and held materials; an
    account registered on the demo node starts at L1 like anywhere else."""
    services.assurance_raise(
        actor=SYSTEM,
        user=user,
        level=User.AssuranceLevel.L2,
        method=AssuranceEvent.Method.IDENTITY_PROVIDER,
        evidence="demo seed",
    )


@seeding.register(order=30, name="accounts")
def seed_accounts() -> str:
    created = 0
    if not User.objects.filter(username=CITIZEN["username"]).exists():
        user = services.citizen_register(password=DEMO_PASSWORD, **CITIZEN)
        _verify_online(user)
        created += 1
    if not User.objects.filter(username=BUSINESS["username"]).exists():
        _verify_online(services.business_register(password=DEMO_PASSWORD, **BUSINESS))
        created += 1
    admin = User.objects.filter(username=ADMIN[0]).first()
    if admin is None:
        admin = services.administrator_bootstrap(
            username=ADMIN[0],
            password=DEMO_PASSWORD,
            real_name=ADMIN[1],
            region_code=ADMIN[2],
            superuser=True,
        )
        created += 1
    for username, real_name, roles in STAFF:
        existing = User.objects.filter(username=username).first()
        if existing is None:
            services.staff_create(
                actor=admin,
                username=username,
                password=DEMO_PASSWORD,
                real_name=real_name,
                roles=roles,
            )
            created += 1
        else:
            created += _ensure_roles(existing, roles)
    devices = _demo_authenticators([ADMIN[0], *(name for name, _n, _r in STAFF)])
    names = [
        CITIZEN["username"],
        BUSINESS["username"],
        ADMIN[0],
        *(name for name, _n, _r in STAFF),
    ]
    pairs = ", ".join(f"{name}/{DEMO_PASSWORD}" for name in names)
    return (
        f"{created} changed, {devices} demo authenticators; demo logins (username/password, "
        f"development data only): {pairs}; staff and admin then enter the code of the demo "
        f"authenticator secret {DEMO_TOTP_SECRET} (TOTP, 30 s, 6 digits)"
    )


def _demo_authenticators(usernames: list[str]) -> int:
    """A confirmed TOTP device with the published demo secret for each demo staff member who
    has none (development only: never in production mode)."""
    if getattr(settings, "ONESTOP_ENV", "development") == "production":
        return 0
    users = selectors.users_by_username(usernames)
    have = set(
        TOTPDevice.objects.filter(user__in=users.values(), confirmed=True).values_list(
            "user_id", flat=True
        )
    )
    new = [
        TOTPDevice(user=user, name="Demo authenticator", key=DEMO_TOTP_KEY, confirmed=True)
        for user in users.values()
        if user.pk not in have
    ]
    TOTPDevice.objects.bulk_create(new)
    return len(new)
