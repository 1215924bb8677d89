"""Background work of the workflow app (Django tasks API; run by `onestop worker`).

SpiffWorkflow never wakes up by itself: a timer fires only when the host refreshes the
instance. Schedule `refresh_due_timers` every minute or so (or run `onestop workflow_tick`
from cron); it loads only the instances whose earliest timer is due (`timer_due_at`).
"""

from django_tasks import task

from onestop.workflow import services


@task()
def refresh_due_timers() -> int:
    """Fire every due timer; returns how many instances changed."""
    return services.due_timers_refresh()
