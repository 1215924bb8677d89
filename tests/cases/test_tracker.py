"""The data tracker (/me/data/) of a citizen whose newborn application was pre-filled and then
opened by officers: translated dataset, purpose and basis names, case numbers (never "draft
<uuid>"), refusals addressed to the citizen, log entries counted from 1, repeated views of the
same case by the same officer in one row with a count; and on a 390 px phone, cards whose text
runs across the screen, not down it (axe-clean)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from onestop.accounts.models import User
from onestop.cases.models import Case
from onestop.sharing.models import AccessRecord
from onestop.sharing.tracker import BASIS_LABELS, DATASET_LABELS, PURPOSE_LABELS
from tests.factories import login, sign_in

CARD = "37112100RS-GG-0005"


def _opened(officer: User, case: Case, times: int) -> None:
    client = login(officer)
    for _ in range(times):
        assert client.get(f"/office/cases/{case.number}/").status_code == 200


def _cards(html: str) -> list[str]:
    return re.findall(r'<li class="os-access">(.*?)</li>', html, re.S)


def test_the_tracker_reads_as_the_citizen_reads(
    newborn_case: Case, officers: dict[str, User], settings: Any
) -> None:
    settings.SHARING_DEDUPE_SECONDS = 0  # views further apart than the de-duplication window
    child = newborn_case.children.get(item__code=CARD)
    _opened(officers["human-resources-social-security"], child, 3)
    citizen = newborn_case.applicant
    views = AccessRecord.objects.filter(dataset="cases", case_ref=child.number)
    assert views.count() == 3
    for language in ("en", "zh-hans"):
        html = login(citizen, language=language).get("/me/data/").content.decode()
        with translation.override(language):
            cards = _cards(html)
            mine = [c for c in cards if child.number in c and str(DATASET_LABELS["cases"]) in c]
            assert len(mine) == 1, "three views of the same case by the same officer: one row"
            (card,) = mine
            assert translation.gettext("(%(n)s times, first %(first)s)").split("(")[0] in card
            assert re.search(r"[(（]\D*3\D", card), card
            assert str(PURPOSE_LABELS["case-handling"]) in card
            assert str(BASIS_LABELS["application"]) in card
            text = re.sub(r"<[^>]+>", " ", html)
            assert "draft " not in text
            assert "case-handling" not in text
            assert ">cases<" not in html
            numbers = [int(n) for n in re.findall(r'/proof/">\D*(\d+)\D*</a>', html)]
            assert numbers
            assert min(numbers) >= 1  # counted from 1
            assert newborn_case.number in html or child.number in html


def test_a_law_basis_is_shown_in_the_page_language(newborn_case: Case) -> None:
    from onestop.sharing.models import SharingAgreement

    laws = AccessRecord.objects.filter(basis__startswith="law: ")
    assert laws.exists(), "pre-fill fetched shared data under a sharing agreement"
    record = laws.first()
    assert record is not None
    zh = record.basis[len("law: ") :]
    agreement = SharingAgreement.objects.filter(legal_basis_zh=zh).first()
    assert agreement is not None
    assert agreement.legal_basis_en
    citizen = newborn_case.applicant
    english = login(citizen, language="en").get("/me/data/").content.decode()
    chinese = login(citizen, language="zh-hans").get("/me/data/").content.decode()
    assert agreement.legal_basis_en in english
    assert zh not in english
    assert zh in chinese
    drafts = AccessRecord.objects.filter(case_ref=f"draft {newborn_case.pk}")
    assert drafts.exists(), sorted(set(AccessRecord.objects.values_list("case_ref", flat=True)))
    assert newborn_case.number in english  # the draft's reference became its case number
    assert f"draft {newborn_case.pk}" not in english


def test_a_refusal_is_addressed_to_the_citizen(
    newborn_case: Case, officers: dict[str, User]
) -> None:
    from onestop.sharing import services as sharing_services

    citizen = newborn_case.applicant
    officer = officers["human-resources-social-security"]
    with pytest.raises(Exception):  # noqa: B017, PT011 - the refusal's own error class
        sharing_services.data_fetch(
            actor=officer,
            subject=citizen,
            dataset="marriage",
            fields=["spouse_name"],
            purpose="eligibility-check",
        )
    refused = AccessRecord.objects.filter(result="refused").first()
    assert refused is not None
    for language in ("en", "zh-hans"):
        html = login(citizen, language=language).get("/me/data/").content.decode()
        with translation.override(language):
            officer_text = str(sharing_services.REFUSALS[refused.reason])
        assert officer_text not in html
        assert "your department" not in html


# --- a 390 px phone ---------------------------------------------------------------------------


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.e2e
@pytest.mark.usefixtures("transactional_db")
def test_the_tracker_reads_on_a_phone(
    phone: Any, live_server: Any, newborn_case: Case, officers: dict[str, User]
) -> None:
    from django.conf import settings

    from tests.e2e.conftest import AxeChecker

    axe = AxeChecker()
    _opened(
        officers["human-resources-social-security"], newborn_case.children.get(item__code=CARD), 2
    )
    citizen = newborn_case.applicant
    assert citizen is not None
    sign_in(phone, live_server.url, citizen.username)
    for language in ("zh-hans", "en"):
        phone.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
        )
        phone.goto(f"{live_server.url}/me/data/")
        assert phone.locator("html").get_attribute("lang") == (
            "en" if language == "en" else "zh-Hans"
        )
        cards = phone.locator(".os-access")
        assert cards.count() >= 2
        # no vertical text: every value box is most of the screen wide, and nothing is wider
        # than the screen
        widths = phone.eval_on_selector_all(
            ".os-access dd, .os-access dt", "els => els.map(e => e.getBoundingClientRect().width)"
        )
        assert widths
        assert min(widths) > 250, widths
        overflow = phone.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 390, overflow
        axe.check(phone)
