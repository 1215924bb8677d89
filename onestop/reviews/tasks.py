"""Background work of the reviews app (Django tasks API; run by `onestop worker`).

`onestop serve` enqueues `tick` every `TICK_SECONDS` (or run `onestop reviews_tick` from cron):
it escalates missed call-backs, warns departments at 80 % of a rectification's limit and
escalates overdue rectifications, each once; and once a day (the first tick of a day in the
node's time zone) it recomputes the public figures (`services.stats_refresh`).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django_tasks import task

from onestop.reviews import services
from onestop.reviews.models import DailyStat


def stats_due() -> bool:
    """Whether today's figures have not been computed yet (the daily refresh)."""
    last = DailyStat.objects.order_by("-computed_at").values_list("computed_at", flat=True).first()
    return last is None or timezone.localdate(last) < timezone.localdate()


@task()
def tick() -> dict[str, Any]:
    """Warn and escalate rectifications; refresh the public figures once a day."""
    result: dict[str, Any] = dict(services.tick())
    result["stats_rows"] = services.stats_refresh() if stats_due() else None
    return result
