"""An answer of an application form as a person reads it, in the page's language: a select's
option by its label (the stored value is the Chinese option; `x-enum-en` names it in
English), yes/no in words, a date as a local date. Used by the applicant's review page, the
window and the officer's case page, so nobody reads a stored value or a raw boolean."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from onestop.core import dates


def _english() -> bool:
    return (get_language() or "").startswith("en")


def option_label(prop: dict[str, Any], value: Any) -> str:
    """An option of a select as the reader reads it (its English label in English)."""
    if _english():
        return str((prop.get("x-enum-en") or {}).get(str(value)) or value)
    return str(value)


def answer_text(prop: dict[str, Any], value: Any) -> Any:
    """`value`, the answer to the field described by `prop`, for the reader."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if value in (None, ""):
        return value
    if isinstance(value, list):
        items = (prop.get("items") or {}) if isinstance(prop.get("items"), dict) else {}
        # a list separator of the reader's language ("、" in Chinese)
        return _(", ").join(str(answer_text(items or prop, v)) for v in value)
    if "enum" in prop or prop.get("x-enum-en"):
        return option_label(prop, value)
    if prop.get("format") == "date":
        return dates.date_text(value) or value
    return value
