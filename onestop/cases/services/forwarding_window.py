"""Received elsewhere (异地代收代办): a clerk at a window of this node accepts an application
for an item of another region's node (docs/federation.md, "Received elsewhere").

The clerk checks the walk-in's ID card and the originals here, scans the materials, and
forwards the application to the handling node with the same ``case.forward`` as the fully
online mode (`forwarding._mirror_forward`): the identity asserted at L3 (checked in person),
the channel ``window``, the delivery the applicant chose (this window, or the wallet here) and
the window that received it. The receipt and the one-time notice are this node's papers and
name the handling region. The handling node's officers decide; ``case.status`` brings the
result back here, to be handed over at this window or put in the wallet.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.cases import transitions
from onestop.cases.models import Case, CaseDocument, CaseMaterial
from onestop.cases.selectors.window import Walkin, is_clerk_of, require_clerk
from onestop.cases.services.common import (
    NOTICE_SUPPLY_WORKING_DAYS,
    actor_user,
    case_lock,
    case_save,
    current_time,
    fields_clean,
    idempotency_key_clean,
)
from onestop.cases.services.forms import form_clean
from onestop.cases.services.forwarding import (
    _form_check,
    _materials_check,
    _materials_store,
    _mirror_forward,
    _mirror_prepare,
    _region_refusal,
    remote_item_get,
)
from onestop.cases.services.notices import case_notify, case_title
from onestop.core import calendar, crypto, numbering
from onestop.core.errors import Conflict, DomainError, NotFound, ValidationFailed

# Checked in person at the window (an identity provider's sign-in is L2).
WINDOW_LEVEL = 3
DELIVERIES = (Case.Delivery.WINDOW, Case.Delivery.WALLET)


def _walkin_assertion(walkin: Walkin) -> dict[str, Any]:
    if walkin.kind != "person" or not walkin.sealed:
        raise ValidationFailed(
            _("Another region's item is applied for by a person: look them up by resident ID."),
            code="person_only",
        )
    name = (walkin.name or "").strip()
    if not name:
        raise ValidationFailed(_("Enter the applicant's name."), code="applicant_name")
    return {
        "kind": "citizen",
        "name": name[:60],
        "resident_id": crypto.decrypt_pii(walkin.sealed),
        "level": WINDOW_LEVEL,
    }


def _clerk_here(actor: Any) -> None:
    require_clerk(actor)
    if not is_clerk_of(actor, settings.NODE_REGION):
        raise NotFound(_("There is no such item or scenario in your region."))


def _remote(region: str, code: str) -> dict[str, Any]:
    if region == settings.NODE_REGION:
        raise ValidationFailed(
            _("This item is of this node's region: start it from the console."),
            code="local_item",
        )
    return remote_item_get(region=region, code=code)


def open_notice(*, walkin: Walkin, region: str, code: str) -> Case | None:
    """The walk-in's application for `region`'s item `code` that a one-time notice left open
    here (the next visit continues it), or None."""
    return (
        Case.objects.filter(
            status=Case.Status.NOTICE,
            channel=Case.Channel.WINDOW,
            applicant_index=walkin.index,
            handling_region=region,
            remote_item__code=code,
            parent__isnull=True,
        )
        .order_by("-created_at")
        .first()
    )


def _scanned(case: Case | None) -> frozenset[str]:
    if case is None:
        return frozenset()
    return frozenset(
        CaseMaterial.objects.filter(case=case, mode=CaseMaterial.Mode.UPLOAD).values_list(
            "key", flat=True
        )
    )


def _delivery(delivery: str, walkin: Walkin, item: dict[str, Any]) -> str:
    delivery = str(delivery or Case.Delivery.WINDOW)
    if delivery not in DELIVERIES:
        raise ValidationFailed(_("Choose where the result is delivered."), code="invalid_delivery")
    if delivery == Case.Delivery.WALLET and (walkin.account is None or not item.get("e_licence")):
        raise ValidationFailed(
            _(
                "The result can go to the wallet only when the item's result is an e-licence "
                "and the walk-in has an account: choose collection at this window."
            ),
            code="invalid_delivery",
        )
    return delivery


def _received(window: Any) -> dict[str, Any]:
    """Where the application was received: this node's region, the centre and the window."""
    found: dict[str, Any] = {"region": settings.NODE_REGION}
    if window is not None:
        found["window"] = str(window.number)
        found["centre"] = {"zh": window.centre.name_zh, "en": window.centre.name_en}
    return found


