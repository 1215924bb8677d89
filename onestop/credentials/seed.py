"""Demo-seed steps of `credentials`: the e-licence types (data/seed/licence_types.json) and
the demo accounts' e-licences (DEVELOPMENT DATA ONLY; synthetic people and companies)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings

from onestop.accounts import selectors as accounts_selectors
from onestop.core import seeding
from onestop.core.actors import SYSTEM
from onestop.credentials.selectors import wallet_list
from onestop.credentials.services import credential_issue, licence_type_upsert


def load_licence_types() -> list[dict[str, Any]]:
    path = Path(settings.BASE_DIR) / "data" / "seed" / "licence_types.json"
    rows: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return rows


@seeding.register(order=41, name="licence_types")
def seed_licence_types() -> str:
    rows = load_licence_types()
    changed = sum(licence_type_upsert(actor=SYSTEM, row=row)[1] for row in rows)
    return f"{len(rows)} e-licence types, {changed} changed"


def _at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


# (holder, issuing staff, licence type, subject, valid from, valid until, number)
DEMO_LICENCES: list[tuple[str, str, str, dict[str, Any], datetime, datetime | None, str | None]] = [
    (
        "citizen",
        "officer-ps",
        "resident-id",
        {"name": "张伟", "gender": "男", "birthDate": "1993-03-15", "issueDate": "2016-05-20"},
        _at(2016, 5, 20),
        _at(2036, 5, 20),
        None,
    ),
    (
        "citizen",
        "officer-ps",
        "household-register",
        {
            "name": "张伟",
            "relationToHead": "户主",
            "address": "山东省日照市五莲县洪凝街道（演示）",
            "issueDate": "2019-08-01",
        },
        _at(2019, 8, 1),
        None,
        None,
    ),
    (
        "business",
        "admin",
        "business-licence",
        {
            "name": "五莲县示例农业科技有限公司（演示）",
            "uscc": "91371121MA3C5D7E8U",
            "legalRepresentative": "李娜",
            "type": "有限责任公司",
            "establishedDate": "2021-04-12",
        },
        _at(2021, 4, 12),
        None,
        "91371121MA3C5D7E8U",
    ),
]


@seeding.register(order=55, name="credentials")
def seed_credentials() -> str:
    """Issue each demo licence once; a holder who already has one of that type is skipped."""
    names = {n for row in DEMO_LICENCES for n in row[:2]}
    users = accounts_selectors.users_by_username(names)
    issued = 0
    for holder_name, staff_name, key, subject, valid_from, valid_until, number in DEMO_LICENCES:
        holder, staff = users.get(holder_name), users.get(staff_name)
        if holder is None or staff is None:
            continue
        if wallet_list(holder=holder).filter(licence_type_id=key).exists():
            continue
        credential_issue(
            actor=staff,
            licence_type=key,
            holder=holder,
            subject=subject,
            valid_from=valid_from,
            valid_until=valid_until,
            number=number,
        )
        issued += 1
    return f"{issued} demo e-licences issued"
