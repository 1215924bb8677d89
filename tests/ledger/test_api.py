"""/api/v1/ledger: the public read API and its error shape."""

import base64

import pytest

from onestop.core import keys
from onestop.ledger import merkle, note, services
from onestop.ledger.canonical import leaf_data
from onestop.ledger.models import Checkpoint, Entry

pytestmark = pytest.mark.django_db

BASE = "/api/v1/ledger"
ORIGIN = "onestop.371121.example/ledger"


@pytest.fixture
def hashes():
    items = [("test.record", {"i": i, "who": "窗口"}) for i in range(6)]
    services.entries_append_batch(items=items)
    return [merkle.leaf_hash(leaf_data(k, p)) for k, p in items]


def _b(s):
    return base64.b64decode(s)


def test_checkpoint_is_a_signed_note_verifiable_with_the_published_vkey(client, hashes):
    response = client.get(f"{BASE}/checkpoint")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    vkey = client.get(f"{BASE}/key").json()["vkey"]
    checkpoint = note.verify_checkpoint(response.content.decode(), note.parse_vkey(vkey))
    assert (checkpoint.origin, checkpoint.size) == (ORIGIN, 6)
    assert checkpoint.root_hash == merkle.mth(hashes)


def test_key(client):
    body = client.get(f"{BASE}/key").json()
    kid, private = keys.current_signing_key("ledger")
    verifier = note.Verifier(ORIGIN, private.public_key())
    assert body == {
        "kid": kid,
        "algorithm": "Ed25519",
        "public_key": note.b64(note.raw_public_key(private.public_key())),
        "name": ORIGIN,
        "key_id": verifier.key_id.hex(),
        "vkey": verifier.vkey,
        "witness_name": "onestop.371121.example/witness",
        "witness_vkey": note.Verifier(
            "onestop.371121.example/witness",
            keys.current_signing_key("witness")[1].public_key(),
            note.SIG_COSIGNATURE_V1,
        ).vkey,
    }


def test_entry(client, hashes):
    body = client.get(f"{BASE}/entries/2").json()
    assert body["index"] == 2
    assert body["kind"] == "test.record"
    assert body["payload"] == {"i": 2, "who": "窗口"}
    assert _b(body["leaf_hash"]) == hashes[2]
    assert body["created_at"]


def test_inclusion_proof_verifies_against_the_checkpoint_root(client, hashes):
    body = client.get(f"{BASE}/proof/inclusion", {"index": 4, "size": 6}).json()
    assert (body["index"], body["size"]) == (4, 6)
    assert _b(body["root_hash"]) == merkle.mth(hashes)
    merkle.verify_inclusion(
        4, 6, _b(body["leaf_hash"]), [_b(h) for h in body["hashes"]], merkle.mth(hashes)
    )


def test_consistency_proof(client, hashes):
    body = client.get(f"{BASE}/proof/consistency", {"first": 3, "second": 6}).json()
    assert _b(body["first_root"]) == merkle.mth(hashes[:3])
    merkle.verify_consistency(
        3, 6, [_b(h) for h in body["hashes"]], _b(body["first_root"]), _b(body["second_root"])
    )
    same = client.get(f"{BASE}/proof/consistency", {"first": 6, "second": 6}).json()
    assert same["hashes"] == []


@pytest.mark.parametrize(
    ("url", "params", "status", "code"),
    [
        ("/entries/6", {}, 404, "not_found"),
        ("/entries/abc", {}, 422, "invalid"),
        ("/entries/-1", {}, 422, "invalid"),
        ("/proof/inclusion", {"index": 6, "size": 6}, 400, "invalid"),
        ("/proof/inclusion", {"index": 0, "size": 0}, 422, "invalid"),
        ("/proof/inclusion", {"index": 0, "size": 7}, 400, "invalid"),
        ("/proof/inclusion", {"index": "x", "size": 3}, 422, "invalid"),
        ("/proof/inclusion", {"size": 3}, 422, "invalid"),
        ("/proof/inclusion", {"index": 1, "size": "1.5"}, 422, "invalid"),
        ("/proof/consistency", {"first": 4, "second": 3}, 400, "invalid"),
        ("/proof/consistency", {"first": 0, "second": 3}, 422, "invalid"),
        ("/proof/consistency", {"first": 1, "second": 7}, 400, "invalid"),
        ("/proof/consistency", {"first": "one", "second": 3}, 422, "invalid"),
    ],
)
@pytest.mark.usefixtures("hashes")
def test_bad_input_gets_the_error_shape_and_changes_nothing(client, url, params, status, code):
    response = client.get(f"{BASE}{url}", params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code
    assert body["message"]
    assert Entry.objects.count() == 6
    assert Checkpoint.objects.count() == 0


def test_error_message_is_english_when_asked(client, hashes):
    response = client.get(
        f"{BASE}/proof/consistency", {"first": 4, "second": 3}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.json()["message"] == ("The first tree size must not be larger than the second.")
