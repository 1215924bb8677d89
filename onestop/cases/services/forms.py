"""The applicant's answers and form values: validated against the merged form."""

from __future__ import annotations

import datetime
import math
from typing import Any

from django.utils.translation import gettext as _

from onestop.cases.models import (
    Case,
)
from onestop.cases.selectors.items import case_form_schema
from onestop.cases.services.common import MAX_TEXT
from onestop.core.errors import ValidationFailed


def answers_clean(case: Case, answers: Any) -> dict[str, str]:
    if answers in (None, {}):
        return {}
    if not isinstance(answers, dict):
        raise ValidationFailed(_("The answers must be named values."), code="invalid_answers")
    if case.kind != Case.Kind.BUNDLE or case.scenario is None:
        raise ValidationFailed(
            _("A single item has no questions to answer."), code="invalid_answers"
        )
    questions = {
        str(q.get("key")): {str(o.get("value")) for o in q.get("options", [])}
        for q in case.scenario.variants or []
    }
    errors: dict[str, str] = {}
    clean: dict[str, str] = {}
    for key, value in answers.items():
        if key not in questions:
            errors[str(key)] = _("There is no such question.")
        elif str(value) not in questions[key]:
            errors[str(key)] = _("Choose one of the options.")
        else:
            clean[key] = str(value)
    if errors:
        raise ValidationFailed(
            _("Some answers are not valid."), code="invalid_answers", details={"answers": errors}
        )
    return clean


def identifier_kind(key: str, prop: dict[str, Any]) -> str:
    """ "resident-id" for a field that asks for a resident ID number (公民身份号码), "uscc" for
    a unified social credit code, else "" (other ID numbers, such as a passport's, are free)."""
    titles = prop.get("x-title") or {}
    title = str(titles.get("zh") or prop.get("title") or "")
    if "公民身份号码" in title or str(prop.get("x-prefill") or "") == "resident-id.id_number":
        return "resident-id"
    if key == "uscc" or "统一社会信用代码" in title:
        return "uscc"
    return ""


def _clean_value(key: str, prop: dict[str, Any], value: Any) -> Any:  # noqa: PLR0911, PLR0912
    """The value as stored, or raises ValueError with a translated message."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    kind = prop.get("type", "string")
    if "enum" in prop:
        if str(value) not in [str(o) for o in prop["enum"]]:
            raise ValueError(_("Choose one of the options."))
        return str(value)
    if kind == "number":
        if isinstance(value, bool):
            raise ValueError(_("Enter a number."))
        if isinstance(value, int | float):
            return value
        try:
            number = float(str(value).strip())
        except ValueError:
            raise ValueError(_("Enter a number.")) from None
        if not math.isfinite(number):
            raise ValueError(_("Enter a number."))
        return int(number) if number.is_integer() else number
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "yes", "on", "1"):
            return True
        if text in ("false", "no", "off", "0"):
            return False
        raise ValueError(_("Answer yes or no."))
    text = str(value).strip()
    identifier = identifier_kind(key, prop)
    if identifier:
        # Checked wherever one is typed (online, at the window, through the API): the check
        # digit, the length and the characters.
        from onestop.core import identity

        check = (
            identity.validate_resident_id if identifier == "resident-id" else identity.validate_uscc
        )
        try:
            return check(text)
        except ValidationFailed as error:
            raise ValueError(str(error.message)) from None
    if prop.get("format") == "date":
        try:
            return datetime.date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None
    if len(text) > MAX_TEXT:
        raise ValueError(_("This answer is too long."))
    return text


def form_clean(schema: dict[str, Any], form_data: Any) -> dict[str, Any]:
    """{key: value or None (clear it)}; unknown keys and wrong types → ValidationFailed."""
    if form_data in (None, {}):
        return {}
    if not isinstance(form_data, dict):
        raise ValidationFailed(_("The form must be named values."), code="invalid_form")
    properties = schema.get("properties") or {}
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for key, value in form_data.items():
        prop = properties.get(key)
        if prop is None:
            errors[str(key)] = _("This form has no such field.")
            continue
        try:
            clean[key] = _clean_value(str(key), prop, value)
        except ValueError as exc:
            errors[str(key)] = str(exc)
    if errors:
        raise ValidationFailed(
            _("Some answers are not valid."), code="invalid_form", details={"fields": errors}
        )
    return clean


def form_missing_fields(case: Case, schema: dict[str, Any] | None = None) -> list[str]:
    schema = schema or case_form_schema(case=case)
    data = case.form_data or {}
    return [k for k in schema.get("required", []) if data.get(k) in (None, "")]


def form_unanswered(case: Case) -> list[str]:
    if case.kind != Case.Kind.BUNDLE or case.scenario is None:
        return []
    answers = case.variant_answers or {}
    return [
        str(q.get("key")) for q in case.scenario.variants or [] if str(q.get("key")) not in answers
    ]


def form_fields_typed(case: Case, schema: dict[str, Any]) -> int:
    data = case.form_data or {}
    prefilled = case.prefill_values or {}
    count = 0
    for key in schema.get("properties", {}):
        value = data.get(key)
        if value in (None, ""):
            continue
        if key not in prefilled or prefilled[key] != value:
            count += 1
    return count
