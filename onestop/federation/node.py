"""This node's identity document (``/.well-known/onestop-node.json``), its proof, the
fingerprint operators read out to each other, and the check of a peer's document (first
pinning by fingerprint, later refreshes and key rotations by the pinned federation key).

The document (docs/federation.md, "Node document")::

    {"region", "name", "url",
     "keys": [{"kid", "alg": "ed25519", "use", "public_key", "current"}],
     "message_types": [...], "datasets": [...], "witness_vkey",
     "key_endorsements": [{"kid", "public_key", "signed_by", "signature"}],
     "proof": {"kid", "alg": "ed25519", "signature"}}

``proof.signature`` is the Ed25519 signature, by the current ``federation`` key, of the
RFC 8785 canonical JSON of the document without ``proof``. A key endorsement is a federation
key signed by the federation key it replaced (`rotate`), over
``"onestop-federation-key/v1\\n<region>\\n<kid>\\n<public_key>\\n"``: a peer that pinned the
old key follows the chain to the new one; a new key without that chain is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from onestop.core import keys
from onestop.core.urls import public_url
from onestop.federation import conf, handlers
from onestop.ledger import conf as ledger_conf
from onestop.ledger import note
from onestop.ledger.canonical import NotCanonicalError, canonical_json

FEDERATION = "federation"
WELL_KNOWN = "/.well-known/onestop-node.json"
MESSAGES_PATH = "/federation/v1/messages"


class DocumentRefused(Exception):
    """A peer's node document cannot be pinned: `code` and a plain reason."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def fingerprint_of(public_key: Ed25519PublicKey) -> str:
    """SHA-256 (hex) of the raw 32-byte public key."""
    return hashlib.sha256(raw(public_key)).hexdigest()


def fingerprint() -> str:
    """This node's fingerprint: of its current federation key (`onestop peer fingerprint`)."""
    _kid, private_key = keys.current_signing_key(FEDERATION)
    return fingerprint_of(private_key.public_key())


def signing_key() -> tuple[str, str, Ed25519PrivateKey]:
    """(keyid ``<region>:<kid>``, kid, private key) of this node's current federation key."""
    kid, private_key = keys.current_signing_key(FEDERATION)
    return f"{conf.region()}:{kid}", kid, private_key


def endorsement_text(region: str, kid: str, public_key_b64: str) -> bytes:
    return f"onestop-federation-key/v1\n{region}\n{kid}\n{public_key_b64}\n".encode()


def log_vkey() -> str:
    """The signed-note vkey of this node's log (its current ``ledger`` key under the log's
    origin): what a peer needs to witness it."""
    _kid, private_key = keys.current_signing_key("ledger")
    return note.Verifier(ledger_conf.origin(), private_key.public_key()).vkey


def witness_vkey() -> str:
    """The signed-note vkey under which this node cosigns (its current ``witness`` key)."""
    _kid, private_key = keys.current_signing_key("witness")
    verifier = note.Verifier(
        ledger_conf.witness_name(), private_key.public_key(), note.SIG_COSIGNATURE_V1
    )
    return verifier.vkey


def document(endorsements: list[dict[str, str]]) -> dict[str, Any]:
    """This node's signed document; `endorsements` from `selectors.key_endorsements`."""
    listed = []
    for use in keys.USES:
        current, _private = keys.current_signing_key(use)
        for kid, public in keys.public_keys(use).items():
            listed.append(
                {
                    "kid": kid,
                    "alg": "ed25519",
                    "use": use,
                    "public_key": b64(raw(public)),
                    "current": kid == current,
                }
            )
    doc: dict[str, Any] = {
        "region": conf.region(),
        "name": conf.node_name(),
        "url": public_url(),
        "keys": listed,
        "message_types": handlers.message_types(),
        "datasets": handlers.datasets(),
        "witness_vkey": witness_vkey(),
        "log_vkey": log_vkey(),
        "key_endorsements": endorsements,
    }
    _keyid, kid, private_key = signing_key()
    doc["proof"] = {
        "kid": kid,
        "alg": "ed25519",
        "signature": b64(private_key.sign(canonical_json(doc))),
    }
    return doc


def public_key_from(text: Any) -> Ed25519PublicKey:
    try:
        data = base64.b64decode(str(text), validate=True)
        return Ed25519PublicKey.from_public_bytes(data)
    except (binascii.Error, ValueError) as exc:
        raise DocumentRefused("bad_document", f"not an Ed25519 public key: {text!r}") from exc


@dataclass(frozen=True)
class Checked:
    """A peer document that holds: what to pin."""

    region: str
    name: str
    url: str
    keys: list[dict[str, Any]]  # every key to pin (federation keys only when proven)
    fingerprint: str  # of the federation key that signed the document
    document: dict[str, Any]


