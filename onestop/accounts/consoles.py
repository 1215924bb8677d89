"""The console of `accounts` in the staff navigation (web.consoles): recording assisted
handling (帮办代办) at a window, for window clerks (the check `views_delegation.record` makes,
through `policies.can(..., DELEGATION_RECORD, centre)`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from onestop.accounts.policies import Role, has_role
from onestop.web import consoles

consoles.register(
    "accounts.delegations",
    _("Assisted handling"),
    "accounts:delegation_record",
    lambda user: has_role(user, Role.WINDOW_CLERK),
    order=15,
    group="cases",
)
