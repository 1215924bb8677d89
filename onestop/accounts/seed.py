"""Demo-seed step of `accounts`: a citizen, a business representative and staff.

DEVELOPMENT DATA ONLY: every demo account has the password `DEMO_PASSWORD`, and the resident
ID and credit code below are synthetic (valid check digits, nobody's real number).
"""

from __future__ import annotations

from onestop.accounts import services
from onestop.accounts.models import AssuranceEvent, StaffRole, User
from onestop.core import seeding
from onestop.core.actors import SYSTEM
from onestop.org.selectors import department_get, region_get

DEMO_PASSWORD = "onestop-demo-2026"  # noqa: S105  (published demo password)

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
    names = [
        CITIZEN["username"],
        BUSINESS["username"],
        ADMIN[0],
        *(name for name, _n, _r in STAFF),
    ]
    pairs = ", ".join(f"{name}/{DEMO_PASSWORD}" for name in names)
    return f"{created} changed; demo logins (username/password, development data only): {pairs}"
