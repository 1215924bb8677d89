"""After the forward (docs/federation.md, "Supplements and withdrawal across nodes"): a
supplement the handling node asks for reaches the applicant on the receiving node, whose
answer goes back; a withdrawal on the receiving node reaches the handling node.

- ``case.status`` with ``status: "supplement"`` carries the request (reason, the materials by
  key and name, the day it is due on the handling node's calendar): the mirror keeps it
  (`Case.remote_item["supplement"]`) and the applicant is told once.
- ``case.supplement`` (outbox, receiving → handling): ``{"case": "<mirror id>", "note",
  "materials": [scans, as in case.forward]}``; the handling node uploads the scans for the
  applicant and answers its open request (`supplements.supplement_answer`): the case goes back
  to review, and its ``case.status`` moves the mirror.
- ``case.withdraw`` (outbox, receiving → handling): ``{"case": "<mirror id>"}``; the handling
  node withdraws its case (`withdrawal.case_withdraw`, refused once an item is decided) and
  its ``case.status`` ("withdrawn") moves the mirror.

Both are written in the transaction of the applicant's request, with a step on the mirror's
timeline ("Sent to region …"); the mirror's status moves only when the handling node says so.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from onestop.cases import policies
from onestop.cases.models import Case, CaseEvent
from onestop.cases.services.common import (
    S,
    case_lock,
    case_not_found,
    case_save,
    current_time,
    event_record,
)
from onestop.cases.services.forwarding import (
    _files_of,
    _materials_sent,
    _materials_store,
)
from onestop.cases.services.notices import case_notify, case_title
from onestop.cases.uploads import file_check
from onestop.core import dates
from onestop.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

SUPPLEMENT = "case.supplement"
WITHDRAW = "case.withdraw"
WITHDRAWABLE = (S.ACCEPTED, S.SUPPLEMENT)


# --- the receiving node ------------------------------------------------------------------------


def supplement_received(mirror: Case, body: dict[str, Any]) -> None:
    """A ``case.status`` "supplement" applied to the mirror (inside its transaction): keep the
    request and tell the applicant once per request."""
    materials = [
        {
            "key": str(m.get("key"))[:80],
            "name_zh": str(m.get("name_zh") or m.get("key"))[:300],
            "name_en": str(m.get("name_en") or "")[:300],
        }
        for m in body.get("supplement_materials") or []
        if isinstance(m, dict) and m.get("key")
    ]
    request = {
        "seq": int(body.get("seq") or 0),
        "reason": str(body.get("supplement") or "")[:2000],
        "materials": materials,
        "due": str(body.get("supplement_due") or "")[:10],
    }
    mirror.remote_item = {**(mirror.remote_item or {}), "supplement": request}
    from onestop.cases.services.notices import case_language

    language = case_language(mirror)
    names = [
        (m["name_en"] if language.startswith("en") and m["name_en"] else m["name_zh"])
        for m in materials
    ]
    case_notify(
        mirror,
        "case.supplement_requested",
        {
            "number": mirror.number,
            "item": case_title(mirror),
            "materials": "、".join(names) or request["reason"],
            "deadline": dates.date_text(request["due"], language) if request["due"] else "",
        },
        dedupe=f"case.supplement_requested:{mirror.pk}:{request['seq']}",
    )


def _mirror_of(actor: Any, case: Case) -> Case:
    top = case_lock(case.top)
    if not top.is_mirror or top.parent_id is not None:
        raise case_not_found()
    if not policies.can_view(actor, top):
        raise case_not_found()
    return top


def mirror_supplement_answer(
    *, actor: Any, case: Case, files: dict[str, Any], note: str = ""
) -> Case:
    """The applicant (or a clerk of this node at the window) answers, here, the supplement the
    handling node asked for: a scan of every material asked for, sent back with
    ``case.supplement``. Once per request; the mirror moves when the handling node reports."""
    note = str(note or "").strip()[:2000]
    with transaction.atomic():
        mirror = _mirror_of(actor, case)
        if not (
            policies.is_applicant(actor, mirror) or policies.is_clerk(actor, settings.NODE_REGION)
        ):
            raise PermissionDenied(_("You may not answer this request."), code="forbidden")
        request = (mirror.remote_item or {}).get("supplement") or {}
        if mirror.status != S.SUPPLEMENT or not request or request.get("answered"):
            raise Conflict(_("Nothing is waiting for a supplement."), code="no_supplement")
        wanted = {m["key"]: m for m in request.get("materials") or []}
        unknown = sorted(set(files) - set(wanted))
        if unknown:
            raise ValidationFailed(
                _("These materials are not part of the application: %(keys)s.")
                % {"keys": ", ".join(unknown)},
                code="unknown_material",
                details={"materials": unknown},
            )
        missing = sorted(set(wanted) - set(files))
        if missing or (not wanted and not note):
            raise ValidationFailed(
                _("Hand in every requested material again first."),
                code="materials_missing",
                details={"materials": missing},
            )
        checked = [(wanted[key], file_check(file)) for key, file in sorted(files.items())]
        _materials_store(mirror, {"materials": list(wanted.values())}, checked)
        sent = [m for m in _materials_sent(mirror) if m["key"] in wanted]
        from onestop.federation import services as federation_services

        federation_services.message_send(
            to_region=mirror.handling_region,
            type=SUPPLEMENT,
            body={"case": str(mirror.pk), "note": note, "materials": sent},
            purpose="case",
            subject=f"case:{mirror.pk}",
        )
        now = current_time()
        mirror.remote_item = {
            **mirror.remote_item,
            "supplement": {**request, "answered": now.isoformat()},
        }
        case_save(mirror)
        event_record(
            mirror,
            CaseEvent.Kind.REMOTE_REQUEST,
            actor=actor,
            note=note,
            data={
                "region": mirror.handling_region,
                "request": "supplement",
                "materials": sorted(wanted),
            },
            at=now,
        )
    return mirror


def mirror_withdraw(*, actor: Any, case: Case) -> Case:
    """The applicant withdraws, here, an application the handling node has acknowledged and
    not decided: ``case.withdraw`` goes to it; the mirror is withdrawn when it reports so."""
    with transaction.atomic():
        mirror = _mirror_of(actor, case)
        if not policies.is_applicant(actor, mirror):
            raise PermissionDenied(_("Only the applicant may withdraw."), code="forbidden")
        withdraw_send(mirror, actor=actor)
    return mirror


def withdraw_send(mirror: Case, *, actor: Any) -> None:
    """Queue ``case.withdraw`` for the (locked) mirror — a lone one, or an item of a joint
    bundle that its applicant withdraws (`withdrawal.case_withdraw`); once. Refused before the
    handling node acknowledged the case (it may not have it yet) and once it decided."""
    if (mirror.remote_item or {}).get("withdraw"):
        return  # asked already: once
    if mirror.status not in WITHDRAWABLE or mirror.decision or not mirror.acknowledged_at:
        raise Conflict(
            _(
                "This application can no longer be withdrawn here, or region %(region)s has "
                "not acknowledged it yet: try again later."
            )
            % {"region": mirror.handling_region},
            code="not_withdrawable",
        )
    from onestop.federation import services as federation_services

    federation_services.message_send(
        to_region=mirror.handling_region,
        type=WITHDRAW,
        body={"case": str(mirror.pk)},
        purpose="case",
        subject=f"case:{mirror.pk}",
    )
    now = current_time()
    mirror.remote_item = {**(mirror.remote_item or {}), "withdraw": now.isoformat()}
    case_save(mirror)
    event_record(
        mirror,
        CaseEvent.Kind.REMOTE_REQUEST,
        actor=actor,
        data={"region": mirror.handling_region, "request": "withdraw"},
        at=now,
    )


# --- the handling node -------------------------------------------------------------------------


def _forwarded(body: dict[str, Any], peer: Any) -> Case:
    case = Case.objects.filter(
        receiving_region=peer.region, remote_case=str(body.get("case") or "")[:64]
    ).first()
    if case is None or case.applicant is None:
        raise NotFound(
            f"No case received from {peer.region} for {body.get('case')}.", code="unknown_case"
        )
    return case


def supplement_handler(envelope: dict[str, Any], peer: Any) -> dict[str, Any]:
    """``case.supplement``: the scans are handed in again for the applicant and the open
    request is answered (inside the inbox transaction; a refusal changes nothing)."""
    from onestop.cases.services.supplements import supplement_answer
    from onestop.cases.uploads import material_upload

    body = envelope["body"]
    case = _forwarded(body, peer)
    if case.status != S.SUPPLEMENT:
        raise Conflict("Nothing is waiting for a supplement.", code="no_supplement")
    user = case.applicant
    for key, file in _files_of(body.get("materials")).items():
        material_upload(actor=user, case=case, key=key, file=file)
    answered = supplement_answer(actor=user, case=case, note=str(body.get("note") or "")[:2000])
    return {"case": answered.number, "status": str(answered.status)}


def withdraw_handler(envelope: dict[str, Any], peer: Any) -> dict[str, Any]:
    """``case.withdraw``: the applicant withdrew at the receiving node (a decided case
    refuses: 409 not_withdrawable)."""
    from onestop.cases.services.withdrawal import case_withdraw

    case = _forwarded(envelope["body"], peer)
    done = case_withdraw(actor=case.applicant, case=case)
    return {"case": done.number, "status": str(done.status)}


def register() -> None:
    from onestop.federation import handlers

    handlers.register(SUPPLEMENT, supplement_handler)
    handlers.register(WITHDRAW, withdraw_handler)
