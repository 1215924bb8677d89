"""Fixtures of the federation tests: a peer played by the test (its own Ed25519 key, pinned on
this node), the administrators of the node's region, and signed requests to the inbox."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client
from django.utils import timezone

from onestop.accounts import services as account_services
from onestop.federation import signing
from onestop.federation.models import Peer
from onestop.ledger.canonical import canonical_json
from tests.factories import worlds

PASSWORD = "Net-admin-pass-2026"
PEER_REGION = "320707"
NODE_REGION = "371121"
INBOX = "/federation/v1/messages"


@worlds.fixture("org", worlds.build_org, value=lambda: None)
def org(db: None) -> None:
    worlds.use("org")


@pytest.fixture
def admin(org: None) -> Any:
    return account_services.administrator_bootstrap(
        username="netadmin", password=PASSWORD, real_name="管理员", region_code=NODE_REGION
    )


class FakePeer:
    """Region 320707 as the test plays it: its key, pinned on this node as a peer."""

    def __init__(self, region: str = PEER_REGION) -> None:
        self.region = region
        self.key = Ed25519PrivateKey.generate()
        self.kid = "peerkid0"
        raw = self.key.public_key().public_bytes_raw()
        self.peer = Peer.objects.create(
            region=region,
            name=f"Node {region}",
            url=f"http://127.0.0.1:9/{region}",
            keys=[
                {
                    "kid": self.kid,
                    "alg": "ed25519",
                    "use": "federation",
                    "public_key": base64.b64encode(raw).decode(),
                    "current": True,
                }
            ],
            fingerprint="0" * 64,
            allowed_in_types=["ping"],
            allowed_out_types=["ping"],
        )

    @property
    def keyid(self) -> str:
        return f"{self.region}:{self.kid}"

    def envelope(self, **changes: Any) -> dict[str, Any]:
        envelope = {
            "id": str(uuid.uuid4()),
            "type": "ping",
            "from": self.region,
            "to": NODE_REGION,
            "created": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "purpose": "monitoring",
            "subject": None,
            "body": {},
        }
        envelope.update(changes)
        return envelope

    def signed(
        self,
        envelope: Any,
        *,
        key: Ed25519PrivateKey | None = None,
        keyid: str | None = None,
        nonce: str | None = None,
        created: Any = None,
        url: str | None = None,
    ) -> tuple[bytes, signing.Request]:
        body = envelope if isinstance(envelope, bytes) else canonical_json(envelope)
        from django.conf import settings

        request = signing.Request("POST", url or settings.PUBLIC_URL + INBOX)
        signing.sign_request(
            request,
            body,
            keyid=keyid or self.keyid,
            private_key=key or self.key,
            nonce=nonce,
            created=created,
        )
        return body, request

    def post(
        self, client: Client, body: bytes, request: signing.Request | None, **extra: str
    ) -> Any:
        headers = {}
        if request is not None:
            headers = {k: v for k, v in request.headers.items() if k.lower() != "content-type"}
        headers.update(extra)
        return client.post(INBOX, data=body, content_type="application/json", headers=headers)

    def send(self, client: Client, envelope: Any, **kwargs: Any) -> Any:
        body, request = self.signed(envelope, **kwargs)
        return self.post(client, body, request)


@pytest.fixture
def fake_peer(org: None) -> FakePeer:
    return FakePeer()


def reply_json(response: Any) -> dict[str, Any]:
    return json.loads(response.content)
