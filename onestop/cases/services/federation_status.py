"""The handling node tells the receiving node of every status of a forwarded case
(`case.status`, docs/federation.md "Cross-province cases").

Called by `common.case_save` for a case handled here for another region's node
(`Case.is_forwarded_here`), inside the transaction that changes the status: the message is
written to the federation outbox with the change (nothing lost, delivered exactly once after
the commit). Each message carries a sequence number, so the receiving node applies the newest
status even when two messages arrive out of order.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from onestop.cases.models import Case, CaseMaterial, Supplement
from onestop.cases.services.common import SUPPLEMENT_WORKING_DAYS
from onestop.core import calendar
from onestop.federation import services as federation_services

STATUS = "case.status"
S = Case.Status
NOT_REPORTED = (S.DRAFT, S.NOTICE, S.FORWARDED)


def status_body(case: Case) -> dict[str, Any]:
    """What the receiving node's mirror shows of the case now (never the form or materials)."""
    body: dict[str, Any] = {
        "case": case.remote_case,
        "seq": case.remote_seq,
        "status": str(case.status),
        "number": case.number or "",
        "promised_days": case.promised_days,
        "due_date": case.due_date.isoformat() if case.due_date else None,
    }
    if case.decision:
        body["decision"] = case.decision
        body["reason"] = (case.decision_reason or "")[:2000]
    if case.status == S.SUPPLEMENT:
        open_request = (
            Supplement.objects.filter(case=case, answered_at__isnull=True)
            .order_by("-requested_at")
            .first()
        )
        if open_request is not None:
            body["supplement"] = open_request.reason[:2000]
            # what the applicant hands in again at home (`case.supplement` brings it back)
            names = {
                m.key: (m.name_zh, m.name_en)
                for m in CaseMaterial.objects.filter(case=case.top, key__in=open_request.materials)
            }
            body["supplement_materials"] = [
                {"key": k, "name_zh": names.get(k, (k, ""))[0], "name_en": names.get(k, (k, ""))[1]}
                for k in open_request.materials
            ]
            body["supplement_due"] = calendar.add_working_days(
                timezone.localdate(open_request.requested_at), SUPPLEMENT_WORKING_DAYS
            ).isoformat()
    if case.credential_id is not None and case.credential is not None:
        body["licence"] = case.credential.token
    if case.delivery:
        body["delivery"] = str(case.delivery)
    return body


def status_publish(case: Case) -> None:
    """Queue `case.status` for the case's new status (in memory: the caller saves the case,
    which keeps the sequence and the status sent). Call inside the transaction of the change."""
    if case.status in NOT_REPORTED or not case.remote_case:
        return
    case.remote_seq += 1
    case.remote_status = str(case.status)
    federation_services.message_send(
        to_region=case.receiving_region,
        type=STATUS,
        body=status_body(case),
        purpose="case",
        subject=f"case:{case.remote_case}",
    )
