"""Submission: an online draft checked and accepted; the fan-out into item cases and
their processes (shared with window acceptance).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onestop.accounts import services as accounts_services
from onestop.cases import clock, facts, policies, transitions
from onestop.cases.models import Case, CaseEvent, CaseMaterial
from onestop.cases.provenance import form_provenance
from onestop.cases.selectors.cases import children, children_keep
from onestop.cases.selectors.items import case_form_schema, process_keys_for, selected_items
from onestop.cases.services import forwarding_joint
from onestop.cases.services.common import (
    FINAL_ITEM,
    HANDED_IN,
    ONLINE_OK,
    OPEN_DRAFT,
    EventKind,
    S,
    actor_user,
    case_copy,
    case_lock_keeping,
    case_not_found,
    case_replayed,
    case_save,
    current_time,
    fields_clean,
    idempotency_key_clean,
)
from onestop.cases.services.delivery import bundle_complete, delivered_notify
from onestop.cases.services.engine_sync import engine_follow
from onestop.cases.services.forms import form_fields_typed, form_missing_fields, form_unanswered
from onestop.cases.services.materials import required_materials_missing, top_materials
from onestop.cases.services.notices import case_notify, case_title
from onestop.cases.services.numbering import numbers_allocate
from onestop.catalog.models import Item
from onestop.core.errors import Conflict, NotFound, ValidationFailed
from onestop.notify.templates import Bilingual
from onestop.workflow import services as workflow_services
from onestop.workflow.engine import ProcessView


def _processes_start(
    item_cases: list[tuple[Case, Item]],
    found_facts: dict[str, dict[str, Any]],
    *,
    actor: Any,
    now: datetime.datetime,
    keys: dict[str, tuple[str, bool]] | None = None,
) -> list[ProcessView]:
    """Start every item case's process at once (one query for the process keys, a fixed few
    for the engine's rows); each item case's view of its workflow as the engine left it."""
    if keys is None:
        keys = process_keys_for(items=[item for _c, item in item_cases])
    starts = [
        (
            keys[item.code][0],
            str(item_case.number),
            facts.process_data(
                case=item_case, item=item, facts=found_facts.get(item.code), start=now
            ),
        )
        for item_case, item in item_cases
    ]
    try:
        started = workflow_services.instances_start(starts=starts, actor=actor)
    except NotFound as exc:
        names = "、".join(item.name_zh for _c, item in item_cases)
        raise ValidationFailed(
            _("The process of the item %(item)s is not available; try again later.")
            % {"item": names},
            code="no_process",
        ) from exc
    return [view for _instance, view in started]


def _item_case(
    top: Case, item: Item, number: str, *, accepted_by: Any, now: datetime.datetime
) -> Case:
    """An item case of the bundle `top`, unsaved, still a draft (the fan-out accepts it)."""
    child = Case(
        kind=Case.Kind.ITEM,
        parent=top,
        item=item,
        region_id=top.region_id,
        department_id=item.implementing_department_id,
        channel=top.channel,
        status=S.DRAFT,
        applicant=top.applicant,
        applicant_index=top.applicant_index,
        applicant_name=top.applicant_name,
        applicant_id_masked=top.applicant_id_masked,
        contact_phone=top.contact_phone,
        number=number,
        accepted_at=now,
        accepted_by=actor_user(accepted_by),
        window=top.window,
        submitted_at=now,
        promised_days=item.promised_days,
        due_date=clock.due_date_for(
            start=timezone.localdate(now), promised_days=int(item.promised_days)
        ),
        created_at=now,
    )
    department: Any = Item._meta.get_field("implementing_department")
    if department.is_cached(item):  # read with the item: its delivery needs no query for it
        child.department = department.get_cached_value(item)
    return child


def accept_submitted(
    *,
    actor: Any,
    top: Case,
    found_facts: dict[str, dict[str, Any]],
    idempotency_key: str | None,
    accepted_by: Any,
    window: Any = None,
    items: list[Item] | None = None,
    processes: dict[str, tuple[str, bool]] | None = None,
    materials: list[CaseMaterial] | None = None,
    declaration: str = "",
    remote: list[tuple[Any, dict[str, Any]]] | None = None,
) -> Case:
    """Number the locked top case, fan it out into item cases, start each item's process and
    follow it (auto-decided items are decided and delivered at once); events, and one
    "case.submitted" notification. Inside the caller's transaction.

    A fixed number of queries whatever the number of items and materials: the numbers are
    allocated in one go, the item cases, processes and events are inserted in bulk, and each
    item case takes its waiting task from the workflow the engine just ran (no restore)."""
    now = current_time()
    today = timezone.localdate(now)
    items = selected_items(case=top) if items is None else items
    if not items:
        raise ValidationFailed(_("Your answers leave no item to apply for."), code="no_items")
    schema = case_form_schema(case=top, items=items)
    region = str(top.region_id)
    bundle = top.kind == Case.Kind.BUNDLE
    # a joint scenario's items of other regions (described by the caller before its lock)
    described = remote if remote is not None else forwarding_joint.remote_items_describe(top)
    numbers = numbers_allocate(region, now, 1 + len(items) if bundle else 1)
    online = top.channel == Case.Channel.ONLINE
    transitions.step(top, "submit" if online else "accept", write_event=False)
    top.number = numbers[0]
    top.submitted_at, top.accepted_at = top.submitted_at or now, now
    top.accepted_by, top.window = actor_user(accepted_by), window
    top.idempotency_key = idempotency_key
    top.fields_typed = min(form_fields_typed(top, schema), 32767)
    top.form_provenance = form_provenance(top)
    top.materials_submitted = _handed_in(top, materials)
    item_cases: list[tuple[Case, Item]] = []
    events: list[CaseEvent] = []
    if online:
        events.append(
            transitions.event_for(
                top,
                EventKind.SUBMITTED,
                actor=actor,
                at=now,
                data={"declaration": declaration} if declaration else None,
            )
        )
    events.append(
        transitions.event_for(
            top,
            EventKind.ACCEPTED,
            actor=accepted_by,
            at=now,
            data={"items": [i.code for i in items], "number": top.number},
        )
    )
    if bundle:
        for item, number in zip(items, numbers[1:], strict=True):
            child = _item_case(top, item, number, accepted_by=accepted_by, now=now)
            transitions.step(child, "fan_out", write_event=False)
            events.append(
                transitions.event_for(child, EventKind.ACCEPTED, actor=accepted_by, at=now)
            )
            item_cases.append((child, item))
        top.promised_days = max(int(i.promised_days) for i in items)
        top.due_date = max(c.due_date for c, _i in item_cases if c.due_date is not None)
    else:
        item = items[0]
        top.department_id = item.implementing_department_id
        top.promised_days = item.promised_days
        top.due_date = clock.due_date_for(start=today, promised_days=int(item.promised_days))
        item_cases.append((top, item))
    _told_submitted(top)
    views = _processes_start(item_cases, found_facts, actor=actor, now=now, keys=processes)
    for (item_case, _item), view in zip(item_cases, views, strict=True):
        engine_follow(item_case, view, actor=None, top=top, events=events)
    cases = [c for c, _i in item_cases]
    # the other regions' items (forwarded with the item cases below) are not final yet
    completed = bundle_complete(
        top, [str(c.status) for c in cases] + [str(S.FORWARDED)] * len(described), now=now
    )
    if completed:
        events.append(transitions.event_for(top, EventKind.COMPLETED, at=now))
    case_save(top)
    if bundle:
        _children_insert(top, cases, described, actor=actor, now=now)
    CaseEvent.objects.bulk_create(events)
    _tell_delivered(top, cases, delivered=completed or (not bundle and top.status in FINAL_ITEM))
    return top


def _children_insert(
    top: Case,
    cases: list[Case],
    described: list[tuple[Any, dict[str, Any]]],
    *,
    actor: Any,
    now: datetime.datetime,
) -> None:
    """The bundle's item cases in one insert, then its items of other regions forwarded
    (`forwarding_joint`); kept on `top` for the caller's answer."""
    for child in cases:
        fields_clean(child)
    Case.objects.bulk_create(cases)
    children_keep(top, cases)
    forwarding_joint.joint_fan_out(top, described, actor=actor, now=now)


