"""Appending, checkpoints and cosignatures through the services."""

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import transaction

from onestop.core import keys
from onestop.core.errors import ValidationFailed
from onestop.ledger import merkle, note, selectors, services
from onestop.ledger.canonical import leaf_data
from onestop.ledger.models import Checkpoint, Cosignature, Entry, LogHead, Tile

pytestmark = pytest.mark.django_db

ORIGIN = "onestop.371121.example/ledger"


def _payload(i):
    return {"record": f"r-{i}", "n": i, "ok": i % 2 == 0, "tags": ["a", None]}


def test_entry_append_hashes_canonical_json_and_stores_tiles():
    entries = [services.entry_append(kind="test.record", payload=_payload(i)) for i in range(5)]
    assert [e.index for e in entries] == [0, 1, 2, 3, 4]
    data = leaf_data("test.record", _payload(0))
    assert (
        data
        == b'{"kind":"test.record","payload":{"n":0,"ok":true,"record":"r-0","tags":["a",null]}}'
    )
    assert bytes(Entry.objects.get(index=0).leaf_hash) == merkle.leaf_hash(data)
    tile = Tile.objects.get()
    assert (tile.level, tile.index) == (0, 0)
    hashes = [merkle.leaf_hash(leaf_data("test.record", _payload(i))) for i in range(5)]
    assert bytes(tile.hashes) == b"".join(hashes)
    head = LogHead.objects.get(pk=1)
    assert head.size == 5
    hashes = [merkle.leaf_hash(leaf_data("test.record", _payload(i))) for i in range(5)]
    assert selectors.root_hash() == merkle.mth(hashes)


def test_batch_equals_single_appends():
    services.entries_append_batch(items=[("test.record", _payload(i)) for i in range(11)])
    root_batch = selectors.root_hash()
    hashes = [merkle.leaf_hash(leaf_data("test.record", _payload(i))) for i in range(11)]
    assert root_batch == merkle.mth(hashes)
    assert list(Tile.objects.values_list("level", "index")) == [(0, 0)]
    assert len(Tile.objects.get().hashes) == 11 * 32
    assert services.entries_append_batch(items=[]) == []


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("", {}),
        ("Bad Kind", {}),
        ("test.record", {"x": 1.5}),
        ("test.record", {"x": 2**60}),
        ("test.record", {"x": object()}),
        ("test.record", ["not", "an", "object"]),
    ],
)
def test_bad_entries_append_nothing(kind, payload):
    services.entry_append(kind="test.record", payload={"first": True})
    with pytest.raises(ValidationFailed):
        services.entries_append_batch(items=[("test.record", {"ok": 1}), (kind, payload)])
    assert Entry.objects.count() == 1
    assert LogHead.objects.get(pk=1).size == 1


def test_append_rolls_back_with_the_callers_transaction():
    services.entry_append(kind="test.record", payload={"kept": True})
    root = selectors.root_hash()

    def caller():
        with transaction.atomic():
            services.entry_append(kind="test.record", payload={"kept": False})
            raise RuntimeError("caller fails")

    with pytest.raises(RuntimeError):
        caller()
    assert selectors.tree_size() == 1
    assert Entry.objects.count() == 1
    assert selectors.root_hash() == root


def test_checkpoint_is_signed_by_the_node_key_and_reused_for_the_same_size():
    services.entries_append_batch(items=[("test.record", _payload(i)) for i in range(3)])
    checkpoint = services.checkpoint_publish()
    assert services.checkpoint_publish().pk == checkpoint.pk
    kid, private = keys.current_signing_key("ledger")
    assert checkpoint.kid == kid
    body = note.verify_checkpoint(checkpoint.note, note.Verifier(ORIGIN, private.public_key()))
    assert (body.origin, body.size, body.root_hash) == (ORIGIN, 3, selectors.root_hash(size=3))
    services.entry_append(kind="test.record", payload=_payload(3))
    assert services.checkpoint_publish().size == 4
    assert Checkpoint.objects.count() == 2


