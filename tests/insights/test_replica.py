"""The read replica: `DATABASE_REPLICA_URL` configures the alias ``replica`` (mirroring
``default`` in tests), and the dashboards' aggregate reads go there while nothing else does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext

from onestop.insights.selectors import dashboard, read_db
from tests.insights.test_steering import _filters, figures, world  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

SHOW = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps({k: {'ENGINE': v['ENGINE'], 'NAME': v['NAME'], 'HOST': v.get('HOST'), "
    "'TEST': v.get('TEST', {})} for k, v in settings.DATABASES.items()}))"
)


def _databases(extra: dict[str, str]) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_REPLICA_URL"}
    env.update({"DJANGO_SETTINGS_MODULE": "onestop.settings", **extra})
    out = subprocess.run(
        [sys.executable, "-c", SHOW], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_replica_url_configures_the_alias() -> None:
    plain = _databases({})
    assert "replica" not in plain
    wired = _databases(
        {
            "DATABASE_URL": "postgres://onestop@primary.example:5432/onestop",
            "DATABASE_REPLICA_URL": "postgres://reader@replica.example:5432/onestop",
        }
    )
    assert wired["replica"]["ENGINE"] == "django.db.backends.postgresql"
    assert wired["replica"]["HOST"] == "replica.example"
    assert wired["replica"]["TEST"]["MIRROR"] == "default"
    assert wired["default"]["HOST"] == "primary.example"


@pytest.fixture
def replica(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An alias ``replica`` on the test database's own connection (so it sees the test's
    rows), counted apart from ``default``."""
    default = connections["default"]
    default.ensure_connection()
    wrapper = default.__class__(default.settings_dict, alias="replica")
    wrapper.connection = default.connection
    monkeypatch.setitem(settings.DATABASES, "replica", default.settings_dict)
    connections["replica"] = wrapper
    try:
        yield wrapper
    finally:
        wrapper.connection = None  # the connection is default's: never close it here
        del connections["replica"]


def test_the_dashboard_reads_from_the_replica(world, figures, replica) -> None:  # noqa: F811
    assert read_db() == "replica"
    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_default,
    ):
        result = dashboard.steering(actor=world["supervisor"], region="371121", filters=_filters())
    assert result.decided == 2
    read_there = " ".join(q["sql"] for q in on_replica.captured_queries)
    for table in ("cases_case", "cases_supplement", "org_queueticket", "hotline_workorder"):
        assert table in read_there
    read_here = " ".join(q["sql"] for q in on_default.captured_queries)
    for table in ("cases_case", "cases_supplement", "org_queueticket", "hotline_workorder"):
        assert table not in read_here


def test_without_a_replica_the_reads_stay_on_default() -> None:
    assert "replica" not in settings.DATABASES
    assert read_db() == "default"
