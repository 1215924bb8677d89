"""Fixtures of the Open311 tests: the demo organisation, accounts, hotline catalogue and the
demo Open311 client, all loaded by their own seed steps (which write through the services)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from onestop.accounts.models import User
from onestop.open311.models import ApiClient
from onestop.open311.seed import DEMO_KEY, DEMO_NAME
from tests.factories import OTHER_REGION, other_region_staff, worlds

SERVICE = "urban-rural-construction.property-management"
WATER = "utilities.water"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def build_world() -> None:
    from onestop.accounts.seed import seed_accounts
    from onestop.hotline.seed import seed_catalogue
    from onestop.open311.seed import seed_open311
    from onestop.org.seed import seed_org

    seed_org()

    seed_org(region=OTHER_REGION)
    seed_accounts()
    other_region_staff()
    seed_catalogue()
    seed_open311()


def world_value() -> dict[str, Any]:
    return {
        "admin": User.objects.get(username="admin"),
        "agent": User.objects.get(username="agent"),
        "client": ApiClient.objects.get(name=DEMO_NAME),
        "key": DEMO_KEY,
    }


@worlds.fixture("open311", build_world, world_value)
def world(db: None) -> dict[str, Any]:
    return worlds.use("open311")


def form(**extra: Any) -> dict[str, Any]:
    """A valid POST body for the demo client; `extra` overrides or adds fields."""
    body: dict[str, Any] = {
        "api_key": DEMO_KEY,
        "service_code": SERVICE,
        "lat": "35.7",
        "long": "119.2",
        "description": "小区电梯坏了一周，物业不修。",
        "phone": "13800005555",
        "first_name": "Wei",
        "last_name": "Zhang",
        "attribute[request_type]": "complaint",
        "attribute[township]": "洪凝街道",
    }
    body.update(extra)
    return {k: v for k, v in body.items() if v is not None}


@pytest.fixture(autouse=True)
def _no_auto_dispatch(settings: Any) -> None:
    """Requests stay new (no routing model is trained); test_routing.py turns it on."""
    settings.HOTLINE_AUTO_DISPATCH = False
