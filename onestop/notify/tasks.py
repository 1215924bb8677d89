"""Background work of notify (Django tasks API; run by `onestop worker`)."""

from django_tasks import task

from onestop.notify import services


@task()
def deliver(notification_id: str) -> str:
    """Send one notification over its channel; returns its status afterwards.

    A transient failure schedules this task again with a back-off (see `services`).
    """
    return services.notification_deliver(notification_id=notification_id)


@task()
def requeue_stale() -> int:
    """Periodic (`onestop serve`'s ticker): queue again the notifications whose delivery task
    was lost (left queued or sending past NOTIFY_STALE_SECONDS)."""
    return services.notifications_requeue_stale()
