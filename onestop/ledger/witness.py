"""The C2SP tlog-witness protocol (c2sp.org/tlog-witness), `add-checkpoint`: the request body, the
409 answer's size body and the cosignature lines of a 200. Pure functions, no Django; the witness
and the submitting log live in `services` (`checkpoint_witness`, `witnesses_submit`).

Request body: ``old <size>\\n``, zero to 63 lines of one base64 hash each (an RFC 6962/9162
consistency proof from the old size to the checkpoint's), an empty line, then the signed
checkpoint note. Every line ends with U+000A.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from onestop.ledger.merkle import HASH_SIZE
from onestop.ledger.note import SIG_LINE_PREFIX, NoteError, b64, unb64

PATH = "add-checkpoint"
MAX_PROOF_LINES = 63
MAX_BODY = 64 * 1024  # bytes: a checkpoint with many signatures and 63 hashes is far below
SIZE_CONTENT_TYPE = "text/x.tlog.size"
COSIGNATURES_CONTENT_TYPE = "text/plain; charset=utf-8"
_OLD_RE = re.compile(r"^old (0|[1-9][0-9]{0,18})$")
_SIZE_RE = re.compile(r"^(0|[1-9][0-9]{0,18})\n$")


class RequestError(ValueError):
    """The body is not what the protocol says (the witness answers 400)."""


@dataclass(frozen=True)
class AddCheckpoint:
    old_size: int
    proof: list[bytes]
    note: str  # the signed checkpoint, as sent


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    """Split an add-checkpoint body into the old size, the proof hashes and the checkpoint note
    (the note itself is checked by `note.split`)."""
    if len(body) > MAX_BODY:
        raise RequestError("the request body is too large")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RequestError("the request body is not UTF-8") from exc
    head, sep, rest = text.partition("\n")
    match = _OLD_RE.match(head)
    if not sep or match is None:
        raise RequestError("the first line must be `old <size>` in decimal, no leading zeroes")
    proof: list[bytes] = []
    while True:
        line, sep, rest = rest.partition("\n")
        if not sep:
            raise RequestError("the proof lines must end with an empty line")
        if not line:
            break
        if len(proof) == MAX_PROOF_LINES:
            raise RequestError(f"more than {MAX_PROOF_LINES} consistency proof lines")
        try:
            digest = unb64(line)
        except NoteError as exc:
            raise RequestError("a consistency proof line is not base64") from exc
        if len(digest) != HASH_SIZE:
            raise RequestError("a consistency proof line is not a 32-byte hash")
        proof.append(digest)
    if not rest:
        raise RequestError("the checkpoint is missing")
    return AddCheckpoint(int(match.group(1)), proof, rest)


def format_add_checkpoint(old_size: int, proof: Sequence[bytes], signed_note: str) -> bytes:
    """The body a log sends: the inverse of `parse_add_checkpoint`."""
    if len(proof) > MAX_PROOF_LINES:
        raise RequestError(f"more than {MAX_PROOF_LINES} consistency proof lines")
    lines = [f"old {old_size}\n", *(f"{b64(h)}\n" for h in proof), "\n", signed_note]
    return "".join(lines).encode("utf-8")


def format_size(size: int) -> str:
    """The body of a 409 answer (`text/x.tlog.size`)."""
    return f"{size}\n"


def parse_size(body: bytes) -> int:
    """The witness's latest cosigned size from a 409 answer."""
    match = _SIZE_RE.match(body.decode("ascii", errors="replace"))
    if match is None:
        raise RequestError("a 409 answer must be a decimal size and a newline")
    return int(match.group(1))


def parse_cosignature_lines(body: bytes) -> str:
    """The signature lines of a 200 answer, checked for shape (one or more lines, each starting
    with U+2014 and a space and ending with a newline); verify them with `note`."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RequestError("the answer is not UTF-8") from exc
    if not text.endswith("\n") or any(
        not line.startswith(SIG_LINE_PREFIX) for line in text[:-1].split("\n")
    ):
        raise RequestError("the answer is not a sequence of note signature lines")
    return text


def origin_hash(origin: str) -> str:
    """The monitoring path segment of a log: SHA-256 of its origin, lower-case hex."""
    return hashlib.sha256(origin.encode("utf-8")).hexdigest()
