"""The e-licence format: W3C VC 2.0 secured as a compact JWS (VC-JOSE-COSE, `vc+jwt`).

Pure functions, no database: build and sign a credential, build a Bitstring Status List,
and verify a token offline against a JWKS and a status lookup. See docs/credentials.md.

The JWS algorithm is ``Ed25519`` (RFC 9864, the fully specified name); tokens whose header
says the older, polymorphic ``EdDSA`` are still accepted when the key is an Ed25519 key.
joserfc 1.8 refuses both unless they are passed in ``algorithms=`` explicitly.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.utils.translation import gettext as _
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from onestop.core import dates

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
ALG = "Ed25519"
ACCEPTED_ALGS = ("Ed25519", "EdDSA")
TYP = "vc+jwt"
MEDIA_TYPE = "application/vc+jwt"

_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


def b64url_decode(text: str) -> bytes:
    if not _B64URL.match(text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_rfc3339(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def pascal_case(key: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_\s]+", key) if part)


# --- keys -------------------------------------------------------------------------------


def public_jwk(kid: str, key: Ed25519PublicKey) -> dict[str, Any]:
    jwk = dict(OKPKey.import_key(key).as_dict(private=False))
    jwk.update({"kid": kid, "use": "sig", "alg": ALG})
    return jwk


def jwks_document(keys: Mapping[str, Ed25519PublicKey]) -> dict[str, Any]:
    return {"keys": [public_jwk(kid, key) for kid, key in sorted(keys.items())]}


def _keys_by_kid(jwks: Mapping[str, Any]) -> dict[str, OKPKey]:
    found: dict[str, OKPKey] = {}
    for entry in jwks.get("keys", []) if isinstance(jwks, Mapping) else []:
        if not isinstance(entry, Mapping) or entry.get("kty") != "OKP":
            continue
        if entry.get("crv") != "Ed25519" or not isinstance(entry.get("kid"), str):
            continue
        public = {k: entry[k] for k in ("kty", "crv", "x") if k in entry}
        try:
            found[entry["kid"]] = OKPKey.import_key(public)
        except (JoseError, ValueError, TypeError):
            continue
    return found


# --- signing ----------------------------------------------------------------------------


def sign(payload: Mapping[str, Any], *, kid: str, key: Ed25519PrivateKey) -> str:
    """The compact JWS of `payload` (the credential itself, no `vc` wrapper)."""
    header = {"alg": ALG, "typ": TYP, "cty": "vc", "kid": kid}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return jws.serialize_compact(header, body, OKPKey.import_key(key), algorithms=[ALG])


# --- status list ------------------------------------------------------------------------


def encode_bitstring(indexes: Iterable[int], size: int) -> str:
    """Multibase base64url (prefix ``u``) of the GZIP of a `size`-bit string; bit i is the
    i-th bit from the left (the most significant bit of byte i // 8)."""
    bits = bytearray(size // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + b64url_encode(gzip.compress(bytes(bits), mtime=0))


def decode_bitstring(encoded: str) -> bytes:
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise ValueError("encodedList is not multibase base64url")
    return gzip.decompress(b64url_decode(encoded[1:]))


def bit_is_set(bits: bytes, index: int) -> bool:
    if index < 0 or index // 8 >= len(bits):
        raise IndexError(index)
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_list_credential(
    *, url: str, issuer: Mapping[str, Any], indexes: Iterable[int], size: int, now: datetime
) -> dict[str, Any]:
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": dict(issuer),
        "validFrom": rfc3339(now),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_bitstring(indexes, size),
        },
    }


# --- verification -----------------------------------------------------------------------


@dataclass
class VerificationResult:
    """The outcome of verifying a token: `errors` are translated sentences, `codes` the
    matching stable keys, `credential` a summary of a correctly signed credential (or {})."""

    valid: bool
    errors: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    credential: dict[str, Any] = field(default_factory=dict)

    def fail(self, code: str, message: str) -> VerificationResult:
        self.valid = False
        self.codes.append(code)
        self.errors.append(message)
        return self


# lookup(url, index) -> True (revoked), False (not revoked) or None (cannot tell)
StatusLookup = Callable[[str, int], bool | None]