def _handed_in(top: Case, materials: list[CaseMaterial] | None) -> int:
    """How many materials the applicant handed in (`materials`: the checks' own read)."""
    held = top_materials(top) if materials is None else materials
    return sum(1 for m in held if m.mode in HANDED_IN)


def _tell_delivered(top: Case, cases: list[Case], *, delivered: bool) -> None:
    """An application decided and delivered at once (auto-approval) is told so, once."""
    if delivered:
        delivered_notify(top, cases)


def _told_submitted(top: Case) -> None:
    """Told "submitted" first: what the processes decide or issue at once is told after it."""
    case_notify(
        top,
        "case.submitted",
        {"item": Bilingual.of(lambda lang: case_title(top, lang)), "number": top.number},
        dedupe="case.submitted",
    )


def submission_checks(
    case: Case, allowed_modes: Iterable[str], items: list[Item] | None = None
) -> list[CaseMaterial]:
    """ValidationFailed unless every question is answered, every required field filled and
    every required material held in an allowed mode; the top case's materials, as read."""
    unanswered = form_unanswered(case)
    if unanswered:
        raise ValidationFailed(
            _("Answer every question first."),
            code="answers_missing",
            details={"answers": unanswered},
        )
    fields = form_missing_fields(case, case_form_schema(case=case, items=items))
    held = top_materials(case)
    materials = required_materials_missing(case, allowed_modes, held)
    if fields:
        raise ValidationFailed(
            _("Some required fields are empty."),
            code="fields_missing",
            details={"fields": fields, "materials": materials},
        )
    if materials:
        raise ValidationFailed(
            _("Some required materials are missing."),
            code="materials_missing",
            details={"materials": materials, "fields": fields},
        )
    return held


