"""merkle.py against the transparency-dev/merkle vectors and against a naive RFC 9162 MTH."""

import base64
import hashlib
import json
from pathlib import Path

import pytest

from onestop.ledger import merkle

VECTORS = Path(__file__).resolve().parents[1] / "data" / "merkle-vectors"
INCLUSION = sorted((VECTORS / "inclusion").rglob("*.json"))
CONSISTENCY = sorted((VECTORS / "consistency").rglob("*.json"))
# Our verifier insists on 32-byte SHA-256 hashes everywhere; this one vector accepts 12-byte
# dummy roots for equal sizes. We reject it on purpose (docs/ledger.md, "Proof verification").
STRICTER = {"consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"}


def _b(value):
    return base64.b64decode(value or "")


def _name(path):
    return str(path.relative_to(VECTORS))


def test_every_vector_file_is_collected():
    assert len(INCLUSION) == 98
    assert len(CONSISTENCY) == 98
    assert len(INCLUSION) + len(CONSISTENCY) == 196


@pytest.mark.parametrize("path", INCLUSION, ids=_name)
def test_inclusion_vector(path):
    case = json.loads(path.read_text())
    args = (
        case["leafIdx"],
        case["treeSize"],
        _b(case["leafHash"]),
        [_b(p) for p in case["proof"] or []],
        _b(case["root"]),
    )
    if case["wantErr"]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(*args)
    else:
        assert merkle.verify_inclusion(*args) is None


@pytest.mark.parametrize("path", CONSISTENCY, ids=_name)
def test_consistency_vector(path):
    case = json.loads(path.read_text())
    args = (
        case["size1"],
        case["size2"],
        [_b(p) for p in case["proof"] or []],
        _b(case["root1"]),
        _b(case["root2"]),
    )
    if case["wantErr"] or _name(path) in STRICTER:
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(*args)
    else:
        assert merkle.verify_consistency(*args) is None


def _naive_mth(data):
    """RFC 9162 §2.1.1 written out literally, over leaf data."""
    if not data:
        return hashlib.sha256(b"").digest()
    if len(data) == 1:
        return hashlib.sha256(b"\x00" + data[0]).digest()
    k = 1
    while k * 2 < len(data):
        k *= 2
    return hashlib.sha256(b"\x01" + _naive_mth(data[:k]) + _naive_mth(data[k:])).digest()


LEAVES = [f"leaf {i}".encode() for i in range(40)]
HASHES = [merkle.leaf_hash(d) for d in LEAVES]


def test_known_roots_of_rfc_test_tree():
    # The 8-leaf tree of RFC 6962's reference tests (transparency-dev/merkle testonly).
    data = [
        b"",
        b"\x00",
        b"\x10",
        b"\x20\x21",
        b"\x30\x31",
        b"\x40\x41\x42\x43",
        b"\x50\x51\x52\x53\x54\x55\x56\x57",
        b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
    ]
    leaf_hashes = [merkle.leaf_hash(d) for d in data]
    assert merkle.mth(leaf_hashes[:1]).hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
    assert merkle.mth(leaf_hashes).hex() == (
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    )
    assert merkle.mth([]) == merkle.EMPTY_ROOT


@pytest.mark.parametrize("size", range(1, 41))
def test_mth_matches_the_rfc_recursion(size):
    assert merkle.mth(HASHES[:size]) == _naive_mth(LEAVES[:size])


@pytest.mark.parametrize("size", range(1, 34))
def test_inclusion_proofs_round_trip(size):
    root = _naive_mth(LEAVES[:size])
    for index in range(size):
        proof = merkle.inclusion_proof(index, HASHES[:size])
        merkle.verify_inclusion(index, size, HASHES[index], proof, root)
        if size > 1:
            with pytest.raises(merkle.ProofError):
                merkle.verify_inclusion(index, size, HASHES[(index + 1) % size], proof, root)


@pytest.mark.parametrize("second", range(1, 34))
def test_consistency_proofs_round_trip(second):
    second_root = _naive_mth(LEAVES[:second])
    for first in range(1, second + 1):
        proof = merkle.consistency_proof(first, HASHES[:second])
        merkle.verify_consistency(first, second, proof, _naive_mth(LEAVES[:first]), second_root)
        if first < second:
            wrong = _naive_mth(LEAVES[1 : first + 1])
            with pytest.raises(merkle.ProofError):
                merkle.verify_consistency(first, second, proof, wrong, second_root)


def test_append_completes_perfect_subtrees_and_keeps_the_root():
    frontier, completed = [], []
    for index, h in enumerate(HASHES[:8]):
        frontier, done = merkle.append(frontier, index, h)
        completed.extend((lv, ix) for lv, ix, _ in done)
        size = index + 1
        assert merkle.frontier_root(frontier) == merkle.mth(HASHES[:size])
        assert len(frontier) == bin(size).count("1")
    assert completed == [(1, 0), (1, 1), (2, 0), (1, 2), (1, 3), (2, 1), (3, 0)]


def test_proof_ranges_are_decomposed_into_few_stored_nodes():
    size = 1_000_003
    ranges = merkle.inclusion_ranges(123_457, size)
    assert len(ranges) == 20
    assert len(merkle.nodes_for(ranges)) <= 2 * size.bit_length()
    ranges = merkle.consistency_ranges(654_321, size)
    assert len(merkle.nodes_for(ranges)) <= 2 * size.bit_length()


def test_bad_ranges_are_refused():
    with pytest.raises(ValueError, match="not in a tree"):
        merkle.inclusion_ranges(5, 5)
    with pytest.raises(ValueError, match="no consistency proof"):
        merkle.consistency_ranges(0, 5)
    with pytest.raises(ValueError, match="not a node"):
        merkle.perfect_subtrees(1, 3)
