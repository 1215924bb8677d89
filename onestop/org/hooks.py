"""Upward calls of `org`: the queue number sent to the walk-in's phone by SMS.

`org` sits below `notify`, so it cannot send a message itself. It owns this registry and the
message text (bilingual data, like catalogue names); `notify` registers the sender and the
template in its `AppConfig.ready()` (as for `accounts.hooks`). Sending with no sender
registered is a programming error, never a silent no-op.
"""

from __future__ import annotations

from typing import Any, Protocol

# key → (subject_zh, body_zh, subject_en, body_en)
TEMPLATES: dict[str, tuple[str, str, str, str]] = {
    "queue.ticket": (
        "排队号",
        "您在{centre}的排队号是 {number}，前面还有 {ahead} 人。叫号后请到屏幕显示的窗口办理，"
        "并携带居民身份证。",
        "Your queue number",
        "Your number at {centre} is {number}; {ahead} waiting before you. When it is called, "
        "go to the window shown on the screen with your resident ID card.",
    ),
}


class Sender(Protocol):
    def __call__(
        self, *, phone: str, template: str, context: dict[str, Any], dedupe_key: str
    ) -> Any: ...


_sender: Sender | None = None


def set_sender(sender: Sender) -> None:
    global _sender  # noqa: PLW0603 - one process-wide sender, set once at start-up
    _sender = sender


def sms_send(*, phone: str, template: str, context: dict[str, Any], dedupe_key: str) -> None:
    """Send `template` to `phone` by SMS (queued by notify); inside the caller's transaction.
    An invalid phone: notify's ValidationFailed, nothing sent."""
    if _sender is None:
        raise RuntimeError("no SMS sender registered for org (is onestop.notify on?)")
    if template not in TEMPLATES:
        raise KeyError(template)
    _sender(phone=phone, template=template, context=context, dedupe_key=dedupe_key)
