"""Writes of the federation: peers (add, refresh, allow, remove), this node's key rotation,
the outbox (send, deliver, retry, discard), synchronous requests, and the inbox.

The API for the apps above (cross-province cases, remote data fetch):

- `message_send(to_region=, type=, body=, purpose=, subject=)`: one message to a peer,
  written to the outbox in the caller's transaction (it commits or rolls back with the
  business change) and delivered by the worker after the commit, retried with exponential
  back-off and jitter until `conf.dead_letter_after()`; the peer applies it exactly once.
- `message_request(...)`: the same message sent at once, outside any transaction, returning
  the peer's reply body (a data fetch); a failure raises `PeerUnavailable` or the peer's
  refusal as a `DomainError`. Both are recorded in the outbox and on the ledger.
- `handlers.register(type, handler)`: what this node does with a message of that type.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import secrets
import time
import uuid
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.core import keys
from onestop.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from onestop.federation import conf, handlers, node, policies, selectors, signing, transport
from onestop.federation.models import InboxMessage, KeyEndorsement, OutboxMessage, Peer, SeenNonce
from onestop.ledger import services as ledger_services
from onestop.ledger.canonical import NotCanonicalError, canonical_json

logger = logging.getLogger(__name__)
State = OutboxMessage.State
LEDGER_KIND = "federation.message"
DEFAULT_TYPES = ["ping"]
_random = secrets.SystemRandom()


class PeerUnavailable(DomainError):
    """A peer did not give a usable answer in time (502)."""

    status = 502
    code = "peer_unavailable"


def _check(actor: Any) -> None:
    if not policies.can(actor, policies.Action.PEER_MANAGE):
        raise PermissionDenied(_("Only an administrator of this node's region may do this."))


def _ledger(direction: str, envelope: dict[str, Any], digest: str, peer: str) -> None:
    """The ledger's record of a message: its hash, never its body."""
    ledger_services.entry_append(
        kind=LEDGER_KIND,
        payload={
            "direction": direction,
            "id": str(envelope.get("id")),
            "type": str(envelope.get("type")),
            "peer": peer,
            "envelope_sha256": digest,
        },
    )


def envelope_digest(envelope: dict[str, Any]) -> str:
    """SHA-256 (hex) of the RFC 8785 canonical JSON of the envelope."""
    return hashlib.sha256(canonical_json(envelope)).hexdigest()


# --- peers -----------------------------------------------------------------------------------


def _refused(exc: node.DocumentRefused) -> ValidationFailed:
    return ValidationFailed(
        _("The peer's node document was refused: %(reason)s") % {"reason": exc.reason},
        code=exc.code,
    )


def peer_add(*, actor: Any, url: str, fingerprint: str) -> Peer:
    """Fetch the node document at `url`, check it is signed by the federation key whose
    SHA-256 is `fingerprint`, and pin its keys. A peer added again (or re-activated) keeps its
    allowed types and datasets; a new one may exchange `ping` only."""
    _check(actor)
    try:
        doc = transport.fetch_document(url)
        checked = node.check(doc, fingerprint=fingerprint)
    except transport.TransportError as exc:
        raise PeerUnavailable(
            _("The peer's node document could not be read: %(reason)s") % {"reason": exc.reason}
        ) from exc
    except node.DocumentRefused as exc:
        raise _refused(exc) from exc
    if checked.region == conf.region():
        raise ValidationFailed(_("A node cannot be its own peer."), code="self_peer")
    with transaction.atomic():
        peer, _created = Peer.objects.select_for_update().get_or_create(
            region=checked.region,
            defaults={
                "url": checked.url,
                "allowed_in_types": list(DEFAULT_TYPES),
                "allowed_out_types": list(DEFAULT_TYPES),
            },
        )
        peer.name = checked.name
        peer.url = checked.url
        peer.keys = checked.keys
        peer.fingerprint = checked.fingerprint
        peer.document = checked.document
        peer.active = True
        peer.last_error = ""
        peer.save()
        ledger_services.entry_append(
            kind="federation.peer",
            payload={"action": "add", "peer": peer.region, "fingerprint": peer.fingerprint},
        )
        _witnessing_add(peer)
    return peer


