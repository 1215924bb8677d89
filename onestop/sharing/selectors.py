"""Reads of the sharing registry (authoritative datasets). The registry is public metadata."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from onestop.core.errors import NotFound
from onestop.sharing.models import Dataset


def dataset_list() -> QuerySet[Dataset]:
    """Every dataset of the registry, ordered by key, with its provider kind."""
    return Dataset.objects.select_related("provider_kind").order_by("key")


def dataset_get(*, key: str) -> Dataset:
    try:
        return Dataset.objects.select_related("provider_kind").get(key=key)
    except Dataset.DoesNotExist:
        raise NotFound(
            _("There is no dataset with the key %(key)s.") % {"key": key}, code="dataset_not_found"
        ) from None


def dataset_field_keys() -> dict[str, set[str]]:
    """{dataset key: {field key, ...}} for validating pre-fill sources (one query)."""
    return {
        key: {str(f["key"]) for f in fields}
        for key, fields in Dataset.objects.values_list("key", "fields")
    }
