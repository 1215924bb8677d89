"""The QR codes of the node: the one printed on an e-licence, and plain short texts (`text`,
e.g. the government service code shown in my space).

It encodes ``<site>/verify/?t=<token>`` so any phone camera opens the public verification
page. A token is about 1.6 kB, so the code is large (QR version ~30) and uses error
correction L (segno raises it when the data leaves room). If the link does not fit in a QR
code at all, the code holds the token alone (still error correction L); the verification
page accepts a pasted token as well.
"""

from __future__ import annotations

from urllib.parse import quote

import segno
from segno import DataOverflowError


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
