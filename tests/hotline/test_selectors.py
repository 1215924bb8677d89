"""Hotline selectors: scope by region and department, overdue filter, not-found for orders
outside the scope."""

from __future__ import annotations

import datetime

import pytest

from onestop.core.errors import NotFound
from onestop.hotline import selectors, services

PS = "371121-public-security"


def test_ticket_get_hides_orders_outside_the_scope(world, make):
    order = services.ticket_dispatch(actor=world["agent"], order=make(), department=PS)
    assert selectors.ticket_get(actor=world["officer-ps"], number=order.number) == order
    assert selectors.ticket_get(actor=world["admin"], number=order.number) == order
    for name in ("officer-hr", "agent-gy", "citizen"):
        with pytest.raises(NotFound) as error:
            selectors.ticket_get(actor=world[name], number=order.number)
        assert str(error.value.message) == f"There is no work order {order.number}."


def test_overdue_filter(world, make, clock):
    late = services.ticket_dispatch(actor=world["agent"], order=make(), department=PS)
    fresh = make()
    later = late.resolve_by + datetime.timedelta(minutes=1)
    assert list(selectors.ticket_list(actor=world["supervisor"], overdue=True, now=later)) == [late]
    assert list(selectors.ticket_list(actor=world["supervisor"], overdue=False, now=later)) == [
        fresh
    ]
    assert list(selectors.ticket_list(actor=world["officer-hr"], overdue=True, now=later)) == []


def test_masked_phone_for_those_who_do_not_call(world, make):
    order = services.ticket_dispatch(actor=world["agent"], order=make(), department=PS)
    assert selectors.ticket_contact_phone(actor=world["supervisor"], order=order) == "138****8000"
    assert selectors.ticket_contact_phone(actor=world["officer-ps"], order=order) == "13800138000"
