"""The demo seed's hotspot (walk #15.7): six water-cut calls from one township this week,
made through the hotline's services, raise one card; a second run changes nothing."""

from __future__ import annotations

from typing import Any

from onestop.hotline.models import WorkOrder
from onestop.insights.models import Hotspot
from onestop.insights.seed import seed_hotspot
from tests.hotline import conftest as hotline_world

world = hotline_world.world


def test_the_demo_seed_raises_one_hotspot_once(world: Any) -> None:
    assert seed_hotspot() == "6 demo requests; hotspot scan: 1 raised, 0 updated"
    card = Hotspot.objects.get()
    assert (card.category, card.place, card.count) == ("utilities.water", "街头镇", 6)
    assert sorted(card.orders) == sorted(
        WorkOrder.objects.filter(township="街头镇").values_list("number", flat=True)
    )
    assert seed_hotspot() == "0 demo requests; hotspot scan: 0 raised, 0 updated"
    assert (Hotspot.objects.count(), WorkOrder.objects.count()) == (1, 6)
