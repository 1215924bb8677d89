"""Reads of the window console: clerks' centres and windows, the walk-in's cases,
what may still be supplied, the receipt's data.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from onestop.accounts.models import StaffRole, User
from onestop.accounts.policies import region_covers, roles
from onestop.cases import policies
from onestop.cases.models import Case, CaseDocument, CaseMaterial, Supplement, window_ref
from onestop.core.errors import NotFound, PermissionDenied, ValidationFailed
from onestop.org import selectors as org_selectors
from onestop.org.models import ServiceCentre, Window

M = CaseMaterial.Mode

# Cases the clerk can still work on at the window (a second visit continues a notice).
OPEN_AT_WINDOW = (Case.Status.DRAFT, Case.Status.NOTICE)


def clerk_regions(actor: Any) -> list[str]:
    """Codes of the regions in which `actor` is a window clerk (superusers: every region)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return []
    if not getattr(actor, "is_active", True):
        return []
    return sorted({r.region_id for r in roles(actor) if r.role == StaffRole.Role.WINDOW_CLERK})


def is_clerk_of(actor: Any, region_code: str) -> bool:
    return policies.is_clerk(actor, region_code)


def require_clerk(actor: Any) -> list[str]:
    regions = clerk_regions(actor)
    if not regions and not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("Only window clerks may use the window console."))
    return regions


def _case_not_found() -> NotFound:
    return NotFound(_("There is no case with this number here."), code="case_not_found")


def case_of_clerk(actor: Any, case: Case) -> Case:
    if not is_clerk_of(actor, case.region_id):
        raise _case_not_found()
    return case


def centres_for_clerk(*, actor: Any) -> QuerySet[ServiceCentre]:
    regions = require_clerk(actor)
    qs = org_selectors.centre_list_all()
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
    return org_selectors.window_list(centres=centres)


def window_get(*, actor: Any, window_id: Any) -> Window:
    try:
        return windows_for_clerk(actor=actor).get(pk=int(window_id))
    except (Window.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("There is no such window at your service centre.")) from None


@dataclass
class Walkin:
    """Who stands at the window, as the clerk may see them: never the ID in clear."""

    kind: str  # "person" | "business"
    index: str  # blind index of the resident ID / credit code (the case's applicant_index)
    masked: str
    account: User | None = None
    name: str = ""
    cases: list[Case] = field(default_factory=list)
    # What the clerk typed at the look-up, carried into the application's form: the phone, and
    # the ID / credit code sealed with the PII key (never in clear in the session).
    phone: str = ""
    sealed: str = ""


def cases_of_walkin(*, actor: Any, index: str) -> QuerySet[Case]:
    """The walk-in's top cases in the clerk's regions, open ones first (a notice to continue,
    results to collect)."""
    regions = require_clerk(actor)
    qs = Case.objects.filter(applicant_index=index, parent__isnull=True).select_related(
        "scenario", "item"
    )
    if not getattr(actor, "is_superuser", False):
        qs = qs.filter(region_id__in=covered_regions(regions))
    return qs.order_by("-created_at")


def covered_regions(regions: list[str]) -> list[str]:
    codes = org_selectors.region_codes()
    return [c for c in codes if any(region_covers(scope, c) for scope in regions)]


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
    return case_of_clerk(actor, case)


def case_ref(case: Case) -> str:
    """What identifies the case in window URLs: its number, or its id while it has none."""
    return case.number or str(case.pk)


def case_open_at_window(actor: Any, case: Case) -> Case:
    case_of_clerk(actor, case)
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


def supplement_keys(top: Case) -> set[str]:
    return {str(k) for s in open_supplements(top) for k in s.materials or []}


def supply_keys(case: Case) -> set[str]:
    """Keys of the materials the clerk may still supply on an accepted application."""
    top = case.top
    if top.status not in AFTER_ACCEPTANCE:
        return set()
    pledged = {m.key for m in top.materials.all() if m.mode == M.PLEDGED}
    return pledged | supplement_keys(top)


def missing_materials(case: Case) -> list[CaseMaterial]:
    return [m for m in case.top.materials.all() if m.required and m.mode == M.MISSING]


def pledged_materials(case: Case) -> list[CaseMaterial]:
    return [m for m in case.top.materials.all() if m.mode == M.PLEDGED]


def _item_cases(case: Case) -> list[Case]:
    """The item cases of `case`'s application: a bundle's children, or the item case itself."""
    top = case.top
    return list(top.children.select_related("item")) if top.kind == Case.Kind.BUNDLE else [top]


def results_to_collect(*, case: Case) -> list[Case]:
    cases = _item_cases(case)
    return [
        c
        for c in cases
        if c.result_kind == Case.ResultKind.PAPER
        and c.delivery != Case.Delivery.POST
        and c.result_collected_at is None
    ]


def results_to_post(*, case: Case) -> list[Case]:
    """The decided item cases whose results the applicant wanted by post, not sent yet."""
    cases = _item_cases(case)
    return [
        c
        for c in cases
        if c.delivery == Case.Delivery.POST
        and not c.tracking_number
        and c.status != Case.Status.REJECTED
    ]


def _material_row(m: CaseMaterial) -> dict[str, Any]:
    return {
        "key": m.key,
        "name_zh": m.name_zh,
        "name_en": m.name_en,
        "mode": m.mode,
        # what "held" means for this applicant (generated, issued here, shared data)
        "source": m.source,
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
    window = top.window if top.window_id else None
    centre = (
        window.centre
        if window is not None
        else org_selectors.centre_list(region=str(top.region_id)).first()
    )
    names = top.remote_item if top.is_mirror else {}
    data = {
        "number": top.number,
        "title_zh": subject.name_zh if subject is not None else str(names.get("name_zh") or ""),
        "title_en": subject.name_en if subject is not None else str(names.get("name_en") or ""),
        "applicant_name": top.applicant_name,
        "applicant_id_masked": top.applicant_id_masked,
        "accepted_at": top.accepted_at.isoformat() if top.accepted_at else "",
        "window": window_ref(window) if window is not None else "",
        "centre": {"zh": centre.name_zh, "en": centre.name_en} if centre is not None else "",
        "centre_slug": centre.slug if centre is not None else "",
        "items": [_receipt_item(c) for c in children],
        "materials": [_material_row(m) for m in materials],
        "pledged": [_material_row(m) for m in materials if m.mode == M.PLEDGED],
        "pledge_due": top.pledge_due.isoformat() if top.pledge_due else "",
    }
    if top.is_mirror:  # received here for another region's node, which handles it
        data["handling_region"] = top.handling_region
    return data


def _receipt_item(case: Case) -> dict[str, Any]:
    """An item line of the receipt; an item another region's node handles names that region
    (its name and code as that node sent them)."""
    if case.is_mirror:
        names = case.remote_item or {}
        return {
            "number": case.number or "",
            "code": str(names.get("code") or ""),
            "name_zh": str(names.get("name_zh") or ""),
            "name_en": str(names.get("name_en") or ""),
            "promised_days": case.promised_days,
            "due_date": case.due_date.isoformat() if case.due_date else "",
            "handling_region": case.handling_region,
        }
    return {
        "number": case.number or "",
        "code": case.item.code if case.item_id and case.item else "",
        "name_zh": case.item.name_zh if case.item_id and case.item else "",
        "name_en": case.item.name_en if case.item_id and case.item else "",
        "promised_days": case.promised_days,
        "due_date": case.due_date.isoformat() if case.due_date else "",
    }


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
