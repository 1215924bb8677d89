"""Background work of the hotline (Django tasks API; run by `onestop worker`).

Schedule `escalate_overdue` every few minutes (or run `onestop hotline_tick` from cron): it
escalates every order whose resolution time has passed to the supervisors (督办).
"""

from typing import Any

from django_tasks import task

from onestop.hotline import services


@task()
def escalate_overdue() -> list[str]:
    """Escalate the overdue work orders; returns their numbers."""
    return services.escalate_overdue()


@task()
def notify_citizens(order_id: int, template: str, context: dict[str, Any]) -> int:
    """Send a work order's message to its caller (and the callers merged into it): the receipt
    of `services.ticket_create`, enqueued in the intake's own transaction so that the request
    neither writes the notification nor waits for it. Returns how many were sent."""
    return services.ticket_notify(order_id=order_id, template=template, context=context)


@task(priority=10)  # before the receipts: the order's dispatch is the one with a time goal
def route_orders(order_id: int) -> list[str]:
    """Route the new order `order_id` and the others waiting with it in one batch, and
    dispatch the confident ones as the system (`services.ticket_route_waiting`); enqueued in
    the intake's own transaction when it asks for routing (`ticket_create(route=True)`), so
    the request does not run the model. Idempotent; returns the numbers dispatched."""
    return services.ticket_route_waiting(order_ids=[order_id])
