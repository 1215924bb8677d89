"""Demo-seed step of `cases`: a few applications, made through the services, so that `make run`
shows the back office, the window and "my space" with something in them.

All in the node's region, by its demo people (data/seed/demo_people.json) and staff:

- the demo citizen's (in Wulian 张伟's) newborn bundle, online (hukou here, social security card, no
  maternity allowance → 7 items; the medical-insurance enrolment is decided by rules at once,
  the others wait for the officers of four departments);
- a walk-in's renewal of the resident identity card, accepted at the window with the originals
  checked (waits for the public-security review);
- a walk-in's residence permit application, accepted at the window, on which the
  public-security officer asked for supplements (the clock is stopped).

Idempotent: each application carries an idempotency key; a key already used is skipped.
Runs after accounts, catalogue, sharing, credentials, workflow definitions and item processes.
"""

from __future__ import annotations

import logging
from typing import Any

from onestop.accounts.models import User
from onestop.accounts.seed import demo_people
from onestop.accounts.selectors import users_by_username
from onestop.cases.models import Case, CaseMaterial
from onestop.core import crypto, identity, seeding

log = logging.getLogger(__name__)

KEYS = {
    "newborn": "demo-seed-newborn",
    "id-renewal": "demo-seed-window-id-renewal",
    "residence-permit": "demo-seed-window-residence-permit",
}


def _walkins() -> dict[str, tuple[str, str, str]]:
    """Synthetic walk-ins of the node's region: key → (name, resident ID, item code)."""
    people = demo_people()
    region = people.get("region", seeding.node_region())
    return {
        w["key"]: (w["name"], w["resident_id"], f"{region}00{w['item']}")
        for w in people.get("walkins", [])
    }


# Synthetic identifiers with valid check digits (demo data only).
SYNTHETIC_IDS = {"resident-id": "110101199003070038", "uscc": "91371121MA3C5D7E8U"}


def _fill(case: Case) -> dict[str, Any]:
    """A plausible value for every field of the case's form that is still empty."""
    from onestop.cases import selectors
    from onestop.cases.services.forms import identifier_kind

    schema = selectors.case_form_schema(case=case)
    data = case.top.form_data or {}
    values: dict[str, Any] = {}
    for key, prop in (schema.get("properties") or {}).items():
        if data.get(key) not in (None, "") or not isinstance(prop, dict):
            continue
        if prop.get("enum"):
            values[key] = prop["enum"][0]
        elif prop.get("type") in ("number", "integer"):
            values[key] = 1
        elif prop.get("type") == "boolean":
            values[key] = True
        elif prop.get("format") == "date":
            values[key] = "2026-11-20"
        elif "phone" in key:
            values[key] = "13800138000"
        elif identifier_kind(key, prop):  # checked like any typed one: a valid synthetic number
            values[key] = SYNTHETIC_IDS[identifier_kind(key, prop)]
        else:
            values[key] = str(prop.get("title") or key)[:40]
    return values


def _newborn(citizen: User) -> str:
    from onestop.cases import services
    from onestop.catalog.selectors import scenario_get
    from onestop.core.errors import NotFound

    try:
        scenario = scenario_get(region=seeding.node_region(), slug="newborn")
    except NotFound:
        return "newborn: no scenario"
    answers = demo_people().get("newborn")
    if not answers:
        return "newborn: not in this region's demo"
    case = services.draft_start(actor=citizen, scenario=scenario)
    case = services.draft_save(actor=citizen, case=case, variant_answers=answers)
    case = services.prefill_apply(actor=citizen, case=case)
    case = services.draft_save(actor=citizen, case=case, form_data=_fill(case))
    case = services.case_submit(actor=citizen, case=case, idempotency_key=KEYS["newborn"])
    return f"newborn {case.number}"


def _window_case(clerk: User, which: str) -> Case | None:
    from onestop.cases import selectors, services
    from onestop.catalog.selectors import item_get
    from onestop.core.errors import NotFound

    walkin = _walkins().get(which)
    if walkin is None:
        return None
    name, resident_id, code = walkin
    try:
        item = item_get(code=code)
    except NotFound:
        return None
    case = services.draft_start(
        actor=clerk,
        item=item,
        channel=Case.Channel.WINDOW,
        applicant_index=crypto.blind_index(resident_id),
        applicant_name=name,
    )
    if not case.applicant_id_masked:
        case.applicant_id_masked = identity.mask_resident_id(resident_id)
        case.save(update_fields=["applicant_id_masked", "updated_at"])
    case = services.draft_save(actor=clerk, case=case, form_data=_fill(case))
    for material in case.materials.filter(mode=CaseMaterial.Mode.MISSING):
        services.material_check(actor=clerk, case=case, key=material.key, mode="paper")
    desk = selectors.windows_for_clerk(actor=clerk).first()
    return services.window_accept(actor=clerk, case=case, window=desk, idempotency_key=KEYS[which])


def _supplement(officer: User, case: Case) -> None:
    from onestop.cases import selectors, services

    view = selectors.case_task_view(case=case)
    if not any(t.name == "review" for t in view["tasks"]):
        return
    keys = list(case.top.materials.filter(mode="paper").values_list("key", flat=True)[:1])
    services.supplement_request(
        actor=officer,
        case=case,
        reason="复印件不清晰，请重新提供。(The copy is illegible; please provide it again.)",
        materials=keys,
        expected_version=view["version"],
    )


@seeding.register(order=96, name="cases-demo", deferred=True)
def seed_cases() -> str:
    users = users_by_username(["citizen", "clerk", "officer-ps"])
    if len(users) < 3:
        return "skipped: demo accounts missing"
    done = []
    used = set(
        Case.objects.filter(idempotency_key__in=KEYS.values()).values_list(
            "idempotency_key", flat=True
        )
    )
    if KEYS["newborn"] not in used:
        done.append(_newborn(users["citizen"]))
    if KEYS["id-renewal"] not in used:
        case = _window_case(users["clerk"], "id-renewal")
        if case is not None:
            done.append(f"window {case.number}")
    if KEYS["residence-permit"] not in used:
        case = _window_case(users["clerk"], "residence-permit")
        if case is not None:
            _supplement(users["officer-ps"], case)
            done.append(f"supplement {case.number}")
    return ", ".join(done) if done else "unchanged"
