"""The data migrations of issue 10 encrypt rows written before them, and reverse cleanly: run
back to the state before, write clear rows with the historical models, run forward, read.
On SQLite and on PostgreSQL (where the JSON columns change type from jsonb to text)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("accounts", "0002_assurance_levels"),
    ("cases", "0009_answer_provenance"),
    ("hotline", "0002_numbers_from_core_day_counter"),
]
AFTER = [
    ("accounts", "0003_encrypt_phone"),
    ("cases", "0010_encrypt_personal_data"),
    ("hotline", "0003_encrypt_caller_details"),
]


def _migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


def _raw(sql: str, params: list[object]) -> tuple[object, ...]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    assert row is not None
    return tuple(row)


@pytest.mark.django_db(transaction=True)
def test_existing_rows_are_encrypted_and_the_migration_reverses() -> None:
    latest = list(MigrationExecutor(connection).loader.graph.leaf_nodes())
    try:
        old = _migrate(BEFORE).loader.project_state(BEFORE).apps
        region = old.get_model("org", "Region").objects.create(
            code="371121", level="county", name_zh="五莲县", name_en="Wulian"
        )
        user = old.get_model("accounts", "User").objects.create(
            username="before", phone="13812345678"
        )
        case = old.get_model("cases", "Case").objects.create(
            region=region,
            channel="online",
            applicant_id=user.pk,
            contact_phone="13812345678",
            form_data={"mother_id_number": "37112119930315123X", "n": 1},
            prefill_values={"mother_id_number": "37112119930315123X"},
        )

        after = _migrate(AFTER).loader.project_state(AFTER).apps
        phone = _raw("SELECT phone FROM accounts_user WHERE id = %s", [user.pk])[0]
        form, prefill, contact = _raw(
            "SELECT form_data, prefill_values, contact_phone FROM cases_case WHERE id = %s",
            [case.pk.hex if connection.vendor == "sqlite" else case.pk],
        )
        for value in (phone, form, prefill, contact):
            assert isinstance(value, str)
            assert value.startswith("gAAAAA")
            assert "1381234" not in value
            assert "3711211993" not in value
        # The models as of AFTER: later migrations add columns the database does not have yet.
        assert after.get_model("accounts", "User").objects.get(pk=user.pk).phone == "13812345678"
        now = after.get_model("cases", "Case").objects.get(pk=case.pk)
        assert now.form_data == {"mother_id_number": "37112119930315123X", "n": 1}
        assert now.prefill_values == {"mother_id_number": "37112119930315123X"}
        assert now.contact_phone == "13812345678"

        back = _migrate(BEFORE).loader.project_state(BEFORE).apps
        assert back.get_model("accounts", "User").objects.get(pk=user.pk).phone == "13812345678"
        assert back.get_model("cases", "Case").objects.get(pk=case.pk).form_data == {
            "mother_id_number": "37112119930315123X",
            "n": 1,
        }
    finally:
        _migrate(latest)
