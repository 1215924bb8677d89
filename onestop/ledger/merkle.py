"""RFC 9162 Merkle tree hashing, proofs and their verification. Pure functions, no Django.

Terms used here:

* a *perfect subtree* ``(level, index)`` is the Merkle Tree Hash of the ``2**level`` leaves
  ``[index * 2**level, (index + 1) * 2**level)``; level 0 is the leaf hash itself. Once the log
  has grown past its last leaf it never changes, so the store keeps these.
* every node of the RFC 9162 tree of size ``n`` is either a perfect subtree or a node on the
  right edge covering ``[start, n)``; the right-edge node's hash is a fold of the perfect
  subtrees given by the binary digits of ``n - start`` (see :func:`perfect_subtrees`).

Proof *generation* is split in two steps so that a store can answer it in O(log n) reads:
:func:`inclusion_ranges` / :func:`consistency_ranges` say which leaf ranges the proof needs,
:func:`perfect_subtrees` turns each range into stored nodes, and :func:`range_hash` folds them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

Node = tuple[int, int]  # (level, index) of a perfect subtree
Range = tuple[int, int]  # leaves [start, end)


class ProofError(ValueError):
    """A proof, hash or tree size does not verify."""


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 §2.1.1: SHA-256(0x00 || data)."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def mth(leaf_hashes: Sequence[bytes]) -> bytes:
    """Merkle Tree Hash of a list of leaf hashes (RFC 9162 §2.1.1), iteratively."""
    if not leaf_hashes:
        return EMPTY_ROOT
    frontier: list[bytes] = []
    for size, h in enumerate(leaf_hashes):
        frontier, _ = append(frontier, size, h)
    return frontier_root(frontier)


# --- incremental append --------------------------------------------------------------------------


def frontier_levels(size: int) -> list[int]:
    """Levels of the perfect subtrees that make up a tree of `size`, largest (leftmost) first."""
    return [level for level in range(size.bit_length() - 1, -1, -1) if size >> level & 1]


def append(
    frontier: Sequence[bytes], size: int, new_leaf_hash: bytes
) -> tuple[list[bytes], list[tuple[int, int, bytes]]]:
    """Append one leaf to a tree of `size` described by its `frontier` (the hashes of the perfect
    subtrees of :func:`frontier_levels`, leftmost first).

    Returns the new frontier and the perfect subtrees of level >= 1 completed by this leaf as
    ``(level, index, hash)``, lowest level first.
    """
    stack = list(frontier)
    completed: list[tuple[int, int, bytes]] = []
    h = new_leaf_hash
    level = 0
    index = size  # index of the new subtree at `level`
    while index & 1:  # a left sibling at this level exists: merge
        h = node_hash(stack.pop(), h)
        level += 1
        index >>= 1
        completed.append((level, index, h))
    stack.append(h)
    return stack, completed


def frontier_root(frontier: Sequence[bytes]) -> bytes:
    """Root hash of the tree whose perfect subtrees are `frontier` (leftmost first)."""
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1]
    for h in reversed(frontier[:-1]):
        root = node_hash(h, root)
    return root


# --- which stored nodes a hash needs --------------------------------------------------------------


def perfect_subtrees(start: int, end: int) -> list[Node]:
    """The perfect subtrees whose fold is MTH(D[start:end]), left to right.

    Valid for every node of an RFC 9162 tree: `start` is a multiple of the largest power of two
    not above ``end - start`` (checked).
    """
    if not 0 <= start < end:
        raise ValueError(f"empty or negative range [{start}, {end})")
    nodes: list[Node] = []
    pos = start
    remaining = end - start
    for level in range(remaining.bit_length() - 1, -1, -1):
        if remaining >> level & 1:
            if pos % (1 << level):
                raise ValueError(f"range [{start}, {end}) is not a node of a Merkle tree")
            nodes.append((level, pos >> level))
            pos += 1 << level
    return nodes


def range_hash(start: int, end: int, lookup: Mapping[Node, bytes]) -> bytes:
    """MTH(D[start:end]) from the stored perfect subtrees in `lookup`."""
    return frontier_root([lookup[node] for node in perfect_subtrees(start, end)])


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The leaf ranges whose hashes form PATH(index, D[size]) (RFC 9162 §2.1.3.1), leaf first."""
    if not 0 <= index < size:
        raise ValueError(f"index {index} is not in a tree of size {size}")
    out: list[Range] = []
    offset, n, m = 0, size, index
    while n > 1:
        k = _split(n)
        if m < k:
            out.append((offset + k, offset + n))
            n = k
        else:
            out.append((offset, offset + k))
            offset, n, m = offset + k, n - k, m - k
    out.reverse()
    return out


