"""Federated catalogue search (knowledge.federated, docs/federation.md "Cross-province
cases"): a peer asks this node's catalogue with a signed `catalog.search` message; this node's
`GET /api/v1/search?region=` and search page ask a peer, and say so clearly when it is down."""

from __future__ import annotations

from typing import Any

import pytest

from onestop.federation.models import OutboxMessage
from onestop.knowledge.services import index_rebuild
from tests.federation.conftest import FakePeer, reply_json

URL = "/api/v1/search"


@pytest.fixture
def indexed(small_catalogue: Any, settings: Any) -> Any:
    settings.NODE_REGION = "371121"
    index_rebuild()
    return small_catalogue


@pytest.fixture
def peer(indexed: Any) -> FakePeer:
    fake = FakePeer("320707")
    fake.peer.allowed_in_types = ["ping", "catalog.search"]
    fake.peer.allowed_out_types = ["ping", "catalog.search"]
    fake.peer.save()
    return fake


def test_a_peer_searches_this_node_for_items(client: Any, peer: FakePeer) -> None:
    envelope = peer.envelope(
        type="catalog.search", purpose="catalogue", body={"q": "出生医学证明", "limit": 5}
    )
    response = peer.send(client, envelope)
    assert response.status_code == 200
    body = reply_json(response)["body"]
    assert body["region"] == "371121"
    assert body["hits"]
    assert {hit["kind"] for hit in body["hits"]} == {"item"}  # items only: what can be applied
    assert all(set(hit) == {"kind", "code", "title"} for hit in body["hits"])


def test_a_bad_query_from_a_peer_is_refused(client: Any, peer: FakePeer) -> None:
    envelope = peer.envelope(type="catalog.search", purpose="catalogue", body={"q": ""})
    response = peer.send(client, envelope)
    assert response.status_code == 400
    assert reply_json(response)["code"] == "query_empty"


def test_a_peer_that_is_down_is_said_so(client: Any, peer: FakePeer) -> None:
    # the fake peer's URL is a closed port on loopback: the request fails at once
    response = client.get(URL, {"q": "出生医学证明", "region": "320707"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 502
    assert response.json() == {
        "code": "region_unreachable",
        "message": "The node of region 320707 is not reachable; try again later.",
    }
    message = OutboxMessage.objects.get(type="catalog.search")
    assert message.state == "discarded"  # a request is not retried


def test_a_region_no_peer_serves_is_not_found(client: Any, indexed: Any) -> None:
    response = client.get(URL, {"q": "出生医学证明", "region": "440100"})
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_region"


def test_the_search_page_offers_this_region_first_then_peers(client: Any, peer: FakePeer) -> None:
    page = client.get("/search/", {"q": "出生医学证明"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.index('value="371121"') < page.index('value="320707"')
    down = client.get(
        "/search/", {"q": "出生医学证明", "region": "320707"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert down.status_code == 502
    assert "The node of region 320707 is not reachable" in down.content.decode()
