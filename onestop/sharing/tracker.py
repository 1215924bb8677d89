"""The access records as the person they are about reads them (the data tracker, /me/data/), and
as the department's staff read theirs.

A record keeps language-neutral keys (committed to the ledger, never rewritten): the dataset
key, the purpose key, the basis ("law: <legal basis>", "consent", "self", or a fixed phrase of
the recording app), the case reference and the refusal code. Here they become words in the
page's language: the dataset's name (the registered datasets, and the apps' own records:
applications, account profiles, hotline contacts, wallets), the purpose's label, the legal
basis in the reader's language (the sharing agreement's English text in English), a case
number (a draft's reference "draft <uuid>" is resolved through the `data_tracker` slot of
`web.registry`, which `cases` fills) and the refusal addressed to the person (the officer
reads another sentence). Log entries are counted from 1, as people count.

Repeated identical accesses (the same person of the same department opening the same case page
again and again) are one row with a count and the time of the first and last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language, gettext_lazy

from onestop.sharing import selectors, services
from onestop.sharing.models import AccessRecord, Purpose, SharingAgreement
from onestop.web import registry

_ = gettext_lazy

# Records written by the apps themselves (`core.access_log`), not through a dataset.
DATASET_LABELS: dict[str, Any] = {
    "cases": _("Your application"),
    "accounts.profile": _("Your account profile"),
    "hotline.contact": _("Your contact details on a 12345 hotline request"),
    "credentials.wallet": _("Your e-licence wallet"),
}

PURPOSE_LABELS: dict[str, Any] = {
    **dict(Purpose.choices),
    "case-handling": _("Handling your application"),
}

# The fixed bases the apps record with their accesses.
BASIS_LABELS: dict[str, Any] = {
    "self": _("Your own request"),
    "consent": _("Your consent"),
    "application": _("Your application: handling it"),
    "staff look-up by resident ID": _("Looking you up by your resident ID at your request"),
    "staff look-up by phone number": _("Looking you up by your phone number at your request"),
    "staff look-up by phone number: shown as one of the accounts sharing it": _(
        "Your account shown to a window clerk, masked (name, resident ID, year of birth), as "
        "one of the accounts with the phone number they looked up"
    ),
    "window scan of the government service code": _(
        "Your government service code, shown at the window"
    ),
    "window look-up by unified social credit code": _(
        "Looking up your organisation by its unified social credit code at your request"
    ),
    "account takeover by the verified owner": _("Your verified claim to this account"),
}

# The refusal as told to the person the data is about (the officer reads services.REFUSALS).
SUBJECT_REFUSALS: dict[str, Any] = {
    "no_agreement": _(
        "No sharing agreement allows this department to use this data for this purpose, so "
        "none of your data was given."
    ),
    "no_consent": _(
        "You have not given your consent to this use (or you withdrew it), so none of your "
        "data was given."
    ),
    "not_authorised": _(
        "Only you or an authorised department may use this data, so none of it was given."
    ),
    "no_record": _("Government records hold no such data about you."),
    "not_verified": _(
        "Your identity was not verified yet, so no government record about you was used."
    ),
    "source_refused": _("The department holding this data refused, so none of it was given."),
}
UNAVAILABLE = _("The department holding this data could not answer at the time; none was given.")
REFUSED = _("The request was refused; none of your data was given.")

CASE_BASIS = re.compile(r"^case (?P<ref>\S.*)$")
LAW = "law: "


@dataclass
class Row:
    record: AccessRecord  # the newest of the group
    dataset: str
    fields: str
    purpose: str
    basis: str
    case: str
    reason: str
    count: int = 1
    first_at: Any = None
    entries: list[int] = field(default_factory=list)  # log entry numbers, from 1
    witnessed: bool = False

    @property
    def entry(self) -> int | None:
        """The log entry number (from 1) of the newest record."""
        index = self.record.log_index
        return None if index is None else index + 1


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _legal_bases(records: list[AccessRecord]) -> dict[str, str]:
    """{Chinese legal basis: English} of the agreements the records name (one query)."""
    texts = {r.basis[len(LAW) :] for r in records if r.basis.startswith(LAW)}
    if not texts or not _english():
        return {}
    return {
        zh: en
        for zh, en in SharingAgreement.objects.filter(legal_basis_zh__in=texts).values_list(
            "legal_basis_zh", "legal_basis_en"
        )
        if en
    }


def basis_text(basis: str, laws: dict[str, str]) -> str:
    if basis.startswith(LAW):
        law = basis[len(LAW) :]
        return str(laws.get(law, law))
    if basis in BASIS_LABELS:
        return str(BASIS_LABELS[basis])
    if CASE_BASIS.match(basis):  # records before the case moved to its own column
        return str(BASIS_LABELS["application"])
    return basis or "—"


def _case_ref(record: AccessRecord) -> str:
    if record.case_ref:
        return record.case_ref
    found = CASE_BASIS.match(record.basis)
    return found.group("ref") if found else ""


def _field_names(registry_fields: list[dict[str, Any]], keys: list[str]) -> list[str]:
    english = _english()
    names = {
        str(f["key"]): str((f.get("name_en") if english else None) or f.get("name_zh") or f["key"])
        for f in registry_fields
    }
    return [names.get(k, k) for k in keys]


def _reason(record: AccessRecord, *, subject: bool) -> str:
    if record.result == AccessRecord.Result.ALLOWED:
        return ""
    if not subject:
        return str(services.REFUSALS.get(record.reason, record.reason))
    if record.reason in SUBJECT_REFUSALS:
        return str(SUBJECT_REFUSALS[record.reason])
    if record.result == AccessRecord.Result.UNAVAILABLE:
        return str(UNAVAILABLE)
    return str(REFUSED)


def _group_key(record: AccessRecord, case: str) -> tuple[Any, ...]:
    return (
        record.actor_id,
        record.actor_department_id,
        record.dataset,
        tuple(record.fields),
        record.purpose,
        record.basis,
        case,
        record.result,
        record.reason,
        record.source,
    )


def rows(
    records: list[AccessRecord], *, request: HttpRequest | None = None, subject: bool = True
) -> list[Row]:
    """The records (newest first) as rows of the tracker: translated, consecutive repeats of
    the same access grouped. `subject`: the person the data is about reads them (refusals are
    addressed to them); else their department's staff."""
    datasets = selectors.dataset_names()
    laws = _legal_bases(records)
    refs = {_case_ref(r) for r in records} - {""}
    cases: dict[str, str] = {}
    if refs and request is not None:
        cases = registry.collect("data_tracker", request, refs=refs).get("case_refs", {})
    out: list[Row] = []
    last: tuple[Any, ...] | None = None
    for r in records:
        case = _case_ref(r)
        key = _group_key(r, case)
        if out and key == last:
            row = out[-1]
            row.count += 1
            row.first_at = r.at
            if r.log_index is not None:
                row.entries.append(r.log_index + 1)
            continue
        last = key
        registered = datasets.get(r.dataset)
        out.append(
            Row(
                record=r,
                dataset=str(
                    registered.name if registered else DATASET_LABELS.get(r.dataset, r.dataset)
                ),
                fields=str(_(", ")).join(
                    _field_names(registered.fields, r.fields) if registered else []
                ),
                purpose=str(PURPOSE_LABELS.get(r.purpose, r.purpose or "—")),
                basis=basis_text(r.basis, laws),
                case=str(cases.get(case, case)),
                reason=_reason(r, subject=subject),
                first_at=r.at,
                entries=[r.log_index + 1] if r.log_index is not None else [],
            )
        )
    return out
