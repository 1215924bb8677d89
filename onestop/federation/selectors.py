"""Reads of the federation: peers, outbox depth, dead letters, message counts per day."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from onestop.federation.models import InboxMessage, KeyEndorsement, OutboxMessage, Peer

State = OutboxMessage.State


def peer_list(*, active_only: bool = True) -> QuerySet[Peer]:
    peers = Peer.objects.all()
    return peers.filter(active=True) if active_only else peers


def peer_get(region: str, *, active_only: bool = True) -> Peer | None:
    return peer_list(active_only=active_only).filter(region=region).first()


def outbox_get(message_id: Any) -> OutboxMessage | None:
    try:
        return OutboxMessage.objects.select_related("peer").filter(pk=message_id).first()
    except (ValueError, TypeError):
        return None


def outbox_depths() -> dict[str, int]:
    """Queued messages per peer region."""
    rows = (
        OutboxMessage.objects.filter(state=State.QUEUED)
        .values("peer__region")
        .annotate(n=Count("id"))
    )
    return {row["peer__region"]: row["n"] for row in rows}


def dead_letters(*, limit: int = 100) -> QuerySet[OutboxMessage]:
    return (
        OutboxMessage.objects.filter(state=State.DEAD)
        .select_related("peer")
        .order_by("-created_at")[:limit]
    )


def outbox_queued_ids(*, region: str | None = None) -> list[Any]:
    """Ids of the queued messages (to a peer), oldest first."""
    queued = OutboxMessage.objects.filter(state=State.QUEUED)
    if region:
        queued = queued.filter(peer__region=region)
    return list(queued.order_by("created_at").values_list("pk", flat=True))


def inbox_get(*, from_region: str, message_id: Any) -> InboxMessage | None:
    return InboxMessage.objects.filter(from_region=from_region, message_id=message_id).first()


def key_endorsements() -> list[dict[str, str]]:
    """This node's federation key endorsements, oldest first (for its node document)."""
    return [
        {
            "kid": e.kid,
            "public_key": e.public_key,
            "signed_by": e.signed_by,
            "signature": e.signature,
        }
        for e in KeyEndorsement.objects.order_by("created_at", "pk")
    ]


def message_counts(*, days: int = 14) -> list[dict[str, Any]]:
    """Messages per day and type, sent (delivered) and received, newest day first:
    ``[{"day", "type", "sent", "received"}]``."""
    since = timezone.now() - datetime.timedelta(days=days)
    counts: dict[tuple[datetime.date, str], dict[str, int]] = defaultdict(
        lambda: {"sent": 0, "received": 0}
    )
    sent = (
        OutboxMessage.objects.filter(state=State.SENT, sent_at__gte=since)
        .annotate(day=TruncDate("sent_at"))
        .values("day", "type")
        .annotate(n=Count("id"))
    )
    for row in sent:
        counts[(row["day"], row["type"])]["sent"] += row["n"]
    received = (
        InboxMessage.objects.filter(applied_at__gte=since)
        .annotate(day=TruncDate("applied_at"))
        .values("day", "type")
        .annotate(n=Count("id"))
    )
    for row in received:
        counts[(row["day"], row["type"])]["received"] += row["n"]
    return [
        {"day": day, "type": type_, **values}
        for (day, type_), values in sorted(
            counts.items(), key=lambda kv: (-kv[0][0].toordinal(), kv[0][1])
        )
    ]
