from __future__ import annotations

from typing import Any

from ninja import Schema


class MaterialStatusOut(Schema):
    item: str
    key: str
    name: str
    status: str
    source: str


class PrefillValueOut(Schema):
    value: Any
    source: str
