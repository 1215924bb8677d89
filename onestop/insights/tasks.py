"""Background work of insights (Django tasks API; run by `onestop worker`).

`onestop serve` enqueues `hotspot_tick` with the other periodic tasks (every `TICK_SECONDS`);
it scans the node's region for hotspots at most once every `SCAN_SECONDS` (one grouped query
over the last nine weeks of requests), whichever worker claims the slot first.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django_tasks import task

from onestop.insights import services

SCAN_SECONDS = 3600


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
