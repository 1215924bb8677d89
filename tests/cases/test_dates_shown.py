"""Dates on the pages as the reader reads them (#12 §5): in the node's time zone (a case accepted
at 00:30 in Shanghai, 16:30 UTC the day before, was accepted on the 7th) and written for the
page's language ("2026年12月7日" in Chinese, "2026-12-07" in English)."""

from __future__ import annotations

import datetime

from onestop.cases import tracking
from onestop.cases.models import Case
from tests.factories import login

AFTER_MIDNIGHT = datetime.datetime(2026, 12, 6, 16, 30, tzinfo=datetime.UTC)


def test_the_tracking_and_case_pages_print_the_local_date(newborn_case: Case) -> None:
    Case.objects.filter(pk=newborn_case.pk).update(accepted_at=AFTER_MIDNIGHT)
    number = newborn_case.number or ""
    track = f"/track/{number}/?t={tracking.token_for(number)}"
    for language, day, wrong in (
        ("zh-hans", "2026年12月7日", "2026年12月6日"),
        ("en", "2026-12-07", "2026-12-06"),
    ):
        anonymous = login(None, language=language).get(track).content.decode()
        assert day in anonymous
        assert wrong not in anonymous
        mine = login(newborn_case.applicant, language=language)
        page = mine.get(f"/me/cases/{number}/").content.decode()
        assert f"{day} 00:30" in page
        assert wrong not in page
