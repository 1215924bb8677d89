"""Upward calls of `accounts`: telling a person that their account changed.

`accounts` sits below `notify`, so it cannot send a message itself. It owns this registry and
the message texts (bilingual data, like catalogue names); `notify` registers the sender and the
templates in its `AppConfig.ready()`. Sending with no sender registered is a programming error,
never a silent no-op: a change of identity must reach the account holder.
"""

from __future__ import annotations

from typing import Any, Protocol

# key → (subject_zh, body_zh, subject_en, body_en); `{level}` is the new level's label.
TEMPLATES: dict[str, tuple[str, str, str, str]] = {
    "accounts.assurance_raised": (
        "实名认证等级已提升",
        "您的账号实名认证等级已提升为：{level}。如非本人操作，请立即到任一政务服务窗口处理。",
        "Identity assurance level raised",
        "Your account's identity assurance level is now: {level}. If this was not you, go to "
        "any service window at once.",
    ),
    "accounts.account_taken_over": (
        "账号已由身份证件持有人收回",
        "身份证号 {resident_id} 对应的账号已由经核验的本人收回（{level}）。此前在其他设备上的"
        "登录均已退出。",
        "Account taken over by its verified owner",
        "The account of resident ID {resident_id} has been taken over by its verified owner "
        "({level}). Every earlier sign-in on other devices has ended.",
    ),
    "accounts.delegation_granted": (
        "已授权他人代办",
        "{helper} 现在可以代您办理事项，有效期至 {until}。如非本人意愿，请在“我的账号”中立即撤销，"
        "或到任一政务服务窗口处理。",
        "Someone may now act for you",
        "{helper} may now act for you until {until}. If you did not want this, revoke it at "
        "once in My account, or go to any service window.",
    ),
    "accounts.delegation_used": (
        "代办人已为您提交申请",
        "{helper} 代您提交了申请 {reference}。您可以在“我的申请”中查看，也可以随时在“我的账号”中"
        "撤销代办授权。",
        "Your helper submitted an application for you",
        "{helper} submitted application {reference} for you. You can follow it in My "
        "applications, and revoke the delegation at any time in My account.",
    ),
}


class Sender(Protocol):
    def __call__(self, *, user: Any, template: str, context: dict[str, Any]) -> Any: ...


_sender: Sender | None = None


def set_sender(sender: Sender) -> None:
    global _sender  # noqa: PLW0603 - one process-wide sender, set once at start-up
    _sender = sender


def account_notify(*, user: Any, template: str, context: dict[str, Any]) -> None:
    """Tell `user` (in the app) that their account changed; call inside the caller's
    transaction."""
    if _sender is None:
        raise RuntimeError("no account notification sender registered (is onestop.notify on?)")
    if template not in TEMPLATES:
        raise KeyError(template)
    _sender(user=user, template=template, context=context)
