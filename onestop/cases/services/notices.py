"""What the applicant is told, and in which language: titles, material lists, the
way results come back, and the one notification per step.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from onestop.cases.models import (
    Case,
    CaseMaterial,
    window_label,
    window_ref,
)
from onestop.cases.services.common import S
from onestop.notify.templates import Bilingual


def case_language(case: Case) -> str:
    """The language of the applicant's notifications (notify's choice for the account; the
    node's default for an SMS to a walk-in's phone)."""
    from onestop.notify.services import recipient_language

    return recipient_language(case.top.applicant if case.top.applicant_id is not None else None)


def _name(obj: Any, language: str) -> str:
    english = str(getattr(obj, "name_en", "") or "")
    return english if language.startswith("en") and english else str(obj.name_zh)


def case_title(case: Case, language: str | None = None) -> str:
    """The item's (or scenario's) name in `language` (Chinese when there is no English one);
    by default in the applicant's notification language."""
    language = language or case_language(case)
    top = case.top
    if top.is_mirror and top.remote_item:  # a mirror: the item's names as its node sent them
        names = top.remote_item
        english = str(names.get("name_en") or "")
        return english if language.startswith("en") and english else str(names.get("name_zh"))
    if case.item_id and case.item is not None:
        return _name(case.item, language)
    if top.scenario is not None:
        return _name(top.scenario, language)
    return _name(top.item, language) if top.item is not None else ""


def case_notify(case: Case, template: str, context: dict[str, Any], *, dedupe: str) -> None:
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


def decided_notify(case: Case) -> None:
    """The one message of an item case's decision (by an officer or by rules), in the
    applicant's language."""

    def decision(language: str) -> str:
        with translation.override(language):
            if case.decision == "approve":
                return _("approved")
            if case.decision_reason:
                return _("not approved (%(reason)s)") % {"reason": case.decision_reason}
            return _("not approved")

    case_notify(
        case,
        "case.decided",
        {
            "number": case.number,
            "item": Bilingual.of(lambda lang: case_title(case, lang)),
            "decision": Bilingual.of(decision),
        },
        dedupe=f"case.decided:{case.pk}",
    )


def notify_method(top: Case, children: list[Case], language: str | None = None) -> str:
    """Where the results went, as one phrase in `language` (by default the applicant's
    notification language; a page passes the reader's): the same words as the result panel
    and the timeline (each item's `delivery`)."""
    language = language or case_language(top)
    with translation.override(language):
        approved = [c for c in children if c.status != S.REJECTED]
        windows: list[str] = []
        for c in approved:
            if c.delivery == Case.Delivery.WINDOW or (
                not c.delivery and c.result_kind == Case.ResultKind.PAPER
            ):
                name = window_name(c.delivery_window, language)
                if name not in windows:
                    windows.append(name)
        parts = []
        if any(c.result_kind == Case.ResultKind.LICENCE for c in approved):
            parts.append(_("e-licences in your wallet"))
        if any(c.delivery == Case.Delivery.POST for c in approved):
            parts.append(_("paper results sent by post (you are told the tracking number)"))
        if windows:
            parts.append(
                _("paper results to collect at %(windows)s") % {"windows": "、".join(windows)}
            )
        if len(approved) < len(children):
            parts.append(_("decision notices for the items not approved"))
        if not parts:
            return str(_("see your application"))
        return ("; " if language.startswith("en") else "；").join(str(p) for p in parts)


def window_name(window: Any, language: str) -> str:
    """A collection window as the applicant reads it ("the service centre window" when the
    node has none to name)."""
    with translation.override(language):
        return window_label(window_ref(window))


def materials_text(top: Case, keys: list[str], language: str) -> str:
    """The names of the materials `keys` in `language`, listed the way that language does."""
    rows = {m.key: m for m in CaseMaterial.objects.filter(case=top, key__in=keys)}
    names = [_name(rows[k], language) for k in keys if k in rows]
    return (", " if language.startswith("en") else "、").join(names)
