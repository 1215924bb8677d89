"""One rule for who sees a work order (issue 10: the department scope listed orders that the
policy then refused, and the order page answered 500).

Property-style: in worlds drawn at random (fixed seeds) from departments, regions and roles —
agents and supervisors of a county, a city, a province; officers of a department, some with
several departments; roles that grant nothing here (a window clerk or a supervisor tied to a
department, an administrator) — every order a list shows opens with 200, every other order
answers 404, and the filter (`policies.scope_q`) and the one-order check
(`policies.can(..., VIEW, ...)`) agree on every pair.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.urls import reverse

from onestop.accounts import services as account_services
from onestop.accounts.models import StaffRole, User
from onestop.hotline import policies, selectors, services
from onestop.hotline.models import WorkOrder
from tests.factories import PASSWORD, login

R = StaffRole.Role

DEPARTMENTS = {
    "371121": ["371121-public-security", "371121-water-supply", "371121-health", "371121-tax"],
    "320707": ["320707-public-security", "320707-civil-affairs"],
}
ROLES: list[tuple[str, str, str | None]] = [
    (R.HOTLINE_AGENT, "371121", None),
    (R.HOTLINE_AGENT, "320707", None),
    (R.HOTLINE_AGENT, "371100", None),
    (R.SUPERVISOR, "370000", None),
    (R.SUPERVISOR, "320707", None),
    (R.DEPARTMENT_OFFICER, "371121", "371121-public-security"),
    (R.DEPARTMENT_OFFICER, "371121", "371121-water-supply"),
    (R.DEPARTMENT_OFFICER, "320707", "320707-public-security"),
    (R.DEPARTMENT_OFFICER, "371121", "371121-health"),
    (R.WINDOW_CLERK, "371121", "371121-health"),  # a department role that sees no order
    (R.SUPERVISOR, "371121", "371121-tax"),
    (R.ADMINISTRATOR, "371121", None),
]
SEEDS = [1, 2, 3, 4, 5]


def _orders(rng: random.Random, admin: User, count: int) -> list[WorkOrder]:
    orders = []
    for n in range(count):
        region = rng.choice(sorted(DEPARTMENTS))
        order = services.ticket_create(
            actor=admin,
            channel="phone",
            request_type="complaint",
            category="public-security.public-order",
            description=f"Order {n}: noise at night.",
            contact_name="Li",
            contact_phone="13800138000",
            address="Hongning Street",
            region=region,
        )
        if rng.random() < 0.8:  # dispatched, with 0-2 assisting departments
            lead, *others = rng.sample(DEPARTMENTS[region], k=len(DEPARTMENTS[region]))
            assisting = others[: rng.randint(0, 2)]
            order = services.ticket_dispatch(
                actor=admin, order=order, department=lead, assisting=assisting
            )
        orders.append(order)
    return orders


def _staff(rng: random.Random, admin: User, seed: int, count: int) -> list[User]:
    people = []
    for n in range(count):
        roles = rng.sample(ROLES, k=rng.randint(1, 3))
        people.append(
            account_services.staff_create(
                actor=admin,
                username=f"scope-{seed}-{n}",
                password=PASSWORD,
                real_name=f"scope {n}",
                roles=roles,
            )
        )
    return people


def _numbers(orders: Any) -> set[str]:
    return {o.number for o in orders}


@pytest.mark.parametrize("seed", SEEDS)
def test_every_listed_order_opens_and_no_other_does(world: dict[str, User], seed: int) -> None:
    rng = random.Random(seed)
    admin = world["admin"]
    orders = _orders(rng, admin, count=8)
    people = [*_staff(rng, admin, seed, count=5), world["officer-ps"], world["clerk"]]
    for made in people:
        person = User.objects.get(pk=made.pk)  # fresh: no roles cached from creation
        listed = _numbers(selectors.ticket_list(actor=person))
        client = login(person, raise_request_exception=False)
        for order in orders:
            assert policies.can(person, policies.VIEW, order) == (order.number in listed)
            page = client.get(reverse("hotline:order", args=[order.number]))
            assert page.status_code == (200 if order.number in listed else 404), (
                person.username,
                [(r.role, r.region_id, r.department_id) for r in person.staff_roles.all()],
                order.number,
                order.region,
                order.lead_department_id,
            )
        queue = client.get(reverse("hotline:department"))
        officer = person.staff_roles.filter(role=R.DEPARTMENT_OFFICER).exists()
        assert queue.status_code == (200 if officer else 403)
        if officer:
            shown = {row["order"].number for row in queue.context["rows"]}
            assert shown == _numbers(selectors.department_queue(actor=person))
            assert shown <= listed
            for number in shown:
                assert client.get(reverse("hotline:order", args=[number])).status_code == 200


def test_a_department_role_other_than_officer_sees_no_order(world: dict[str, User], make) -> None:
    """The old scope listed the orders of any department-scoped role (a window clerk of the
    health department saw the health department's orders); the policy refused them."""
    order = services.ticket_dispatch(actor=world["agent"], order=make(), department="371121-health")
    clerk = account_services.staff_create(
        actor=world["admin"],
        username="clerk-health",
        password=PASSWORD,
        real_name="clerk",
        roles=[(R.WINDOW_CLERK, "371121", "371121-health")],
    )
    assert list(selectors.ticket_list(actor=clerk)) == []
    assert not policies.can(clerk, policies.VIEW, order)
    client = login(clerk)
    assert client.get(reverse("hotline:order", args=[order.number])).status_code == 404
    assert client.get(reverse("hotline:department")).status_code == 403
