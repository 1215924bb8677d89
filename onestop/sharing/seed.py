"""Demo-seed step of `sharing`: the registry of authoritative datasets (data/seed/datasets.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings

from onestop.core import seeding
from onestop.sharing.services import dataset_upsert


def load_datasets() -> list[dict[str, Any]]:
    path = Path(settings.BASE_DIR) / "data" / "seed" / "datasets.json"
    rows: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return rows


@seeding.register(order=40, name="datasets")
def seed_datasets() -> str:
    rows = load_datasets()
    changed = sum(dataset_upsert(actor=None, row=row)[1] for row in rows)
    return f"{len(rows)} datasets, {changed} changed"
