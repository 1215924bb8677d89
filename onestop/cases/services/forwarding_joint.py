"""Joint handling (多地联办): one application for a scenario whose items belong to several
regions (docs/federation.md, "Joint handling").

The bundle is received on this node (the scenario's region) as any other: its own items fan
out into item cases here. Each item of another region (`catalog.selectors.scenario_remote_items`,
less what the variant answers exclude) becomes a **mirror item case**, a child of the bundle,
forwarded to that region's node with its own ``case.forward`` in the acceptance's transaction
(`forwarding._mirror_forward`): the identity this node asserts, the answers of the bundle's
form that the item asks, and the bundle's materials that the item needs (a scan as data; one
held, verified as an e-licence or checked on paper here as an attestation). The mirror follows
``case.status`` like any other; the bundle completes once every item case here and every
mirror is final (`delivery.completion_check`), with its one notification.

The remote items' descriptions (``case.item``, cached) are read before the acceptance's
transaction (`remote_items_describe`): a region whose node does not answer makes the
submission wait (RegionUnreachable, nothing changed), so no half-sent bundle exists.
"""

from __future__ import annotations

import base64
import datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from onestop.cases.models import Case, CaseMaterial
from onestop.cases.selectors.cases import children_keep
from onestop.cases.services.forwarding import (
    MIN_LEVEL,
    _mirror_forward,
    remote_item_get,
)
from onestop.core import crypto, identity
from onestop.core.errors import PermissionDenied, ValidationFailed

M = CaseMaterial.Mode
WINDOW_LEVEL = 3
# What a handed-in material that has no scan is attested as.
ATTESTED_AS: dict[str, str] = {M.HELD: "held", M.LICENCE: "licence", M.PAPER: "paper"}


def remote_items(top: Case) -> list[Any]:
    """The items of other regions in the bundle's scenario that its answers keep ([] for a
    lone item case or a scenario of this region's items only)."""
    if top.kind != Case.Kind.BUNDLE or top.scenario_id is None or top.scenario is None:
        return []
    from onestop.catalog import selectors as catalog_selectors

    remote = catalog_selectors.scenario_remote_items(scenario=top.scenario)
    if not remote:
        return []
    excluded = catalog_selectors.excluded_items(
        scenario=top.scenario, answers=top.variant_answers or {}
    )
    return [r for r in remote if r.code not in excluded and r.region != settings.NODE_REGION]


def remote_items_describe(top: Case) -> list[tuple[Any, dict[str, Any]]]:
    """[(remote item, its description)] of the bundle, asked of their nodes (cached ten
    minutes): call before the acceptance's transaction. Raises RegionUnreachable or NotFound
    (the submission then waits; nothing changed)."""
    return [(r, remote_item_get(region=r.region, code=r.code)) for r in remote_items(top)]


def _assertion(top: Case) -> dict[str, Any]:
    """The identity this node asserts for the bundle's applicant: the account's verified one
    (online: its level, at least L2; at a window: checked in person, L3), else — a walk-in
    without an account — the resident ID of the form when it is the walk-in's."""
    account = top.applicant if top.applicant_id is not None else None
    at_window = top.channel == Case.Channel.WINDOW
    if account is not None and account.resident_id_enc:
        level = WINDOW_LEVEL if at_window else int(account.real_name_level or 0)
        if level < MIN_LEVEL:
            raise PermissionDenied(
                _(
                    "This application is handled jointly with another region, which needs a "
                    "verified identity: sign in with the identity provider or have your "
                    "identity checked at a service window first."
                ),
                code="not_verified",
            )
        return {
            "kind": "citizen",
            "name": str(account.real_name or top.applicant_name)[:60],
            "resident_id": crypto.decrypt_pii(account.resident_id_enc),
            "level": level,
        }
    typed = str((top.form_data or {}).get("applicant_id_number") or "")
    try:
        resident_id = identity.validate_resident_id(typed)
    except ValidationFailed:
        resident_id = ""
    if not at_window or not resident_id or crypto.blind_index(resident_id) != top.applicant_index:
        raise ValidationFailed(
            _("The resident ID of the applicant is needed for the other region's item."),
            code="applicant_id",
        )
    return {
        "kind": "citizen",
        "name": str(top.applicant_name)[:60],
        "resident_id": resident_id,
        "level": WINDOW_LEVEL,
    }


def _form_for(top: Case, item: dict[str, Any], region: str) -> dict[str, Any]:
    properties = (item.get("form") or {}).get("properties") or {}
    values = top.form_data or {}
    form = {k: values[k] for k in properties if values.get(k) not in (None, "")}
    missing = [k for k in properties if k not in form]
    if missing:
        raise ValidationFailed(
            _("The item of region %(region)s needs answers this application does not have.")
            % {"region": region},
            code="fields_missing",
            details={"fields": missing},
        )
    return form


def _materials_for(top: Case, item: dict[str, Any], region: str) -> list[dict[str, Any]]:
    held = {m.key: m for m in CaseMaterial.objects.filter(case=top)}
    sent: list[dict[str, Any]] = []
    missing: list[str] = []
    for material in item.get("materials") or []:
        key = str(material.get("key") or "") if isinstance(material, dict) else ""
        if not key or material.get("held_there"):
            continue
        row = held.get(key)
        if row is not None and row.file and row.mode in (M.UPLOAD, M.PAPER):
            with row.file.open("rb") as handle:
                data = handle.read()
            sent.append(
                {
                    "key": key,
                    "name": row.original_name or key,
                    "content_type": row.content_type,
                    "sha256": row.sha256,
                    "data": base64.b64encode(data).decode("ascii"),
                }
            )
        elif row is not None and row.mode in ATTESTED_AS:
            sent.append({"key": key, "attested": ATTESTED_AS[row.mode]})
        elif material.get("required"):
            missing.append(key)
    if missing:
        raise ValidationFailed(
            _("The item of region %(region)s needs materials this application does not have.")
            % {"region": region},
            code="materials_missing",
            details={"materials": missing},
        )
    return sent


def joint_fan_out(
    top: Case,
    described: list[tuple[Any, dict[str, Any]]],
    *,
    actor: Any,
    now: datetime.datetime,
) -> list[Case]:
    """The bundle's mirror item cases, each forwarded to its region's node (inside the
    acceptance's transaction, after the bundle is saved). A missing answer or material of a
    remote item → ValidationFailed, and the whole acceptance rolls back."""
    if not described:
        return []
    assertion = _assertion(top)
    mirrors = []
    for remote, item in described:
        mirror = Case(
            parent=top,
            channel=top.channel,
            applicant=top.applicant,
            applicant_index=top.applicant_index,
            applicant_id_masked=top.applicant_id_masked,
            contact_phone=top.contact_phone,
            accepted_at=now,
            accepted_by=top.accepted_by,
            window=top.window,
        )
        _mirror_forward(
            mirror,
            actor=actor,
            region=remote.region,
            item={**item, "code": remote.code},
            form=_form_for(top, item, remote.region),
            checked=[],
            assertion={**assertion, "name": assertion["name"] or top.applicant_name},
            submission=f"{top.pk}:{remote.code}",
            extra={"channel": "joint", "bundle": top.number or ""},
            attested=_materials_for(top, item, remote.region),
        )
        mirrors.append(mirror)
    children_keep(top, list(top.children.all()))  # the bundle as written, mirrors included
    return mirrors
