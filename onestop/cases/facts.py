"""What an item case's process starts with: its special steps, the time limit as a duration,
and — for items decided by rules (秒批) — the verified facts its DMN table reads.

Facts come only from verified sources: e-licences in the applicant's wallet, and shared
datasets fetched through `sharing.services.data_fetch_many` (the datasets every collector
declares in `NEEDS`, for all the items of a submission in one batch; every dataset fetched is
still recorded on its own in the access records and the ledger). Never from what the
applicant typed.

Fetching happens before the acceptance transaction (see `data_fetch`'s docstring) and only
when the actor is the applicant themself (basis ``self``: an online submission) and their
identity is verified (assurance level L2 or more: an L1 applicant's fetches are refused and
recorded, and every fact keeps its default, so the case goes to an officer). At the window
the clerk has no agreement to fetch a citizen's data, so nothing is fetched, every fact is
False, and the DMN table's catch-all sends the case to an officer: rules never approve on
missing data.

Each auto process registers a collector in `COLLECTORS` (process key → function); adding an
item that decides by rules = a BPMN + DMN in `workflow/processes/`, a collector here, and an
`ItemProcess` row (data/seed/item_processes.json).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from onestop.accounts.policies import Scope, acts_for
from onestop.cases.models import Case
from onestop.catalog.models import Item
from onestop.core.errors import DomainError
from onestop.sharing import policies as sharing_policies
from onestop.sharing.models import Purpose
from onestop.sharing.selectors import subject_index_of

Facts = dict[str, Any]


class Fetcher:
    """Fetches fields of the applicant's own records, once per dataset, recording each fetch.

    `prefetch` fetches what the collectors declared (`NEEDS`) in one batched call of
    `sharing.services.data_fetch_many`; `get` answers from it, and fetches on its own only
    what was not declared."""

    def __init__(self, actor: Any, case: Case) -> None:
        self.actor = actor
        self.case = case
        self._cache: dict[str, dict[str, Any] | None] = {}

    @staticmethod
    def _key(dataset: str, fields: list[str]) -> str:
        return f"{dataset}:{','.join(sorted(fields))}"

    def prefetch(self, needs: list[tuple[str, list[str]]]) -> None:
        """Fetch every (dataset, fields) not fetched yet, in one batch (each still recorded)."""
        from onestop.sharing.services import FetchRequest, data_fetch_many

        wanted: dict[str, FetchRequest] = {}
        for dataset, fields in needs:
            key = self._key(dataset, fields)
            if key not in self._cache:
                wanted.setdefault(key, FetchRequest(dataset=dataset, fields=fields))
        results = data_fetch_many(
            actor=self.actor,
            subject=self.actor,
            requests=list(wanted.values()),
            purpose=Purpose.ELIGIBILITY_CHECK,
            case=self.case,
        )
        for key, result in zip(wanted, results, strict=True):
            self._cache[key] = result.values if result.error is None else None

    def get(self, dataset: str, fields: list[str]) -> dict[str, Any] | None:
        key = self._key(dataset, fields)
        if key not in self._cache:
            from onestop.sharing.services import data_fetch

            try:
                self._cache[key] = data_fetch(
                    actor=self.actor,
                    subject=self.actor,
                    dataset=dataset,
                    fields=fields,
                    purpose=Purpose.ELIGIBILITY_CHECK,
                    case=self.case,
                )
            except DomainError:
                self._cache[key] = None
        return self._cache[key]

    def wallet(self) -> set[str]:
        from onestop.credentials.selectors import wallet_licence_types

        return set(wallet_licence_types(holder=self.actor))


def _newborn_enrolment(fetch: Fetcher, case: Case) -> Facts:
    """auto_decision (newborn medical-insurance enrolment): the parent is insured, and the
    birth is certified (the e-licence in the wallet, or the health department's record)."""
    insurance = fetch.get("medical-insurance", ["enrolment_status"]) or {}
    certificate = fetch.get("birth-medical-certificate", ["certificate_number"]) or {}
    return {
        "parent_insured": insurance.get("enrolment_status") == "参保缴费",
        "birth_certificate_verified": bool(certificate.get("certificate_number"))
        or "birth-medical-certificate" in fetch.wallet(),
    }


def _out_of_area_filing(fetch: Fetcher, case: Case) -> Facts:
    """auto_out_of_area_filing: insured and contributing, in this region."""
    insurance = fetch.get("medical-insurance", ["enrolment_status", "insured_region"]) or {}
    return {
        "insured": insurance.get("enrolment_status") == "参保缴费",
        "insured_here": str(insurance.get("insured_region") or "") == case.region_id,
    }


def _tax_clearance(fetch: Fetcher, case: Case) -> Facts:
    """auto_tax_clearance: a normal taxpayer with no arrears and no uncancelled invoices."""
    tax = (
        fetch.get(
            "tax-registration", ["registration_status", "arrears_amount", "uncancelled_invoices"]
        )
        or {}
    )

    def number(value: Any) -> float:
        try:
            return float(value)
        except (TypeError, ValueError):
            return -1.0  # unknown: never counts as "none"

    return {
        "registration_normal": tax.get("registration_status") == "正常",
        "arrears_amount": number(tax.get("arrears_amount")),
        "uncancelled_invoices": number(tax.get("uncancelled_invoices")),
    }


COLLECTORS: dict[str, Callable[[Fetcher, Case], Facts]] = {
    "auto_decision": _newborn_enrolment,
    "auto_out_of_area_filing": _out_of_area_filing,
    "auto_tax_clearance": _tax_clearance,
}

# The datasets (and fields) each collector reads with `Fetcher.get`: `collect` fetches them for
# all the items of a submission in one batch. A collector reading more than it declares still
# works (its extra fetch is made on its own).
NEEDS: dict[str, list[tuple[str, list[str]]]] = {
    "auto_decision": [
        ("medical-insurance", ["enrolment_status"]),
        ("birth-medical-certificate", ["certificate_number"]),
    ],
    "auto_out_of_area_filing": [("medical-insurance", ["enrolment_status", "insured_region"])],
    "auto_tax_clearance": [
        ("tax-registration", ["registration_status", "arrears_amount", "uncancelled_invoices"])
    ],
}

# The facts each auto process expects, with the value used when nothing may be fetched
# (window submissions): the DMN catch-all then routes to an officer.
DEFAULTS: dict[str, Facts] = {
    "auto_decision": {"parent_insured": False, "birth_certificate_verified": False},
    "auto_out_of_area_filing": {"insured": False, "insured_here": False},
    "auto_tax_clearance": {
        "registration_normal": False,
        "arrears_amount": -1.0,
        "uncancelled_invoices": -1.0,
    },
}


def collect(
    *,
    actor: Any,
    case: Case,
    items: list[Item],
    processes: dict[str, tuple[str, bool]] | None = None,
) -> dict[str, Facts]:
    """Verified facts per item code, for the items whose process decides by rules
    (`processes`: `selectors.process_keys_for(items)` when the caller has it). Call outside
    any transaction (every fetch is recorded, refusals included)."""
    from onestop.cases.selectors.items import process_keys_for

    top = case.top
    is_applicant = (
        getattr(actor, "pk", None) is not None
        and acts_for(actor, top.applicant_id, Scope.CASES)
        and subject_index_of(actor) is not None
    )
    fetch = Fetcher(actor, top)
    found: dict[str, Facts] = {}
    processes = process_keys_for(items=items) if processes is None else processes
    deciding = [
        (item, processes[item.code][0])
        for item in items
        if processes[item.code][1] and processes[item.code][0] in COLLECTORS
    ]
    if is_applicant:
        # An unverified applicant's fetches are refused (and recorded as such) by `sharing`.
        fetch.prefetch([need for _item, key in deciding for need in NEEDS.get(key, [])])
    # Rules decide only on the facts of a verified identity (L2 or more): anything else,
    # e-licences in the wallet included, goes to an officer through the DMN catch-all.
    verified = is_applicant and sharing_policies.can(
        actor, sharing_policies.Action.FETCH_SELF, None
    )
    for item, key in deciding:
        found[item.code] = COLLECTORS[key](fetch, top) if verified else dict(DEFAULTS.get(key, {}))
    return found


def special_steps(item: Item) -> list[str]:
    """The names of the item's special steps (inspection, public notice ...)."""
    names = []
    for step in item.special_steps or []:
        if isinstance(step, dict):
            names.append(str(step.get("name_zh") or step.get("name_en") or "special step"))
        elif step:
            names.append(str(step))
    return names


def review_due(*, start: datetime.datetime, promised_days: int) -> str:
    """The time limit as an ISO-8601 duration until the end of its last working day."""
    from onestop.workflow.engine import working_days_duration

    return working_days_duration(start=start, days=promised_days)


def process_data(
    *, case: Case, item: Item, facts: Facts | None = None, start: datetime.datetime | None = None
) -> dict[str, Any]:
    """The start variables of an item case's process."""
    data: dict[str, Any] = {
        "special_steps": special_steps(item),
        "review_due": review_due(
            start=start or case.accepted_at or timezone.now(),
            promised_days=int(item.promised_days or 0),
        ),
    }
    data.update(facts or {})
    return data
