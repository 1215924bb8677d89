"""The e-licence type registry: seeded from licence_types.json, idempotent, checked."""

from __future__ import annotations

import pytest

from onestop.core.actors import SYSTEM
from onestop.core.errors import NotFound, ValidationFailed
from onestop.credentials.models import LicenceType
from onestop.credentials.seed import load_licence_types, seed_licence_types
from onestop.credentials.selectors import licence_type_get, licence_type_list
from onestop.credentials.services import licence_type_upsert
from onestop.sharing.seed import seed_datasets

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(db: None) -> None:
    from tests.catalog.conftest import load_org

    load_org()
    seed_datasets()


def test_seed_is_idempotent(registry: None) -> None:
    seed_licence_types()
    stamps = list(licence_type_list().values_list("key", "updated_at"))

    assert seed_licence_types() == f"{len(load_licence_types())} e-licence types, 0 changed"
    assert list(licence_type_list().values_list("key", "updated_at")) == stamps
    assert licence_type_get(key="business-licence").trust_level == "A"


def test_unknown_dataset_or_trust_level_is_refused(registry: None) -> None:
    row = {"key": "x", "name_zh": "x", "issuer_kind": "health", "dataset": "nope"}
    with pytest.raises(NotFound):
        licence_type_upsert(actor=SYSTEM, row=row)
    with pytest.raises(ValidationFailed):
        licence_type_upsert(actor=SYSTEM, row=dict(row, dataset="", trust_level="Z"))
    assert LicenceType.objects.count() == 0
    with pytest.raises(NotFound):
        licence_type_get(key="x")


# --- wallets ----------------------------------------------------------------------------


def test_wallet_lists_only_the_holders_licences_and_valid_types(issue, world) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from onestop.credentials.selectors import wallet_licence_types, wallet_list
    from onestop.credentials.services import credential_revoke

    now = timezone.now()
    resident = issue()
    household = issue(licence_type="household-register", valid_until=None)
    expired = issue(
        licence_type="residence-permit",
        valid_from=now - timedelta(days=30),
        valid_until=now - timedelta(days=1),
    )
    business = issue(
        actor=world["admin"],
        licence_type="business-licence",
        holder=world["business"],
        subject={"name": "示例公司"},
    )

    assert set(wallet_list(holder=world["citizen"])) == {resident, household, expired}
    assert list(wallet_list(holder=world["business"])) == [business]
    assert list(wallet_list(holder=world["officer-ps"])) == []
    assert wallet_licence_types(holder=world["citizen"]) == {"resident-id", "household-register"}
    assert wallet_licence_types(holder=world["business"]) == {"business-licence"}

    credential_revoke(actor=world["officer-ps"], credential=household, reason="Moved away")
    assert wallet_licence_types(holder=world["citizen"]) == {"resident-id"}
    assert wallet_licence_types(holder=None) == set()


def test_credential_get_is_for_the_holder_and_the_issuer(issue, world) -> None:
    from onestop.credentials.selectors import credential_get, issued_list

    credential = issue()
    assert credential_get(actor=world["citizen"], id=credential.id) == credential
    assert credential_get(actor=world["officer-ps"], id=str(credential.id)) == credential
    for stranger in ("business", "officer-hr", "officer-gy"):
        with pytest.raises(NotFound):
            credential_get(actor=world[stranger], id=credential.id)
    with pytest.raises(NotFound):
        credential_get(actor=world["citizen"], id="not-a-uuid")
    assert list(issued_list(actor=world["officer-ps"])) == [credential]
    assert list(issued_list(actor=world["admin"])) == [credential]
    assert list(issued_list(actor=world["officer-hr"])) == []
    assert list(issued_list(actor=world["citizen"])) == []


def test_the_wallet_is_for_the_holder_only(issue, world) -> None:
    """The issuing department revokes through `credential_get`, but the holder's wallet (the
    page with the QR, the presentable PDF) is the holder's alone."""
    from onestop.credentials.selectors import wallet_get

    credential = issue()
    assert wallet_get(actor=world["citizen"], id=str(credential.id)) == credential
    for other in ("officer-ps", "admin", "business", "officer-gy"):
        with pytest.raises(NotFound):
            wallet_get(actor=world[other], id=credential.id)
    with pytest.raises(NotFound):
        wallet_get(actor=world["citizen"], id="not-a-uuid")


def test_a_peer_issued_licence_counts_as_held_while_it_is_valid(world) -> None:
    """An e-licence a peer node issued (a cross-province case) counts as held for the materials,
    like one of this node's, until its validUntil."""
    import hashlib
    from datetime import timedelta

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from django.utils import timezone

    from onestop.credentials import vc
    from onestop.credentials.models import PeerCredential
    from onestop.credentials.selectors import wallet_licence_types

    key = Ed25519PrivateKey.generate()
    now = timezone.now()

    def keep(licence_type: str, until: object) -> None:
        payload = {"validFrom": vc.rfc3339(now - timedelta(days=1))}
        if until is not None:
            payload["validUntil"] = vc.rfc3339(until)  # type: ignore[arg-type]
        token = vc.sign(payload, kid="320707-credentials-1", key=key)
        PeerCredential.objects.create(
            holder=world["citizen"],
            issuer_region="320707",
            licence_type_key=licence_type,
            name_zh="证照",
            number=licence_type,
            token=token,
            sha256=hashlib.sha256(token.encode()).hexdigest(),
        )

    keep("marriage-certificate", now + timedelta(days=30))
    keep("residence-permit", now - timedelta(days=1))  # expired: no longer held
    keep("business-licence", None)  # no end of validity

    assert wallet_licence_types(holder=world["citizen"]) == {
        "marriage-certificate",
        "business-licence",
    }
