"""The window's writes: the walk-in's application, the material check and scans,
acceptance, notice, supplements and collection at the window, the receipt.
"""

from __future__ import annotations

import datetime
import hashlib
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from onestop.accounts import selectors as accounts_selectors
from onestop.accounts.models import User
from onestop.cases import hooks
from onestop.cases.models import Case, CaseDocument, CaseMaterial
from onestop.cases.selectors.items import case_form_schema
from onestop.cases.selectors.window import (
    AFTER_ACCEPTANCE,
    M,
    Walkin,
    case_of_clerk,
    case_open_at_window,
    cases_of_walkin,
    is_clerk_of,
    open_supplements,
    receipt_data,
    require_clerk,
    supplement_keys,
)
from onestop.cases.services import delivery, supplements
from onestop.cases.services.acceptance import case_accept, notice_issue
from onestop.cases.services.common import text_clean
from onestop.cases.services.drafts import draft_save, draft_start
from onestop.core import access_log, crypto, identity
from onestop.core.errors import NotFound, ValidationFailed
from onestop.ledger.canonical import canonical_json
from onestop.org import selectors as org_selectors
from onestop.org import services as org_services
from onestop.org.models import Window

# What the clerk may set by hand; HELD / LICENCE come from shared data, UPLOAD from a scan.
CLERK_MODES = (M.PAPER, M.PLEDGED, M.MISSING)


def walkin_lookup(
    *, actor: Any, resident_id: str = "", uscc: str = "", name: str = "", phone: str = ""
) -> Walkin:
    """Look the walk-in up by resident ID (or a business by its credit code). A person without
    a business (one who plans to start one) is looked up by resident ID like anyone else.
    `name` and `phone`, as the clerk typed them, go with the walk-in into the application's
    form (the account's name wins when there is an account).

    The number is validated first (a malformed one: ValidationFailed, nothing recorded). The
    look-up itself is an access to the person's data and is recorded, found or not. A walk-in
    without an account is still served: the case carries the blind index."""
    require_clerk(actor)
    if resident_id.strip():
        rid = identity.validate_resident_id(resident_id)
        index = crypto.blind_index(rid)
        from onestop.accounts.services import user_find_by_resident_id

        account: User | None
        try:
            account = user_find_by_resident_id(actor=actor, resident_id=rid)  # records the access
        except NotFound:
            account = None
        walkin = Walkin(
            kind="person",
            index=index,
            masked=identity.mask_resident_id(rid),
            account=account,
            name=account.real_name if account else "",
            sealed=crypto.encrypt_pii(rid),
        )
    elif uscc.strip():
        code = identity.validate_uscc(uscc)
        index = crypto.blind_index(code)
        account = accounts_selectors.business_by_uscc(code)
        access_log.record(
            actor=actor,
            subject_index=index,
            dataset="accounts.profile",
            fields=["organisation_name", "uscc"] if account else [],
            purpose="verification",
            basis="window look-up by unified social credit code",
        )
        walkin = Walkin(
            kind="business",
            index=index,
            masked=code[:4] + "*" * 10 + code[-4:],
            account=account,
            name=(account.organisation_name or account.real_name) if account else "",
            sealed=crypto.encrypt_pii(code),
        )
    else:
        raise ValidationFailed(
            _("Enter the resident ID or the unified social credit code."), code="required"
        )
    walkin.name = walkin.name or text_clean(name, field="name", required=False, limit=200)
    walkin.phone = phone_clean(phone)
    walkin.cases = list(cases_of_walkin(actor=actor, index=walkin.index)[:50])
    return walkin


def phone_clean(phone: str) -> str:
    """A contact phone as typed at the window: digits (and a leading +, spaces or dashes),
    7 to 20 characters; "" for none; anything else is refused."""
    value = "".join((phone or "").split())
    if not value:
        return ""
    digits = value.removeprefix("+").replace("-", "")
    if not (digits.isascii() and digits.isdigit() and 7 <= len(value) <= 20):
        raise ValidationFailed(_("Enter the phone number in digits."), code="invalid_phone")
    return value


