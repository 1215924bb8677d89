"""Unified acceptance at the service centre: the walk-in queue, the clerk's look-up of the
walk-in, window applications (any department's item), the material check, and the three ways
out: accept, one-time notice, accept against a pledge.

The case itself is written by `onestop.cases.services` (draft_start, draft_save, case_accept,
notice_issue, result_collect); this module adds what only the window does and checks that the
actor is a window clerk of the case's region. A clerk of another region gets NotFound, so a
foreign case number reveals nothing.
"""

from __future__ import annotations

import datetime
import hashlib
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.accounts.models import StaffRole, User
from onestop.accounts.policies import region_covers
from onestop.cases import policies, services
from onestop.cases.models import Case, CaseDocument, CaseMaterial, QueueTicket, Supplement
from onestop.core import access_log, crypto, identity
from onestop.core.errors import NotFound, PermissionDenied, ValidationFailed
from onestop.ledger.canonical import canonical_json
from onestop.org.models import ServiceCentre, Window

M = CaseMaterial.Mode
TICKET_PREFIX = "A"
TAKE_ATTEMPTS = 20
# Cases the clerk can still work on at the window (a second visit continues a notice).
OPEN_AT_WINDOW = (Case.Status.DRAFT, Case.Status.NOTICE)
# What the clerk may set by hand; HELD / LICENCE come from shared data, UPLOAD from a scan.
CLERK_MODES = (M.PAPER, M.PLEDGED, M.MISSING)


# --- who is a clerk where ------------------------------------------------------------------


def clerk_regions(actor: Any) -> list[str]:
    """Codes of the regions in which `actor` is a window clerk (superusers: every region)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return []
    if not getattr(actor, "is_active", True):
        return []
    roles = StaffRole.objects.filter(user_id=actor.pk, role=StaffRole.Role.WINDOW_CLERK)
    return sorted({r.region_id for r in roles})


def is_clerk_of(actor: Any, region_code: str) -> bool:
    return policies.is_clerk(actor, region_code)


def require_clerk(actor: Any) -> list[str]:
    regions = clerk_regions(actor)
    if not regions and not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("Only window clerks may use the window console."))
    return regions


def _case_not_found() -> NotFound:
    return NotFound(_("There is no case with this number here."), code="case_not_found")


def _check_case(actor: Any, case: Case) -> Case:
    if not is_clerk_of(actor, case.region_id):
        raise _case_not_found()
    return case


# --- the service centre and its windows ----------------------------------------------------


def centres_for_clerk(*, actor: Any) -> QuerySet[ServiceCentre]:
    regions = require_clerk(actor)
    qs = ServiceCentre.objects.select_related("region").order_by("region_id", "slug")
    if getattr(actor, "is_superuser", False):
        return qs
    q = Q(pk__in=[])
    for code in regions:
        if code.endswith("0000"):
            q |= Q(region_id__startswith=code[:2])
        elif code.endswith("00"):
            q |= Q(region_id__startswith=code[:4])
        else:
            q |= Q(region_id=code)
    return qs.filter(q)


def windows_for_clerk(*, actor: Any) -> QuerySet[Window]:
    centres = centres_for_clerk(actor=actor)
    return (
        Window.objects.filter(centre__in=centres)
        .select_related("centre")
        .order_by("centre__slug", "number")
    )


def window_get(*, actor: Any, window_id: Any) -> Window:
    try:
        return windows_for_clerk(actor=actor).get(pk=int(window_id))
    except (Window.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("There is no such window at your service centre.")) from None


# --- queue ---------------------------------------------------------------------------------


def _today() -> datetime.date:
    return timezone.localdate()


def ticket_take(
    *,
    centre: ServiceCentre,
    scenario: Any = None,
    item: Any = None,
    purpose: str = "",
    day: datetime.date | None = None,
) -> QueueTicket:
    """A walk-in takes the next number of `centre` today (A001, A002 ...).

    Two kiosks taking at the same moment may read the same last number; the unique
    (centre, day, seq) constraint rejects the second insert, which then reads again."""
    day = day or _today()
    if scenario is not None and scenario.region_id != centre.region_id:
        raise ValidationFailed(_("This scenario is not handled at this centre."))
    if item is not None and item.region_id != centre.region_id:
        raise ValidationFailed(_("This item is not handled at this centre."))
    # Nothing translated is stored: the scenario / item is shown by its name in the reader's
    # language, and a ticket with neither and no purpose is "other business" (see
    # `ticket_purpose`).
    for attempt in range(TAKE_ATTEMPTS):
        try:
            with transaction.atomic():
                found = QueueTicket.objects.filter(centre=centre, day=day).aggregate(m=Max("seq"))
                seq = (found["m"] or 0) + 1
                ticket = QueueTicket(
                    centre=centre,
                    day=day,
                    seq=seq,
                    number=f"{TICKET_PREFIX}{seq:03d}",
                    purpose=purpose[:200],
                    scenario=scenario,
                    item=item,
                )
                ticket.full_clean(validate_unique=False, validate_constraints=False)
                ticket.save(force_insert=True)
        except IntegrityError:
            continue  # someone took this number first: read the last number again
        except OperationalError:
            # SQLite lets one writer at a time ("database is locked"): wait and try again.
            if connection.vendor != "sqlite":
                raise
            time.sleep(0.01 * (attempt + 1))
            continue
        return ticket
    raise ValidationFailed(_("The queue is busy: please take a number again."), code="busy")


def ticket_purpose(ticket: QueueTicket) -> str:
    """What the walk-in came for, in the active language."""
    if ticket.scenario_id and ticket.scenario is not None:
        return str(ticket.scenario.name)
    if ticket.item_id and ticket.item is not None:
        return str(ticket.item.name)
    return ticket.purpose or _("Other business")


def queue_waiting(*, actor: Any, centre: ServiceCentre) -> QuerySet[QueueTicket]:
    if centre not in centres_for_clerk(actor=actor):
        raise NotFound(_("There is no such window at your service centre."))
    return QueueTicket.objects.filter(
        centre=centre, day=_today(), status=QueueTicket.Status.WAITING
    ).order_by("seq")


def queue_called(*, actor: Any, window: Window) -> QuerySet[QueueTicket]:
    """Tickets called to `window` today and not yet finished."""
    window_get(actor=actor, window_id=window.pk)
    return QueueTicket.objects.filter(
        window=window, day=_today(), status=QueueTicket.Status.CALLED
    ).order_by("-called_at")


def callable_tickets(*, window: Window) -> QuerySet[QueueTicket]:
    """Today's waiting tickets `window` can take, the longest-waiting first. A comprehensive
    window takes everyone (unified acceptance); a department's own window takes the walk-ins
    who came for one of its departments' items, and those who did not say."""
    qs = QueueTicket.objects.filter(
        centre_id=window.centre_id, day=_today(), status=QueueTicket.Status.WAITING
    )
    if not window.comprehensive:
        departments = list(window.departments.values_list("pk", flat=True))
        qs = qs.filter(
            Q(item__implementing_department_id__in=departments)
            | Q(item__isnull=True, scenario__isnull=True)
        )
    return qs.order_by("seq")


