"""Writes of `cases`: drafts, submission and window acceptance, the officers' steps, supplements,
delivery, collection and withdrawal. Every public function is keyword-only.

Every write runs in `transaction.atomic` holding the row lock of the top case (and of the item
case it changes), checks the policy against the locked rows, and leaves nothing half-done when a
check fails. Shared-data fetches (pre-fill, the verified facts of auto-decided items) happen
before the transaction: every fetch is recorded by `sharing`, refusals included.

After every engine step the item case is synchronised from its process (`_sync`): the waiting
task (`task_name`, `task_lane`), the decision, and the delivery — an e-licence issued through
`credentials` to the applicant's account when the item's result is an e-licence type this node
knows, otherwise a paper result to collect at the window. A bundle completes when every item
case is final, and the applicant is notified once.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import math
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from SpiffWorkflow.util.task import TaskState

from onestop.cases import clock, facts, policies, selectors
from onestop.cases.models import (
    Case,
    CaseCounter,
    CaseDocument,
    CaseEvent,
    CaseMaterial,
    Supplement,
)
from onestop.catalog.models import Item, Material
from onestop.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onestop.ledger.canonical import canonical_json
from onestop.sharing import selectors as sharing_selectors
from onestop.workflow import engine
from onestop.workflow import selectors as workflow_selectors
from onestop.workflow import services as workflow_services
from onestop.workflow.models import ProcessInstance

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
# Form values that never go into an e-licence's data.
PRIVATE_FIELD_MARKS = ("id_number", "phone", "bank", "card_number")


def _now() -> datetime.datetime:
    """The current time (one place, so that tests can move the clock)."""
    return timezone.now()


# --- small helpers ------------------------------------------------------------------------------


def _full_clean(obj: Any, *, exclude: Iterable[str] = ()) -> None:
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        raise ValidationFailed(
            " ".join(exc.messages), details=getattr(exc, "message_dict", None)
        ) from exc


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) is not None else None


def _event(
    case: Case,
    kind: str,
    *,
    actor: Any = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    at: datetime.datetime | None = None,
) -> CaseEvent:
    event = CaseEvent(
        case=case, kind=kind, actor=_user(actor), note=note, data=data or {}, at=at or _now()
    )
    event.full_clean()
    event.save()
    return event


def _not_found() -> NotFound:
    return NotFound(_("There is no case with this number that you may see."), code="case_not_found")


def _lock(case: Case) -> Case:
    """The case re-read under its row lock (call inside `transaction.atomic`)."""
    row = (
        Case.objects.select_for_update(of=("self",))
        .select_related("parent", "scenario", "item", "department", "region", "applicant")
        .filter(pk=case.pk)
        .first()
    )
    if row is None:
        raise _not_found()
    return row


def _lock_pair(case: Case) -> tuple[Case, Case]:
    """(top, case) locked, top first (the order every writer uses, so no deadlocks)."""
    if case.parent_id is None:
        top = _lock(case)
        return top, top
    top = _lock(Case(pk=case.parent_id))
    row = _lock(case)
    row.parent = top
    return top, row


def _copy(target: Case, source: Case) -> None:
    """Bring the caller's object up to date with what was saved."""
    for field in Case._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def _save(case: Case) -> None:
    case.version += 1
    _full_clean(case, exclude=["idempotency_key"])
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


def _text(value: Any, *, field: str, required: bool, limit: int = MAX_TEXT) -> str:
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


def _idempotency_key(value: str | None) -> str | None:
    key = (value or "").strip() or None
    if key is not None and len(key) > 100:
        raise ValidationFailed(
            _("An idempotency key has at most 100 characters."), code="invalid_key"
        )
    return key


def _replayed(key: str | None, *, actor: Any, case: Case) -> Case | None:
    """The case a key was already used for, if the same actor used it for the same case;
    Conflict if the key belongs to another case or actor; None for a new key."""
    if key is None:
        return None
    existing = Case.objects.filter(idempotency_key=key).first()
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


def _applicant_identity(user: Any) -> tuple[str, str, str]:
    """(subject index, display name, masked ID) of an applicant account."""
    index = sharing_selectors.subject_index_of(user) or ""
    name = (
        getattr(user, "organisation_name", "")
        or getattr(user, "real_name", "")
        or getattr(user, "username", "")
    )
    masked = getattr(user, "resident_id_masked", "") or ""
    uscc = getattr(user, "uscc", "") or ""
    if uscc and not masked:
        masked = f"{uscc[:4]}**********{uscc[-4:]}"
    return index, str(name)[:200], masked[:30]


def _allocate_number(region: str, moment: datetime.datetime) -> str:
    """``<region>-<yyyymmdd>-<5-digit seq>`` of the node's local day. Call inside a
    transaction: the counter row stays locked until it commits."""
    day = timezone.localdate(moment)
    CaseCounter.objects.get_or_create(region=region, day=day)
    counter = CaseCounter.objects.select_for_update().get(region=region, day=day)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{region}-{day:%Y%m%d}-{counter.last:05d}"


def _recipient_language(case: Case) -> str:
    """The language of the applicant's notifications (notify's choice for the account; the
    node's default for an SMS to a walk-in's phone)."""
    from onestop.notify.services import _language

    return _language(case.top.applicant if case.top.applicant_id is not None else None)


def _name(obj: Any, language: str) -> str:
    english = str(getattr(obj, "name_en", "") or "")
    return english if language.startswith("en") and english else str(obj.name_zh)


def _title(case: Case, language: str | None = None) -> str:
    """The item's (or scenario's) name in `language` (Chinese when there is no English one);
    by default in the applicant's notification language."""
    language = language or _recipient_language(case)
    top = case.top
    if case.item_id and case.item is not None:
        return _name(case.item, language)
    if top.scenario is not None:
        return _name(top.scenario, language)
    return _name(top.item, language) if top.item is not None else ""


def _notify(case: Case, template: str, context: dict[str, Any], *, dedupe: str) -> None:
    """One message to the applicant: in-app to the account, else an SMS to the contact phone,
    else nothing. Inside the caller's transaction (rolled back with it)."""
    from onestop.notify import services as notify_services

    top = case.top
    if top.applicant_id is not None:
        channels: tuple[str, ...] = ("in_app",)
        recipient, phone = top.applicant, None
    elif top.contact_phone:
        channels, recipient, phone = ("sms",), None, top.contact_phone
    else:
        return
    notify_services.notification_send(
        template=template,
        context=context,
        recipient_user=recipient,
        recipient_phone=phone,
        channels=channels,
        dedupe_key=f"{dedupe}:{top.pk}"[:200],
    )


