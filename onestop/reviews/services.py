"""Every write of the reviews app: invitations to rate a service event, reviews and their
versions, the rectification of a bad review (one service per transition of `transitions`),
the tick that warns and escalates, and the daily public figures.

Invitations are created by the listeners `apps.ReviewsConfig.ready()` registers with
`cases.hooks` (an application finished) and `hotline.hooks` (a work order closed), inside the
transaction of that event. A link's token (SMS, the receipt's QR code) is the invitation's id
signed with the node's secret (`invitation_token`), so it is never stored and names one
invitation only.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.accounts import selectors as accounts_selectors
from onestop.accounts.models import StaffRole
from onestop.accounts.policies import region_covers
from onestop.core import calendar, dates
from onestop.core.actors import is_active_user
from onestop.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, full_clean
from onestop.core.urls import absolute
from onestop.reviews import policies, transitions
from onestop.reviews.models import (
    BAD_LEVELS,
    Channel,
    DailyStat,
    EventKind,
    Indicator,
    Invitation,
    Level,
    Rectification,
    Review,
)

logger = logging.getLogger(__name__)

S = Rectification.Status
TOKEN_SALT = "onestop.reviews.invitation"  # noqa: S105 - a namespace, not a secret
MAX_TEXT = 1000
MAX_NOTE = 2000
WARN_FRACTION = 0.8
# The channels rated through a link's token: an SMS, a receipt's QR code, and the tracking page
# of a 12345 request filed on the portal without an account (its tracking code is the key).
LINK_CHANNELS = (Channel.SMS, Channel.WINDOW, Channel.PORTAL)


# --- tokens and links -----------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    """The link token of `invitation` (its id signed with the node's secret)."""
    return signing.Signer(salt=TOKEN_SALT, sep=".").sign(str(invitation.pk))


def invitation_for_token(token: str) -> Invitation:
    """The invitation a link's token names; NotFound for a forged, altered or unknown token
    and for an invitation that is not rated through a link."""
    try:
        pk = signing.Signer(salt=TOKEN_SALT, sep=".").unsign(str(token or "")[:200])
    except signing.BadSignature:
        raise _link_not_found() from None
    invitation = Invitation.objects.select_related("department", "item", "scenario").filter(pk=pk)
    found = invitation.first()
    if found is None or found.channel not in LINK_CHANNELS:
        raise _link_not_found()
    return found


def _link_not_found() -> NotFound:
    return NotFound(
        _("This rating link is not valid. Use the link of your message or receipt."),
        code="not_found",
    )


def new_idempotency_key() -> str:
    """A fresh key for a rating form (a resubmitted form records one review)."""
    return uuid.uuid4().hex


def rate_link(invitation: Invitation) -> str:
    """The absolute address where the link's holder rates (and later answers the result)."""
    return absolute(rate_path(invitation_token(invitation)))


def rate_path(token: str, *, answer: bool = False) -> str:
    """The path of the link's page (or of its answer form) with the token in the query string
    (`core.logredact` keeps `token=` out of the logs)."""
    name = "reviews:rate_answer" if answer else "reviews:rate"
    return f"{reverse(name)}?{urlencode({'token': token})}"


# --- invitations ----------------------------------------------------------------------------


def _now() -> datetime.datetime:
    return timezone.now()


def _expiry(at: datetime.datetime) -> datetime.datetime:
    return at + datetime.timedelta(days=int(settings.REVIEWS_RATE_DAYS))


def _invite(
    *,
    event_kind: str,
    event_ref: str,
    channel: str,
    fields: dict[str, Any],
) -> Invitation | None:
    """The invitation of (event, channel), created once; None when it already existed."""
    if Invitation.objects.filter(
        event_kind=event_kind, event_ref=event_ref, channel=channel
    ).exists():
        return None
    invitation = Invitation(event_kind=event_kind, event_ref=event_ref, channel=channel, **fields)
    full_clean(invitation, in_database=True)
    invitation.save()
    return invitation


def _send(
    template: str,
    context: dict[str, Any],
    *,
    user: Any = None,
    phone: str = "",
    dedupe_key: str,
) -> None:
    from onestop.notify import services as notify_services

    channels: tuple[str, ...]
    if user is not None:
        channels, phone_arg = ("in_app",), None
    elif phone:
        channels, phone_arg = ("sms",), phone
    else:
        return
    notify_services.notification_send(
        template=template,
        context=context,
        recipient_user=user,
        recipient_phone=phone_arg,
        channels=channels,
        dedupe_key=dedupe_key[:200],
    )


def case_invite(top: Any) -> list[Invitation]:
    """Invite the applicant of the finished application `top` (a bundle or a lone item case)
    to rate it: in "my space" when there is an account, by SMS link to the contact phone when
    there is one. Idempotent (a second call creates and sends nothing). Listener of
    `cases.hooks`, inside the finishing transaction."""
    if not top.number:
        return []
    fields = {
        "reviewer": top.applicant if top.applicant_id else None,
        "reviewer_index": top.applicant_index or "",
        "region_id": top.region_id,
        "department_id": top.department_id,
        "item_id": top.item_id,
        "scenario_id": top.scenario_id,
        "window_id": top.window_id,
        "staff_id": top.decided_by_id or top.accepted_by_id,
        "title": _case_title(top),
        "title_en": _case_title(top, english=True),
        "event_at": top.completed_at or _now(),
    }
    fields["expires_at"] = _expiry(fields["event_at"])
    made = []
    if top.applicant_id:
        online = _invite(
            event_kind=EventKind.CASE, event_ref=top.number, channel=Channel.ONLINE, fields=fields
        )
        if online is not None:
            made.append(online)
            _send(
                "reviews.invited",
                {"number": top.number, "link": absolute(reverse("reviews:my_reviews"))},
                user=top.applicant,
                dedupe_key=f"reviews.invited:{online.pk}",
            )
    phone = str(top.contact_phone or "")
    if phone:
        sms = _invite(
            event_kind=EventKind.CASE,
            event_ref=top.number,
            channel=Channel.SMS,
            fields={**fields, "phone": phone},
        )
        if sms is not None:
            made.append(sms)
            if not top.applicant_id:  # an account is told in the app, not twice
                _send(
                    "reviews.invited",
                    {"number": top.number, "link": rate_link(sms)},
                    phone=phone,
                    dedupe_key=f"reviews.invited:{sms.pk}",
                )
    return made


def visit_link(top: Any) -> str:
    """The link (token) printed on the receipt of the application `top` accepted at a window:
    it rates that visit (一次一评), tied to the window, the clerk who served and the
    department. The invitation is made once; a receipt printed again gets the same link.
    Registered with `cases.hooks.provide_rating_link`, asked inside the receipt's transaction;
    the same invitation is the visit shown on the window's rating screen (`pad_review_submit`)."""
    if not top.number:
        return ""
    found = Invitation.objects.filter(
        event_kind=EventKind.VISIT, event_ref=top.number, channel=Channel.WINDOW
    ).first()
    if found is None:
        at = top.accepted_at or _now()
        found = _invite(
            event_kind=EventKind.VISIT,
            event_ref=top.number,
            channel=Channel.WINDOW,
            fields={
                "reviewer": top.applicant if top.applicant_id else None,
                "reviewer_index": top.applicant_index or "",
                "region_id": top.region_id,
                "department_id": top.department_id,
                "item_id": top.item_id,
                "scenario_id": top.scenario_id,
                "window_id": top.window_id,
                "staff_id": top.accepted_by_id,
                "title": _case_title(top),
                "title_en": _case_title(top, english=True),
                "event_at": at,
                "expires_at": _expiry(at),
            },
        )
    return rate_link(found) if found is not None else ""


# --- the rating screen at the window (一次一评) ------------------------------------------------

PAD_SALT = "onestop.reviews.pad"


def pad_token(*, actor: Any, window: Any) -> str:
    """The token of `window`'s rating screen (the window's id signed with the node's secret and
    the time, valid `REVIEWS_PAD_HOURS`): a clerk of the window pairs a tablet by opening the
    screen's link on it. PermissionDenied for anybody else."""
    if window is None or not policies.can(actor, policies.PAD, window):
        raise PermissionDenied(
            _("Only a clerk of this window may pair its rating screen."), code="forbidden"
        )
    return signing.TimestampSigner(salt=PAD_SALT, sep=".").sign(str(window.pk))


def pad_window_id(token: str) -> int:
    """The window a rating screen's token names; NotFound for a forged or expired one (the
    clerk pairs the screen again)."""
    try:
        value = signing.TimestampSigner(salt=PAD_SALT, sep=".").unsign(
            str(token or "")[:200],
            max_age=datetime.timedelta(hours=int(settings.REVIEWS_PAD_HOURS)),
        )
        return int(value)
    except (signing.BadSignature, ValueError):
        raise NotFound(
            _("This rating screen is not paired with a window. Ask the clerk to pair it again."),
            code="not_found",
        ) from None


def pad_path(token: str) -> str:
    """The path of the rating screen (the token in the query string, which the logs redact)."""
    return f"{reverse('reviews:pad')}?{urlencode({'token': token})}"


def pad_review_submit(
    *,
    token: str,
    invitation_id: Any,
    level: Any,
    indicators: Sequence[Any] | None = None,
    text: str = "",
    idempotency_key: str | None = None,
) -> Review:
    """Rate the visit shown on a window's rating screen (`token`): only the window's current
    visit (`selectors.pad_visit`), and only once — a visit already rated is not rated again
    here (a later change goes through the receipt's QR code, a new version). Bad input →
    ValidationFailed; another or an already rated visit → Conflict; nothing written. A retried
    form (the same `idempotency_key`) returns the first review."""
    from onestop.reviews.selectors import pad_visit

    window_id = pad_window_id(token)
    key = (idempotency_key or "").strip()[:100] or None
    if key is not None:
        earlier = Review.objects.filter(idempotency_key=key).first()
        if earlier is not None and str(earlier.invitation_id) == str(invitation_id):
            return earlier
    with transaction.atomic():
        current = pad_visit(window_id=window_id)
        if current is None or str(current.pk) != str(invitation_id):
            raise Conflict(
                _("This visit can no longer be rated on this screen."), code="visit_not_current"
            )
        invitation = Invitation.objects.select_for_update().get(pk=current.pk)
        if Review.objects.filter(
            event_kind=invitation.event_kind, event_ref=invitation.event_ref
        ).exists():
            raise Conflict(_("This visit has already been rated."), code="already_rated")
        return review_submit(
            actor=None,
            token=invitation_token(invitation),
            level=level,
            indicators=indicators,
            text=text,
            idempotency_key=key,
        )


def _case_title(top: Any, *, english: bool = False) -> str:
    """The name of what the case applied for (the scenario's or the item's), in Chinese or
    with `english` in English ("" when there is no English name)."""
    named = top.scenario if top.scenario_id else top.item
    if named is None:
        remote = top.remote_item or {}
        if english:
            return str(remote.get("name_en") or "")[:300]
        return str(remote.get("name_zh") or top.number)[:300]
    return str((named.name_en or "") if english else named.name_zh)[:300]


def order_invite(order: Any, *, actor: Any) -> list[Invitation]:
    """Invite the caller of the closed work order `order` to rate its handling: by SMS link,
    and at the call-back (the agent who called back takes the rating). Idempotent. Listener of
    `hotline.hooks`, inside the closing transaction."""
    from onestop.hotline import services as hotline_services

    recipients = hotline_services.ticket_recipients(order)
    phone = next((r["phone"] for r in recipients if r["number"] == order.number), "")
    fields = _order_fields(order)
    made = []
    callback = _invite(
        event_kind=EventKind.ORDER, event_ref=order.number, channel=Channel.CALLBACK, fields=fields
    )
    if callback is not None:
        made.append(callback)
    if phone:
        sms = _invite(
            event_kind=EventKind.ORDER,
            event_ref=order.number,
            channel=Channel.SMS,
            fields={**fields, "phone": phone},
        )
        if sms is not None:
            made.append(sms)
            _send(
                "reviews.invited",
                {"number": order.number, "link": rate_link(sms)},
                phone=phone,
                dedupe_key=f"reviews.invited:{sms.pk}",
            )
    return made


def _order_fields(order: Any) -> dict[str, Any]:
    """What an invitation of a work order is tied to: region, department, the officer who
    replied, the category as title, the time."""
    from onestop.hotline import selectors as hotline_selectors

    fields = {
        "region_id": order.region,
        "reviewer_index": order.contact_index,
        "department_id": order.lead_department_id,
        "staff": hotline_selectors.order_replier(order),
        "title": str(order.category.name_zh)[:300],
        "title_en": str(order.category.name_en or "")[:300],
        "event_at": order.closed_at or _now(),
    }
    fields["expires_at"] = _expiry(fields["event_at"])
    return fields


def order_callback_rate(
    order: Any, *, actor: Any, satisfied: bool, rating: Mapping[str, Any] | None
) -> Review | None:
    """The rating the citizen gave on the call-back, entered by the agent in the call-back's
    form: recorded (`review_submit` on the order's ``callback`` invitation, made here if need
    be) before the order closes. No level: nothing recorded (the citizen did not want to rate;
    the SMS link still invites them). A level with "not satisfied (reopen)" is refused: the
    order is rated when it closes. Listener of `hotline.hooks.on_callback`, inside the
    call-back's transaction, so bad input undoes the call-back."""
    given = rating or {}
    level = str(given.get("level") or "").strip()
    if not level:
        return None
    if not satisfied:
        raise ValidationFailed(
            _(
                "A rating is recorded when the work order closes: the citizen is not satisfied, "
                "so the order reopens; leave the rating empty."
            ),
            code="rating_on_reopen",
            details={"field": "rating-level"},
        )
    fields = _order_fields(order)
    _invite(
        event_kind=EventKind.ORDER, event_ref=order.number, channel=Channel.CALLBACK, fields=fields
    )
    invitation = Invitation.objects.get(
        event_kind=EventKind.ORDER, event_ref=order.number, channel=Channel.CALLBACK
    )
    return review_submit(
        actor=actor,
        invitation=invitation,
        level=level,
        indicators=list(given.get("indicators") or []),
        text=str(given.get("text") or ""),
        idempotency_key=str(given.get("idempotency_key") or "") or None,
    )


def order_portal_invite(order: Any, *, actor: Any) -> Invitation | None:
    """Invite the citizen who filed `order` on the portal to rate the department's reply there,
    once it is replied to: in "my space" (an ``online`` invitation, with an in-app message)
    when they filed it signed in, else on the request's tracking page (a ``portal``
    invitation, rated through its token, which only the tracking page shows). Orders of
    other channels are rated at the call-back and by SMS (`order_invite`). Idempotent: a
    second reply (after a reopening) invites nobody again; the citizen may change the rating
    (a new version) until it expires. Listener of `hotline.hooks.on_order_replied`, inside the
    reply's transaction."""
    if order.channel != "portal":
        return None
    account = order.created_by if order.created_by_id else None
    fields = {
        "reviewer": account,
        "reviewer_index": order.contact_index,
        "region_id": order.region,
        "department_id": order.lead_department_id,
        "staff": actor if is_active_user(actor) else None,
        "title": str(order.category.name_zh)[:300],
        "title_en": str(order.category.name_en or "")[:300],
        "event_at": order.replied_at or _now(),
    }
    fields["expires_at"] = _expiry(fields["event_at"])
    channel = Channel.ONLINE if account is not None else Channel.PORTAL
    made = _invite(
        event_kind=EventKind.ORDER, event_ref=order.number, channel=channel, fields=fields
    )
    if made is not None and account is not None:
        _send(
            "reviews.invited",
            {"number": order.number, "link": absolute(reverse("reviews:my_reviews"))},
            user=account,
            dedupe_key=f"reviews.invited:{made.pk}",
        )
    return made


# --- reviews --------------------------------------------------------------------------------


def _level(value: Any) -> int:
    try:
        level = int(value)
    except (TypeError, ValueError):
        level = 0
    if level not in Level.values:
        raise ValidationFailed(
            _("Choose one of the five levels, from very satisfied to very dissatisfied."),
            code="invalid_level",
            details={"field": "level"},
        )
    return level


def _indicators(values: Iterable[Any] | None, level: int) -> list[str]:
    chosen = list(dict.fromkeys(str(v) for v in (values or [])))
    unknown = [v for v in chosen if v not in Indicator.values]
    if unknown:
        raise ValidationFailed(
            _("“%(value)s” is not one of the reasons of a bad review.") % {"value": unknown[0]},
            code="invalid_indicator",
            details={"field": "indicators"},
        )
    if level in BAD_LEVELS and not chosen:
        raise ValidationFailed(
            _("Say what went wrong: choose at least one reason."),
            code="indicators_required",
            details={"field": "indicators"},
        )
    if level not in BAD_LEVELS and chosen:
        raise ValidationFailed(
            _("Reasons are given only with a bad review (dissatisfied or very dissatisfied)."),
            code="indicators_not_allowed",
            details={"field": "indicators"},
        )
    return chosen


def _text(value: Any, *, limit: int, field: str, required: bool = False) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        raise ValidationFailed(
            _("%(field)s may be at most %(limit)d characters long.")
            % {"field": field, "limit": limit},
            code="too_long",
            details={"field": field},
        )
    if required and not text:
        raise ValidationFailed(
            _("%(field)s is required.") % {"field": field},
            code="required",
            details={"field": field},
        )
    return text


def invitation_get(*, actor: Any, invitation_id: Any) -> Invitation:
    """The invitation `actor` may rate (their own, or a call-back's for a hotline agent);
    NotFound otherwise (also for a malformed id)."""
    try:
        pk = uuid.UUID(str(invitation_id))
    except ValueError:
        pk = None
    invitation = (
        Invitation.objects.select_related("department", "item").filter(pk=pk).first()
        if pk is not None
        else None
    )
    if invitation is None or not policies.can(actor, policies.SUBMIT, invitation):
        raise NotFound(_("There is no such service to rate."), code="not_found")
    return invitation


def review_submit(
    *,
    actor: Any,
    invitation: Invitation | None = None,
    token: str | None = None,
    level: Any,
    indicators: Sequence[Any] | None = None,
    text: str = "",
    idempotency_key: str | None = None,
) -> Review:
    """Rate the service event of `invitation` (signed in: the actor must be its author, or a
    hotline agent at the call-back) or of the link `token`. The first rating of an event is
    version 1; a later one is a new version and the earlier stops counting. A bad rating (the
    two lowest levels) opens a rectification, or joins the one already running; a good one
    ends a running one. Bad input → ValidationFailed; a closed invitation → Conflict; nothing
    changed. A retried submission with the same `idempotency_key` returns the first review."""
    if token is not None:
        invitation = invitation_for_token(token)
    elif invitation is None or not policies.can(actor, policies.SUBMIT, invitation):
        raise NotFound(_("There is no such service to rate."), code="not_found")
    level_value = _level(level)
    chosen = _indicators(indicators, level_value)
    comment = _text(text, limit=MAX_TEXT, field=_("Comment"))
    key = (idempotency_key or "").strip()[:100] or None
    if key is not None:
        earlier = Review.objects.filter(idempotency_key=key).first()
        if earlier is not None:
            if earlier.invitation_id != invitation.pk:
                raise ValidationFailed(
                    _("This idempotency key was already used for another rating."),
                    code="idempotency_key_reused",
                )
            return earlier
    if invitation.expires_at < _now():
        raise Conflict(
            _("The time to rate this service has passed."),
            code="rating_closed",
        )
    author = actor if is_active_user(actor) and invitation.channel != Channel.CALLBACK else None
    # A helper acting for the author (policies.is_author checked the delegation's scope).
    agent = getattr(author, "acting_agent", None) if author is not None else None
    if author is None and invitation.reviewer_id and invitation.channel != Channel.CALLBACK:
        author = invitation.reviewer
    try:
        with transaction.atomic():
            return _review_write(
                invitation=invitation,
                level=level_value,
                indicators=chosen,
                text=comment,
                author=author,
                agent=agent,
                actor=actor,
                key=key,
            )
    except IntegrityError:
        # A concurrent submission of the same key or version won: answer with its review.
        if key is not None and (earlier := Review.objects.filter(idempotency_key=key).first()):
            return earlier
        raise Conflict(
            _("This service was rated at the same moment; reload and try again."),
            code="concurrent_review",
        ) from None


def _review_write(
    *,
    invitation: Invitation,
    level: int,
    indicators: list[str],
    text: str,
    author: Any,
    actor: Any,
    key: str | None,
    agent: Any = None,
) -> Review:
    previous = (
        Review.objects.select_for_update()
        .filter(event_kind=invitation.event_kind, event_ref=invitation.event_ref, current=True)
        .first()
    )
    version = 1
    if previous is not None:
        version = previous.version + 1
        previous.current = False
        previous.save(update_fields=["current"])
    review = Review(
        event_kind=invitation.event_kind,
        event_ref=invitation.event_ref,
        version=version,
        current=True,
        invitation=invitation,
        channel=invitation.channel,
        level=level,
        indicators=indicators,
        text=text,
        author=author,
        agent=agent,
        region_id=invitation.region_id,
        department_id=invitation.department_id,
        item_id=invitation.item_id,
        idempotency_key=key,
    )
    full_clean(review, in_database=True)
    review.save()
    running = (
        Rectification.objects.select_for_update()
        .filter(review=previous)
        .exclude(status__in=transitions.FINAL)
        .first()
        if previous is not None
        else None
    )
    if running is not None:
        running.review = review
        if review.is_bad:
            running.version += 1
            running.save(update_fields=["review", "version", "updated_at"])
        else:
            transitions.step(running, "withdraw", actor=actor, note=_("Changed to a good review."))
            running.closed_at = _now()
            running.version += 1
            running.save(update_fields=["review", "status", "closed_at", "version", "updated_at"])
    elif review.is_bad:
        _rectification_open(review, invitation)
    return review


def _limit_days() -> int:
    return max(1, int(settings.REVIEWS_RECTIFY_DAYS))


def _today() -> datetime.date:
    return timezone.localdate()


def _rectification_open(review: Review, invitation: Invitation) -> Rectification:
    today = _today()
    limit = _limit_days()
    rectification = Rectification(
        review=review,
        department_id=review.department_id,
        region_id=review.region_id,
        status=S.OPEN,
        opened_at=_now(),
        callback_due=calendar.add_working_days(today, 1),
        due_date=calendar.add_working_days(today, limit),
        limit_days=limit,
    )
    full_clean(rectification, in_database=True)
    rectification.save()
    _staff_notify(rectification, _officers(rectification), "reviews.bad_received")
    return rectification


# --- rectification --------------------------------------------------------------------------


def _locked(rectification: Rectification) -> Rectification:
    # The rectification's row only: PostgreSQL refuses FOR UPDATE on the nullable side of the
    # joins (the department); its review is written (voided) only under this lock.
    return (
        Rectification.objects.select_for_update(of=("self",))
        .select_related("review", "review__invitation", "department")
        .get(pk=rectification.pk)
    )


def _denied() -> PermissionDenied:
    return PermissionDenied(
        _("Only the department that served may handle this rectification."), code="forbidden"
    )


def _save(rectification: Rectification, fields: Sequence[str]) -> Rectification:
    rectification.version += 1
    full_clean(rectification, in_database=True)
    rectification.save(update_fields=[*{"status", "version", "updated_at", *fields}])
    return rectification


def rectification_call_back(
    *, actor: Any, rectification: Rectification, note: str
) -> Rectification:
    """The department called the reviewer back (within one working day) and heard them out."""
    text = _text(note, limit=MAX_NOTE, field=_("Call-back note"), required=True)
    with transaction.atomic():
        locked = _locked(rectification)
        if not policies.can(actor, policies.HANDLE, locked):
            raise _denied()
        transitions.step(locked, "call_back", actor=actor, note=text)
        locked.called_back_at = _now()
        locked.callback_note = text
        return _save(locked, ["called_back_at", "callback_note"])


def rectification_result_send(
    *, actor: Any, rectification: Rectification, result: str
) -> Rectification:
    """The department sends the result of the rectification (or its explanation) to the
    reviewer, who may accept it or ask again. On time: sent on or before the due date."""
    text = _text(result, limit=MAX_NOTE, field=_("Result"), required=True)
    with transaction.atomic():
        locked = _locked(rectification)
        if not policies.can(actor, policies.HANDLE, locked):
            raise _denied()
        step, _event = transitions.step(locked, "send_result", actor=actor, note=text)
        now = _now()
        if locked.called_back_at is None:
            locked.called_back_at = now
        locked.result = text
        locked.result_at = now
        locked.on_time = timezone.localdate(now) <= locked.due_date
        _save(locked, ["called_back_at", "result", "result_at", "on_time"])
        _reviewer_notify(locked, str(step.notification), {"result": text})
        return locked


def _reviewer_notify(rectification: Rectification, template: str, context: dict[str, Any]) -> None:
    review = rectification.review
    invitation = review.invitation
    number = review.event_ref
    if review.author_id is not None:
        _send(
            template,
            {"number": number, "link": absolute(reverse("reviews:my_reviews")), **context},
            user=review.author,
            dedupe_key=f"{template}:{rectification.pk}:{rectification.version}",
        )
    elif invitation.phone:
        _send(
            template,
            {"number": number, "link": rate_link(invitation), **context},
            phone=str(invitation.phone),
            dedupe_key=f"{template}:{rectification.pk}:{rectification.version}",
        )


def _may_answer(actor: Any, rectification: Rectification, token: str | None) -> bool:
    if token is not None:
        try:
            return invitation_for_token(token).pk == rectification.review.invitation_id
        except NotFound:
            return False
    return policies.can(actor, policies.ANSWER, rectification)


def rectification_answer(
    *,
    actor: Any,
    rectification: Rectification,
    accept: bool,
    note: str = "",
    token: str | None = None,
) -> Rectification:
    """The reviewer (signed in, or holding the link's token) accepts the result, which closes
    the loop, or asks again: another round with a new limit, and the department is told."""
    text = _text(note, limit=MAX_TEXT, field=_("Note"), required=not accept)
    with transaction.atomic():
        locked = _locked(rectification)
        if not _may_answer(actor, locked, token):
            raise NotFound(_("There is no such rectification."), code="not_found")
        if accept:
            transitions.step(locked, "accept", actor=actor, note=text)
            locked.closed_at = _now()
            locked.reviewer_note = text
            return _save(locked, ["closed_at", "reviewer_note"])
        transitions.step(locked, "ask_again", actor=actor, note=text)
        today = _today()
        locked.reviewer_note = text
        locked.rounds += 1
        locked.due_date = calendar.add_working_days(today, locked.limit_days)
        locked.on_time = None
        locked.warned_at = None
        locked.escalated_at = None
        _save(
            locked,
            ["reviewer_note", "rounds", "due_date", "on_time", "warned_at", "escalated_at"],
        )
        _staff_notify(locked, _officers(locked), "reviews.asked_again")
        return locked


def rectification_appeal(*, actor: Any, rectification: Rectification, reason: str) -> Rectification:
    """The department appeals the review as malicious or mistaken (申诉复核): the region's
    supervisors decide. The rectification waits for the decision."""
    text = _text(reason, limit=MAX_NOTE, field=_("Reason"), required=True)
    with transaction.atomic():
        locked = _locked(rectification)
        if not policies.can(actor, policies.HANDLE, locked):
            raise _denied()
        source = str(locked.status)
        transitions.step(locked, "appeal", actor=actor, note=text)
        locked.appealed_from = source
        locked.appeal_reason = text
        locked.appealed_at = _now()
        _save(locked, ["appealed_from", "appeal_reason", "appealed_at"])
        department = locked.department.name_zh if locked.department else ""
        _staff_notify(locked, _supervisors(locked), "reviews.appealed", {"department": department})
        return locked


def appeal_decide(
    *, actor: Any, rectification: Rectification, void: bool, reason: str
) -> Rectification:
    """A supervisor decides the department's appeal with a reason: void the review (it stays on
    record but counts nowhere, and the reviewer is told why) or uphold it (the rectification
    goes on where it was, and the department is told)."""
    text = _text(reason, limit=MAX_NOTE, field=_("Reason"), required=True)
    with transaction.atomic():
        locked = _locked(rectification)
        if not policies.can(actor, policies.DECIDE, locked):
            raise PermissionDenied(
                _("Only a supervisor of the region may decide an appeal."), code="forbidden"
            )
        action = "void" if void else f"uphold_{locked.appealed_from or S.RECTIFYING}"
        step, _event = transitions.step(locked, action, actor=actor, note=text)
        now = _now()
        locked.appeal_decision = "void" if void else "uphold"
        locked.appeal_decision_reason = text
        locked.appeal_decided_at = now
        locked.appeal_decided_by = actor if is_active_user(actor) else None
        fields = ["appeal_decision", "appeal_decision_reason", "appeal_decided_at"]
        fields.append("appeal_decided_by")
        if void:
            locked.closed_at = now
            fields.append("closed_at")
            review = locked.review
            review.voided = True
            review.save(update_fields=["voided"])
            _save(locked, fields)
            _reviewer_notify(locked, str(step.notification), {"reason": text})
        else:
            _save(locked, fields)
            _staff_notify(locked, _officers(locked), str(step.notification), {"reason": text})
        return locked


# --- staff notices and the tick -------------------------------------------------------------


def _officers(rectification: Rectification) -> list[Any]:
    if rectification.department_id is None:
        return _supervisors(rectification)
    roles = accounts_selectors.role_holders(
        role=StaffRole.Role.DEPARTMENT_OFFICER,
        departments=[rectification.department_id],
        region_wide=True,
    )
    return _users(roles, rectification.region_id)


def _supervisors(rectification: Rectification) -> list[Any]:
    roles = accounts_selectors.role_holders(role=StaffRole.Role.SUPERVISOR)
    return _users(roles, rectification.region_id)


def _users(roles: Iterable[StaffRole], region: str) -> list[Any]:
    users: dict[int, Any] = {}
    for role in roles:
        if region_covers(role.region_id, region) and role.user.is_active:
            users.setdefault(role.user_id, role.user)
    return list(users.values())


def _staff_notify(
    rectification: Rectification,
    users: list[Any],
    template: str,
    extra: dict[str, Any] | None = None,
) -> int:
    from onestop.notify import services as notify_services

    for user in users:
        language = notify_services.recipient_language(user)
        notify_services.notification_send(
            template=template,
            context={
                "number": rectification.review.event_ref,
                "due": dates.date_text(rectification.due_date, language),
                "callback_due": dates.date_text(rectification.callback_due, language),
                **(extra or {}),
            },
            recipient_user=user,
            channels=("in_app",),
            dedupe_key=f"{template}:{rectification.pk}:{rectification.version}:{user.pk}"[:200],
        )
    return len(users)


def _warn_threshold(rectification: Rectification, today: datetime.date) -> bool:
    opened = timezone.localdate(rectification.opened_at)
    total = max(1, calendar.working_days_between(opened, rectification.due_date))
    used = calendar.working_days_between(opened, today)
    return used >= WARN_FRACTION * total


def tick(*, now: datetime.datetime | None = None) -> dict[str, list[int]]:
    """Once each: escalate a missed call-back to the supervisors, warn the department at 80 %
    of the limit, and escalate an overdue rectification to the region's supervisors. Returns
    the rectification ids touched per kind. Rectifications under appeal wait for the decision."""
    moment = now or _now()
    today = timezone.localdate(moment)
    touched: dict[str, list[int]] = {"callback": [], "warned": [], "escalated": []}
    running = Rectification.objects.filter(status__in=transitions.RUNNING).select_related(
        "review", "department"
    )
    for row in running.filter(status=S.OPEN, callback_due__lt=today, callback_escalated_at=None):
        with transaction.atomic():
            locked = _locked(row)
            if locked.status != S.OPEN or locked.callback_escalated_at is not None:
                continue
            locked.callback_escalated_at = moment
            locked.save(update_fields=["callback_escalated_at", "updated_at"])
            _staff_notify(
                locked, [*_officers(locked), *_supervisors(locked)], "reviews.callback_overdue"
            )
            touched["callback"].append(locked.pk)
    for row in running.filter(due_date__lt=today, escalated_at=None):
        with transaction.atomic():
            locked = _locked(row)
            if locked.status not in transitions.RUNNING or locked.escalated_at is not None:
                continue
            locked.escalated_at = moment
            locked.save(update_fields=["escalated_at", "updated_at"])
            _staff_notify(locked, _supervisors(locked), "reviews.escalated")
            touched["escalated"].append(locked.pk)
    for row in running.filter(due_date__gte=today, warned_at=None):
        if not _warn_threshold(row, today):
            continue
        with transaction.atomic():
            locked = _locked(row)
            if locked.status not in transitions.RUNNING or locked.warned_at is not None:
                continue
            locked.warned_at = moment
            locked.save(update_fields=["warned_at", "updated_at"])
            _staff_notify(locked, _officers(locked), "reviews.warned")
            touched["warned"].append(locked.pk)
    return touched


# --- public figures -------------------------------------------------------------------------


def stats_refresh(*, days: int = 366, now: datetime.datetime | None = None) -> int:
    """Recompute the public figures (`DailyStat`) of the last `days` days from the current,
    not voided reviews: per day (local), department and item, the number of reviews, of
    satisfied ones (the three upper levels), the sum of levels, the bad ones and the bad ones
    rectified on time (result sent within the limit and accepted, or on time and still
    waiting for the reviewer). The days' rows are replaced in one transaction; returns the
    number of rows written."""
    moment = now or _now()
    first = timezone.localdate(moment) - datetime.timedelta(days=days - 1)
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    bad = Q(level__in=[int(v) for v in BAD_LEVELS])
    on_time = bad & Q(
        rectification__on_time=True,
        rectification__status__in=[S.ACCEPTED, S.RESULT_SENT],
    )
    rows = (
        Review.objects.filter(current=True, voided=False, created_at__gte=start)
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("day", "region_id", "department_id", "item_id")
        .annotate(
            n=Count("id"),
            good=Count("id", filter=~bad),
            total=Sum("level"),
            bad_n=Count("id", filter=bad),
            timely=Count("id", filter=on_time),
        )
        .order_by()
    )
    built = [
        DailyStat(
            day=row["day"],
            region_id=row["region_id"],
            department_id=row["department_id"],
            item_id=row["item_id"],
            reviews=row["n"],
            satisfied=row["good"],
            score_sum=row["total"] or 0,
            bad=row["bad_n"],
            rectified_on_time=row["timely"],
            computed_at=moment,
        )
        for row in rows
    ]
    with transaction.atomic():
        DailyStat.objects.filter(day__gte=first).delete()
        DailyStat.objects.bulk_create(built)
    return len(built)
