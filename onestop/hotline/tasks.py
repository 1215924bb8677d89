"""Background work of the hotline (Django tasks API; run by `onestop db_worker`).

Schedule `escalate_overdue` every few minutes (or run `onestop hotline_tick` from cron): it
escalates every order whose resolution time has passed to the supervisors (督办).
"""

from django_tasks import task

from onestop.hotline import services


@task()
def escalate_overdue() -> list[str]:
    """Escalate the overdue work orders; returns their numbers."""
    return services.escalate_overdue()
