"""The outbox: a message is written in the caller's transaction and delivered after the commit;
transient failures are retried with back-off, a message failing past its time becomes a dead
letter and the region administrators are told; an operator retries or discards it. Peers are
added from their signed document. The network (the peer) is played by the test."""

from __future__ import annotations

import base64
import datetime
from io import StringIO
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from onestop.core.errors import NotFound, PermissionDenied, ValidationFailed
from onestop.federation import node, selectors, services, transport
from onestop.federation.models import OutboxMessage, Peer
from onestop.ledger import selectors as ledger_selectors
from onestop.ledger.canonical import canonical_json
from onestop.notify.models import Notification
from tests.federation.conftest import FakePeer

pytestmark = pytest.mark.django_db
State = OutboxMessage.State


def peer_document(key: Ed25519PrivateKey, region: str = "320707", **extra: Any) -> dict[str, Any]:
    raw = base64.b64encode(key.public_key().public_bytes_raw()).decode()
    doc: dict[str, Any] = {
        "region": region,
        "name": "Ganyu",
        "url": "http://127.0.0.1:9",
        "keys": [
            {
                "kid": "fed1",
                "alg": "ed25519",
                "use": "federation",
                "public_key": raw,
                "current": True,
            },
            {"kid": "led1", "alg": "ed25519", "use": "ledger", "public_key": raw, "current": True},
        ],
        "message_types": ["ping"],
        "datasets": [],
        "witness_vkey": "",
        "key_endorsements": [],
        **extra,
    }
    doc["proof"] = {
        "kid": "fed1",
        "alg": "ed25519",
        "signature": base64.b64encode(key.sign(canonical_json(doc))).decode(),
    }
    return doc


def test_peer_add_pins_the_document_signed_by_the_fingerprinted_key(
    monkeypatch: pytest.MonkeyPatch, org: None, admin: Any
) -> None:
    key = Ed25519PrivateKey.generate()
    monkeypatch.setattr(transport, "fetch_document", lambda url: peer_document(key))
    with pytest.raises(ValidationFailed) as wrong:
        services.peer_add(actor=admin, url="http://127.0.0.1:9", fingerprint="0" * 64)
    assert wrong.value.code == "fingerprint_mismatch"
    assert not Peer.objects.exists()
    fingerprint = node.fingerprint_of(key.public_key())
    peer = services.peer_add(actor=admin, url="http://127.0.0.1:9", fingerprint=fingerprint)
    assert peer.region == "320707"
    assert peer.fingerprint == fingerprint
    assert {k["use"] for k in peer.keys} == {"federation", "ledger"}
    assert peer.allowed_in_types == ["ping"]
    assert peer.allowed_out_types == ["ping"]


def test_a_peer_witnesses_this_node_and_is_witnessed_by_it(
    monkeypatch: pytest.MonkeyPatch, org: None, admin: Any
) -> None:
    """Peering also joins the witness network (docs/ledger.md, "Witnesses"): this node submits
    its checkpoints to the peer's witness endpoint and cosigns the peer's log."""
    from onestop.ledger import note
    from onestop.ledger.models import Witness, WitnessedLog

    key, log_key, witness_key = (Ed25519PrivateKey.generate() for _ in range(3))
    log_vkey = note.Verifier("onestop.320707.example/ledger", log_key.public_key()).vkey
    witness_vkey = note.Verifier(
        "onestop.320707.example/witness", witness_key.public_key(), note.SIG_COSIGNATURE_V1
    ).vkey
    doc = peer_document(key, witness_vkey=witness_vkey, log_vkey=log_vkey)
    monkeypatch.setattr(transport, "fetch_document", lambda url: doc)
    services.peer_add(
        actor=admin, url="http://127.0.0.1:9", fingerprint=node.fingerprint_of(key.public_key())
    )
    witness = Witness.objects.get(name="320707")
    assert (witness.url, witness.vkey) == ("http://127.0.0.1:9/federation/v1/witness", witness_vkey)
    assert WitnessedLog.objects.filter(origin="onestop.320707.example/ledger").exists()
    services.peer_remove(actor=admin, region="320707")
    assert not Witness.objects.filter(name="320707").exists()
    assert '"log_vkey"' in canonical_json(node.document([])).decode()


