"""Demo-seed step of `cases`: which process each item runs (data/seed/item_processes.json).

Items without a row run `item_standard`. Runs after the catalogue (50) and the workflow
definitions (65); idempotent (a row is written only when a value differs).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from onestop.cases.models import ItemProcess
from onestop.core import seeding
from onestop.core.upsert import row_sync


def load_item_processes() -> list[dict[str, Any]]:
    path = Path(settings.BASE_DIR) / "data" / "seed" / "item_processes.json"
    rows: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return rows


@seeding.register(order=66, name="item-processes")
def seed_item_processes() -> str:
    rows = load_item_processes()
    changed = 0
    with transaction.atomic():
        for row in rows:
            _row, outcome = row_sync(
                ItemProcess,
                {"template_key": row["template_key"]},
                {
                    "process_key": row["process_key"],
                    "auto": bool(row.get("auto", False)),
                    "note": row.get("note", ""),
                },
            )
            changed += outcome != "unchanged"
    return f"{len(rows)} item processes, {changed} changed"
