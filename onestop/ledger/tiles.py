"""C2SP tlog-tiles (https://c2sp.org/tlog-tiles): tile geometry, paths and the tiled store of
the Merkle tree. Pure functions, no Django.

A *hash tile* ``(L, N)`` holds up to 256 consecutive hashes of tree level ``8·L``: hash ``i`` is
the perfect subtree ``(8·L, 256·N + i)`` (level 0: leaf hashes). A tile with fewer than 256 hashes
is *partial*; once it has 256 it never changes, and the Merkle Tree Hash of a full tile is the
next hash of the tile ``(L + 1, N // 256)`` above.

The store keeps one row per tile: ``hashes`` (the tile as served, ``32·W`` bytes) and ``inner``,
the hashes of the perfect subtrees *inside* the tile (tree levels ``8·L + 1 .. 8·L + 7``), in a
fixed layout of 254 slots (local level 1: 128 slots, level 2: 64, ... level 7: 2), zero where a
subtree is not complete yet. So every perfect subtree of the tree is one slice of one row, and a
root or a proof reads one row per tile it touches: O(log n) rows, at most a handful.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from onestop.ledger import merkle

HEIGHT = 8  # tree levels per tile
WIDTH = 1 << HEIGHT  # hashes in a full tile
HASH = merkle.HASH_SIZE
FULL_BYTES = WIDTH * HASH  # 8192
INNER_SLOTS = WIDTH - 2  # 128 + 64 + ... + 2
INNER_BYTES = INNER_SLOTS * HASH
MAX_LEVEL = 63  # the spec's bound on <L>
MAX_ENTRY = 0xFFFF  # entry bundles prefix each entry with a big-endian uint16 length

TileKey = tuple[int, int]  # (tile level L, tile index N)
TileRow = tuple[bytes, bytes]  # (hashes, inner)

_INDEX_RE = re.compile(r"^(?:x[0-9]{3}/)*[0-9]{3}$")


# --- paths ----------------------------------------------------------------------------------------


def encode_index(n: int) -> str:
    """The spec's path encoding of a tile index: 1234067 -> ``x001/x234/067``."""
    if n < 0:
        raise ValueError(f"negative tile index {n}")
    parts = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        parts.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(parts))


def parse_index(text: str) -> int:
    """Inverse of :func:`encode_index`; only the canonical form is accepted (no ``x000/`` lead)."""
    if not _INDEX_RE.match(text):
        raise ValueError(f"not a tile index path: {text!r}")
    n = int(text.replace("x", "").replace("/", ""))
    if encode_index(n) != text:
        raise ValueError(f"tile index path is not canonical: {text!r}")
    return n


def tile_path(level: int, index: int, width: int = WIDTH) -> str:
    """``tile/<L>/<N>[.p/<W>]``; ``level`` -1 names the entry bundle ``tile/entries/<N>``."""
    name = "entries" if level < 0 else str(level)
    suffix = f".p/{width}" if width < WIDTH else ""
    return f"tile/{name}/{encode_index(index)}{suffix}"


# --- geometry -------------------------------------------------------------------------------------


def level_count(size: int, level: int) -> int:
    """How many hashes tile level `level` has in a tree of `size` leaves."""
    return size >> (HEIGHT * level)


def tile_width(size: int, level: int, index: int) -> int:
    """Width (0..256) of tile ``(level, index)`` in a tree of `size` leaves."""
    return max(0, min(WIDTH, level_count(size, level) - index * WIDTH))


def tile_count(size: int) -> list[tuple[int, int]]:
    """Per tile level: (full tiles, width of the partial tile or 0), for a tree of `size`."""
    out = []
    level = 0
    while level_count(size, level):
        out.append(divmod(level_count(size, level), WIDTH))
        level += 1
    return out


def node_tile(level: int, index: int) -> TileKey:
    """The tile that stores the perfect subtree ``(level, index)``."""
    tile_level, local = divmod(level, HEIGHT)
    return tile_level, index >> (HEIGHT - local)


def _inner_offset(local: int, position: int) -> int:
    return (WIDTH - (2 * WIDTH >> local) + position) * HASH


def node_slot(level: int, index: int) -> tuple[str, int]:
    """Where the perfect subtree ``(level, index)`` lies in its tile's row: the column
    (``"hashes"`` or ``"inner"``) and the byte offset of its 32 bytes."""
    local = level % HEIGHT
    position = index & ((WIDTH >> local) - 1)
    if local == 0:
        return "hashes", position * HASH
    return "inner", _inner_offset(local, position)


