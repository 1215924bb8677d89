"""Model fields that keep personal data encrypted at rest (Fernet keys of `core.crypto`).

`EncryptedTextField` stores a string, `EncryptedJSONField` a JSON value, each as one Fernet
token in a text column: the value is encrypted in `get_prep_value` and decrypted in
`from_db_value`, so code reads and writes clear values and the database only ever holds
tokens. The empty string is stored as it is (an empty token would reveal nothing more and
keeps blank columns cheap).

A token is not searchable: every lookup other than `isnull` is refused, so a query cannot
silently compare clear text with ciphertext. Exact matching goes through a separate blind
index column (`core.crypto.blind_index`), as the resident ID and the hotline caller's phone do.

Tokens are re-encrypted with the newest key by `onestop pii_rotate` (`rotate_model_tokens`).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Lookup

from onestop.core import crypto

# Every Fernet token starts with the version byte 0x80, base64 "gAAAAA".
TOKEN_PREFIX = "gAAAAA"  # noqa: S105 - a format marker, not a secret


class _RefusedLookup(Lookup):
    def as_sql(self, compiler: Any, connection: Any) -> Any:
        raise TypeError(
            f"encrypted field {self.lhs.target.name!r} cannot be searched with "
            f"{self.lookup_name!r}: use its blind index"
        )


class EncryptedMixin:
    """Shared behaviour: refuse lookups, store tokens in a text column."""

    def get_internal_type(self) -> str:
        return "TextField"

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)  # type: ignore[misc]
        return type(lookup_name, (_RefusedLookup,), {"lookup_name": lookup_name})

    def get_transform(self, lookup_name: str) -> Any:
        return None


class EncryptedTextField(EncryptedMixin, models.TextField):
    """A string stored as a Fernet token ("" stays ""). Keeps `max_length` for validation."""

    description = "Text encrypted at rest"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return crypto.decrypt_pii(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith(TOKEN_PREFIX):
            try:
                return crypto.decrypt_pii(value)
            except crypto.DecryptionError:
                return value
        return super().to_python(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt_pii(str(value))

    def value_to_string(self, obj: models.Model) -> str:
        return str(self.value_from_object(obj) or "")

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        # A short value (a phone, a name) is one line in forms and the admin, as it was.
        if self.max_length is not None and self.max_length <= 300:
            from django import forms

            kwargs.setdefault("widget", forms.TextInput)
        return super().formfield(**kwargs)


class EncryptedJSONField(EncryptedMixin, models.TextField):
    """A JSON value (dict, list, ...) stored as one Fernet token of its JSON text."""

    description = "JSON encrypted at rest"
    # for django-stubs: a JSON value in and out, not the column's text
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return self.get_default() if not self.null else None
        return json.loads(crypto.decrypt_pii(value))

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith(TOKEN_PREFIX):
            return json.loads(crypto.decrypt_pii(value))
        return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        text = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)
        return crypto.encrypt_pii(text)

    def value_to_string(self, obj: models.Model) -> str:
        return json.dumps(self.value_from_object(obj), cls=DjangoJSONEncoder, ensure_ascii=False)


def encrypt_column(value: Any, *, json_value: bool) -> Any:
    """The token a legacy clear value becomes (for data migrations; tokens stay as they are).

    `value` is the raw column content: a JSON text (or, on PostgreSQL before the column became
    text, a decoded JSON value) when `json_value`, else the clear string."""
    if value is None or value == "":
        return value
    if isinstance(value, str) and value.startswith(TOKEN_PREFIX):
        return value
    if json_value:
        data = json.loads(value) if isinstance(value, str) else value
        text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)
        return crypto.encrypt_pii(text)
    return crypto.encrypt_pii(str(value))


def decrypt_column(value: Any, *, json_value: bool) -> Any:
    """The clear value of a token (for reversing data migrations): JSON text or a string."""
    if value is None or value == "" or not str(value).startswith(TOKEN_PREFIX):
        return value
    return crypto.decrypt_pii(str(value))


def encrypt_columns(
    schema_editor: Any, table: str, columns: dict[str, bool], *, reverse: bool = False
) -> int:
    """Encrypt (or, `reverse`, decrypt) `columns` ({name: is_json}) of every row of `table`
    in place with raw SQL (the historical model would decrypt on read). Returns rows changed.
    Works on SQLite and PostgreSQL (plain SELECT / UPDATE ... WHERE pk)."""
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    names = list(columns)
    changed = 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('id')}, {', '.join(quote(n) for n in names)} "  # noqa: S608 - names are ours
            f"FROM {quote(table)}"
        )
        rows = cursor.fetchall()
    for pk, *values in rows:
        new = [
            decrypt_column(v, json_value=columns[n])
            if reverse
            else encrypt_column(v, json_value=columns[n])
            for n, v in zip(names, values, strict=True)
        ]
        if new == list(values):
            continue
        assignments = ", ".join(f"{quote(n)} = %s" for n in names)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {quote(table)} SET {assignments} WHERE {quote('id')} = %s",  # noqa: S608
                [*new, pk],
            )
        changed += 1
    return changed


def token_columns(model: type[models.Model]) -> list[str]:
    """The columns of `model` that hold Fernet tokens: its encrypted fields, and the older
    text columns named ``*_enc`` that services fill with `crypto.encrypt_pii`."""
    return [
        f.column
        for f in model._meta.concrete_fields
        if isinstance(f, EncryptedMixin)
        or (isinstance(f, models.TextField) and f.name.endswith("_enc"))
    ]


def rotate_model_tokens(model: type[models.Model]) -> int:
    """Re-encrypt every encrypted column of `model` with the newest key (`pii_key_add` first).
    Rows are read and written raw (no decrypt/re-encode round trip of the JSON). Returns the
    number of rows rewritten."""
    from django.db import connection, transaction

    columns = token_columns(model)
    if not columns:
        return 0
    quote = connection.ops.quote_name
    table = model._meta.db_table
    pk = model._meta.pk
    assert pk is not None  # noqa: S101 - every concrete model has one
    changed = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(pk.column)}, {', '.join(quote(c) for c in columns)} "  # noqa: S608
            f"FROM {quote(table)}"
        )
        rows = cursor.fetchall()
        for row_pk, *values in rows:
            new = [crypto.rotate_pii(v) if v else v for v in values]
            if new == values:
                continue
            assignments = ", ".join(f"{quote(c)} = %s" for c in columns)
            cursor.execute(
                f"UPDATE {quote(table)} SET {assignments} WHERE {quote(pk.column)} = %s",  # noqa: S608
                [*new, row_pk],
            )
            changed += 1
    return changed
