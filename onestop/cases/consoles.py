"""The consoles of `cases` in the staff navigation (web.consoles)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from onestop.cases import selectors
from onestop.web import consoles

consoles.register(
    "cases.window",
    _("Window console"),
    "cases:window",
    lambda user: bool(selectors.clerk_regions(user)) or bool(user.is_superuser),
    order=10,
    group="cases",
)
consoles.register(
    "cases.office",
    _("Applications queue"),
    "cases:office",
    lambda user: selectors.officer_scope(user) is not None,
    order=20,
    group="cases",
)
consoles.register(
    "cases.supervisor",
    _("Time-limit board"),
    "cases:supervisor",
    lambda user: selectors.supervisor_scope(user) is not None,
    order=30,
    group="cases",
)
