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
)
from onestop.cases.services.common import S


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


def notify_method(top: Case, children: list[Case]) -> str:
    """How the results came back, as one phrase in the applicant's language."""
    with translation.override(case_language(top)):
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


def materials_text(top: Case, keys: list[str], language: str) -> str:
    """The names of the materials `keys` in `language`, listed the way that language does."""
    rows = {m.key: m for m in CaseMaterial.objects.filter(case=top, key__in=keys)}
    names = [_name(rows[k], language) for k in keys if k in rows]
    return (", " if language.startswith("en") else "、").join(names)
