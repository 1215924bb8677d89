"""The gauges notify adds to `/metrics` (core.metrics): notifications by channel and status
(failed ones are the ones to alert on)."""

from __future__ import annotations

from django.db.models import Count

from onestop.core import metrics
from onestop.notify.models import Notification


@metrics.gauge(
    "onestop_notifications",
    "Notifications by channel and status (failed: given up, waiting for an administrator).",
    ["channel", "status"],
)
def notifications_by_status() -> metrics.Rows:
    rows = (
        Notification.objects.exclude(channel=Notification.Channel.IN_APP)
        .values_list("channel", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [((channel, status), n) for channel, status, n in rows]
