"""Background work of the federation (Django tasks API; run by `onestop worker`)."""

from django_tasks import task

from onestop.federation import services


@task()
def deliver(message_id: str) -> str:
    """Try to deliver one outbox message; a transient failure schedules this task again with
    back-off and jitter (`services.outbox_deliver`)."""
    return services.outbox_deliver(message_id=message_id)


@task()
def sweep() -> int:
    """Periodic (the `serve` ticker): enqueue again the queued messages whose next attempt is
    long overdue (a worker stopped between two attempts) and forget old nonces; returns how
    many messages were enqueued."""
    return services.outbox_sweep()