# The form fields the look-up fills in for a person or a business (when the form asks them).
LOOKUP_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "person": {"id": ("applicant_id_number",), "name": ("applicant_name", "contact_name")},
    "business": {"id": ("uscc",), "name": ("enterprise_name",)},
}


def _lookup_form_data(case: Case, walkin: Walkin, name: str, phone: str) -> dict[str, Any]:
    """What the clerk typed at the look-up, for the fields of `case`'s form still empty."""
    schema = case_form_schema(case=case)
    properties = schema.get("properties") or {}
    current = case.form_data or {}
    fields: dict[str, tuple[str, ...]] = LOOKUP_FIELDS.get(walkin.kind, {})
    values: dict[str, Any] = {}
    typed_id = crypto.decrypt_pii(walkin.sealed) if walkin.sealed else ""
    for key in fields.get("id", ()):
        values[key] = typed_id
    for key in fields.get("name", ()):
        values[key] = name
    values["phone"] = phone
    return {
        key: value
        for key, value in values.items()
        if value and key in properties and current.get(key) in (None, "")
    }


def ticket_served_ref(case: Case) -> str:
    """How a queue ticket names the case its walk-in was served with (`org` stores it as is)."""
    return f"case:{case.pk}"


def application_start(
    *,
    actor: Any,
    walkin: Walkin,
    scenario: Any = None,
    item: Any = None,
    window: Window | None = None,
    name: str = "",
    phone: str = "",
    ticket_id: Any = None,
    allow_duplicate: bool = False,
) -> Case:
    """Start a window application for the walk-in (any department's item, or a scenario),
    serving the queue ticket `ticket_id` with it. All or nothing: a bad ticket is refused
    before anything is written, and a failure later leaves no draft behind. An open case of
    the walk-in for the same thing: Conflict ``open_case`` unless `allow_duplicate`
    (`draft_start`)."""
    require_clerk(actor)
    target = scenario if scenario is not None else item
    if target is None:
        raise ValidationFailed(_("Choose an item or a scenario."), code="required")
    if not is_clerk_of(actor, target.region_id):
        raise NotFound(_("There is no such item or scenario in your region."))
    name = (name or walkin.name).strip()
    if not name:
        raise ValidationFailed(_("Enter the applicant's name."), code="applicant_name")
    # The queue ticket is the service centre's (`org`): checked before any write.
    ticket = org_selectors.ticket_get(actor=actor, ticket_id=ticket_id) if ticket_id else None
    with transaction.atomic():  # all or nothing: the draft, its details, the served ticket
        case = draft_start(
            actor=actor,
            scenario=scenario,
            item=item,
            channel=Case.Channel.WINDOW,
            applicant=walkin.account,
            applicant_index=walkin.index,
            applicant_name=name,
            allow_duplicate=allow_duplicate,
        )
        changed = []
        if not case.applicant_id_masked:
            case.applicant_id_masked = walkin.masked
            changed.append("applicant_id_masked")
        phone = phone_clean(phone) or walkin.phone
        if phone and case.contact_phone != phone:
            case.contact_phone = phone[:20]
            changed.append("contact_phone")
        if window is not None and case.window_id is None:
            case.window = window
            changed.append("window")
        if changed:
            case.save(update_fields=[*changed, "updated_at"])
        carried = _lookup_form_data(case, walkin, name, phone or walkin.phone)
        if carried:
            case = draft_save(actor=actor, case=case, form_data=carried)
        if ticket is not None:
            org_services.ticket_serve(
                actor=actor, ticket_id=ticket.pk, served_ref=ticket_served_ref(case)
            )
    return case


def _after_acceptance_key(actor: Any, top: Case, key: str) -> CaseMaterial:
    """The material `key` of an accepted application that the clerk may still supply: asked
    for by an open supplement, or pledged. Anything else: ValidationFailed."""
    case_of_clerk(actor, top)
    if top.status not in AFTER_ACCEPTANCE:
        raise ValidationFailed(
            _("This application is no longer open at the window."), code="not_open"
        )
    material = CaseMaterial.objects.filter(case=top, key=key).first()
    if material is None:
        raise ValidationFailed(_("This application has no such material."), code="material")
    if key not in supplement_keys(top) and material.mode != M.PLEDGED:
        raise ValidationFailed(
            _("Only pledged materials or materials asked for again can be supplied now."),
            code="not_open",
        )
    return material