def ticket_call_next(*, actor: Any, window: Window) -> QueueTicket | None:
    """Call the longest-waiting ticket `window` can take to it (None: nobody waits for it).
    Two clerks calling at once never get the same ticket: the update is conditional."""
    window = window_get(actor=actor, window_id=window.pk)
    for _attempt in range(TAKE_ATTEMPTS):
        ticket = callable_tickets(window=window).first()
        if ticket is None:
            return None
        now = timezone.now()
        with transaction.atomic():
            won = QueueTicket.objects.filter(
                pk=ticket.pk, status=QueueTicket.Status.WAITING
            ).update(
                status=QueueTicket.Status.CALLED, window=window, called_by=actor, called_at=now
            )
        if won:
            ticket.refresh_from_db()
            return ticket
    return None


def _ticket_for_window(actor: Any, ticket_id: Any) -> QueueTicket:
    try:
        ticket = QueueTicket.objects.select_related("centre").get(pk=int(ticket_id))
    except (QueueTicket.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("There is no such queue ticket.")) from None
    if ticket.centre not in centres_for_clerk(actor=actor):
        raise NotFound(_("There is no such queue ticket."))
    return ticket


def ticket_get(*, actor: Any, ticket_id: Any) -> QueueTicket:
    return _ticket_for_window(actor, ticket_id)


def ticket_absent(*, actor: Any, ticket_id: Any) -> QueueTicket:
    """The called walk-in did not come to the window."""
    ticket = _ticket_for_window(actor, ticket_id)
    with transaction.atomic():
        changed = QueueTicket.objects.filter(
            pk=ticket.pk, status__in=[QueueTicket.Status.CALLED, QueueTicket.Status.WAITING]
        ).update(status=QueueTicket.Status.ABSENT, served_at=timezone.now())
    if not changed:
        raise ValidationFailed(_("This ticket has already been served."), code="ticket_done")
    ticket.refresh_from_db()
    return ticket


