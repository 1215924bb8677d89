"""Delivery channels: a `Channel` protocol, real adapters and development adapters.

The SMS and e-mail channels are picked by the settings NOTIFY_SMS_BACKEND and
NOTIFY_EMAIL_BACKEND (import paths of classes built without arguments). The development
adapters (`LogSMSBackend`, `LogEmailBackend`) log the template name and the masked destination
only (never the message: it carries personal data); `HttpSMSBackend` posts to an SMS gateway,
`DjangoEmailBackend` sends through Django's mail framework (EMAIL_BACKEND, EMAIL_HOST, ...).

A channel never raises for a delivery problem: it returns a `DeliveryResult` that says
whether the message went out and, if not, whether trying again may help.
"""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from onestop.core import crypto
from onestop.notify import conf

if TYPE_CHECKING:
    from onestop.notify.models import Notification

sms_log = logging.getLogger("onestop.notify.sms")
email_log = logging.getLogger("onestop.notify.email")


@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    delivered: bool = False  # the channel itself confirms delivery (in-app); else only "sent"
    retryable: bool = False
    error: str = ""
    provider_ref: str = ""

    @classmethod
    def sent(cls, provider_ref: str = "") -> DeliveryResult:
        return cls(ok=True, provider_ref=provider_ref)

    @classmethod
    def transient(cls, error: str) -> DeliveryResult:
        return cls(ok=False, retryable=True, error=error[:1000])

    @classmethod
    def permanent(cls, error: str) -> DeliveryResult:
        return cls(ok=False, retryable=False, error=error[:1000])


class Channel(Protocol):
    def send(self, notification: Notification) -> DeliveryResult: ...


def destination(notification: Notification) -> str:
    """The phone number or e-mail address, decrypted (only channels call this)."""
    return crypto.decrypt_pii(notification.destination_enc) if notification.destination_enc else ""


class InAppChannel:
    """In-app messages live in the database: stored is delivered."""

    def send(self, notification: Notification) -> DeliveryResult:
        return DeliveryResult(ok=True, delivered=True)


class LogSMSBackend:
    """Development SMS: the ``onestop.notify.sms`` logger gets the template name and the masked
    phone number, never the message (it carries personal data)."""

    def send(self, notification: Notification) -> DeliveryResult:
        # The body carries names, case numbers and codes: never logged.
        sms_log.info("SMS to %s [%s]", notification.destination_masked, notification.template)
        return DeliveryResult.sent()


class HttpSMSBackend:
    """An SMS gateway over HTTP: POST JSON ``{"to", "text", "id"}`` to NOTIFY_SMS_URL with
    ``Authorization: Bearer NOTIFY_SMS_TOKEN``.

    2xx is sent (a JSON ``{"id": ...}`` answer is kept as the provider reference); 408, 429,
    5xx and network errors are transient (retried); any other answer is a permanent failure.
    """

    def send(self, notification: Notification) -> DeliveryResult:
        url = conf.sms_url()
        if not url.startswith(("http://", "https://")):
            return DeliveryResult.permanent("NOTIFY_SMS_URL is not an http(s) URL")
        payload = json.dumps(
            {"to": destination(notification), "text": notification.body, "id": str(notification.id)}
        ).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {conf.sms_token()}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=conf.sms_timeout()) as response:  # noqa: S310
                body = response.read(65536)
        except urllib.error.HTTPError as exc:
            error = f"SMS gateway answered HTTP {exc.code}"
            if exc.code in (408, 429) or exc.code >= 500:
                return DeliveryResult.transient(error)
            return DeliveryResult.permanent(error)
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            return DeliveryResult.transient(f"SMS gateway unreachable: {exc}")
        return DeliveryResult.sent(_provider_ref(body))


def _provider_ref(body: bytes) -> str:
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        return ""
    return str(answer.get("id", ""))[:100] if isinstance(answer, dict) else ""


class LogEmailBackend:
    """Development e-mail: the ``onestop.notify.email`` logger gets the template name and the
    masked address, never the subject or the message."""

    def send(self, notification: Notification) -> DeliveryResult:
        email_log.info("E-mail to %s [%s]", notification.destination_masked, notification.template)
        return DeliveryResult.sent()


class DjangoEmailBackend:
    """E-mail through Django's mail framework (EMAIL_BACKEND; DEFAULT_FROM_EMAIL)."""

    def send(self, notification: Notification) -> DeliveryResult:
        try:
            send_mail(
                notification.subject,
                notification.body,
                settings.DEFAULT_FROM_EMAIL,
                [destination(notification)],
            )
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
            return DeliveryResult.permanent(f"mail server refused the message: {exc}")
        except (smtplib.SMTPException, OSError) as exc:
            return DeliveryResult.transient(f"mail server error: {exc}")
        return DeliveryResult.sent()


def channel_for(channel: str) -> Channel:
    """The adapter that delivers `channel` ("in_app", "sms" or "email")."""
    if channel == "sms":
        adapter: Channel = import_string(conf.sms_backend())()
        return adapter
    if channel == "email":
        adapter = import_string(conf.email_backend())()
        return adapter
    return InAppChannel()