def _witnessing_add(peer: Peer) -> None:
    """Peers witness each other's ledgers (docs/ledger.md, "Witnesses"): this node submits its
    checkpoints to the peer's witness endpoint and cosigns the peer's log. A document without
    the vkeys (another implementation) is peered without witnessing."""
    doc = peer.document or {}
    witness, log = doc.get("witness_vkey"), doc.get("log_vkey")
    try:
        if isinstance(witness, str) and witness:
            ledger_services.witness_add(
                name=peer.region,
                url=peer.url.rstrip("/") + "/federation/v1/witness",
                vkey=witness,
            )
        if isinstance(log, str) and log:
            ledger_services.witnessed_log_add(vkey=log)
    except ValidationFailed as exc:
        raise ValidationFailed(
            _("The peer's witness or log key is not valid: %(reason)s")
            % {"reason": str(exc.message)},
            code="bad_witness_key",
        ) from exc


def peer_refresh(*, actor: Any, peer: Peer) -> Peer:
    """Read the peer's document again: other keys follow it; a new federation key only with
    a chain of endorsements from a pinned one."""
    _check(actor)
    try:
        doc = transport.fetch_document(peer.url)
        checked = node.check(doc, pinned=list(peer.keys), region=peer.region)
    except transport.TransportError as exc:
        raise PeerUnavailable(exc.reason) from exc
    except node.DocumentRefused as exc:
        Peer.objects.filter(pk=peer.pk).update(last_error=exc.reason[:500])
        raise _refused(exc) from exc
    with transaction.atomic():
        peer.name = checked.name
        peer.url = checked.url
        peer.keys = checked.keys
        peer.document = checked.document
        if checked.fingerprint != peer.fingerprint:
            ledger_services.entry_append(
                kind="federation.peer",
                payload={
                    "action": "rotate",
                    "peer": peer.region,
                    "fingerprint": checked.fingerprint,
                },
            )
        peer.fingerprint = checked.fingerprint
        peer.save()
    return peer


def _names(values: Any) -> list[str]:
    if isinstance(values, str):
        values = values.replace(",", " ").split()
    found = sorted({str(v).strip() for v in values or [] if str(v).strip()})
    bad = [v for v in found if not handlers.TYPE_RE.match(v)]
    if bad:
        raise ValidationFailed(
            _("Not a message type or dataset name: %(names)s") % {"names": ", ".join(bad)},
            code="bad_name",
        )
    return found


def peer_allow(
    *,
    actor: Any,
    peer: Peer,
    in_types: Any = None,
    out_types: Any = None,
    in_datasets: Any = None,
    out_datasets: Any = None,
) -> Peer:
    """Set what the peer may send us (`in_…`) and what we may send it (`out_…`); None keeps a
    list as it is."""
    _check(actor)
    with transaction.atomic():
        for field, values in (
            ("allowed_in_types", in_types),
            ("allowed_out_types", out_types),
            ("allowed_in_datasets", in_datasets),
            ("allowed_out_datasets", out_datasets),
        ):
            if values is not None:
                setattr(peer, field, _names(values))
        peer.save()
    return peer


def peer_remove(*, actor: Any, region: str) -> Peer:
    """Stop trusting a peer: its messages are refused, ours to it no longer sent (queued ones
    are discarded). The row stays for the record; `peer_add` re-activates it."""
    _check(actor)
    with transaction.atomic():
        peer = Peer.objects.select_for_update().filter(region=region, active=True).first()
        if peer is None:
            raise NotFound(_("There is no peer for region %(region)s.") % {"region": region})
        peer.active = False
        peer.save(update_fields=["active", "updated_at"])
        OutboxMessage.objects.filter(peer=peer, state=State.QUEUED).update(
            state=State.DISCARDED, last_error="peer removed"
        )
        ledger_services.entry_append(
            kind="federation.peer", payload={"action": "remove", "peer": region}
        )
        ledger_services.witness_remove(name=region)  # its cosignatures already given are kept
    return peer


