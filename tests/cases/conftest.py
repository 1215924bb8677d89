"""Shared fixtures of every cases test (helpers of the other parts may add their own helpers in
`tests/cases/factories_<part>.py`; fixtures live here).

The world is built by the apps' own seed steps (which write through their services), for the
region 371121 only (the catalogue import of one region), without the full demo seed:

- `cases_world`   → (a template world, built once per process: tests/factories/worlds.py)
                    dict username → User: org, dataset + licence-type registries, demo accounts
                    (citizen 张伟, business, clerk, supervisor, officer-ps/-hr/-wj/-sw/-yb/-sp/-xf,
                    admin ...), sharing agreements and demo records, the demo e-licences, the
                    371121 catalogue, the workflow processes and the item → process bindings.
- `users`         → the same dict (alias, for readability in tests).
- `citizen`, `business`, `clerk`, `supervisor` → those demo users.
- `officers`      → dict department kind → officer User, e.g. officers["health"] (officer-wj),
                    "public-security", "human-resources-social-security", "tax",
                    "medical-security", "administrative-approval-services", "fire-rescue".
- `newborn`       → the Scenario "newborn" of 371121; `restaurant` → "restaurant-opening".
- `item`          → callable: item("YB-GG-0006") → the 371121 Item with that template key.
- `NEWBORN_ANSWERS` (module constant) = hukou_here yes, ss_card yes, maternity no → 7 items.
- `fill`          → callable fill(case) → {field: value} for every required field of the case's
                    form that is still empty (valid by type: dates, enum options, numbers).
- `newborn_draft` → the citizen's newborn draft, answered (7 items) and pre-filled, every field
                    filled (not submitted).
- `newborn_case`  → that draft submitted online: the bundle with 7 item cases (the enrolment
                    37112100YB-GG-0004 auto-approved, the others waiting for officers).
- `decide`        → callable decide(item_case, officer, decision="approve", reason="...") that
                    walks an item_standard case through review (pass), special step (pass) and
                    decide, as the officer; returns the case.
- `window_draft`  → callable window_draft(scenario=None, item=None, applicant=None, ...) → a
                    window draft started by `clerk` for a walk-in (applicant_index/name given).
- `media`         (autouse) → MEDIA_ROOT in the test's temp dir.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from onestop.accounts.models import User
from onestop.cases import selectors, services
from onestop.cases.models import Case
from onestop.cases.seed import SYNTHETIC_IDS
from onestop.cases.services.forms import identifier_kind
from onestop.catalog.models import Item, Scenario
from onestop.core.actors import SYSTEM
from tests.factories import OTHER_REGION, other_region_staff, worlds

REGION = "371121"
NEWBORN_ANSWERS = {"hukou_here": "yes", "ss_card": "yes", "maternity": "no"}
OFFICERS = {
    "health": "officer-wj",
    "public-security": "officer-ps",
    "human-resources-social-security": "officer-hr",
    "tax": "officer-sw",
    "medical-security": "officer-yb",
    "administrative-approval-services": "officer-sp",
    "fire-rescue": "officer-xf",
}


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def build_world() -> dict[str, User]:
    """The seed steps the cases tests need, in the demo seed's order (one region)."""
    from onestop.accounts.seed import seed_accounts
    from onestop.cases.seed_processes import seed_item_processes
    from onestop.catalog.seed import seed_document
    from onestop.catalog.services import catalog_import
    from onestop.credentials.seed import seed_credentials, seed_licence_types
    from onestop.org.seed import seed_org
    from onestop.sharing.seed import seed_agreements, seed_datasets, seed_demo_records
    from onestop.workflow.seed import seed_workflow

    seed_org()

    seed_org(region=OTHER_REGION)
    seed_accounts()
    other_region_staff()
    seed_datasets()
    seed_licence_types()
    seed_agreements()
    seed_demo_records()
    catalog_import(actor=SYSTEM, data=seed_document(), region=REGION, fmt="json")
    seed_credentials()
    seed_workflow()
    seed_item_processes()
    return {u.username: u for u in User.objects.all()}


@worlds.fixture("cases", build_world)
def cases_world(db: Any) -> dict[str, User]:
    return worlds.use("cases")


@pytest.fixture
def users(cases_world: dict[str, User]) -> dict[str, User]:
    return cases_world


@pytest.fixture
def citizen(cases_world: dict[str, User]) -> User:
    return cases_world["citizen"]


@pytest.fixture
def business(cases_world: dict[str, User]) -> User:
    return cases_world["business"]


