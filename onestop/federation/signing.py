"""HTTP Message Signatures (RFC 9421) with Ed25519 and Content-Digest (RFC 9530) for the
node-to-node protocol (docs/federation.md, "Signatures"). No database, no settings.

The signature base is built by the `http-message-signatures` library (RFC 9421 §2.5, including
``;req`` components of the request a response answers); this module fixes what OneStop signs:

- a request: ``("@method" "@target-uri" "content-digest" "content-type")`` with the
  parameters ``created``, ``keyid="<region>:<kid>"``, ``alg="ed25519"``, ``nonce`` and
  ``tag="onestop-federation/v1"``, under the label ``onestop``;
- a response: ``("@status" "content-digest" "content-type" "signature";req)``: the request's
  ``Signature`` field is covered, so a response cannot be replayed onto another request.

`Request` and `Response` are small views the library reads (method, absolute URL, headers;
status, headers, the request answered); the client (`transport`) and the inbox view build them
from `requests` and Django objects.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import http_sf
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    algorithms,
)
from http_message_signatures.exceptions import HTTPMessageSignaturesException, InvalidSignature
from http_message_signatures.structures import CaseInsensitiveDict

LABEL = "onestop"
TAG = "onestop-federation/v1"
REQUEST_COMPONENTS = ("@method", "@target-uri", "content-digest", "content-type")
RESPONSE_COMPONENTS = ("@status", "content-digest", "content-type", '"signature";req')
CONTENT_TYPE = "application/json"


class SignatureRefused(Exception):
    """A message's signature does not hold; `code` says why (all answered with 401):
    ``unsigned``, ``unknown_key``, ``bad_digest``, ``bad_signature``, ``stale_signature``."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass
class Request:
    method: str
    url: str
    headers: CaseInsensitiveDict = field(default_factory=CaseInsensitiveDict)


@dataclass
class Response:
    status_code: int
    headers: CaseInsensitiveDict
    request: Request


@dataclass(frozen=True)
class Verified:
    """What a verified signature says: who signed (``region``, ``kid``), when, with which
    nonce."""

    keyid: str
    region: str
    kid: str
    created: int
    nonce: str | None


def headers_of(pairs: Mapping[str, str] | Any) -> CaseInsensitiveDict:
    return CaseInsensitiveDict(dict(pairs.items()))


def content_digest(body: bytes) -> str:
    """The RFC 9530 ``Content-Digest`` field of `body`: ``sha-256=:<base64>:``."""
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


class _Keys(HTTPSignatureKeyResolver):
    def __init__(
        self,
        private_key: Ed25519PrivateKey | None = None,
        lookup: Callable[[str], Ed25519PublicKey | None] | None = None,
    ) -> None:
        self.private_key = private_key
        self.lookup = lookup

    def resolve_private_key(self, key_id: str) -> Ed25519PrivateKey:
        if self.private_key is None:
            raise _UnknownKey(key_id)
        return self.private_key

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey:
        key = self.lookup(key_id) if self.lookup is not None else None
        if key is None:
            raise _UnknownKey(key_id)
        return key


class _UnknownKey(Exception):
    pass


def _sign(
    message: Request | Response,
    body: bytes,
    components: tuple[str, ...],
    *,
    keyid: str,
    private_key: Ed25519PrivateKey,
    created: datetime.datetime | None,
    nonce: str | None,
) -> None:
    message.headers["Content-Type"] = message.headers.get("Content-Type") or CONTENT_TYPE
    message.headers["Content-Digest"] = content_digest(body)
    signer = HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519, key_resolver=_Keys(private_key)
    )
    signer.sign(
        message,
        key_id=keyid,
        created=created or datetime.datetime.now(datetime.UTC),
        nonce=nonce,
        label=LABEL,
        tag=TAG,
        covered_component_ids=components,
        body=body,
        use_existing_digest=True,
    )


def sign_request(
    request: Request,
    body: bytes,
    *,
    keyid: str,
    private_key: Ed25519PrivateKey,
    created: datetime.datetime | None = None,
    nonce: str | None = None,
) -> None:
    """Add ``Content-Type`` (JSON unless set), ``Content-Digest``, ``Signature-Input`` and
    ``Signature`` to `request` (in place)."""
    _sign(
        request,
        body,
        REQUEST_COMPONENTS,
        keyid=keyid,
        private_key=private_key,
        created=created,
        nonce=nonce or new_nonce(),
    )


