"""Personal data is encrypted at rest (`core.fields`): the raw column never holds the clear
value, reads give it back, tokens cannot be searched, legacy rows are encrypted by the data
migration helper, and `onestop pii_rotate` re-encrypts everything with the newest key."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from onestop.accounts.models import User
from onestop.core import crypto, fields
from onestop.hotline.models import WorkOrder
from tests.factories import CitizenFactory

_serial = iter(range(100, 999))


@pytest.fixture(autouse=True)
def _world(world: dict[str, User]) -> None:
    """The hotline world (org, demo accounts, 12345 catalogue)."""


def _citizen(phone: str) -> User:
    body = f"37112119930315{next(_serial):03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    user: User = CitizenFactory(resident_id=body + check, phone=phone)
    return user


def _raw(table: str, column: str, pk: Any) -> Any:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(column)} FROM {quote(table)} WHERE id = %s",  # noqa: S608
            [pk],
        )
        return cursor.fetchone()[0]


def test_user_phone_is_a_token_in_the_database_and_clear_in_python() -> None:
    user = _citizen(phone="13812345678")
    raw = _raw("accounts_user", "phone", user.pk)
    assert "13812345678" not in raw
    assert raw.startswith(fields.TOKEN_PREFIX)
    assert User.objects.get(pk=user.pk).phone == "13812345678"
    assert User.objects.filter(pk=user.pk).values_list("phone", flat=True)[0] == "13812345678"


def test_hotline_caller_name_and_address_are_tokens(make: Any) -> None:
    order = make(contact_name="李雷", address="五莲县洪凝街道88号")
    assert "李雷" not in _raw("hotline_workorder", "contact_name", order.pk)
    assert "洪凝" not in _raw("hotline_workorder", "address", order.pk)
    again = WorkOrder.objects.get(pk=order.pk)
    assert (again.contact_name, again.address) == ("李雷", "五莲县洪凝街道88号")


def test_blank_values_stay_blank() -> None:
    user = _citizen(phone="")
    assert _raw("accounts_user", "phone", user.pk) == ""
    assert User.objects.get(pk=user.pk).phone == ""


def test_encrypted_fields_refuse_lookups() -> None:
    _citizen(phone="13812345678")
    with pytest.raises(TypeError, match="blind index"):
        list(User.objects.filter(phone="13812345678"))
    with pytest.raises(TypeError, match="blind index"):
        list(User.objects.filter(phone__contains="1381"))
    assert User.objects.filter(phone__isnull=True).count() == 0


def test_migration_helper_encrypts_legacy_rows_and_reverses() -> None:
    user = _citizen(phone="13812345678")
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:  # a row written before the migration: clear text
        cursor.execute(
            f"UPDATE accounts_user SET {quote('phone')} = %s WHERE id = %s",  # noqa: S608
            ["13900000000", user.pk],
        )
    editor = SimpleNamespace(connection=connection)  # what a migration's schema editor offers
    assert fields.encrypt_columns(editor, "accounts_user", {"phone": False}) >= 1
    raw = _raw("accounts_user", "phone", user.pk)
    assert raw.startswith(fields.TOKEN_PREFIX)
    assert User.objects.get(pk=user.pk).phone == "13900000000"
    # a second run leaves tokens alone
    fields.encrypt_columns(editor, "accounts_user", {"phone": False})
    assert _raw("accounts_user", "phone", user.pk) == raw
    fields.encrypt_columns(editor, "accounts_user", {"phone": False}, reverse=True)
    assert _raw("accounts_user", "phone", user.pk) == "13900000000"


def test_json_helper_encrypts_legacy_json_text() -> None:
    token = fields.encrypt_column('{"id_number": "37112119930315123X"}', json_value=True)
    assert "3711211993" not in token
    assert crypto.decrypt_pii(token) == '{"id_number": "37112119930315123X"}'
    assert fields.encrypt_column(token, json_value=True) == token


def test_pii_rotate_re_encrypts_with_a_new_key(tmp_path: Path, make: Any) -> None:
    user = _citizen(phone="13812345678")
    order = make(contact_name="李雷")
    before = _raw("accounts_user", "phone", user.pk)
    call_command("pii_rotate", "--new-key", stdout=open(tmp_path / "out.txt", "w"))  # noqa: SIM115
    after = _raw("accounts_user", "phone", user.pk)
    assert after != before
    # Only the newest key left: every rotated column still decrypts, older tokens do not.
    keys = tmp_path / "keys" / crypto.PII_KEYS
    keys.write_text(keys.read_text().split()[0] + "\n")
    crypto.reset_key_cache()
    assert User.objects.get(pk=user.pk).phone == "13812345678"
    assert User.objects.get(pk=user.pk).resident_id_masked  # the *_enc columns rotated too
    assert crypto.decrypt_pii(User.objects.get(pk=user.pk).resident_id_enc)
    assert WorkOrder.objects.get(pk=order.pk).contact_name == "李雷"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_pii(before)
    assert "rows re-encrypted with the newest key" in (tmp_path / "out.txt").read_text()