def federation_key_rotate(*, actor: Any) -> str:
    """Make a new federation key and endorse it with the old one (peers that pinned the old
    key accept the new one on their next refresh). Returns the new kid."""
    _check(actor)
    old_kid, old_private = keys.current_signing_key(node.FEDERATION)
    new_kid = keys.rotate(node.FEDERATION)
    public_b64 = node.b64(node.raw(keys.public_keys(node.FEDERATION)[new_kid]))
    signature = old_private.sign(node.endorsement_text(conf.region(), new_kid, public_b64))
    KeyEndorsement.objects.create(
        kid=new_kid, public_key=public_b64, signed_by=old_kid, signature=node.b64(signature)
    )
    return new_kid


# --- envelopes and the outbox ----------------------------------------------------------------


def _now_text() -> str:
    return timezone.now().astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _dataset_of(body: Any) -> str | None:
    value = body.get("dataset") if isinstance(body, dict) else None
    return str(value) if value is not None else None


def _sending_peer(to_region: str, message_type: str, body: dict[str, Any]) -> Peer:
    peer = selectors.peer_get(to_region)
    if peer is None:
        raise NotFound(
            _("There is no peer for region %(region)s.") % {"region": to_region}, code="no_peer"
        )
    if message_type not in peer.allowed_out_types:
        raise PermissionDenied(
            _("Messages of type %(type)s may not be sent to %(region)s.")
            % {"type": message_type, "region": to_region},
            code="type_not_allowed",
        )
    dataset = _dataset_of(body)
    if dataset is not None and dataset not in peer.allowed_out_datasets:
        raise PermissionDenied(
            _("The dataset %(dataset)s may not be requested from %(region)s.")
            % {"dataset": dataset, "region": to_region},
            code="dataset_not_allowed",
        )
    return peer


def envelope_build(
    *, to_region: str, type: str, body: dict[str, Any], purpose: str, subject: str | None = None
) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ValidationFailed(_("A message body is a JSON object."), code="bad_envelope")
    envelope = {
        "id": str(uuid.uuid4()),
        "type": type,
        "from": conf.region(),
        "to": to_region,
        "created": _now_text(),
        "purpose": purpose,
        "subject": subject,
        "body": body,
    }
    try:
        canonical_json(envelope)
    except NotCanonicalError as exc:
        raise ValidationFailed(str(exc), code="bad_envelope") from exc
    return envelope


def _create(peer: Peer, envelope: dict[str, Any], *, queued_now: bool) -> OutboxMessage:
    now = timezone.now()
    return OutboxMessage.objects.create(
        id=uuid.UUID(envelope["id"]),
        peer=peer,
        type=envelope["type"],
        envelope=envelope,
        digest=envelope_digest(envelope),
        next_attempt_at=now if queued_now else None,
        dead_after=now + datetime.timedelta(seconds=conf.dead_letter_after()),
    )


def _enqueue(message_id: str, delay: float = 0) -> None:
    from onestop.federation import tasks

    task = tasks.deliver
    if delay > 0:
        task = task.using(run_after=timezone.now() + datetime.timedelta(seconds=delay))
    task.enqueue(message_id)


def message_send(
    *, to_region: str, type: str, body: dict[str, Any], purpose: str, subject: str | None = None
) -> OutboxMessage:
    """Queue one message to the peer of `to_region` in the caller's transaction; delivered by
    the worker after the commit. Raises `NotFound` (no such peer) or `PermissionDenied` (the
    type or the body's ``dataset`` is not allowed outwards to that peer)."""
    peer = _sending_peer(to_region, type, body)
    envelope = envelope_build(
        to_region=to_region, type=type, body=body, purpose=purpose, subject=subject
    )
    with transaction.atomic():
        message = _create(peer, envelope, queued_now=True)
        transaction.on_commit(partial(_enqueue, str(message.pk)))
    return message


@dataclass(frozen=True)
class Outcome:
    ok: bool
    transient: bool = False
    reply: dict[str, Any] | None = None
    error: str = ""
    status: int | None = None
    code: str = ""


