"""The processes that decide by rules (秒批): verified facts that meet the table → decided and
delivered with no human task; anything else (the catch-all row, or no facts) → an officer."""

from __future__ import annotations

from typing import Any

import pytest

from onestop.core.actors import SYSTEM
from onestop.workflow import selectors, services

CASES = [
    ("auto_decision", {"parent_insured": True, "birth_certificate_verified": True}, True),
    ("auto_decision", {"parent_insured": True, "birth_certificate_verified": False}, False),
    ("auto_out_of_area_filing", {"insured": True, "insured_here": True}, True),
    ("auto_out_of_area_filing", {"insured": True, "insured_here": False}, False),
    ("auto_out_of_area_filing", {"insured": False, "insured_here": True}, False),
    (
        "auto_tax_clearance",
        {"registration_normal": True, "arrears_amount": 0.0, "uncancelled_invoices": 0.0},
        True,
    ),
    (
        "auto_tax_clearance",
        {"registration_normal": True, "arrears_amount": 120.5, "uncancelled_invoices": 0.0},
        False,
    ),
    (
        "auto_tax_clearance",
        {"registration_normal": True, "arrears_amount": 0.0, "uncancelled_invoices": 3.0},
        False,
    ),
    (
        "auto_tax_clearance",
        {"registration_normal": False, "arrears_amount": 0.0, "uncancelled_invoices": 0.0},
        False,
    ),
    ("auto_tax_clearance", {}, False),
]


@pytest.mark.parametrize(("key", "facts", "approved"), CASES)
def test_rules_decide_only_on_verified_facts(
    definitions: dict[str, Any], key: str, facts: dict[str, Any], approved: bool
) -> None:
    instance = services.instance_start(key=key, business_key=f"{key}-{len(facts)}", data=facts)
    variables = selectors.instance_variables(instance=instance)
    tasks = services.ready_tasks(instance=instance)
    if approved:
        assert instance.status == "completed"
        assert variables["decision"] == "approve"
        assert variables["decided_by"] == "rules"
        assert variables["delivered"] is True
        assert tasks == []
    else:
        assert instance.status == "waiting"
        assert [(t.name, t.lane) for t in tasks] == [("decide", "department")]


@pytest.mark.parametrize("key", ["auto_out_of_area_filing", "auto_tax_clearance"])
def test_an_officer_decides_what_the_rules_did_not(definitions: dict[str, Any], key: str) -> None:
    instance = services.instance_start(key=key, business_key=f"{key}-officer", data={})
    [task] = services.ready_tasks(instance=instance)
    instance = services.task_complete(
        instance=instance,
        task_id=task.id,
        actor=SYSTEM,
        data={"decision": "reject"},
        expected_version=instance.version,
    )
    variables = selectors.instance_variables(instance=instance)
    assert instance.status == "completed"
    assert variables["decision"] == "reject"
    assert variables["delivered"] is True
