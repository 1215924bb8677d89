"""Writes of `cases`, one module per topic (the way Zulip split `zerver/lib/actions.py` into
`zerver/actions/`). Every public verb is keyword-only and re-exported here, so
``from onestop.cases import services; services.case_submit(...)`` keeps working.

Every write runs in `transaction.atomic` holding the row lock of the top case (and of the item
case it changes), checks the policy against the locked rows, and leaves nothing half-done when a
check fails; every status change is one step of `cases.transitions`.

- `drafts`: draft_start, draft_save, prefill_apply, prefill_apply_report
- `submission`: case_submit (and the fan-out into item cases shared with the window)
- `acceptance`: case_accept, notice_issue (the window's unified acceptance)
- `steps`: task_complete (the officers' steps, decisions included)
- `supplements`: supplement_request, supplement_answer
- `delivery`: e-licences and paper results, bundle completion, result_collect
- `withdrawal`: case_withdraw
- `forwarding`: cross-province cases (case_forward, remote_item_get; the handlers of
  `case.item`, `case.forward`, `case.status`), `federation_status` (the handling node's
  `case.status` on every status change, from `common.case_save`); `forwarding_window`
  (received elsewhere: window_forward, window_forward_notice); `forwarding_joint` (joint
  handling: a bundle's items of other regions forwarded with its acceptance);
  `forwarding_after` (supplements and withdrawal across nodes)
- `access`: case_access_record
- `window`: the clerk's console (walk-in look-up, material check, window_accept, ...)
  (the walk-in queue itself is the service centre's: `org.services`)
- `service_code`: walkin_scan (the clerk scans the walk-in's government service code)
- `office`: task_act (the officer's case-page form)
- private helpers: `common` (locks, events, checks), `forms`, `materials`, `numbering`,
  `notices`, `engine_sync`
"""

from __future__ import annotations

from onestop.cases.services.acceptance import case_accept, notice_issue
from onestop.cases.services.access import case_access_record
from onestop.cases.services.common import (
    FINAL_ITEM,
    HANDED_IN,
    MAX_REASON,
    MAX_TEXT,
    ONLINE_OK,
    OPEN_DRAFT,
    SUPPLEMENT_WORKING_DAYS,
    WINDOW_OK,
)
from onestop.cases.services.delivery import result_collect
from onestop.cases.services.drafts import (
    draft_save,
    draft_start,
    prefill_apply,
    prefill_apply_report,
)
from onestop.cases.services.forwarding import case_forward, remote_item_get
from onestop.cases.services.forwarding_after import mirror_supplement_answer, mirror_withdraw
from onestop.cases.services.forwarding_window import window_forward, window_forward_notice
from onestop.cases.services.office import task_act
from onestop.cases.services.service_code import walkin_scan
from onestop.cases.services.steps import task_complete
from onestop.cases.services.submission import DECLARATION, case_submit
from onestop.cases.services.supplements import supplement_answer, supplement_request
from onestop.cases.services.window import (
    CLERK_MODES,
    application_start,
    document_get,
    material_check,
    material_scan,
    receipt_ensure,
    ticket_served_ref,
    walkin_lookup,
    window_accept,
    window_notice,
    window_result_collect,
    window_result_post,
    window_supplement_answer,
)
from onestop.cases.services.withdrawal import case_withdraw

__all__ = [
    "CLERK_MODES",
    "DECLARATION",
    "FINAL_ITEM",
    "HANDED_IN",
    "MAX_REASON",
    "MAX_TEXT",
    "ONLINE_OK",
    "OPEN_DRAFT",
    "SUPPLEMENT_WORKING_DAYS",
    "WINDOW_OK",
    "application_start",
    "case_accept",
    "case_access_record",
    "case_forward",
    "case_submit",
    "case_withdraw",
    "document_get",
    "draft_save",
    "draft_start",
    "material_check",
    "material_scan",
    "mirror_supplement_answer",
    "mirror_withdraw",
    "notice_issue",
    "prefill_apply",
    "prefill_apply_report",
    "receipt_ensure",
    "remote_item_get",
    "result_collect",
    "supplement_answer",
    "supplement_request",
    "task_act",
    "task_complete",
    "ticket_served_ref",
    "walkin_lookup",
    "walkin_scan",
    "window_accept",
    "window_forward",
    "window_forward_notice",
    "window_notice",
    "window_result_collect",
    "window_result_post",
    "window_supplement_answer",
]