# --- form and answers ---------------------------------------------------------------------------


def _clean_answers(case: Case, answers: Any) -> dict[str, str]:
    if answers in (None, {}):
        return {}
    if not isinstance(answers, dict):
        raise ValidationFailed(_("The answers must be named values."), code="invalid_answers")
    if case.kind != Case.Kind.BUNDLE or case.scenario is None:
        raise ValidationFailed(
            _("A single item has no questions to answer."), code="invalid_answers"
        )
    questions = {
        str(q.get("key")): {str(o.get("value")) for o in q.get("options", [])}
        for q in case.scenario.variants or []
    }
    errors: dict[str, str] = {}
    clean: dict[str, str] = {}
    for key, value in answers.items():
        if key not in questions:
            errors[str(key)] = _("There is no such question.")
        elif str(value) not in questions[key]:
            errors[str(key)] = _("Choose one of the options.")
        else:
            clean[key] = str(value)
    if errors:
        raise ValidationFailed(
            _("Some answers are not valid."), code="invalid_answers", details={"answers": errors}
        )
    return clean


def _clean_value(prop: dict[str, Any], value: Any) -> Any:  # noqa: PLR0911, PLR0912
    """The value as stored, or raises ValueError with a translated message."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    kind = prop.get("type", "string")
    if "enum" in prop:
        if str(value) not in [str(o) for o in prop["enum"]]:
            raise ValueError(_("Choose one of the options."))
        return str(value)
    if kind == "number":
        if isinstance(value, bool):
            raise ValueError(_("Enter a number."))
        if isinstance(value, int | float):
            return value
        try:
            number = float(str(value).strip())
        except ValueError:
            raise ValueError(_("Enter a number.")) from None
        if not math.isfinite(number):
            raise ValueError(_("Enter a number."))
        return int(number) if number.is_integer() else number
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "yes", "on", "1"):
            return True
        if text in ("false", "no", "off", "0"):
            return False
        raise ValueError(_("Answer yes or no."))
    text = str(value).strip()
    if prop.get("format") == "date":
        try:
            return datetime.date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None
    if len(text) > MAX_TEXT:
        raise ValueError(_("This answer is too long."))
    return text


def _clean_form(schema: dict[str, Any], form_data: Any) -> dict[str, Any]:
    """{key: value or None (clear it)}; unknown keys and wrong types → ValidationFailed."""
    if form_data in (None, {}):
        return {}
    if not isinstance(form_data, dict):
        raise ValidationFailed(_("The form must be named values."), code="invalid_form")
    properties = schema.get("properties") or {}
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for key, value in form_data.items():
        prop = properties.get(key)
        if prop is None:
            errors[str(key)] = _("This form has no such field.")
            continue
        try:
            clean[key] = _clean_value(prop, value)
        except ValueError as exc:
            errors[str(key)] = str(exc)
    if errors:
        raise ValidationFailed(
            _("Some answers are not valid."), code="invalid_form", details={"fields": errors}
        )
    return clean


def _missing_fields(case: Case, schema: dict[str, Any] | None = None) -> list[str]:
    schema = schema or selectors.case_form_schema(case=case)
    data = case.form_data or {}
    return [k for k in schema.get("required", []) if data.get(k) in (None, "")]


def _unanswered(case: Case) -> list[str]:
    if case.kind != Case.Kind.BUNDLE or case.scenario is None:
        return []
    answers = case.variant_answers or {}
    return [
        str(q.get("key")) for q in case.scenario.variants or [] if str(q.get("key")) not in answers
    ]


def _fields_typed(case: Case, schema: dict[str, Any]) -> int:
    data = case.form_data or {}
    prefilled = case.prefill_values or {}
    count = 0
    for key in schema.get("properties", {}):
        value = data.get(key)
        if value in (None, ""):
            continue
        if key not in prefilled or prefilled[key] != value:
            count += 1
    return count


# --- materials ------------------------------------------------------------------------------------


def _source(material: Material, status: str) -> str:
    if status == "licence":
        return f"licence:{material.source_licence}"
    if status == "held":
        if material.source_type == Material.Source.GENERATED:
            return "generated"
        return f"dataset:{material.source_dataset}"[:80]
    return ""


def _materials_rebuild(case: Case) -> None:
    """(Re)build the top case's materials for the selected items. Uploads, papers checked at
    the window and pledges are kept while their key still applies; the rest is recomputed from
    `sharing.selectors.materials_status` for the applicant's account (none at the window
    without one: everything but generated papers is then to hand in)."""
    top = case.top
    items = selectors.selected_items(case=top)
    materials = selectors.item_materials(items=items)
    applicant = top.applicant if top.applicant_id else None
    statuses = sharing_selectors.materials_status(actor=applicant, materials=materials)
    merged: dict[str, dict[str, Any]] = {}
    for material, status_row in zip(materials, statuses, strict=True):
        entry = merged.setdefault(
            material.key,
            {
                "name_zh": material.name_zh,
                "name_en": material.name_en,
                "items": [],
                "required": False,
                "key_material": False,
                "statuses": [],
                "material": material,
            },
        )
        if material.item.code not in entry["items"]:
            entry["items"].append(material.item.code)
        entry["required"] = entry["required"] or material.required
        entry["key_material"] = entry["key_material"] or material.key_material
        entry["statuses"].append((status_row["status"], material))
    wallet: dict[str, Any] = {}
    if applicant is not None:
        from onestop.credentials.selectors import wallet_list

        for held in wallet_list(holder=applicant).filter(revoked_at__isnull=True):
            wallet.setdefault(held.licence_type_id, held)
    existing = {m.key: m for m in CaseMaterial.objects.filter(case=top)}
    for key, entry in merged.items():
        credential: Any = None
        mode: str
        found = [s for s, _m in entry["statuses"]]
        if "to_submit" in found:
            mode, source, credential = Mode.MISSING, "", None
        elif "licence" in found:
            material = next(m for s, m in entry["statuses"] if s == "licence")
            mode, source = Mode.LICENCE, _source(material, "licence")
            credential = wallet.get(material.source_licence)
        else:
            material = entry["statuses"][0][1]
            mode, source, credential = Mode.HELD, _source(material, "held"), None
        row = existing.pop(key, None)
        if row is None:
            row = CaseMaterial(case=top, key=key)
        elif row.mode in HANDED_IN:
            mode, source, credential = row.mode, row.source, row.credential
        row.name_zh = entry["name_zh"][:300]
        row.name_en = (entry["name_en"] or "")[:300]
        row.items = entry["items"]
        row.required = entry["required"]
        row.key_material = entry["key_material"]
        row.mode = mode
        row.source = source
        row.credential = credential
        _full_clean(row, exclude=["case"])
        row.save()
    CaseMaterial.objects.filter(pk__in=[m.pk for m in existing.values()]).delete()


def _missing_materials(case: Case, allowed: Iterable[str]) -> list[str]:
    allowed = set(allowed)
    return [
        m.key
        for m in CaseMaterial.objects.filter(case=case.top, required=True).order_by("id")
        if m.mode not in allowed
    ]


# --- drafts --------------------------------------------------------------------------------------


def draft_start(
    *,
    actor: Any,
    scenario: Any = None,
    item: Item | None = None,
    channel: str = Case.Channel.ONLINE,
    applicant: Any = None,
    applicant_index: str = "",
    applicant_name: str = "",
) -> Case:
    """A top case in DRAFT for a scenario (a bundle) or a single item.

    Online: the actor is the applicant (a citizen or business account) and an existing draft
    of theirs for the same scenario/item is resumed. Window: the actor is a clerk of the
    region; `applicant` (an account, if the clerk found one) or `applicant_index` (the blind
    index of the resident ID / credit code) and `applicant_name` identify the walk-in.
    """
    if (scenario is None) == (item is None):
        raise ValidationFailed(_("Apply for one scenario or one item."), code="invalid_target")
    if channel not in Case.Channel.values:
        raise ValidationFailed(_("Unknown channel."), code="invalid_channel")
    target: Any = scenario if scenario is not None else item
    region = str(target.region_id)
    audience = str(target.audience)
    if channel == Case.Channel.ONLINE:
        from onestop.sharing.policies import is_data_subject

        if not is_data_subject(actor):
            raise PermissionDenied(
                _("Sign in as a citizen or a business to apply online."), code="forbidden"
            )
        kind = getattr(actor, "kind", "")
        if (audience == "enterprise" and kind != "business") or (
            audience == "person" and kind != "citizen"
        ):
            raise ValidationFailed(
                _("This service is not for your kind of account."), code="wrong_audience"
            )
        applicant = actor
        index, name, masked = _applicant_identity(actor)
    else:
        if not policies.is_clerk(actor, region):
            raise PermissionDenied(
                _("Only window clerks of this region accept applications at the window."),
                code="forbidden",
            )
        if applicant is not None:
            index, name, masked = _applicant_identity(applicant)
            name = _text(applicant_name, field="applicant_name", required=False, limit=200) or name
        else:
            index = _text(applicant_index, field="applicant", required=True, limit=64)
            name = _text(applicant_name, field="applicant_name", required=True, limit=200)
            masked = ""
    with transaction.atomic():
        if channel == Case.Channel.ONLINE:
            resumed = (
                Case.objects.select_for_update(of=("self",))
                .filter(
                    applicant=actor,
                    channel=channel,
                    status=S.DRAFT,
                    parent__isnull=True,
                    scenario=scenario,
                    item=item,
                )
                .order_by("-created_at")
                .first()
            )
            if resumed is not None:
                _materials_rebuild(resumed)
                return resumed
        case = Case(
            kind=Case.Kind.BUNDLE if scenario is not None else Case.Kind.ITEM,
            scenario=scenario,
            item=item,
            region_id=region,
            department_id=(
                scenario.lead_department_id
                if scenario is not None
                else item.implementing_department_id  # type: ignore[union-attr]
            ),
            channel=channel,
            status=S.DRAFT,
            applicant=applicant,
            applicant_index=index,
            applicant_name=name,
            applicant_id_masked=masked,
            contact_phone=(getattr(applicant, "phone", "") or "")[:20] if applicant else "",
            created_at=_now(),
        )
        _full_clean(case, exclude=["idempotency_key"])
        case.save()
        _event(case, EventKind.CREATED, actor=actor)
        _materials_rebuild(case)
    return case


def _draft_locked(actor: Any, case: Case) -> Case:
    locked = _lock(case)
    if locked.parent_id is not None or not policies.can_edit_draft(actor, locked):
        raise _not_found()
    if locked.status not in OPEN_DRAFT:
        raise Conflict(
            _("This application has already been submitted and can no longer be changed."),
            code="not_a_draft",
        )
    return locked


def _check_version(case: Case, expected_version: int | None) -> None:
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


def draft_save(
    *,
    actor: Any,
    case: Case,
    variant_answers: dict[str, Any] | None = None,
    form_data: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> Case:
    """Store answers and form values of a draft (merged into what is there; an empty value
    clears a field), then rebuild its materials. Only the owner (or the clerk of a window
    draft). Unknown questions, options or fields and wrong types → ValidationFailed, nothing
    stored; a stale `expected_version` → Conflict."""
    with transaction.atomic():
        locked = _draft_locked(actor, case)
        _check_version(locked, expected_version)
        answers = _clean_answers(locked, variant_answers)
        locked.variant_answers = {**(locked.variant_answers or {}), **answers}
        schema = selectors.case_form_schema(case=locked)
        values = _clean_form(schema, form_data)
        data = {**(locked.form_data or {})}
        for key, value in values.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        keys = set(schema.get("properties", {}))
        locked.form_data = {k: v for k, v in data.items() if k in keys}
        _save(locked)
        _materials_rebuild(locked)
    _copy(case, locked)
    return case


def prefill_apply(*, actor: Any, case: Case) -> Case:
    """Pre-fill the draft's form from the applicant's own records (`sharing.services.prefill`,
    every fetch recorded): a field is filled when it is empty or still holds the pre-filled
    value; `prefilled` keeps each field's source ("dataset.field"). A window clerk has no basis
    to fetch a citizen's data: nothing happens then."""
    from onestop.sharing.services import prefill

    draft = selectors.case_get_draft(actor=actor, case_id=case.pk)
    if draft.applicant_id is None or draft.applicant_id != getattr(actor, "pk", None):
        return case
    schema = selectors.case_form_schema(case=draft)
    fields = sharing_selectors.schema_prefill_fields(schema)
    values = prefill(actor=actor, fields=fields) if fields else {}
    sources = {f["key"]: f["prefill"] for f in fields}
    with transaction.atomic():
        locked = _draft_locked(actor, case)
        data = {**(locked.form_data or {})}
        prefilled = {**(locked.prefilled or {})}
        prefill_values = {**(locked.prefill_values or {})}
        for key, found in values.items():
            current = data.get(key)
            if current in (None, "") or current == prefill_values.get(key):
                data[key] = found["value"]
            prefilled[key] = sources.get(key, "")
            prefill_values[key] = found["value"]
        locked.form_data = data
        locked.prefilled = prefilled
        locked.prefill_values = prefill_values
        _save(locked)
    _copy(case, locked)
    return case