def _lookup(peer: Peer) -> Any:
    def lookup(keyid: str) -> Any:
        region, _, kid = keyid.partition(":")
        return node.public_key(peer.keys, node.FEDERATION, kid) if region == peer.region else None

    return lookup


def _attempt(message: OutboxMessage, timeout: float | None = None) -> Outcome:
    """Send once (outside any transaction) and say what the answer means."""
    keyid, _kid, private_key = node.signing_key()
    body = canonical_json(message.envelope)
    try:
        answer = transport.post_envelope(
            url=message.peer.url,
            body=body,
            keyid=keyid,
            private_key=private_key,
            lookup=_lookup(message.peer),
            timeout=timeout,
        )
    except transport.TransportError as exc:
        code = exc.body.get("code", "") if isinstance(exc.body, dict) else ""
        return Outcome(False, exc.transient, error=exc.reason, status=exc.status, code=code)
    if answer.status == 200:
        return Outcome(True, reply=answer.body, status=200)
    code = str(answer.body.get("code", ""))
    details = answer.body.get("details")
    if answer.status == 409 and code == "message_seen" and isinstance(details, dict):
        return Outcome(True, reply=details.get("reply"), status=409, code=code)
    text = f"HTTP {answer.status} {code}: {answer.body.get('message', '')}".strip()
    transient = answer.status == 409 and code == "nonce_seen"
    return Outcome(False, transient, error=text, status=answer.status, code=code)


def _backoff(attempts: int) -> float:
    base = min(conf.backoff_base() * 2 ** max(attempts - 1, 0), conf.backoff_max())
    return base * _random.uniform(0.5, 1.0)


def _settle(message: OutboxMessage, outcome: Outcome, *, reschedule: bool) -> OutboxMessage:
    """Record an attempt's outcome; returns the message as saved."""
    now = timezone.now()
    dead = False
    with transaction.atomic():
        locked = OutboxMessage.objects.select_for_update().select_related("peer").get(pk=message.pk)
        if locked.state != State.QUEUED:
            return locked  # an operator discarded it meanwhile
        peer = locked.peer
        if outcome.ok:
            locked.state = State.SENT
            locked.sent_at = now
            locked.reply = outcome.reply
            locked.last_error = ""
            locked.next_attempt_at = None
            _ledger("out", locked.envelope, locked.digest, peer.region)
            Peer.objects.filter(pk=peer.pk).update(last_seen=now, last_error="")
        else:
            locked.last_error = outcome.error[:2000]
            Peer.objects.filter(pk=peer.pk).update(last_error=outcome.error[:500])
            if not reschedule:
                locked.state = State.DISCARDED
                locked.next_attempt_at = None
            elif outcome.transient and now < locked.dead_after:
                delay = _backoff(locked.attempts)
                locked.next_attempt_at = now + datetime.timedelta(seconds=delay)
                transaction.on_commit(partial(_enqueue, str(locked.pk), delay))
            else:
                locked.state = State.DEAD
                locked.next_attempt_at = None
                dead = True
        locked.save()
        if dead:
            from onestop.federation import alerts

            alerts.dead_letter(locked)
    return locked


def _claim(message_id: Any) -> OutboxMessage | None:
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update()
            .select_related("peer")
            .filter(pk=message_id)
            .first()
        )
        if message is None or message.state != State.QUEUED:
            return message
        message.attempts += 1
        message.save(update_fields=["attempts"])
    return message


def outbox_deliver(*, message_id: Any) -> str:
    """Try to deliver one queued message once (the worker's task); returns its state after.

    Only a queued message is sent; a success, a transient failure (rescheduled with back-off
    until its dead-letter time) and a refusal (dead letter at once) are recorded."""
    message = _claim(message_id)
    if message is None:
        return "missing"
    if message.state != State.QUEUED:
        return str(message.state)
    if not message.peer.active:
        return str(_settle(message, Outcome(False, error="peer removed"), reschedule=False).state)
    return str(_settle(message, _attempt(message), reschedule=True).state)


