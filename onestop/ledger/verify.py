"""Recompute the whole log from its stored data and compare with every stored hash.

Used by `onestop ledger_verify`. Reads each table once, in index order, in chunks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from onestop.ledger import merkle, note, selectors
from onestop.ledger.canonical import NotCanonicalError, leaf_data
from onestop.ledger.models import Checkpoint, Entry, LogHead, Subtree

CHUNK = 5000


class MismatchError(Exception):
    """The first stored value that does not match its recomputation."""

    def __init__(self, message: str, *, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index  # first entry concerned, when there is one


@dataclass
class Report:
    size: int = 0
    subtrees: int = 0
    checkpoints: int = 0
    root_hash: bytes = merkle.EMPTY_ROOT
    notes: list[str] = field(default_factory=list)


def _leaves() -> Iterator[tuple[int, str, object, bytes]]:
    rows = Entry.objects.order_by("index").values_list("index", "kind", "payload", "leaf_hash")
    for index, kind, payload, h in rows.iterator(chunk_size=CHUNK):
        yield index, kind, payload, bytes(h)


def _leaf_hashes() -> Iterator[tuple[int, bytes]]:
    rows = Entry.objects.order_by("index").values_list("index", "leaf_hash")
    for index, h in rows.iterator(chunk_size=CHUNK):
        yield index, bytes(h)


def _level(level: int) -> Iterator[tuple[int, bytes]]:
    rows = Subtree.objects.filter(level=level).order_by("index").values_list("index", "hash")
    for index, h in rows.iterator(chunk_size=CHUNK):
        yield index, bytes(h)


def _check_leaves(size: int) -> list[bytes]:
    """Level 0: every leaf hash from its data. Returns the frontier of the verified leaves."""
    frontier: list[bytes] = []
    expected = 0
    for index, kind, payload, stored in _leaves():
        if index != expected:
            raise MismatchError(f"entry {expected} is missing", index=expected)
        try:
            computed = merkle.leaf_hash(leaf_data(kind, payload))
        except NotCanonicalError as exc:
            raise MismatchError(
                f"entry {index}: payload is not canonical JSON ({exc})", index=index
            ) from exc
        if computed != stored:
            raise MismatchError(f"entry {index}: leaf hash does not match its data", index=index)
        frontier, _ = merkle.append(frontier, index, stored)
        expected += 1
    if expected != size:
        raise MismatchError(f"the log head says {size} entries but {expected} are stored")
    return frontier


def _check_level(level: int, size: int, below: Iterator[tuple[int, bytes]]) -> int:
    """Each stored node of `level` must hash its two (verified) children from `below`."""
    count = 0
    for index, stored in _level(level):
        if index != count:
            raise MismatchError(f"subtree level {level} index {count} is missing")
        (li, left), (ri, right) = next(below), next(below)
        if (li, ri) != (2 * index, 2 * index + 1):
            raise MismatchError(f"subtree level {level} index {index} has no children")
        if merkle.node_hash(left, right) != stored:
            first = index << level
            raise MismatchError(
                f"subtree level {level} index {index} (entries {first}.."
                f"{first + (1 << level) - 1}) does not match its children",
                index=first,
            )
        count += 1
    if count != size >> level:
        raise MismatchError(f"level {level} has {count} subtrees, expected {size >> level}")
    return count


def _check_subtrees(size: int) -> int:
    total = 0
    below = _leaf_hashes()
    level = 1
    while size >> level:
        total += _check_level(level, size, below)
        below = _level(level)
        level += 1
    if Subtree.objects.filter(level__gte=level).exists():
        raise MismatchError("there are subtrees beyond the size of the log")
    return total


def _check_checkpoints(size: int) -> int:
    """Every published checkpoint verifies with one of the node's keys and matches the log."""
    count = 0
    verifiers = selectors.log_verifiers()
    for checkpoint in Checkpoint.objects.order_by("size").iterator():
        if checkpoint.size > size:
            raise MismatchError(f"checkpoint {checkpoint.size} is larger than the log")
        try:
            text, _signed = note.open_note(checkpoint.note, verifiers)
            body = note.parse_checkpoint(text)
        except note.NoteError as exc:
            raise MismatchError(f"checkpoint {checkpoint.size} does not verify: {exc}") from exc
        root = selectors.root_hash(size=checkpoint.size)
        if body.size != checkpoint.size or body.root_hash != root:
            raise MismatchError(f"checkpoint {checkpoint.size} does not match the log")
        count += 1
    return count


def verify_log() -> Report:
    """Raise MismatchError at the first entry, subtree, head or checkpoint that does not
    verify; leaves first (so a changed row is named by its index), then each level up."""
    head = LogHead.objects.filter(pk=1).first()
    size = head.size if head else 0
    frontier = _check_leaves(size)
    report = Report(size=size, subtrees=_check_subtrees(size))
    stored_frontier = bytes(head.frontier) if head else b""
    if stored_frontier != b"".join(frontier):
        raise MismatchError("the log head's frontier does not match the entries")
    report.root_hash = merkle.frontier_root(frontier)
    if selectors.root_hash(size=size) != report.root_hash:
        raise MismatchError("the root hash from stored subtrees does not match the entries")
    report.checkpoints = _check_checkpoints(size)
    return report
