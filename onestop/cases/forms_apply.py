"""Forms of the online application, built from the catalogue's data: the scenario's variant
questions, the merged form (JSON Schema, each field asked once) and the materials to upload.

The forms only parse what the browser sends into the shapes the services store
(`variant_answers`: {question: option value}; `form_data`: JSON values by field key); the
services validate again and own every write.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from onestop.cases.answers import option_label
from onestop.cases.models import CaseMaterial

__all__ = ["option_label"]  # re-exported: the window and the applicant's pages import it here

INPUT = {"class": "usa-input"}
SELECT = {"class": "usa-select"}
YES_NO = (("true", _("Yes")), ("false", _("No")))


def _english() -> bool:
    return (get_language() or "").startswith("en")


def pick(data: dict[str, Any], name: str) -> str:
    """`<name>_en` in English when there is one, else `<name>_zh`."""
    if _english() and data.get(f"{name}_en"):
        return str(data[f"{name}_en"])
    return str(data.get(f"{name}_zh") or data.get(f"{name}_en") or "")


def field_title(key: str, prop: dict[str, Any]) -> str:
    titles = prop.get("x-title") or {}
    if _english() and titles.get("en"):
        return str(titles["en"])
    return str(titles.get("zh") or prop.get("title") or key)


def field_hint(prop: dict[str, Any]) -> str:
    """What the field asks for, in the reader's language (the catalogue's `hint_zh/en`)."""
    hints = prop.get("x-description") or {}
    if _english() and hints.get("en"):
        return str(hints["en"])
    return str(hints.get("zh") or prop.get("description") or "")


class DateInput(forms.DateInput):
    input_type = "date"


class VariantForm(forms.Form):
    """One required radio group per variant question of the scenario."""

    def __init__(self, *args: Any, questions: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            key = str(question.get("key", ""))
            self.fields[key] = forms.ChoiceField(
                label=pick(question, "question"),
                choices=[
                    (str(o.get("value")), pick(o, "label")) for o in question.get("options", [])
                ],
                widget=forms.RadioSelect,
                error_messages={"required": _("Answer this question.")},
            )

    def answers(self) -> dict[str, str]:
        return {key: str(value) for key, value in self.cleaned_data.items()}


def _json_value(value: Any) -> Any:
    """A cleaned form value as stored in `form_data` (JSON)."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class ApplicationForm(forms.Form):
    """The merged form: one field per property of the JSON Schema, in its order. Nothing is
    required while the draft is saved (the services check required fields at submission);
    required fields are marked."""

    def __init__(self, *args: Any, schema: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schema = schema
        required = set(schema.get("required") or [])
        for key, prop in (schema.get("properties") or {}).items():
            if not isinstance(prop, dict):
                continue
            field = self._field(prop)
            field.label = field_title(key, prop)
            field.required = False
            self.fields[key] = field
        self.required_keys = required

    @staticmethod
    def _field(prop: dict[str, Any]) -> forms.Field:
        kind = prop.get("type")
        if "enum" in prop:
            choices = [("", _("Choose…"))] + [(str(o), option_label(prop, o)) for o in prop["enum"]]
            return forms.ChoiceField(choices=choices, widget=forms.Select(attrs=SELECT))
        if kind in ("number", "integer"):
            return forms.DecimalField(
                max_digits=20,
                decimal_places=4,
                widget=forms.NumberInput(attrs=INPUT),
                error_messages={"invalid": _("Enter a number.")},
            )
        if kind == "boolean":
            return forms.TypedChoiceField(
                choices=[("", _("Choose…")), *YES_NO],
                coerce=lambda v: v == "true",
                empty_value=None,
                widget=forms.Select(attrs=SELECT),
            )
        if prop.get("format") == "date":
            return forms.DateField(
                widget=DateInput(format="%Y-%m-%d", attrs=INPUT),
                error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
            )
        if prop.get("x-widget") == "textarea":
            return forms.CharField(
                max_length=4000, widget=forms.Textarea(attrs={"rows": 3, "class": "usa-textarea"})
            )
        return forms.CharField(max_length=500, widget=forms.TextInput(attrs=INPUT))

    @staticmethod
    def initial_from(form_data: dict[str, Any]) -> dict[str, Any]:
        """Stored values as the widgets show them (booleans as "true"/"false")."""
        shown: dict[str, Any] = {}
        for key, value in form_data.items():
            if isinstance(value, bool):
                shown[key] = "true" if value else "false"
            else:
                shown[key] = value
        return shown

    def data_to_store(self) -> dict[str, Any]:
        """Cleaned values as JSON; an empty answer is None (the service clears the field)."""
        return {
            key: None if value in (None, "") else _json_value(value)
            for key, value in self.cleaned_data.items()
        }


class MaterialsForm(forms.Form):
    """One optional file input per material the applicant hands in (field name = its key)."""

    def __init__(self, *args: Any, materials: list[CaseMaterial], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for material in materials:
            self.fields[material.key] = forms.FileField(
                required=False,
                label=(material.name_en if _english() and material.name_en else material.name_zh),
                widget=forms.FileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
            )
