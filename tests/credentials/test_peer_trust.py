"""E-licences issued by a peer node verify here (issue #11 §5): the peer's `credentials` key,
pinned with the peer (federation), is in the trust list, and the revocation bit is read from the
peer's own signed status list at its address. The peer's status endpoint is played by a small
HTTP server on loopback serving a status list signed as the peer's node signs it."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from onestop.accounts.models import User
from onestop.core import memo
from onestop.credentials import conf, selectors, vc
from onestop.credentials.services import credential_revoke
from onestop.federation.models import Peer

pytestmark = pytest.mark.django_db

PEER_KID = "0123456789abcdef"


class _StatusServer:
    """Serves one signed status list token at STATUS_PATH + key; `token` may change."""

    def __init__(self) -> None:
        self.token = ""
        self.asked = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.asked += 1
                body = outer.token.encode()
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", vc.MEDIA_TYPE)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def status_server() -> Iterator[_StatusServer]:
    server = _StatusServer()
    yield server
    server.stop()


def _peer(url: str, key: Ed25519PrivateKey, *, active: bool = True) -> Peer:
    raw = base64.b64encode(key.public_key().public_bytes_raw()).decode()
    return Peer.objects.create(
        region="320707",
        name="OneStop Ganyu",
        url=url,
        keys=[{"kid": PEER_KID, "alg": "ed25519", "use": "credentials", "public_key": raw}],
        fingerprint="0" * 64,
        active=active,
    )


def _as_peer(token: str, key: Ed25519PrivateKey) -> str:
    """The same credential as the peer's node would have signed it."""
    segment = token.split(".")[1]
    payload = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    return vc.sign(payload, kid=PEER_KID, key=key)


def _status_key(token: str) -> str:
    segment = token.split(".")[1]
    payload = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    url = payload["credentialStatus"]["statusListCredential"]
    return url.rsplit(conf.STATUS_PATH, 1)[1]


def _peer_signed_status(key: str, peer_key: Ed25519PrivateKey) -> str:
    """The status list as the peer publishes it: signed with its credentials key."""
    local = selectors.status_list_token(key=key)
    return _as_peer(local, peer_key)


def test_a_peer_issued_licence_verifies_with_its_pinned_key_and_its_own_status_list(
    issue: Any, world: dict[str, User], status_server: _StatusServer
) -> None:
    peer_key = Ed25519PrivateKey.generate()
    credential = issue(number="PEER-0001")
    token = _as_peer(credential.token, peer_key)

    unknown = selectors.credential_verify(token=token)
    assert (unknown.valid, unknown.codes) == (False, ["unknown_key"])  # not peered yet

    _peer(status_server.url, peer_key)
    key = _status_key(token)
    status_server.token = _peer_signed_status(key, peer_key)
    found = selectors.credential_verify(token=token)
    assert found.valid, found.errors
    assert found.credential["issuer_region"] == "320707"
    assert found.credential["status"] == "active"
    assert status_server.asked == 1
    selectors.credential_verify(token=token)
    assert status_server.asked == 1  # the peer's list is kept for a while

    credential_revoke(actor=world["officer-ps"], credential=credential, reason="test")
    status_server.token = _peer_signed_status(key, peer_key)
    memo.clear_all()
    revoked = selectors.credential_verify(token=token)
    assert (revoked.valid, revoked.codes) == (False, ["revoked"])


def test_a_status_list_not_signed_by_the_peer_or_a_peer_down_is_unknown(
    issue: Any, world: dict[str, User], status_server: _StatusServer
) -> None:
    peer_key = Ed25519PrivateKey.generate()
    token = _as_peer(issue(number="PEER-0002").token, peer_key)
    _peer(status_server.url, peer_key)
    key = _status_key(token)
    status_server.token = _peer_signed_status(key, Ed25519PrivateKey.generate())  # forged
    forged = selectors.credential_verify(token=token)
    assert (forged.valid, forged.codes) == (False, ["status_unknown"])

    status_server.stop()
    memo.clear_all()
    down = selectors.credential_verify(token=token)
    assert (down.valid, down.codes) == (False, ["status_unknown"])


def test_a_removed_peer_is_no_longer_trusted(issue: Any, status_server: _StatusServer) -> None:
    peer_key = Ed25519PrivateKey.generate()
    token = _as_peer(issue(number="PEER-0003").token, peer_key)
    _peer(status_server.url, peer_key, active=False)
    gone = selectors.credential_verify(token=token)
    assert (gone.valid, gone.codes) == (False, ["unknown_key"])
    assert PEER_KID not in {k["kid"] for k in selectors.trusted_jwks()["keys"]}
