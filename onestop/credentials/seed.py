"""Demo-seed steps of `credentials`: the e-licence types (data/seed/licence_types.json) and
the demo accounts' e-licences of the node's region (data/seed/demo_people.json; DEVELOPMENT
DATA ONLY; synthetic people and companies)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings

from onestop.accounts import selectors as accounts_selectors
from onestop.accounts.seed import demo_people
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


def _at(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text).replace(tzinfo=UTC) if text else None


@seeding.register(order=55, name="credentials")
def seed_credentials(region: str | None = None) -> str:
    """Issue the demo e-licences of this node's region (data/seed/demo_people.json), each by
    the demo staff member of the issuing department of this region; a holder who already has
    one of that type is skipped."""
    licences: list[dict[str, Any]] = demo_people(region).get("licences", [])
    names = {n for row in licences for n in (row["holder"], row["issuer"])}
    users = accounts_selectors.users_by_username(names)
    issued = 0
    for row in licences:
        holder, staff = users.get(row["holder"]), users.get(row["issuer"])
        if holder is None or staff is None:
            continue
        if wallet_list(holder=holder).filter(licence_type_id=row["type"]).exists():
            continue
        credential_issue(
            actor=staff,
            licence_type=row["type"],
            holder=holder,
            subject=row["subject"],
            valid_from=_at(row["valid_from"]) or datetime.now(UTC),
            valid_until=_at(row.get("valid_until")),
            number=row.get("number"),
        )
        issued += 1
    return f"{issued} demo e-licences issued"
