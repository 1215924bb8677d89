"""The alert to the region administrators when an outbox message becomes a dead letter
(a notification template, sent in-app through `notify`)."""

from __future__ import annotations

from typing import Any

from onestop.accounts import policies as account_policies
from onestop.accounts import selectors as account_selectors
from onestop.federation import conf
from onestop.notify import services as notify_services
from onestop.notify import templates
from onestop.org.selectors import region_covers

DEAD_LETTER = "federation.dead_letter"

templates.register(
    templates.MessageTemplate(
        key=DEAD_LETTER,
        subject_zh="节点间消息无法投递：{peer}",
        body_zh=(
            "发往节点 {peer} 的 {type} 消息（编号 {id}）已停止重试：{error}。"
            "请在“节点网络”页面重试或放弃该消息。"
        ),
        subject_en="A message to node {peer} could not be delivered",
        body_en=(
            "The {type} message {id} to node {peer} is no longer retried: {error}. "
            "Retry or discard it on the network screen."
        ),
    )
)


UNACKNOWLEDGED = "federation.unacknowledged"

templates.register(
    templates.MessageTemplate(
        key=UNACKNOWLEDGED,
        subject_zh="节点 {peer} 未确认收到：{ref}",
        body_zh=(
            "发往节点 {peer} 的 {type}（{ref}）已超过一个工作日未获对方确认。"
            "请在“节点网络”页面查看该节点的状态和待发消息。"
        ),
        subject_en="Node {peer} has not acknowledged {ref}",
        body_en=(
            "The {type} {ref} sent to node {peer} has not been acknowledged for more than one "
            "working day. Check the node and its queued messages on the network screen."
        ),
    )
)


def administrators() -> list[Any]:
    """Active administrators whose role reaches this node's region."""
    roles = account_selectors.role_holders(role=account_policies.Role.ADMINISTRATOR)
    seen: dict[Any, Any] = {}
    for held in roles:
        if region_covers(held.region_id, conf.region()):
            seen.setdefault(held.user_id, held.user)
    return list(seen.values())


def dead_letter(message: Any) -> None:
    """Tell every administrator of the node's region (in-app), once per message and person;
    call inside the transaction that makes the dead letter."""
    context = {
        "peer": message.peer.region,
        "type": message.type,
        "id": str(message.pk),
        "error": (message.last_error or "")[:300],
    }
    for user in administrators():
        notify_services.notification_send(
            template=DEAD_LETTER,
            context=context,
            recipient_user=user,
            channels=("in_app",),
            dedupe_key=f"{DEAD_LETTER}:{message.pk}:{user.pk}",
        )


def unacknowledged(*, peer: str, type: str, ref: str) -> None:
    """Tell every administrator of the node's region (in-app), once per reference and person,
    that a peer has not acknowledged something sent to it in time (e.g. a forwarded case);
    call inside the transaction that records the alert."""
    context = {"peer": peer, "type": type, "ref": ref}
    for user in administrators():
        notify_services.notification_send(
            template=UNACKNOWLEDGED,
            context=context,
            recipient_user=user,
            channels=("in_app",),
            dedupe_key=f"{UNACKNOWLEDGED}:{peer}:{ref}:{user.pk}",
        )
