"""The consoles of `insights` in the staff navigation (web.consoles): the steering dashboard of
the director and the department head, and the hotspot cards; offered to whoever may see the
indicators of the node's region (`policies.can(user, "region:insights:view", NODE_REGION)`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from onestop.insights import policies
from onestop.web import consoles


def _may_see(user: Any) -> bool:
    return policies.can(user, policies.VIEW_HOTLINE, str(settings.NODE_REGION))


consoles.register(
    "insights.steering", _("Service indicators"), "insights:steering", _may_see, order=65
)
consoles.register("insights.hotspots", _("Hotspots"), "insights:hotspots", _may_see, order=66)
