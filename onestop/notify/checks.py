"""Deployment check of notify: a production node sends real messages.

The log adapters (`LogSMSBackend`, `LogEmailBackend`) "send" by writing a log line: on a
production node every SMS and e-mail would silently go nowhere. `onestop serve` refuses to start
in production mode while NOTIFY_SMS_BACKEND or NOTIFY_EMAIL_BACKEND names one of them, or
while the HTTP SMS gateway has no https address.
"""

from __future__ import annotations

from typing import Any

from django.core import checks

from onestop.core import secrets
from onestop.core.checks import register
from onestop.notify import conf

HTTP_SMS = "onestop.notify.channels.HttpSMSBackend"


@register
def real_channels(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not secrets.production():
        return []
    errors: list[checks.CheckMessage] = []
    if conf.sms_backend() == conf.LOG_SMS:
        errors.append(
            checks.Error(
                "NOTIFY_SMS_BACKEND is the development log adapter: text messages would only "
                "be written to the log.",
                hint=f"Set NOTIFY_SMS_BACKEND={HTTP_SMS} with NOTIFY_SMS_URL and "
                "NOTIFY_SMS_TOKEN (docs/notify.md).",
                id="onestop.E121",
            )
        )
    elif conf.sms_backend() == HTTP_SMS and not conf.sms_url().startswith("https://"):
        errors.append(
            checks.Error(
                "NOTIFY_SMS_URL must be the SMS gateway's https address.",
                id="onestop.E122",
            )
        )
    if conf.email_backend() == conf.LOG_EMAIL:
        errors.append(
            checks.Error(
                "NOTIFY_EMAIL_BACKEND is the development log adapter: e-mails would only be "
                "written to the log.",
                hint="Set NOTIFY_EMAIL_BACKEND=onestop.notify.channels.DjangoEmailBackend with "
                "EMAIL_HOST and DEFAULT_FROM_EMAIL (docs/notify.md).",
                id="onestop.E123",
            )
        )
    return errors
