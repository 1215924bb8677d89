"""Background work of the cases app (Django tasks API; run by `onestop worker`).

`onestop serve` enqueues `tick` every `ONESTOP_TICK_SECONDS` (or run `onestop cases_tick`
from cron): it warns officers of item cases at 80% of their time limit and escalates overdue
cases to the region's supervisors, each once; and it alerts the region's administrators of
cases forwarded to another region's node that no one there acknowledged within a working day
(`services.forwarding.unacknowledged_alert`).
"""

from django_tasks import task

from onestop.cases import clock
from onestop.cases.services import forwarding


@task()
def tick() -> dict[str, list[str]]:
    """Warn and escalate by the time limits, alert on unacknowledged forwarded cases; returns
    the case numbers touched."""
    result = clock.tick()
    result["unacknowledged"] = forwarding.unacknowledged_alert()
    return result
