"""Drafts: start (online or at the window), save answers and form values, pre-fill."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from onestop.cases import policies
from onestop.cases.models import (
    Case,
)
from onestop.cases.selectors.cases import case_get_draft, open_case_for
from onestop.cases.selectors.items import case_form_schema
from onestop.cases.services.common import (
    OPEN_DRAFT,
    EventKind,
    S,
    case_copy,
    case_lock,
    case_not_found,
    case_save,
    current_time,
    event_record,
    text_clean,
    version_check,
)
from onestop.cases.services.forms import answers_clean, form_clean
from onestop.cases.services.materials import (
    materials_rebuild,
    materials_warm,
    materials_warm_for,
)
from onestop.catalog.models import Item
from onestop.core.errors import Conflict, PermissionDenied, ValidationFailed, full_clean
from onestop.sharing import selectors as sharing_selectors


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


def draft_start(
    *,
    actor: Any,
    scenario: Any = None,
    item: Item | None = None,
    channel: str = Case.Channel.ONLINE,
    applicant: Any = None,
    applicant_index: str = "",
    applicant_name: str = "",
    allow_duplicate: bool = False,
) -> Case:
    """A top case in DRAFT for a scenario (a bundle) or a single item.

    Online: the actor is the applicant (a citizen or business account) and an existing draft
    of theirs for the same scenario/item is resumed. Window: the actor is a clerk of the
    region; `applicant` (an account, if the clerk found one) or `applicant_index` (the blind
    index of the resident ID / credit code) and `applicant_name` identify the walk-in.

    When the same applicant already has an open case for the same scenario/item
    (`selectors.open_case_for`: being handled, or a window application not accepted yet),
    nothing is started: Conflict ``open_case`` naming it (``details``: ``case_id``,
    ``number``), unless `allow_duplicate` says the applicant means to apply again.
    """
    if (scenario is None) == (item is None):
        raise ValidationFailed(_("Apply for one scenario or one item."), code="invalid_target")
    if channel not in Case.Channel.values:
        raise ValidationFailed(_("Unknown channel."), code="invalid_channel")
    target: Any = scenario if scenario is not None else item
    region = str(target.region_id)
    if channel == Case.Channel.ONLINE:
        from onestop.sharing.policies import is_data_subject

        if not is_data_subject(actor):
            raise PermissionDenied(
                _("Sign in as a citizen or a business to apply online."), code="forbidden"
            )
        from onestop.catalog.selectors import fits_applicant

        kind = "business" if getattr(actor, "kind", "") == "business" else "person"
        if not fits_applicant(target, kind):
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
            name = (
                text_clean(applicant_name, field="applicant_name", required=False, limit=200)
                or name
            )
        else:
            index = text_clean(applicant_index, field="applicant", required=True, limit=64)
            name = text_clean(applicant_name, field="applicant_name", required=True, limit=200)
            masked = ""
    materials_warm(applicant=applicant, scenario=scenario, item=item)
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
                materials_rebuild(resumed)
                return resumed
        if not allow_duplicate:
            _refuse_duplicate(applicant, index, scenario, item)
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
            created_at=current_time(),
        )
        full_clean(case, exclude=["idempotency_key"])
        case.save()
        event_record(case, EventKind.CREATED, actor=actor)
        materials_rebuild(case)
    return case


def _refuse_duplicate(applicant: Any, index: str, scenario: Any, item: Any) -> None:
    """Conflict ``open_case`` when the applicant has an open case for the same target."""
    found = open_case_for(applicant=applicant, index=index, scenario=scenario, item=item)
    if found is None:
        return
    raise Conflict(
        _(
            "An application for this is already open (%(ref)s): continue with it, or start "
            "another one only if it is really meant."
        )
        % {"ref": found.number or _("not accepted yet")},
        code="open_case",
        details={"case_id": str(found.pk), "number": found.number or ""},
    )


def _draft_locked(actor: Any, case: Case) -> Case:
    locked = case_lock(case)
    if locked.parent_id is not None or not policies.can_edit_draft(actor, locked):
        raise case_not_found()
    if locked.status not in OPEN_DRAFT:
        raise Conflict(
            _("This application has already been submitted and can no longer be changed."),
            code="not_a_draft",
        )
    return locked


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
    materials_warm_for(case)
    with transaction.atomic():
        locked = _draft_locked(actor, case)
        version_check(locked, expected_version)
        answers = answers_clean(locked, variant_answers)
        locked.variant_answers = {**(locked.variant_answers or {}), **answers}
        schema = case_form_schema(case=locked)
        values = form_clean(schema, form_data)
        data = {**(locked.form_data or {})}
        for key, value in values.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        keys = set(schema.get("properties", {}))
        locked.form_data = {k: v for k, v in data.items() if k in keys}
        case_save(locked)
        materials_rebuild(locked)
    case_copy(case, locked)
    return case


def prefill_apply(*, actor: Any, case: Case) -> Case:
    """Pre-fill the draft's form from the applicant's own records (`prefill_apply_report`)."""
    return prefill_apply_report(actor=actor, case=case)[0]


def prefill_apply_report(*, actor: Any, case: Case) -> tuple[Case, list[str]]:
    """Pre-fill the draft's form from the applicant's own records
    (`sharing.services.prefill_detailed`, every fetch recorded): a field is filled when it is
    empty or still holds the pre-filled value; `prefilled` keeps each field's source
    ("dataset.field"). A window clerk has no basis to fetch a citizen's data: nothing happens
    then. Also returns the labels of the sources that could not answer now (a department
    system down): those fields stay as they are, for the applicant to type or to fill later."""
    from onestop.sharing.services import prefill_detailed

    draft = case_get_draft(actor=actor, case_id=case.pk)
    if draft.applicant_id is None or draft.applicant_id != getattr(actor, "pk", None):
        return case, []
    schema = case_form_schema(case=draft)
    fields = sharing_selectors.schema_prefill_fields(schema)
    result = prefill_detailed(actor=actor, fields=fields) if fields else None
    values = result.values if result is not None else {}
    gaps = sorted(result.unavailable.values()) if result is not None else []
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
        case_save(locked)
    case_copy(case, locked)
    return case, gaps