@pytest.fixture
def clerk(cases_world: dict[str, User]) -> User:
    return cases_world["clerk"]


@pytest.fixture
def supervisor(cases_world: dict[str, User]) -> User:
    return cases_world["supervisor"]


@pytest.fixture
def officers(cases_world: dict[str, User]) -> dict[str, User]:
    return {kind: cases_world[name] for kind, name in OFFICERS.items()}


@pytest.fixture
def newborn(cases_world: dict[str, User]) -> Scenario:
    return Scenario.objects.get(region_id=REGION, slug="newborn")


@pytest.fixture
def restaurant(cases_world: dict[str, User]) -> Scenario:
    return Scenario.objects.get(region_id=REGION, slug="restaurant-opening")


@pytest.fixture
def item(cases_world: dict[str, User]) -> Callable[[str], Item]:
    def get(template_key: str) -> Item:
        return Item.objects.get(region_id=REGION, template_key=template_key)

    return get


def fill_values(case: Case) -> dict[str, Any]:
    """A valid value for every required field of `case`'s form that is still empty."""
    schema = selectors.case_form_schema(case=case)
    data = case.top.form_data or {}
    values: dict[str, Any] = {}
    for key in schema.get("required", []):
        if data.get(key) not in (None, ""):
            continue
        prop = schema["properties"][key]
        if "enum" in prop:
            values[key] = prop["enum"][0]
        elif prop.get("type") == "number":
            values[key] = 1
        elif prop.get("type") == "boolean":
            values[key] = True
        elif prop.get("format") == "date":
            values[key] = "2026-11-20"
        elif key == "phone" or key.endswith("_phone"):
            values[key] = "13800138000"
        elif identifier_kind(key, prop):
            values[key] = SYNTHETIC_IDS[identifier_kind(key, prop)]
        else:
            values[key] = f"test {key}"
    return values


@pytest.fixture
def fill() -> Callable[[Case], dict[str, Any]]:
    return fill_values


def newborn_draft_for(citizen: User, newborn: Scenario) -> Case:
    # a test may build several applications of one citizen (the warning has its own tests)
    case = services.draft_start(actor=citizen, scenario=newborn, allow_duplicate=True)
    case = services.draft_save(actor=citizen, case=case, variant_answers=NEWBORN_ANSWERS)
    case = services.prefill_apply(actor=citizen, case=case)
    return services.draft_save(actor=citizen, case=case, form_data=fill_values(case))


@pytest.fixture
def newborn_draft(citizen: User, newborn: Scenario) -> Case:
    return newborn_draft_for(citizen, newborn)


@pytest.fixture
def newborn_case(citizen: User, newborn_draft: Case) -> Case:
    return services.case_submit(actor=citizen, case=newborn_draft, idempotency_key="newborn-1")


def walk(case: Case, officer: User, decision: str = "approve", reason: str = "Checked.") -> Case:
    """Complete the ready tasks of an item case as `officer` until it is decided."""
    for _step in range(6):
        view = selectors.case_task_view(case=case)
        if not view["tasks"]:
            break
        task = view["tasks"][0]
        if task.name == "review":
            data, why = {"review_outcome": "pass"}, ""
        elif task.name == "special_step":
            data, why = {"special_step_result": "pass"}, ""
        elif task.name == "decide":
            data, why = {"decision": decision}, reason
        else:
            raise AssertionError(f"unexpected task {task.name}")
        case = services.task_complete(
            actor=officer,
            case=case,
            task_id=task.id,
            data=data,
            expected_version=view["version"],
            reason=why,
        )
    return case


@pytest.fixture
def decide() -> Callable[..., Case]:
    return walk


@pytest.fixture
def window_draft(clerk: User) -> Callable[..., Case]:
    def start(
        *,
        scenario: Scenario | None = None,
        item: Item | None = None,
        applicant: User | None = None,
        applicant_index: str = "walk-in-index-0001",
        applicant_name: str = "王小明",
    ) -> Case:
        return services.draft_start(
            actor=clerk,
            scenario=scenario,
            item=item,
            channel=Case.Channel.WINDOW,
            applicant=applicant,
            applicant_index=applicant_index if applicant is None else "",
            applicant_name=applicant_name,
            allow_duplicate=True,  # several cases of one walk-in (the warning: own tests)
        )

    return start


@pytest.fixture
def tomorrow() -> datetime.date:
    """The day after today, in the node's time zone (a valid pledge deadline)."""
    from django.utils import timezone

    return timezone.localdate() + datetime.timedelta(days=1)
