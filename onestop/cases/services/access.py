"""Staff access to a citizen's case, recorded through `sharing`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from onestop.cases import policies
from onestop.cases.models import (
    Case,
)


def case_access_record(*, actor: Any, case: Case, fields: Iterable[str]) -> Any:
    """Record that a member of staff viewed a citizen's case (`sharing.services.access_record`,
    dataset "cases", purpose "case-handling", basis "application": handling the applicant's
    own application, whose number is the record's case reference). The applicant viewing
    their own case is not recorded (returns None)."""
    from onestop.sharing.services import access_record

    top = case.top
    if policies.is_applicant(actor, top) or not top.applicant_index:
        return None
    return access_record(
        actor=actor,
        subject_index=top.applicant_index,
        dataset="cases",
        fields=[str(f) for f in fields],
        purpose="case-handling",
        basis="application",
        case_ref=str(case.number or top.number or f"draft {top.pk}"),
    )
