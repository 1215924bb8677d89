"""The network screen in the staff navigation (web.consoles)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from onestop.federation import policies
from onestop.web import consoles

consoles.register(
    "federation.network",
    _("Node network"),
    "federation:network",
    lambda user: policies.can(user, policies.Action.NETWORK_VIEW),
    order=80,
)
