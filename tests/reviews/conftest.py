"""Fixtures of the reviews tests, on the cases world (tests/cases/conftest.py): the demo
citizen's newborn bundle finished by the departments, so that `cases.hooks` invited its rating.

- `finished`   → the citizen's newborn bundle, completed (every item decided by its officer).
- `invitation` → the citizen's invitation to rate it in "my space".
- `rate`       → callable rate(level=1, indicators=("attitude",), **kw) → the citizen's review.
- `officer`    → the officer of the bundle's lead department (who handles its rectification).
- `visit_at_window(clerk)` → the clerk, seated at window 03 of the Wulian centre, accepts a
  walk-in's restaurant bundle through the window's pages: the visit's invitation (一次一评).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from onestop.accounts.models import User
from onestop.cases.models import Case
from onestop.reviews import services
from onestop.reviews.models import Channel, Invitation, Review
from tests.cases import conftest as cases

# The cases world's fixtures, offered here under their own names.
cases_world = cases.cases_world
users = cases.users
citizen = cases.citizen
clerk = cases.clerk
supervisor = cases.supervisor
officers = cases.officers
newborn = cases.newborn
restaurant = cases.restaurant
item = cases.item
fill = cases.fill
newborn_draft = cases.newborn_draft
newborn_case = cases.newborn_case
decide = cases.decide
media = cases.media


@pytest.fixture
def finished(newborn_case: Case, officers: dict[str, User], decide: Any) -> Case:
    for child in newborn_case.children.exclude(status=Case.Status.COMPLETED):
        decide(child, officers[child.department.kind_id])
    newborn_case.refresh_from_db()
    assert newborn_case.status == Case.Status.COMPLETED
    return newborn_case


@pytest.fixture
def invitation(finished: Case) -> Invitation:
    return Invitation.objects.get(event_ref=finished.number, channel=Channel.ONLINE)


@pytest.fixture
def officer(finished: Case, users: dict[str, User]) -> User:
    from onestop.accounts.models import StaffRole

    role = StaffRole.objects.filter(
        role=StaffRole.Role.DEPARTMENT_OFFICER, department_id=finished.department_id
    ).first()
    assert role is not None, finished.department_id
    return role.user


@pytest.fixture
def rate(citizen: User, invitation: Invitation) -> Callable[..., Review]:
    def submit(level: int = 1, indicators: tuple[str, ...] = ("attitude",), **kw: Any) -> Review:
        return services.review_submit(
            actor=citizen, invitation=invitation, level=level, indicators=indicators, **kw
        )

    return submit


def visit_at_window(clerk: User, key: str = "visit-at-window") -> Invitation:
    """The clerk sits at window 03, accepts a walk-in's restaurant bundle (the window's own
    pages, the demo walk-in) and returns the visit's invitation made with the receipt."""
    from django.urls import reverse

    from onestop.cases import selectors
    from onestop.org.models import Window
    from onestop.reviews.models import EventKind
    from tests.cases.test_window_accept import _answer, _check_all, _start
    from tests.factories import login

    client = login(clerk)
    seat = Window.objects.get(centre__slug="wulian-centre", number="03")
    client.post(reverse("cases:window"), {"action": "sit", "window": seat.pk})
    case = _start(client, "scenario:371121/restaurant-opening")
    case = _answer(client, case, cases.fill_values)
    _check_all(client, case)
    url = reverse("cases:window_case", args=[selectors.case_ref(case)])
    assert client.post(url, {"action": "accept", "idempotency_key": key}).status_code == 302
    case.refresh_from_db()
    assert case.window_id == seat.pk
    return Invitation.objects.get(
        event_ref=case.number, event_kind=EventKind.VISIT, channel=Channel.WINDOW
    )
