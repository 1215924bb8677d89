"""One enum names every permission; the node itself acts as `SYSTEM`, which each policy answers
for explicitly, and `actor=None` may do nothing."""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any

import pytest

from onestop.core.actors import SYSTEM, SystemActor, is_system
from onestop.core.permissions import Permission
from onestop.hotline.models import WorkOrder

# Apps whose policies name their permissions in an `Action` enum.
WITH_ACTIONS = (
    "accounts",
    "credentials",
    "knowledge",
    "notify",
    "open311",
    "sharing",
    "workflow",
)


def policies(app: str) -> Any:
    return importlib.import_module(f"onestop.{app}.policies")


def test_system_is_a_frozen_named_actor_with_no_user_behind_it() -> None:
    assert SystemActor() == SYSTEM
    assert (SYSTEM.name, SYSTEM.is_authenticated, SYSTEM.is_system) == ("system", True, True)
    assert not hasattr(SYSTEM, "pk")
    with pytest.raises(dataclasses.FrozenInstanceError):
        SYSTEM.name = "root"  # type: ignore[misc]
    assert is_system(SYSTEM)
    assert not is_system(None)


@pytest.mark.parametrize("app", WITH_ACTIONS)
def test_every_action_of_an_app_is_a_permission_of_the_one_enum(app: str) -> None:
    names = {str(p) for p in Permission}
    assert {str(a) for a in policies(app).Action} <= names


def test_module_level_permission_names_are_in_the_enum_too() -> None:
    hotline, insights, org = policies("hotline"), policies("insights"), policies("org")
    names = {str(p) for p in Permission}
    for name in (
        hotline.CREATE,
        hotline.VIEW,
        hotline.CONTACT_VIEW,
        hotline.ATTACH,
        hotline.ARTICLE,
        insights.VIEW_HOTLINE,
        org.MANAGE,
    ):
        assert name in names


def test_permission_values_are_unique_and_scoped() -> None:
    values = [str(p) for p in Permission]
    assert len(values) == len(set(values))
    for value in values:
        scope, _resource, _action = value.split(":")
        assert scope in {"public", "self", "staff", "department", "region", "node"}


def order(status: str) -> WorkOrder:
    return WorkOrder(number="371121-20260101-000001", region="371121", status=status)


# (app, action, obj, may SYSTEM do it)
SYSTEM_ANSWERS: list[tuple[str, str, Any, bool]] = [
    ("catalog", Permission.CATALOG_IMPORT, "371121", True),
    ("catalog", Permission.CATALOG_ITEM_MANAGE, "371121", True),
    ("knowledge", Permission.ARTICLE_IMPORT, None, True),
    ("knowledge", Permission.ARTICLE_PUBLISH, None, False),
    ("knowledge", Permission.ARTICLE_DRAFT, None, False),
    ("credentials", Permission.LICENCE_TYPE_MANAGE, None, True),
    ("credentials", Permission.CREDENTIAL_ISSUE, "371121-civil-affairs", False),
    ("sharing", Permission.DATASET_MANAGE, None, True),
    ("sharing", Permission.CONSENT_MANAGE, None, False),
    ("sharing", Permission.ACCESS_RECORDS_VIEW, "371121-civil-affairs", False),
    ("accounts", Permission.ORG_MANAGE, "371121", True),
    ("accounts", Permission.ACCOUNTS_MANAGE, "371121", True),
    ("accounts", Permission.USER_FIND, None, False),
    ("org", Permission.ORG_MANAGE, "371121", True),
    ("notify", Permission.NOTIFICATION_RESEND, None, False),
    ("insights", Permission.INSIGHTS_VIEW, "371121", False),
    ("open311", Permission.OPEN311_CLIENT_MANAGE, "371121", False),
    ("workflow", Permission.PROCESS_RUN, None, True),
    ("hotline", "escalate", order(WorkOrder.Status.DISPATCHED), True),
    ("hotline", "dispatch", order(WorkOrder.Status.NEW), True),
    ("hotline", "reply", order(WorkOrder.Status.IN_PROGRESS), False),
    ("hotline", Permission.HOTLINE_CREATE, "371121", False),
]


@pytest.mark.parametrize(("app", "action", "obj", "allowed"), SYSTEM_ANSWERS)
def test_each_policy_answers_for_system_and_refuses_none(
    app: str, action: str, obj: Any, allowed: bool
) -> None:
    can = policies(app).can
    assert can(SYSTEM, action, obj) is allowed
    assert can(None, action, obj) is False
