"""`cases.policies.can(actor, action, case)`: one entry point by permission name; the node
itself (an explicit system actor) may, nobody anonymous may."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser

from onestop.cases import policies
from onestop.cases.models import Case
from onestop.core.permissions import Permission


@dataclass(frozen=True)
class _Node:
    name: str = "system"
    is_authenticated = True
    is_system = True


def test_every_action_is_a_core_permission() -> None:
    actions = [v for k, v in vars(policies.Action).items() if k.isupper()]
    assert actions
    assert all(isinstance(a, Permission) for a in actions)
    assert all(a.value.count(":") == 2 for a in actions)


def test_can_by_role(
    citizen: Any, clerk: Any, supervisor: Any, officers: dict[str, Any], newborn_case: Case
) -> None:
    act = policies.Action
    enrolment_officer = officers["medical-security"]
    item_case = next(
        c for c in Case.objects.filter(parent=newborn_case) if c.item.code.endswith("YB-GG-0004")
    )
    assert policies.can(citizen, act.VIEW, newborn_case)
    assert policies.can(citizen, act.WITHDRAW, newborn_case)
    assert not policies.can(citizen, act.ACCEPT, newborn_case)
    assert policies.can(clerk, act.ACCEPT, newborn_case)
    assert policies.can(clerk, act.RESULT_COLLECT, newborn_case)
    assert not policies.can(clerk, act.WITHDRAW, newborn_case)
    assert policies.can(supervisor, act.SUPERVISE, newborn_case)
    assert policies.can(enrolment_officer, act.STEP_DEPARTMENT, item_case)
    assert not policies.can(citizen, act.STEP_DEPARTMENT, item_case)


def test_the_node_may_and_nobody_anonymous_may(newborn_case: Case) -> None:
    for action in vars(policies.Action).values():
        if isinstance(action, Permission):
            assert policies.can(_Node(), action, newborn_case)
            assert not policies.can(None, action, newborn_case)
            assert not policies.can(AnonymousUser(), action, newborn_case)
    assert policies.can(_Node(), "no:such:action", newborn_case) is False
    assert not policies.can(None, "no:such:action", newborn_case)
