"""Burden figures from a case that really ran: the newborn bundle submitted online and decided
by the departments (and the rules) counts once it is completed."""

from __future__ import annotations

from typing import Any

from onestop.accounts.models import User
from onestop.cases import burden
from onestop.cases.models import Case


def test_a_completed_newborn_bundle_counts(
    client: Any, newborn_case: Case, officers: dict[str, User], decide: Any
) -> None:
    top = newborn_case
    scenario = top.scenario
    assert scenario is not None
    # In progress: not counted yet.
    assert burden.scenario_burden(scenario=scenario)["cases"] == 0
    for child in top.children.exclude(status=Case.Status.COMPLETED):
        decide(child, officers[child.department.kind_id])
    top.refresh_from_db()
    assert top.status == Case.Status.COMPLETED

    body = client.get(f"/api/v1/scenarios/{scenario.slug}/burden").json()
    assert body["cases"] == 1
    bundled = body["bundled"]
    # Online, with every required material held by the state or an e-licence: nothing handed
    # in, no visit, one form, and completed on the day it was accepted.
    assert bundled["materials"] == float(top.materials_submitted) == 0.0
    assert bundled["visits"] == 0.0
    assert bundled["forms"] == 1
    assert bundled["days"] == 0.0
    assert bundled["fields_typed"] == float(top.fields_typed)
    baseline = body["baseline"]
    assert baseline["materials"] > bundled["materials"]
    assert baseline["forms"] == top.scenario.items.count()
