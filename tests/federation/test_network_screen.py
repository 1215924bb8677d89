"""The staff network screen: region administrators only; peers with health and queue depth,
dead letters with retry and discard, messages per type and day; adding and allowing peers."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from onestop.federation import node, services, transport
from onestop.federation.models import OutboxMessage, Peer
from tests.factories import CitizenFactory
from tests.federation.conftest import FakePeer
from tests.federation.test_outbox import peer_document

pytestmark = pytest.mark.django_db
URL = "/federation/network/"


def test_only_region_administrators_see_the_network(client: Any, login: Any, org: None) -> None:
    assert client.get(URL).status_code == 302  # to the sign-in page
    login(CitizenFactory(username="citizen1"))
    assert client.get(URL).status_code == 403


def test_the_screen_shows_peers_depth_dead_letters_and_counts(
    client: Any, login: Any, admin: Any, fake_peer: FakePeer
) -> None:
    fake_peer.send(client, fake_peer.envelope())  # one ping received today
    queued = services.message_send(to_region="320707", type="ping", body={}, purpose="m")
    dead = services.message_send(to_region="320707", type="ping", body={}, purpose="m")
    OutboxMessage.objects.filter(pk=dead.pk).update(
        state=OutboxMessage.State.DEAD, last_error="HTTP 403"
    )
    login(admin)
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert node.fingerprint() in html
    assert "320707" in html
    assert str(dead.pk) in html
    assert str(queued.pk) not in html  # queued ones are counted, not listed
    counts = page.context["counts"]
    assert [(c["type"], c["received"]) for c in counts] == [("ping", 1)]
    assert page.context["peers"][0]["depth"] == 1
    retried = client.post(f"/federation/network/outbox/{dead.pk}/retry/")
    assert retried.status_code == 302
    assert OutboxMessage.objects.get(pk=dead.pk).state == OutboxMessage.State.QUEUED
    client.post(f"/federation/network/outbox/{dead.pk}/discard/")
    assert OutboxMessage.objects.get(pk=dead.pk).state == OutboxMessage.State.DISCARDED


def test_an_administrator_adds_allows_and_removes_a_peer(
    client: Any, login: Any, admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = Ed25519PrivateKey.generate()
    monkeypatch.setattr(transport, "fetch_document", lambda url: peer_document(key))
    login(admin)
    wrong = client.post(
        "/federation/network/peers/",
        {"url": "http://127.0.0.1:9", "fingerprint": "1" * 64},
        follow=True,
    )
    assert "fingerprint" in wrong.content.decode()
    assert not Peer.objects.exists()
    client.post(
        "/federation/network/peers/",
        {"url": "http://127.0.0.1:9", "fingerprint": node.fingerprint_of(key.public_key())},
    )
    assert Peer.objects.get().region == "320707"
    client.post(
        "/federation/network/peers/320707/allow/",
        {
            "in_types": "ping case.forward",
            "out_types": "ping",
            "in_datasets": "",
            "out_datasets": "household",
        },
    )
    peer = Peer.objects.get()
    assert peer.allowed_in_types == ["case.forward", "ping"]
    assert peer.allowed_out_datasets == ["household"]
    client.post("/federation/network/peers/320707/remove/")
    assert not Peer.objects.get().active


def test_the_network_is_in_the_staff_navigation_of_administrators_only(
    admin: Any, org: None
) -> None:
    from onestop.web import consoles

    assert "federation.network" in [c.key for c in consoles.for_user(admin)]
    clerk = CitizenFactory(username="citizen2")
    assert "federation.network" not in [c.key for c in consoles.for_user(clerk)]