# --- acceptance ------------------------------------------------------------------------------


def _process_start(
    item_case: Case, item: Item, data: dict[str, Any], actor: Any
) -> ProcessInstance:
    key, _auto = selectors.process_key_for(item=item)
    try:
        return workflow_services.instance_start(
            key=key, business_key=str(item_case.number), data=data, actor=actor
        )
    except NotFound as exc:
        raise ValidationFailed(
            _("The process of the item %(item)s is not available; try again later.")
            % {"item": item.name_zh},
            code="no_process",
        ) from exc


def _accept(
    *,
    actor: Any,
    top: Case,
    found_facts: dict[str, dict[str, Any]],
    idempotency_key: str | None,
    accepted_by: Any,
    window: Any = None,
) -> Case:
    """Number the locked top case, fan it out into item cases, start each item's process and
    synchronise it (auto-decided items are decided and delivered at once); events, and one
    "case.submitted" notification. Inside the caller's transaction."""
    now = _now()
    today = timezone.localdate(now)
    schema = selectors.case_form_schema(case=top)
    items = selectors.selected_items(case=top)
    if not items:
        raise ValidationFailed(_("Your answers leave no item to apply for."), code="no_items")
    region = str(top.region_id)
    top.number = _allocate_number(region, now)
    top.status = S.ACCEPTED
    top.submitted_at = top.submitted_at or now
    top.accepted_at = now
    top.accepted_by = _user(accepted_by)
    top.window = window
    top.idempotency_key = idempotency_key
    top.fields_typed = min(_fields_typed(top, schema), 32767)
    top.materials_submitted = CaseMaterial.objects.filter(case=top, mode__in=HANDED_IN).count()
    item_cases: list[tuple[Case, Item]] = []
    if top.kind == Case.Kind.BUNDLE:
        for item in items:
            child = Case(
                kind=Case.Kind.ITEM,
                parent=top,
                item=item,
                region_id=region,
                department_id=item.implementing_department_id,
                channel=top.channel,
                status=S.ACCEPTED,
                applicant=top.applicant,
                applicant_index=top.applicant_index,
                applicant_name=top.applicant_name,
                applicant_id_masked=top.applicant_id_masked,
                contact_phone=top.contact_phone,
                number=_allocate_number(region, now),
                accepted_at=now,
                accepted_by=_user(accepted_by),
                window=window,
                submitted_at=now,
                promised_days=item.promised_days,
                due_date=clock.due_date_for(start=today, promised_days=int(item.promised_days)),
                created_at=now,
            )
            _full_clean(child, exclude=["idempotency_key"])
            child.save()
            item_cases.append((child, item))
        top.promised_days = max(int(i.promised_days) for i in items)
        top.due_date = max(c.due_date for c, _i in item_cases if c.due_date is not None)
    else:
        item = items[0]
        top.department_id = item.implementing_department_id
        top.promised_days = item.promised_days
        top.due_date = clock.due_date_for(start=today, promised_days=int(item.promised_days))
        item_cases.append((top, item))
    _save(top)
    if top.channel == Case.Channel.ONLINE:
        _event(top, EventKind.SUBMITTED, actor=actor, at=now)
    _event(
        top,
        EventKind.ACCEPTED,
        actor=accepted_by,
        at=now,
        data={"items": [i.code for i in items], "number": top.number},
    )
    # Submitted first: an item decided and delivered at once (auto-approval) notifies
    # "delivered" from `_sync` below, and that must come after this one.
    _notify(
        top,
        "case.submitted",
        {"item": _title(top), "number": top.number},
        dedupe="case.submitted",
    )
    for item_case, item in item_cases:
        if item_case is not top:
            _event(item_case, EventKind.ACCEPTED, actor=accepted_by, at=now)
        data = facts.process_data(
            case=item_case, item=item, facts=found_facts.get(item.code), start=now
        )
        instance = _process_start(item_case, item, data, actor)
        _sync(item_case, instance, actor=None, top=top)
    return top