def message_request(
    *,
    to_region: str,
    type: str,
    body: dict[str, Any],
    purpose: str,
    subject: str | None = None,
    timeout: float | None = None,
    private: bool = False,
) -> dict[str, Any]:
    """Send one message now and return the peer's reply body (``reply["body"]``).

    Call it outside a transaction (it waits on the network). The message is recorded in the
    outbox (sent, or discarded with the error) and, when answered, on the ledger. Raises
    `PeerUnavailable` when the peer gives no usable answer, or the peer's refusal as a
    `DomainError` with its status and code. With `private` (the body or the reply carries
    personal data: a data request) the outbox row keeps the envelope's digest, not its body
    or the reply's body."""
    peer = _sending_peer(to_region, type, body)
    envelope = envelope_build(
        to_region=to_region, type=type, body=body, purpose=purpose, subject=subject
    )
    with transaction.atomic():
        created = _create(peer, envelope, queued_now=False)
    message = _claim(created.pk)
    if message is None:  # pragma: no cover - created just above
        raise NotFound(_("There is no such outbox message."))
    outcome = _attempt(message, timeout)
    saved = _settle(message, outcome, reschedule=False)
    if private:
        OutboxMessage.objects.filter(pk=saved.pk).update(
            envelope={**envelope, "body": handlers.REDACTED},
            reply={**(saved.reply or {}), "body": handlers.REDACTED} if saved.reply else None,
        )
    if saved.state == State.SENT:
        reply = outcome.reply or {}
        result = reply.get("body")
        return result if isinstance(result, dict) else {}
    if outcome.status is None or outcome.status >= 500 or outcome.transient:
        raise PeerUnavailable(
            _("The peer %(region)s did not answer: %(reason)s")
            % {"region": to_region, "reason": outcome.error}
        )
    refused = DomainError(outcome.error, code=outcome.code or "refused")
    refused.status = outcome.status
    raise refused


def peer_ping(*, actor: Any, peer: Peer) -> dict[str, Any]:
    """Ping a peer now; records its health (last ping, ok or not) and returns
    ``{"ok", "round_trip_ms", "pong" or "error"}``."""
    _check(actor)
    started = time.monotonic()
    result: dict[str, Any]
    try:
        pong = message_request(to_region=peer.region, type="ping", body={}, purpose="monitoring")
        result = {"ok": True, "pong": pong}
    except DomainError as exc:
        result = {"ok": False, "error": str(exc.message)}
    result["round_trip_ms"] = int((time.monotonic() - started) * 1000)
    Peer.objects.filter(pk=peer.pk).update(last_ping_at=timezone.now(), last_ping_ok=result["ok"])
    return result


def _locked(message_id: Any) -> OutboxMessage:
    """The outbox row, locked for the rest of the transaction; `NotFound` if there is none."""
    try:
        message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
    except (ValueError, ValidationError):
        message = None
    if message is None:
        raise NotFound(_("There is no such outbox message."))
    return message


def outbox_retry(*, actor: Any, message_id: Any) -> OutboxMessage:
    """Put a dead letter back in the queue (a fresh dead-letter period) and deliver it."""
    _check(actor)
    with transaction.atomic():
        message = _locked(message_id)
        if message.state != State.DEAD:
            raise Conflict(_("Only a dead letter can be retried."), code="not_dead")
        now = timezone.now()
        message.state = State.QUEUED
        message.next_attempt_at = now
        message.dead_after = now + datetime.timedelta(seconds=conf.dead_letter_after())
        message.save()
        transaction.on_commit(partial(_enqueue, str(message.pk)))
    return message


def outbox_discard(*, actor: Any, message_id: Any) -> OutboxMessage:
    """Give up on a dead (or still queued) message; it is never sent."""
    _check(actor)
    with transaction.atomic():
        message = _locked(message_id)
        if message.state not in (State.DEAD, State.QUEUED):
            raise Conflict(_("Only a queued message or a dead letter can be discarded."))
        message.state = State.DISCARDED
        message.next_attempt_at = None
        message.save()
    return message


# --- the inbox -------------------------------------------------------------------------------


