"""Public tracking links of cases: `/track/<number>/?t=<token>`.

The token is an HMAC of the case number under the node's secret key (tokens made under a key
named in `SECRET_KEY_FALLBACKS` still open the page after a rotation), so a number alone opens
nothing and numbers cannot be enumerated. A wrong number or token gives the same 404 as an
unknown case. The tracking page shows the status and the timeline only, never personal data.
"""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from onestop.cases.models import Case, CaseEvent
from onestop.core.errors import NotFound

SALT = "onestop.cases.tracking"
TOKEN_LENGTH = 24  # hex characters: 96 bits


def token_for(number: str, *, secret: str | None = None) -> str:
    """The token of `number` under the current secret key (or `secret`)."""
    return salted_hmac(SALT, number, secret=secret, algorithm="sha256").hexdigest()[:TOKEN_LENGTH]


def token_valid(number: str, token: str) -> bool:
    """Whether `token` is the token of `number` under the current secret key or one of its
    `SECRET_KEY_FALLBACKS`: the links printed on receipts keep working after a rotation."""
    if not number:
        return False
    given = str(token or "")
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(hmac.compare_digest(token_for(number, secret=s), given) for s in secrets)


def track_path(number: str) -> str:
    return reverse("cases:track", args=[number]) + "?" + urlencode({"t": token_for(number)})


def _not_found() -> NotFound:
    return NotFound(_("No case matches this tracking link."), code="case_not_found")


def case_for_tracking(*, number: str, token: str) -> Case:
    """The top case of `number` when the token matches; else NotFound (whether or not the case
    exists). Drafts have no number, so they are never found."""
    if not token_valid(number, token):
        raise _not_found()
    case = Case.objects.select_related("scenario", "item", "region").filter(number=number).first()
    if case is None:
        raise _not_found()
    return case


def tracking_view(*, case: Case) -> dict[str, Any]:
    """What the public page shows: no names, IDs, form data or files."""
    top = case.top
    children = list(
        top.children.select_related("item", "department").order_by("number")
        if top.kind == Case.Kind.BUNDLE
        else []
    )
    ids = [top.pk, *(c.pk for c in children)]
    events = list(
        CaseEvent.objects.filter(case_id__in=ids).select_related("case").order_by("at", "id")
    )
    return {"case": top, "children": children, "events": events}
