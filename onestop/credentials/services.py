"""Writes of the e-licence type registry."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from onestop.core.errors import PermissionDenied, ValidationFailed
from onestop.credentials.models import LicenceType
from onestop.sharing.selectors import dataset_get


def licence_type_upsert(*, actor: Any, row: dict[str, Any]) -> tuple[LicenceType, bool]:
    """Create or update a licence type from its registry row; writes only when a value differs.

    `actor=None` is the system (seed); other actors must be superusers. The backing dataset,
    when given, must exist. Returns the licence type and whether anything was written.
    """
    if actor is not None and not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("You may not change the e-licence type registry."))
    if row.get("trust_level", "A") not in ("A", "B", "C", "D"):
        raise ValidationFailed(_("The trust level must be A, B, C or D."))
    if row.get("dataset"):
        dataset_get(key=row["dataset"])
    values = {
        "name_zh": row["name_zh"],
        "name_en": row.get("name_en", ""),
        "issuer_kind_id": row["issuer_kind"],
        "dataset": row.get("dataset") or "",
        "trust_level": row.get("trust_level", "A"),
    }
    with transaction.atomic():
        licence = LicenceType.objects.filter(key=row["key"]).first()
        if licence is None:
            licence = LicenceType(key=row["key"], **values)
            licence.full_clean()
            licence.save()
            return licence, True
        changed = [name for name, value in values.items() if getattr(licence, name) != value]
        if not changed:
            return licence, False
        for name in changed:
            setattr(licence, name, values[name])
        licence.full_clean()
        licence.save(update_fields=[n.removesuffix("_id") for n in changed] + ["updated_at"])
        return licence, True