@dataclass
class Received:
    """The inbox's answer: status, JSON body, and the verified signer (None: answer unsigned)."""

    status: int
    body: dict[str, Any]
    signer: signing.Verified | None = None


def _error(status: int, code: str, message: str, details: Any = None) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return status, body


def _peer_key(keyid: str) -> Any:
    region, _, kid = keyid.partition(":")
    peer = selectors.peer_get(region)
    return node.public_key(peer.keys, node.FEDERATION, kid) if peer is not None else None


ENVELOPE_FIELDS = {"id", "type", "from", "to", "created", "purpose", "subject", "body"}


def _envelope_problem(envelope: Any) -> str | None:  # noqa: PLR0911 - one reason each
    if not isinstance(envelope, dict):
        return "the envelope is not a JSON object"
    missing = sorted({"id", "type", "from", "to", "created", "purpose", "body"} - set(envelope))
    if missing:
        return f"missing: {', '.join(missing)}"
    unknown = sorted(set(envelope) - ENVELOPE_FIELDS)
    if unknown:
        return f"unknown fields: {', '.join(unknown)}"
    try:
        uuid.UUID(str(envelope["id"]))
    except ValueError:
        return "id is not a UUID"
    if not isinstance(envelope["type"], str) or not handlers.TYPE_RE.match(envelope["type"]):
        return "type is not a message type"
    for name in ("from", "to", "created", "purpose"):
        if not isinstance(envelope[name], str):
            return f"{name} is not a string"
    if envelope["subject"] is not None and not isinstance(envelope.get("subject"), str):
        return "subject is not a string"
    if not isinstance(envelope["body"], dict):
        return "body is not a JSON object"
    try:
        canonical_json(envelope)
    except NotCanonicalError as exc:
        return f"not canonical JSON: {exc}"
    return None


def inbox_receive(*, request: signing.Request, body: bytes) -> Received:
    """Check and apply one signed message (``POST /federation/v1/messages``).

    Refusals change nothing: 401 unsigned / unknown key / bad digest or signature / created
    outside the clock window; 400 a malformed envelope or one not addressed to us; 403 `from`
    not the signer, a type or dataset not allowed for the peer; 409 a nonce seen before, a
    message id seen before (with the first reply when the digest is the same). A handler's
    `DomainError` is answered with its status and rolls everything back."""
    try:
        verified = signing.verify_request(request, body, _peer_key, skew=conf.clock_skew())
    except signing.SignatureRefused as exc:
        return Received(*_error(401, exc.code, exc.reason))
    peer = selectors.peer_get(verified.region)
    if peer is None:  # removed between the key look-up and now
        return Received(*_error(401, "unknown_key", f"Unknown key {verified.keyid}."))
    answer = partial(_answer, verified)
    admitted = _admit(peer, verified, body, answer)
    if isinstance(admitted, Received):
        return admitted
    return _apply(peer, verified, admitted, answer)


def _answer(
    verified: signing.Verified, status: int, code: str, message: str, details: Any = None
) -> Received:
    return Received(*_error(status, code, message, details), signer=verified)


def _admit(  # noqa: PLR0911 - one return per refusal of the protocol
    peer: Peer, verified: signing.Verified, body: bytes, answer: Any
) -> dict[str, Any] | Received:
    """The envelope, or the refusal: bad envelope, not the signer, not for us, seen before,
    not allowed."""
    try:
        envelope = json.loads(body)
    except ValueError:
        return answer(400, "bad_envelope", "The body is not JSON.")
    problem = _envelope_problem(envelope)
    if problem:
        return answer(400, "bad_envelope", f"The envelope is malformed: {problem}.")
    if envelope["from"] != peer.region:
        return answer(403, "not_signer", "The envelope's from is not the region that signed it.")
    if envelope["to"] != conf.region():
        return answer(
            400, "wrong_recipient", f"This node is {conf.region()}, not {envelope['to']}."
        )
    if SeenNonce.objects.filter(keyid=verified.keyid, nonce=verified.nonce).exists():
        return answer(409, "nonce_seen", "This signature's nonce was seen before.")
    seen = selectors.inbox_get(from_region=peer.region, message_id=envelope["id"])
    if seen is not None:
        return _seen(seen, envelope_digest(envelope), answer)
    refusal = _not_allowed(peer, envelope)
    if refusal is not None:
        return answer(*refusal)
    return dict(envelope)


