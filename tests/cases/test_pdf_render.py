"""Every paper of a case rendered as a reader sees it (poppler), in Chinese and English: fonts
embedded (no "�" bullets), text drawn (no boxes, no blank page), a heading kept on the page of
what it heads, on-the-spot items said so, optional materials not "missing", the document
information naming the issuing centre, and the one-time notice carrying what the national
practice lists (a readable number, window, clerk, phone, deadline, legal basis, seal)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext as _

from onestop.accounts.models import User
from onestop.cases import pdf, services
from onestop.cases.models import Case, CaseDocument
from onestop.catalog.models import Scenario
from onestop.org import selectors as org_selectors
from tests.factories.papers import read_pdf

LANGUAGES = ("zh-hans", "en")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _centre() -> Any:
    return org_selectors.centre_list(region="371121").first()


def test_the_receipt_reads_right_in_both_languages(newborn_case: Case, tmp_path: Path) -> None:
    document = services.receipt_ensure(actor=None, case=newborn_case)
    on_the_spot = [i for i in document.data["items"] if i["promised_days"] == 0]
    optional = [m for m in document.data["materials"] if not m["required"]]
    assert on_the_spot, "the newborn bundle has on-the-spot items"
    for language in LANGUAGES:
        with translation.override(language):
            paper = read_pdf(pdf.document_pdf(document), tmp_path, f"receipt-{language}")
            english = language == "en"
            assert _flat(_("Acceptance receipt")) in paper.text
            assert newborn_case.number in paper.text
            assert "张伟" in paper.text
            assert _flat(_("on the spot")) in paper.text
            assert "0working" not in paper.text
            assert "0个工作日" not in paper.text
            for m in optional:
                name = m["name_en"] if english else m["name_zh"]
                assert _flat(name + _("%(label)s:") % {"label": ""} + _("Missing")) not in (
                    paper.text
                )
            # keep-with-next: the heading is on the page of the code it introduces
            heading = _flat(_("Follow your application"))
            page = next(p for p in paper.pages if heading in p)
            assert "/track/" in page
            centre = _centre()
            author = centre.name_en if english else centre.name_zh
            assert f"Author:{_flat(author)}" in _flat(paper.info)
            assert f"Title:{_flat(_('Acceptance receipt'))}" in _flat(paper.info)
            assert "2000" not in re.search(r"CreationDate:.*", paper.info).group(0)  # type: ignore[union-attr]
            assert paper.text.count(_flat(author)) >= 1  # the issuer by its seal slot


def test_the_public_receipt_has_no_personal_data(newborn_case: Case, tmp_path: Path) -> None:
    document = services.receipt_ensure(actor=None, case=newborn_case)
    with translation.override("zh-hans"):
        paper = read_pdf(pdf.document_pdf(document, public=True), tmp_path, "public")
    assert newborn_case.number in paper.text
    assert "张伟" not in paper.text


def _notice(clerk: User, restaurant: Scenario) -> CaseDocument:
    walkin = services.walkin_lookup(actor=clerk, resident_id="110101199003070038")
    case = services.application_start(actor=clerk, walkin=walkin, scenario=restaurant, name="李四")
    case = services.draft_save(
        actor=clerk, case=case, variant_answers={"dine_in": "yes", "signboard": "yes"}
    )
    window = org_selectors.window_list(centres=[_centre()]).order_by("number").first()
    return services.window_notice(actor=clerk, case=case, window=window)


def test_the_one_time_notice_has_what_the_practice_lists(
    clerk: User, restaurant: Scenario, tmp_path: Path
) -> None:
    document = _notice(clerk, restaurant)
    data = document.data
    assert re.fullmatch(r"GZ-371121-\d{8}-\d{4}", data["reference"])
    assert data["window"]["number"]
    assert data["phone"] == _centre().phone != ""
    assert data["supply_by"] > data["issued_at"][:10]
    assert all(m.get("form") for m in data["materials"])
    for language in LANGUAGES:
        with translation.override(language):
            paper = read_pdf(pdf.document_pdf(document), tmp_path, f"notice-{language}")
            assert UUID.search(paper.text) is None
            assert data["reference"] in paper.text
            assert _flat(_("Notice number")) in paper.text
            assert _flat(_("Clerk")) in paper.text
            assert _flat(data["issued_by"]) in paper.text
            assert data["phone"] in paper.text
            assert (
                _flat(
                    _("Window %(number)s, %(centre)s")
                    % {
                        "number": data["window"]["number"],
                        "centre": data["window"]["centre"]["en" if language == "en" else "zh"],
                    }
                )
                in paper.text
            )
            from onestop.core import dates

            assert _flat(dates.date_text(data["supply_by"])) in paper.text
            assert _flat(_("(seal)")) in paper.text
            assert "李四" in paper.text
            for m in data["materials"]:
                name = m["name_en"] if language == "en" else m["name_zh"]
                assert _flat(name) in paper.text
    second = _notice_again(clerk, document.case)
    assert second.data["reference"] != data["reference"]  # one number per notice


def _notice_again(clerk: User, case: Case) -> CaseDocument:
    return services.window_notice(actor=clerk, case=case)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_long_notice_keeps_every_page_drawn(
    clerk: User, restaurant: Scenario, tmp_path: Path, language: str
) -> None:
    document = _notice(clerk, restaurant)
    long = CaseDocument(
        case=document.case,
        kind=CaseDocument.Kind.NOTICE,
        data={
            **document.data,
            "materials": [{"key": f"m{i}", "name_zh": f"材料{i}" * 12} for i in range(60)],
        },
        created_at=document.created_at,
    )
    with translation.override(language):
        paper = read_pdf(pdf.document_pdf(long), tmp_path, f"long-{language}")
    assert len(paper.pages) >= 3
    # no heading alone at the foot of a page: each page's last line is not a heading
    headings = [_flat(_(h)) for h in ("Missing materials", "Missing information")]
    for page in paper.pages[:-1]:
        assert not any(page.endswith(h) for h in headings)
