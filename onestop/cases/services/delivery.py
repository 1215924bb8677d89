"""Decisions delivered: e-licences or paper results, bundle completion, collection."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from onestop.cases import policies, transitions
from onestop.cases.models import Case, CaseEvent
from onestop.cases.selectors.cases import children
from onestop.cases.services.common import (
    FINAL_ITEM,
    PRIVATE_FIELD_MARKS,
    EventKind,
    S,
    _copy,
    _event,
    _lock,
    _not_found,
    case_save,
    current_time,
    logger,
)
from onestop.cases.services.notices import _method, _notify, _title
from onestop.catalog.models import Item
from onestop.core.errors import Conflict, NotFound, ValidationFailed


def _licence_subject(case: Case, item: Item) -> dict[str, Any]:
    top = case.top
    subject: dict[str, Any] = {"name": top.applicant_name, "item": item.name_zh}
    for key, value in (top.form_data or {}).items():
        if any(mark in key for mark in PRIVATE_FIELD_MARKS):
            continue
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            continue
        candidate = {**subject, key: value}
        if len(json.dumps(candidate, ensure_ascii=False).encode()) > 1500:
            break
        subject = candidate
    return subject


def _licence_type_known(key: str) -> bool:
    from onestop.credentials.selectors import licence_type_get

    try:
        licence_type_get(key=key)
    except NotFound:
        return False
    return True


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
        if licence_key and holder is not None and _licence_type_known(licence_key):
            try:
                credential = credential_issue_for_case(
                    licence_type=licence_key,
                    holder=holder,
                    subject=_licence_subject(case, item),
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
    """The one "delivered" message of an application whose every item is final."""
    _notify(
        top,
        "case.delivered",
        {"number": top.number, "item": _title(top), "method": _method(top, item_cases)},
        dedupe="case.delivered",
    )


def completion_check(top: Case, *, now: datetime.datetime) -> None:
    """A bundle whose item cases are all final completes, and the applicant is told once."""
    if top.kind == Case.Kind.BUNDLE:
        statuses = list(top.children.values_list("status", flat=True))
        if not bundle_complete(top, statuses, now=now):
            return
        case_save(top)
        _event(top, EventKind.COMPLETED, at=now)
    delivered_notify(top, children(case=top))


def result_collect(*, actor: Any, case: Case) -> Case:
    """A clerk hands over paper results at the window: the item case's, or — for a bundle —
    every paper result not yet collected, in one visit."""
    with transaction.atomic():
        top = _lock(case.top)
        if not policies.can(actor, policies.Action.RESULT_COLLECT, top):
            raise _not_found()
        if case.pk == top.pk:
            targets = (
                [top]
                if top.kind == Case.Kind.ITEM
                else list(Case.objects.select_for_update().filter(parent=top).order_by("number"))
            )
        else:
            targets = [_lock(case)]
        targets = [
            c
            for c in targets
            if c.result_kind == Case.ResultKind.PAPER and c.result_collected_at is None
        ]
        if not targets:
            raise Conflict(_("There is no paper result to collect."), code="nothing_to_collect")
        now = current_time()
        for target in targets:
            target.result_collected_at = now
            if target.pk != top.pk:
                case_save(target)
            _event(target, EventKind.COLLECTED, actor=actor, at=now)
        top.visits += 1
        if top.kind == Case.Kind.ITEM:
            top.result_collected_at = now
        case_save(top)
    _copy(case, top if case.pk == top.pk else targets[0])
    return case