def _not_allowed(peer: Peer, envelope: dict[str, Any]) -> tuple[int, str, str] | None:
    kind = envelope["type"]
    if kind not in peer.allowed_in_types:
        return (
            403,
            "type_not_allowed",
            f"Messages of type {kind} are not allowed from {peer.region}.",
        )
    dataset = _dataset_of(envelope["body"])
    if dataset is not None and dataset not in peer.allowed_in_datasets:
        return (
            403,
            "dataset_not_allowed",
            f"The dataset {dataset} is not allowed for {peer.region}.",
        )
    if handlers.handler_for(kind) is None:
        return 400, "unknown_type", f"This node does not handle {kind} messages."
    return None


def _apply(
    peer: Peer, verified: signing.Verified, envelope: dict[str, Any], answer: Any
) -> Received:
    """Run the handler once, with the inbox row, the nonce and the ledger entry, in one
    transaction."""
    handler = handlers.handler_for(envelope["type"])
    if handler is None:  # unregistered meanwhile
        return answer(400, "unknown_type", "This node does not handle this message type.")
    digest = envelope_digest(envelope)
    try:
        with transaction.atomic():
            SeenNonce.objects.create(keyid=verified.keyid, nonce=verified.nonce or "")
            InboxMessage.objects.create(
                message_id=envelope["id"],
                from_region=peer.region,
                type=envelope["type"],
                digest=digest,
                reply={},
            )
            result = handler(envelope, peer)
            if not isinstance(result, dict):
                raise TypeError(f"the {envelope['type']} handler returned {type(result).__name__}")
            reply = {
                "in_reply_to": envelope["id"],
                "from": conf.region(),
                "to": peer.region,
                "created": _now_text(),
                "body": result,
            }
            kept = (
                {**reply, "body": handlers.REDACTED}
                if handlers.is_private(envelope["type"])
                else reply
            )  # a private type's body (personal data) is answered once, never kept
            InboxMessage.objects.filter(from_region=peer.region, message_id=envelope["id"]).update(
                reply=kept
            )
            _ledger("in", envelope, digest, peer.region)
            Peer.objects.filter(pk=peer.pk).update(last_seen=timezone.now())
    except IntegrityError:
        # a concurrent delivery of the same nonce or id committed first
        seen = selectors.inbox_get(from_region=peer.region, message_id=envelope["id"])
        if seen is not None:
            return _seen(seen, digest, answer)
        return answer(409, "nonce_seen", "This signature's nonce was seen before.")
    except DomainError as exc:
        return answer(exc.status, exc.code, str(exc.message), exc.details)
    if secrets.randbelow(100) == 0:
        nonces_prune()
    return Received(200, reply, signer=verified)


def _seen(seen: InboxMessage, digest: str, answer: Any) -> Received:
    if seen.digest != digest:
        return answer(409, "message_id_reused", "This message id was used for another message.")
    return answer(
        409,
        "message_seen",
        "This message was applied before; its first reply is in details.",
        {"reply": seen.reply},
    )


def outbox_sweep(*, overdue_seconds: int = 300) -> int:
    """Enqueue a delivery for every queued message whose next attempt is more than
    `overdue_seconds` late (its task was lost), and prune old nonces. Returns how many."""
    late = timezone.now() - datetime.timedelta(seconds=overdue_seconds)
    ids = list(
        OutboxMessage.objects.filter(state=State.QUEUED, next_attempt_at__lt=late).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        _enqueue(str(pk))
    nonces_prune()
    return len(ids)


def nonces_prune() -> int:
    """Forget nonces older than twice the clock window (their signatures are refused as
    stale anyway)."""
    cutoff = timezone.now() - datetime.timedelta(seconds=2 * conf.clock_skew())
    deleted, _ = SeenNonce.objects.filter(seen_at__lt=cutoff).delete()
    return deleted