def test_checkpoint_origin_follows_the_setting(settings):
    settings.LEDGER_ORIGIN = "gov.example.cn/371121/audit"
    checkpoint = services.checkpoint_publish()
    assert checkpoint.note.startswith("gov.example.cn/371121/audit\n0\n")
    assert note.parse_checkpoint(note.split(checkpoint.note)[0]).root_hash == merkle.EMPTY_ROOT


def test_witness_cosigns_another_nodes_checkpoint_and_the_log_stores_it():
    services.entries_append_batch(items=[("test.record", _payload(i)) for i in range(3)])
    checkpoint = services.checkpoint_publish()
    _kid, private = keys.current_signing_key("ledger")
    log_vkey = note.Verifier(ORIGIN, private.public_key()).vkey
    # This node acting as witness for "another" log (here: its own, by vkey).
    line = services.checkpoint_cosign(
        signed_note=checkpoint.note, log_vkey=log_vkey, timestamp=1_750_000_000
    )
    witness_public = keys.current_signing_key("witness")[1].public_key()
    assert witness_public != private.public_key()  # cosigned with the witness key, not the log's
    witness_vkey = note.Verifier(
        "onestop.371121.example/witness", witness_public, note.SIG_COSIGNATURE_V1
    ).vkey
    stored = services.cosignature_add(signed_note=checkpoint.note + line, witness_vkey=witness_vkey)
    assert (stored.size, stored.timestamp, stored.line) == (3, 1_750_000_000, line)
    again = services.cosignature_add(signed_note=checkpoint.note + line, witness_vkey=witness_vkey)
    assert again.pk == stored.pk
    cosigned = selectors.checkpoint_cosigned_note(checkpoint=checkpoint)
    assert cosigned == checkpoint.note + line
    assert note.verify_cosignature(cosigned, note.parse_vkey(witness_vkey))[1] == 1_750_000_000


def test_cosignature_by_an_unknown_key_or_on_a_foreign_checkpoint_is_refused():
    services.entry_append(kind="test.record", payload=_payload(0))
    checkpoint = services.checkpoint_publish()
    witness = Ed25519PrivateKey.generate()
    other = Ed25519PrivateKey.generate()
    line = note.cosign(note.split(checkpoint.note)[0], "w.example/w", other, 1)
    vkey = note.Verifier("w.example/w", witness.public_key(), note.SIG_COSIGNATURE_V1).vkey
    with pytest.raises(ValidationFailed):
        services.cosignature_add(signed_note=checkpoint.note + line, witness_vkey=vkey)
    foreign_text = note.Checkpoint(ORIGIN, 1, b"\x07" * 32).text
    foreign = note.assemble(foreign_text, [note.cosign(foreign_text, "w.example/w", witness, 1)])
    with pytest.raises(ValidationFailed):
        services.cosignature_add(signed_note=foreign, witness_vkey=vkey)
    with pytest.raises(ValidationFailed):
        services.checkpoint_cosign(
            signed_note=checkpoint.note,
            log_vkey=note.Verifier(ORIGIN, witness.public_key()).vkey,
        )
    assert Cosignature.objects.count() == 0


def test_seed_step_only_ensures_the_key():
    from onestop.ledger.seed import seed_ledger

    first = seed_ledger()
    assert seed_ledger() == first
    assert Entry.objects.count() == 0
    assert first == "signing keys " + ", ".join(
        f"{use} {keys.current_signing_key(use)[0]}" for use in keys.USES
    )


def test_checkpoints_signed_before_a_key_rotation_still_verify():
    services.entry_append(kind="test.record", payload=_payload(0))
    old = services.checkpoint_publish()
    new_kid = keys.rotate("ledger")
    new = services.checkpoint_publish()
    assert (new.kid, new.size) == (new_kid, 1)
    assert old.kid != new_kid
    old_verifier = selectors.log_verifier(old.kid)
    assert note.verify_checkpoint(old.note, old_verifier).size == 1
    with pytest.raises(note.NoteError):
        note.verify_checkpoint(old.note, selectors.log_verifier())
    for checkpoint in (old, new):
        text, _verified = note.open_note(checkpoint.note, selectors.log_verifiers())
        assert note.parse_checkpoint(text).root_hash == selectors.root_hash()
