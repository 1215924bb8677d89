"""Decisions delivered: e-licences or paper results, bundle completion, collection."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from onestop.cases import hooks, policies, transitions
from onestop.cases.models import Case, CaseEvent, window_ref
from onestop.cases.selectors.cases import children
from onestop.cases.services.common import (
    FINAL_ITEM,
    PRIVATE_FIELD_MARKS,
    EventKind,
    S,
    case_copy,
    case_lock,
    case_not_found,
    case_save,
    current_time,
    event_record,
    logger,
)
from onestop.cases.services.notices import case_notify, case_title, notify_method
from onestop.catalog.models import Item
from onestop.core.errors import Conflict, NotFound, ValidationFailed
from onestop.notify.templates import Bilingual
from onestop.org.selectors import centre_for_department


def _holder_name(holder: Any) -> str:
    """The holder's name from the account (a business: its organisation), not from the form."""
    if getattr(holder, "kind", "") == "business" and getattr(holder, "organisation_name", ""):
        return str(holder.organisation_name)
    return str(getattr(holder, "real_name", "") or getattr(holder, "username", ""))


def _officer_reviewed(case: Case) -> bool:
    """Whether an officer passed the item case's review: the form was checked by a person."""
    return any(
        (event.data or {}).get("review_outcome") == "pass" and event.actor_id is not None
        for event in case.events.filter(kind=EventKind.TASK_COMPLETED)
    )


def licence_subject(case: Case, item: Item, *, holder: Any, allowed: list[str]) -> dict[str, Any]:
    """The credential subject of the e-licence that is `case`'s result.

    The name (and a business's credit code) come from the holder's account, never from the
    form. Of the form, only the licence type's allow-list (`LicenceType.subject_fields`) is
    copied, and each field only when its value is verified: pre-filled from a government
    record and left unchanged, or confirmed by the officer who passed the case's review.
    Free typing alone never reaches a signed licence; nothing else of the form (contacts,
    addresses, household numbers, delivery choices) nor the case number does either.
    """
    top = case.top
    subject: dict[str, Any] = {"name": _holder_name(holder), "item": item.name_zh}
    if getattr(holder, "kind", "") == "business" and getattr(holder, "uscc", ""):
        subject["uscc"] = holder.uscc
    data = top.form_data or {}
    prefill_values = top.prefill_values or {}
    sources = top.prefilled or {}
    reviewed: bool | None = None
    for key in allowed:
        if key in subject or any(mark in key for mark in PRIVATE_FIELD_MARKS):
            continue
        value = data.get(key)
        if value in (None, "") or not isinstance(value, str | int | float):
            continue
        if isinstance(value, bool):
            continue
        verified = key in sources and key in prefill_values and prefill_values[key] == value
        if not verified:
            if reviewed is None:
                reviewed = _officer_reviewed(case)
            if not reviewed:
                continue
        candidate = {**subject, key: value}
        if len(json.dumps(candidate, ensure_ascii=False).encode()) > 1500:
            break
        subject = candidate
    return subject


def _licence_type(key: str) -> Any:
    from onestop.credentials.selectors import licence_type_get

    try:
        return licence_type_get(key=key)
    except NotFound:
        return None


# The catalogue's answers to "How to receive the result" (`delivery_method`, a select of the
# item forms), by the words they use.
DELIVERY_WORDS = (
    ("邮", Case.Delivery.POST),
    ("电子", Case.Delivery.WALLET),
    ("窗口", Case.Delivery.WINDOW),
)


def delivery_choice(form_data: dict[str, Any] | None) -> str:
    """The applicant's choice of delivery on the form ("" when the form does not ask)."""
    answer = str((form_data or {}).get("delivery_method") or "")
    for word, delivery in DELIVERY_WORDS:
        if word in answer:
            return delivery
    return ""


def collection_window(case: Case) -> Any:
    """The window that hands the item's paper result over: one of its department's own windows
    at a centre of its region, else a comprehensive window there (None without a centre)."""
    if case.department is None:
        return None
    for _centre, windows in centre_for_department(department=case.department):
        own = [w for w in windows if not w.comprehensive]
        return (own or windows)[0]
    return None


def _delivery(case: Case, top: Case, credential: Any) -> str:
    """Where the approved item's result goes: the applicant's choice when the item can honour
    it; an e-licence choice without an e-licence (or no choice at all) goes to the wallet
    when there is a licence, else to the window."""
    received = (top.remote_item or {}) if top.is_forwarded_here else {}
    if received.get("delivery") == Case.Delivery.WINDOW:
        return Case.Delivery.WINDOW  # at the window of the node that received it
    if received.get("delivery") == Case.Delivery.WALLET:
        return Case.Delivery.WALLET if credential is not None else Case.Delivery.WINDOW
    chosen = delivery_choice(top.form_data)
    if chosen in (Case.Delivery.POST, Case.Delivery.WINDOW):
        return chosen
    return Case.Delivery.WALLET if credential is not None else Case.Delivery.WINDOW


