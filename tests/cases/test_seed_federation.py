"""The demo cases of `make federation-demo` (cases.seed_federation), made through the services
and idempotent: the fully online and the received-elsewhere ones of this node (371121) against
the test's peer 320707, whose item is described as in tests/cases/test_forwarding.py. (The
joint one runs the joint services of tests/cases/test_forwarding_joint.py on Ganyu's seeded
scenario, which this one-region world does not hold.)"""

from __future__ import annotations

from typing import Any

import pytest

from onestop.cases import seed_federation
from onestop.cases.models import Case
from onestop.cases.services import forwarding
from onestop.federation.models import OutboxMessage
from tests.cases.test_forwarding import PEER, _remote_item
from tests.federation.conftest import FakePeer

CASE_TYPES = ["ping", "case.item", "case.forward", "case.status"]
ITEM_CODE = "32070700GA-GG-0003"


@pytest.fixture(autouse=True)
def _items_cache() -> None:
    forwarding._items.clear()


@pytest.fixture
def peer(cases_world: Any) -> FakePeer:
    fake = FakePeer(PEER)
    fake.peer.allowed_in_types = CASE_TYPES
    fake.peer.allowed_out_types = CASE_TYPES
    fake.peer.save()
    return fake


def test_the_demo_cases_of_one_node_are_made_once(peer: FakePeer) -> None:
    _remote_item()
    online = seed_federation.demo_fully_online(region=PEER, code=ITEM_CODE)
    assert online.is_mirror
    assert online.channel == Case.Channel.ONLINE
    window = seed_federation.demo_received_elsewhere(region=PEER, code=ITEM_CODE)
    assert window.is_mirror
    assert window.channel == Case.Channel.WINDOW
    assert window.documents.filter(kind="receipt").exists()
    assert OutboxMessage.objects.filter(type="case.forward").count() == 2
    # again: the same cases, nothing sent twice
    assert seed_federation.demo_fully_online(region=PEER, code=ITEM_CODE).pk == online.pk
    assert seed_federation.demo_received_elsewhere(region=PEER, code=ITEM_CODE).pk == window.pk
    assert OutboxMessage.objects.filter(type="case.forward").count() == 2
