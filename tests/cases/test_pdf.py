"""The papers as PDF (reportlab, Chinese in the embedded CJK font): the acceptance receipt
with the QR code of the tracking link, and the one-time notice listing everything missing."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.utils import translation

from onestop.accounts.models import User
from onestop.cases import pdf, services, tracking
from onestop.cases.models import Case, CaseDocument
from onestop.catalog.models import Scenario

ANSWERS = {"dine_in": "yes", "signboard": "yes", "sewer": "yes"}


def _notice(clerk: User, restaurant: Scenario) -> CaseDocument:
    walkin = services.walkin_lookup(actor=clerk, resident_id="110101199003070038")
    case = services.application_start(actor=clerk, walkin=walkin, scenario=restaurant, name="李四")
    case = services.draft_save(actor=clerk, case=case, variant_answers=ANSWERS)
    return services.window_notice(actor=clerk, case=case)


def test_receipt_pdf_has_the_cjk_font_and_the_tracking_qr(newborn_case: Case) -> None:
    document = services.receipt_ensure(actor=None, case=newborn_case)
    assert services.receipt_ensure(actor=None, case=newborn_case) == document  # made once
    for language in ("zh-hans", "en"):
        with translation.override(language):
            body = pdf.document_pdf(document, base_url="https://onestop.example")
        assert body.startswith(b"%PDF")
        assert b"FontFile2" in body  # the CJK font embedded
    number = newborn_case.number or ""
    link = pdf.receipt_link(document, base_url="https://onestop.example/")
    assert link == f"https://onestop.example/track/{number}/?t={tracking.token_for(number)}"
    # Rendered from the stored data: the same bytes each time.
    assert pdf.document_pdf(document) == pdf.document_pdf(document)
    assert len(document.data["items"]) == newborn_case.children.count()


def test_notice_pdf_lists_every_missing_material(clerk: User, restaurant: Scenario) -> None:
    document = _notice(clerk, restaurant)
    case = document.case
    missing = {m.key for m in case.materials.filter(required=True, mode="missing")}
    assert {m["key"] for m in document.data["materials"]} == missing
    assert document.data["fields"]  # the form is empty too
    body = pdf.document_pdf(document)
    assert body.startswith(b"%PDF")
    assert b"FontFile2" in body


def test_a_long_notice_flows_onto_more_pages(clerk: User, restaurant: Scenario) -> None:
    document = _notice(clerk, restaurant)
    long = CaseDocument(
        case=document.case,
        kind=CaseDocument.Kind.NOTICE,
        data={
            **document.data,
            "materials": [{"key": f"m{i}", "name_zh": f"材料{i}" * 12} for i in range(90)],
        },
        created_at=datetime.datetime.now(tz=datetime.UTC),
    )
    one = pdf.document_pdf(document)
    many = pdf.document_pdf(long)
    assert one.count(b"/Type /Page\n") < many.count(b"/Type /Page\n")


def test_document_pdf_tolerates_minimal_data(
    newborn_case: Case, fill: Callable[[Case], dict[str, Any]]
) -> None:
    bare = CaseDocument(case=newborn_case, kind=CaseDocument.Kind.RECEIPT, data={})
    assert pdf.document_pdf(bare).startswith(b"%PDF")


def test_item_lines_are_whole_translatable_sentences(english: None) -> None:
    one = pdf._item_line({"name_zh": "项", "name_en": "Item", "promised_days": 1})
    assert one == "Item (1 working day)"
    many = pdf._item_line({"name_zh": "项", "name_en": "Item", "promised_days": 5, "number": "N"})
    assert many == "Item (N; 5 working days)"
    assert pdf._item_line({"name_zh": "项", "name_en": "Item"}) == "Item"


# Just after local midnight: 2026-12-06 16:30 UTC is 2026-12-07 00:30 in Shanghai.
AFTER_MIDNIGHT = datetime.datetime(2026, 12, 6, 16, 30, tzinfo=datetime.UTC)


def test_papers_print_the_local_date_not_the_utc_one(
    settings: Any, clerk: User, restaurant: Scenario, newborn_case: Case
) -> None:
    from tests.factories import DrawnText

    assert settings.TIME_ZONE == "Asia/Shanghai"
    receipt = services.receipt_ensure(actor=None, case=newborn_case)
    receipt.data = {**receipt.data, "accepted_at": AFTER_MIDNIGHT.isoformat()}
    notice = _notice(clerk, restaurant)
    notice.created_at = AFTER_MIDNIGHT
    notice.data = {**notice.data, "issued_at": AFTER_MIDNIGHT.isoformat()}
    for language, day in (("zh-hans", "2026年12月7日"), ("en", "2026-12-07")):
        for document in (receipt, notice):
            with translation.override(language), DrawnText() as drawn:
                pdf.document_pdf(document)
            assert day in drawn.text, (document.kind, language, drawn.text)
            assert "2026-12-06" not in drawn.text
            assert "2026年12月6日" not in drawn.text
