"""New rows of one model in one ``INSERT`` whose text is built once per process.

`rows_insert(objs)` writes what `bulk_create` writes (each field's value as `save` prepares
it: defaults, ``auto_now_add``, encryption of `core.fields`' encrypted fields, JSON adapted)
and sets the primary keys the database generates, but keeps the statement's text per model
and row count instead of compiling the query again each time: on PostgreSQL building an
``INSERT`` through the ORM was about a third of an Open311 intake's CPU (docs/operations.md,
"Intake profile"). No signals are sent, as with `bulk_create`; no validation is run (call
`full_clean` first where needed). Other databases, and models with a field that asks for its
own placeholder, use `bulk_create`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, models, router

_SQL: dict[tuple[type[models.Model], int, bool], tuple[str, list[Any]]] = {}


def _statement(model: type[models.Model], rows: int, generated: bool) -> tuple[str, list[Any]]:
    key = (model, rows, generated)
    if key not in _SQL:
        meta = model._meta
        fields = [f for f in meta.concrete_fields if not (generated and f is meta.auto_field)]
        columns = ", ".join(f'"{f.column}"' for f in fields)
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        returning = f' RETURNING "{meta.pk.column}"' if generated and meta.pk else ""
        # Names from the model's meta; every value is a parameter.
        values = ", ".join([row] * rows)
        sql = f'INSERT INTO "{meta.db_table}" ({columns}) VALUES {values}'  # noqa: S608
        _SQL[key] = (sql + returning, fields)
    return _SQL[key]


def rows_insert(objs: Sequence[models.Model]) -> None:
    """Insert `objs` (all of one model, none saved yet) in one statement."""
    if not objs:
        return
    model = type(objs[0])
    using = router.db_for_write(model)
    connection = connections[using]
    meta = model._meta
    if connection.vendor != "postgresql" or any(
        hasattr(f, "get_placeholder") for f in meta.concrete_fields
    ):
        model._default_manager.bulk_create(objs)
        return
    for obj in objs:  # a foreign key to a row saved since it was set (as bulk_create does)
        obj._prepare_related_fields_for_save(operation_name="rows_insert")  # type: ignore[attr-defined]
    generated = meta.auto_field is not None and all(o.pk is None for o in objs)
    sql, fields = _statement(model, len(objs), generated)
    params = [
        f.get_db_prep_save(f.pre_save(obj, True), connection=connection)
        for obj in objs
        for f in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if generated and meta.auto_field is not None:
            attname = meta.auto_field.attname
            for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
                setattr(obj, attname, pk)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using
