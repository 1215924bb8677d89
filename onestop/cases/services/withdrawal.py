"""Withdrawal of a whole application before any item is decided."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from onestop.cases import policies, transitions
from onestop.cases.models import (
    Case,
)
from onestop.cases.services.common import (
    S,
    case_copy,
    case_lock,
    case_not_found,
    case_save,
    current_time,
)
from onestop.core.errors import Conflict, NotFound, PermissionDenied
from onestop.workflow import selectors as workflow_selectors
from onestop.workflow import services as workflow_services


def case_withdraw(*, actor: Any, case: Case) -> Case:
    """The applicant withdraws the whole application before any item has been decided."""
    with transaction.atomic():
        top = case_lock(case.top)
        if not policies.can_view(actor, top):
            raise case_not_found()
        if not policies.can(actor, policies.Action.WITHDRAW, top):
            raise PermissionDenied(_("Only the applicant may withdraw."), code="forbidden")
        if top.status not in (S.DRAFT, S.NOTICE, S.ACCEPTED, S.SUPPLEMENT):
            raise Conflict(
                _("This application can no longer be withdrawn."), code="not_withdrawable"
            )
        items = list(Case.objects.select_for_update().filter(parent=top))
        if top.decision or any(c.decision for c in items):
            raise Conflict(
                _("An item has already been decided: the application can no longer be withdrawn."),
                code="not_withdrawable",
            )
        now = current_time()
        # The item cases' processes stop with them: no task waits, no timer stays set.
        running = items or ([top] if top.kind == Case.Kind.ITEM else [])
        for item_case in running:
            if not item_case.number:
                continue
            try:
                instance = workflow_selectors.instance_get(business_key=str(item_case.number))
            except NotFound:
                continue
            workflow_services.instance_stop(instance=instance, actor=actor, reason="withdrawn")
        for target in [*items, top]:
            if target.is_mirror:  # a joint bundle's item of another region: its node withdraws
                from onestop.cases.services.forwarding_after import withdraw_send

                withdraw_send(target, actor=actor)
                continue
            transitions.step(target, "withdraw", actor=actor, at=now)
            target.task_name = ""
            target.task_lane = ""
            target.completed_at = now
            case_save(target)
    case_copy(case, top if case.pk == top.pk else next(c for c in items if c.pk == case.pk))
    return case
