"""Background work of the federation (Django tasks API; run by `onestop worker`)."""

from django_tasks import task

from onestop.federation import services


@task()
def deliver(message_id: str) -> str:
    """Try to deliver one outbox message; a transient failure schedules this task again with
    back-off and jitter (`services.outbox_deliver`)."""
    return services.outbox_deliver(message_id=message_id)