def _clear_file(material: CaseMaterial) -> None:
    """Drop the stored file of `material` once the change is committed."""
    if material.file:
        name, storage = material.file.name, material.file.storage
        transaction.on_commit(lambda: storage.delete(name))
    material.file = ""
    material.sha256 = ""
    material.size = 0
    material.content_type = ""
    material.original_name = ""


def material_check(
    *, actor: Any, case: Case, key: str, mode: str, pledge: bool | None = None
) -> CaseMaterial:
    """The clerk records what the walk-in brought for one material: the original checked
    (PAPER), a pledge to supply it later (PLEDGED, non-key materials only) or nothing
    (MISSING). Held data and e-licences are not the clerk's to change. After acceptance only
    the original of a pledged material, or of one asked for by a supplement, can be checked."""
    del pledge
    top = case_of_clerk(actor, case.top)
    if mode not in CLERK_MODES:
        raise ValidationFailed(_("Unknown material check."), code="invalid_mode")
    if top.status in AFTER_ACCEPTANCE:
        _after_acceptance_key(actor, top, key)
        if mode != M.PAPER:
            raise ValidationFailed(
                _("After acceptance a material can only be supplied: check the original."),
                code="invalid_mode",
            )
    else:
        top = case_open_at_window(actor, top)
    with transaction.atomic():
        material = CaseMaterial.objects.select_for_update().filter(case=top, key=key).first()
        if material is None:
            raise ValidationFailed(_("This application has no such material."), code="material")
        if material.mode in (M.HELD, M.LICENCE):
            raise ValidationFailed(
                _("This material comes from shared data: there is nothing to check."),
                code="material_shared",
            )
        if mode == M.PLEDGED and material.key_material:
            raise ValidationFailed(
                _("A key material cannot be pledged: it must be checked now."),
                code="pledge_key_material",
            )
        material.mode = mode
        material.checked_by = actor if mode != M.MISSING else None
        if mode != M.UPLOAD:
            _clear_file(material)
        material.full_clean()
        material.save()
    return material


def material_scan(*, actor: Any, case: Case, key: str, file: Any) -> CaseMaterial:
    """The clerk uploads a scan of a material: of an application still open at the window,
    of a material asked for by an open supplement, or of a pledged one after acceptance.
    Checked by content like every upload (`cases.uploads`)."""
    from onestop.cases import uploads

    top = case_of_clerk(actor, case.top)
    if top.status not in AFTER_ACCEPTANCE:
        case_open_at_window(actor, top)
        return uploads.material_upload(actor=actor, case=top, key=key, file=file)
    material = _after_acceptance_key(actor, top, key)
    if key in supplement_keys(top):
        return uploads.material_upload(actor=actor, case=top, key=key, file=file)
    # A pledged material (uploads only takes drafts and supplements): the same content check.
    checked = uploads.file_check(file)
    with transaction.atomic():
        locked = CaseMaterial.objects.select_for_update().get(pk=material.pk)
        if locked.mode != M.PLEDGED:
            raise ValidationFailed(
                _("Only pledged materials or materials asked for again can be supplied now."),
                code="not_open",
            )
        _clear_file(locked)
        locked.file.save(
            f"{uuid.uuid4().hex}{checked.extension}", ContentFile(checked.data), save=False
        )
        new_name, storage = locked.file.name, locked.file.storage
        try:
            locked.mode = M.UPLOAD
            locked.sha256 = checked.sha256
            locked.size = len(checked.data)
            locked.content_type = checked.content_type
            locked.original_name = checked.original_name
            locked.checked_by = actor
            locked.full_clean()
            locked.save()
        except Exception:
            storage.delete(new_name)
            raise
    return locked


