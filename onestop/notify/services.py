"""Writes of notify: create notifications, deliver them, mark them read, send failed ones again.

`notification_send` is the contract other apps call. Delivery runs in the background
(`tasks.deliver`): a transient failure is retried up to `MAX_ATTEMPTS` times with a growing
delay; after that (or at once for a permanent failure) the notification is marked failed with
its error kept, and an administrator of the recipient's region can send it again
(`notification_resend`).

A notification being sent is `sending` (claimed by one task; a second task for it does
nothing). A row left `queued` or `sending` longer than `NOTIFY_STALE_SECONDS` — its task lost
in a crash, a worker killed while it talked to the gateway — is queued again by the periodic
`requeue_stale` (`tasks.requeue_stale`): delivery is at least once, never lost.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.core import crypto
from onestop.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onestop.core.identity import mask_phone
from onestop.notify import channels as channel_adapters
from onestop.notify import policies, templates
from onestop.notify.models import Notification

logger = logging.getLogger(__name__)

Channel = Notification.Channel
Status = Notification.Status

MAX_ATTEMPTS = 3
# Seconds to wait before the 2nd and the 3rd attempt.
BACKOFF_SECONDS = (60, 300)

_PHONE = re.compile(r"\+?\d{5,20}")


def _invalid(error: ValidationError) -> ValidationFailed:
    details = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    return ValidationFailed(_("The notification is not valid."), details=details)


def recipient_language(user: Any) -> str:
    """The recipient's language: a `language` attribute of the user if there is one (not yet
    in accounts), else the node's default language."""
    chosen = getattr(user, "language", "") if user is not None else ""
    return str(chosen or settings.LANGUAGE_CODE)


_language = recipient_language  # cases/services.py still imports it; delete once it switches


def _phone(raw: str) -> str:
    value = re.sub(r"[\s\-()]", "", raw or "")
    if not value:
        raise ValidationFailed(_("An SMS needs a phone number."), code="no_phone")
    if not _PHONE.fullmatch(value):
        raise ValidationFailed(_("This is not a valid phone number."), code="invalid_phone")
    return value


def _email(raw: str) -> str:
    value = (raw or "").strip()
    if not value:
        raise ValidationFailed(_("An e-mail needs an e-mail address."), code="no_email")
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationFailed(
            _("This is not a valid e-mail address."), code="invalid_email"
        ) from None
    return value


def _mask_email(address: str) -> str:
    local, _sep, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def _destinations(
    wanted: list[str], user: Any, phone: str | None, email: str | None
) -> dict[str, tuple[str, str]]:
    """(encrypted, masked) destination per channel; raises before anything is written."""
    found: dict[str, tuple[str, str]] = {}
    for channel in wanted:
        if channel == Channel.IN_APP:
            if user is None or user.pk is None:
                raise ValidationFailed(
                    _("An in-app notification needs a recipient user."), code="no_recipient"
                )
            found[channel] = ("", "")
        elif channel == Channel.SMS:
            number = _phone(phone or getattr(user, "phone", "") or "")
            found[channel] = (crypto.encrypt_pii(number), mask_phone(number))
        else:
            address = _email(email or getattr(user, "email", "") or "")
            found[channel] = (crypto.encrypt_pii(address), _mask_email(address))
    return found


def _enqueue(notification_id: str, delay_seconds: int = 0) -> None:
    from onestop.notify import tasks

    task = tasks.deliver
    if delay_seconds:
        task = task.using(run_after=timezone.now() + timedelta(seconds=delay_seconds))
    task.enqueue(notification_id)


