"""How a licence's subject claims are named on screen and on paper.

A credential subject keeps its claims under stable machine keys (the W3C VC document is signed
over them): the demo registers' camelCase keys and the item forms' snake_case field names
allowed by a licence type (`LicenceType.subject_fields`). People read them under these
translated labels; an unknown key is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from onestop.core import dates

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$")

CLAIM_LABELS: dict[str, Any] = {
    "name": _("Name"),
    "item": _("Service"),
    "address": _("Address"),
    "birthDate": _("Date of birth"),
    "birth_date": _("Date of birth"),
    "gender": _("Sex"),
    "issueDate": _("Date of issue"),
    "relationToHead": _("Relation to the head of household"),
    "establishedDate": _("Date of establishment"),
    "legalRepresentative": _("Legal representative"),
    "type": _("Type"),
    "uscc": _("Unified social credit code"),
    "applicant_name": _("Applicant"),
    "business_scope": _("Business scope"),
    "child_gender": _("Child's sex"),
    "child_name": _("Child's name"),
    "dereg_mode": _("Way of deregistration"),
    "drainage_volume": _("Drainage volume"),
    "employer_name": _("Employer's name"),
    "enterprise_name": _("Enterprise name"),
    "entity_type": _("Type of entity"),
    "father_name": _("Father's name"),
    "floor_area": _("Floor area"),
    "food_business_category": _("Food business category"),
    "hukou_follow": _("Household registration follows"),
    "legal_rep_name": _("Legal representative"),
    "mother_name": _("Mother's name"),
    "premises_area": _("Premises area"),
    "project_name": _("Project name"),
    "property_certificate_number": _("Property certificate number"),
    "registered_address": _("Registered address"),
    "registered_capital": _("Registered capital"),
    "sign_size": _("Sign size"),
    "sign_text": _("Sign text"),
    "vehicle_count": _("Number of vehicles"),
    "vehicle_plate": _("Vehicle plate"),
    "vehicle_total_mass": _("Vehicle total mass"),
}


# Claim values that are options of a form (stored as the Chinese option, as the form stores
# them) or of the registers: named in the reader's language. Every option of a field a
# licence type carries is here (tests/credentials/test_claims.py checks the catalogue).
VALUE_LABELS: dict[str, Any] = {
    "男": _("Male"),
    "女": _("Female"),
    "户主": _("Head of household"),
    "个人独资企业": _("Sole proprietorship"),
    "个体工商户": _("Individual business"),
    "农民专业合作社": _("Farmers' cooperative"),
    "合伙企业": _("Partnership"),
    "有限责任公司": _("Limited liability company"),
    "股份有限公司": _("Company limited by shares"),
    "冷食类食品制售": _("Cold food preparation and sale"),
    "半成品制售": _("Semi-finished food preparation and sale"),
    "散装食品销售": _("Sale of bulk food"),
    "热食类食品制售": _("Hot food preparation and sale"),
    "生食类食品制售": _("Raw food preparation and sale"),
    "自制饮品制售": _("Home-made drinks preparation and sale"),
    "预包装食品销售": _("Sale of pre-packaged food"),
    "普通注销": _("Ordinary deregistration"),
    "简易注销": _("Simplified deregistration"),
    "随母": _("With the mother's household"),
    "随父": _("With the father's household"),
}


def claim_label(key: str) -> str:
    """The translated label of the claim `key` (the key itself if it has none)."""
    label = CLAIM_LABELS.get(key)
    return str(label) if label is not None else key


def claim_rows(subject: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The subject's claims as (label, value) rows, in the order of their keys."""
    return [(claim_label(key), claim_value(value)) for key, value in sorted(subject.items())]


def claim_value(value: Any) -> Any:
    """A date or a moment (ISO 8601 text) as its local date for the reader, an option by its
    label in the reader's language; else as it is."""
    if isinstance(value, str) and DATE_RE.match(value):
        return dates.date_text(value) or value
    if isinstance(value, str) and value in VALUE_LABELS:
        return str(VALUE_LABELS[value])
    return value