def _submission_checks(case: Case, allowed_modes: Iterable[str]) -> None:
    unanswered = _unanswered(case)
    if unanswered:
        raise ValidationFailed(
            _("Answer every question first."),
            code="answers_missing",
            details={"answers": unanswered},
        )
    fields = _missing_fields(case)
    materials = _missing_materials(case, allowed_modes)
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


def case_submit(*, actor: Any, case: Case, idempotency_key: str | None = None) -> Case:
    """Submit an online draft: every question answered, every required field filled and every
    required material held, verified or uploaded — else ValidationFailed and nothing changes.
    Then acceptance (`_accept`). A retry with the same key by the same actor returns the same
    case and creates nothing; the key used for another case or by another actor → Conflict."""
    key = _idempotency_key(idempotency_key)
    replay = _replayed(key, actor=actor, case=case)
    if replay is not None:
        _copy(case, replay)
        return case
    top = case.top
    if top.status not in OPEN_DRAFT:
        if policies.is_applicant(actor, top) and (key is None or key == top.idempotency_key):
            return case
        raise (
            _not_found()
            if not policies.can_view(actor, top)
            else Conflict(
                _("This application has already been submitted."), code="already_submitted"
            )
        )
    draft = selectors.case_get_draft(actor=actor, case_id=top.pk)
    if draft.channel != Case.Channel.ONLINE:
        raise Conflict(
            _("An application started at the window is accepted at the window."),
            code="window_draft",
        )
    _submission_checks(draft, ONLINE_OK)
    found_facts = facts.collect(actor=actor, case=draft, items=selectors.selected_items(case=draft))
    try:
        with transaction.atomic():
            locked = _lock(draft)
            if locked.status not in OPEN_DRAFT:
                # A concurrent retry got here first.
                if key is not None and locked.idempotency_key == key:
                    _copy(case, locked)
                    return case
                raise Conflict(
                    _("This application has already been submitted."), code="already_submitted"
                )
            _submission_checks(locked, ONLINE_OK)
            _accept(
                actor=actor,
                top=locked,
                found_facts=found_facts,
                idempotency_key=key,
                accepted_by=None,
            )
    except IntegrityError:
        if key is not None:
            existing = Case.objects.filter(idempotency_key=key).first()
            if existing is not None and existing.pk == draft.pk:
                _copy(case, existing)
                return case
        raise
    _copy(case, locked)
    return case


