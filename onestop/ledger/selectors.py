"""Reads of the ledger. The log is public: none of these is scoped to an actor (a transparency
log is only useful if anyone can check it; what it holds are commitments, never personal data).

The Merkle tree is stored as C2SP tlog-tiles (`onestop.ledger.tiles`): every root or proof reads
the few tile rows that hold the hashes it needs, in one query, straight from the database (no
in-process state), so any worker answers the same after a restart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext as _

from onestop.core import keys
from onestop.core.errors import NotFound, ValidationFailed
from onestop.ledger import conf, merkle, note, tiles
from onestop.ledger.canonical import leaf_data
from onestop.ledger.models import Checkpoint, Cosignature, Entry, LogHead, Tile


def tree_size() -> int:
    return LogHead.objects.filter(pk=1).values_list("size", flat=True).first() or 0


def tile_rows(keys: Iterable[tiles.TileKey]) -> dict[tiles.TileKey, tiles.TileRow]:
    """Stored rows ``(hashes, inner)`` of the tiles `keys`, in one query."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    quote = connection.ops.quote_name
    # the keys are ints computed by `tiles`, never request text
    where = " OR ".join(f'(level = {int(lv)} AND "index" = {int(ix)})' for lv, ix in wanted)
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT level, "index", hashes, {quote("inner")} FROM {quote(Tile._meta.db_table)} '  # noqa: S608
            f"WHERE {where}"
        )
        return {(level, index): (bytes(h), bytes(i)) for level, index, h, i in cursor.fetchall()}


class _Missing(LookupError):
    """A stored hash the answer needs is not there: the tree is smaller than asked."""


