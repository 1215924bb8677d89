"""The "already simulated" marker: `onestop simulate` runs once per data dir.

A file `simulated.json` in `DATA_DIR` records when the simulation ran, with what arguments and
what it did; its presence makes a second run refuse (exit status 0, nothing done) unless
`--force`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings

NAME = "simulated.json"


def path() -> Path:
    return Path(settings.DATA_DIR) / NAME


def read() -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(path().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except ValueError:
        return {"unreadable": True}
    return data


def write(data: dict[str, Any]) -> None:
    target = path()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    partial.replace(target)
