"""Issuing, revoking and verifying e-licences (VC 2.0 as vc+jwt, Ed25519)."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone

from onestop.accounts.models import User
from onestop.core import keys
from onestop.core.errors import Conflict, PermissionDenied, ValidationFailed
from onestop.credentials import selectors, vc
from onestop.credentials.models import Credential
from onestop.credentials.services import credential_revoke
from onestop.ledger import selectors as ledger

pytestmark = pytest.mark.django_db


def _part(token: str, i: int) -> dict[str, Any]:
    segment = token.split(".")[i]
    data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    return data


def _resign(token: str, key: Ed25519PrivateKey, kid: str) -> str:
    return vc.sign(_part(token, 1), kid=kid, key=key)


def test_issue_builds_a_signed_vc2_and_logs_its_hash(issue: Any, world: dict[str, User]) -> None:
    size_before = ledger.tree_size()
    credential = issue(number="RID-0001")

    header, payload = _part(credential.token, 0), _part(credential.token, 1)
    kid, _key = keys.current_signing_key("credentials")
    assert header == {"alg": "Ed25519", "typ": "vc+jwt", "cty": "vc", "kid": kid}
    assert payload["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert payload["id"] == f"urn:uuid:{credential.id}"
    assert payload["type"] == ["VerifiableCredential", "ResidentId"]
    assert payload["issuer"] == {"id": "did:web:onestop.371121.example", "name": "五莲县公安局"}
    assert "vc" not in payload
    subject = payload["credentialSubject"]
    assert subject["id"] == f"urn:onestop:holder:{world['citizen'].resident_id_index}"
    assert subject["name"] == "张伟"
    assert "37112119930315123X" not in credential.token
    assert payload["credentialStatus"] == {
        "id": f"https://onestop.371121.example/api/v1/credentials/status/1#{credential.status_index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(credential.status_index),
        "statusListCredential": "https://onestop.371121.example/api/v1/credentials/status/1",
    }
    assert payload["licence"]["number"] == "RID-0001"
    assert payload["licence"]["trustLevel"] == "A"
    assert payload["licence"]["issuerDepartment"] == "371121-public-security"
    assert credential.issuer_department == "371121-public-security"

    assert ledger.tree_size() == size_before + 1
    entry = ledger.entry_get(index=size_before)
    assert entry.kind == "credentials.issue"
    assert entry.payload == {
        "id": f"urn:uuid:{credential.id}",
        "type": "resident-id",
        "sha256": hashlib.sha256(credential.token.encode()).hexdigest(),
    }

    result = selectors.credential_verify(token=credential.token)
    assert result.valid is True
    assert result.errors == []
    assert result.credential["number"] == "RID-0001"
    assert result.credential["holder_name"] == "张*"
    assert result.credential["status"] == "active"


def test_business_holder_is_identified_by_uscc(issue: Any, world: dict[str, User]) -> None:
    credential = issue(
        actor=world["admin"],
        licence_type="business-licence",
        holder=world["business"],
        subject={"name": "示例公司"},
        valid_until=None,
    )
    payload = _part(credential.token, 1)
    assert payload["credentialSubject"]["id"] == "urn:uscc:91371121MA3C5D7E8U"
    assert "validUntil" not in payload
    result = selectors.credential_verify(token=credential.token)
    assert (result.valid, result.credential["holder_name"]) == (True, "示例公司")


def test_altered_payload_fails_the_signature(issue: Any) -> None:
    token = issue().token
    head, body, sig = token.split(".")
    flipped = body[:40] + ("A" if body[40] != "A" else "B") + body[41:]
    result = selectors.credential_verify(token=f"{head}.{flipped}.{sig}")
    assert result.valid is False
    assert result.codes == ["bad_signature"]
    assert result.errors == [
        "The signature does not match: the e-licence was altered or was not issued by this issuer."
    ]
    assert result.credential == {}


def test_signed_by_another_key(issue: Any) -> None:
    token = issue().token
    stranger = Ed25519PrivateKey.generate()
    kid, _key = keys.current_signing_key("credentials")

    foreign = selectors.credential_verify(token=_resign(token, stranger, "0123456789abcdef"))
    assert (foreign.valid, foreign.codes) == (False, ["unknown_key"])
    assert "not signed by a key its issuer has published" in foreign.errors[0]

    impostor = selectors.credential_verify(token=_resign(token, stranger, kid))
    assert (impostor.valid, impostor.codes) == (False, ["bad_signature"])


def test_expired_and_not_yet_valid(issue: Any) -> None:
    now = timezone.now()
    credential = issue(valid_from=now - timedelta(days=10), valid_until=now - timedelta(days=1))
    result = selectors.credential_verify(token=credential.token)
    assert (result.valid, result.codes) == (False, ["expired"])
    assert result.errors[0].startswith("The e-licence has expired: it was valid until ")

    future = issue(valid_from=now + timedelta(days=2), valid_until=None)
    result = selectors.credential_verify(token=future.token)
    assert (result.valid, result.codes) == (False, ["not_yet_valid"])
    later = selectors.credential_verify(token=future.token, now=now + timedelta(days=3))
    assert later.valid is True


def test_revoke_sets_the_bit_and_logs(issue: Any, world: dict[str, User]) -> None:
    credential = issue()
    other = issue(number="RID-OTHER")
    size_before = ledger.tree_size()

    credential_revoke(actor=world["officer-ps"], credential=credential, reason="Reported lost")

    stored = Credential.objects.get(pk=credential.pk)
    assert stored.revoked_at is not None
    assert stored.revocation_reason == "Reported lost"
    entry = ledger.entry_get(index=size_before)
    assert entry.kind == "credentials.revoke"
    assert entry.payload == {
        "id": f"urn:uuid:{credential.id}",
        "type": "resident-id",
        "statusList": "1",
        "statusListIndex": credential.status_index,
    }
    result = selectors.credential_verify(token=credential.token)
    assert (result.valid, result.codes) == (False, ["revoked"])
    assert result.errors == ["The e-licence has been revoked by its issuer."]
    assert result.credential["status"] == "revoked"
    assert selectors.credential_verify(token=other.token).valid is True

    status_payload = _part(selectors.status_list_token(key="1"), 1)
    bits = vc.decode_bitstring(status_payload["credentialSubject"]["encodedList"])
    assert len(bits) * 8 == 131_072
    assert vc.bit_is_set(bits, credential.status_index) is True
    assert vc.bit_is_set(bits, other.status_index) is False
    assert sum(bin(b).count("1") for b in bits) == 1

    with pytest.raises(Conflict):
        credential_revoke(actor=world["officer-ps"], credential=stored, reason="again")
    assert ledger.tree_size() == size_before + 1


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "a.b",
        "a.b.c.d",
        "eyJhbGciOiJFZDI1NTE5In0.@@@.xyz",
        "https://example.com/verify/?t=nothing",
        "!!!.###.$$$",
        None,
        12345,
        "x" * 30_000,
    ],
)
def test_garbage_tokens_are_malformed(world: dict[str, User], token: Any) -> None:
    result = selectors.credential_verify(token=token)
    assert (result.valid, result.codes, result.credential) == (False, ["malformed"], {})
    assert result.errors == [
        "This is not the text of an e-licence: it is incomplete or damaged. Scan the QR code "
        "again or copy the whole text."
    ]


def test_truncated_token(issue: Any) -> None:
    token = issue().token
    assert selectors.credential_verify(token=token[: len(token) // 2]).codes == ["malformed"]
    assert selectors.credential_verify(token=token[:-10]).codes == ["bad_signature"]


def test_wrong_typ_or_not_a_vc(issue: Any) -> None:
    kid, key = keys.current_signing_key("credentials")
    from joserfc import jws
    from joserfc.jwk import OKPKey

    plain_jwt = jws.serialize_compact(
        {"alg": "Ed25519", "typ": "JWT", "kid": kid}, b"{}", OKPKey.import_key(key), ["Ed25519"]
    )
    assert selectors.credential_verify(token=plain_jwt).codes == ["wrong_type"]
    not_vc = vc.sign({"hello": "world"}, kid=kid, key=key)
    assert selectors.credential_verify(token=not_vc).codes == ["not_vc"]


def test_rotation_keeps_old_credentials_verifiable(issue: Any) -> None:
    old = issue()
    old_kid = _part(old.token, 0)["kid"]
    new_kid = keys.rotate("credentials")
    new = issue(number="AFTER-ROTATION")

    assert _part(new.token, 0)["kid"] == new_kid != old_kid
    jwks = selectors.node_jwks()
    assert {k["kid"] for k in jwks["keys"]} == {old_kid, new_kid}
    assert selectors.credential_verify(token=old.token).valid is True
    assert selectors.credential_verify(token=new.token, jwks=jwks).valid is True


def test_offline_verification_with_jwks_and_status_list(issue: Any, world: dict[str, User]) -> None:
    credential = issue()
    jwks = json.loads(json.dumps(selectors.node_jwks()))
    before = selectors.status_list_token(key="1")
    credential_revoke(actor=world["officer-ps"], credential=credential, reason="Annulled")
    after = selectors.status_list_token(key="1")

    old_view = selectors.credential_verify(
        token=credential.token, jwks=jwks, status_list_token=before
    )
    assert old_view.valid is True
    new_view = selectors.credential_verify(
        token=credential.token, jwks=jwks, status_list_token=after
    )
    assert new_view.codes == ["revoked"]
    unknown = selectors.credential_verify(
        token=credential.token, jwks=jwks, status_list_token="not-a-list"
    )
    assert unknown.codes == ["status_unknown"]
    stranger_jwks = {"keys": [vc.public_jwk("k1", Ed25519PrivateKey.generate().public_key())]}
    assert selectors.credential_verify(token=credential.token, jwks=stranger_jwks).codes == [
        "unknown_key"
    ]


def test_staff_of_another_department_cannot_issue_or_revoke(
    issue: Any, world: dict[str, User]
) -> None:
    credential = issue()
    size_before = ledger.tree_size()
    for outsider in ("officer-hr", "officer-gy", "clerk", "citizen"):
        with pytest.raises(PermissionDenied):
            issue(actor=world[outsider], number=f"N-{outsider}")
        with pytest.raises(PermissionDenied):
            credential_revoke(actor=world[outsider], credential=credential, reason="no")
    assert Credential.objects.count() == 1
    assert Credential.objects.get().revoked_at is None
    assert ledger.tree_size() == size_before


def test_bad_input_writes_nothing(issue: Any, world: dict[str, User]) -> None:
    issue(number="DUP-1")
    size_before = ledger.tree_size()
    now = timezone.now()
    with pytest.raises(Conflict):
        issue(number="DUP-1")
    with pytest.raises(ValidationFailed):
        issue(subject={"id": "did:example:me"})
    with pytest.raises(ValidationFailed):
        issue(valid_from=now, valid_until=now - timedelta(days=1))
    with pytest.raises(ValidationFailed):
        issue(subject={"blob": "x" * 3000})
    credential = Credential.objects.get()
    with pytest.raises(ValidationFailed):
        credential_revoke(actor=world["officer-ps"], credential=credential, reason="  ")
    assert Credential.objects.count() == 1
    assert Credential.objects.get().revoked_at is None
    assert ledger.tree_size() == size_before