def _message(code: str, **params: str) -> str:
    messages = {
        "malformed": _(
            "This is not the text of an e-licence: it is incomplete or damaged. Scan the QR code "
            "again or copy the whole text."
        ),
        "wrong_type": _("This is not an e-licence: it is another kind of signed document."),
        "algorithm": _("This e-licence is signed in a way this service does not accept."),
        "unknown_key": _(
            "This e-licence was not signed by a key its issuer has published: it may be forged."
        ),
        "bad_signature": _(
            "The signature does not match: the e-licence was altered or was not issued by "
            "this issuer."
        ),
        "not_vc": _("The signed content is not an e-licence."),
        "not_yet_valid": _("The e-licence is not valid yet: it is valid from %(date)s."),
        "expired": _("The e-licence has expired: it was valid until %(date)s."),
        "revoked": _("The e-licence has been revoked by its issuer."),
        "status_unknown": _("Whether the e-licence has been revoked could not be checked."),
    }
    return messages[code] % params if params else messages[code]


def mask_name(name: str) -> str:
    name = name.strip()
    if len(name) <= 1:
        return "*" if name else ""
    return name[0] + "*" * (len(name) - 1)


def _summary(payload: Mapping[str, Any]) -> dict[str, Any]:
    subject = payload.get("credentialSubject")
    subject = subject if isinstance(subject, Mapping) else {}
    licence = payload.get("licence")
    licence = licence if isinstance(licence, Mapping) else {}
    issuer = payload.get("issuer")
    issuer = issuer if isinstance(issuer, Mapping) else {"id": issuer}
    holder_id = str(subject.get("id", ""))
    name = str(subject.get("name", ""))
    is_business = holder_id.startswith("urn:uscc:")
    names = licence.get("name") if isinstance(licence.get("name"), Mapping) else {}
    return {
        "id": payload.get("id", ""),
        "licence_type": licence.get("type", ""),
        "licence_name_zh": (names or {}).get("zh", ""),
        "licence_name_en": (names or {}).get("en", ""),
        "number": licence.get("number", ""),
        "holder_name": name if is_business else mask_name(name),
        "issuer_id": issuer.get("id", ""),
        "issuer_name": issuer.get("name", ""),
        "issuer_department": licence.get("issuerDepartment", ""),
        "trust_level": licence.get("trustLevel", ""),
        "valid_from": payload.get("validFrom", ""),
        "valid_until": payload.get("validUntil") or "",
        "status": "unknown",
    }


def _decode_segments(token: str) -> tuple[dict[str, Any], bytes] | None:
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        return None
    try:
        header = json.loads(b64url_decode(parts[0]))
        payload = b64url_decode(parts[1])
        b64url_decode(parts[2])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(header, dict):
        return None
    return header, payload


def token_kid(token: Any) -> str | None:
    """The `kid` of a compact token's header, unverified (to choose the key and the issuer's
    node; the signature is checked with that key afterwards)."""
    decoded = _decode_segments(token) if isinstance(token, str) else None
    kid = decoded[0].get("kid") if decoded else None
    return kid if isinstance(kid, str) else None


def token_valid_until(token: Any) -> datetime | None:
    """The `validUntil` of a compact token's payload, unverified (for a token this node verified
    when it stored it: does it still count as held?); None when it has none or cannot be read."""
    decoded = _decode_segments(token) if isinstance(token, str) else None
    if decoded is None:
        return None
    try:
        payload = json.loads(decoded[1])
    except (ValueError, UnicodeDecodeError):
        return None
    return parse_rfc3339(payload.get("validUntil")) if isinstance(payload, dict) else None


def _is_vc2(payload: Any) -> bool:
    if not isinstance(payload, dict):
        return False
    context = payload.get("@context")
    types = payload.get("type")
    return (
        isinstance(context, list)
        and bool(context)
        and context[0] == VC_CONTEXT
        and isinstance(types, list)
        and "VerifiableCredential" in types
        and isinstance(payload.get("credentialSubject"), dict)
        and payload.get("issuer") is not None
    )


