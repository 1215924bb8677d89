"""The demo e-licences: issued once, by the right departments of 371121."""

from __future__ import annotations

import pytest

from onestop.accounts.models import User
from onestop.credentials.models import Credential
from onestop.credentials.seed import seed_credentials
from onestop.credentials.selectors import credential_verify, wallet_licence_types
from onestop.ledger import selectors as ledger

pytestmark = pytest.mark.django_db


def test_seed_issues_demo_licences_once(world: dict[str, User]) -> None:
    assert seed_credentials() == "3 demo e-licences issued"
    tokens = dict(Credential.objects.values_list("id", "token"))
    size = ledger.tree_size()

    assert seed_credentials() == "0 demo e-licences issued"
    assert dict(Credential.objects.values_list("id", "token")) == tokens
    assert ledger.tree_size() == size

    assert wallet_licence_types(holder=world["citizen"]) == {"resident-id", "household-register"}
    assert wallet_licence_types(holder=world["business"]) == {"business-licence"}
    issuers = dict(Credential.objects.values_list("licence_type_id", "issuer_department"))
    assert issuers == {
        "resident-id": "371121-public-security",
        "household-register": "371121-public-security",
        "business-licence": "371121-administrative-approval-services",
    }
    assert all(credential_verify(token=t).valid for t in tokens.values())