def case_deliver(case: Case, *, top: Case, now: datetime.datetime, events: list[CaseEvent]) -> None:
    """Deliver the decided item case in memory (the caller saves it): an e-licence issued to
    the applicant's account when the item's result is a licence type this node knows, else a
    paper result; a refusal ends as REJECTED. The DELIVERED event is appended to `events`."""
    from onestop.credentials.services import credential_issue_for_case

    item = case.item
    assert item is not None  # noqa: S101 - an item case always has its item
    if case.decision == "approve":
        licence_key = str((item.result or {}).get("e_licence") or "")
        holder = top.applicant if top.applicant_id else None
        credential = None
        licence_type = _licence_type(licence_key) if licence_key and holder else None
        if licence_type is not None and holder is not None:
            try:
                credential = credential_issue_for_case(
                    licence_type=licence_type,
                    holder=holder,
                    subject=licence_subject(
                        case, item, holder=holder, allowed=list(licence_type.subject_fields)
                    ),
                    case_number=str(case.number),
                    valid_from=now,
                )
            except ValidationFailed:
                logger.warning("case %s: e-licence %s not issued", case.number, licence_key)
        if credential is not None:
            case.result_kind = Case.ResultKind.LICENCE
            case.credential = credential
        else:
            case.result_kind = Case.ResultKind.PAPER
        case.delivery = _delivery(case, top, credential)
        if case.delivery == Case.Delivery.WINDOW and not (top.remote_item or {}).get("channel"):
            case.delivery_window = collection_window(case)  # else the receiving node's window
        transitions.step(case, "deliver", write_event=False)
    else:
        transitions.step(case, "refuse", write_event=False)
    case.completed_at = now
    case.task_name = ""
    case.task_lane = ""
    events.append(
        transitions.event_for(
            case,
            EventKind.DELIVERED,
            data={
                "result": case.result_kind or "rejected",
                "credential": str(case.credential_id) if case.credential_id else None,
                "delivery": case.delivery,
                "window": window_ref(case.delivery_window),
            },
            at=now,
        )
    )


def bundle_complete(top: Case, statuses: list[str], *, now: datetime.datetime) -> bool:
    """Complete the bundle `top` in memory when every item case (`statuses`) is final (the
    caller saves it and writes the COMPLETED event). True when it completed."""
    if top.kind != Case.Kind.BUNDLE or top.status in (S.COMPLETED, S.WITHDRAWN):
        return False
    if not statuses or any(s not in FINAL_ITEM for s in statuses):
        return False
    transitions.step(top, "complete", write_event=False)
    top.completed_at = now
    top.task_name = ""
    top.task_lane = ""
    return True


def delivered_notify(top: Case, item_cases: list[Case]) -> None:
    """The one "delivered" message of an application whose every item is final; the
    listeners of `cases.hooks` (the invitation to rate it) hear of it in the same transaction."""
    case_notify(
        top,
        "case.delivered",
        {
            "number": top.number,
            "item": Bilingual.of(lambda lang: case_title(top, lang)),
            "method": Bilingual.of(lambda lang: notify_method(top, item_cases, lang)),
        },
        dedupe="case.delivered",
    )
    hooks.case_finished(top)


def completion_check(top: Case, *, now: datetime.datetime) -> None:
    """A bundle whose item cases are all final completes, and the applicant is told once."""
    if top.kind == Case.Kind.BUNDLE:
        statuses = list(top.children.values_list("status", flat=True))
        if not bundle_complete(top, statuses, now=now):
            return
        case_save(top)
        event_record(top, EventKind.COMPLETED, at=now)
    delivered_notify(top, children(case=top))


def result_collect(*, actor: Any, case: Case) -> Case:
    """A clerk hands over paper results at the window: the item case's, or — for a bundle —
    every paper result not yet collected, in one visit."""
    with transaction.atomic():
        top = case_lock(case.top)
        if not policies.can(actor, policies.Action.RESULT_COLLECT, top):
            raise case_not_found()
        if case.pk == top.pk:
            targets = (
                [top]
                if top.kind == Case.Kind.ITEM
                else list(Case.objects.select_for_update().filter(parent=top).order_by("number"))
            )
        else:
            targets = [case_lock(case)]
        targets = [
            c
            for c in targets
            if c.result_kind == Case.ResultKind.PAPER
            and c.delivery != Case.Delivery.POST
            and c.result_collected_at is None
        ]
        if not targets:
            raise Conflict(_("There is no paper result to collect."), code="nothing_to_collect")
        now = current_time()
        for target in targets:
            target.result_collected_at = now
            if target.pk != top.pk:
                case_save(target)
            event_record(target, EventKind.COLLECTED, actor=actor, at=now)
        top.visits += 1
        if top.kind == Case.Kind.ITEM:
            top.result_collected_at = now
        case_save(top)
    case_copy(case, top if case.pk == top.pk else targets[0])
    return case


MAX_TRACKING = 40


def result_post(*, actor: Any, case: Case, tracking_number: str) -> Case:
    """The paper result of an item case the applicant wanted by post is sent: the clerk records
    the postal tracking number; the timeline and the applicant (once) are told."""
    tracking_number = " ".join((tracking_number or "").split())
    if not tracking_number:
        raise ValidationFailed(_("Enter the postal tracking number."), code="no_tracking_number")
    if len(tracking_number) > MAX_TRACKING:
        raise ValidationFailed(
            _("A tracking number has at most %(n)d characters.") % {"n": MAX_TRACKING},
            code="invalid_tracking_number",
        )
    with transaction.atomic():
        top = case_lock(case.top)
        if not policies.can(actor, policies.Action.RESULT_COLLECT, top):
            raise case_not_found()
        target = top if case.pk == top.pk else case_lock(case)
        if target.delivery != Case.Delivery.POST or target.status not in FINAL_ITEM:
            raise Conflict(_("This result is not to be sent by post."), code="not_by_post")
        if target.tracking_number:
            raise Conflict(_("This result has been posted already."), code="already_posted")
        now = current_time()
        target.tracking_number = tracking_number
        case_save(target)
        event_record(
            target,
            EventKind.POSTED,
            actor=actor,
            data={"tracking_number": tracking_number},
            at=now,
        )
        case_notify(
            target,
            "case.posted",
            {
                "number": target.number,
                "item": Bilingual.of(lambda lang: case_title(target, lang)),
                "tracking_number": tracking_number,
            },
            dedupe=f"case.posted:{target.pk}",
        )
    case_copy(case, target)
    return case