def verify_signed(  # noqa: PLR0911 (one early return per failed check)
    token: Any, jwks: Mapping[str, Any]
) -> tuple[VerificationResult, dict[str, Any]]:
    """Check shape, header, key and signature, and that the payload is a VC 2.0.

    Returns the result (valid so far, or failed) and the payload (empty when untrusted).
    """
    result = VerificationResult(valid=True)
    if not isinstance(token, str) or len(token) > 20_000:
        return result.fail("malformed", _message("malformed")), {}
    token = "".join(token.split())
    decoded = _decode_segments(token)
    if decoded is None:
        return result.fail("malformed", _message("malformed")), {}
    header, _raw = decoded
    if header.get("typ") != TYP:
        return result.fail("wrong_type", _message("wrong_type")), {}
    alg = header.get("alg")
    if alg not in ACCEPTED_ALGS:
        return result.fail("algorithm", _message("algorithm")), {}
    key = _keys_by_kid(jwks).get(str(header.get("kid", "")))
    if key is None:
        return result.fail("unknown_key", _message("unknown_key")), {}
    try:
        with warnings.catch_warnings():
            # joserfc warns that "EdDSA" is deprecated by RFC 9864; we accept old tokens.
            warnings.simplefilter("ignore")
            obj = jws.deserialize_compact(token, key, algorithms=[str(alg)])
    except (JoseError, ValueError):
        return result.fail("bad_signature", _message("bad_signature")), {}
    try:
        payload = json.loads(obj.payload)
    except (ValueError, UnicodeDecodeError):
        return result.fail("not_vc", _message("not_vc")), {}
    if not _is_vc2(payload):
        return result.fail("not_vc", _message("not_vc")), {}
    return result, payload


def status_list_bits(token: str, jwks: Mapping[str, Any], *, url: str) -> bytes | None:
    """The bitstring of a signed status list credential for `url`, or None if it does not
    verify, is not a BitstringStatusListCredential or is for another list."""
    result, payload = verify_signed(token, jwks)
    if not result.valid or "BitstringStatusListCredential" not in payload.get("type", []):
        return None
    subject = payload["credentialSubject"]
    if payload.get("id") != url or subject.get("statusPurpose") != "revocation":
        return None
    try:
        return decode_bitstring(subject.get("encodedList"))
    except (ValueError, OSError, EOFError):
        return None


def verify(
    token: Any, *, jwks: Mapping[str, Any], status: StatusLookup, now: datetime
) -> VerificationResult:
    """Verify an e-licence token offline. Signature problems stop the checks (the payload
    is not trusted then); validity and revocation problems are all reported."""
    result, payload = verify_signed(token, jwks)
    if not result.valid:
        return result
    result.credential = _summary(payload)
    valid_from = parse_rfc3339(payload.get("validFrom"))
    valid_until = parse_rfc3339(payload.get("validUntil")) if "validUntil" in payload else None
    if valid_from is None or ("validUntil" in payload and valid_until is None):
        return result.fail("not_vc", _message("not_vc"))
    if now < valid_from:
        result.fail("not_yet_valid", _message("not_yet_valid", date=dates.date_text(valid_from)))
    if valid_until is not None and now > valid_until:
        result.fail("expired", _message("expired", date=dates.date_text(valid_until)))
    entry = payload.get("credentialStatus")
    revoked: bool | None = None
    if isinstance(entry, Mapping) and entry.get("type") == "BitstringStatusListEntry":
        try:
            index = int(entry.get("statusListIndex", ""))
        except (TypeError, ValueError):
            index = -1
        url = entry.get("statusListCredential")
        if index >= 0 and isinstance(url, str) and entry.get("statusPurpose") == "revocation":
            revoked = status(url, index)
    if revoked is None:
        result.fail("status_unknown", _message("status_unknown"))
    elif revoked:
        result.fail("revoked", _message("revoked"))
    result.credential["status"] = {None: "unknown", True: "revoked", False: "active"}[revoked]
    return result


def bits_lookup(bits_by_url: Mapping[str, bytes | None]) -> StatusLookup:
    """A status lookup over already-fetched bitstrings (offline verification)."""

    def lookup(url: str, index: int) -> bool | None:
        bits = bits_by_url.get(url)
        if bits is None:
            return None
        try:
            return bit_is_set(bits, index)
        except IndexError:
            return None

    return lookup