def sign_response(
    response: Response,
    body: bytes,
    *,
    keyid: str,
    private_key: Ed25519PrivateKey,
    created: datetime.datetime | None = None,
) -> None:
    """Sign `response`, binding it to the signature of `response.request`."""
    _sign(
        response,
        body,
        RESPONSE_COMPONENTS,
        keyid=keyid,
        private_key=private_key,
        created=created,
        nonce=new_nonce(),
    )


def _check_digest(headers: CaseInsensitiveDict, body: bytes) -> None:
    value = headers.get("Content-Digest")
    if not value:
        raise SignatureRefused("bad_digest", "The message has no Content-Digest.")
    try:
        members: Any = http_sf.parse(value.encode(), tltype="dictionary")
    except Exception as exc:  # the parser raises ValueError subclasses, or worse
        raise SignatureRefused("bad_digest", "The Content-Digest is malformed.") from exc
    known = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}
    checked = False
    for name, (digest, _params) in members.items():
        if name in known:
            if not isinstance(digest, bytes) or not hmac.compare_digest(
                digest, known[name](body).digest()
            ):
                raise SignatureRefused("bad_digest", "The Content-Digest does not match the body.")
            checked = True
    if not checked:
        raise SignatureRefused("bad_digest", "The Content-Digest has no sha-256 member.")


def _verify(
    message: Request | Response,
    body: bytes,
    components: tuple[str, ...],
    lookup: Callable[[str], Ed25519PublicKey | None],
    *,
    skew: int,
    now: float | None,
) -> Verified:
    if "Signature" not in message.headers or "Signature-Input" not in message.headers:
        raise SignatureRefused("unsigned", "The message is not signed.")
    _check_digest(message.headers, body)
    verifier = HTTPMessageVerifier(
        signature_algorithm=algorithms.ED25519, key_resolver=_Keys(lookup=lookup)
    )
    verifier.max_clock_skew = datetime.timedelta(days=3650)  # `created` is checked below
    try:
        results = verifier.verify(
            message, max_age=None, expect_tag=TAG, require_components=components, body=body
        )
    except InvalidSignature as exc:
        if isinstance(exc.__cause__, _UnknownKey):
            raise SignatureRefused("unknown_key", f"Unknown key {exc.__cause__}.") from exc
        raise SignatureRefused("bad_signature", f"The signature does not verify: {exc}") from exc
    except HTTPMessageSignaturesException as exc:
        raise SignatureRefused("bad_signature", f"The signature is malformed: {exc}") from exc
    if len(results) != 1:
        raise SignatureRefused("bad_signature", "Exactly one OneStop signature is expected.")
    params = results[0].parameters
    keyid = str(params.get("keyid", ""))
    created = params.get("created")
    if params.get("alg") != "ed25519" or not isinstance(created, int):
        raise SignatureRefused("bad_signature", 'The signature needs alg="ed25519" and created.')
    clock = datetime.datetime.now(datetime.UTC).timestamp() if now is None else now
    if abs(clock - created) > skew:
        raise SignatureRefused(
            "stale_signature", f"The signature was created {int(clock - created)} s from now."
        )
    region, _, kid = keyid.partition(":")
    nonce = params.get("nonce")
    return Verified(keyid, region, kid, created, str(nonce) if nonce is not None else None)


def verify_request(
    request: Request,
    body: bytes,
    lookup: Callable[[str], Ed25519PublicKey | None],
    *,
    skew: int = 300,
    now: float | None = None,
) -> Verified:
    """Check a request's signature and digest; `lookup(keyid)` answers the pinned public key or
    None. Raises `SignatureRefused`; a request without a nonce is refused too."""
    verified = _verify(request, body, REQUEST_COMPONENTS, lookup, skew=skew, now=now)
    if not verified.nonce:
        raise SignatureRefused("bad_signature", "The signature has no nonce.")
    return verified


def verify_response(
    response: Response,
    body: bytes,
    lookup: Callable[[str], Ed25519PublicKey | None],
    *,
    skew: int = 300,
    now: float | None = None,
) -> Verified:
    """Check a response's signature: it must cover the signature of `response.request`."""
    return _verify(response, body, RESPONSE_COMPONENTS, lookup, skew=skew, now=now)
