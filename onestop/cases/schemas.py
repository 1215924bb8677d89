"""Shapes of the cases API (/api/v1/cases): what an applicant sends and reads back."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from ninja import Schema
from pydantic import ConfigDict

from onestop.core.api import one_of


class CaseDraftIn(Schema):
    """Exactly one of `scenario` (a bundle's slug) and `item` (an item code). With
    `prefill: true` the form is pre-filled from government records about you (each fetch is
    recorded, see /me/data/) once your identity is verified (assurance level L2 or more);
    before that the draft comes without pre-filled values."""

    model_config = ConfigDict(json_schema_extra=one_of("scenario", "item"))

    scenario: str | None = None
    item: str | None = None
    prefill: bool = False
    # You already have an open case for the same bundle or item: 409 `open_case` naming it,
    # unless `allow_duplicate: true` says you mean to apply again.
    allow_duplicate: bool = False


class CaseSubmitIn(Schema):
    """The applicant's declaration (承诺), as the portal asks for it before submitting:
    `declaration: true` says the applicant accepts the text given as `declaration` in the
    draft ("I promise that the information I have filled in and the materials I have
    submitted are true, accurate, complete and valid. If anything is false, I accept the
    legal responsibility for it."). Without it nothing is submitted (400,
    `declaration_required`)."""

    declaration: bool


class CaseDraftPatchIn(Schema):
    """The answers to store; `version` is the draft's version you last read (a stale one is
    refused with 409 Conflict and nothing changes)."""

    variant_answers: dict[str, str] | None = None
    form_data: dict[str, Any] | None = None
    version: int | None = None


class CaseItemOut(Schema):
    code: str
    name: str
    department: str
    promised_days: int


class CaseMaterialOut(Schema):
    key: str
    name: str
    required: bool
    key_material: bool
    mode: str
    mode_label: str
    source: str
    items: list[str]
    original_name: str
    content_type: str
    size: int
    sha256: str


class CaseDraftOut(Schema):
    id: uuid.UUID
    kind: str
    status: str
    scenario: str | None
    item: str | None
    version: int
    variant_answers: dict[str, Any]
    form_data: dict[str, Any]
    prefilled: dict[str, str]
    items: list[CaseItemOut]
    form_schema: dict[str, Any]
    materials: list[CaseMaterialOut]
    missing_materials: list[str]
    # the declaration (承诺) submitting accepts, in the request's language
    declaration: str


class CaseChildOut(Schema):
    number: str | None
    item: str | None
    item_name: str
    department: str | None
    status: str
    status_label: str
    auto_decided: bool
    decision: str
    due_date: datetime.date | None
    result_kind: str


class CaseEventOut(Schema):
    case: str | None
    kind: str
    label: str
    note: str
    at: datetime.datetime


class CaseOut(Schema):
    id: uuid.UUID
    number: str | None
    kind: str
    status: str
    status_label: str
    scenario: str | None
    item: str | None
    submitted_at: datetime.datetime | None
    due_date: datetime.date | None
    children: list[CaseChildOut]
    timeline: list[CaseEventOut]


# --- burden (GET /api/v1/scenarios/{slug}/burden) ---------------------------------------------


class BaselineOut(Schema):
    """Item by item, from the catalogue."""

    materials: int
    visits: int
    days: int
    forms: int


class BundledOut(Schema):
    """Means over the scenario's completed bundle cases (null when there is none)."""

    materials: float | None
    visits: float | None
    days: float | None
    forms: float | None
    fields_typed: float | None


class BurdenOut(Schema):
    baseline: BaselineOut
    bundled: BundledOut
    cases: int
