"""The hotline's consoles in the staff navigation (web.consoles), with the checks their views
make."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from onestop.hotline import policies
from onestop.web import consoles

consoles.register(
    "hotline.desk",
    _("Agent desk"),
    "hotline:desk",
    lambda user: policies.can(user, policies.CREATE, str(settings.NODE_REGION)),
    order=40,
    group="hotline",
)
consoles.register(
    "hotline.department",
    _("Hotline queue"),
    "hotline:department",
    lambda user: policies.can(user, policies.DEPARTMENT_QUEUE),
    order=50,
    group="hotline",
)
consoles.register(
    "hotline.supervisor",
    _("Supervisor console"),
    "hotline:supervisor",
    lambda user: policies.can(user, policies.SUPERVISE, str(settings.NODE_REGION)),
    order=60,
    group="hotline",
)
consoles.register(
    "hotline.routing",
    _("Routing set-up"),
    "hotline:routing",
    lambda user: policies.can(user, policies.ROUTING, str(settings.NODE_REGION)),
    order=65,
    group="hotline",
)
