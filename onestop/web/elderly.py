"""The elderly-friendly mode (适老化): larger text, fewer choices per page, the 12345 hotline
and the nearest service centre always in view.

On or off per person: on the account of a signed-in person (`User.elderly_mode`, set by
`accounts.views_delegation.elderly`), in the `COOKIE` for everyone (so the choice survives
signing out and holds for anonymous visitors). The base template reads `elderly` from the
context (`web.context_processors.node`) and puts `os-elderly` on `<body>`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

COOKIE = "onestop_elderly"
COOKIE_MAX_AGE = 365 * 24 * 3600


def is_on(request: HttpRequest) -> bool:
    """Whether the page is drawn in the elderly-friendly mode: the signed-in person's choice
    (the helper's own, while acting for someone), else the cookie."""
    user: Any = getattr(request, "agent", None) or getattr(request, "user", None)
    if getattr(user, "is_authenticated", False) and hasattr(user, "elderly_mode"):
        return bool(user.elderly_mode)
    return request.COOKIES.get(COOKIE) == "1"
