"""Shared steps of every write of `cases`: row locks (top case first), the optimistic
version, events, text and idempotency-key checks. Used by the services modules, not exported
from `onestop.cases.services`.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.cases import transitions
from onestop.cases.models import (
    Case,
    CaseEvent,
    CaseMaterial,
)
from onestop.cases.selectors.cases import case_not_found, unique_row
from onestop.core.errors import Conflict, ValidationFailed

logger = logging.getLogger(__name__)

S = Case.Status

Mode = CaseMaterial.Mode

EventKind = CaseEvent.Kind

OPEN_DRAFT = (S.DRAFT, S.NOTICE)

FINAL_ITEM = (S.COMPLETED, S.REJECTED, S.WITHDRAWN)

# Materials the applicant handed over (counted in the burden figures).
HANDED_IN = (Mode.UPLOAD, Mode.PAPER, Mode.PLEDGED)

ONLINE_OK = (Mode.HELD, Mode.LICENCE, Mode.UPLOAD)

WINDOW_OK = (Mode.HELD, Mode.LICENCE, Mode.UPLOAD, Mode.PAPER, Mode.PLEDGED)

MAX_TEXT = 2000

MAX_REASON = 2000

SUPPLEMENT_WORKING_DAYS = 5

# The one-time notice asks for what is missing by this many working days after it is issued
# (the draft it lists stays open until then and after; the date tells the applicant when).
NOTICE_SUPPLY_WORKING_DAYS = 20

# Form values that never go into an e-licence's data.
PRIVATE_FIELD_MARKS = ("id_number", "phone", "bank", "card_number")


def current_time() -> datetime.datetime:
    """The current time (one place, so that tests can move the clock)."""
    return timezone.now()


def actor_user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) is not None else None


def event_record(
    case: Case,
    kind: str,
    *,
    actor: Any = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    at: datetime.datetime | None = None,
) -> CaseEvent:
    event = transitions.event_for(
        case, kind, actor=actor, note=note, data=data, at=at or current_time()
    )
    fields_clean(event)
    event.save()
    return event


def fields_clean(obj: Any, *, exclude: Iterable[str] = ()) -> None:
    """`clean_fields()` without the foreign keys: the services set those from rows they have
    just read (a foreign key's validation is one query per field). Uniqueness is the
    database's constraint."""
    skip = {f.name for f in obj._meta.concrete_fields if f.is_relation} | set(exclude)
    try:
        obj.clean_fields(exclude=list(skip))
    except ValidationError as exc:
        raise ValidationFailed(
            " ".join(exc.messages), details=getattr(exc, "message_dict", None)
        ) from exc


def case_lock(case: Case) -> Case:
    """The case re-read under its row lock (call inside `transaction.atomic`)."""
    row = unique_row(
        Case.objects.select_for_update(of=("self",))
        .select_related("parent", "scenario", "item", "department", "region", "applicant")
        .filter(pk=case.pk)
    )
    if row is None:
        raise case_not_found()
    return row


_RELATED = ("parent", "scenario", "item", "department", "region", "applicant")


def case_lock_keeping(case: Case) -> Case:
    """`case_lock` for a case just read with its related rows (`_cases()`): only its own columns
    are read again under the lock; the related rows `case` holds are carried over where the
    row still points at them (a wide re-read costs about 3 ms of CPU in Django)."""
    row = unique_row(Case.objects.select_for_update().filter(pk=case.pk))
    if row is None:
        raise case_not_found()
    for name in _RELATED:
        field: Any = Case._meta.get_field(name)
        if field.is_cached(case) and getattr(row, field.attname) == getattr(case, field.attname):
            field.set_cached_value(row, field.get_cached_value(case))
    return row


def case_lock_pair(case: Case) -> tuple[Case, Case]:
    """(top, case) locked, top first (the order every writer uses, so no deadlocks)."""
    if case.parent_id is None:
        top = case_lock(case)
        return top, top
    top = case_lock(Case(pk=case.parent_id))
    row = case_lock(case)
    row.parent = top
    return top, row


def case_copy(target: Case, source: Case) -> None:
    """Bring the caller's object up to date with what was saved."""
    for field in Case._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def case_save(case: Case) -> None:
    """Save a changed case (the version goes up). A case handled here for another region's
    node tells that node of a new status, in the same transaction (`federation_status`)."""
    case.version += 1
    if case.is_forwarded_here and case.status != case.remote_status:
        from onestop.cases.services.federation_status import status_publish

        status_publish(case)
    fields_clean(case)
    case.save()


def _required_message(field: str) -> str:
    messages = {
        "reason": _("Give the reason."),
        "applicant": _("Identify the applicant."),
        "applicant_name": _("Give the applicant's name."),
        "note": _("Give a note."),
    }
    return messages.get(field) or _("Fill in every required value.")


def _too_long_message(field: str, limit: int) -> str:
    messages = {
        "reason": _("The reason has at most %(limit)s characters."),
        "applicant": _("The applicant's identifier has at most %(limit)s characters."),
        "applicant_name": _("The applicant's name has at most %(limit)s characters."),
        "note": _("The note has at most %(limit)s characters."),
    }
    return (messages.get(field) or _("A value has at most %(limit)s characters.")) % {
        "limit": limit
    }


def text_clean(value: Any, *, field: str, required: bool, limit: int = MAX_TEXT) -> str:
    """`value` as stripped text; `field` is the stable name of the value ("reason", "note",
    "applicant", "applicant_name") used for the whole-sentence message and in the details."""
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed(_required_message(field), code="required", details={"field": field})
    if len(text) > limit:
        raise ValidationFailed(
            _too_long_message(field, limit), code="too_long", details={"field": field}
        )
    return text


def idempotency_key_clean(value: str | None) -> str | None:
    key = (value or "").strip() or None
    if key is not None and len(key) > 100:
        raise ValidationFailed(
            _("An idempotency key has at most 100 characters."), code="invalid_key"
        )
    return key


def case_replayed(key: str | None, *, actor: Any, case: Case) -> Case | None:
    """The case a key was already used for, if the same actor used it for the same case;
    Conflict if the key belongs to another case or actor; None for a new key."""
    if key is None:
        return None
    existing = unique_row(Case.objects.filter(idempotency_key=key))
    if existing is None:
        return None
    same_actor = actor is not None and (
        existing.applicant_id == getattr(actor, "pk", None)
        or existing.accepted_by_id == getattr(actor, "pk", None)
    )
    if existing.pk != case.pk or not same_actor:
        raise Conflict(
            _("This idempotency key was already used for another request."),
            code="idempotency_key_reused",
        )
    return existing


def version_check(case: Case, expected_version: int | None) -> None:
    if expected_version is None:
        return
    try:
        stale = int(expected_version) != case.version
    except (TypeError, ValueError):
        stale = True
    if stale:
        raise Conflict(
            _("This application was changed elsewhere in the meantime. Reload it and try again."),
            code="stale",
            details={"expected_version": expected_version, "version": case.version},
        )
