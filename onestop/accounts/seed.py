"""Demo-seed step of `accounts`: a citizen, a business representative and staff.

Every node has the same demo usernames, in its own region: the citizen and the business
representative are the node region's demo people (data/seed/demo_people.json), the staff
(`STAFF`) work in the node region's departments, and `admin` administers the node's region.

DEVELOPMENT DATA ONLY: every demo account has the password `DEMO_PASSWORD`, and the resident
IDs and credit codes are synthetic (valid check digits, nobody's real number).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from onestop.accounts import selectors, services
from onestop.accounts.models import AssuranceEvent, StaffRole, User
from onestop.core import seeding
from onestop.core.actors import SYSTEM
from onestop.org.seed import demo_regions
from onestop.org.selectors import department_get, department_list, region_get

DEMO_PASSWORD = "onestop-demo-2026"  # noqa: S105  (published demo password)
# The demo staff's authenticator secret (TOTP, RFC 6238: SHA-1, 6 digits, 30 s), published like
# the password so that `make run` stays usable: add it to any authenticator app (or compute
# the code with `oathtool --totp -b SECRET`). Never seeded in production mode.
DEMO_TOTP_SECRET = "N5XGK43UN5YC2ZDFNVXS25DPORYC2MRQ"  # noqa: S105  (base32 of the key below)
DEMO_TOTP_KEY = b"onestop-demo-totp-20".hex()

R = StaffRole.Role
ADMIN = ("admin", "周敏")  # administrator of the node's region, also superuser
# The same demo staff on every node, in the node's region: (username, name, [(role, kind of
# the department or None)]). A role whose department the region does not have is left out.
STAFF: list[tuple[str, str, list[tuple[str, str | None]]]] = [
    ("clerk", "王芳", [(R.WINDOW_CLERK, None)]),
    ("officer-ps", "刘强", [(R.DEPARTMENT_OFFICER, "public-security")]),
    ("officer-hr", "陈静", [(R.DEPARTMENT_OFFICER, "human-resources-social-security")]),
    ("officer-wj", "黄敏", [(R.DEPARTMENT_OFFICER, "health")]),
    ("officer-sw", "郑涛", [(R.DEPARTMENT_OFFICER, "tax")]),
    ("officer-yb", "何晶", [(R.DEPARTMENT_OFFICER, "medical-security")]),
    ("officer-sp", "罗刚", [(R.DEPARTMENT_OFFICER, "administrative-approval-services")]),
    ("officer-xf", "高峰", [(R.DEPARTMENT_OFFICER, "fire-rescue")]),
    ("agent", "杨洋", [(R.HOTLINE_AGENT, None)]),
    ("supervisor", "赵磊", [(R.SUPERVISOR, None)]),
]


def _people_by_region() -> dict[str, Any]:
    path = Path(settings.BASE_DIR) / "data" / "seed" / "demo_people.json"
    regions: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["regions"]
    return regions


def demo_usernames() -> list[str]:
    """Every username the demo seed creates on any node (their password is published)."""
    regions = _people_by_region()
    people = {
        person["username"]
        for entry in regions.values()
        for person in (entry.get("citizen"), entry.get("citizen2"), entry.get("business"))
        if person
    }
    return [*sorted(people), ADMIN[0], *(name for name, _real_name, _roles in STAFF)]


def demo_people(region: str | None = None) -> dict[str, Any]:
    """The demo people (citizen, business, their e-licences, walk-ins) of the first region of
    data/seed/demo_people.json that this node (or `region`) seeds; {} when there is none."""
    regions = _people_by_region()
    for code in demo_regions(region):
        if code in regions:
            return dict(regions[code], region=code)
    return {}


def staff_roles(region: str) -> list[tuple[str, str, list[tuple[str, str, str | None]]]]:
    """STAFF with the roles placed in `region` and its departments (those it has)."""
    have = set(department_list(region=region).values_list("kind_id", flat=True))
    out = []
    for username, real_name, roles in STAFF:
        placed = [
            (role, region, f"{region}-{kind}" if kind else None)
            for role, kind in roles
            if kind is None or kind in have
        ]
        if placed:
            out.append((username, real_name, placed))
    return out


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
def seed_accounts(region: str | None = None) -> str:
    """The demo accounts of this node's region (or `region`'s)."""
    region = region or seeding.node_region()
    people = demo_people(region)
    created = 0
    business = people.get("business")
    # citizen2: a second citizen with a resident ID, for the assisted-handling demos (one acts
    # for the other with recorded consent).
    for citizen in (people.get("citizen"), people.get("citizen2")):
        if citizen and not User.objects.filter(username=citizen["username"]).exists():
            user = services.citizen_register(password=DEMO_PASSWORD, **citizen)
            _verify_online(user)
            created += 1
    if business and not User.objects.filter(username=business["username"]).exists():
        _verify_online(services.business_register(password=DEMO_PASSWORD, **business))
        created += 1
    admin = User.objects.filter(username=ADMIN[0]).first()
    if admin is None:
        admin = services.administrator_bootstrap(
            username=ADMIN[0],
            password=DEMO_PASSWORD,
            real_name=ADMIN[1],
            region_code=region,
            superuser=True,
        )
        created += 1
    staff = staff_roles(region)
    for username, real_name, roles in staff:
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
    devices = _demo_authenticators([ADMIN[0], *(name for name, _n, _r in staff)])
    names = [
        *(
            person["username"]
            for person in (people.get("citizen"), people.get("citizen2"), business)
            if person
        ),
        ADMIN[0],
        *(name for name, _n, _r in staff),
    ]
    pairs = ", ".join(f"{name}/{DEMO_PASSWORD}" for name in names)
    return (
        f"{region}: {created} changed, {devices} demo authenticators; demo logins "
        f"(username/password, development data only): {pairs}; staff and admin then enter the "
        f"code of the demo authenticator secret {DEMO_TOTP_SECRET} (TOTP, 30 s, 6 digits)"
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