def _submitted_before(actor: Any, case: Case, top: Case, key: str | None) -> Case:
    """A submission of a case that is no longer a draft: its applicant retrying with the
    same key (or none) gets the case; anybody else a Conflict, or NotFound if they may not
    see it."""
    if policies.is_applicant(actor, top) and (key is None or key == top.idempotency_key):
        return case
    raise (
        case_not_found()
        if not policies.can_view(actor, top)
        else Conflict(_("This application has already been submitted."), code="already_submitted")
    )


# The applicant's pledge (承诺) before submitting, in the national wording: the portal shows
# it above its tick box, the API gives it with the draft and asks for `declaration: true`.
DECLARATION = gettext_lazy(
    "I promise that the information I have filled in and the materials I have submitted are "
    "true, accurate, complete and valid. If anything is false, I accept the legal "
    "responsibility for it."
)


def case_submit(
    *, actor: Any, case: Case, idempotency_key: str | None = None, declaration: str = ""
) -> Case:
    """Submit an online draft: every question answered, every required field filled and every
    required material held, verified or uploaded — else ValidationFailed and nothing changes.
    Then acceptance (`accept_submitted`); `declaration`, the pledge (承诺) the applicant ticked
    as it was shown to them, is kept on the "submitted" event. A retry with the same key by the
    same actor returns the same case and creates nothing; the key used for another case or by
    another actor → Conflict."""
    key = idempotency_key_clean(idempotency_key)
    replay = case_replayed(key, actor=actor, case=case)
    if replay is not None:
        case_copy(case, replay)
        return case
    top = case.top
    if top.status not in OPEN_DRAFT:
        return _submitted_before(actor, case, top, key)
    # The draft as the caller read it (the API and the portal read it in this request, with
    # its related rows): not read again here. What it says is checked again under the lock
    # below, where a concurrent submission (a double click) or a changed version is seen.
    if not policies.can_edit_draft(actor, top):
        raise case_not_found()
    draft = top
    if draft.channel != Case.Channel.ONLINE:
        raise Conflict(
            _("An application started at the window is accepted at the window."),
            code="window_draft",
        )
    items = selected_items(case=draft)
    submission_checks(draft, ONLINE_OK, items)
    remote = forwarding_joint.remote_items_describe(draft)  # joint scenario: before the lock
    processes = process_keys_for(items=items)
    found_facts = facts.collect(actor=actor, case=draft, items=items, processes=processes)
    try:
        with transaction.atomic():
            locked = case_lock_keeping(draft)
            if locked.status not in OPEN_DRAFT:
                # A concurrent submission (a double click, a retry) got here first.
                case_copy(top, locked)
                return _submitted_before(actor, case, top, key)
            if locked.version != draft.version:  # answers changed meanwhile: look again
                items = selected_items(case=locked)
                processes = process_keys_for(items=items)
                remote = forwarding_joint.remote_items_describe(locked)
            materials = submission_checks(locked, ONLINE_OK, items)
            accept_submitted(
                processes=processes,
                materials=materials,
                actor=actor,
                top=locked,
                found_facts=found_facts,
                idempotency_key=key,
                accepted_by=None,
                items=items,
                declaration=declaration[:500],
                remote=remote,
            )
            agent = getattr(actor, "acting_agent", None)
            if agent is not None:  # a helper submitted for the applicant (帮办代办)
                locked.agent = agent
                Case.objects.filter(pk=locked.pk).update(agent=agent)
                accounts_services.delegation_used(actor=actor, reference=locked.number or "")
    except IntegrityError:
        if key is not None:
            existing = Case.objects.filter(idempotency_key=key).first()
            if existing is not None and existing.pk == draft.pk:
                case_copy(case, existing)
                return case
        raise
    case_copy(case, locked)
    if locked.kind == Case.Kind.BUNDLE:
        children_keep(case, children(case=locked))  # as written: the answer reads none back
    return case
