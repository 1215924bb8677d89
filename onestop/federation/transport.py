"""The HTTP client side of the protocol: fetch a node document, POST a signed envelope and
check the signed answer. One `requests.Session` per process, a timeout on every call; no
database here (the services decide what a failure means)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from onestop.federation import conf, node, signing

_local = threading.local()
USER_AGENT = "OneStop-federation/1"


class TransportError(Exception):
    """No usable answer. `transient`: worth trying again later (network, 5xx, 429, an answer
    whose signature does not hold); otherwise the peer refused the message for good."""

    def __init__(
        self, reason: str, *, transient: bool, status: int | None = None, body: Any = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient
        self.status = status
        self.body = body


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


def session() -> requests.Session:
    found = getattr(_local, "session", None)
    if found is None:
        found = requests.Session()
        found.headers["User-Agent"] = USER_AGENT
        _local.session = found
    return found


def document_url(url: str) -> str:
    url = url.strip()
    return url if url.endswith(node.WELL_KNOWN) else url.rstrip("/") + node.WELL_KNOWN


def fetch_document(url: str) -> dict[str, Any]:
    """GET a node document (`url` the node's base URL or the document's own)."""
    try:
        response = session().get(document_url(url), timeout=conf.timeout())
        response.raise_for_status()
        doc = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise TransportError(f"cannot read the node document: {exc}", transient=True) from exc
    if not isinstance(doc, dict):
        raise TransportError("the node document is not a JSON object", transient=False)
    return doc


def post_envelope(
    *,
    url: str,
    body: bytes,
    keyid: str,
    private_key: Ed25519PrivateKey,
    lookup: Callable[[str], Ed25519PublicKey | None],
    timeout: float | None = None,
) -> Answer:
    """POST the canonical envelope `body` to the peer at `url` and return its verified answer.

    2xx and the protocol's refusals come back as an `Answer` (the caller reads the status);
    an unsigned or badly signed answer, a network error, a 5xx or 429 raise a transient
    `TransportError`."""
    target = url.rstrip("/") + node.MESSAGES_PATH
    request = signing.Request("POST", target)
    signing.sign_request(request, body, keyid=keyid, private_key=private_key)
    try:
        response = session().post(
            target,
            data=body,
            headers=dict(request.headers.items()),
            timeout=timeout or conf.timeout(),
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise TransportError(f"{type(exc).__name__}: {exc}", transient=True) from exc
    content = response.content
    if response.status_code >= 500 or response.status_code == 429:
        raise TransportError(
            f"HTTP {response.status_code}", transient=True, status=response.status_code
        )
    if "Signature" not in response.headers:
        # a refusal before the peer could check who we are (401) is unsigned by design
        parsed = _json(content)
        raise TransportError(
            f"HTTP {response.status_code} unsigned: {parsed.get('code', '')} "
            f"{parsed.get('message', '')}".strip(),
            transient=response.status_code != 401 or parsed.get("code") == "stale_signature",
            status=response.status_code,
            body=parsed,
        )
    answered = signing.Response(response.status_code, signing.headers_of(response.headers), request)
    try:
        signing.verify_response(answered, content, lookup, skew=conf.clock_skew())
    except signing.SignatureRefused as exc:
        raise TransportError(
            f"the answer's signature does not hold: {exc.reason}",
            transient=True,
            status=response.status_code,
        ) from exc
    return Answer(response.status_code, _json(content))


def _json(content: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(content)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
