"""The gauge federation adds to `/metrics` (core.metrics): the outbox per peer and state
(queued: waiting for delivery; dead: given up, see `onestop outbox`)."""

from __future__ import annotations

from django.db.models import Count

from onestop.core import metrics
from onestop.federation.models import OutboxMessage


@metrics.gauge(
    "onestop_federation_outbox",
    "Messages in the federation outbox by peer and state.",
    ["peer", "state"],
)
def outbox_by_peer() -> metrics.Rows:
    rows = (
        OutboxMessage.objects.filter(
            state__in=[OutboxMessage.State.QUEUED, OutboxMessage.State.DEAD]
        )
        .values_list("peer__region", "state")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [((peer, state), n) for peer, state, n in rows]
