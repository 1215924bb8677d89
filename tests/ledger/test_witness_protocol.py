"""The node as a C2SP tlog-witness (c2sp.org/tlog-witness): `POST /federation/v1/witness/
add-checkpoint` for a log registered with `witnessed_log_add`, every status the spec names,
the spec's own example request, the cosignature checked by an independent verifier
(tlog-scales), and the split-view alarm (row, notice to the region's administrators, log line).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection
from django.test import Client
from tlog_scales.signing import Ed25519CosignatureVerifier, NoteSignature, Vkey
from tlog_scales.tlog import Checkpoint as ScalesCheckpoint

from onestop.ledger import merkle, note, selectors, services, witness
from onestop.ledger.models import SplitViewAlarm, WitnessedLog
from onestop.notify.models import Notification
from tests.factories import AdministratorFactory, worlds

pytestmark = pytest.mark.django_db

URL = "/federation/v1/witness/add-checkpoint"
ORIGIN = "log.example.org/transparency"

# c2sp.org/tlog-witness, "add-checkpoint", the example request body, byte for byte
SPEC_EXAMPLE = (
    "old 20852014\n"
    "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
    "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n"
    "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n"
    "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n"
    "\n"
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5"
    "/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    "\u2014 example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+"
    "49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=\n"
)


class Log:
    """A log outside the node: its own key, leaves and signed checkpoints."""

    def __init__(self, origin: str = ORIGIN, key: Ed25519PrivateKey | None = None) -> None:
        self.origin = origin
        self.key = key or Ed25519PrivateKey.generate()
        self.leaves: list[bytes] = []

    @property
    def vkey(self) -> str:
        return note.Verifier(self.origin, self.key.public_key()).vkey

    def grow(self, n: int, tag: str = "") -> None:
        start = len(self.leaves)
        self.leaves += [merkle.leaf_hash(f"{tag}{i}".encode()) for i in range(start, start + n)]

    def checkpoint(self, size: int | None = None, root: bytes | None = None) -> str:
        size = len(self.leaves) if size is None else size
        root = merkle.mth(self.leaves[:size]) if root is None else root
        text = note.Checkpoint(self.origin, size, root).text
        return note.assemble(text, [note.sign(text, self.origin, self.key)])

    def proof(self, old: int, size: int | None = None) -> list[bytes]:
        size = len(self.leaves) if size is None else size
        if old in (0, size):
            return []
        return merkle.consistency_proof(old, self.leaves[:size])


def _post(body: bytes | str, client: Any = None) -> Any:
    data = body.encode() if isinstance(body, str) else body
    return (client or Client()).post(URL, data=data, content_type="text/plain")


def _add(log: Log, old: int, proof: list[bytes] | None = None, cp: str | None = None) -> Any:
    cp = log.checkpoint() if cp is None else cp
    proof = log.proof(old) if proof is None else proof
    return _post(witness.format_add_checkpoint(old, proof, cp))


@pytest.fixture
def log() -> Log:
    found = Log()
    services.witnessed_log_add(vkey=found.vkey)
    found.grow(10)
    return found


@worlds.fixture("org", worlds.build_org, value=lambda: None)
def org(db: None) -> None:
    worlds.use("org")


def _stored(origin: str = ORIGIN) -> tuple[int, bytes]:
    row = WitnessedLog.objects.get(origin=origin)
    return row.size, bytes(row.root_hash)


# --- the spec's example --------------------------------------------------------------------


def test_the_spec_example_request_parses() -> None:
    request = witness.parse_add_checkpoint(SPEC_EXAMPLE.encode())
    assert request.old_size == 20852014
    assert [note.b64(h) for h in request.proof] == SPEC_EXAMPLE.split("\n")[1:5]
    text, signatures = note.split(request.note)
    checkpoint = note.parse_checkpoint(text)
    assert (checkpoint.origin, checkpoint.size) == ("example.com/behind-the-sofa", 20852163)
    assert note.b64(checkpoint.root_hash) == "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
    assert len(signatures) == 2
    # and it is what a log would send for that checkpoint
    assert witness.format_add_checkpoint(20852014, request.proof, request.note) == (
        SPEC_EXAMPLE.encode()
    )


def test_the_spec_example_for_an_unknown_log_is_404() -> None:
    response = _post(SPEC_EXAMPLE)
    assert response.status_code == 404


# --- cosigning ----------------------------------------------------------------------------


def test_a_first_checkpoint_is_cosigned_with_the_witness_key(log: Log) -> None:
    response = _add(log, 0)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode()
    assert lines.startswith("\u2014 onestop.371121.example/witness ")
    assert lines.endswith("\n")
    cosigned = log.checkpoint() + lines
    checkpoint, timestamp = note.verify_cosignature(cosigned, selectors.witness_verifier())
    assert (checkpoint.size, timestamp > 0) == (10, True)
    assert _stored() == (10, merkle.mth(log.leaves))

    # an independent implementation (tlog-scales, PyPI) verifies both signatures
    parsed = ScalesCheckpoint.from_text(cosigned)
    parsed.verify(Vkey.from_string(log.vkey))
    witness_vkey = Vkey.from_string(selectors.witness_verifier().vkey)
    signature = NoteSignature.from_line(lines.rstrip("\n"))
    assert witness_vkey.match(signature)
    Ed25519CosignatureVerifier(witness_vkey).verify_note(signature, parsed)  # raises if bad


def test_the_witness_key_is_not_the_ledger_key(log: Log) -> None:
    ours = selectors.witness_verifier()
    assert ours.sig_type == note.SIG_COSIGNATURE_V1
    assert note.raw_public_key(ours.public_key) != note.raw_public_key(
        selectors.log_verifier().public_key
    )


def test_growth_is_cosigned_with_a_consistency_proof(log: Log) -> None:
    assert _add(log, 0).status_code == 200
    log.grow(7)
    proof = log.proof(10)
    assert len(proof) > 0
    response = _add(log, 10, proof)
    assert response.status_code == 200
    assert _stored() == (17, merkle.mth(log.leaves))
    # the same checkpoint again (old = size, no proof) gets a fresh cosignature
    assert _add(log, 17).status_code == 200


def test_the_monitoring_checkpoint_carries_both_signatures(log: Log) -> None:
    lines = _add(log, 0).content.decode()
    path = f"/federation/v1/witness/{hashlib.sha256(ORIGIN.encode()).hexdigest()}/checkpoint"
    response = Client().get(path)
    assert response.status_code == 200
    assert response.content.decode() == log.checkpoint() + lines
    unknown = "/federation/v1/witness/" + "0" * 64 + "/checkpoint"
    assert Client().get(unknown).status_code == 404


def test_csrf_does_not_apply_and_get_is_refused(log: Log) -> None:
    client = Client(enforce_csrf_checks=True)
    body = witness.format_add_checkpoint(0, [], log.checkpoint())
    assert _post(body, client).status_code == 200
    assert client.get(URL).status_code == 405


def test_a_second_key_for_a_known_origin_is_added_not_replaced(log: Log) -> None:
    assert _add(log, 0).status_code == 200
    rotated = Log(key=Ed25519PrivateKey.generate())
    rotated.leaves = list(log.leaves)
    services.witnessed_log_add(vkey=rotated.vkey)
    row = WitnessedLog.objects.get(origin=ORIGIN)
    assert row.vkeys.split("\n") == [log.vkey, rotated.vkey]
    assert row.size == 10  # what was cosigned is kept
    rotated.grow(1)
    assert _add(rotated, 10).status_code == 200
    assert _add(log, 11, [], log.checkpoint(10)).status_code == 400  # older than cosigned


def test_a_log_under_another_origin_than_its_key_name(log: Log) -> None:
    other = Log(origin="go.sum.example/log")
    services.witnessed_log_add(vkey=other.vkey, origin="go.sum.example/log")
    other.grow(3)
    assert _add(other, 0).status_code == 200


# --- refusals, with the spec's status codes ---------------------------------------------


def test_old_size_not_the_last_cosigned_is_409_with_the_size(log: Log) -> None:
    assert _add(log, 0).status_code == 200
    log.grow(5)
    for old in (0, 12):
        response = _add(log, old, [] if old == 0 else None)
        assert response.status_code == 409
        assert response["Content-Type"] == "text/x.tlog.size"
        assert response.content == b"10\n"
    assert witness.parse_size(response.content) == 10
    assert _stored()[0] == 10


def test_a_stale_request_never_rolls_the_record_back(log: Log) -> None:
    """Two requests from the same old size: the second is refused (409), the record stays at
    the larger size (the check and the update are one locked step)."""
    assert _add(log, 0).status_code == 200
    log.grow(6)
    big = log.checkpoint()
    small = log.checkpoint(12)
    assert _add(log, 10, log.proof(10), big).status_code == 200
    assert _add(log, 10, log.proof(10, 12), small).status_code == 409
    assert _stored() == (16, merkle.mth(log.leaves))


def test_an_unknown_origin_is_404() -> None:
    stranger = Log(origin="nobody.example/log")
    stranger.grow(2)
    assert _add(stranger, 0).status_code == 404


def test_a_bad_log_signature_is_403(log: Log) -> None:
    cp = log.checkpoint()
    text, sig_line = cp.split("\n\n")
    name, blob = sig_line.rstrip("\n").split(" ")[1:]
    raw = bytearray(note.unb64(blob))
    raw[-1] ^= 1
    tampered = f"{text}\n\n\u2014 {name} {note.b64(bytes(raw))}\n"
    assert _add(log, 0, [], tampered).status_code == 403
    # signed only by a key the witness does not know for this origin
    impostor = Log(key=Ed25519PrivateKey.generate())
    impostor.leaves = list(log.leaves)
    assert _add(impostor, 0).status_code == 403
    assert _stored() == (0, b"")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"old 0\n",  # no empty line, no checkpoint
        b"old 01\n\n",
        b"old -1\n\n",
        b"old 0\nnot base64!\n\n",
        b"old 0\nAAAA\n\n",  # base64 but not a 32-byte hash
        b"new 0\n\n",
        b"\xff\xfe\n\n",
    ],
)
def test_malformed_bodies_are_400(log: Log, body: bytes) -> None:
    assert _post(body + log.checkpoint().encode() if body else body).status_code == 400


def test_more_than_63_proof_lines_is_400(log: Log) -> None:
    lines = "".join(f"{note.b64(bytes(32))}\n" for _ in range(64))
    assert _post(f"old 5\n{lines}\n{log.checkpoint()}").status_code == 400


def test_old_size_larger_than_the_checkpoint_is_400(log: Log) -> None:
    assert _add(log, 11, [bytes(32)]).status_code == 400


def test_size_zero_needs_the_empty_root_and_old_zero_an_empty_proof(log: Log) -> None:
    assert _add(log, 0, [], log.checkpoint(0, bytes(32))).status_code == 422
    assert _add(log, 0, [], log.checkpoint(0, merkle.EMPTY_ROOT)).status_code == 200
    assert _add(log, 0, [bytes(32)]).status_code == 422


def test_a_bad_consistency_proof_is_422(log: Log) -> None:
    assert _add(log, 0).status_code == 200
    log.grow(5)
    proof = log.proof(10)
    proof[0] = bytes(32)
    assert _add(log, 10, proof).status_code == 422
    assert _stored() == (10, merkle.mth(log.leaves[:10]))


# --- split view ------------------------------------------------------------------------


def test_a_forged_split_view_is_422_and_raises_the_alarm(
    log: Log, caplog: pytest.LogCaptureFixture, org: None
) -> None:
    admin = AdministratorFactory(username="admin-wl", region_code="371121")
    elsewhere = AdministratorFactory(username="admin-gy", region_code="320707")
    assert _add(log, 0).status_code == 200
    honest_root = merkle.mth(log.leaves)
    # the same size, another root, signed with the same log key: a second view of the log
    fork = Log(key=log.key)
    fork.grow(10, tag="forged-")
    forged = fork.checkpoint()
    with caplog.at_level(logging.ERROR, logger="onestop.ledger.services"):
        response = _add(log, 10, [], forged)
    assert response.status_code == 422
    assert _stored() == (10, honest_root)  # nothing changed

    alarm = SplitViewAlarm.objects.get()
    assert (alarm.side, alarm.origin, alarm.known_size, alarm.offered_size) == (
        "witness",
        ORIGIN,
        10,
        10,
    )
    assert bytes(alarm.known_root) == honest_root
    assert bytes(alarm.offered_root) == merkle.mth(fork.leaves)
    assert alarm.evidence == forged  # the signed proof of misbehaviour is kept
    assert "split view" in caplog.text
    assert ORIGIN in caplog.text

    notices = Notification.objects.filter(template="ledger.split_view")
    assert [n.recipient for n in notices] == [admin]  # not the other region's administrator
    assert elsewhere not in [n.recipient for n in notices]
    assert ORIGIN in notices[0].body

    # the same forgery again: refused again, no second alarm or notice
    assert _add(log, 10, [], forged).status_code == 422
    assert SplitViewAlarm.objects.count() == 1
    assert notices.count() == 1


def test_a_fork_that_extends_an_older_size_is_refused(log: Log) -> None:
    """A larger forged tree whose first 10 leaves differ cannot prove consistency from the
    cosigned root: 422 and an alarm."""
    assert _add(log, 0).status_code == 200
    fork = Log(key=log.key)
    fork.grow(16, tag="forged-")
    response = _add(fork, 10, fork.proof(10))
    assert response.status_code == 422
    assert SplitViewAlarm.objects.get().offered_size == 16


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "postgres" not in os.environ.get("DATABASE_URL", ""),
    reason="real concurrent transactions need PostgreSQL (set DATABASE_URL)",
)
def test_concurrent_requests_from_one_old_size_cosign_exactly_one() -> None:
    """Eight requests from the same old size, at once, on separate connections: the row lock
    lets exactly one through; the others see its size (409), and the record is never rolled
    back to a smaller one (the race c2sp.org/tlog-witness warns about)."""
    log = Log()
    services.witnessed_log_add(vkey=log.vkey)
    log.grow(10)
    assert _add(log, 0).status_code == 200
    log.grow(8)
    bodies = [
        witness.format_add_checkpoint(10, log.proof(10, size), log.checkpoint(size))
        for size in range(11, 19)
    ]
    barrier = threading.Barrier(len(bodies))

    def submit(body: bytes) -> tuple[int, str]:
        try:
            barrier.wait()
            answer = services.checkpoint_witness(body=body)
            return answer.status, answer.body
        finally:
            connection.close()

    with ThreadPoolExecutor(len(bodies)) as pool:
        answers = list(pool.map(submit, bodies))
    winners = [i for i, (status, _body) in enumerate(answers) if status == 200]
    assert len(winners) == 1
    size = 11 + winners[0]
    assert sorted(s for s, _b in answers) == [200] + [409] * 7
    assert {b for s, b in answers if s == 409} == {f"{size}\n"}
    assert _stored() == (size, merkle.mth(log.leaves[:size]))