def window_supplement_answer(*, actor: Any, case: Case, note: str = "") -> list[Case]:
    """Answer at the window every open supplement request of the application whose materials
    were all handed in again (a walk-in may have no account, hence no "my space"). Returns the
    item cases answered; none ready → the service's error for the first one."""
    top = case_of_clerk(actor, case.top)
    waiting = [s for s in open_supplements(top) if s.case.status == Case.Status.SUPPLEMENT]
    if not waiting:
        raise ValidationFailed(_("Nothing is waiting for a supplement."), code="no_supplement")
    answered: list[Case] = []
    first_error: Exception | None = None
    for supplement in waiting:
        try:
            done = supplements.supplement_answer(actor=actor, case=supplement.case, note=note)
            answered.append(done)
        except ValidationFailed as error:
            first_error = first_error or error
    if not answered and first_error is not None:
        raise first_error
    return answered


def window_accept(
    *,
    actor: Any,
    case: Case,
    window: Window | None = None,
    pledge_due: datetime.date | None = None,
    idempotency_key: str | None = None,
) -> Case:
    """Accept the application (with a pledge when materials are pledged); the receipt
    document is kept so the PDF prints the same each time. The same acceptance posted again
    (a double click, a retry: same idempotency key) returns the accepted case."""
    top = case_of_clerk(actor, case.top)
    if idempotency_key and top.number and top.idempotency_key == idempotency_key:
        return top
    case = case_open_at_window(actor, top)
    accepted = case_accept(
        actor=actor,
        case=case,
        window=window,
        pledge_due=pledge_due,
        idempotency_key=idempotency_key,
    )
    receipt_ensure(actor=actor, case=accepted)
    return accepted


def window_notice(*, actor: Any, case: Case, window: Any = None) -> CaseDocument:
    """Issue the one-time notice listing everything missing (at `window`, the clerk's seat)."""
    case = case_open_at_window(actor, case.top)
    document: CaseDocument = notice_issue(actor=actor, case=case, window=window)
    return document


def window_result_collect(*, actor: Any, case: Case) -> Case:
    """Hand a paper result over to the applicant."""
    case_of_clerk(actor, case)
    collected: Case = delivery.result_collect(actor=actor, case=case)
    return collected


def window_result_post(*, actor: Any, case: Case, tracking_number: str) -> Case:
    """Record that a result the applicant wanted by post was sent (its tracking number)."""
    case_of_clerk(actor, case)
    posted: Case = delivery.result_post(actor=actor, case=case, tracking_number=tracking_number)
    return posted


def receipt_ensure(*, actor: Any, case: Case) -> CaseDocument:
    """The acceptance receipt of an accepted case, window or online (made once, under the case's
    row lock; later calls return the same one, so the PDF prints the same every time)."""
    top = case.top
    existing = top.documents.filter(kind=CaseDocument.Kind.RECEIPT).first()
    if existing is not None:
        return existing
    if top.number is None or top.accepted_at is None:
        raise ValidationFailed(_("This application has not been accepted."), code="not_accepted")
    with transaction.atomic():
        Case.objects.select_for_update().filter(pk=top.pk).first()
        existing = top.documents.filter(kind=CaseDocument.Kind.RECEIPT).first()
        if existing is not None:
            return existing
        data = receipt_data(top)
        if top.channel == Case.Channel.WINDOW:
            # 一次一评: the receipt of a window visit carries the link to rate it.
            rating = hooks.receipt_rating_link(top)
            if rating:
                data["rating_link"] = rating
        digest = hashlib.sha256(canonical_json(data)).hexdigest()
        document = CaseDocument(case=top, kind=CaseDocument.Kind.RECEIPT, data=data, sha256=digest)
        document.created_by = actor if getattr(actor, "pk", None) else None
        document.full_clean()
        document.save()
    return document


def document_get(*, actor: Any, case: Case, kind: str) -> CaseDocument:
    case_of_clerk(actor, case)
    top = case.top
    if kind == CaseDocument.Kind.RECEIPT and top.number and top.accepted_at:
        return receipt_ensure(actor=actor, case=top)
    document = top.documents.filter(kind=kind).order_by("-created_at", "-id").first()
    if document is None:
        raise NotFound(_("This application has no such paper."), code="document_not_found")
    return document
