"""Shapes of the insights API (/api/v1/insights)."""

from __future__ import annotations

from ninja import Field, Schema


class ThreeRatesRowOut(Schema):
    rank: int | None = Field(description="1 = best composite score; null: unranked")
    department: str
    department_name: str
    dispatched: int
    signed_on_time: int
    callbacks: int
    resolved: int
    satisfied: int
    overdue: int
    returned: int
    reopened: int
    response_rate: float | None = Field(description="signed_on_time / dispatched (0-1)")
    resolution_rate: float | None = Field(description="resolved / callbacks (0-1)")
    satisfaction_rate: float | None = Field(description="satisfied / callbacks (0-1)")
    composite: float | None = Field(description="weighted mean of the rates present (0-1)")


class ThreeRatesOut(Schema):
    region: str
    month: str = Field(description="YYYY-MM")
    weights: dict[str, float]
    rows: list[ThreeRatesRowOut]
