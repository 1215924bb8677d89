"""Writes of `credentials`: the e-licence type registry, issuing and revoking e-licences."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.accounts.models import User
from onestop.core import crypto, keys
from onestop.core.errors import Conflict, PermissionDenied, ValidationFailed
from onestop.core.upsert import row_sync
from onestop.credentials import conf, policies, vc
from onestop.credentials.models import Credential, LicenceType, PeerCredential, StatusList
from onestop.credentials.selectors import credential_verify, licence_type_get
from onestop.ledger.services import entry_append
from onestop.notify.services import notification_send
from onestop.org.models import Department
from onestop.org.selectors import department_list
from onestop.sharing.selectors import dataset_get

MAX_REASON = 300


def licence_type_upsert(*, actor: Any, row: dict[str, Any]) -> tuple[LicenceType, bool]:
    """Create or update a licence type from its registry row; writes only when a value differs.

    `SYSTEM` (the seed) or a superuser (`node:licence_type:manage`). The backing dataset,
    when given, must exist. Returns the licence type and whether anything was written.
    """
    if not policies.can(actor, policies.Action.TYPE_MANAGE):
        raise PermissionDenied(_("You may not change the e-licence type registry."))
    if row.get("trust_level", "A") not in ("A", "B", "C", "D"):
        raise ValidationFailed(_("The trust level must be A, B, C or D."))
    if row.get("dataset"):
        dataset_get(key=row["dataset"])
    values = {
        "name_zh": row["name_zh"],
        "name_en": row.get("name_en", ""),
        "issuer_kind_id": row["issuer_kind"],
        "dataset": row.get("dataset") or "",
        "trust_level": row.get("trust_level", "A"),
        "subject_fields": [str(key) for key in row.get("subject_fields") or []],
    }
    with transaction.atomic():
        licence, outcome = row_sync(LicenceType, {"key": row["key"]}, values)
    return licence, outcome != "unchanged"


# --- issued e-licences ------------------------------------------------------------------

MAX_SUBJECT_BYTES = 2_000  # keeps the token small enough for one printable QR code


def _issuing_department(licence_type: LicenceType) -> Department:
    department = department_list(
        region=settings.NODE_REGION, kind=licence_type.issuer_kind_id
    ).first()
    if department is None:
        raise ValidationFailed(
            _("No department of this node issues the e-licence %(name)s.")
            % {"name": licence_type.name},
            code="no_issuer",
        )
    return department


def holder_identifier(holder: User) -> str:
    """The subject id of `holder`: the USCC of a business, otherwise the node's blind index of
    the resident ID (never the ID itself)."""
    if holder.uscc:
        return f"urn:uscc:{holder.uscc}"
    if holder.resident_id_index:
        return f"urn:onestop:holder:{holder.resident_id_index}"
    return f"urn:onestop:holder:{crypto.blind_index(f'user:{holder.pk}')}"


def _check_subject(subject: Any) -> dict[str, Any]:
    if not isinstance(subject, dict) or not all(isinstance(k, str) for k in subject):
        raise ValidationFailed(_("The licence data must be an object with named fields."))
    if "id" in subject:
        raise ValidationFailed(_("The licence data may not set the holder id."))
    try:
        size = len(json.dumps(subject, ensure_ascii=False).encode("utf-8"))
    except (TypeError, ValueError):
        raise ValidationFailed(
            _("The licence data must be plain text, numbers and lists.")
        ) from None
    if size > MAX_SUBJECT_BYTES:
        raise ValidationFailed(_("The licence data is too long for an e-licence."))
    return subject


def _check_validity(valid_from: datetime, valid_until: datetime | None) -> None:
    if timezone.is_naive(valid_from) or (valid_until and timezone.is_naive(valid_until)):
        raise ValidationFailed(_("Validity dates need a time zone."))
    if valid_until is not None and valid_until <= valid_from:
        raise ValidationFailed(_("The licence must end after it starts."))


def _allocate_status_slot() -> tuple[StatusList, int]:
    """A random free index in the newest status list (a new list when it is full).
    Random, not sequential: an index says nothing about when or to whom it was issued."""
    status_list = StatusList.objects.select_for_update().order_by("-created_at", "-key").first()
    if status_list is None:
        status_list, _created = StatusList.objects.get_or_create(key="1")
        status_list = StatusList.objects.select_for_update().get(pk=status_list.pk)
    used = Credential.objects.filter(status_list=status_list)
    if used.count() >= status_list.size:
        status_list = StatusList.objects.create(key=str(StatusList.objects.count() + 1))
        used = Credential.objects.filter(status_list=status_list)
    for _attempt in range(32):
        index = secrets.randbelow(status_list.size)
        if not used.filter(status_index=index).exists():
            return status_list, index
    taken = set(used.values_list("status_index", flat=True))
    return status_list, next(i for i in range(status_list.size) if i not in taken)


def credential_payload(credential: Credential, department: Department) -> dict[str, Any]:
    """The VC 2.0 document of `credential` (what the JWS signs)."""
    licence_type = credential.licence_type
    holder_id = holder_identifier(credential.holder)
    status_url = conf.status_list_url(credential.status_list_id)
    payload: dict[str, Any] = {
        "@context": [vc.VC_CONTEXT],
        "id": f"urn:uuid:{credential.id}",
        "type": ["VerifiableCredential", vc.pascal_case(licence_type.key)],
        "issuer": {"id": conf.issuer_id(), "name": department.name_zh},
        "name": licence_type.name_zh,
        "validFrom": vc.rfc3339(credential.valid_from),
    }
    if credential.valid_until is not None:
        payload["validUntil"] = vc.rfc3339(credential.valid_until)
    payload["credentialSubject"] = {"id": holder_id, **credential.subject}
    payload["credentialStatus"] = {
        "id": f"{status_url}#{credential.status_index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(credential.status_index),
        "statusListCredential": status_url,
    }
    payload["licence"] = {
        "type": licence_type.key,
        "name": {"zh": licence_type.name_zh, "en": licence_type.name_en},
        "number": credential.number,
        "holder": holder_id,
        "issuerDepartment": department.code,
        "issuerDepartmentName": {"zh": department.name_zh, "en": department.name_en},
        "trustLevel": licence_type.trust_level,
    }
    return payload


def credential_issue(
    *,
    actor: Any,
    licence_type: LicenceType | str,
    holder: User,
    subject: dict[str, Any],
    valid_from: datetime,
    valid_until: datetime | None = None,
    number: str | None = None,
) -> Credential:
    """Issue an e-licence to `holder`, signed with the node's current key.

    Only staff of the issuing department (the licence type's department kind in this node's
    region) may issue. Writes the credential and a ledger entry "credentials.issue"
    ({id, type, sha256 of the token}; no personal data) in one transaction.
    """
    if isinstance(licence_type, str):
        licence_type = licence_type_get(key=licence_type)
    department = _issuing_department(licence_type)
    if not policies.can(actor, policies.Action.ISSUE, department.code):
        raise PermissionDenied(_("Only staff of the issuing department may issue this e-licence."))
    return _issue(
        licence_type=licence_type,
        department=department,
        holder=holder,
        subject=subject,
        valid_from=valid_from,
        valid_until=valid_until,
        number=number,
    )


def credential_issue_for_case(
    *,
    licence_type: LicenceType | str,
    holder: User,
    subject: dict[str, Any],
    case_number: str,
    valid_from: datetime,
    valid_until: datetime | None = None,
    number: str | None = None,
) -> Credential:
    """System issuance: the e-licence that is the result of a decided case.

    Called only by `cases.services` when an item case's decision is "approve" — taken by an
    officer of the item's department or by the item's DMN rules from verified data (秒批) —
    and the item's result is this licence type. No person issues it, so there is no actor to
    check: the authority is the case's decision, which `cases` has checked and recorded.
    The issuing department is still the licence type's department of this node; the ledger
    entry "credentials.issue" is the same as for `credential_issue`. `case_number` is checked
    but not written into the licence: anyone who decodes the QR code would read it; the node
    traces a licence to its decision through the case's `credential` link.
    """
    if isinstance(licence_type, str):
        licence_type = licence_type_get(key=licence_type)
    case_number = (case_number or "").strip()
    if not case_number:
        raise ValidationFailed(_("An e-licence issued for a case needs the case number."))
    department = _issuing_department(licence_type)
    return _issue(
        licence_type=licence_type,
        department=department,
        holder=holder,
        subject=subject,
        valid_from=valid_from,
        valid_until=valid_until,
        number=number,
    )


def _issue(
    *,
    licence_type: LicenceType,
    department: Department,
    holder: User,
    subject: dict[str, Any],
    valid_from: datetime,
    valid_until: datetime | None,
    number: str | None,
) -> Credential:
    subject = _check_subject(subject)
    _check_validity(valid_from, valid_until)
    if holder.pk is None or not holder.is_active:
        raise ValidationFailed(_("The holder must be an active account."))
    credential_id = uuid.uuid4()
    number = (number or "").strip() or (
        f"{settings.NODE_REGION}-{timezone.localdate():%Y%m%d}-{credential_id.hex[:8].upper()}"
    )
    with transaction.atomic():
        if Credential.objects.filter(licence_type=licence_type, number=number).exists():
            raise Conflict(
                _("An e-licence %(name)s with the number %(number)s already exists.")
                % {"name": licence_type.name, "number": number},
                code="duplicate_number",
            )
        status_list, index = _allocate_status_slot()
        credential = Credential(
            id=credential_id,
            licence_type=licence_type,
            number=number,
            holder=holder,
            subject=subject,
            issuer_department=department.code,
            valid_from=valid_from,
            valid_until=valid_until,
            status_list=status_list,
            status_index=index,
        )
        kid, key = keys.current_signing_key("credentials")
        credential.token = vc.sign(credential_payload(credential, department), kid=kid, key=key)
        credential.full_clean(validate_constraints=False)
        credential.save(force_insert=True)
        entry_append(
            kind="credentials.issue",
            payload={
                "id": f"urn:uuid:{credential.id}",
                "type": licence_type.key,
                "sha256": hashlib.sha256(credential.token.encode("ascii")).hexdigest(),
            },
        )
        _holder_tell(holder, licence_type.name_zh, licence_type.name_en, credential)
    return credential


def _holder_tell(holder: User, name_zh: str, name_en: str, credential: Any) -> None:
    """The holder is told once per e-licence, in their language (notify renders it)."""
    notification_send(
        template="credential.issued",
        context={
            "licence_zh": name_zh,
            "licence_en": name_en or name_zh,
            "number": credential.number,
        },
        recipient_user=holder,
        channels=("in_app",),
        dedupe_key=f"credential.issued:{credential.pk}",
    )


def credential_revoke(*, actor: Any, credential: Credential, reason: str) -> Credential:
    """Revoke `credential`: its status-list bit is set from now on. Only staff of the issuing
    department may revoke; writes a ledger entry "credentials.revoke" (the reason stays on
    this node: it may name a person)."""
    if not policies.can(actor, policies.Action.REVOKE, credential):
        raise PermissionDenied(_("Only staff of the issuing department may revoke this e-licence."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give the reason for the revocation."), code="no_reason")
    if len(reason) > MAX_REASON:
        raise ValidationFailed(
            _("The reason may have at most %(n)d characters.") % {"n": MAX_REASON}
        )
    with transaction.atomic():
        locked = Credential.objects.select_for_update().get(pk=credential.pk)
        if locked.revoked_at is not None:
            raise Conflict(_("This e-licence has already been revoked."), code="already_revoked")
        locked.revoked_at = timezone.now()
        locked.revocation_reason = reason
        locked.full_clean(validate_constraints=False)
        locked.save(update_fields=["revoked_at", "revocation_reason"])
        entry_append(
            kind="credentials.revoke",
            payload={
                "id": f"urn:uuid:{locked.id}",
                "type": locked.licence_type_id,
                "statusList": locked.status_list_id,
                "statusListIndex": locked.status_index,
            },
        )
    credential.revoked_at = locked.revoked_at
    credential.revocation_reason = locked.revocation_reason
    return credential


# Verification problems that do not stop a peer's e-licence from entering the wallet: its
# status list could not be read just now (the wallet and /verify/ read it again later).
RECEIVABLE = {"status_unknown"}


def credential_receive(*, holder: User, token: str, issuer_region: str) -> PeerCredential:
    """Keep an e-licence that the peer node of `issuer_region` issued as the result of a
    cross-province case in `holder`'s wallet here (the same token again: the same row).

    The token must verify through the trust list with that peer's pinned `credentials` key
    (signature, VC 2.0 shape, validity, not revoked; a status list out of reach is tolerated);
    else `ValidationFailed` and nothing is kept. The holder is told once, in-app."""
    token = str(token or "").strip()
    digest = hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
    existing = PeerCredential.objects.filter(sha256=digest, holder=holder).first()
    if existing is not None:
        return existing
    result = credential_verify(token=token)
    issued_by = result.credential.get("issuer_region") if result.credential else None
    if not result.credential or set(result.codes) - RECEIVABLE or issued_by != issuer_region:
        raise ValidationFailed(
            _("The e-licence from region %(region)s does not verify: %(reasons)s")
            % {"region": issuer_region, "reasons": " ".join(result.errors) or issued_by},
            code="peer_credential_invalid",
        )
    summary = result.credential
    with transaction.atomic():
        received = PeerCredential(
            holder=holder,
            issuer_region=issuer_region,
            licence_type_key=str(summary.get("licence_type") or "")[:60],
            name_zh=str(summary.get("licence_name_zh") or summary.get("issuer_name") or "")[:200],
            name_en=str(summary.get("licence_name_en") or "")[:200],
            number=str(summary.get("number") or "")[:60],
            token=token,
            sha256=digest,
        )
        received.full_clean(exclude=["holder"])
        received.save(force_insert=True)
        _holder_tell(holder, received.name_zh, received.name_en, received)
    return received
