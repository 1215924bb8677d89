"""Recompute the whole log from its stored data and compare with every stored hash.

Used by `onestop ledger_verify`. Reads each table once, in index order, in chunks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from onestop.ledger import merkle, note, selectors, tiles
from onestop.ledger.canonical import NotCanonicalError, leaf_data
from onestop.ledger.models import Checkpoint, Entry, LogHead, Tile

CHUNK = 5000


class MismatchError(Exception):
    """The first stored value that does not match its recomputation."""

    def __init__(self, message: str, *, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index  # first entry concerned, when there is one


@dataclass
class Report:
    size: int = 0
    tiles: int = 0
    checkpoints: int = 0
    root_hash: bytes = merkle.EMPTY_ROOT
    notes: list[str] = field(default_factory=list)


def _leaves() -> Iterator[tuple[int, str, object, bytes]]:
    rows = Entry.objects.order_by("index").values_list("index", "kind", "payload", "leaf_hash")
    for index, kind, payload, h in rows.iterator(chunk_size=CHUNK):
        yield index, kind, payload, bytes(h)


class _TileCheck:
    """Compares the stored tiles with the tiles recomputed from the verified leaf hashes."""

    def __init__(self) -> None:
        self.writer = tiles.TileWriter(0, {})
        self.count = 0

    def compare(self, rows: list[tuple[int, int, bytes, bytes]]) -> None:
        stored = selectors.tile_rows((level, index) for level, index, _h, _i in rows)
        for level, index, hashes, inner in rows:
            if stored.get((level, index)) != (hashes, inner):
                first = index * tiles.WIDTH ** (level + 1)
                raise MismatchError(
                    f"tile {level}/{index} (from entry {first}) does not match the entries",
                    index=first,
                )
            self.count += 1


def _check_leaves(size: int) -> _TileCheck:
    """Every leaf hash from its data, and every tile from the leaf hashes."""
    check = _TileCheck()
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
        check.writer.append(stored)
        expected += 1
        if expected % CHUNK == 0:
            check.compare(check.writer.take_full())
    if expected != size:
        raise MismatchError(f"the log head says {size} entries but {expected} are stored")
    check.compare(check.writer.changed())
    if Tile.objects.count() != check.count:
        raise MismatchError("there are tiles beyond the size of the log")
    return check


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
    """Raise MismatchError at the first entry, tile, head or checkpoint that does not verify;
    leaves first (so a changed row is named by its index), then the tiles built from them."""
    head = LogHead.objects.filter(pk=1).first()
    size = head.size if head else 0
    check = _check_leaves(size)
    frontier = check.writer.frontier()
    report = Report(size=size, tiles=check.count)
    stored_frontier = bytes(head.frontier) if head else b""
    if stored_frontier != b"".join(frontier):
        raise MismatchError("the log head's frontier does not match the entries")
    report.root_hash = merkle.frontier_root(frontier)
    if size and merkle.proof_hashes([(0, size)], selectors.fetch_nodes)[0] != report.root_hash:
        raise MismatchError("the root hash from the stored tiles does not match the entries")
    report.checkpoints = _check_checkpoints(size)
    return report
