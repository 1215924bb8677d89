"""The sender behind `accounts.hooks`: account changes (assurance level, takeover) become
in-app notifications. Imported by `NotifyConfig.ready()`."""

from __future__ import annotations

from typing import Any

from onestop.accounts import hooks as accounts_hooks
from onestop.notify import services, templates

for _key, (_subject_zh, _body_zh, _subject_en, _body_en) in accounts_hooks.TEMPLATES.items():
    templates.register(
        templates.MessageTemplate(
            key=_key,
            subject_zh=_subject_zh,
            body_zh=_body_zh,
            subject_en=_subject_en,
            body_en=_body_en,
        )
    )


def _send(*, user: Any, template: str, context: dict[str, Any]) -> Any:
    return services.notification_send(
        template=template, context=context, recipient_user=user, channels=("in_app",)
    )


accounts_hooks.set_sender(_send)