def consistency_ranges(first: int, second: int) -> list[Range]:
    """The leaf ranges whose hashes form PROOF(first, D[second]) (RFC 9162 §2.1.4.1)."""
    if not 0 < first <= second:
        raise ValueError(f"no consistency proof from size {first} to size {second}")
    out: list[Range] = []
    offset, n, m, whole = 0, second, first, True
    while m != n:
        k = _split(n)
        if m <= k:
            out.append((offset + k, offset + n))
            n = k
        else:
            out.append((offset, offset + k))
            offset, n, m, whole = offset + k, n - k, m - k, False
    if not whole:
        out.append((offset, offset + n))
    out.reverse()
    return out


def nodes_for(ranges: Iterable[Range]) -> set[Node]:
    """Every perfect subtree needed to hash `ranges`."""
    return {node for start, end in ranges for node in perfect_subtrees(start, end)}


# --- proofs over an in-memory list (reference and tests) ----------------------------------------


def _lookup_from_leaves(leaf_hashes: Sequence[bytes], nodes: Iterable[Node]) -> dict[Node, bytes]:
    return {
        (level, idx): mth(leaf_hashes[idx << level : (idx + 1) << level]) for level, idx in nodes
    }


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(index, D[n]) for the tree of all `leaf_hashes`."""
    ranges = inclusion_ranges(index, len(leaf_hashes))
    lookup = _lookup_from_leaves(leaf_hashes, nodes_for(ranges))
    return [range_hash(s, e, lookup) for s, e in ranges]


def consistency_proof(first: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PROOF(first, D[n]) for the tree of all `leaf_hashes`."""
    ranges = consistency_ranges(first, len(leaf_hashes))
    lookup = _lookup_from_leaves(leaf_hashes, nodes_for(ranges))
    return [range_hash(s, e, lookup) for s, e in ranges]


def proof_hashes(
    ranges: Sequence[Range], fetch: Callable[[set[Node]], Mapping[Node, bytes]]
) -> list[bytes]:
    """Hash `ranges` with one call to `fetch` for all the perfect subtrees they need."""
    lookup = fetch(nodes_for(ranges))
    return [range_hash(s, e, lookup) for s, e in ranges]


# --- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) ------------------------------------------------


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} is {len(value)} bytes, not {HASH_SIZE}")


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root implied by an inclusion proof (RFC 9162 §2.1.3.2 steps 1-4)."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not in a tree of size {size}")
    _check_hash(leaf, "leaf hash")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        _check_hash(p, "proof hash")
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise ProofError unless `proof` shows leaf hash `leaf` at `index` in the tree `root`."""
    _check_hash(root, "root hash")
    if root_from_inclusion_proof(index, size, leaf, proof) != root:
        raise ProofError("inclusion proof does not lead to the root hash")


def verify_consistency(  # noqa: PLR0912 - RFC 9162 §2.1.4.2, step by step
    first: int, second: int, proof: Sequence[bytes], first_root: bytes, second_root: bytes
) -> None:
    """Raise ProofError unless `proof` shows the tree (first, first_root) is a prefix of the tree
    (second, second_root).

    Equal sizes need an empty proof and equal roots. Size 0 is refused: RFC 9162 defines
    consistency proofs for 0 < first only (every tree extends the empty one). Every hash must be
    32 bytes.
    """
    _check_hash(first_root, "first root hash")
    _check_hash(second_root, "second root hash")
    if not 0 < first <= second:
        raise ProofError(f"no consistency proof from size {first} to size {second}")
    if first == second:
        if proof:
            raise ProofError("equal sizes need an empty consistency proof")
        if first_root != second_root:
            raise ProofError("equal sizes but different root hashes")
        return
    if not proof:  # step 1
        raise ProofError("empty consistency proof")
    for p in proof:
        _check_hash(p, "proof hash")
    path = list(proof)
    if first & (first - 1) == 0:  # step 2: first is a power of two
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1  # step 3
    while fn & 1:  # step 4
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]  # step 5
    for c in path[1:]:  # step 6
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:  # step 7
        raise ProofError("consistency proof is too short")
    if fr != first_root:
        raise ProofError("consistency proof does not lead to the first root hash")
    if sr != second_root:
        raise ProofError("consistency proof does not lead to the second root hash")
