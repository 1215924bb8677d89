"""Reads of the e-licence type registry. The registry is public metadata."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from onestop.core.errors import NotFound
from onestop.credentials.models import LicenceType


def licence_type_list() -> QuerySet[LicenceType]:
    """Every licence type, ordered by key, with its issuer kind."""
    return LicenceType.objects.select_related("issuer_kind").order_by("key")


def licence_type_get(*, key: str) -> LicenceType:
    try:
        return LicenceType.objects.select_related("issuer_kind").get(key=key)
    except LicenceType.DoesNotExist:
        raise NotFound(
            _("There is no e-licence type with the key %(key)s.") % {"key": key},
            code="licence_type_not_found",
        ) from None
