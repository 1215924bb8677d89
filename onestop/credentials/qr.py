"""The QR codes of the node: the one printed on an e-licence, and plain short texts (`text`,
e.g. the government service code shown in my space).

An e-licence's code holds a short reference, ``<site>/v/<reference>`` (about 60 characters:
QR version 4–5 at error correction M, which a phone camera reads at arm's length), that opens
the public verification of that credential. The reference is the credential's id and a MAC
under the node's blind-index key (`reference`): nobody can make one up or walk through them.
The full token (about 2,500 characters) still verifies offline: pasted on the verify page, or
in ``/verify/?t=<token>`` (`verify_link`, `make`).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import uuid
from urllib.parse import quote

import segno
from segno import DataOverflowError

from onestop.core import crypto

# Bytes of the MAC kept in a reference: 72 bits, beyond guessing over the network.
MAC_BYTES = 9


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _mac(credential_id: uuid.UUID) -> bytes:
    return bytes.fromhex(crypto.blind_index(f"credential-qr:{credential_id}"))[:MAC_BYTES]


def reference(credential_id: uuid.UUID) -> str:
    """The short reference of a credential: its id (22 characters) and the MAC (12)."""
    return _b64(credential_id.bytes) + _b64(_mac(credential_id))


def reference_id(ref: str) -> uuid.UUID | None:
    """The credential id a reference names, or None when it is not one this node made."""
    ref = (ref or "").strip()
    if len(ref) != 34:  # 22 characters of id and 12 of MAC
        return None
    try:
        credential_id = uuid.UUID(bytes=base64.urlsafe_b64decode(ref[:22] + "=="))
        mac = base64.urlsafe_b64decode(ref[22:])
    except (ValueError, binascii.Error):
        return None
    return credential_id if hmac.compare_digest(mac, _mac(credential_id)) else None


def short(site_reference_url: str) -> segno.QRCode:
    """The QR code of a credential's short reference URL (error correction M)."""
    return segno.make(site_reference_url, error="m", micro=False)


def verify_link(site_verify_url: str, token: str) -> str:
    return f"{site_verify_url}?t={quote(token, safe='.-_~')}"


def make(site_verify_url: str, token: str) -> segno.QRCode:
    try:
        return segno.make(verify_link(site_verify_url, token), error="l", micro=False)
    except DataOverflowError:
        return segno.make(token, error="l", micro=False, boost_error=False)


def text(value: str) -> segno.QRCode:
    """A QR code holding the short text `value` as it is (error correction M: it survives a
    cracked phone screen)."""
    return segno.make(value, error="m", micro=False)


def data_uri(code: segno.QRCode) -> str:
    """A PNG data: URI (the CSP allows img-src data:)."""
    return str(code.png_data_uri(scale=3, border=4))
