"""Recompute the whole log from its stored data and compare with every stored hash.

Used by `onestop ledger_verify`. Reads each table once, in index order, in chunks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from onestop.ledger import merkle, note, selectors
from onestop.ledger.canonical import NotCanonical, leaf_data
from onestop.ledger.models import Checkpoint, Entry, LogHead, Subtree

CHUNK = 5000


class Mismatch(Exception):
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


def verify_log() -> Report:
    """Raise Mismatch at the first entry, subtree, head or checkpoint that does not verify."""
    report = Report()
    head = LogHead.objects.filter(pk=1).first()
    size = head.size if head else 0
    report.size = size

    # Level 0: every leaf hash from its data; build level 1 from the verified leaves.
    frontier: list[bytes] = []
    expected = 0
    for index, kind, payload, stored in _leaves():
        if index != expected:
            raise Mismatch(f"entry {expected} is missing", index=expected)
        try:
            computed = merkle.leaf_hash(leaf_data(kind, payload))
        except NotCanonical as exc:
            raise Mismatch(
                f"entry {index}: payload is not canonical JSON ({exc})", index=index
            ) from exc
        if computed != stored:
            raise Mismatch(f"entry {index}: leaf hash does not match its data", index=index)
        frontier, _ = merkle.append(frontier, index, stored)
        expected += 1
    if expected != size:
        raise Mismatch(f"the log head says {size} entries but {expected} are stored")

    # Level L >= 1: each stored node must be the hash of its two verified children.
    below = _leaf_hashes()
    level = 1
    while size >> level:
        count = 0
        for index, stored in _level(level):
            if index != count:
                raise Mismatch(f"subtree level {level} index {count} is missing")
            (li, left), (ri, right) = next(below), next(below)
            assert (li, ri) == (2 * index, 2 * index + 1)  # noqa: S101 - children verified above
            if merkle.node_hash(left, right) != stored:
                first = index << level
                raise Mismatch(
                    f"subtree level {level} index {index} (entries {first}.."
                    f"{first + (1 << level) - 1}) does not match its children",
                    index=first,
                )
            count += 1
        if count != size >> level:
            raise Mismatch(f"level {level} has {count} subtrees, expected {size >> level}")
        report.subtrees += count
        below = _level(level)
        level += 1
    if Subtree.objects.filter(level__gte=level).exists():
        raise Mismatch("there are subtrees beyond the size of the log")

    # The head's frontier and root, then every published checkpoint.
    stored_frontier = bytes(head.frontier) if head else b""
    if stored_frontier != b"".join(frontier):
        raise Mismatch("the log head's frontier does not match the entries")
    report.root_hash = merkle.frontier_root(frontier)
    if selectors.root_hash(size=size) != report.root_hash:
        raise Mismatch("the root hash from stored subtrees does not match the entries")
    verifiers = selectors.log_verifiers()
    for checkpoint in Checkpoint.objects.order_by("size").iterator():
        if checkpoint.size > size:
            raise Mismatch(f"checkpoint {checkpoint.size} is larger than the log")
        try:
            text, _signed = note.open_note(checkpoint.note, verifiers)
            body = note.parse_checkpoint(text)
        except note.NoteError as exc:
            raise Mismatch(f"checkpoint {checkpoint.size} does not verify: {exc}") from exc
        root = selectors.root_hash(size=checkpoint.size) if checkpoint.size else merkle.EMPTY_ROOT
        if body.size != checkpoint.size or body.root_hash != root:
            raise Mismatch(f"checkpoint {checkpoint.size} does not match the log")
        report.checkpoints += 1
    return report
