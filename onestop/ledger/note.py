"""C2SP signed notes, tlog-checkpoints and tlog-cosignatures (Ed25519). Pure functions, no Django.

* signed-note (c2sp.org/signed-note): ``text`` (ends with a newline), a blank line, then lines
  ``— <key name> base64(key id (4 bytes) || signature)``. The key id is
  ``SHA-256(name || 0x0A || type || public key)[:4]``; type 0x01 is an Ed25519 signature over the
  text. A verifier key is written ``<name>+<hex key id>+<base64(type || public key)>``.
* tlog-checkpoint (c2sp.org/tlog-checkpoint): the text is ``origin\\nsize\\nbase64(root)\\n``
  followed by optional extension lines.
* tlog-cosignature (c2sp.org/tlog-cosignature): type 0x04; the witness signs
  ``"cosignature/v1\\ntime <unix seconds>\\n" + checkpoint text`` and the signature is
  ``timestamp (u64 big-endian) || Ed25519 signature``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from onestop.ledger.merkle import HASH_SIZE

SIG_ED25519 = 0x01
SIG_COSIGNATURE_V1 = 0x04
SIG_LINE_PREFIX = "\u2014 "  # em dash, space
_NAME_RE = re.compile(r"^[^\s+]+$")
_CONTROL_RE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
_DECIMAL_RE = re.compile(r"^(0|[1-9][0-9]{0,19})$")


class NoteError(ValueError):
    """A note, checkpoint, key or signature is malformed or does not verify."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise NoteError("not valid base64") from exc


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _check_name(name: str) -> None:
    if not name or not _NAME_RE.match(name):
        raise NoteError(f"key name {name!r} is empty or contains whitespace or '+'")


def key_id(name: str, public_key: Ed25519PublicKey, sig_type: int = SIG_ED25519) -> bytes:
    """The 4-byte key id: SHA-256(name || 0x0A || type || public key)[:4]."""
    _check_name(name)
    digest = hashlib.sha256(
        name.encode() + b"\n" + bytes([sig_type]) + raw_public_key(public_key)
    ).digest()
    return digest[:4]


@dataclass(frozen=True)
class Verifier:
    """A named public key that checks one kind of signature line."""

    name: str
    public_key: Ed25519PublicKey
    sig_type: int = SIG_ED25519

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key, self.sig_type)

    @property
    def vkey(self) -> str:
        """``<name>+<hex key id>+<base64(type || public key)>``."""
        blob = bytes([self.sig_type]) + raw_public_key(self.public_key)
        return f"{self.name}+{self.key_id.hex()}+{b64(blob)}"

    def verify(self, text: str, signature: bytes) -> int | None:
        """Check `signature` (key id stripped) over note `text`.

        Returns the cosignature timestamp for type 0x04, None for type 0x01; raises NoteError.
        """
        timestamp = None
        message = text.encode()
        if self.sig_type == SIG_COSIGNATURE_V1:
            if len(signature) != 8 + 64:
                raise NoteError("a cosignature is 72 bytes")
            (timestamp,) = struct.unpack(">Q", signature[:8])
            message = cosignature_message(text, timestamp)
            signature = signature[8:]
        elif len(signature) != 64:
            raise NoteError("an Ed25519 note signature is 64 bytes")
        try:
            self.public_key.verify(signature, message)
        except InvalidSignature as exc:
            raise NoteError(f"signature by {self.name} does not verify") from exc
        return timestamp


def parse_vkey(vkey: str) -> Verifier:
    """Parse ``<name>+<hex key id>+<base64(type || key)>`` and check the key id matches."""
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3:
        raise NoteError("a verifier key has three '+'-separated parts")
    name, hex_id, blob_b64 = parts
    blob = unb64(blob_b64)
    if len(blob) != 33 or blob[0] not in (SIG_ED25519, SIG_COSIGNATURE_V1):
        raise NoteError("only Ed25519 (0x01) and cosignature/v1 (0x04) keys are supported")
    verifier = Verifier(name, Ed25519PublicKey.from_public_bytes(blob[1:]), blob[0])
    if verifier.key_id.hex() != hex_id.lower():
        raise NoteError("the verifier key id does not match its name and key")
    return verifier


