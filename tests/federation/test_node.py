"""The node document: its shape, its proof, pinning by fingerprint, and a key rotation that is
accepted only when the old federation key endorsed the new one."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from typing import Any

import pytest
from django.conf import settings

from onestop.core import keys
from onestop.core.actors import SYSTEM
from onestop.federation import handlers, node, selectors, services
from onestop.ledger.canonical import canonical_json

pytestmark = pytest.mark.django_db


def _doc(client: Any) -> dict[str, Any]:
    response = client.get("/.well-known/onestop-node.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "max-age=" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]
    return json.loads(response.content)


def test_the_node_document_lists_keys_types_and_the_witness_vkey(client: Any, org: None) -> None:
    handlers.register_dataset("test.household")
    try:
        doc = _doc(client)
    finally:
        handlers.unregister_dataset("test.household")
    assert doc["region"] == settings.NODE_REGION
    assert doc["url"] == settings.PUBLIC_URL
    assert doc["name"]
    assert {k["use"] for k in doc["keys"]} == {"federation", "ledger", "witness", "credentials"}
    for key in doc["keys"]:
        assert key["alg"] == "ed25519"
        assert len(base64.b64decode(key["public_key"])) == 32
        assert key["kid"] in keys.public_keys(key["use"])
    assert "ping" in doc["message_types"]
    assert "test.household" in doc["datasets"]
    _witness_kid, witness_key = keys.current_signing_key("witness")
    raw = witness_key.public_key().public_bytes_raw()
    assert doc["witness_vkey"].endswith(base64.b64encode(b"\x04" + raw).decode())
    # the proof: the current federation key over the canonical document without it
    federation_kid, federation_key = keys.current_signing_key("federation")
    assert doc["proof"]["kid"] == federation_kid
    unsigned = {k: v for k, v in doc.items() if k != "proof"}
    federation_key.public_key().verify(
        base64.b64decode(doc["proof"]["signature"]), canonical_json(unsigned)
    )


def test_the_fingerprint_is_the_sha256_of_the_raw_federation_key(org: None) -> None:
    _kid, key = keys.current_signing_key("federation")
    assert node.fingerprint() == hashlib.sha256(key.public_key().public_bytes_raw()).hexdigest()


def _this_doc() -> dict[str, Any]:
    return node.document(selectors.key_endorsements())


def test_pinning_needs_the_right_fingerprint_and_an_intact_proof(org: None) -> None:
    doc = _this_doc()
    checked = node.check(doc, fingerprint=node.fingerprint().upper())
    assert checked.region == settings.NODE_REGION
    assert {k["use"] for k in checked.keys} == {"federation", "ledger", "witness", "credentials"}
    with pytest.raises(node.DocumentRefused) as wrong:
        node.check(doc, fingerprint="ab" * 32)
    assert wrong.value.code == "fingerprint_mismatch"
    forged = copy.deepcopy(doc)
    forged["url"] = "https://evil.example"
    with pytest.raises(node.DocumentRefused) as bad:
        node.check(forged, fingerprint=node.fingerprint())
    assert bad.value.code == "bad_proof"


def test_a_rotation_endorsed_by_the_old_key_is_followed(org: None) -> None:
    pinned = node.check(_this_doc(), fingerprint=node.fingerprint()).keys
    old_kid = next(k["kid"] for k in pinned if k["use"] == "federation")
    new_kid = services.federation_key_rotate(actor=SYSTEM)
    services.federation_key_rotate(actor=SYSTEM)  # and once more: the chain is followed
    checked = node.check(_this_doc(), pinned=pinned, region=settings.NODE_REGION)
    federation = {k["kid"] for k in checked.keys if k["use"] == "federation"}
    assert {old_kid, new_kid} < federation
    assert checked.fingerprint == node.fingerprint()


def test_a_rotation_without_endorsement_is_refused(org: None) -> None:
    pinned = node.check(_this_doc(), fingerprint=node.fingerprint()).keys
    keys.rotate("federation")  # the plain key command: nothing endorses the new key
    with pytest.raises(node.DocumentRefused) as refused:
        node.check(_this_doc(), pinned=pinned)
    assert refused.value.code == "rotation_not_proven"


def test_a_document_of_another_region_is_refused_on_refresh(org: None) -> None:
    doc = _this_doc()
    pinned = node.check(doc, fingerprint=node.fingerprint()).keys
    with pytest.raises(node.DocumentRefused) as refused:
        node.check(doc, pinned=pinned, region="320707")
    assert refused.value.code == "region_changed"
