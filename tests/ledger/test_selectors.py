"""Roots and proofs read from the stored tiles, checked against merkle.py."""

import pytest
from django.core.cache import caches
from django.db import connection

from onestop.core.errors import NotFound, ValidationFailed
from onestop.ledger import merkle, selectors, services, tiles
from onestop.ledger.canonical import leaf_data
from onestop.ledger.models import LogHead, Tile

pytestmark = pytest.mark.django_db

N = 37


@pytest.fixture
def log():
    items = [("test.record", {"i": i}) for i in range(N)]
    services.entries_append_batch(items=items[:20])
    for kind, payload in items[20:]:
        services.entry_append(kind=kind, payload=payload)
    return [merkle.leaf_hash(leaf_data(k, p)) for k, p in items]


def test_roots_at_every_size(log):
    for size in range(1, N + 1):
        assert selectors.root_hash(size=size) == merkle.mth(log[:size])
    assert selectors.root_hash() == merkle.mth(log)


def test_inclusion_proofs_round_trip(log):
    for size in (1, 2, 3, 8, 13, 32, N):
        root = merkle.mth(log[:size])
        for index in range(size):
            proof = selectors.inclusion_proof(index=index, size=size)
            assert proof == merkle.inclusion_proof(index, log[:size])
            merkle.verify_inclusion(index, size, log[index], proof, root)


def test_consistency_proofs_round_trip(log):
    for second in (1, 5, 16, 17, N):
        for first in range(1, second + 1):
            proof = selectors.consistency_proof(first=first, second=second)
            assert proof == merkle.consistency_proof(first, log[:second])
            merkle.verify_consistency(
                first, second, proof, merkle.mth(log[:first]), merkle.mth(log[:second])
            )


@pytest.mark.django_db(transaction=True)  # committed data survives closing the connection
def test_answers_are_the_same_after_a_restart(log, django_assert_max_num_queries):
    before = (
        selectors.root_hash(size=29),
        selectors.inclusion_proof(index=11, size=29),
        selectors.consistency_proof(first=7, second=29),
    )
    for cache in caches.all():
        cache.clear()
    connection.close()
    assert selectors.tree_size() == N  # reconnects
    with django_assert_max_num_queries(9):
        after = (
            selectors.root_hash(size=29),
            selectors.inclusion_proof(index=11, size=29),
            selectors.consistency_proof(first=7, second=29),
        )
    assert after == before


def test_proof_costs_a_constant_number_of_queries(log, django_assert_num_queries):
    with django_assert_num_queries(1):  # the slices of the tiles that hold the hashes
        selectors.inclusion_proof(index=5, size=N)
    with django_assert_num_queries(1):
        selectors.root_hash(size=N - 1)
    with django_assert_num_queries(1):  # the current root comes from the head
        selectors.root_hash()
    with django_assert_num_queries(1):
        selectors.consistency_proof(first=3, second=N)
    with django_assert_num_queries(1):  # leaf hash, root and path together
        found = selectors.inclusion(index=5, size=N)
    assert found.leaf_hash == log[5]
    assert found.root_hash == merkle.mth(log)
    assert found.hashes == merkle.inclusion_proof(5, log)
    with django_assert_num_queries(1):
        both = selectors.consistency(first=3, second=N)
    assert (both.first_root, both.second_root) == (merkle.mth(log[:3]), merkle.mth(log))
    assert both.hashes == merkle.consistency_proof(3, log)


def test_a_size_beyond_the_log_is_refused_with_the_logs_size(log):
    for call in (
        lambda: selectors.inclusion(index=0, size=N + 1),
        lambda: selectors.inclusion_proof(index=N, size=N + 1),
        lambda: selectors.consistency(first=N + 1, second=N + 1),
        lambda: selectors.consistency_proof(first=2, second=N + 300),
        lambda: selectors.root_hash(size=N + 1),
    ):
        with pytest.raises(ValidationFailed, match=f"larger than the log \\({N} entries\\)"):
            call()


def test_a_proof_in_a_big_log_is_one_query(django_assert_num_queries):
    """70,000 entries: 273 full leaf tiles, two tile levels above (c2sp.org/tlog-tiles)."""
    hashes = [merkle.leaf_hash(f"{i}".encode()) for i in range(70_000)]
    rows = tiles.build(hashes)
    assert len(rows) == 273 + 1 + 1 + 1 + 1
    Tile.objects.bulk_create(
        [Tile(level=lv, index=ix, hashes=h, inner=i) for (lv, ix), (h, i) in rows.items()]
    )
    LogHead.objects.create(pk=1, size=70_000, frontier=b"")
    root = merkle.proof_hashes([(0, 70_000)], lambda nodes: tiles.nodes_from_rows(nodes, rows))[0]
    with django_assert_num_queries(1):
        proof = selectors.inclusion_proof(index=12_345, size=70_000)
    merkle.verify_inclusion(12_345, 70_000, hashes[12_345], proof, root)
    with django_assert_num_queries(1):
        proof = selectors.consistency_proof(first=65_537, second=70_000)
    first_root = merkle.proof_hashes([(0, 65_537)], selectors.fetch_nodes)[0]
    merkle.verify_consistency(65_537, 70_000, proof, first_root, root)


def test_bad_sizes_and_indexes(log):
    with pytest.raises(ValidationFailed):
        selectors.inclusion_proof(index=0, size=0)
    with pytest.raises(ValidationFailed):
        selectors.inclusion_proof(index=0, size=N + 1)
    with pytest.raises(ValidationFailed):
        selectors.inclusion_proof(index=5, size=5)
    with pytest.raises(ValidationFailed):
        selectors.consistency_proof(first=6, second=5)
    with pytest.raises(ValidationFailed):
        selectors.consistency_proof(first=0, second=5)
    with pytest.raises(ValidationFailed):
        selectors.consistency_proof(first=1, second=N + 1)
    with pytest.raises(NotFound):
        selectors.entry_get(index=N)
    assert selectors.entry_get(index=N - 1).payload == {"i": N - 1}


def test_empty_log_root():
    assert selectors.tree_size() == 0
    assert selectors.root_hash() == merkle.EMPTY_ROOT