def case_accept(  # noqa: PLR0912
    *,
    actor: Any,
    case: Case,
    window: Any = None,
    pledge_due: datetime.date | None = None,
    idempotency_key: str | None = None,
) -> Case:
    """Unified acceptance at the window by a clerk of the region (any department's item).

    Materials must be held, verified, uploaded or checked on paper; with `pledge_due` (a date
    after today) missing NON-key materials are accepted against a pledge (容缺受理): they
    become PLEDGED and the event PLEDGE_ACCEPTED records them. A missing key material, a
    missing field or an unanswered question → ValidationFailed, nothing changes. One more
    visit for the applicant."""
    key = _idempotency_key(idempotency_key)
    replay = _replayed(key, actor=actor, case=case)
    if replay is not None:
        _copy(case, replay)
        return case
    if pledge_due is not None and (
        not isinstance(pledge_due, datetime.date) or pledge_due <= timezone.localdate(_now())
    ):
        raise ValidationFailed(
            _("The pledge deadline must be a date after today."), code="invalid_pledge_due"
        )
    if window is not None and str(window.centre.region_id) != str(case.top.region_id):
        raise ValidationFailed(
            _("This window is not in the region of the application."), code="invalid_window"
        )
    found_facts = facts.collect(actor=actor, case=case, items=selectors.selected_items(case=case))
    with transaction.atomic():
        locked = _lock(case.top)
        if not policies.is_clerk(actor, locked.region_id):
            raise _not_found()
        if locked.status not in OPEN_DRAFT:
            if key is not None and locked.idempotency_key == key:
                _copy(case, locked)
                return case
            raise Conflict(
                _("This application has already been accepted."), code="already_accepted"
            )
        if locked.channel != Case.Channel.WINDOW:
            raise Conflict(_("An online draft is submitted by the applicant."), code="online_draft")
        _materials_rebuild(locked)
        materials = list(CaseMaterial.objects.filter(case=locked, required=True))
        pledged = [m for m in materials if m.mode == Mode.PLEDGED]
        if pledge_due is not None:
            for material in materials:
                if material.mode == Mode.MISSING and not material.key_material:
                    material.mode = Mode.PLEDGED
                    material.checked_by = _user(actor)
                    material.save(update_fields=["mode", "checked_by", "updated_at"])
                    pledged.append(material)
        bad_pledges = [m.key for m in pledged if m.key_material]
        if bad_pledges:
            raise ValidationFailed(
                _("Key materials cannot be pledged: they must be checked before acceptance."),
                code="materials_missing",
                details={"materials": bad_pledges},
            )
        if pledged and pledge_due is None:
            raise ValidationFailed(
                _("Give the date by which the pledged materials will be supplied."),
                code="pledge_due_required",
            )
        _submission_checks(locked, WINDOW_OK)
        locked.visits += 1
        locked.pledge_due = pledge_due if pledged else None
        _accept(
            actor=actor,
            top=locked,
            found_facts=found_facts,
            idempotency_key=key,
            accepted_by=actor,
            window=window,
        )
        if pledged:
            _event(
                locked,
                EventKind.PLEDGE_ACCEPTED,
                actor=actor,
                data={
                    "materials": [m.key for m in pledged],
                    "due": pledge_due.isoformat() if pledge_due else None,
                },
            )
    _copy(case, locked)
    return case


def notice_issue(*, actor: Any, case: Case) -> CaseDocument:
    """The one-time notice (一次性告知) of a window draft: EVERY missing required material and
    field (and unanswered question), printed from the stored data. The draft keeps its id and
    becomes NOTICE; the next visit continues it. One more visit for the applicant."""
    with transaction.atomic():
        locked = _lock(case.top)
        if not policies.is_clerk(actor, locked.region_id):
            raise _not_found()
        if locked.status not in OPEN_DRAFT:
            raise Conflict(
                _("This application has already been accepted."), code="already_accepted"
            )
        if locked.channel != Case.Channel.WINDOW:
            raise Conflict(_("An online draft is submitted by the applicant."), code="online_draft")
        _materials_rebuild(locked)
        schema = selectors.case_form_schema(case=locked)
        properties = schema.get("properties", {})
        missing_materials = [
            m
            for m in CaseMaterial.objects.filter(case=locked, required=True).order_by("id")
            if m.mode not in WINDOW_OK
        ]
        missing_fields = _missing_fields(locked, schema)
        unanswered = _unanswered(locked)
        if not missing_materials and not missing_fields and not unanswered:
            raise ValidationFailed(
                _("Nothing is missing: accept the application instead."), code="nothing_missing"
            )
        now = _now()
        items = selectors.selected_items(case=locked)
        title_zh = locked.scenario.name_zh if locked.scenario else items[0].name_zh
        title_en = locked.scenario.name_en if locked.scenario else items[0].name_en
        data = {
            "kind": "notice",
            "case_id": str(locked.pk),
            "region": str(locked.region_id),
            "title": {"zh": title_zh, "en": title_en},
            "applicant_name": locked.applicant_name,
            "applicant_id_masked": locked.applicant_id_masked,
            "items": [{"code": i.code, "name_zh": i.name_zh, "name_en": i.name_en} for i in items],
            "materials": [
                {
                    "key": m.key,
                    "name_zh": m.name_zh,
                    "name_en": m.name_en,
                    "items": list(m.items),
                    "key_material": m.key_material,
                }
                for m in missing_materials
            ],
            "fields": [
                {
                    "key": key,
                    "title_zh": (properties[key].get("x-title") or {}).get("zh")
                    or properties[key].get("title", key),
                    "title_en": (properties[key].get("x-title") or {}).get("en")
                    or properties[key].get("title", key),
                }
                for key in missing_fields
            ],
            "questions": unanswered,
            "issued_at": now.isoformat(),
            "issued_by": str(getattr(actor, "real_name", "") or getattr(actor, "username", "")),
        }
        document = CaseDocument(
            case=locked,
            kind=CaseDocument.Kind.NOTICE,
            data=data,
            sha256=hashlib.sha256(canonical_json(data)).hexdigest(),
            created_by=_user(actor),
            created_at=now,
        )
        _full_clean(document, exclude=["case"])
        document.save()
        locked.status = S.NOTICE
        locked.visits += 1
        _save(locked)
        _event(
            locked,
            EventKind.NOTICE_ISSUED,
            actor=actor,
            at=now,
            data={
                "materials": [m.key for m in missing_materials],
                "fields": missing_fields,
                "document": document.pk,
            },
        )
    _copy(case, locked)
    return document