def window_forward(
    *,
    actor: Any,
    walkin: Walkin,
    region: str,
    code: str,
    form_data: Any,
    files: dict[str, Any],
    delivery: str = Case.Delivery.WINDOW,
    identity_checked: bool = False,
    window: Any = None,
    idempotency_key: str | None = None,
) -> Case:
    """Receive at this window an application for the item `code` of `region`'s node and
    forward it there: the mirror here (FORWARDED, numbered here, accepted by the clerk at the
    window, the scans kept, the receipt made), ``case.forward`` to the handling node, in one
    transaction. The clerk must confirm the ID card and the originals were checked; every
    required field and scan (a notice's scans count), else ValidationFailed and nothing
    changes. The same key again returns the same case."""
    _clerk_here(actor)
    key = idempotency_key_clean(idempotency_key)
    if key is not None:
        existing = Case.objects.filter(idempotency_key=key).first()
        if existing is not None:
            if not existing.is_mirror or existing.applicant_index != walkin.index:
                raise Conflict(
                    _("This idempotency key was already used for another request."),
                    code="idempotency_key_reused",
                )
            return existing
    assertion = _walkin_assertion(walkin)
    if not identity_checked:
        raise ValidationFailed(
            _("Confirm that you checked the ID card and the originals."), code="not_checked"
        )
    item = _remote(region, code)
    chosen = _delivery(delivery, walkin, item)
    notice = open_notice(walkin=walkin, region=region, code=code)
    stored = dict(notice.form_data or {}) if notice is not None else {}
    posted = form_clean(item["form"], form_data)
    clean = _form_check(item, {**stored, **{k: v for k, v in posted.items() if v is not None}})
    checked = _materials_check(item, files, have=_scanned(notice))
    from onestop.cases.services.window import receipt_ensure

    try:
        with transaction.atomic():
            mirror = case_lock(notice) if notice is not None else Case()
            if notice is not None and mirror.status != Case.Status.NOTICE:
                raise Conflict(
                    _("This application has already been accepted."), code="already_accepted"
                )
            now = current_time()
            mirror.channel = Case.Channel.WINDOW
            mirror.applicant = walkin.account
            mirror.applicant_index = walkin.index
            mirror.applicant_id_masked = walkin.masked[:30]
            mirror.contact_phone = (walkin.phone or mirror.contact_phone or "")[:20]
            mirror.idempotency_key = key
            mirror.window = window
            mirror.accepted_at = now
            mirror.accepted_by = actor_user(actor)
            mirror.visits += 1
            mirror.remote_item = {**(mirror.remote_item or {}), "delivery": chosen}
            _mirror_forward(
                mirror,
                actor=actor,
                region=region,
                item=item,
                form=clean,
                checked=checked,
                assertion=assertion,
                submission=key,
                checked_by=actor_user(actor),
                extra={"channel": "window", "delivery": chosen, "received": _received(window)},
            )
            receipt_ensure(actor=actor, case=mirror)
            case_notify(
                mirror,
                "case.submitted",
                {"item": case_title(mirror), "number": mirror.number},
                dedupe="case.submitted",
            )
    except IntegrityError:
        if key is not None:
            again = Case.objects.filter(idempotency_key=key, applicant_index=walkin.index).first()
            if again is not None:
                return again
        raise
    except DomainError as exc:
        raise _region_refusal(region, exc) from exc
    return mirror


