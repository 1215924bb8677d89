"""Settings of notify, with their defaults (none of them is required)."""

from __future__ import annotations

from django.conf import settings

LOG_SMS = "onestop.notify.channels.LogSMSBackend"
LOG_EMAIL = "onestop.notify.channels.LogEmailBackend"


def sms_backend() -> str:
    """Import path of the SMS channel (NOTIFY_SMS_BACKEND); the log adapter by default."""
    return str(getattr(settings, "NOTIFY_SMS_BACKEND", "") or LOG_SMS)


def email_backend() -> str:
    """Import path of the e-mail channel (NOTIFY_EMAIL_BACKEND); the log adapter by default."""
    return str(getattr(settings, "NOTIFY_EMAIL_BACKEND", "") or LOG_EMAIL)


def sms_url() -> str:
    """The HTTP SMS gateway's endpoint (NOTIFY_SMS_URL), for `HttpSMSBackend`."""
    return str(getattr(settings, "NOTIFY_SMS_URL", "") or "")


def sms_token() -> str:
    """The bearer token sent to the SMS gateway (NOTIFY_SMS_TOKEN)."""
    return str(getattr(settings, "NOTIFY_SMS_TOKEN", "") or "")


def sms_timeout() -> float:
    """Seconds to wait for the SMS gateway (NOTIFY_SMS_TIMEOUT)."""
    return float(getattr(settings, "NOTIFY_SMS_TIMEOUT", 10) or 10)
