"""Reads of the ledger. The log is public: none of these is scoped to an actor.

Every root or proof reads O(log n) stored hashes in at most three queries, straight from the
database (no in-process state), so any worker answers the same after a restart.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q
from django.utils.translation import gettext as _

from onestop.core import keys
from onestop.core.errors import NotFound, ValidationFailed
from onestop.ledger import conf, merkle, note
from onestop.ledger.models import Checkpoint, Cosignature, Entry, LogHead, Subtree


def tree_size() -> int:
    return LogHead.objects.filter(pk=1).values_list("size", flat=True).first() or 0


def fetch_nodes(nodes: Iterable[merkle.Node]) -> dict[merkle.Node, bytes]:
    """Stored hashes of perfect subtrees `(level, index)`; level 0 are leaf hashes."""
    by_level: dict[int, list[int]] = defaultdict(list)
    for level, index in nodes:
        by_level[level].append(index)
    found: dict[merkle.Node, bytes] = {}
    leaves = by_level.pop(0, [])
    if leaves:
        for index, h in Entry.objects.filter(index__in=leaves).values_list("index", "leaf_hash"):
            found[(0, index)] = bytes(h)
    if by_level:
        condition = Q()
        for level, indexes in by_level.items():
            condition |= Q(level=level, index__in=indexes)
        for level, index, h in Subtree.objects.filter(condition).values_list(
            "level", "index", "hash"
        ):
            found[(level, index)] = bytes(h)
    return found


def _check_size(size: int, current: int) -> None:
    if size < 1:
        raise ValidationFailed(_("The tree size must be at least 1."), details={"size": size})
    if size > current:
        raise ValidationFailed(
            _("The tree size %(size)d is larger than the log (%(current)d entries).")
            % {"size": size, "current": current},
            details={"size": size, "tree_size": current},
        )


def root_hash(*, size: int | None = None) -> bytes:
    """MTH of the first `size` entries (default: all); SHA-256("") for the empty log."""
    current = tree_size()
    size = current if size is None else size
    if size == 0:
        return merkle.EMPTY_ROOT
    _check_size(size, current)
    return merkle.proof_hashes([(0, size)], fetch_nodes)[0]


def entry_get(*, index: int) -> Entry:
    entry = Entry.objects.filter(index=index).first() if index >= 0 else None
    if entry is None:
        raise NotFound(_("There is no log entry %(index)d.") % {"index": index})
    return entry


def inclusion_proof(*, index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) (RFC 9162 §2.1.3.1), leaf to root."""
    _check_size(size, tree_size())
    if not 0 <= index < size:
        raise ValidationFailed(
            _("The entry index %(index)d is not in a tree of size %(size)d.")
            % {"index": index, "size": size},
            details={"index": index, "size": size},
        )
    return merkle.proof_hashes(merkle.inclusion_ranges(index, size), fetch_nodes)


def consistency_proof(*, first: int, second: int) -> list[bytes]:
    """PROOF(first, D[second]) (RFC 9162 §2.1.4.1); empty when the sizes are equal."""
    if first < 1:
        raise ValidationFailed(
            _("The first tree size must be at least 1."), details={"first": first}
        )
    if first > second:
        raise ValidationFailed(
            _("The first tree size must not be larger than the second."),
            details={"first": first, "second": second},
        )
    _check_size(second, tree_size())
    return merkle.proof_hashes(merkle.consistency_ranges(first, second), fetch_nodes)


def log_verifier(kid: str | None = None) -> note.Verifier:
    """The note verifier of the node's current key, or of the retired key `kid`."""
    if kid is None:
        kid, private_key = keys.current_signing_key()
        return note.Verifier(conf.origin(), private_key.public_key())
    public = keys.public_keys().get(kid)
    if public is None:
        raise NotFound(_("There is no signing key %(kid)s.") % {"kid": kid})
    return note.Verifier(conf.origin(), public)


def log_verifiers() -> list[note.Verifier]:
    """Verifiers of every key this node ever signed checkpoints with."""
    return [note.Verifier(conf.origin(), k) for k in keys.public_keys().values()]


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
