"""The issued e-licences list in the staff navigation (web.consoles)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from onestop.credentials import policies
from onestop.web import consoles

consoles.register(
    "credentials.issued",
    _("Issued e-licences"),
    "credentials:issued",
    policies.issuing_staff,
    order=70,
)
