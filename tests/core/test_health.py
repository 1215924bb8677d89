"""`/healthz` and `/readyz` (core.health): unauthenticated, cheap, answered before any other
middleware, and `/readyz` names the check that fails."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from onestop.core import health


def test_healthz_answers_without_the_database_or_a_session() -> None:
    # no database in this test: a query would raise
    answer = Client().get("/healthz")

    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}
    assert "no-store" in answer["Cache-Control"]
    assert "sessionid" not in answer.cookies


@pytest.mark.django_db
def test_readyz_is_ok_when_everything_is_there(settings: Any) -> None:
    # a load balancer probes by address: no host check stands in its way
    answer = Client().get("/readyz", HTTP_HOST="10.0.0.7:8000")

    assert answer.status_code == 200
    assert answer.json() == {
        "status": "ok",
        "checks": {
            "database": "ok",
            "cache": "ok",
            "task_queue": "ok",
            "migrations": "ok",
            "keys": "ok",
        },
    }


@pytest.mark.django_db
def test_readyz_is_cheap_once_the_migrations_were_seen_applied(
    django_assert_max_num_queries: Any,
) -> None:
    Client().get("/readyz")
    with django_assert_max_num_queries(3):  # SELECT 1, the task table, the keys on disk
        assert Client().get("/readyz").status_code == 200


@pytest.mark.django_db
def test_readyz_is_503_and_names_the_missing_keys(settings: Any, tmp_path: Any) -> None:
    settings.KEYS_DIR = str(tmp_path / "an-empty-mount")

    answer = Client().get("/readyz")

    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["keys"] == "failed"
    assert body["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_readyz_is_503_when_a_migration_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(health, "_migrated", False)
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: ["pending"])

    answer = Client().get("/readyz")

    assert answer.status_code == 503
    assert answer.json()["checks"]["migrations"] == "failed"


@pytest.mark.django_db
def test_readyz_is_503_when_the_database_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> bool:
        raise OSError("connection refused by db.internal:5432")

    monkeypatch.setitem(health.CHECKS, "database", broken)

    answer = Client().get("/readyz")

    assert answer.status_code == 503
    assert answer.json()["checks"]["database"] == "failed"
    assert b"db.internal" not in answer.content  # no error text leaves the node


def test_probes_answer_get_only() -> None:
    assert Client().post("/healthz").status_code == 405
