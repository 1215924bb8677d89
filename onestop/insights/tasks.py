"""Background work of insights (Django tasks API; run by `onestop worker`).

`onestop serve` enqueues `hotspot_tick` and `rollup_tick` with the other periodic tasks (every
`TICK_SECONDS`); `hotspot_tick` scans the node's region for hotspots at most once every
`SCAN_SECONDS` (one grouped query over the last nine weeks of requests), `rollup_tick` rolls up
the dashboards' closed days at most once every `ROLLUP_SECONDS` (`rollups.roll_due`), whichever
worker claims the slot first.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django_tasks import task

from onestop.insights import rollups, services

SCAN_SECONDS = 3600
ROLLUP_SECONDS = 600


@task()
def hotspot_tick() -> dict[str, Any]:
    """Scan for hotspots when the last scan is an hour old."""
    if not cache.add("insights:hotspot-scan", "1", timeout=SCAN_SECONDS):
        return {"scanned": False}
    result = services.hotspot_scan(region=str(settings.NODE_REGION))
    return {
        "scanned": True,
        "week": f"{result.week:%Y-%m-%d}",
        "cells": result.cells,
        "raised": result.raised,
        "updated": result.updated,
    }


@task()
def rollup_tick() -> dict[str, Any]:
    """Roll up the closed days that are due (unmarked, recent, or changed since the last roll)
    when the last roll is ten minutes old."""
    if not cache.add("insights:rollup", "1", timeout=ROLLUP_SECONDS):
        return {"rolled": False}
    result = rollups.roll_due(region=str(settings.NODE_REGION))
    return {
        "rolled": True,
        "days": result.days,
        "case_rows": result.case_rows,
        "hotline_rows": result.hotline_rows,
    }