def ticket_serve(*, actor: Any, ticket_id: Any, case: Case | None = None) -> QueueTicket:
    """The walk-in was served (optionally: the case started for them)."""
    ticket = _ticket_for_window(actor, ticket_id)
    if case is not None:
        _check_case(actor, case)
    with transaction.atomic():
        ticket = QueueTicket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.status in (QueueTicket.Status.SERVED, QueueTicket.Status.ABSENT):
            if case is not None and ticket.case_id is None:
                ticket.case = case
                ticket.save(update_fields=["case"])
            return ticket
        ticket.status = QueueTicket.Status.SERVED
        ticket.served_at = timezone.now()
        if case is not None:
            ticket.case = case
        ticket.save(update_fields=["status", "served_at", "case"])
    return ticket


# --- the walk-in --------------------------------------------------------------------------


@dataclass
class Walkin:
    """Who stands at the window, as the clerk may see them: never the ID in clear."""

    kind: str  # "person" | "business"
    index: str  # blind index of the resident ID / credit code (the case's applicant_index)
    masked: str
    account: User | None = None
    name: str = ""
    cases: list[Case] = field(default_factory=list)


def walkin_lookup(*, actor: Any, resident_id: str = "", uscc: str = "") -> Walkin:
    """Look the walk-in up by resident ID (or a business by its credit code).

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
        )
    elif uscc.strip():
        code = identity.validate_uscc(uscc)
        index = crypto.blind_index(code)
        account = (
            User.objects.filter(uscc=code, kind=User.Kind.BUSINESS, is_active=True)
            .order_by("pk")
            .first()
        )
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
        )
    else:
        raise ValidationFailed(
            _("Enter the resident ID or the unified social credit code."), code="required"
        )
    walkin.cases = list(cases_of_walkin(actor=actor, index=walkin.index)[:50])
    return walkin


def cases_of_walkin(*, actor: Any, index: str) -> QuerySet[Case]:
    """The walk-in's top cases in the clerk's regions, open ones first (a notice to continue,
    results to collect)."""
    regions = require_clerk(actor)
    qs = Case.objects.filter(applicant_index=index, parent__isnull=True).select_related(
        "scenario", "item"
    )
    if not getattr(actor, "is_superuser", False):
        qs = qs.filter(region_id__in=_covered_regions(regions))
    return qs.order_by("-created_at")


def _covered_regions(regions: list[str]) -> list[str]:
    from onestop.org.models import Region

    codes = list(Region.objects.values_list("code", flat=True))
    return [c for c in codes if any(region_covers(scope, c) for scope in regions)]


# --- window cases -------------------------------------------------------------------------


def case_for_window(*, actor: Any, ref: str) -> Case:
    """A case by its number, or a window application by its id (a draft or a notice has no
    number yet; the id keeps working after acceptance)."""
    require_clerk(actor)
    qs = Case.objects.select_related("scenario", "item", "region", "window", "applicant")
    case: Case | None
    try:
        case_id = uuid.UUID(str(ref))
    except ValueError:
        case = qs.filter(number=ref).first()
    else:
        case = qs.filter(pk=case_id, parent__isnull=True, channel=Case.Channel.WINDOW).first()
    if case is None:
        raise _case_not_found()
    return _check_case(actor, case)


def case_ref(case: Case) -> str:
    """What identifies the case in window URLs: its number, or its id while it has none."""
    return case.number or str(case.pk)


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
) -> Case:
    """Start a window application for the walk-in (any department's item, or a scenario),
    serving the queue ticket `ticket_id` with it. All or nothing: a bad ticket is refused
    before anything is written, and a failure later leaves no draft behind."""
    require_clerk(actor)
    target = scenario if scenario is not None else item
    if target is None:
        raise ValidationFailed(_("Choose an item or a scenario."), code="required")
    if not is_clerk_of(actor, target.region_id):
        raise NotFound(_("There is no such item or scenario in your region."))
    name = (name or walkin.name).strip()
    if not name:
        raise ValidationFailed(_("Enter the applicant's name."), code="applicant_name")
    ticket = _ticket_for_window(actor, ticket_id) if ticket_id else None  # before any write
    with transaction.atomic():  # all or nothing: the draft, its details, the served ticket
        case = services.draft_start(
            actor=actor,
            scenario=scenario,
            item=item,
            channel=Case.Channel.WINDOW,
            applicant=walkin.account,
            applicant_index=walkin.index,
            applicant_name=name,
        )
        changed = []
        if not case.applicant_id_masked:
            case.applicant_id_masked = walkin.masked
            changed.append("applicant_id_masked")
        if phone and case.contact_phone != phone:
            case.contact_phone = phone[:20]
            changed.append("contact_phone")
        if window is not None and case.window_id is None:
            case.window = window
            changed.append("window")
        if changed:
            case.save(update_fields=[*changed, "updated_at"])
        if ticket is not None:
            ticket_serve(actor=actor, ticket_id=ticket.pk, case=case)
    return case


def _open_case(actor: Any, case: Case) -> Case:
    _check_case(actor, case)
    if case.status not in OPEN_AT_WINDOW or case.channel != Case.Channel.WINDOW:
        raise ValidationFailed(
            _("This application is no longer open at the window."), code="not_open"
        )
    return case


# After acceptance the clerk may still hand in what was asked for again (an open supplement)
# or what was pledged (容缺受理), for a walk-in without an account as for anybody.
AFTER_ACCEPTANCE = (Case.Status.ACCEPTED, Case.Status.SUPPLEMENT)


def open_supplements(case: Case) -> list[Supplement]:
    """The unanswered supplement requests of the application (on its top case or items)."""
    top = case.top
    return list(
        Supplement.objects.filter(Q(case=top) | Q(case__parent=top), answered_at__isnull=True)
        .select_related("case", "case__item")
        .order_by("requested_at", "pk")
    )


def _supplement_keys(top: Case) -> set[str]:
    return {str(k) for s in open_supplements(top) for k in s.materials or []}


def _after_acceptance_key(actor: Any, top: Case, key: str) -> CaseMaterial:
    """The material `key` of an accepted application that the clerk may still supply: asked
    for by an open supplement, or pledged. Anything else: ValidationFailed."""
    _check_case(actor, top)
    if top.status not in AFTER_ACCEPTANCE:
        raise ValidationFailed(
            _("This application is no longer open at the window."), code="not_open"
        )
    material = CaseMaterial.objects.filter(case=top, key=key).first()
    if material is None:
        raise ValidationFailed(_("This application has no such material."), code="material")
    if key not in _supplement_keys(top) and material.mode != M.PLEDGED:
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
    top = _check_case(actor, case.top)
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
        top = _open_case(actor, top)
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

    top = _check_case(actor, case.top)
    if top.status not in AFTER_ACCEPTANCE:
        _open_case(actor, top)
        return uploads.material_upload(actor=actor, case=top, key=key, file=file)
    material = _after_acceptance_key(actor, top, key)
    if key in _supplement_keys(top):
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


def supplement_answer(*, actor: Any, case: Case, note: str = "") -> list[Case]:
    """Answer at the window every open supplement request of the application whose materials
    were all handed in again (a walk-in may have no account, hence no "my space"). Returns the
    item cases answered; none ready → the service's error for the first one."""
    top = _check_case(actor, case.top)
    waiting = [s for s in open_supplements(top) if s.case.status == Case.Status.SUPPLEMENT]
    if not waiting:
        raise ValidationFailed(_("Nothing is waiting for a supplement."), code="no_supplement")
    answered: list[Case] = []
    first_error: Exception | None = None
    for supplement in waiting:
        try:
            done = services.supplement_answer(actor=actor, case=supplement.case, note=note)
            answered.append(done)
        except ValidationFailed as error:
            first_error = first_error or error
    if not answered and first_error is not None:
        raise first_error
    return answered


def supply_keys(case: Case) -> set[str]:
    """Keys of the materials the clerk may still supply on an accepted application."""
    top = case.top
    if top.status not in AFTER_ACCEPTANCE:
        return set()
    pledged = {m.key for m in top.materials.all() if m.mode == M.PLEDGED}
    return pledged | _supplement_keys(top)


def missing_materials(case: Case) -> list[CaseMaterial]:
    return [m for m in case.top.materials.all() if m.required and m.mode == M.MISSING]


def pledged_materials(case: Case) -> list[CaseMaterial]:
    return [m for m in case.top.materials.all() if m.mode == M.PLEDGED]


def accept(
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
    top = _check_case(actor, case.top)
    if idempotency_key and top.number and top.idempotency_key == idempotency_key:
        return top
    case = _open_case(actor, top)
    accepted = services.case_accept(
        actor=actor,
        case=case,
        window=window,
        pledge_due=pledge_due,
        idempotency_key=idempotency_key,
    )
    receipt_ensure(actor=actor, case=accepted)
    return accepted


def notice(*, actor: Any, case: Case) -> CaseDocument:
    """Issue the one-time notice listing everything missing."""
    case = _open_case(actor, case.top)
    document: CaseDocument = services.notice_issue(actor=actor, case=case)
    return document


def result_collect(*, actor: Any, case: Case) -> Case:
    """Hand a paper result over to the applicant."""
    _check_case(actor, case)
    collected: Case = services.result_collect(actor=actor, case=case)
    return collected


def results_to_collect(*, case: Case) -> list[Case]:
    top = case.top
    cases = list(top.children.select_related("item")) if top.kind == Case.Kind.BUNDLE else [top]
    return [
        c for c in cases if c.result_kind == Case.ResultKind.PAPER and c.result_collected_at is None
    ]


# --- papers -------------------------------------------------------------------------------


def _material_row(m: CaseMaterial) -> dict[str, Any]:
    return {
        "key": m.key,
        "name_zh": m.name_zh,
        "name_en": m.name_en,
        "mode": m.mode,
        "key_material": m.key_material,
        "required": m.required,
    }


def receipt_data(case: Case) -> dict[str, Any]:
    """What the receipt prints: the case, its items and limits, and every material's state."""
    top = case.top
    children = (
        list(top.children.select_related("item", "department").order_by("number"))
        if top.kind == Case.Kind.BUNDLE
        else [top]
    )
    materials = list(top.materials.all())
    subject = top.scenario or top.item
    return {
        "number": top.number,
        "title_zh": subject.name_zh if subject is not None else "",
        "title_en": subject.name_en if subject is not None else "",
        "applicant_name": top.applicant_name,
        "applicant_id_masked": top.applicant_id_masked,
        "accepted_at": top.accepted_at.isoformat() if top.accepted_at else "",
        "window": str(top.window.number) if top.window_id and top.window else "",
        "items": [
            {
                "number": c.number or "",
                "code": c.item.code if c.item_id and c.item else "",
                "name_zh": c.item.name_zh if c.item_id and c.item else "",
                "name_en": c.item.name_en if c.item_id and c.item else "",
                "promised_days": c.promised_days,
                "due_date": c.due_date.isoformat() if c.due_date else "",
            }
            for c in children
        ],
        "materials": [_material_row(m) for m in materials],
        "pledged": [_material_row(m) for m in materials if m.mode == M.PLEDGED],
        "pledge_due": top.pledge_due.isoformat() if top.pledge_due else "",
    }


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
        digest = hashlib.sha256(canonical_json(data)).hexdigest()
        document = CaseDocument(case=top, kind=CaseDocument.Kind.RECEIPT, data=data, sha256=digest)
        document.created_by = actor if getattr(actor, "pk", None) else None
        document.full_clean()
        document.save()
    return document


def receipt_public(*, case: Case) -> CaseDocument:
    """The receipt of an accepted case for the public tracking link: the stored receipt's data,
    or the same computed in memory when none was stored yet (nothing is written: an anonymous
    GET changes nothing), without the applicant's name and masked ID. Unsaved."""
    top = case.top
    if top.number is None or top.accepted_at is None:
        raise NotFound(_("No case matches this tracking link."), code="case_not_found")
    stored = top.documents.filter(kind=CaseDocument.Kind.RECEIPT).first()
    data = dict(stored.data) if stored is not None and stored.data else receipt_data(top)
    data.pop("applicant_name", None)
    data.pop("applicant_id_masked", None)
    document = CaseDocument(case=top, kind=CaseDocument.Kind.RECEIPT, data=data)
    if stored is not None:
        document.created_at = stored.created_at
    return document


def document_get(*, actor: Any, case: Case, kind: str) -> CaseDocument:
    _check_case(actor, case)
    top = case.top
    if kind == CaseDocument.Kind.RECEIPT and top.number and top.accepted_at:
        return receipt_ensure(actor=actor, case=top)
    document = top.documents.filter(kind=kind).order_by("-created_at", "-id").first()
    if document is None:
        raise NotFound(_("This application has no such paper."), code="document_not_found")
    return document
