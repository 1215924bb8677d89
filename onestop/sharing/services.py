"""Writes of the sharing registry."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from onestop.core.errors import PermissionDenied
from onestop.sharing.models import Dataset


def dataset_upsert(*, actor: Any, row: dict[str, Any]) -> tuple[Dataset, bool]:
    """Create or update a dataset from its registry row; writes only when a value differs.

    `actor=None` is the system (seed); other actors must be superusers (the registry is national
    metadata, not a regional setting). Returns the dataset and whether anything was written.
    """
    if actor is not None and not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("You may not change the dataset registry."))
    values = {
        "name_zh": row["name_zh"],
        "name_en": row.get("name_en", ""),
        "provider_kind_id": row["provider_kind"],
        "sensitivity": row["sensitivity"],
        "subject": row["subject"],
        "basis": row["basis"],
        "fields": row["fields"],
    }
    with transaction.atomic():
        dataset = Dataset.objects.filter(key=row["key"]).first()
        if dataset is None:
            dataset = Dataset(key=row["key"], **values)
            dataset.full_clean()
            dataset.save()
            return dataset, True
        changed = [name for name, value in values.items() if getattr(dataset, name) != value]
        if not changed:
            return dataset, False
        for name in changed:
            setattr(dataset, name, values[name])
        dataset.full_clean()
        dataset.save(update_fields=[n.removesuffix("_id") for n in changed] + ["updated_at"])
        return dataset, True
