"""The public e-licence API: JWKS, status lists and verification."""

from __future__ import annotations

import json
from typing import Any

import pytest

from onestop.accounts.models import User
from onestop.credentials import selectors, vc
from onestop.credentials.services import credential_revoke

pytestmark = pytest.mark.django_db


def test_jwks_lists_every_key_in_both_places(client: Any, issue: Any) -> None:
    from onestop.core import keys

    issue()
    keys.rotate("credentials")
    body = client.get("/api/v1/credentials/jwks").json()
    assert len(body["keys"]) == 2
    assert {(k["kty"], k["crv"], k["alg"], k["use"]) for k in body["keys"]} == {
        ("OKP", "Ed25519", "Ed25519", "sig")
    }
    assert {k["kid"] for k in body["keys"]} == set(keys.public_keys("credentials"))
    assert client.get("/.well-known/jwks.json").json() == body


def test_status_list_is_a_signed_vc_jwt(client: Any, issue: Any, world: dict[str, User]) -> None:
    credential = issue()
    credential_revoke(actor=world["officer-ps"], credential=credential, reason="Lost")
    response = client.get("/api/v1/credentials/status/1")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+jwt"
    token = response.content.decode()
    result, payload = vc.verify_signed(token, selectors.node_jwks())
    assert result.valid is True
    assert payload["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert payload["id"] == "https://onestop.371121.example/api/v1/credentials/status/1"
    encoded = payload["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")
    bits = vc.decode_bitstring(encoded)
    assert len(bits) * 8 >= 131_072
    assert vc.bit_is_set(bits, credential.status_index)
    missing = client.get("/api/v1/credentials/status/99")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


def _verify(client: Any, body: Any) -> Any:
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(
        "/api/v1/credentials/verify",
        data=data,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_verify_valid_and_invalid(client: Any, issue: Any) -> None:
    token = issue(number="API-1").token
    ok = _verify(client, {"token": token})
    assert ok.status_code == 200
    assert ok.json()["valid"] is True
    assert ok.json()["errors"] == []
    assert ok.json()["credential"]["number"] == "API-1"
    assert ok.json()["credential"]["holder_name"] == "张*"

    head, body, sig = token.split(".")
    bad = _verify(client, {"token": f"{head}.{body[:-3]}xyz.{sig}"})
    assert bad.status_code == 200
    assert bad.json()["valid"] is False
    assert bad.json()["codes"] == ["bad_signature"]
    assert bad.json()["credential"] is None

    for garbage in ("", "garbage", token[:50], "a.b.c"):
        answer = _verify(client, {"token": garbage})
        assert answer.status_code == 200
        assert answer.json()["codes"] == ["malformed"]
        assert answer.json()["errors"] == [
            "This is not the text of an e-licence: it is incomplete or damaged. Scan the QR code "
            "again or copy the whole text."
        ]


@pytest.mark.parametrize("body", ["not json", "[]", "{}", '{"token": 5}', "null"])
def test_verify_malformed_body_is_400(client: Any, world: dict[str, User], body: str) -> None:
    response = _verify(client, body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_body"
    assert response.json()["message"] == 'Send a JSON object with the credential in "token".'
