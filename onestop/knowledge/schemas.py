from typing import Literal

from ninja import Schema


class SearchHitOut(Schema):
    """One search result. Scenario hits carry `slug`, item hits carry `code`."""

    kind: Literal["scenario", "item"]
    slug: str | None = None
    code: str | None = None
    title: str
    score: float
