"""C2SP tlog-tiles: paths, tile geometry, proofs from tiles against the transparency-dev/merkle
vectors, and the /ledger/ resources over HTTP."""

import base64
import gzip
import hashlib
import json
from pathlib import Path

import pytest

from onestop.ledger import merkle, selectors, services, tiles
from onestop.ledger.canonical import leaf_data

VECTORS = Path(__file__).resolve().parents[1] / "data" / "merkle-vectors"
# The vectors' happy paths are proofs in the RFC 6962 test tree of these eight leaves.
RFC6962_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    bytes.fromhex("606162636465666768696a6b6c6d6e6f"),
]
HAPPY = sorted(VECTORS.rglob("happy-path.json"))


def _b(value):
    return base64.b64decode(value or "")


# --- pure ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "path"),
    [(0, "000"), (7, "007"), (999, "999"), (1000, "x001/000"), (1_234_067, "x001/x234/067")],
)
def test_index_path_encoding(n, path):
    assert tiles.encode_index(n) == path
    assert tiles.parse_index(path) == n


@pytest.mark.parametrize("path", ["1", "0001", "x000/001", "x1/234", "001/x234", "x001", "-01"])
def test_non_canonical_index_paths_are_refused(path):
    with pytest.raises(ValueError, match="tile index"):
        tiles.parse_index(path)


def test_tile_paths():
    assert tiles.tile_path(0, 1_234_067) == "tile/0/x001/x234/067"
    assert tiles.tile_path(2, 5, width=17) == "tile/2/005.p/17"
    assert tiles.tile_path(-1, 0, width=1) == "tile/entries/000.p/1"


def test_the_specs_example_tree_of_70000():
    """c2sp.org/tlog-tiles: 273 full level-0 tiles and one of width 112, one full level-1 tile
    and one of width 17, one level-2 tile of width 1; a tree of 256 has a full level-0 tile and
    a level-1 tile of width 1."""
    assert tiles.tile_count(70_000) == [(273, 112), (1, 17), (0, 1)]
    assert tiles.tile_count(256) == [(1, 0), (0, 1)]
    leaves = [merkle.leaf_hash(f"{i}".encode()) for i in range(70_000)]
    rows = tiles.build(leaves)
    assert len(rows[(0, 273)][0]) == 112 * 32
    assert len(rows[(1, 1)][0]) == 17 * 32
    assert len(rows[(2, 0)][0]) == 32
    # each hash of a level-1 tile is the MTH of a full level-0 tile
    assert rows[(1, 0)][0][32 * 5 : 32 * 6] == merkle.mth(leaves[256 * 5 : 256 * 6])
    assert rows[(2, 0)][0] == merkle.mth(leaves[:65_536])


def test_appending_in_pieces_gives_the_same_tiles_as_all_at_once():
    leaves = [merkle.leaf_hash(f"{i}".encode()) for i in range(66_000)]
    store: dict = {}
    size = 0
    for piece in [1, 1, 254, 1, 300, 65_000, 443]:
        writer = tiles.TileWriter(size, {k: store[k] for k in tiles.edge_keys(size)})
        for h in leaves[size : size + piece]:
            writer.append(h)
        store.update({(lv, ix): (hs, inner) for lv, ix, hs, inner in writer.changed()})
        size = writer.size
        assert (
            merkle.frontier_root(writer.frontier())
            == merkle.proof_hashes([(0, size)], lambda nodes: tiles.nodes_from_rows(nodes, store))[
                0
            ]
        )
    assert store == tiles.build(leaves)


def test_every_vector_tree_root_from_tiles():
    leaves = [merkle.leaf_hash(d) for d in RFC6962_LEAVES]
    rows = tiles.build(leaves)
    assert rows[(0, 0)][0] == b"".join(leaves)
    for size in range(1, 9):
        fetch = lambda nodes: tiles.nodes_from_rows(nodes, rows)  # noqa: E731
        assert merkle.proof_hashes([(0, size)], fetch)[0] == merkle.mth(leaves[:size])


@pytest.mark.parametrize("path", HAPPY, ids=lambda p: str(p.relative_to(VECTORS)))
def test_proofs_from_tiles_equal_the_vectors(path):
    case = json.loads(path.read_text())
    rows = tiles.build([merkle.leaf_hash(d) for d in RFC6962_LEAVES])

    def fetch(nodes):
        return tiles.nodes_from_rows(nodes, rows)

    def root(size):
        return merkle.proof_hashes([(0, size)], fetch)[0]

    if "leafIdx" in case:
        i, n = case["leafIdx"], case["treeSize"]
        proof = merkle.proof_hashes(merkle.inclusion_ranges(i, n), fetch)
        assert proof == [_b(p) for p in case["proof"] or []]
        assert root(n) == _b(case["root"])
    else:
        m, n = case["size1"], case["size2"]
        proof = merkle.proof_hashes(merkle.consistency_ranges(m, n), fetch)
        assert proof == [_b(p) for p in case["proof"] or []]
        assert (root(m), root(n)) == (_b(case["root1"]), _b(case["root2"]))