def notification_send(
    *,
    template: str,
    context: dict[str, Any],
    recipient_user: Any = None,
    recipient_phone: str | None = None,
    recipient_email: str | None = None,
    channels: tuple[str, ...] = ("in_app", "sms"),
    dedupe_key: str | None = None,
) -> list[Notification]:
    """Create one notification per channel and queue its delivery after the commit.

    Call inside the caller's transaction: if it rolls back, nothing is created or sent.
    - ``in_app`` needs `recipient_user`; it is delivered at once (stored is delivered);
    - ``sms`` needs `recipient_phone` or the user's phone;
    - ``email`` needs `recipient_email` or the user's e-mail address.
    With a `dedupe_key`, a channel that already has a notification under that key gets no
    new one (the existing one is returned): a retried call sends nothing twice.
    Raises `ValidationFailed` (nothing written) for an unknown template or channel, a context
    missing a placeholder, or a missing/invalid destination.
    """
    wanted = list(dict.fromkeys(channels))
    if not wanted:
        raise ValidationFailed(_("Choose at least one channel."), code="no_channel")
    known = set(Channel.values)
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise ValidationFailed(
            _("There is no notification channel named “%(channel)s”.") % {"channel": unknown[0]},
            code="unknown_channel",
        )
    rendered = templates.render(template, context, recipient_language(recipient_user))
    texts = {}
    for language in templates.LANGUAGES:
        other = templates.render(template, context, language)
        texts[other.language] = {"subject": other.subject[:200], "body": other.body}
    destinations = _destinations(wanted, recipient_user, recipient_phone, recipient_email)

    now = timezone.now()
    built: list[Notification] = []
    for channel in wanted:
        encrypted, masked = destinations[channel]
        in_app = channel == Channel.IN_APP
        notification = Notification(
            recipient=recipient_user,
            channel=channel,
            destination_enc=encrypted,
            destination_masked=masked,
            template=template,
            language=rendered.language,
            subject=rendered.subject[:200],
            body=rendered.body,
            texts=texts,
            status=Status.DELIVERED if in_app else Status.QUEUED,
            status_at=now,
            attempts=1 if in_app else 0,
            sent_at=now if in_app else None,
            dedupe_key=dedupe_key,
        )
        try:
            # The recipient is the caller's own user row and the id a fresh UUID: checking
            # that they exist and are unique would only cost queries.
            notification.full_clean(
                exclude=["recipient"], validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            raise _invalid(error) from None
        built.append(notification)
    kept = _insert(built, dedupe_key)
    result: list[Notification] = []
    for ours in built:
        notification = kept[ours.channel]
        if notification.pk == ours.pk and ours.channel != Channel.IN_APP:
            transaction.on_commit(partial(_enqueue, str(ours.pk)))
        result.append(notification)
    return result


def _insert(built: list[Notification], dedupe_key: str | None) -> dict[str, Notification]:
    """Insert the notifications in one statement; channel → the notification kept.

    Without a dedupe key nothing can conflict. With one, a channel that already has a
    notification under the key (an earlier or a concurrent call) keeps it: the insert skips
    the conflicting rows (ON CONFLICT DO NOTHING) and the rows under the key are read back."""
    if dedupe_key is None:
        Notification.objects.bulk_create(built)
        return {n.channel: n for n in built}
    Notification.objects.bulk_create(built, ignore_conflicts=True)
    channels = [n.channel for n in built]
    return {
        n.channel: n
        for n in Notification.objects.filter(dedupe_key=dedupe_key, channel__in=channels)
    }


def notification_deliver(*, notification_id: str) -> str:
    """Try to deliver one queued notification once; returns its status afterwards.

    Only a queued notification is sent: it is claimed (`sending`) in a first transaction, so
    a second task for it (a re-queued one) does nothing. The channel is called outside any
    transaction so no row lock is held over the network.
    """
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None:
            return "missing"
        if notification.status != Status.QUEUED:
            return str(notification.status)
        notification.attempts += 1
        notification.status = Status.SENDING
        notification.status_at = timezone.now()
        notification.save(update_fields=["attempts", "status", "status_at"])

    try:
        outcome = channel_adapters.channel_for(notification.channel).send(notification)
    except Exception as exc:  # a bug in an adapter must not lose the notification
        logger.exception(
            "notification %s: channel %s raised", notification.pk, notification.channel
        )
        outcome = channel_adapters.DeliveryResult.transient(f"{type(exc).__name__}: {exc}")

    with transaction.atomic():
        fields = ["status", "status_at", "last_error", "sent_at", "provider_ref"]
        notification.status_at = timezone.now()
        if outcome.ok:
            notification.status = Status.DELIVERED if outcome.delivered else Status.SENT
            notification.sent_at = timezone.now()
            notification.provider_ref = outcome.provider_ref
            notification.last_error = ""
        elif outcome.retryable and notification.attempts < MAX_ATTEMPTS:
            notification.status = Status.QUEUED
            notification.last_error = outcome.error
            delay = BACKOFF_SECONDS[min(notification.attempts, len(BACKOFF_SECONDS)) - 1]
            transaction.on_commit(partial(_enqueue, str(notification.pk), delay))
        else:
            notification.status = Status.FAILED
            notification.last_error = outcome.error
            logger.warning(
                "notification %s (%s) failed after %d attempt(s): %s",
                notification.pk,
                notification.channel,
                notification.attempts,
                outcome.error,
            )
        notification.save(update_fields=fields)
    return str(notification.status)


def notification_mark_read(*, actor: Any, notification: Notification) -> Notification:
    """Mark the actor's own in-app notification read (again is a no-op).

    Anyone else's notification is `NotFound`, as if it did not exist.
    """
    if not policies.can(actor, policies.Action.READ, notification):
        raise NotFound(_("There is no such notification."))
    with transaction.atomic():
        locked = Notification.objects.select_for_update().get(pk=notification.pk)
        if locked.status != Status.READ:
            locked.status = Status.READ
            locked.read_at = timezone.now()
            locked.save(update_fields=["status", "read_at"])
    notification.status, notification.read_at = locked.status, locked.read_at
    return notification


def notification_resend(*, actor: Any, notification: Notification) -> Notification:
    """Queue a failed notification again (attempts start over; the last error is kept)."""
    if not policies.can(actor, policies.Action.RESEND, notification):
        raise PermissionDenied(_("You may not send notifications again."))
    with transaction.atomic():
        locked = Notification.objects.select_for_update().get(pk=notification.pk)
        if locked.status != Status.FAILED:
            raise Conflict(_("Only a failed notification can be sent again."), code="not_failed")
        locked.status = Status.QUEUED
        locked.status_at = timezone.now()
        locked.attempts = 0
        locked.save(update_fields=["status", "status_at", "attempts"])
        transaction.on_commit(partial(_enqueue, str(locked.pk)))
    notification.status, notification.attempts = locked.status, locked.attempts
    return notification


def stale_seconds() -> int:
    """How long a notification may stay queued or sending before the sweeper re-queues it
    (NOTIFY_STALE_SECONDS; longer than the longest back-off)."""
    return max(int(getattr(settings, "NOTIFY_STALE_SECONDS", 900)), max(BACKOFF_SECONDS) + 60)


def notifications_requeue_stale(*, limit: int = 500) -> int:
    """Queue again the notifications left `queued` or `sending` longer than `stale_seconds()`
    (their task was lost: a crash, a killed worker); returns how many. A row that was being
    sent when its worker died may have gone out: delivery is at least once. Each row is
    claimed under its lock (SKIP LOCKED where the database has it), so two sweepers never
    queue one row twice."""
    cutoff = timezone.now() - timedelta(seconds=stale_seconds())
    stale = Notification.objects.filter(
        Q(status_at__lt=cutoff) | Q(status_at__isnull=True, created_at__lt=cutoff),
        status__in=[Status.QUEUED, Status.SENDING],
    ).order_by("created_at")
    done = 0
    with transaction.atomic():
        rows = list(stale.select_for_update(skip_locked=True)[:limit])
        now = timezone.now()
        for row in rows:
            logger.warning(
                "notification %s (%s) was %s since %s: queued again",
                row.pk,
                row.channel,
                row.status,
                row.status_at.isoformat() if row.status_at else "?",
            )
            row.status = Status.QUEUED
            row.status_at = now
            transaction.on_commit(partial(_enqueue, str(row.pk)))
            done += 1
        Notification.objects.bulk_update(rows, ["status", "status_at"])
    return done