def fetch_nodes(nodes: Iterable[merkle.Node]) -> dict[merkle.Node, bytes]:
    """Hashes of perfect subtrees `(level, index)` (level 0: leaf hashes), read from the tiles
    that hold them in ONE statement that returns just their 32-byte slices (a proof at 10^6
    entries needs about 25 slices of 5 tiles). Raises `_Missing` if a subtree is not complete,
    which is how a size larger than the log shows.

    One round trip instead of a query per table, 32 bytes per hash instead of 16 KiB tile rows,
    and a statement PostgreSQL plans in a tenth of a millisecond (the tiles by their key, joined
    to a VALUES list of slices) are what bring a proof under a millisecond (docs/ledger.md).
    """
    wanted = list(dict.fromkeys(nodes))
    if not wanted:
        return {}
    quote = connection.ops.quote_name
    slices, keys = [], set()
    for position, (level, index) in enumerate(wanted):
        key = tiles.node_tile(level, index)
        column, offset = tiles.node_slot(level, index)
        keys.add(key)
        slices.append(f"({position}, {key[0]}, {key[1]}, {int(column == 'inner')}, {offset + 1})")
    where = " OR ".join(f'(t.level = {lv} AND t."index" = {ix})' for lv, ix in sorted(keys))
    # every value is an int computed here, never request text: inlined as literals, so both
    # backends plan substr(blob, int, int) with no parameter type guessing
    sql = (
        f"WITH v(pos, lv, ix, col, off) AS (VALUES {', '.join(slices)}) "  # noqa: S608
        f"SELECT v.pos, substr(CASE WHEN v.col = 1 THEN t.{quote('inner')} ELSE t.hashes END, "
        f"v.off, {tiles.HASH}) FROM {quote(Tile._meta.db_table)} t "
        f'JOIN v ON t.level = v.lv AND t."index" = v.ix WHERE {where}'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        found = {wanted[position]: bytes(h) for position, h in cursor.fetchall() if h}
    for level, index in wanted:
        h = found.get((level, index))
        if h is None or len(h) != tiles.HASH or (level % tiles.HEIGHT and h == bytes(tiles.HASH)):
            raise _Missing((level, index))
    return found


def _hashes(
    ranges: list[merkle.Range], size: int, extra: Iterable[merkle.Node] = ()
) -> dict[merkle.Node, bytes]:
    """The stored perfect subtrees for `ranges` and `extra` in one query; a ValidationFailed
    naming the log's size if the log has fewer than `size` entries (the smallest subtree that
    ends at `size` is always read: it exists only if the log is that big)."""
    last = merkle.perfect_subtrees(0, size)[-1]
    try:
        return fetch_nodes([*merkle.nodes_for(ranges), *extra, last])
    except _Missing:
        current = tree_size()
        _check_size(size, current)
        raise  # the log is big enough and still a hash is missing: `onestop ledger_verify`


def hash_tile(*, level: int, index: int, width: int = tiles.WIDTH) -> bytes:
    """The first `width` hashes of tile `level`/`index`: the tlog-tiles resource
    ``tile/<level>/<index>[.p/<width>]``. NotFound unless the log has that many."""
    if not 0 <= level <= tiles.MAX_LEVEL or not 1 <= width <= tiles.WIDTH or index < 0:
        raise NotFound(_("There is no such tile."))
    data = Tile.objects.filter(level=level, index=index).values_list("hashes", flat=True).first()
    if data is None or len(data) < width * tiles.HASH:
        raise NotFound(_("There is no such tile."))
    return bytes(data[: width * tiles.HASH])


def entry_bundle(*, index: int, width: int = tiles.WIDTH) -> bytes:
    """The tlog-tiles entry bundle ``tile/entries/<index>[.p/<width>]``: the leaf data of
    entries ``[256 * index, 256 * index + width)``, each prefixed with its length (big-endian
    uint16). NotFound unless the log has all of them."""
    if not 1 <= width <= tiles.WIDTH or index < 0:
        raise NotFound(_("There is no such tile."))
    start = index * tiles.WIDTH
    rows = list(
        Entry.objects.filter(index__gte=start, index__lt=start + width)
        .order_by("index")
        .values_list("kind", "payload")
    )
    if len(rows) != width:
        raise NotFound(_("There is no such tile."))
    out = bytearray()
    for kind, payload in rows:
        data = leaf_data(kind, payload)
        out += len(data).to_bytes(2, "big") + data
    return bytes(out)


def _check_positive(size: int) -> None:
    if size < 1:
        raise ValidationFailed(_("The tree size must be at least 1."), details={"size": size})


def _check_size(size: int, current: int) -> None:
    _check_positive(size)
    if size > current:
        raise ValidationFailed(
            _("The tree size %(size)d is larger than the log (%(current)d entries).")
            % {"size": size, "current": current},
            details={"size": size, "tree_size": current},
        )


def root_hash(*, size: int | None = None) -> bytes:
    """MTH of the first `size` entries (default: all); SHA-256("") for the empty log."""
    if size is None:
        head = LogHead.objects.filter(pk=1).values_list("frontier", flat=True).first()
        frontier = bytes(head or b"")
        return merkle.frontier_root(
            [frontier[i : i + merkle.HASH_SIZE] for i in range(0, len(frontier), merkle.HASH_SIZE)]
        )
    if size == 0:
        return merkle.EMPTY_ROOT
    _check_positive(size)
    return merkle.range_hash(0, size, _hashes([(0, size)], size))


def entry_get(*, index: int) -> Entry:
    entry = Entry.objects.filter(index=index).first() if index >= 0 else None
    if entry is None:
        raise NotFound(_("There is no log entry %(index)d.") % {"index": index})
    return entry


@dataclass(frozen=True)
class Inclusion:
    index: int
    size: int
    leaf_hash: bytes
    root_hash: bytes
    hashes: list[bytes]


@dataclass(frozen=True)
class Consistency:
    first: int
    second: int
    first_root: bytes
    second_root: bytes
    hashes: list[bytes]


def _check_index(index: int, size: int) -> None:
    _check_positive(size)
    if not 0 <= index < size:
        raise ValidationFailed(
            _("The entry index %(index)d is not in a tree of size %(size)d.")
            % {"index": index, "size": size},
            details={"index": index, "size": size},
        )


def inclusion(*, index: int, size: int) -> Inclusion:
    """Everything needed to check that entry `index` is in the tree of `size`: its leaf hash,
    the root and PATH(index, D[size]), from one query."""
    _check_index(index, size)
    ranges = merkle.inclusion_ranges(index, size)
    found = _hashes([*ranges, (0, size)], size, extra=[(0, index)])
    return Inclusion(
        index=index,
        size=size,
        leaf_hash=found[(0, index)],
        root_hash=merkle.range_hash(0, size, found),
        hashes=[merkle.range_hash(s, e, found) for s, e in ranges],
    )


def inclusion_proof(*, index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) (RFC 9162 §2.1.3.1), leaf to root."""
    _check_index(index, size)
    ranges = merkle.inclusion_ranges(index, size)
    found = _hashes(ranges, size)
    return [merkle.range_hash(s, e, found) for s, e in ranges]


def _check_sizes(first: int, second: int) -> None:
    if first < 1:
        raise ValidationFailed(
            _("The first tree size must be at least 1."), details={"first": first}
        )
    if first > second:
        raise ValidationFailed(
            _("The first tree size must not be larger than the second."),
            details={"first": first, "second": second},
        )


def consistency(*, first: int, second: int) -> Consistency:
    """Both roots and PROOF(first, D[second]), from one query."""
    _check_sizes(first, second)
    ranges = merkle.consistency_ranges(first, second)
    found = _hashes([*ranges, (0, first), (0, second)], second)
    return Consistency(
        first=first,
        second=second,
        first_root=merkle.range_hash(0, first, found),
        second_root=merkle.range_hash(0, second, found),
        hashes=[merkle.range_hash(s, e, found) for s, e in ranges],
    )


def consistency_proof(*, first: int, second: int) -> list[bytes]:
    """PROOF(first, D[second]) (RFC 9162 §2.1.4.1); empty when the sizes are equal."""
    _check_sizes(first, second)
    ranges = merkle.consistency_ranges(first, second)
    found = _hashes(ranges, second)
    return [merkle.range_hash(s, e, found) for s, e in ranges]


def log_verifier(kid: str | None = None) -> note.Verifier:
    """The note verifier of the node's current key, or of the retired key `kid`."""
    if kid is None:
        kid, private_key = keys.current_signing_key("ledger")
        return note.Verifier(conf.origin(), private_key.public_key())
    public = keys.public_keys("ledger").get(kid)
    if public is None:
        raise NotFound(_("There is no signing key %(kid)s.") % {"kid": kid})
    return note.Verifier(conf.origin(), public)


def log_verifiers() -> list[note.Verifier]:
    """Verifiers of every key this node ever signed checkpoints with."""
    return [note.Verifier(conf.origin(), k) for k in keys.public_keys("ledger").values()]


def checkpoint_cosignatures(*, checkpoint: Checkpoint) -> list[Cosignature]:
    return list(
        Cosignature.objects.filter(
            origin=conf.origin(), size=checkpoint.size, root_hash=checkpoint.root_hash
        )
    )


def checkpoint_cosigned_note(*, checkpoint: Checkpoint) -> str:
    """The checkpoint note followed by every stored witness cosignature line."""
    lines = [c.line for c in checkpoint_cosignatures(checkpoint=checkpoint)]
    return checkpoint.note + "".join(lines)
