"""The data tracker says which of the citizen's access records are in a witnessed checkpoint
("witnessed by N of M"), through the ledger's selectors."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from onestop.accounts.models import User
from onestop.ledger import note
from onestop.ledger import services as ledger_services
from tests.factories import login as _client

pytestmark = pytest.mark.django_db


def _witness(name: str) -> tuple[Ed25519PrivateKey, str]:
    key = Ed25519PrivateKey.generate()
    vkey = note.Verifier(f"{name}.example/witness", key.public_key(), note.SIG_COSIGNATURE_V1).vkey
    ledger_services.witness_add(name=name, url=f"https://{name}.example/w", vkey=vkey)
    return key, vkey


def _cosign(key: Ed25519PrivateKey, vkey: str) -> int:
    published = ledger_services.checkpoint_publish()
    text = note.split(published.note)[0]
    name = vkey.split("+", 1)[0]
    line = note.cosign(text, name, key, int(time.time()))
    ledger_services.cosignature_add(signed_note=published.note + line, witness_vkey=vkey)
    return published.size


def _cells(html: str) -> list[str]:
    return re.findall(r"Log entry \d+</a>(?: · ([a-z ]+))?</dd>", html)


def test_without_witnesses_the_tracker_says_so(demo: dict[str, User]) -> None:
    html = _client(demo["citizen"]).get("/me/data/").content.decode()
    assert "This node has no witnesses yet" in html
    assert _cells(html) == ["", ""]  # no witnessed column


def test_the_tracker_shows_which_entries_are_witnessed(
    demo: dict[str, User], settings: Any
) -> None:
    settings.LEDGER_WITNESS_QUORUM = 2
    first = _witness("ganyu")
    second = _witness("jinan")
    client = _client(demo["citizen"])
    html = client.get("/me/data/").content.decode()
    assert "No checkpoint of this log has been cosigned yet by 2 of its 2 witnesses." in html
    assert _cells(html) == ["not yet witnessed", "not yet witnessed"]

    _cosign(*first)
    assert "not yet witnessed" in client.get("/me/data/").content.decode()  # 1 of 2
    size = _cosign(*second)
    html = client.get("/me/data/").content.decode()
    assert f"Log entries before {size} are in a checkpoint witnessed by 2 of 2 other nodes" in html
    assert _cells(html) == ["witnessed", "witnessed"]
