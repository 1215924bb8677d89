from __future__ import annotations

from ninja import Schema


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
