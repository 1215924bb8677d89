"""`POST /federation/v1/messages`: a signed ping is applied once and answered with a signed
pong; every refusal of the protocol answers in the one error shape and changes nothing."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

from onestop.core import keys
from onestop.core.errors import ValidationFailed
from onestop.federation import handlers, signing
from onestop.federation.models import InboxMessage, SeenNonce
from onestop.ledger import selectors as ledger_selectors
from tests.federation.conftest import INBOX, FakePeer, reply_json

pytestmark = pytest.mark.django_db


def _state() -> tuple[int, int, int]:
    return (InboxMessage.objects.count(), SeenNonce.objects.count(), ledger_selectors.tree_size())


def _verify_answer(response: Any, request: signing.Request) -> signing.Verified:
    node_keys = keys.public_keys("federation")
    answer = signing.Response(response.status_code, signing.headers_of(response.headers), request)
    return signing.verify_response(
        answer, response.content, lambda keyid: node_keys.get(keyid.partition(":")[2])
    )


def test_a_signed_ping_gets_a_signed_pong_and_is_logged(client: Any, fake_peer: FakePeer) -> None:
    before = ledger_selectors.tree_size()
    envelope = fake_peer.envelope()
    body, request = fake_peer.signed(envelope)
    response = fake_peer.post(client, body, request)
    assert response.status_code == 200, response.content
    reply = reply_json(response)
    assert reply["in_reply_to"] == envelope["id"]
    assert reply["body"]["type"] == "pong"
    assert reply["body"]["ping_created"] == envelope["created"]
    assert reply["body"]["pong_from"] == settings.NODE_REGION
    assert _verify_answer(response, request).region == settings.NODE_REGION
    entry = ledger_selectors.entry_get(index=before)
    assert entry.kind == "federation.message"
    assert entry.payload["direction"] == "in"
    assert entry.payload["id"] == envelope["id"]
    assert "body" not in entry.payload
    assert len(entry.payload["envelope_sha256"]) == 64
    fake_peer.peer.refresh_from_db()
    assert fake_peer.peer.last_seen is not None


def _refused(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    answer = reply_json(response)
    assert answer["code"] == code
    assert isinstance(answer["message"], str)
    assert answer["message"]
    return answer


def test_unsigned_unknown_and_bad_signatures_are_401(client: Any, fake_peer: FakePeer) -> None:
    before = _state()
    envelope = fake_peer.envelope()
    body, request = fake_peer.signed(envelope)
    _refused(fake_peer.post(client, body, None), 401, "unsigned")
    _refused(fake_peer.send(client, envelope, keyid="320707:nosuchkid"), 401, "unknown_key")
    _refused(fake_peer.send(client, envelope, keyid="999999:peerkid0"), 401, "unknown_key")
    forged = Ed25519PrivateKey.generate()
    _refused(fake_peer.send(client, envelope, key=forged), 401, "bad_signature")
    tampered = body.replace(b'"monitoring"', b'"surveillance"')
    _refused(fake_peer.post(client, tampered, request), 401, "bad_digest")
    elsewhere = fake_peer.send(client, envelope, url="http://other.example" + INBOX)
    _refused(elsewhere, 401, "bad_signature")
    old = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=301)
    _refused(fake_peer.send(client, envelope, created=old), 401, "stale_signature")
    ahead = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=301)
    _refused(fake_peer.send(client, envelope, created=ahead), 401, "stale_signature")
    assert _state() == before


def test_a_removed_peer_is_an_unknown_key(client: Any, fake_peer: FakePeer) -> None:
    fake_peer.peer.active = False
    fake_peer.peer.save()
    _refused(fake_peer.send(client, fake_peer.envelope()), 401, "unknown_key")


def test_a_replayed_nonce_is_409(client: Any, fake_peer: FakePeer) -> None:
    body, request = fake_peer.signed(fake_peer.envelope())
    assert fake_peer.post(client, body, request).status_code == 200
    before = _state()
    _refused(fake_peer.post(client, body, request), 409, "nonce_seen")
    assert _state() == before


def test_a_retried_id_gets_the_first_reply_and_is_applied_once(
    client: Any, fake_peer: FakePeer
) -> None:
    calls: list[str] = []

    def count(envelope: dict[str, Any], peer: Any) -> dict[str, Any]:
        calls.append(envelope["id"])
        return {"n": len(calls)}

    handlers.register("test.count", count)
    fake_peer.peer.allowed_in_types = ["test.count"]
    fake_peer.peer.save()
    try:
        envelope = fake_peer.envelope(type="test.count")
        first = fake_peer.send(client, envelope)
        assert first.status_code == 200
        before = _state()
        again = fake_peer.send(client, envelope)  # a new nonce, the same id and digest
        answer = _refused(again, 409, "message_seen")
        assert answer["details"]["reply"] == reply_json(first)
        assert calls == [envelope["id"]]
        other = dict(envelope, body={"different": True})
        _refused(fake_peer.send(client, other), 409, "message_id_reused")
        assert _state() == before
    finally:
        handlers.unregister("test.count")


def test_a_private_type_is_answered_once_and_its_reply_body_not_kept(
    client: Any, fake_peer: FakePeer
) -> None:
    handlers.register("test.personal", lambda envelope, peer: {"name": "张三"}, private=True)
    fake_peer.peer.allowed_in_types = ["test.personal"]
    fake_peer.peer.save()
    try:
        envelope = fake_peer.envelope(type="test.personal")
        first = fake_peer.send(client, envelope)
        assert reply_json(first)["body"] == {"name": "张三"}  # answered to the sender
        kept = InboxMessage.objects.get(message_id=envelope["id"])
        assert kept.reply["body"] == {"redacted": True}  # but not kept on this node
        assert kept.reply["in_reply_to"] == envelope["id"]
        again = _refused(fake_peer.send(client, envelope), 409, "message_seen")
        assert again["details"]["reply"]["body"] == {"redacted": True}
    finally:
        handlers.unregister("test.personal")


def test_types_datasets_and_senders_not_allowed_are_403(client: Any, fake_peer: FakePeer) -> None:
    handlers.register("test.data", lambda envelope, peer: {"ok": True})
    try:
        before = _state()
        _refused(
            fake_peer.send(client, fake_peer.envelope(type="test.data")), 403, "type_not_allowed"
        )
        fake_peer.peer.allowed_in_types = ["ping", "test.data"]
        fake_peer.peer.allowed_in_datasets = ["household"]
        fake_peer.peer.save()
        asked = fake_peer.envelope(type="test.data", body={"dataset": "tax"})
        _refused(fake_peer.send(client, asked), 403, "dataset_not_allowed")
        _refused(
            fake_peer.send(client, fake_peer.envelope(**{"from": "371100"})), 403, "not_signer"
        )
        assert _state() == before
        allowed = fake_peer.envelope(type="test.data", body={"dataset": "household"})
        assert fake_peer.send(client, allowed).status_code == 200
    finally:
        handlers.unregister("test.data")


def test_malformed_and_misaddressed_envelopes_are_400(client: Any, fake_peer: FakePeer) -> None:
    before = _state()
    _refused(fake_peer.send(client, b"not json"), 400, "bad_envelope")
    _refused(fake_peer.send(client, fake_peer.envelope(id="not-a-uuid")), 400, "bad_envelope")
    _refused(fake_peer.send(client, fake_peer.envelope(to="110000")), 400, "wrong_recipient")
    fake_peer.peer.allowed_in_types = ["ping", "nobody.handles"]
    fake_peer.peer.save()
    _refused(fake_peer.send(client, fake_peer.envelope(type="nobody.handles")), 400, "unknown_type")
    assert _state() == before


def test_a_handler_refusal_rolls_back_and_the_same_id_may_come_again(
    client: Any, fake_peer: FakePeer
) -> None:
    outcomes: list[Any] = [ValidationFailed("not yet", code="not_yet"), {"done": True}]

    def flaky(envelope: dict[str, Any], peer: Any) -> dict[str, Any]:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    handlers.register("test.flaky", flaky)
    fake_peer.peer.allowed_in_types = ["test.flaky"]
    fake_peer.peer.save()
    try:
        envelope = fake_peer.envelope(type="test.flaky")
        before = _state()
        _refused(fake_peer.send(client, envelope), 400, "not_yet")
        assert _state() == before
        assert reply_json(fake_peer.send(client, envelope))["body"] == {"done": True}
    finally:
        handlers.unregister("test.flaky")


def test_only_post_and_no_csrf_token_needed(client: Any, fake_peer: FakePeer) -> None:
    assert client.get(INBOX).status_code == 405
    strict = type(client)(enforce_csrf_checks=True)
    assert fake_peer.send(strict, fake_peer.envelope()).status_code == 200