# --- engine → case ----------------------------------------------------------------------------


def _variables(workflow: Any) -> dict[str, Any]:
    if workflow.is_completed():
        return dict(workflow.data)
    waiting = workflow.get_tasks(state=TaskState.READY, manual=True)
    source = waiting[0] if waiting else workflow.last_task
    return dict(source.data) if source is not None else {}


def _sync(
    case: Case, instance: ProcessInstance, *, actor: Any, top: Case, reason: str = ""
) -> None:
    """Copy the engine's state onto the (locked) item case: waiting task, decision, delivery;
    completes the bundle when every item case is final."""
    workflow = engine.restore(instance.definition.spec_json, instance.state_json)
    tasks = engine.ready_tasks(workflow)
    case.task_name = tasks[0].name if tasks else ""
    case.task_lane = tasks[0].lane if tasks else ""
    variables = _variables(workflow)
    now = _now()
    decision = str(variables.get("decision") or "")
    if decision in ("approve", "reject") and not case.decision:
        auto = variables.get("decided_by") == "rules"
        case.decision = decision
        case.decided_at = now
        case.auto_decided = auto
        case.decided_by = None if auto else _user(actor)
        case.decision_reason = reason or (_("Decided by rules from verified data.") if auto else "")
        if decision == "approve" and case.status == S.ACCEPTED:
            case.status = S.APPROVED
        _event(
            case,
            EventKind.AUTO_DECIDED if auto else EventKind.DECIDED,
            actor=None if auto else actor,
            note=case.decision_reason,
            data={"decision": decision},
            at=now,
        )
    if workflow.is_completed() and variables.get("delivered") and case.status not in FINAL_ITEM:
        _deliver(case, top=top, now=now)
    _save(case)
    if case.status in FINAL_ITEM:
        _completion_check(top, now=now)


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


def _deliver(case: Case, *, top: Case, now: datetime.datetime) -> None:
    from onestop.credentials.models import LicenceType
    from onestop.credentials.services import credential_issue_for_case

    item = case.item
    assert item is not None  # noqa: S101 - an item case always has its item
    if case.decision == "approve":
        licence_key = str((item.result or {}).get("e_licence") or "")
        holder = top.applicant if top.applicant_id else None
        credential = None
        if (
            licence_key
            and holder is not None
            and LicenceType.objects.filter(key=licence_key).exists()
        ):
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
        case.status = S.COMPLETED
    else:
        case.status = S.REJECTED
    case.completed_at = now
    case.task_name = ""
    case.task_lane = ""
    _event(
        case,
        EventKind.DELIVERED,
        data={
            "result": case.result_kind or "rejected",
            "credential": str(case.credential_id) if case.credential_id else None,
        },
        at=now,
    )


def _completion_check(top: Case, *, now: datetime.datetime) -> None:
    """A bundle whose item cases are all final completes, and the applicant is told once."""
    if top.kind == Case.Kind.BUNDLE:
        if top.status in (S.COMPLETED, S.WITHDRAWN):
            return
        statuses = list(top.children.values_list("status", flat=True))
        if not statuses or any(s not in FINAL_ITEM for s in statuses):
            return
        top.status = S.COMPLETED
        top.completed_at = now
        top.task_name = ""
        top.task_lane = ""
        _save(top)
        _event(top, EventKind.COMPLETED, at=now)
    children = selectors.children(case=top)
    _notify(
        top,
        "case.delivered",
        {"number": top.number, "item": _title(top), "method": _method(top, children)},
        dedupe="case.delivered",
    )


def _method(top: Case, children: list[Case]) -> str:
    """How the results came back, as one phrase in the applicant's language."""
    with translation.override(_recipient_language(top)):
        licence = any(c.result_kind == Case.ResultKind.LICENCE for c in children)
        paper = any(c.result_kind == Case.ResultKind.PAPER for c in children)
        rejected = any(c.status == S.REJECTED for c in children)
        phrases = {
            (True, False, False): _("e-licences in your wallet"),
            (False, True, False): _("paper results to collect at the service centre window"),
            (False, False, True): _("decision notices for the items not approved"),
            (True, True, False): _(
                "e-licences in your wallet and paper results to collect at the service centre "
                "window"
            ),
            (True, False, True): _(
                "e-licences in your wallet and decision notices for the items not approved"
            ),
            (False, True, True): _(
                "paper results to collect at the service centre window and decision notices "
                "for the items not approved"
            ),
            (True, True, True): _(
                "e-licences in your wallet, paper results to collect at the service centre "
                "window and decision notices for the items not approved"
            ),
        }
        return str(phrases.get((licence, paper, rejected)) or _("see your application"))


# --- the officers' steps ------------------------------------------------------------------------


def _instance(case: Case) -> ProcessInstance:
    if case.kind != Case.Kind.ITEM or not case.number:
        raise ValidationFailed(_("Only an item case has steps to complete."), code="not_an_item")
    try:
        return workflow_selectors.instance_get(business_key=str(case.number))
    except NotFound:
        raise ValidationFailed(_("This case has no process."), code="no_process") from None


def _stale() -> Conflict:
    return Conflict(
        _("Someone else completed this step in the meantime. Reload the case to see what changed."),
        code="stale",
    )


