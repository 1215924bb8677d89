"""Shapes of the organisation API (/api/v1/regions, /api/v1/departments)."""

from __future__ import annotations

from ninja import Schema
from pydantic import Field


class RegionOut(Schema):
    code: str
    name: str
    name_zh: str
    name_en: str
    level: str
    parent: str | None

    @staticmethod
    def resolve_parent(obj: object) -> str | None:
        return getattr(obj, "parent_id", None)


class DepartmentOut(Schema):
    code: str
    name: str
    name_zh: str
    name_en: str
    region: str
    kind: str
    kind_abbr: str

    @staticmethod
    def resolve_region(obj: object) -> str:
        return str(getattr(obj, "region_id", ""))

    @staticmethod
    def resolve_kind(obj: object) -> str:
        return str(getattr(obj, "kind_id", ""))

    @staticmethod
    def resolve_kind_abbr(obj: object) -> str:
        kind = getattr(obj, "kind", None)
        return str(getattr(kind, "abbr", ""))


class DepartmentFilter(Schema):
    region: str | None = Field(None, pattern=r"^\d{6}$", description="GB/T 2260 region code")
    kind: str | None = Field(None, pattern=r"^[a-z0-9-]{1,60}$", description="department kind")
