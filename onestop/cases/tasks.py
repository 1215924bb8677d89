"""Background work of the cases app (Django tasks API; run by `onestop worker`).

`onestop serve` enqueues `tick` every `ONESTOP_TICK_SECONDS` (or run `onestop cases_tick`
from cron): it warns officers of item cases at 80% of their time limit and escalates overdue
cases to the region's supervisors, each once.
"""

from django_tasks import task

from onestop.cases import clock


@task()
def tick() -> dict[str, list[str]]:
    """Warn and escalate by the time limits; returns the case numbers touched."""
    return clock.tick()
