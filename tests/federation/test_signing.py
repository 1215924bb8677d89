"""RFC 9421 signatures as OneStop uses them: the RFC's own Ed25519 test vector, the request
and response signatures, and each way a signature fails."""

from __future__ import annotations

import datetime
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from http_message_signatures import HTTPMessageSigner, HTTPSignatureKeyResolver, algorithms

from onestop.federation import signing

# RFC 9421 Appendix B.1.4 (test-key-ed25519) and B.2.6 (signing a request using ed25519)
RFC_KEY = (
    b"-----BEGIN PRIVATE KEY-----\n"
    b"MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF\n"
    b"-----END PRIVATE KEY-----\n"
)
RFC_B26 = (
    "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw"
    "==:"
)
URL = "https://node.example/federation/v1/messages"
BODY = b'{"id":"x"}'


def test_the_library_reproduces_the_rfc_9421_ed25519_vector() -> None:
    key = load_pem_private_key(RFC_KEY, None)

    class Keys(HTTPSignatureKeyResolver):
        def resolve_private_key(self, key_id: str) -> object:
            return key

    request = signing.Request(
        "POST",
        "https://example.com/foo?param=Value&Pet=dog",
        signing.headers_of(
            {
                "Host": "example.com",
                "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
                "Content-Type": "application/json",
                "Content-Digest": "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+"
                "AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
                "Content-Length": "18",
            }
        ),
    )
    HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=Keys()).sign(
        request,
        key_id="test-key-ed25519",
        created=datetime.datetime.fromtimestamp(1618884473, datetime.UTC),
        label="sig-b26",
        include_alg=False,
        covered_component_ids=(
            "date",
            "@method",
            "@path",
            "@authority",
            "content-type",
            "content-length",
        ),
        use_existing_digest=True,
    )
    assert request.headers["Signature-Input"] == (
        'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length")'
        ';created=1618884473;keyid="test-key-ed25519"'
    )
    assert request.headers["Signature"] == RFC_B26


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _signed(key: Ed25519PrivateKey, body: bytes = BODY, **kwargs: object) -> signing.Request:
    request = signing.Request("POST", URL)
    signing.sign_request(request, body, keyid="371121:k1", private_key=key, **kwargs)  # type: ignore[arg-type]
    return request


def test_a_request_signature_covers_what_the_protocol_names(key: Ed25519PrivateKey) -> None:
    request = _signed(key, nonce="n-1")
    sig_input = request.headers["Signature-Input"]
    assert sig_input.startswith(
        'onestop=("@method" "@target-uri" "content-digest" "content-type");created='
    )
    assert 'keyid="371121:k1"' in sig_input
    assert 'alg="ed25519"' in sig_input
    assert 'nonce="n-1"' in sig_input
    assert request.headers["Content-Digest"] == signing.content_digest(BODY)
    verified = signing.verify_request(request, BODY, lambda keyid: key.public_key())
    assert (verified.region, verified.kid, verified.nonce) == ("371121", "k1", "n-1")


def _refusal(request: signing.Request, body: bytes, lookup: object, **kw: object) -> str:
    with pytest.raises(signing.SignatureRefused) as refused:
        signing.verify_request(request, body, lookup, **kw)  # type: ignore[arg-type]
    return refused.value.code


def test_each_way_a_request_signature_fails(key: Ed25519PrivateKey) -> None:
    mine = lambda keyid: key.public_key()  # noqa: E731
    request = _signed(key)
    assert _refusal(signing.Request("POST", URL), BODY, mine) == "unsigned"
    assert _refusal(request, BODY, lambda keyid: None) == "unknown_key"
    other = Ed25519PrivateKey.generate()
    assert _refusal(request, BODY, lambda keyid: other.public_key()) == "bad_signature"
    assert _refusal(request, b'{"id":"y"}', mine) == "bad_digest"
    assert _refusal(request, BODY, mine, now=time.time() + 301) == "stale_signature"
    assert _refusal(request, BODY, mine, now=time.time() - 301) == "stale_signature"
    moved = signing.Request("POST", URL.replace("node.example", "other.example"), request.headers)
    assert _refusal(moved, BODY, mine) == "bad_signature"


def test_a_signature_without_the_required_components_is_refused(key: Ed25519PrivateKey) -> None:
    request = signing.Request("POST", URL)
    request.headers["Content-Type"] = "application/json"
    request.headers["Content-Digest"] = signing.content_digest(BODY)

    class Keys(HTTPSignatureKeyResolver):
        def resolve_private_key(self, key_id: str) -> object:
            return key

    HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=Keys()).sign(
        request,
        key_id="371121:k1",
        nonce="n",
        label="onestop",
        tag=signing.TAG,
        covered_component_ids=("@method", "content-digest"),  # no target URI, no type
        use_existing_digest=True,
    )
    assert _refusal(request, BODY, lambda keyid: key.public_key()) == "bad_signature"


def test_a_response_is_bound_to_the_request_it_answers(key: Ed25519PrivateKey) -> None:
    request = _signed(key)
    response = signing.Response(200, signing.headers_of({}), request)
    signing.sign_response(response, b'{"ok":true}', keyid="320707:k2", private_key=key)
    assert '"signature";req' in response.headers["Signature-Input"]
    lookup = lambda keyid: key.public_key()  # noqa: E731
    assert signing.verify_response(response, b'{"ok":true}', lookup).region == "320707"
    # the same response replayed onto another request does not verify
    replayed = signing.Response(200, response.headers, _signed(key))
    with pytest.raises(signing.SignatureRefused):
        signing.verify_response(replayed, b'{"ok":true}', lookup)
    # nor with another status
    other_status = signing.Response(403, response.headers, request)
    with pytest.raises(signing.SignatureRefused):
        signing.verify_response(other_status, b'{"ok":true}', lookup)
