"""Deployment check of the Open311 gateway: the demo API key is not accepted in production."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import DatabaseError
from django.db.models import Q

from onestop.core import secrets
from onestop.core.checks import register
from onestop.open311 import seed, services
from onestop.open311.models import ApiClient


@register
def no_demo_key(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not secrets.production():
        return []
    try:
        names = sorted(
            ApiClient.objects.filter(
                Q(key_hash=services.hash_key(seed.DEMO_KEY)) | Q(name=seed.DEMO_NAME)
            ).values_list("name", flat=True)
        )
    except DatabaseError:
        return []  # accounts' check already reports a database it cannot read
    if not names:
        return []
    return [
        checks.Error(
            "The published demo Open311 key exists on this production node: " + ", ".join(names),
            hint="Delete that API client (Django admin) and issue keys with "
            "`onestop open311_key create`.",
            id="onestop.E111",
        )
    ]
