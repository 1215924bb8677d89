"""A node owns its region: every region of data/seed starts as a node, and seeds only its own.

Each region runs what `make run NODE_REGION=<code>` seeds — `onestop migrate` and
`onestop seed_demo` (make run seeds its first phase before it serves, the deferred steps just
after) — in a subprocess on a fresh data dir and SQLite database; then the
seeded rows are read straight from that database. The migrations are the same for every region
(they write no region's rows): they run once per test run, and each region's node starts
from a copy of that migrated database (tests/factories/nodes.py, shared with the multi-node
tests) and seeds it. The hotline routing model is trained once
(on the cold-start examples) and put in each data dir, so the seed loads it instead of training
the full model (the slowest step); `python -m bench seed_regions` times the whole seed.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.factories.nodes import copy_database, migrated_database

ROOT = Path(__file__).resolve().parents[2]


def _seed_regions() -> list[str]:
    """The regions data/seed has a node for (those with departments), as `org.seed` reads it."""
    data = json.loads((ROOT / "data" / "seed" / "departments.json").read_text(encoding="utf-8"))
    return list(dict.fromkeys(dept["region"] for dept in data["departments"]))


REGIONS = _seed_regions()


def test_data_seed_has_three_node_regions() -> None:
    from onestop.org.seed import seeded_regions

    assert tuple(REGIONS) == seeded_regions()
    assert {"371121", "320707", "330106"} <= set(REGIONS)


@pytest.fixture(scope="module")
def routing_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from onestop.hotline import routing

    path = tmp_path_factory.mktemp("routing") / "hotline-routing.joblib"
    routing.save(routing.train_cold_start(), path)
    return path


def _node_env(data: Path, region: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "CACHE_URL", "ONESTOP_ENV", "PUBLIC_URL")
    }
    env.update(DATA_DIR=str(data), NODE_REGION=region, DJANGO_SETTINGS_MODULE="onestop.settings")
    return env


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A node's database after `onestop migrate` (no seed): the run's shared one."""
    return migrated_database()


def _onestop(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "onestop", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def _rows(db: Path, sql: str) -> list[Any]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


def _values(db: Path, sql: str) -> set[Any]:
    return {row[0] for row in _rows(db, sql)}


@pytest.mark.parametrize("region", REGIONS)
def test_each_region_starts_as_a_node_and_seeds_only_its_own(
    region: str, tmp_path: Path, routing_model: Path, migrated: Path
) -> None:
    data = tmp_path / "node"
    (data / "models").mkdir(parents=True)
    shutil.copy(routing_model, data / "models" / "hotline-routing.joblib")
    db = data / "onestop.sqlite3"
    copy_database(migrated, db)
    out = _onestop(["seed_demo"], _node_env(data, region))
    assert f"seeding the demo of region {region}" in out
    assert "seed cases-demo:" in out  # the last step ran

    # Reference data: every region row (a node knows the names of all regions).
    assert set(REGIONS) <= _values(db, "SELECT code FROM org_region")
    # The region's own: departments, centres and windows, catalogue, staff, demo cases...
    assert _values(db, "SELECT region_id FROM org_department") == {region}
    assert _values(db, "SELECT region_id FROM org_servicecentre") == {region}
    assert _values(db, "SELECT region_id FROM catalog_item") == {region}
    assert _values(db, "SELECT region_id FROM catalog_scenario") == {region}
    assert _values(db, "SELECT region_id FROM accounts_staffrole") == {region}
    assert _values(db, "SELECT region_id FROM cases_case") == {region}
    assert _values(db, "SELECT region FROM open311_apiclient") == {region}
    assert _values(db, "SELECT region FROM hotline_workorder") <= {region}
    # The region's jurisdiction table, and the node's model live in the registry.
    assert _values(db, "SELECT region FROM hotline_jurisdiction") == {region}
    assert _values(db, "SELECT version FROM hotline_routingmodel WHERE live") == {1}
    assert _values(db, "SELECT region_id FROM knowledge_article") <= {None, region}
    assert _values(db, "SELECT substr(issuer_department, 1, 6) FROM credentials_credential") == {
        region
    }
    # Every item of a scenario is the region's own, or names another region's (joint handling).
    for item_region, remote_region in _rows(
        db,
        "SELECT i.region_id, e.region_id FROM catalog_scenarioitem e "
        "LEFT JOIN catalog_item i ON i.id = e.item_id",
    ):
        assert (item_region == region and remote_region is None) or (
            item_region is None and remote_region not in (None, region)
        )
    # The demo accounts have the same names on every node, in the node's region.
    names = _values(db, "SELECT username FROM accounts_user")
    assert {"citizen", "business", "admin", "clerk", "officer-ps", "agent"} <= names


def test_the_joint_household_move_names_wulian_move_out_from_ganyu(db: None) -> None:
    """Moving hukou from Wulian (371121) to Ganyu (320707) is Ganyu's scenario: the move in and
    the medical insurance transfer are Ganyu's items, the move out is Wulian's (its node holds
    it; the federation fans it out)."""
    from onestop.catalog import selectors
    from onestop.catalog.seed import seed_catalog
    from onestop.credentials.seed import seed_licence_types
    from onestop.org.seed import seed_org
    from onestop.sharing.seed import seed_datasets

    seed_org(region="320707")
    seed_datasets()
    seed_licence_types()
    seed_catalog(region="320707")
    scenario = selectors.scenario_get(region="320707", slug="household-move-371121-320707")
    local = selectors.scenario_items(scenario=scenario)
    assert [item.code for item in local] == ["32070700GA-QR-0003", "32070700YB-GG-0007"]
    remote = selectors.scenario_remote_items(scenario=scenario)
    assert [(r.region, r.code, r.position) for r in remote] == [("371121", "37112100GA-QR-0006", 0)]
    # Wulian's node does not hold the scenario (it is Ganyu's), but the move-out item.
    seed_org(region="371121")
    seed_catalog(region="371121")
    assert not selectors.scenario_list(region="371121").filter(slug=scenario.slug).exists()
    assert selectors.item_get(code="37112100GA-QR-0006").region_id == "371121"


def test_the_kiosk_offers_only_the_nodes_own_centres(
    db: None, client: Client, settings: Any
) -> None:
    """Both regions' centres in one database (as if a peer's had reached this node): the
    kiosk of a Ganyu node offers Ganyu's centre only, a Wulian node's Wulian's only."""
    from onestop.org.seed import seed_org

    seed_org(region="371121")
    seed_org(region="320707")
    for region, own, other in (
        ("320707", "ganyu-centre", "wulian-centre"),
        ("371121", "wulian-centre", "ganyu-centre"),
    ):
        settings.NODE_REGION = region
        response = client.get("/queue/")
        assert [c.slug for c in response.context["centres"]] == [own]
        page = response.content.decode()
        assert f'value="{own}"' in page
        assert f'value="{other}"' not in page