# --- HTTP ----------------------------------------------------------------------------------------

N = 300
ITEMS = [("test.record", {"i": i, "名": "记录"}) for i in range(N)]


@pytest.fixture
def log(db):
    services.entries_append_batch(items=ITEMS)
    return [leaf_data(k, p) for k, p in ITEMS]


def test_full_and_partial_hash_tiles(client, log):
    hashes = [merkle.leaf_hash(d) for d in log]
    full = client.get("/ledger/tile/0/000")
    assert full.status_code == 200
    assert full["Content-Type"] == "application/octet-stream"
    assert full["Cache-Control"] == "public, max-age=31536000, immutable"
    assert full.content == b"".join(hashes[:256])
    partial = client.get("/ledger/tile/0/001.p/44")
    assert partial.content == b"".join(hashes[256:])
    assert "immutable" not in partial["Cache-Control"]
    shorter = client.get("/ledger/tile/0/001.p/3")  # any width the log has reached
    assert shorter.content == b"".join(hashes[256:259])
    assert client.get("/ledger/tile/0/000.p/255").content == b"".join(hashes[:255])
    level1 = client.get("/ledger/tile/1/000.p/1")
    assert level1.content == merkle.mth(hashes[:256])


@pytest.mark.parametrize(
    "path",
    [
        "/ledger/tile/0/001",  # not full yet
        "/ledger/tile/0/001.p/45",  # wider than the log
        "/ledger/tile/0/002.p/1",
        "/ledger/tile/1/000",
        "/ledger/tile/2/000.p/1",
        "/ledger/tile/64/000.p/1",
        "/ledger/tile/00/000",  # leading zero
        "/ledger/tile/0/x000/000",  # not canonical
        "/ledger/tile/0/0",
        "/ledger/tile/0/000.p/0",
        "/ledger/tile/0/000.p/256",
        "/ledger/tile/0/000.p/044",
        "/ledger/tile/entries/001",
        "/ledger/tile/entries/001.p/45",
        "/ledger/tile/entries/x000/001.p/4",
    ],
)
def test_tiles_beyond_the_tree_or_badly_named_are_404(client, log, path):
    assert client.get(path).status_code == 404


def test_entry_bundles_are_length_prefixed_leaf_data(client, log):
    bundle = client.get("/ledger/tile/entries/001.p/44")
    assert bundle.status_code == 200
    assert "immutable" not in bundle["Cache-Control"]
    expected = b"".join(len(d).to_bytes(2, "big") + d for d in log[256:])
    assert bundle.content == expected
    full = client.get("/ledger/tile/entries/000", HTTP_ACCEPT_ENCODING="gzip, identity")
    assert full["Cache-Control"] == "public, max-age=31536000, immutable"
    assert full["Content-Encoding"] == "gzip"
    body = gzip.decompress(full.content)
    assert body == b"".join(len(d).to_bytes(2, "big") + d for d in log[:256])
    # each entry hashes to the corresponding hash of the level-0 tile
    first = body[2 : 2 + int.from_bytes(body[:2], "big")]
    assert merkle.leaf_hash(first) == client.get("/ledger/tile/0/000").content[:32]


def test_checkpoint_is_the_apis_signed_note(client, log):
    tiled = client.get("/ledger/checkpoint")
    assert tiled.status_code == 200
    assert tiled["Content-Type"] == "text/plain; charset=utf-8"
    assert "max-age=5" in tiled["Cache-Control"]
    assert tiled.content == client.get("/api/v1/ledger/checkpoint").content
    origin, size, root = tiled.content.decode().split("\n")[:3]
    assert (origin, int(size)) == ("onestop.371121.example/ledger", N)
    assert base64.b64decode(root) == selectors.root_hash(size=N)


def test_tiles_refuse_writes(client, log):
    assert client.post("/ledger/tile/0/000").status_code == 405
    assert client.head("/ledger/tile/0/000").status_code == 200


def test_oversized_entries_are_refused_and_nothing_is_appended(db):
    from onestop.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="at most 65535"):
        services.entries_append_batch(
            items=[("test.record", {"i": 1}), ("test.record", {"blob": "x" * 65_536})]
        )
    assert selectors.tree_size() == 0
    assert hashlib.sha256(b"").digest() == selectors.root_hash()
