"""Cross-province cases, fully online (全程网办): a citizen of this node applies for an item of
a peer's region (docs/federation.md, "Cross-province cases").

The receiving node (the citizen's home node) keeps a *mirror* of the case; the handling node
(the item's region) keeps the authoritative case, runs its process on its own calendar and
decides. Three message types, all through the federation outbox and inbox:

- ``case.item`` (request, receiving → handling): the item as an applicant fills it in here:
  names, department, time limit, form (JSON Schema) and materials. Cached for a while.
- ``case.forward`` (outbox, receiving → handling): the application: the identity the home
  node asserts (verified name, resident ID, assurance level: what the handling node needs to
  identify the applicant and issue a result, nothing else of the account), the form values and
  the uploaded materials (base64, each checked again by content and size on arrival). Applied
  once per message id, and once per submission key whatever the message id.
- ``case.status`` (outbox, handling → receiving; `federation_status`): every status of the
  handling node's case with a sequence number; the last carries the e-licence, which enters
  the wallet here after it verifies through the trust list.

Modes: fully online is built here; "received elsewhere" (a clerk of this node forwards a
window application) and "joint handling" (a bundle's items fanned out to several nodes) use
the same three messages: `case_forward` takes the applicant and the channel from its caller,
and a bundle's remote items are mirrors with a parent.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import uuid
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.cases import transitions
from onestop.cases.models import Case, CaseMaterial
from onestop.cases.services.common import (
    FINAL_ITEM,
    EventKind,
    S,
    case_lock,
    case_save,
    current_time,
    event_record,
    fields_clean,
    idempotency_key_clean,
)
from onestop.cases.services.delivery import completion_check, delivered_notify
from onestop.cases.services.federation_status import STATUS
from onestop.cases.services.forms import form_clean
from onestop.cases.services.notices import case_notify, case_title, decided_notify
from onestop.cases.services.numbering import numbers_allocate
from onestop.cases.uploads import NOT_UPLOADED, file_check, max_bytes
from onestop.core import access_log, crypto, identity, memo
from onestop.core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from onestop.notify.templates import Bilingual

ITEM = "case.item"
FORWARD = "case.forward"
# What a forwarded application may carry in materials, all files together (base64 adds a third).
FORWARD_MAX_BYTES = 8 * 1024 * 1024
MIN_LEVEL = 2  # verified identity (identity provider or in person): L2
ITEM_CACHE_SECONDS = 600
ACK_WORKING_DAYS = 1
# Material sources the handling node provides itself: not uploaded by the applicant.
HELD_THERE = ("dataset", "generated")
_items: memo.TTLCache[tuple[str, str], dict[str, Any]] = memo.TTLCache(
    "cases.remote_item", ITEM_CACHE_SECONDS
)


class RegionUnreachable(DomainError):
    """The handling region's node did not answer (502)."""

    status = 502
    code = "region_unreachable"


def _region_refusal(region: str, exc: Exception) -> DomainError:
    from onestop.federation.services import PeerUnavailable

    if isinstance(exc, PeerUnavailable):
        return RegionUnreachable(
            _("The node of region %(region)s is not reachable; try again later.")
            % {"region": region}
        )
    if isinstance(exc, NotFound) and getattr(exc, "code", "") == "no_peer":
        return NotFound(
            _("No node of this network serves the region %(region)s.") % {"region": region},
            code="unknown_region",
        )
    return exc if isinstance(exc, DomainError) else RegionUnreachable(str(exc))


# --- the receiving node ------------------------------------------------------------------------


def remote_item_get(*, region: str, code: str) -> dict[str, Any]:
    """The item `code` of the peer serving `region`, as ``case.item`` answers it (cached for
    ten minutes). Raises NotFound (no such item or region) or RegionUnreachable."""
    from onestop.federation import services as federation_services

    if region == settings.NODE_REGION:
        return item_describe(code=code)
    cached = _items.get((region, code))
    if cached is not None:
        return cached
    try:
        reply = federation_services.message_request(
            to_region=region, type=ITEM, body={"code": code}, purpose="case"
        )
    except DomainError as exc:
        raise _region_refusal(region, exc) from exc
    if not isinstance(reply.get("form"), dict) or not isinstance(reply.get("materials"), list):
        raise RegionUnreachable(
            _("The node of region %(region)s sent an item this node cannot read.")
            % {"region": region}
        )
    return _items.put((region, code), {**reply, "region": region})


