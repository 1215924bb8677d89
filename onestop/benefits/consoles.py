"""The console of `benefits` in the staff navigation (web.consoles): the offers of the
departments that grant benefits, and their figures."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from onestop.benefits import policies
from onestop.web import consoles

consoles.register(
    "benefits.department",
    _("Benefits without applying"),
    "benefits:console",
    lambda user: policies.can(user, policies.CONSOLE, None),
    order=45,
    group="benefits",
)