def _version(value: Any) -> int:
    """The instance version a page sent back (forms send text); nonsense → stale."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _stale() from None


def _task(instance: ProcessInstance, task_id: str) -> Any:
    for task in workflow_selectors.ready_tasks(instance=instance):
        if task.id == str(task_id):
            return task
    raise NotFound(_("This task is not waiting to be done (any more)."), code="task_not_ready")


def _task_data(name: str, data: Any, reason: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValidationFailed(_("The step's answer must be named values."), code="invalid_data")
    allowed: dict[str, tuple[str, ...]] = {
        "review": ("pass",),
        "special_step": ("pass", "fail"),
        "decide": ("approve", "reject"),
    }
    field = {
        "review": "review_outcome",
        "special_step": "special_step_result",
        "decide": "decision",
    }
    if name == "supplement":
        raise ValidationFailed(_("The applicant answers a supplement request."), code="wrong_task")
    if name not in field:
        return dict(data)
    key = field[name]
    if set(data) != {key} or str(data[key]) not in allowed[name]:
        raise ValidationFailed(
            _("Choose one of the options for this step."),
            code="invalid_data",
            details={"field": key, "allowed": list(allowed[name])},
        )
    if name == "decide" and not reason:
        raise ValidationFailed(_("Give the reason for the decision."), code="reason_required")
    return {key: str(data[key])}


def task_complete(
    *,
    actor: Any,
    case: Case,
    task_id: str,
    data: dict[str, Any],
    expected_version: int,
    reason: str = "",
) -> Case:
    """An officer (lane "department", of the item's department) or a clerk (lane "window")
    completes a ready task of an item case. `expected_version` is the process instance version
    the officer's page showed (`selectors.case_task_view`): when someone else acted in the
    meantime → Conflict and nothing changes. Decisions need a reason."""
    reason = _text(reason, field="reason", required=False, limit=MAX_REASON)
    with transaction.atomic():
        top, locked = _lock_pair(case)
        if not policies.can_view(actor, locked):
            raise _not_found()
        instance = _instance(locked)
        expected_version = _version(expected_version)
        if instance.version != expected_version:
            raise _stale()
        if locked.status not in (S.ACCEPTED, S.APPROVED):
            raise Conflict(_("This case is not waiting for this step."), code="not_waiting")
        task = _task(instance, task_id)
        if not policies.can_act(actor, locked, task.lane):
            raise PermissionDenied(_("You may not complete this step."), code="forbidden")
        clean = _task_data(task.name, data, reason)
        instance = workflow_services.task_complete(
            instance=instance,
            task_id=task.id,
            actor=actor,
            data=clean,
            expected_version=expected_version,
        )
        _event(
            locked,
            EventKind.TASK_COMPLETED,
            actor=actor,
            note=reason,
            data={"task": task.name, **{k: v for k, v in clean.items() if isinstance(v, str)}},
        )
        _sync(locked, instance, actor=actor, top=top, reason=reason)
    _copy(case, locked)
    return case


def supplement_request(
    *, actor: Any, case: Case, reason: str, materials: list[str], expected_version: int
) -> Supplement:
    """On the review step: ask the applicant for materials again (or an explanation). The
    review completes with "supplement", the case waits for the applicant and its clock stops."""
    reason = _text(reason, field="reason", required=True, limit=MAX_REASON)
    keys = [str(k) for k in (materials or [])]
    with transaction.atomic():
        top, locked = _lock_pair(case)
        if not policies.can_view(actor, locked):
            raise _not_found()
        instance = _instance(locked)
        expected_version = _version(expected_version)
        if instance.version != expected_version:
            raise _stale()
        if locked.status != S.ACCEPTED:
            raise Conflict(_("This case is not in review."), code="not_in_review")
        review = next(
            (t for t in workflow_selectors.ready_tasks(instance=instance) if t.name == "review"),
            None,
        )
        if review is None:
            raise Conflict(_("This case is not in review."), code="not_in_review")
        if not policies.can_act(actor, locked, review.lane):
            raise PermissionDenied(_("You may not complete this step."), code="forbidden")
        known = dict(CaseMaterial.objects.filter(case=top).values_list("key", "name_zh"))
        unknown = sorted(set(keys) - set(known))
        if unknown:
            raise ValidationFailed(
                _("These materials are not part of the application: %(keys)s.")
                % {"keys": ", ".join(unknown)},
                code="unknown_material",
                details={"materials": unknown},
            )
        not_handed_in = sorted(
            CaseMaterial.objects.filter(
                case=top, key__in=keys, mode__in=(CaseMaterial.Mode.HELD, CaseMaterial.Mode.LICENCE)
            ).values_list("key", flat=True)
        )
        if not_handed_in:
            raise ValidationFailed(
                _(
                    "Materials held by the government or verified as e-licences cannot be asked "
                    "for again: %(keys)s."
                )
                % {"keys": ", ".join(not_handed_in)},
                code="material_not_uploaded",
                details={"materials": not_handed_in},
            )
        instance = workflow_services.task_complete(
            instance=instance,
            task_id=review.id,
            actor=actor,
            data={"review_outcome": "supplement"},
            expected_version=expected_version,
        )
        now = _now()
        supplement = Supplement(
            case=locked, requested_by=actor, reason=reason, materials=keys, requested_at=now
        )
        _full_clean(supplement, exclude=["case", "requested_by"])
        supplement.save()
        locked.status = S.SUPPLEMENT
        clock.pause(locked, now=now)
        _event(
            locked,
            EventKind.SUPPLEMENT_REQUESTED,
            actor=actor,
            note=reason,
            data={"materials": keys, "supplement": supplement.pk},
            at=now,
        )
        _sync(locked, instance, actor=actor, top=top)
        from onestop.core import calendar

        deadline = calendar.add_working_days(timezone.localdate(now), SUPPLEMENT_WORKING_DAYS)
        _notify(
            locked,
            "case.supplement_requested",
            {
                "number": locked.number,
                "item": _title(locked),
                "materials": _material_list(top, keys, _recipient_language(locked)) or reason,
                "deadline": deadline.isoformat(),
            },
            dedupe=f"case.supplement_requested:{supplement.pk}",
        )
    _copy(case, locked)
    return supplement


def _material_list(top: Case, keys: list[str], language: str) -> str:
    """The names of the materials `keys` in `language`, listed the way that language does."""
    rows = {m.key: m for m in CaseMaterial.objects.filter(case=top, key__in=keys)}
    names = [_name(rows[k], language) for k in keys if k in rows]
    return (", " if language.startswith("en") else "、").join(names)


def supplement_answer(*, actor: Any, case: Case, note: str = "") -> Case:
    """The applicant (or a clerk at the window) answers the open supplement request: every
    requested material must have been handed in again since the request. The case goes back to
    review and its clock runs again (the due date moves on by the working days waited)."""
    note = _text(note, field="note", required=False)
    with transaction.atomic():
        top, locked = _lock_pair(case)
        if not policies.can_view(actor, locked):
            raise _not_found()
        if not policies.can_act(actor, locked, policies.LANE_APPLICANT):
            raise PermissionDenied(_("You may not answer this request."), code="forbidden")
        if locked.status != S.SUPPLEMENT:
            raise Conflict(_("Nothing is waiting for a supplement."), code="no_supplement")
        supplement = (
            Supplement.objects.select_for_update()
            .filter(case=locked, answered_at__isnull=True)
            .order_by("-requested_at")
            .first()
        )
        if supplement is None:
            raise Conflict(_("Nothing is waiting for a supplement."), code="no_supplement")
        rows = {
            m.key: m for m in CaseMaterial.objects.filter(case=top, key__in=supplement.materials)
        }
        missing = [
            key
            for key in supplement.materials
            if key not in rows
            or rows[key].mode not in (Mode.UPLOAD, Mode.PAPER)
            or rows[key].updated_at <= supplement.requested_at
        ]
        if missing:
            raise ValidationFailed(
                _("Hand in every requested material again first."),
                code="materials_missing",
                details={"materials": missing},
            )
        instance = _instance(locked)
        task = next(
            (
                t
                for t in workflow_selectors.ready_tasks(instance=instance)
                if t.name == "supplement"
            ),
            None,
        )
        if task is None:
            raise Conflict(_("Nothing is waiting for a supplement."), code="no_supplement")
        now = _now()
        clock.resume(locked, now=now)
        data: dict[str, Any] = {}
        if locked.due_date is not None:
            end = datetime.datetime.combine(
                locked.due_date, datetime.time(23, 59, 59), tzinfo=timezone.get_current_timezone()
            )
            data["review_due"] = f"PT{max(0, int((end - now).total_seconds()))}S"
        instance = workflow_services.task_complete(
            instance=instance,
            task_id=task.id,
            actor=actor,
            data=data,
            expected_version=instance.version,
        )
        supplement.answered_at = now
        supplement.answer_note = note
        supplement.save(update_fields=["answered_at", "answer_note"])
        locked.status = S.ACCEPTED
        _event(
            locked,
            EventKind.SUPPLEMENT_ANSWERED,
            actor=actor,
            note=note,
            data={"materials": list(supplement.materials), "supplement": supplement.pk},
            at=now,
        )
        _sync(locked, instance, actor=actor, top=top)
        if top.pk != locked.pk:
            # The bundle is due when its last item is: the resumed item may have moved on.
            dues = [
                d for d in Case.objects.filter(parent=top).values_list("due_date", flat=True) if d
            ]
            if dues and max(dues) != top.due_date:
                top.due_date = max(dues)
                _save(top)
    _copy(case, locked)
    return case


# --- after the decision ---------------------------------------------------------------------------


def result_collect(*, actor: Any, case: Case) -> Case:
    """A clerk hands over paper results at the window: the item case's, or — for a bundle —
    every paper result not yet collected, in one visit."""
    with transaction.atomic():
        top = _lock(case.top)
        if not policies.is_clerk(actor, top.region_id):
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
        now = _now()
        for target in targets:
            target.result_collected_at = now
            if target.pk != top.pk:
                _save(target)
            _event(target, EventKind.COLLECTED, actor=actor, at=now)
        top.visits += 1
        if top.kind == Case.Kind.ITEM:
            top.result_collected_at = now
        _save(top)
    _copy(case, top if case.pk == top.pk else targets[0])
    return case


def case_withdraw(*, actor: Any, case: Case) -> Case:
    """The applicant withdraws the whole application before any item has been decided."""
    with transaction.atomic():
        top = _lock(case.top)
        if not policies.can_view(actor, top):
            raise _not_found()
        if not policies.is_applicant(actor, top):
            raise PermissionDenied(_("Only the applicant may withdraw."), code="forbidden")
        if top.status not in (S.DRAFT, S.NOTICE, S.ACCEPTED, S.SUPPLEMENT):
            raise Conflict(
                _("This application can no longer be withdrawn."), code="not_withdrawable"
            )
        items = list(Case.objects.select_for_update().filter(parent=top))
        if top.decision or any(c.decision for c in items):
            raise Conflict(
                _("An item has already been decided: the application can no longer be withdrawn."),
                code="not_withdrawable",
            )
        now = _now()
        # The item cases' processes stop with them: no task waits, no timer stays set.
        running = items or ([top] if top.kind == Case.Kind.ITEM else [])
        for item_case in running:
            if not item_case.number:
                continue
            try:
                instance = workflow_selectors.instance_get(business_key=str(item_case.number))
            except NotFound:
                continue
            workflow_services.instance_stop(instance=instance, actor=actor, reason="withdrawn")
        for target in [*items, top]:
            target.status = S.WITHDRAWN
            target.task_name = ""
            target.task_lane = ""
            target.completed_at = now
            _save(target)
            _event(target, EventKind.WITHDRAWN, actor=actor, at=now)
    _copy(case, top if case.pk == top.pk else next(c for c in items if c.pk == case.pk))
    return case


def case_access_record(*, actor: Any, case: Case, fields: Iterable[str]) -> Any:
    """Record that a member of staff viewed a citizen's case (`sharing.services.access_record`,
    dataset "cases", purpose "case-handling"). The applicant viewing their own case is not
    recorded (returns None)."""
    from onestop.sharing.services import access_record

    top = case.top
    if policies.is_applicant(actor, top) or not top.applicant_index:
        return None
    return access_record(
        actor=actor,
        subject_index=top.applicant_index,
        dataset="cases",
        fields=[str(f) for f in fields],
        purpose="case-handling",
        basis=f"case {case.number or top.number or top.pk}",
    )
