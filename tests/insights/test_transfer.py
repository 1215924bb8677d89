"""An order handed over to 110 / 119 / 120 left the hotline's handling: it counts in none of
the three rates of the unit that held it (not dispatched, not overdue, no callback), but it
was a request received, so it stays in the volumes."""

from __future__ import annotations

from decimal import Decimal

from onestop.hotline import services
from onestop.insights import selectors

from .conftest import AFTER, MARCH, PS, at, fresh


def test_a_transferred_order_is_left_out_of_the_three_rates(month, world, clock):
    supervisor = fresh(world["supervisor"])
    clock.set(at(2, 10, 15))
    # o4: dispatched to public security, never signed for (overdue): it was a fire.
    services.ticket_transfer(
        actor=world["agent"], order=month["o4"], service="119", reference="HZ-1"
    )
    rows = {
        r.department: r
        for r in selectors.three_rates(actor=supervisor, region="371121", month=MARCH, now=AFTER)
    }
    ps = rows[PS]
    assert ps.dispatched == 4  # o1 o2 o3 h2 (was 5 with o4)
    assert ps.signed_on_time == 3
    assert ps.overdue == 2  # o2 and h2 (o4 no longer counts)
    assert ps.response_rate == Decimal("0.7500")
    assert (ps.callbacks, ps.satisfied, ps.resolved) == (3, 2, 1)
    volumes = selectors.hotline_volumes(actor=supervisor, region="371121", month=MARCH, now=AFTER)
    assert volumes.total == 7  # still a request received in March
