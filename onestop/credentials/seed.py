"""Demo-seed step of `credentials`: the e-licence types (data/seed/licence_types.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings

from onestop.core import seeding
from onestop.credentials.services import licence_type_upsert


def load_licence_types() -> list[dict[str, Any]]:
    path = Path(settings.BASE_DIR) / "data" / "seed" / "licence_types.json"
    rows: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return rows


@seeding.register(order=41, name="licence_types")
def seed_licence_types() -> str:
    rows = load_licence_types()
    changed = sum(licence_type_upsert(actor=None, row=row)[1] for row in rows)
    return f"{len(rows)} e-licence types, {changed} changed"
