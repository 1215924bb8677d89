"""Create-or-update of one row that writes only what differs (the seeds and importers are
idempotent through it: a second run changes nothing, not even `updated_at`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)
Outcome = Literal["created", "updated", "unchanged"]


def row_sync(
    model: type[M],
    lookup: dict[str, Any],
    values: dict[str, Any],
    *,
    exclude: Iterable[str] = (),
) -> tuple[M, Outcome]:
    """Create the row matching `lookup`, or bring its `values` up to date.

    `exclude` names fields `full_clean` need not check again (foreign keys the caller has
    already checked). Call inside a transaction.
    """
    skip = list(exclude)
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean(exclude=skip)
        obj.save()
        return obj, "created"
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        return obj, "unchanged"
    for name in changed:
        setattr(obj, name, values[name])
    obj.full_clean(exclude=skip)
    fields = [name.removesuffix("_id") for name in changed]
    if any(f.name == "updated_at" for f in model._meta.get_fields()):
        fields.append("updated_at")
    obj.save(update_fields=fields)
    return obj, "updated"
