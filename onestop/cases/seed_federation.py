"""Demo cross-province cases, one per national mode, for `make federation-demo`
(tools/federation_demo.py runs them on the demo nodes once they are peered; docs/federation.md).

Each is made through the services a person would use — the citizen's online application for a
peer's item, the clerk's window forward, the citizen's joint scenario — with small generated
PDF scans and answers, and each is idempotent (its key): running the demo again shows the same
cases. Not a seed step: it needs the peer nodes running.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from onestop.cases.models import Case

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DEMO_WALKIN = "11010519491231002X"  # a synthetic resident ID (valid check digit)


def _fill(
    properties: dict[str, Any], resident_id: str, have: dict[str, Any] | None = None
) -> dict[str, Any]:
    from onestop.cases.services import forms

    have = have or {}
    values: dict[str, Any] = {}
    for key, prop in properties.items():
        if have.get(key) not in (None, ""):
            continue
        kind = forms.identifier_kind(key, prop)
        if "enum" in prop:
            values[key] = prop["enum"][0]
        elif prop.get("type") == "number":
            values[key] = 1
        elif prop.get("type") == "boolean":
            values[key] = True
        elif prop.get("format") == "date":
            values[key] = "2026-11-20"
        elif "phone" in key:
            values[key] = "13800138000"
        elif kind == "resident-id":
            values[key] = resident_id
        elif kind == "uscc":
            values[key] = "91371121MA3D6E8F97"
        else:
            values[key] = f"演示 {key}"
    return values


def _scans(item: dict[str, Any]) -> dict[str, Any]:
    return {
        m["key"]: SimpleUploadedFile(f"{m['key']}.pdf", PDF)
        for m in item["materials"]
        if m.get("required") and not m.get("held_there")
    }


def _user(username: str) -> Any:
    from onestop.accounts.selectors import users_by_username

    return users_by_username([username])[username]


def demo_fully_online(*, region: str, code: str) -> Case:
    """The demo citizen of this node applies online for the item `code` of `region`."""
    from onestop.cases import services
    from onestop.core import crypto

    citizen = _user("citizen")
    item = services.remote_item_get(region=region, code=code)
    resident_id = crypto.decrypt_pii(citizen.resident_id_enc)
    return services.case_forward(
        actor=citizen,
        region=region,
        code=code,
        form_data=_fill(item["form"]["properties"], resident_id),
        files=_scans(item),
        idempotency_key=f"demo-online-{region}-{code}",
    )


def demo_received_elsewhere(*, region: str, code: str) -> Case:
    """The demo clerk of this node receives at a window a walk-in's application for the item
    `code` of `region`, the result to be collected at that window."""
    from onestop.cases import selectors, services

    clerk = _user("clerk")
    key = f"demo-window-{region}-{code}"
    done = Case.objects.filter(idempotency_key=key).first()
    if done is not None:
        return done
    walkin = services.walkin_lookup(actor=clerk, resident_id=DEMO_WALKIN, name="赵六")
    item = services.remote_item_get(region=region, code=code)
    return services.window_forward(
        actor=clerk,
        walkin=walkin,
        region=region,
        code=code,
        form_data=_fill(item["form"]["properties"], DEMO_WALKIN),
        files=_scans(item),
        delivery=Case.Delivery.WINDOW,
        identity_checked=True,
        window=selectors.windows_for_clerk(actor=clerk).first(),
        idempotency_key=key,
    )


def demo_joint(*, slug: str) -> Case:
    """The demo citizen of this node applies online for the joint scenario `slug`: its items
    of this region fan out here, the others go to their nodes."""
    from onestop.cases import selectors, services
    from onestop.cases.models import CaseMaterial
    from onestop.cases.uploads import material_upload
    from onestop.catalog.selectors import scenario_get
    from onestop.core import crypto

    key = f"demo-joint-{slug}"
    done = Case.objects.filter(idempotency_key=key).first()
    if done is not None:
        return done
    citizen = _user("citizen")
    resident_id = crypto.decrypt_pii(citizen.resident_id_enc)
    draft = services.draft_start(
        actor=citizen, scenario=scenario_get(region=settings.NODE_REGION, slug=slug)
    )
    draft = services.prefill_apply(actor=citizen, case=draft)
    schema = selectors.case_form_schema(case=draft)
    draft = services.draft_save(
        actor=citizen,
        case=draft,
        form_data=_fill(schema["properties"], resident_id, draft.form_data),
    )
    missing = CaseMaterial.objects.filter(case=draft, required=True, mode=CaseMaterial.Mode.MISSING)
    for material in missing:
        material_upload(
            actor=citizen,
            case=draft,
            key=material.key,
            file=SimpleUploadedFile(f"{material.key}.pdf", PDF),
        )
    return services.case_submit(actor=citizen, case=draft, idempotency_key=key)
