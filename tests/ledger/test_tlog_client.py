"""An independent C2SP tlog-tiles client (tlog-scales, from PyPI) reads the node's log over
HTTP: it verifies the signed checkpoint with the node's key, fetches tiles and entry bundles,
recomputes the root and checks inclusion and consistency, with no help from /api/v1."""

from typing import Any

import pytest
from tlog_scales.backend import HttpBackend
from tlog_scales.reader import TilesReader
from tlog_scales.signing import Vkey
from tlog_scales.tiles import leaf_hash

from onestop.ledger import selectors, services
from onestop.ledger.canonical import leaf_data

pytestmark = pytest.mark.django_db(transaction=True)

FIRST, SECOND = 300, 66_100  # the second spans full tiles at levels 0 and 1, partial ones above


def _items(start: int, end: int) -> list[tuple[str, dict[str, Any]]]:
    return [("test.record", {"i": i, "名": "记录"}) for i in range(start, end)]


def test_tlog_scales_verifies_the_served_log(live_server: Any) -> None:
    services.entries_append_batch(items=_items(0, FIRST))
    prefix = f"{live_server.url}/ledger"
    old = TilesReader(HttpBackend(prefix)).get_checkpoint()
    assert old.size == FIRST
    for start in range(FIRST, SECOND, 5000):
        services.entries_append_batch(items=_items(start, min(start + 5000, SECOND)))

    reader = TilesReader(HttpBackend(prefix))
    checkpoint = reader.get_checkpoint()
    assert (checkpoint.origin, checkpoint.size) == ("onestop.371121.example/ledger", SECOND)
    vkey = Vkey.from_string(selectors.log_verifier().vkey)
    checkpoint.verify(vkey)  # raises unless our Ed25519 signature verifies
    assert reader.calculate_root_hash() == checkpoint.root_hash

    for index in [0, 1, 255, 256, 65_535, 65_536, SECOND - 1]:
        entry = reader.get_entry(index)
        kind, payload = _items(index, index + 1)[0]
        assert entry == leaf_data(kind, payload)
        proof = reader.get_inclusion_proof(index, checkpoint.size)
        proof.check(leaf_hash(entry), checkpoint.root_hash)  # raises if it does not lead there
        assert proof.node_hashes == selectors.inclusion_proof(index=index, size=SECOND)

    consistency = reader.get_consistency_proof(FIRST, SECOND)
    consistency.check(old.root_hash, checkpoint.root_hash)
    assert consistency.node_hashes == selectors.consistency_proof(first=FIRST, second=SECOND)


def test_tlog_scales_rejects_a_checkpoint_signed_by_another_key(live_server: Any) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from onestop.ledger import conf, note

    services.entries_append_batch(items=_items(0, 3))
    checkpoint = TilesReader(HttpBackend(f"{live_server.url}/ledger")).get_checkpoint()
    stranger = note.Verifier(conf.origin(), Ed25519PrivateKey.generate().public_key())
    with pytest.raises(RuntimeError, match="no signature matched"):
        checkpoint.verify(Vkey.from_string(stranger.vkey))
