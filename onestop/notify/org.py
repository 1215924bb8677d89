"""The sender behind `org.hooks`: the kiosk's queue number sent by SMS. Imported by
`NotifyConfig.ready()`."""

from __future__ import annotations

from typing import Any

from onestop.notify import services, templates
from onestop.org import hooks as org_hooks

for _key, (_subject_zh, _body_zh, _subject_en, _body_en) in org_hooks.TEMPLATES.items():
    templates.register(
        templates.MessageTemplate(
            key=_key,
            subject_zh=_subject_zh,
            body_zh=_body_zh,
            subject_en=_subject_en,
            body_en=_body_en,
        )
    )


def _send(*, phone: str, template: str, context: dict[str, Any], dedupe_key: str) -> Any:
    return services.notification_send(
        template=template,
        context=context,
        recipient_phone=phone,
        channels=("sms",),
        dedupe_key=dedupe_key,
    )


org_hooks.set_sender(_send)