def node_in_tile(level: int, index: int, row: TileRow) -> bytes:
    """The hash of the perfect subtree ``(level, index)`` from the row of its tile."""
    local = level % HEIGHT
    position = index & ((WIDTH >> local) - 1)
    if local == 0:
        start, data = position * HASH, row[0]
    else:
        start, data = _inner_offset(local, position), row[1]
    value = bytes(data[start : start + HASH])
    if len(value) != HASH or (local and value == bytes(HASH)):
        raise KeyError((level, index))
    return value


def tile_keys(nodes: Iterable[merkle.Node]) -> set[TileKey]:
    return {node_tile(level, index) for level, index in nodes}


def nodes_from_rows(
    nodes: Iterable[merkle.Node], rows: Mapping[TileKey, TileRow]
) -> dict[merkle.Node, bytes]:
    """Hashes of `nodes` from tile rows (raises KeyError if a tile or subtree is missing)."""
    return {
        (level, index): node_in_tile(level, index, rows[node_tile(level, index)])
        for level, index in nodes
    }


def edge_keys(size: int) -> list[TileKey]:
    """The partial tiles of a tree of `size`: the ones an append extends."""
    keys = []
    level = 0
    while level_count(size, level):
        full, width = divmod(level_count(size, level), WIDTH)
        if width:
            keys.append((level, full))
        level += 1
    return keys


# --- appending ------------------------------------------------------------------------------------


class TileWriter:
    """Appends leaf hashes to a tiled tree, tile by tile.

    Start it with the tree `size` and the rows of its partial tiles (:func:`edge_keys`); after
    the appends, :meth:`changed` lists the rows to write and :meth:`frontier` the perfect
    subtrees of the new tree (largest first), as `merkle.append` keeps them.
    """

    def __init__(self, size: int, edge: Mapping[TileKey, TileRow]) -> None:
        self.size = size
        self._open: dict[int, tuple[int, bytearray, bytearray]] = {}
        self._changed: dict[TileKey, tuple[bytearray, bytearray]] = {}
        for level, index in edge_keys(size):
            hashes, inner = edge[(level, index)]
            if len(hashes) != tile_width(size, level, index) * HASH:
                raise ValueError(f"tile {level}/{index} does not match a tree of size {size}")
            self._open[level] = (index, bytearray(hashes), bytearray(inner or bytes(INNER_BYTES)))

    def append(self, leaf_hash: bytes) -> None:
        self._add(0, self.size, leaf_hash)
        self.size += 1

    def _add(self, level: int, count: int, h: bytes) -> None:
        """Add hash `h` as hash number `count` of tile level `level`."""
        index, position = divmod(count, WIDTH)
        tile = self._open.get(level)
        if tile is None or tile[0] != index:
            tile = (index, bytearray(), bytearray(INNER_BYTES))
            self._open[level] = tile
        _index, hashes, inner = tile
        hashes += h
        self._changed[(level, index)] = (hashes, inner)
        local, k, current = 0, position, h
        while k & 1:  # the subtree just completed is a right child: hash it with its left sibling
            if local == 0:
                left = hashes[(k - 1) * HASH : k * HASH]
            else:
                offset = _inner_offset(local, k - 1)
                left = inner[offset : offset + HASH]
            current = merkle.node_hash(bytes(left), current)
            local += 1
            k >>= 1
            if local == HEIGHT:  # the tile is full: its root is the next hash one tile level up
                self._add(level + 1, index, current)
                return
            offset = _inner_offset(local, k)
            inner[offset : offset + HASH] = current

    def changed(self) -> list[tuple[int, int, bytes, bytes]]:
        """``(level, index, hashes, inner)`` of every tile the appends touched."""
        return [
            (level, index, bytes(hashes), bytes(inner))
            for (level, index), (hashes, inner) in sorted(self._changed.items())
        ]

    def take_full(self) -> list[tuple[int, int, bytes, bytes]]:
        """Like :meth:`changed`, for the full tiles only, and forget them (streaming checks)."""
        full = [row for row in self.changed() if len(row[2]) == FULL_BYTES]
        for level, index, _hashes, _inner in full:
            del self._changed[(level, index)]
        return full

    def frontier(self) -> list[bytes]:
        """Hashes of the perfect subtrees that make up the tree, largest first."""
        if not self.size:
            return []
        rows = {
            (level, index): (bytes(hashes), bytes(inner))
            for level, (index, hashes, inner) in self._open.items()
        }
        nodes = merkle.perfect_subtrees(0, self.size)
        found = nodes_from_rows(nodes, rows)
        return [found[node] for node in nodes]


def build(leaf_hashes: Iterable[bytes]) -> dict[TileKey, TileRow]:
    """Every tile row of the tree of `leaf_hashes` (reference and tests)."""
    writer = TileWriter(0, {})
    for h in leaf_hashes:
        writer.append(h)
    return {(level, index): (hashes, inner) for level, index, hashes, inner in writer.changed()}
