"""Issuing and revoking Open311 clients, the demo seed and the `open311_key` command."""

from __future__ import annotations

import hashlib
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from onestop.accounts import services as account_services
from onestop.accounts.models import StaffRole, User
from onestop.core.errors import Conflict, NotFound, PermissionDenied
from onestop.hotline import policies as hotline_policies
from onestop.open311 import policies, selectors, services
from onestop.open311.models import ApiClient
from onestop.open311.seed import DEMO_KEY, seed_open311


def test_client_create_stores_only_the_hash_and_binds_a_service_account(world: Any) -> None:
    client, key = services.client_create(
        actor=world["admin"], name="City App", region="371121", contact="ops@example.org"
    )
    assert len(key) >= 40
    assert client.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert client.key_prefix == key[:8]
    assert key not in {client.key_hash, client.name, client.contact}
    account = client.account
    assert account.username == "open311-city-app"
    assert account.has_usable_password() is False
    assert list(account.staff_roles.values_list("role", "region_id", "department_id")) == [
        (StaffRole.Role.HOTLINE_AGENT, "371121", None)
    ]
    assert hotline_policies.can(account, hotline_policies.CREATE, "371121") is True
    assert selectors.client_authenticate(key=key) == client


def test_client_create_refused_for_a_non_administrator_writes_nothing(world: Any) -> None:
    clients, users = ApiClient.objects.count(), User.objects.count()
    with pytest.raises(PermissionDenied):
        services.client_create(actor=world["agent"], name="Rogue", region="371121")
    assert (ApiClient.objects.count(), User.objects.count()) == (clients, users)


def test_client_create_asks_the_open311_policy_first(world: Any) -> None:
    """An administrator of another region is refused by `open311.policies.can` before any
    check of the input: the refusal says who may issue a key, and nothing is written."""
    ganyu = account_services.administrator_bootstrap(
        username="admin-gy", password="onestop-demo-2026", real_name="g", region_code="320707"
    )
    assert not policies.can(ganyu, policies.Action.CLIENT_MANAGE, "371121")
    clients, users = ApiClient.objects.count(), User.objects.count()
    with pytest.raises(PermissionDenied) as error:
        services.client_create(actor=ganyu, name="", region="371121")
    assert str(error.value.message) == "Only an administrator of region 371121 may issue a key."
    assert (ApiClient.objects.count(), User.objects.count()) == (clients, users)
    client, _key = services.client_create(actor=ganyu, name="Ganyu app", region="320707")
    assert client.region == "320707"


def test_client_create_refuses_a_duplicate_name(world: Any) -> None:
    users = User.objects.count()
    with pytest.raises(Conflict):
        services.client_create(actor=world["admin"], name="Demo Open311 client", region="371121")
    assert ApiClient.objects.count() == 1
    assert User.objects.count() == users


def test_client_authenticate_refuses_unknown_missing_and_revoked_keys(world: Any) -> None:
    assert selectors.client_authenticate(key=DEMO_KEY) == world["client"]
    for key in (None, "", "nope"):
        with pytest.raises(PermissionDenied):
            selectors.client_authenticate(key=key)
    services.client_deactivate(actor=world["admin"], client=world["client"])
    with pytest.raises(PermissionDenied):
        selectors.client_authenticate(key=DEMO_KEY)
    with pytest.raises(PermissionDenied):
        selectors.client_reader(key=None)


def test_client_deactivate_needs_an_administrator(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.client_deactivate(actor=world["agent"], client=world["client"])
    world["client"].refresh_from_db()
    assert world["client"].active is True


def test_seed_is_idempotent_and_names_the_development_key(world: Any) -> None:
    before = (ApiClient.objects.count(), User.objects.count())
    summary = seed_open311()
    assert summary == "0 changed (demo api_key demo-open311-key, development only)"
    assert (ApiClient.objects.count(), User.objects.count()) == before
    client = world["client"]
    assert (client.region, client.active, client.public_reads) == ("371121", True, True)


def test_command_creates_prints_the_key_once_lists_and_revokes(world: Any) -> None:
    out = StringIO()
    call_command("open311_key", "create", "--name", "Kiosk", "--region", "371121", stdout=out)
    lines = out.getvalue().splitlines()
    key = next(line.split(": ", 1)[1] for line in lines if line.startswith("api_key: "))
    client = selectors.client_authenticate(key=key)
    assert client.name == "Kiosk"
    assert client.account.username == "open311-kiosk"
    listing = StringIO()
    call_command("open311_key", "list", stdout=listing)
    assert key not in listing.getvalue()
    assert f"Kiosk\t371121\t{key[:8]}…\tactive" in listing.getvalue()
    call_command("open311_key", "revoke", "--name", "Kiosk", stdout=StringIO())
    with pytest.raises(PermissionDenied):
        selectors.client_authenticate(key=key)


def test_command_reports_domain_errors(world: Any) -> None:
    with pytest.raises(CommandError, match="371121"):
        call_command(
            "open311_key",
            "create",
            "--name",
            "X",
            "--region",
            "371121",
            "--actor",
            "agent",
            stdout=StringIO(),
        )
    assert ApiClient.objects.count() == 1


def test_a_verified_key_is_remembered_with_its_roles_and_forgotten_when_revoked(
    world: Any, django_assert_num_queries: Any
) -> None:
    first = selectors.client_authenticate(key=DEMO_KEY)
    with django_assert_num_queries(0):
        again = selectors.client_authenticate(key=DEMO_KEY)
        assert hotline_policies.can(again.account, hotline_policies.CREATE, "371121") is True
    assert again is first
    services.client_deactivate(actor=world["admin"], client=world["client"])
    with pytest.raises(PermissionDenied):
        selectors.client_authenticate(key=DEMO_KEY)


def test_with_no_cache_time_every_request_reads_the_key(world: Any, settings: Any) -> None:
    settings.OPEN311_CACHE_SECONDS = 0
    selectors.client_authenticate(key=DEMO_KEY)
    ApiClient.objects.filter(pk=world["client"].pk).update(active=False)  # behind the cache
    with pytest.raises(PermissionDenied):
        selectors.client_authenticate(key=DEMO_KEY)


def test_service_for_intake_is_remembered_and_refuses_what_is_not_a_service(
    world: Any, django_assert_num_queries: Any
) -> None:
    from tests.open311.conftest import SERVICE

    service = selectors.service_for_intake(code=SERVICE)
    with django_assert_num_queries(0):
        assert selectors.service_for_intake(code=SERVICE) is service
    group = SERVICE.split(".")[0]  # a level-1 group is no service
    for code in (group, "nope"):
        with pytest.raises(NotFound):
            selectors.service_for_intake(code=code)
