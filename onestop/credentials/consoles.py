"""The issued e-licences list in the staff navigation (web.consoles): offered to whoever may
open it (`policies.can(user, ISSUED_VIEW, None)`, the check `views.issued` makes: issuing
staff, department officers and administrators), refused to everyone else."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from onestop.credentials import policies
from onestop.web import consoles

consoles.register(
    "credentials.issued",
    _("Issued e-licences"),
    "credentials:issued",
    lambda user: policies.can(user, policies.Action.ISSUED_VIEW, None),
    order=70,
)