def _keys_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    found = doc.get("keys")
    if not isinstance(found, list) or not all(isinstance(k, dict) for k in found):
        raise DocumentRefused("bad_document", "The node document has no list of keys.")
    for k in found:
        if k.get("alg") != "ed25519" or k.get("use") not in keys.USES or not k.get("kid"):
            raise DocumentRefused("bad_document", f"The key {k.get('kid')!r} is not usable.")
        public_key_from(k.get("public_key"))
    return found


def _verify(public: Ed25519PublicKey, signature: Any, data: bytes) -> bool:
    try:
        public.verify(base64.b64decode(str(signature), validate=True), data)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def check(
    doc: Any,
    *,
    fingerprint: str | None = None,
    pinned: list[dict[str, Any]] | None = None,
    region: str | None = None,
) -> Checked:
    """Check a peer's node document before pinning it.

    First pinning: `fingerprint` (hex SHA-256 of the raw federation key, read out by the peer's
    operator) must be the key that signed the document. A refresh: `pinned` keys of the peer;
    the signing federation key must be pinned already or endorsed, link by link, by a pinned
    one. Raises `DocumentRefused`."""
    if not isinstance(doc, dict):
        raise DocumentRefused("bad_document", "The node document is not a JSON object.")
    for name in ("region", "url", "proof"):
        if not doc.get(name):
            raise DocumentRefused("bad_document", f"The node document has no {name}.")
    if region is not None and doc["region"] != region:
        raise DocumentRefused(
            "region_changed", f"The document is of region {doc['region']}, not {region}."
        )
    listed = _keys_of(doc)
    proof = doc["proof"]
    if not isinstance(proof, dict) or proof.get("alg") != "ed25519":
        raise DocumentRefused("bad_document", "The document proof is not an ed25519 signature.")
    federation_keys = {k["kid"]: k for k in listed if k["use"] == FEDERATION}
    signer = federation_keys.get(str(proof.get("kid")))
    if signer is None:
        raise DocumentRefused("bad_proof", "The document is not signed by a listed federation key.")
    unsigned = {k: v for k, v in doc.items() if k != "proof"}
    try:
        payload = canonical_json(unsigned)
    except NotCanonicalError as exc:
        raise DocumentRefused("bad_document", str(exc)) from exc
    signer_key = public_key_from(signer["public_key"])
    if not _verify(signer_key, proof.get("signature"), payload):
        raise DocumentRefused("bad_proof", "The document's signature does not verify.")
    trusted_federation: dict[str, dict[str, Any]] = {}
    if pinned is None:
        if fingerprint is None or fingerprint_of(signer_key) != fingerprint.strip().lower():
            raise DocumentRefused(
                "fingerprint_mismatch",
                "The peer's federation key does not have the fingerprint you were given.",
            )
        trusted_federation[signer["kid"]] = signer
    else:
        trusted_federation = {k["kid"]: k for k in pinned if k.get("use") == FEDERATION}
        _follow_endorsements(doc, trusted_federation)
        if signer["kid"] not in trusted_federation or (
            trusted_federation[signer["kid"]]["public_key"] != signer["public_key"]
        ):
            raise DocumentRefused(
                "rotation_not_proven",
                "The document is signed by a new federation key that no pinned key endorsed.",
            )
    to_pin = [k for k in listed if k["use"] != FEDERATION]
    to_pin += [{**k, "current": k["kid"] == signer["kid"]} for k in trusted_federation.values()]
    return Checked(
        region=str(doc["region"]),
        name=str(doc.get("name") or ""),
        url=str(doc["url"]).rstrip("/"),
        keys=to_pin,
        fingerprint=fingerprint_of(signer_key),
        document=doc,
    )


def _follow_endorsements(doc: dict[str, Any], trusted: dict[str, dict[str, Any]]) -> None:
    """Add to `trusted` every federation key endorsed by a trusted one (in any order)."""
    endorsements = doc.get("key_endorsements") or []
    if not isinstance(endorsements, list):
        raise DocumentRefused("bad_document", "key_endorsements is not a list.")
    grew = True
    while grew:
        grew = False
        for e in endorsements:
            if not isinstance(e, dict) or e.get("kid") in trusted:
                continue
            by = trusted.get(str(e.get("signed_by")))
            if by is None:
                continue
            text = endorsement_text(str(doc["region"]), str(e.get("kid")), str(e.get("public_key")))
            if _verify(public_key_from(by["public_key"]), e.get("signature"), text):
                trusted[str(e["kid"])] = {
                    "kid": str(e["kid"]),
                    "alg": "ed25519",
                    "use": FEDERATION,
                    "public_key": str(e["public_key"]),
                }
                grew = True


def public_key(pinned: list[dict[str, Any]], use: str, kid: str) -> Ed25519PublicKey | None:
    """The pinned key `kid` of `use`, or None."""
    for k in pinned:
        if k.get("use") == use and k.get("kid") == kid:
            return public_key_from(k["public_key"])
    return None
