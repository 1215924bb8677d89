"""The node as a witnessed log: `witnesses_submit` (the worker's task and `onestop witness run`)
sends the current checkpoint to each witness, retries a 409 with the witness's size, verifies
and stores the cosignatures, serves them after its own signature, and counts the quorum.

Here the witness is this node's own add-checkpoint endpoint on the live test server (so the
round trip is real HTTP); tests/ledger/test_witness_nodes.py runs two separate node processes.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client

from onestop.core import keys
from onestop.ledger import conf, merkle, note, selectors, services, witness
from onestop.ledger.canonical import leaf_data
from onestop.ledger.models import Cosignature, SplitViewAlarm, Witness, WitnessedLog

pytestmark = pytest.mark.django_db(transaction=True)

UNREACHABLE = "http://127.0.0.1:8449/federation/v1/witness"  # our port range; nothing listens


def _append(start: int, end: int) -> None:
    services.entries_append_batch(items=[("test.record", {"i": i}) for i in range(start, end)])


def _self_witness(live_server: Any, name: str = "self") -> Witness:
    """This node witnesses its own log over HTTP."""
    services.witnessed_log_add(vkey=selectors.log_verifier().vkey)
    return services.witness_add(
        name=name,
        url=f"{live_server.url}/federation/v1/witness",
        vkey=selectors.witness_verifier().vkey,
    )


def _outcomes() -> list[tuple[str, str, int]]:
    return [(r.witness, r.outcome, r.size) for r in services.witnesses_submit()]


def _stranger(name: str) -> tuple[Ed25519PrivateKey, str]:
    key = Ed25519PrivateKey.generate()
    vkey = note.Verifier(name, key.public_key(), note.SIG_COSIGNATURE_V1).vkey
    return key, vkey


def test_submit_cosigns_serves_and_follows_the_log(live_server: Any) -> None:
    assert _outcomes() == []  # no witness: nothing to do
    _self_witness(live_server)
    _append(0, 5)
    assert _outcomes() == [("self", "cosigned", 5)]
    assert _outcomes() == [("self", "up to date", 5)]  # no request for what is cosigned

    served = Client().get("/api/v1/ledger/checkpoint").content.decode()
    _text, signatures = note.split(served)
    assert [s.name for s in signatures] == [conf.origin(), conf.witness_name()]
    note.verify_checkpoint(served, selectors.log_verifier())
    checkpoint, _time = note.verify_cosignature(served, selectors.witness_verifier())
    assert checkpoint.size == 5
    assert Client().get("/ledger/checkpoint").content.decode() == served

    status = Client().get("/api/v1/ledger/witnessing").json()
    assert status["quorum"] == 1
    assert status["witnesses"] == ["self"]
    assert status["current"] == {
        "size": 5,
        "root_hash": note.b64(selectors.root_hash(size=5)),
        "witnessed": True,
        "cosigned_by": ["self"],
    }
    assert status["latest_witnessed"]["size"] == 5

    _append(5, 300)  # the witness gets a consistency proof from 5
    assert _outcomes() == [("self", "cosigned", 300)]
    assert Witness.objects.get().size == 300
    assert WitnessedLog.objects.get().size == 300


def test_a_409_is_retried_with_the_size_the_witness_reports(live_server: Any) -> None:
    _self_witness(live_server)
    _append(0, 5)
    assert _outcomes() == [("self", "cosigned", 5)]
    # the node forgets what the witness cosigned (e.g. restored from a backup)
    services.witness_remove(name="self")
    _self_witness(live_server)
    assert Witness.objects.get().size == 0
    _append(5, 9)
    assert _outcomes() == [("self", "cosigned", 9)]  # old 0 → 409 "5" → old 5 + proof → 200
    assert Witness.objects.get().size == 9


def test_quorum_counts_distinct_witnesses(live_server: Any, settings: Any) -> None:
    settings.LEDGER_WITNESS_QUORUM = 2
    _self_witness(live_server)
    key, vkey = _stranger("witness.example/down")
    services.witness_add(name="down", url=UNREACHABLE, vkey=vkey)
    _append(0, 4)
    results = services.witnesses_submit()
    assert [(r.witness, r.outcome) for r in results] == [
        ("down", "unreachable"),
        ("self", "cosigned"),
    ]
    assert "unreachable" in Witness.objects.get(name="down").last_error

    current = selectors.witnessing(checkpoint=services.checkpoint_publish())
    assert (current.witnessed, current.cosigners, current.witnesses) == (False, ["self"], 2)
    assert selectors.latest_witnessed() is None
    assert Client().get("/api/v1/ledger/witnessing").json()["current"]["witnessed"] is False

    # the second witness's cosignature arrives (as if it came back up)
    published = services.checkpoint_publish()
    text = note.split(published.note)[0]
    line = note.cosign(text, "witness.example/down", key, int(time.time()))
    services.cosignature_add(signed_note=published.note + line, witness_vkey=vkey)
    current = selectors.witnessing(checkpoint=published)
    assert (current.witnessed, current.cosigners) == (True, ["down", "self"])
    assert selectors.latest_witnessed().size == 4

    # a removed witness no longer counts
    services.witness_remove(name="down")
    assert selectors.witnessing(checkpoint=published).witnessed is False


def test_a_cosignature_that_does_not_verify_is_not_stored(live_server: Any) -> None:
    services.witnessed_log_add(vkey=selectors.log_verifier().vkey)
    _key, wrong = _stranger(conf.witness_name())  # the right name, another key
    services.witness_add(name="self", url=f"{live_server.url}/federation/v1/witness", vkey=wrong)
    _append(0, 3)
    [result] = services.witnesses_submit()
    assert (result.outcome, "bad cosignature" in result.detail) == ("refused", True)
    assert not Cosignature.objects.exists()


def test_a_witness_that_does_not_know_our_log_is_reported(live_server: Any) -> None:
    services.witness_add(
        name="self",
        url=f"{live_server.url}/federation/v1/witness",
        vkey=selectors.witness_verifier().vkey,
    )
    _append(0, 3)
    [result] = services.witnesses_submit()
    assert (result.outcome, result.detail.startswith("HTTP 404")) == ("refused", True)


def test_a_witness_holding_a_forked_view_of_our_log_raises_the_alarm_here(
    live_server: Any,
) -> None:
    """Someone with our ledger key gets the witness to cosign a fork of our log (consistent
    with what it cosigned before, different from what we hold); our next submission finds it."""
    _self_witness(live_server)
    _append(0, 5)
    assert _outcomes() == [("self", "cosigned", 5)]
    _append(5, 8)
    real = [merkle.leaf_hash(leaf_data("test.record", {"i": i})) for i in range(5)]
    forked = real + [merkle.leaf_hash(b"forged-%d" % i) for i in range(3)]
    text = note.Checkpoint(conf.origin(), 8, merkle.mth(forked)).text
    _kid, ledger_key = keys.current_signing_key("ledger")
    forged = note.assemble(text, [note.sign(text, conf.origin(), ledger_key)])
    body = witness.format_add_checkpoint(5, merkle.consistency_proof(5, forked), forged)
    response = Client().post(
        "/federation/v1/witness/add-checkpoint", data=body, content_type="text/plain"
    )
    assert response.status_code == 200  # the witness cannot tell: it is consistent with 5

    [result] = services.witnesses_submit()  # old 5 → 409 "8" → old 8: roots differ → 422
    assert result.outcome == "split view"
    alarms = {a.side: a for a in SplitViewAlarm.objects.all()}
    assert set(alarms) == {"witness", "log"}
    ours = alarms["log"]
    assert (ours.counterpart, ours.offered_size, ours.known_size) == ("self", 8, 8)
    assert bytes(ours.known_root) == merkle.mth(forked)  # read from the witness's monitoring
    assert forged.split("\n\n")[0] in ours.evidence
    assert "split view" in Witness.objects.get().last_error
    assert not selectors.witnessing(checkpoint=services.checkpoint_publish()).witnessed


def test_witness_add_checks_its_arguments() -> None:
    from onestop.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        services.witness_add(name="x", url="http://h/w", vkey=selectors.log_verifier().vkey)
    with pytest.raises(ValidationFailed):
        services.witness_add(name="x", url="ftp://h/w", vkey=_stranger("w.example")[1])
    with pytest.raises(ValidationFailed):
        services.witnessed_log_add(vkey=_stranger("w.example")[1])  # a witness key, not a log's
    with pytest.raises(ValidationFailed):
        services.witnessed_log_add(vkey="not a vkey")


def test_the_witness_command_lists_and_removes() -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    def run(*args: str) -> str:
        out = StringIO()
        call_command("witness", *args, stdout=out)
        return out.getvalue()

    log_vkey = selectors.log_verifier().vkey
    assert "witnessing onestop.371121.example/ledger (cosigned up to size 0)" in run(
        "log", "add", log_vkey
    )
    assert f"  key {log_vkey}" in run("log", "list")
    _key, vkey = _stranger("w.example/witness")
    assert "witness w at https://w.example/tlog" in run("add", "w", "https://w.example/tlog/", vkey)
    listed = run("list")
    assert selectors.witness_verifier().vkey in listed
    assert "w\thttps://w.example/tlog\tcosigned size 0\tlast never" in listed
    assert run("run") == "nothing to submit (no witness, or an empty log)\n" + (
        "checkpoint 0: not witnessed, cosigned by 0 of 1 (quorum 1)\n"
    )
    assert "removed witness w" in run("remove", "w")
    with pytest.raises(CommandError, match="there is no witness w"):
        run("remove", "w")
    with pytest.raises(CommandError, match="cosignature/v1"):
        run("add", "x", "https://x.example", log_vkey)
    assert "no longer witnessing" in run("log", "remove", "onestop.371121.example/ledger")
    assert run("log", "list") == ""
    assert run("alarms") == ""