def cosignature_message(checkpoint_text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{checkpoint_text}".encode()


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    if _CONTROL_RE.search(text):
        raise NoteError("note text must not contain control characters")


def signature_line(name: str, key: bytes, signature: bytes) -> str:
    return f"{SIG_LINE_PREFIX}{name} {b64(key + signature)}\n"


def sign(text: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """One Ed25519 (type 0x01) signature line for `text`."""
    _check_text(text)
    key = key_id(name, private_key.public_key())
    return signature_line(name, key, private_key.sign(text.encode()))


def cosign(text: str, name: str, private_key: Ed25519PrivateKey, timestamp: int) -> str:
    """One cosignature/v1 (type 0x04) line by witness `name` over checkpoint `text`."""
    parse_checkpoint(text)
    if not 0 <= timestamp < 2**64:
        raise NoteError("timestamp out of range")
    key = key_id(name, private_key.public_key(), SIG_COSIGNATURE_V1)
    sig = private_key.sign(cosignature_message(text, timestamp))
    return signature_line(name, key, struct.pack(">Q", timestamp) + sig)


def assemble(text: str, lines: Iterable[str]) -> str:
    """A signed note from its text and signature lines."""
    _check_text(text)
    body = "".join(lines)
    if not body:
        raise NoteError("a signed note needs at least one signature")
    return f"{text}\n{body}"


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: bytes
    signature: bytes  # without the key id

    @property
    def line(self) -> str:
        return signature_line(self.name, self.key_id, self.signature)


def split(note: str) -> tuple[str, list[Signature]]:
    """Split a signed note into its text and signature lines (unverified)."""
    head, sep, tail = note.rpartition("\n\n")
    if not sep or not tail.endswith("\n"):
        raise NoteError("malformed signed note")
    text = head + "\n"
    _check_text(text)
    signatures = []
    for line in tail[:-1].split("\n"):
        if not line.startswith(SIG_LINE_PREFIX):
            raise NoteError("malformed signature line")
        fields = line[len(SIG_LINE_PREFIX) :].split(" ")
        if len(fields) != 2:
            raise NoteError("malformed signature line")
        name, blob_b64 = fields
        _check_name(name)
        blob = unb64(blob_b64)
        if len(blob) < 5:
            raise NoteError("signature too short")
        signatures.append(Signature(name, blob[:4], blob[4:]))
    if not signatures:
        raise NoteError("a signed note needs at least one signature")
    return text, signatures


def find_signature(note: str, verifier: Verifier) -> Signature:
    """The signature line of `verifier` in `note` (not checked here)."""
    _text, signatures = split(note)
    for sig in signatures:
        if (sig.name, sig.key_id) == (verifier.name, verifier.key_id):
            return sig
    raise NoteError(f"no signature by {verifier.name} in this note")


@dataclass(frozen=True)
class Verified:
    verifier: Verifier
    timestamp: int | None  # cosignature time, None for a plain signature


def open_note(note: str, verifiers: Sequence[Verifier]) -> tuple[str, list[Verified]]:
    """Verify a signed note against known `verifiers` (c2sp.org/signed-note rules).

    Signatures from unknown keys are ignored; a known key whose signature fails rejects the note;
    at least one known key must verify. Returns the text and the verified signatures.
    """
    text, signatures = split(note)
    known = {(v.name, v.key_id): v for v in verifiers}
    verified: list[Verified] = []
    for sig in signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue
        verified.append(Verified(verifier, verifier.verify(text, sig.signature)))
    if not verified:
        raise NoteError("no known key signed this note")
    return text, verified


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        lines = [self.origin, str(self.size), b64(self.root_hash), *self.extensions]
        return "\n".join(lines) + "\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a checkpoint body (the text of its signed note)."""
    _check_text(text)
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError("a checkpoint has at least three lines")
    origin, size, root_b64, *extensions = lines
    if not origin:
        raise NoteError("a checkpoint needs an origin")
    if not _DECIMAL_RE.match(size):
        raise NoteError("checkpoint tree size is not a decimal number")
    root = unb64(root_b64)
    if len(root) != HASH_SIZE:
        raise NoteError("checkpoint root hash is not 32 bytes")
    if any(not line for line in extensions):
        raise NoteError("checkpoint extension lines must not be empty")
    return Checkpoint(origin, int(size), root, tuple(extensions))


def verify_checkpoint(note: str, verifier: Verifier) -> Checkpoint:
    """Verify a signed checkpoint against the log's key and check its origin is the key name."""
    text, _ = open_note(note, [verifier])
    checkpoint = parse_checkpoint(text)
    if checkpoint.origin != verifier.name:
        raise NoteError("checkpoint origin does not match the log key name")
    return checkpoint


def verify_cosignature(note: str, witness: Verifier) -> tuple[Checkpoint, int]:
    """Check that `note` carries a valid cosignature/v1 by `witness`; returns (checkpoint, time).

    The log's own signature is not checked here: do that with :func:`verify_checkpoint`.
    """
    if witness.sig_type != SIG_COSIGNATURE_V1:
        raise NoteError("a witness key has type 0x04")
    text, verified = open_note(note, [witness])
    timestamp = verified[0].timestamp
    assert timestamp is not None  # noqa: S101 - type 0x04 always yields a timestamp
    return parse_checkpoint(text), timestamp
