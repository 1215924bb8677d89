from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import ConfigDict

from onestop.core.api import one_of


class MaterialStatusOut(Schema):
    item: str
    key: str
    name: str
    status: str
    source: str


class PrefillValueOut(Schema):
    value: Any
    source: str


class PrefillIn(Schema):
    """Exactly one of `scenario` (a bundle's slug) and `item` (an item's code)."""

    model_config = ConfigDict(json_schema_extra=one_of("scenario", "item"))

    scenario: str | None = None
    item: str | None = None


class PrefillFieldOut(Schema):
    key: str
    title_zh: str
    title_en: str
    dataset: str
    source: str


class PrefillOut(Schema):
    verified: bool
    level: int
    fields: list[PrefillFieldOut]
    values: dict[str, PrefillValueOut]
    message: str
    # the sources that could not answer now (a department system down), by label
    unavailable: list[str] = []