def _assertion(actor: Any) -> dict[str, Any]:
    """The identity this node asserts for its citizen: verified name, resident ID, level."""
    if getattr(actor, "kind", "") != "citizen" or not getattr(actor, "resident_id_enc", ""):
        raise PermissionDenied(
            _("Only a citizen with a verified identity can apply for another region's item."),
            code="not_verified",
        )
    level = int(getattr(actor, "real_name_level", 0) or 0)
    if level < MIN_LEVEL:
        raise PermissionDenied(
            _(
                "Applying for another region's item needs a verified identity: sign in with the "
                "identity provider or have your identity checked at a service window first."
            ),
            code="not_verified",
        )
    return {
        "kind": "citizen",
        "name": str(actor.real_name or ""),
        "resident_id": crypto.decrypt_pii(actor.resident_id_enc),
        "level": level,
    }


def _materials_check(
    item: dict[str, Any], files: dict[str, Any], have: frozenset[str] = frozenset()
) -> list[tuple[dict, Any]]:
    """[(material descriptor, checked file)] for the uploads; every required material of the
    item must be there (or among `have`, scanned before), none unknown, all together within
    FORWARD_MAX_BYTES."""
    wanted = {str(m.get("key")): m for m in item.get("materials") or [] if isinstance(m, dict)}
    unknown = sorted(set(files) - set(wanted))
    if unknown:
        raise ValidationFailed(
            _("These materials are not part of the application: %(keys)s.")
            % {"keys": ", ".join(unknown)},
            code="unknown_material",
            details={"materials": unknown},
        )
    missing = sorted(
        k
        for k, m in wanted.items()
        if m.get("required") and not m.get("held_there") and k not in files and k not in have
    )
    if missing:
        raise ValidationFailed(
            _("Some required materials are missing."),
            code="materials_missing",
            details={"materials": missing},
        )
    checked = [(wanted[key], file_check(file)) for key, file in sorted(files.items())]
    if sum(len(c.data) for _m, c in checked) > FORWARD_MAX_BYTES:
        raise ValidationFailed(
            _("The materials are too big together: at most %(size)s MB is sent to another region.")
            % {"size": FORWARD_MAX_BYTES // (1024 * 1024)},
            code="materials_too_large",
        )
    return checked


def _form_check(item: dict[str, Any], form_data: Any) -> dict[str, Any]:
    schema = item["form"]
    clean = {k: v for k, v in form_clean(schema, form_data).items() if v not in (None, "")}
    missing = [k for k in (schema.get("properties") or {}) if k not in clean]
    if missing:
        raise ValidationFailed(
            _("Some required fields are empty."),
            code="fields_missing",
            details={"fields": missing},
        )
    return clean


def case_forward(
    *,
    actor: Any,
    region: str,
    code: str,
    form_data: Any,
    files: dict[str, Any],
    idempotency_key: str | None = None,
) -> Case:
    """Apply online for the item `code` of the peer serving `region`: the mirror case here
    (FORWARDED, numbered on this node, the applicant's materials kept) and the ``case.forward``
    message to the handling node, in one transaction. Every required field and material, else
    ValidationFailed and nothing changes; a verified citizen only (PermissionDenied). A retry
    with the same key by the same citizen returns the same case."""
    key = idempotency_key_clean(idempotency_key)
    if key is not None:
        existing = Case.objects.filter(idempotency_key=key).first()
        if existing is not None:
            if existing.applicant_id != getattr(actor, "pk", None) or not existing.is_mirror:
                raise Conflict(
                    _("This idempotency key was already used for another request."),
                    code="idempotency_key_reused",
                )
            return existing
    if region == settings.NODE_REGION:
        raise ValidationFailed(
            _("This item is of this node's region: apply for it directly."), code="local_item"
        )
    assertion = _assertion(actor)
    item = remote_item_get(region=region, code=code)
    clean = _form_check(item, form_data)
    checked = _materials_check(item, files)
    from onestop.sharing import selectors as sharing_selectors

    try:
        with transaction.atomic():
            mirror = Case(
                channel=Case.Channel.ONLINE,
                applicant=actor,
                applicant_index=sharing_selectors.subject_index_of(actor) or "",
                applicant_id_masked=str(getattr(actor, "resident_id_masked", "") or "")[:30],
                idempotency_key=key,
            )
            _mirror_forward(
                mirror,
                actor=actor,
                region=region,
                item=item,
                form=clean,
                checked=checked,
                assertion=assertion,
                submission=key,
            )
            case_notify(
                mirror,
                "case.submitted",
                {
                    "item": Bilingual.of(lambda lang: case_title(mirror, lang)),
                    "number": mirror.number,
                },
                dedupe="case.submitted",
            )
    except IntegrityError:
        if key is not None:
            again = Case.objects.filter(idempotency_key=key, applicant=actor).first()
            if again is not None:
                return again
        raise
    except DomainError as exc:
        raise _region_refusal(region, exc) from exc
    return mirror


def _mirror_prepare(
    mirror: Case, *, region: str, item: dict[str, Any], name: str, now: Any
) -> None:
    """The fields every mirror of `region`'s item has (in memory)."""
    mirror.kind = Case.Kind.ITEM
    mirror.region_id = settings.NODE_REGION
    mirror.applicant_name = name[:200]
    mirror.receiving_region = settings.NODE_REGION
    mirror.handling_region = region
    mirror.remote_item = {
        **(mirror.remote_item or {}),
        **{
            k: item.get(k) for k in ("code", "name_zh", "name_en", "department_zh", "department_en")
        },
    }
    mirror.promised_days = item.get("promised_days")
    mirror.created_at = mirror.created_at or now


def _materials_store(
    mirror: Case,
    item: dict[str, Any],
    checked: list[tuple[dict, Any]],
    *,
    missing: tuple[str, ...] | list[str] = (),
    checked_by: Any = None,
) -> None:
    """The scans kept on the mirror (UPLOAD; a scan replaces an earlier one of the same key),
    and a MISSING row for each material in `missing` (a one-time notice)."""
    code = str(item.get("code") or "")
    rows = {m.key: m for m in CaseMaterial.objects.filter(case=mirror)}
    described = {str(m.get("key")): m for m in item.get("materials") or [] if isinstance(m, dict)}
    for key in missing:
        if key in rows:
            continue
        material = described.get(key) or {"key": key}
        row = CaseMaterial(
            case=mirror,
            key=key,
            name_zh=str(material.get("name_zh") or key)[:300],
            name_en=str(material.get("name_en") or "")[:300],
            items=[code],
            required=bool(material.get("required")),
            mode=CaseMaterial.Mode.MISSING,
        )
        row.full_clean(exclude=["case", "checked_by", "credential"])
        row.save()
    for material, file in checked:
        row = rows.get(str(material["key"])) or CaseMaterial(
            case=mirror,
            key=str(material["key"]),
            name_zh=str(material.get("name_zh") or material["key"])[:300],
            name_en=str(material.get("name_en") or "")[:300],
            items=[code],
            required=bool(material.get("required")),
        )
        if row.file:  # a new scan replaces the earlier one, once this commits
            _delete_on_commit(row.file.name, row.file.storage)
        row.mode = CaseMaterial.Mode.UPLOAD
        row.content_type = file.content_type
        row.size = len(file.data)
        row.sha256 = file.sha256
        row.original_name = file.original_name
        row.checked_by = checked_by
        row.file.save(f"{uuid.uuid4().hex}{file.extension}", ContentFile(file.data), False)
        row.full_clean(exclude=["case", "checked_by", "credential"])
        row.save()


def _delete_on_commit(name: str, storage: Any) -> None:
    transaction.on_commit(lambda: storage.delete(name))


def _materials_sent(mirror: Case) -> list[dict[str, Any]]:
    """The mirror's scans as ``case.forward`` carries them (read back from storage)."""
    sent = []
    for row in CaseMaterial.objects.filter(case=mirror, mode=CaseMaterial.Mode.UPLOAD).order_by(
        "key"
    ):
        with row.file.open("rb") as handle:
            data = handle.read()
        sent.append(
            {
                "key": row.key,
                "name": row.original_name,
                "content_type": row.content_type,
                "sha256": row.sha256,
                "data": base64.b64encode(data).decode("ascii"),
            }
        )
    return sent


def _mirror_forward(
    mirror: Case,
    *,
    actor: Any,
    region: str,
    item: dict[str, Any],
    form: dict[str, Any],
    checked: list[tuple[dict, Any]],
    assertion: dict[str, Any],
    submission: str | None,
    checked_by: Any = None,
    extra: dict[str, Any] | None = None,
    attested: list[dict[str, Any]] | None = None,
) -> Case:
    """Number and save the mirror (a new one, or a one-time notice's: FORWARDED), keep its
    scans, queue ``case.forward`` and record the disclosure of the identity; inside the
    caller's transaction. `extra` adds members to the message body (the channel, the delivery
    chosen, the window); `attested`, materials the applicant showed here without a scan."""
    from onestop.federation import services as federation_services

    now = current_time()
    _mirror_prepare(mirror, region=region, item=item, name=assertion["name"], now=now)
    mirror.form_data = form
    mirror.forwarded_at = now
    mirror.submitted_at = now
    mirror.number = numbers_allocate(settings.NODE_REGION, now, 1)[0]
    transitions.step(mirror, "forward", write_event=False)
    fields_clean(mirror)
    if mirror._state.adding:
        mirror.save(force_insert=True)
    else:
        case_save(mirror)
    event_record(
        mirror,
        EventKind.FORWARDED,
        actor=actor,
        data={"region": region, "channel": str(mirror.channel)},
        at=now,
    )
    _materials_store(mirror, item, checked, checked_by=checked_by)
    sent = _materials_sent(mirror) + list(attested or [])
    federation_services.message_send(
        to_region=region,
        type=FORWARD,
        body={
            "case": str(mirror.pk),
            "number": mirror.number,
            "submission": submission or str(mirror.pk),
            "item": item.get("code"),
            "applicant": assertion,
            "form": form,
            "materials": sent,
            **(extra or {}),
        },
        purpose="case",
        subject=f"case:{mirror.pk}",
    )
    # the identity goes to another region: recorded like any disclosure of it
    access_log.record(
        actor=actor,
        subject_index=mirror.applicant_index,
        dataset="accounts.identity",
        fields=sorted(assertion),
        purpose="application-processing",
        basis=f"case {mirror.number} forwarded to region {region}",
    )
    return mirror


def status_apply(envelope: dict[str, Any], peer: Any) -> dict[str, Any]:
    """``case.status`` from the handling node: the mirror follows it (inside the inbox
    transaction). The step is written to the mirror's timeline in any case; the status moves
    only for a newer sequence, and only along the table (a mirror already final stays so)."""
    body = envelope["body"]
    try:
        case_id = uuid.UUID(str(body.get("case")))
        seq = int(body.get("seq"))
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("case.status needs a case id and a sequence.") from exc
    found = Case.objects.filter(pk=case_id, handling_region=peer.region).first()
    if found is None:
        raise NotFound(f"No case {case_id} is handled by {peer.region}.", code="unknown_case")
    # a joint bundle's item: the bundle first (the lock order of every step of a bundle)
    parent = case_lock(found.parent) if found.parent is not None else None
    mirror = (
        Case.objects.select_for_update(of=("self",)).select_related("applicant").get(pk=found.pk)
    )
    status = str(body.get("status") or "")
    if status not in transitions.MIRRORED_TO:
        raise ValidationFailed(f"Unknown status {status!r}.", code="bad_status")
    now = current_time()
    first = not mirror.remote_number
    if first:
        mirror.remote_number = str(body.get("number") or "")[:30]
        mirror.acknowledged_at = now
    licence = _licence_receive(mirror, body, peer.region)
    data = {
        "region": peer.region,
        "seq": seq,
        "status": status,
        "number": mirror.remote_number,
        "first": first,
        "licence": licence is not None,
    }
    note = str(body.get("supplement") or body.get("reason") or "")[:2000]
    moved = False
    if seq > mirror.remote_seq:
        mirror.remote_seq = seq
        mirror.remote_status = status
        if status != mirror.status:
            try:
                transitions.transition_for(mirror, f"mirror_{status}")
            except Conflict:
                pass  # already final here: the step is still shown
            else:
                transitions.step(mirror, f"mirror_{status}", write_event=False)
                moved = True
        _mirror_result(mirror, body, licence, now)
        if status == S.SUPPLEMENT and mirror.parent_id is None:
            from onestop.cases.services.forwarding_after import supplement_received

            supplement_received(mirror, body)
    case_save(mirror)
    event_record(mirror, EventKind.REMOTE_STEP, note=note, data=data, at=now)
    if moved and parent is not None:
        if mirror.status in FINAL_ITEM:  # the bundle completes once, when every item is final
            completion_check(parent, now=now)
    elif moved:
        _mirror_notify(mirror, status)
    return {"case": str(mirror.pk), "number": mirror.number, "applied": moved}


def _licence_receive(mirror: Case, body: dict[str, Any], region: str) -> Any:
    token = body.get("licence")
    if not isinstance(token, str) or not token or mirror.applicant is None:
        return None
    from onestop.credentials.services import credential_receive

    try:
        with transaction.atomic():
            return credential_receive(holder=mirror.applicant, token=token, issuer_region=region)
    except ValidationFailed:
        # recorded on the timeline (licence: false); the peer's decision stands
        return None


def _mirror_result(mirror: Case, body: dict[str, Any], licence: Any, now: Any) -> None:
    if body.get("decision") in ("approve", "reject") and not mirror.decision:
        mirror.decision = str(body["decision"])
        mirror.decision_reason = str(body.get("reason") or "")[:2000]
        mirror.decided_at = now
    try:
        mirror.due_date = (
            datetime.date.fromisoformat(body["due_date"]) if body.get("due_date") else None
        )
    except (TypeError, ValueError):
        mirror.due_date = None
    if mirror.status in FINAL_ITEM:
        mirror.completed_at = mirror.completed_at or now
        at_window = (mirror.remote_item or {}).get("delivery") == Case.Delivery.WINDOW
        if licence is not None and not at_window:
            mirror.result_kind = Case.ResultKind.LICENCE
            mirror.delivery = Case.Delivery.WALLET
        elif mirror.status == S.COMPLETED:
            mirror.result_kind = Case.ResultKind.PAPER
            delivery = str(body.get("delivery") or "")
            if at_window:
                # received at a window here: the result is handed over there
                mirror.delivery = Case.Delivery.WINDOW
                mirror.delivery_window = mirror.window
            elif delivery in (Case.Delivery.POST, Case.Delivery.WINDOW):
                mirror.delivery = delivery


def _mirror_notify(mirror: Case, status: str) -> None:
    if status in (S.APPROVED, S.REJECTED) or (status == S.COMPLETED and mirror.decision):
        decided_notify(mirror)
    if status in FINAL_ITEM:
        delivered_notify(mirror, [mirror])


def unacknowledged_alert(*, now: datetime.datetime | None = None) -> list[str]:
    """Mirrors forwarded more than one working day ago that the handling node has not
    acknowledged (no ``case.status`` yet): the region's administrators are told, once per case
    (federation alerts). Returns the case numbers."""
    from onestop.core import calendar
    from onestop.federation import alerts

    moment = now or timezone.now()
    today = timezone.localdate(moment)
    told: list[str] = []
    waiting = Case.objects.filter(
        status=S.FORWARDED, acknowledged_at__isnull=True, forward_alerted_at__isnull=True
    ).exclude(handling_region="")
    for case in waiting.order_by("forwarded_at"):
        sent = timezone.localdate(case.forwarded_at or case.created_at)
        if calendar.add_working_days(sent, ACK_WORKING_DAYS) >= today:
            continue
        with transaction.atomic():
            locked = Case.objects.select_for_update().get(pk=case.pk)
            if locked.acknowledged_at is not None or locked.forward_alerted_at is not None:
                continue
            locked.forward_alerted_at = moment
            locked.save(update_fields=["forward_alerted_at"])
            alerts.unacknowledged(peer=locked.handling_region, type=FORWARD, ref=str(locked.number))
        told.append(str(case.number))
    return told


# --- the handling node -------------------------------------------------------------------------


def item_describe(*, code: str) -> dict[str, Any]:
    """This node's item `code` as a peer's applicant fills it in (``case.item``'s answer)."""
    from onestop.catalog.selectors import item_get, items_form_schema

    item = item_get(code=str(code or "")[:40])
    if str(item.region_id) != settings.NODE_REGION:
        raise NotFound(
            _("There is no item with the code %(code)s.") % {"code": code}, code="item_not_found"
        )
    department = item.implementing_department
    return {
        "code": item.code,
        "name_zh": item.name_zh,
        "name_en": item.name_en,
        "department_zh": department.name_zh if department else "",
        "department_en": department.name_en if department else "",
        "promised_days": item.promised_days,
        # whether the result is an e-licence (it can then go to the applicant's wallet)
        "e_licence": bool((item.result or {}).get("e_licence")),
        "form": items_form_schema(items=[item]),
        "materials": [
            {
                "key": m.key,
                "name_zh": m.name_zh,
                "name_en": m.name_en,
                "required": m.required,
                # what the handling node finds itself (its shared data, or made by its system)
                "held_there": m.source_type in HELD_THERE,
            }
            for m in item.materials.all()
        ],
    }


def item_handler(envelope: dict[str, Any], peer: Any) -> dict[str, Any]:
    return item_describe(code=envelope["body"].get("code"))


def _checked_assertion(applicant: Any) -> dict[str, Any]:
    """The home node's assertion, or ValidationFailed (400 bad_assertion)."""

    def bad(reason: str) -> ValidationFailed:
        return ValidationFailed(
            f"The identity assertion is refused: {reason}.", code="bad_assertion"
        )

    if not isinstance(applicant, dict) or applicant.get("kind") != "citizen":
        raise bad("not a citizen's")
    name = str(applicant.get("name") or "").strip()
    if not name or len(name) > 60:
        raise bad("no verified name")
    try:
        resident_id = identity.validate_resident_id(str(applicant.get("resident_id") or ""))
        level = int(applicant.get("level") or 0)
    except (TypeError, ValueError, ValidationFailed) as exc:
        raise bad("no valid resident ID and level") from exc
    if level < MIN_LEVEL:
        raise bad(f"level L{level} is below L{MIN_LEVEL}")
    return {"name": name, "resident_id": resident_id, "level": level}


def _files_of(materials: Any) -> dict[str, ContentFile]:
    if not isinstance(materials, list):
        raise ValidationFailed("materials must be a list.", code="bad_materials")
    files: dict[str, ContentFile] = {}
    total = 0
    for entry in materials:
        if not isinstance(entry, dict) or not entry.get("key"):
            raise ValidationFailed("a material needs its key.", code="bad_materials")
        if entry.get("attested") and "data" not in entry:
            continue  # shown to the receiving node, no scan (`_attested_of`)
        try:
            data = base64.b64decode(str(entry.get("data") or ""), validate=True)
        except ValueError as exc:
            raise ValidationFailed("a material is not base64.", code="bad_materials") from exc
        total += len(data)
        if len(data) > max_bytes() or total > FORWARD_MAX_BYTES:
            raise ValidationFailed("the materials are too big.", code="materials_too_large")
        if entry.get("sha256") and hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise ValidationFailed("a material does not match its hash.", code="bad_materials")
        files[str(entry["key"])] = ContentFile(data, name=str(entry.get("name") or "upload")[:200])
    return files


ATTESTED = ("licence", "held", "paper")


def _attested_of(materials: Any) -> dict[str, str]:
    """{material key: how the receiving node verified it} for the materials it attests
    without a scan (a joint application: an e-licence verified, or data the government holds
    there)."""
    found: dict[str, str] = {}
    for entry in materials if isinstance(materials, list) else []:
        if isinstance(entry, dict) and entry.get("attested") and "data" not in entry:
            if entry["attested"] not in ATTESTED:
                raise ValidationFailed("unknown attestation.", code="bad_materials")
            found[str(entry.get("key"))[:80]] = str(entry["attested"])
    return found


def _received_of(body: dict[str, Any]) -> dict[str, Any]:
    """How the receiving node received the application (kept on the case here): the channel,
    the delivery the applicant chose there and the window; {} for an online application."""
    channel = str(body.get("channel") or "")
    if channel not in ("window", "joint"):
        return {}
    received: dict[str, Any] = body["received"] if isinstance(body.get("received"), dict) else {}
    delivery = str(body.get("delivery") or "")
    centre: dict[str, Any] = received["centre"] if isinstance(received.get("centre"), dict) else {}
    return {
        "channel": channel,
        "delivery": delivery if delivery in (Case.Delivery.WINDOW, Case.Delivery.WALLET) else "",
        "window": str(received.get("window") or "")[:20],
        "centre": {k: str(centre.get(k) or "")[:200] for k in ("zh", "en")},
        "bundle": str(body.get("bundle") or "")[:30],
    }


def forward_handler(envelope: dict[str, Any], peer: Any) -> dict[str, Any]:
    """``case.forward``: create and submit the real case for this node's item, once (per
    message id: the inbox; per submission key: the case's idempotency key). The applicant's
    account here is the one of the asserted resident ID (made at L2 when there is none, as
    an identity provider's sign-in does). Refusals (unknown item, bad assertion, materials)
    change nothing and go back to the sender."""
    from onestop.accounts.oidc import VerifiedIdentity
    from onestop.accounts.services import identity_provider_sign_in
    from onestop.cases.services.drafts import draft_save, draft_start
    from onestop.cases.services.submission import case_submit
    from onestop.cases.uploads import material_upload
    from onestop.catalog.selectors import item_get

    body = envelope["body"]
    submission = str(body.get("submission") or "")[:60]
    remote_case = str(body.get("case") or "")[:64]
    if not submission or not remote_case:
        raise ValidationFailed("case.forward needs case and submission.", code="bad_forward")
    key = f"fed:{peer.region}:{submission}"[:100]
    done = Case.objects.filter(idempotency_key=key).first()
    if done is not None:
        return {"case": str(done.pk), "number": done.number}
    item = item_get(code=str(body.get("item") or "")[:40])
    if str(item.region_id) != settings.NODE_REGION:
        raise NotFound(
            f"No item {item.code} of region {settings.NODE_REGION}.", code="item_not_found"
        )
    asserted = _checked_assertion(body.get("applicant"))
    files = _files_of(body.get("materials"))
    form = body.get("form") if isinstance(body.get("form"), dict) else {}
    user = identity_provider_sign_in(
        actor=None,
        verified=VerifiedIdentity(
            issuer=f"onestop-node:{peer.region}",
            subject=remote_case,
            name=asserted["name"],
            resident_id=asserted["resident_id"],
            acr=f"L{asserted['level']}",
        ),
    )
    # An open case of the same item is no reason to refuse: the applicant was warned of it
    # at home (where they chose to apply again), and the same forward twice is one case (key).
    draft = draft_start(actor=user, item=item, allow_duplicate=True)
    draft = draft_save(actor=user, case=draft, form_data=form)
    needed = dict(CaseMaterial.objects.filter(case=draft).values_list("key", "mode"))
    unknown = sorted(set(files) - set(needed))
    if unknown:
        raise ValidationFailed(
            f"Materials not part of the item: {', '.join(unknown)}.", code="unknown_material"
        )
    for material_key, file in files.items():
        if needed[material_key] not in NOT_UPLOADED:  # held or verified here: not replaced
            material_upload(actor=user, case=draft, key=material_key, file=file)
    for material_key, how in _attested_of(body.get("materials")).items():
        if material_key in needed and needed[material_key] not in NOT_UPLOADED:
            # verified by the receiving node (signed): held, as data shared by a peer is
            CaseMaterial.objects.filter(case=draft, key=material_key).update(
                mode=CaseMaterial.Mode.HELD, source=f"peer:{peer.region}:{how}"[:80]
            )
    draft.receiving_region = peer.region
    draft.handling_region = settings.NODE_REGION
    draft.remote_case = remote_case
    draft.remote_number = str(body.get("number") or "")[:30]
    draft.remote_item = _received_of(body)
    draft.forwarded_at = current_time()
    case_save(draft)
    case = case_submit(actor=user, case=draft, idempotency_key=key)
    return {"case": str(case.pk), "number": case.number}


def register() -> None:
    """The message types of cross-province cases (called by `CasesConfig.ready`)."""
    from onestop.federation import handlers

    handlers.register(ITEM, item_handler)
    handlers.register(FORWARD, forward_handler)
    handlers.register(STATUS, status_apply)
    from onestop.cases.services import forwarding_after

    forwarding_after.register()
