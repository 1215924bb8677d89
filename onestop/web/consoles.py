"""The staff consoles: each app registers its consoles here, and staff see only theirs.

`web` is on the ground floor and cannot ask `cases` or `hotline` who may open what, so the
owning app registers each console with the check its view makes, in its `AppConfig.ready()`:

    consoles.register("cases.window", _("Window console"), "cases:window", selectors.is_clerk)

The base template shows a staff navigation built from `for_user(user)` (the consoles the user
may open, in order), and a staff member who signs in without a `next` page lands on the first
one (`landing`), not on the public home page. A console whose check says no is not offered, so
no button leads to a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Console:
    key: str
    label: Any  # a lazy translation
    url_name: str
    allowed: Callable[[Any], bool]
    order: int = 100
    group: str = ""

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_consoles: dict[str, Console] = {}


def register(
    key: str,
    label: Any,
    url_name: str,
    allowed: Callable[[Any], bool],
    *,
    order: int = 100,
    group: str = "",
) -> None:
    """Offer the console at `url_name` to the users for whom `allowed(user)` is true
    (registering the same key again replaces it)."""
    _consoles[key] = Console(key, label, url_name, allowed, order, group)


def registered() -> list[Console]:
    """Every console whose URL is installed, in order, whoever may open it (the tests check
    that each one not offered to someone refuses them)."""
    found = []
    for console in sorted(_consoles.values(), key=lambda c: (c.order, c.key)):
        try:
            console.url  # noqa: B018 - a console whose URL is not installed is not offered
        except NoReverseMatch:
            continue
        found.append(console)
    return found


def for_user(user: Any, group: str | None = None) -> list[Console]:
    """The consoles `user` may open (of `group`, if given), in order; none for anonymous users
    and for citizens' and businesses' accounts (no role check is run for them)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return []
    if getattr(user, "kind", "") != "staff" and not getattr(user, "is_superuser", False):
        return []
    return [
        console
        for console in registered()
        if (group is None or console.group == group) and console.allowed(user)
    ]


def landing(user: Any) -> str | None:
    """Where a staff member lands after signing in: their first console, or None."""
    found = for_user(user)
    return found[0].url if found else None


register(
    "admin",
    _("Administration"),
    "admin:index",
    lambda user: bool(user.is_staff),
    order=90,
)
