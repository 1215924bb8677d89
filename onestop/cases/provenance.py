"""Where each answer of an application came from: still the value fetched from government
records, a pre-filled value the applicant changed, or typed. Pure functions of a top case,
used by submission (which fixes the provenance) and by the officer's and clerk's pages."""

from __future__ import annotations

from onestop.cases.models import Case


def form_provenance(case: Case) -> dict[str, dict[str, str]]:
    """Where each answer of the top case came from: ``{"origin": "record", "source"}`` when it
    is still the value pre-fill fetched from ``source`` ("dataset.field"), ``{"origin":
    "edited", "source"}`` when the applicant (or a clerk) changed a pre-filled value; a typed
    answer is not named. Fixed at submission (`Case.form_provenance`)."""
    data = case.form_data or {}
    fetched = case.prefill_values or {}
    sources = case.prefilled or {}
    found: dict[str, dict[str, str]] = {}
    for key, source in sources.items():
        if key not in data or data[key] in (None, "") or key not in fetched:
            continue
        origin = "record" if data[key] == fetched[key] else "edited"
        found[str(key)] = {"origin": origin, "source": str(source)}
    return found


def answer_source(case: Case, key: str) -> tuple[str, str]:
    """(origin, "dataset.field") of one answer of the top case: from the provenance fixed at
    submission, else (a draft, or a case submitted before provenance was kept) computed now;
    ``("", "")`` for a typed answer."""
    provenance = case.form_provenance if case.form_provenance else form_provenance(case)
    row = provenance.get(key) or {}
    return str(row.get("origin", "")), str(row.get("source", ""))
