"""Demo-seed steps of `sharing`: the dataset registry (data/seed/datasets.json), the sharing
agreements (data/seed/sharing_agreements.json), both national reference data seeded on every
node, and synthetic authoritative records with two example accesses (data/seed/sharing_demo.json;
DEVELOPMENT DATA ONLY): only the records of the node's region and the regions under it (each
record names the region whose node holds it)."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from django.conf import settings

from onestop.accounts import selectors as accounts_selectors
from onestop.core import seeding
from onestop.core.actors import SYSTEM
from onestop.core.errors import DomainError
from onestop.org.seed import demo_regions
from onestop.sharing import selectors
from onestop.sharing.models import Purpose
from onestop.sharing.services import agreement_upsert, data_fetch, dataset_upsert, record_upsert


def _load(name: str) -> Any:
    path = Path(settings.BASE_DIR) / "data" / "seed" / name
    return json.loads(path.read_text(encoding="utf-8"))


def load_datasets() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = _load("datasets.json")
    return rows


def load_agreements() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = _load("sharing_agreements.json")
    return rows


def load_demo_records(region: str | None = None) -> list[dict[str, Any]]:
    """The demo records held by this node's region (or `region`) and the regions under it."""
    regions = demo_regions(region)
    rows: list[dict[str, Any]] = _load("sharing_demo.json")["records"]
    return [row for row in rows if row["region"] in regions]


@seeding.register(order=40, name="datasets")
def seed_datasets() -> str:
    rows = load_datasets()
    changed = sum(dataset_upsert(actor=SYSTEM, row=row)[1] for row in rows)
    return f"{len(rows)} datasets, {changed} changed"


@seeding.register(order=44, name="sharing-agreements")
def seed_agreements() -> str:
    rows = load_agreements()
    changed = sum(agreement_upsert(actor=SYSTEM, row=row)[1] for row in rows)
    return f"{len(rows)} agreements, {changed} changed"


# Two example accesses about the demo citizen, so the data tracker shows something: one
# allowed by law, one refused (no agreement). Made once: the ledger is append-only.
DEMO_ACCESSES = [
    (
        "officer-hr",
        "household",
        ["household_number", "registered_address"],
        Purpose.ELIGIBILITY_CHECK,
    ),
    ("officer-ps", "social-insurance", ["pension_contribution_months"], Purpose.VERIFICATION),
]


def _demo_accesses(region: str) -> int:
    users = accounts_selectors.users_by_username(
        ["citizen", *(a[0] for a in DEMO_ACCESSES)], active=False
    )
    citizen = users.get("citizen")
    if citizen is None:
        return 0
    index = selectors.subject_index_of(citizen)
    if index is None or selectors.access_records_about(subject_index=index).exists():
        return 0
    made = 0
    for username, dataset, fields, purpose in DEMO_ACCESSES:
        if username not in users:
            continue
        # the refused example is meant to be refused (and is recorded)
        with contextlib.suppress(DomainError):
            data_fetch(
                actor=users[username],
                subject=citizen,
                dataset=dataset,
                fields=fields,
                purpose=purpose,
                case=f"{region}-20261120-0001",
            )
        made += 1
    return made


@seeding.register(order=45, name="sharing-demo")
def seed_demo_records(region: str | None = None) -> str:
    rows = load_demo_records(region)
    changed = sum(
        record_upsert(
            actor=SYSTEM,
            dataset=row["dataset"],
            subject=row["subject"],
            subject_kind=row["subject_kind"],
            data=row["data"],
            parties=row.get("parties", []),
        )[1]
        for row in rows
    )
    accesses = _demo_accesses(region or seeding.node_region())
    return f"{len(rows)} records, {changed} changed; {accesses} example accesses"
