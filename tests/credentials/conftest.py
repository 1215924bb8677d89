"""Fixtures of the e-licence tests: the demo organisation, registries and accounts (built by
their own seed steps, which go through the services), an isolated key folder, English."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone, translation

from onestop.accounts.models import User
from onestop.core import crypto
from onestop.credentials.models import Credential
from tests.factories import OTHER_REGION, other_region_staff, worlds

PASSWORD = "onestop-demo-2026"


@pytest.fixture(autouse=True)
def _own_keys(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.DATA_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    crypto.reset_key_cache()
    with translation.override("en"):
        yield
    crypto.reset_key_cache()


def build_world() -> None:
    from onestop.accounts.seed import seed_accounts
    from onestop.credentials.seed import seed_licence_types
    from onestop.org.seed import seed_org
    from onestop.sharing.seed import seed_datasets

    seed_org()

    seed_org(region=OTHER_REGION)
    seed_datasets()
    seed_licence_types()
    seed_accounts()
    other_region_staff()


@worlds.fixture("org-registries-accounts", build_world)
def world(db: None) -> dict[str, User]:
    return worlds.use("org-registries-accounts")


@pytest.fixture
def issue(world: dict[str, User]) -> Any:
    """Issue a resident-id e-licence to the demo citizen (by the public-security officer)."""
    from onestop.credentials.services import credential_issue

    def make(**overrides: Any) -> Credential:
        values: dict[str, Any] = {
            "actor": world["officer-ps"],
            "licence_type": "resident-id",
            "holder": world["citizen"],
            "subject": {"name": "张伟", "birthDate": "1993-03-15"},
            "valid_from": timezone.now() - timedelta(days=1),
            "valid_until": timezone.now() + timedelta(days=365),
        }
        values.update(overrides)
        return credential_issue(**values)

    return make