def window_forward_notice(
    *,
    actor: Any,
    walkin: Walkin,
    region: str,
    code: str,
    form_data: Any,
    files: dict[str, Any],
    window: Any = None,
) -> CaseDocument:
    """The one-time notice (一次性告知) of an application for `region`'s item that cannot be
    received yet: every required field and scan still missing, listed once, by this node,
    naming the handling region. The application stays here (NOTICE, its scans and answers
    kept) and the next visit continues it (`window_forward`). Nothing is sent yet."""
    _clerk_here(actor)
    assertion = _walkin_assertion(walkin)
    item = _remote(region, code)
    notice = open_notice(walkin=walkin, region=region, code=code)
    stored = dict(notice.form_data or {}) if notice is not None else {}
    posted = form_clean(item["form"], form_data)
    form = {k: v for k, v in {**stored, **posted}.items() if v not in (None, "")}
    have = _scanned(notice) | frozenset(files)
    described = [m for m in item.get("materials") or [] if isinstance(m, dict)]
    missing = [
        m
        for m in described
        if m.get("required") and not m.get("held_there") and str(m.get("key")) not in have
    ]
    properties = item["form"].get("properties") or {}
    missing_fields = [k for k in properties if k not in form]
    if not missing and not missing_fields:
        raise ValidationFailed(
            _("Nothing is missing: forward the application instead."), code="nothing_missing"
        )
    checked = _materials_check(item, files, have=frozenset(str(m.get("key")) for m in described))
    from onestop.cases.services.acceptance import notice_document_save, notice_office

    with transaction.atomic():
        mirror = case_lock(notice) if notice is not None else Case()
        now = current_time()
        today = timezone.localdate(now)
        if notice is None:
            mirror.channel = Case.Channel.WINDOW
            mirror.applicant = walkin.account
            mirror.applicant_index = walkin.index
            mirror.applicant_id_masked = walkin.masked[:30]
            mirror.contact_phone = (walkin.phone or "")[:20]
            mirror.window = window
        _mirror_prepare(mirror, region=region, item=item, name=assertion["name"], now=now)
        mirror.form_data = form
        mirror.visits += 1
        fields_clean(mirror)
        if mirror._state.adding:
            mirror.save(force_insert=True)
        _materials_store(
            mirror,
            item,
            checked,
            missing=[str(m["key"]) for m in missing],
            checked_by=actor_user(actor),
        )
        reference = "GZ-" + numbering.day_number(
            series="notice", region=settings.NODE_REGION, day=today, digits=4
        )
        data = {
            "kind": "notice",
            "reference": reference,
            "case_id": str(mirror.pk),
            "region": settings.NODE_REGION,
            "handling_region": region,
            "title": {"zh": item.get("name_zh") or "", "en": item.get("name_en") or ""},
            "applicant_name": mirror.applicant_name,
            "applicant_id_masked": mirror.applicant_id_masked,
            "items": [
                {"code": code, "name_zh": item.get("name_zh"), "name_en": item.get("name_en")}
            ],
            "materials": [
                {
                    "key": str(m.get("key")),
                    "name_zh": m.get("name_zh") or "",
                    "name_en": m.get("name_en") or "",
                    "items": [code],
                    "key_material": True,
                }
                for m in missing
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
            "questions": [],
            "issued_at": now.isoformat(),
            "issued_by": str(getattr(actor, "real_name", "") or getattr(actor, "username", "")),
            "supply_by": calendar.add_working_days(today, NOTICE_SUPPLY_WORKING_DAYS).isoformat(),
            **notice_office(mirror, window),
        }
        document = notice_document_save(mirror, actor=actor, data=data, now=now)
        transitions.step(
            mirror,
            "notice",
            actor=actor,
            at=now,
            data={
                "materials": [str(m["key"]) for m in missing],
                "fields": missing_fields,
                "document": document.pk,
                "region": region,
            },
        )
        case_save(mirror)
    return document
