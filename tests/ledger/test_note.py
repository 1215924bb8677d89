"""Signed notes, checkpoints and cosignatures (note.py), without the database."""

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from onestop.ledger import merkle, note

ORIGIN = "onestop.371121.example/ledger"
ROOT = merkle.mth([merkle.leaf_hash(b"a"), merkle.leaf_hash(b"b")])


def _raw(private):
    return note.raw_public_key(private.public_key())


def _checkpoint(private, size=2, root=ROOT, origin=ORIGIN):
    text = note.Checkpoint(origin, size, root).text
    return text, note.assemble(text, [note.sign(text, origin, private)])


def test_key_id_and_vkey_follow_the_signed_note_spec():
    private = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    verifier = note.Verifier(ORIGIN, private.public_key())
    expected = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + _raw(private)).digest()[:4]
    assert verifier.key_id == expected
    blob = base64.b64encode(bytes([1]) + _raw(private)).decode()
    assert verifier.vkey == f"{ORIGIN}+{expected.hex()}+{blob}"
    assert note.parse_vkey(verifier.vkey) == verifier


def test_checkpoint_note_layout_and_verification():
    private = Ed25519PrivateKey.generate()
    text, signed = _checkpoint(private)
    assert text == f"{ORIGIN}\n2\n{base64.b64encode(ROOT).decode()}\n"
    body, sig_line = signed.split("\n\n")
    assert body + "\n" == text
    assert sig_line.startswith(f"\u2014 {ORIGIN} ")
    blob = base64.b64decode(sig_line.split(" ")[2])
    assert len(blob) == 4 + 64
    private.public_key().verify(blob[4:], text.encode())
    checkpoint = note.verify_checkpoint(signed, note.Verifier(ORIGIN, private.public_key()))
    assert (checkpoint.origin, checkpoint.size, checkpoint.root_hash) == (ORIGIN, 2, ROOT)


@pytest.mark.parametrize(
    ("old", "new"),
    [("\n2\n", "\n3\n"), (ORIGIN + "\n", "other.example/ledger\n")],
)
def test_tampered_checkpoint_is_rejected(old, new):
    private = Ed25519PrivateKey.generate()
    _text, signed = _checkpoint(private)
    tampered = signed.replace(old, new, 1)
    assert tampered != signed
    with pytest.raises(note.NoteError):
        note.verify_checkpoint(tampered, note.Verifier(ORIGIN, private.public_key()))


def test_note_signed_by_another_key_is_rejected_and_unknown_keys_are_ignored():
    log, stranger = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    text, signed = _checkpoint(stranger)
    with pytest.raises(note.NoteError, match="no known key"):
        note.verify_checkpoint(signed, note.Verifier(ORIGIN, log.public_key()))
    both = signed + note.sign(text, ORIGIN, log)
    assert note.verify_checkpoint(both, note.Verifier(ORIGIN, log.public_key())).size == 2


def test_known_key_with_a_bad_signature_rejects_the_note():
    log = Ed25519PrivateKey.generate()
    _text, signed = _checkpoint(log)
    forged = note.Signature(ORIGIN, note.key_id(ORIGIN, log.public_key()), b"\x00" * 64)
    with pytest.raises(note.NoteError, match="does not verify"):
        note.open_note(signed + forged.line, [note.Verifier(ORIGIN, log.public_key())])


def test_malformed_checkpoints_are_refused():
    for text in ["x\n2\n", "x\n02\nAAAA\n", f"x\n2\n{base64.b64encode(b'short').decode()}\n"]:
        with pytest.raises(note.NoteError):
            note.parse_checkpoint(text)
    with pytest.raises(note.NoteError):
        note.split("no signatures here\n")


def test_cosignature_make_and_verify():
    log, witness = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    text, signed = _checkpoint(log)
    line = note.cosign(text, "witness.example/w", witness, 1_700_000_000)
    blob = base64.b64decode(line.split(" ")[2])
    assert len(blob) == 4 + 8 + 64
    assert int.from_bytes(blob[4:12], "big") == 1_700_000_000
    witness.public_key().verify(blob[12:], b"cosignature/v1\ntime 1700000000\n" + text.encode())
    wv = note.Verifier("witness.example/w", witness.public_key(), note.SIG_COSIGNATURE_V1)
    assert wv.vkey.split("+", 2)[2] == base64.b64encode(b"\x04" + _raw(witness)).decode()
    checkpoint, when = note.verify_cosignature(signed + line, wv)
    assert (checkpoint.size, when) == (2, 1_700_000_000)
    # the log's own signature still verifies on the cosigned note
    assert note.verify_checkpoint(signed + line, note.Verifier(ORIGIN, log.public_key())).size == 2


def test_tampered_cosignature_is_rejected():
    log, witness = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    text, signed = _checkpoint(log)
    line = note.cosign(text, "witness.example/w", witness, 1_700_000_000)
    wv = note.Verifier("witness.example/w", witness.public_key(), note.SIG_COSIGNATURE_V1)
    blob = bytearray(base64.b64decode(line.split(" ")[2]))
    blob[11] ^= 1  # change the timestamp
    bad_line = f"\u2014 witness.example/w {base64.b64encode(bytes(blob)).decode()}\n"
    with pytest.raises(note.NoteError, match="does not verify"):
        note.verify_cosignature(signed + bad_line, wv)
    other_text, other = _checkpoint(log, size=3)
    with pytest.raises(note.NoteError, match="does not verify"):
        note.verify_cosignature(other + line, wv)
    assert other_text != text