def test_only_administrators_of_the_node_region_manage_peers(
    monkeypatch: pytest.MonkeyPatch, org: None
) -> None:
    from onestop.accounts import services as account_services

    other = account_services.administrator_bootstrap(
        username="ganyuadmin", password="Pass-word-2026!", real_name="管理员", region_code="320707"
    )
    with pytest.raises(PermissionDenied):
        services.peer_add(actor=other, url="http://127.0.0.1:9", fingerprint="0" * 64)
    with pytest.raises(PermissionDenied):
        services.peer_remove(actor=None, region="320707")


@pytest.fixture
def peer(fake_peer: FakePeer) -> Peer:
    fake_peer.peer.allowed_out_types = ["ping", "test.note"]
    fake_peer.peer.allowed_out_datasets = ["household"]
    fake_peer.peer.save()
    return fake_peer.peer


def test_message_send_commits_with_the_callers_transaction(
    peer: Peer, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        message = services.message_send(
            to_region="320707", type="test.note", body={"n": 1}, purpose="case"
        )
    assert len(callbacks) == 1
    assert message.state == State.QUEUED
    assert message.envelope["from"] == "371121"
    assert message.envelope["to"] == "320707"
    assert message.envelope["id"] == str(message.pk)
    try:
        with transaction.atomic():
            services.message_send(to_region="320707", type="test.note", body={}, purpose="case")
            raise RuntimeError("the business change failed")
    except RuntimeError:
        pass
    assert OutboxMessage.objects.count() == 1


def test_message_send_refuses_types_datasets_and_unknown_peers(peer: Peer) -> None:
    with pytest.raises(PermissionDenied) as kind:
        services.message_send(to_region="320707", type="case.forward", body={}, purpose="case")
    assert kind.value.code == "type_not_allowed"
    with pytest.raises(PermissionDenied) as data:
        services.message_send(
            to_region="320707", type="test.note", body={"dataset": "tax"}, purpose="x"
        )
    assert data.value.code == "dataset_not_allowed"
    with pytest.raises(NotFound):
        services.message_send(to_region="110000", type="ping", body={}, purpose="x")
    assert not OutboxMessage.objects.exists()


def _answers(monkeypatch: pytest.MonkeyPatch, *outcomes: Any) -> list[bytes]:
    sent: list[bytes] = []
    queue = list(outcomes)

    def post(**kwargs: Any) -> transport.Answer:
        sent.append(kwargs["body"])
        outcome = queue.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(transport, "post_envelope", post)
    return sent


def test_delivery_retries_with_backoff_then_succeeds_once(
    monkeypatch: pytest.MonkeyPatch, peer: Peer, django_capture_on_commit_callbacks: Any
) -> None:
    down = transport.TransportError("ConnectionError: refused", transient=True)
    ok = transport.Answer(200, {"in_reply_to": "x", "body": {"ok": True}})
    sent = _answers(monkeypatch, down, down, ok)
    message = services.message_send(to_region="320707", type="test.note", body={}, purpose="x")
    delays = []
    for _ in range(2):
        with django_capture_on_commit_callbacks() as callbacks:
            assert services.outbox_deliver(message_id=message.pk) == "queued"
        assert len(callbacks) == 1  # the next attempt is enqueued after the commit
        message.refresh_from_db()
        delays.append((message.next_attempt_at - timezone.now()).total_seconds())
        assert "refused" in message.last_error
    assert 0 < delays[0] <= 10
    assert delays[0] < delays[1] <= 20
    size = ledger_selectors.tree_size()
    assert services.outbox_deliver(message_id=message.pk) == "sent"
    assert services.outbox_deliver(message_id=message.pk) == "sent"  # a second run sends nothing
    message.refresh_from_db()
    assert (message.state, message.attempts, message.reply["body"]) == (State.SENT, 3, {"ok": True})
    assert len(sent) == 3
    assert len(set(sent)) == 1  # the very same envelope each time
    entry = ledger_selectors.entry_get(index=size)
    assert entry.payload == {
        "direction": "out",
        "id": str(message.pk),
        "type": "test.note",
        "peer": "320707",
        "envelope_sha256": message.digest,
    }
    peer.refresh_from_db()
    assert peer.last_seen is not None


def test_the_first_reply_of_an_applied_message_counts_as_delivered(
    monkeypatch: pytest.MonkeyPatch, peer: Peer
) -> None:
    seen = transport.Answer(
        409, {"code": "message_seen", "message": "seen", "details": {"reply": {"body": {"n": 1}}}}
    )
    _answers(monkeypatch, seen)
    message = services.message_send(to_region="320707", type="test.note", body={}, purpose="x")
    assert services.outbox_deliver(message_id=message.pk) == "sent"
    message.refresh_from_db()
    assert message.reply == {"body": {"n": 1}}


def test_a_refusal_or_time_running_out_makes_a_dead_letter_and_tells_the_admins(
    monkeypatch: pytest.MonkeyPatch, peer: Peer, admin: Any
) -> None:
    refused = transport.Answer(403, {"code": "type_not_allowed", "message": "no"})
    down = transport.TransportError("Timeout", transient=True)
    _answers(monkeypatch, refused, down)
    first = services.message_send(to_region="320707", type="test.note", body={}, purpose="x")
    assert services.outbox_deliver(message_id=first.pk) == "dead"
    second = services.message_send(to_region="320707", type="test.note", body={}, purpose="x")
    OutboxMessage.objects.filter(pk=second.pk).update(
        dead_after=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert services.outbox_deliver(message_id=second.pk) == "dead"
    alerts = Notification.objects.filter(recipient=admin, template="federation.dead_letter")
    assert alerts.count() == 2
    bodies = " ".join(a.body for a in alerts)
    assert str(first.pk) in bodies
    assert str(second.pk) in bodies
    assert {m.pk for m in selectors.dead_letters()} == {first.pk, second.pk}


def test_an_operator_retries_or_discards_a_dead_letter(
    monkeypatch: pytest.MonkeyPatch, peer: Peer, django_capture_on_commit_callbacks: Any
) -> None:
    message = services.message_send(to_region="320707", type="test.note", body={}, purpose="x")
    OutboxMessage.objects.filter(pk=message.pk).update(state=State.DEAD)
    out = StringIO()
    with django_capture_on_commit_callbacks() as callbacks:
        call_command("outbox", "retry", str(message.pk), stdout=out)
    assert len(callbacks) == 1
    message.refresh_from_db()
    assert message.state == State.QUEUED
    assert message.dead_after > timezone.now() + datetime.timedelta(days=2)
    call_command("outbox", "discard", str(message.pk), stdout=out)
    message.refresh_from_db()
    assert message.state == State.DISCARDED
    sent = _answers(monkeypatch)
    assert services.outbox_deliver(message_id=message.pk) == "discarded"
    assert sent == []


def test_removing_a_peer_discards_its_queue_and_stops_delivery(peer: Peer) -> None:
    message = services.message_send(to_region="320707", type="test.note", body={}, purpose="x")
    call_command("peer", "remove", "320707", stdout=StringIO())
    message.refresh_from_db()
    assert message.state == State.DISCARDED
    assert selectors.peer_get("320707") is None


def test_peer_commands_print_the_fingerprint_and_the_list(peer: Peer) -> None:
    out = StringIO()
    call_command("peer", "fingerprint", stdout=out)
    assert out.getvalue().strip() == node.fingerprint()
    out = StringIO()
    call_command("peer", "allow", "320707", "--in-types", "ping, test.note", stdout=out)
    peer.refresh_from_db()
    assert peer.allowed_in_types == ["ping", "test.note"]
    out = StringIO()
    call_command("peer", "list", stdout=out)
    assert out.getvalue().startswith("320707\t")


def test_message_request_returns_the_reply_or_raises(
    monkeypatch: pytest.MonkeyPatch, peer: Peer
) -> None:
    _answers(
        monkeypatch,
        transport.Answer(200, {"body": {"type": "pong"}}),
        transport.TransportError("Timeout", transient=True),
    )
    assert services.message_request(to_region="320707", type="ping", body={}, purpose="m") == {
        "type": "pong"
    }
    with pytest.raises(services.PeerUnavailable):
        services.message_request(to_region="320707", type="ping", body={}, purpose="m")
    states = sorted(OutboxMessage.objects.values_list("state", flat=True))
    assert states == [State.DISCARDED, State.SENT]


def test_the_sweep_enqueues_messages_whose_task_was_lost(
    peer: Peer, django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    late = services.message_send(to_region="320707", type="ping", body={}, purpose="m")
    services.message_send(to_region="320707", type="ping", body={}, purpose="m")
    OutboxMessage.objects.filter(pk=late.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(minutes=10)
    )
    before = DBTaskResult.objects.count()
    assert services.outbox_sweep() == 1
    assert DBTaskResult.objects.count() == before + 1
