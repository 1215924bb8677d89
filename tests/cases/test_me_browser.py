"""axe (WCAG 2.1 AA) on the screens of my space that the end-to-end journeys do not reach: an
application waiting for a supplement (upload and answer forms), an upload refused, the account
page with its links, and the scenario page with the burden panel of a completed case."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest

from onestop.accounts.models import User
from onestop.cases import selectors, services
from onestop.cases.models import Case
from tests.factories import sign_in as _login

from .factories_space import bundle_case

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PASSWORD = "onestop-demo-2026"

pytestmark = pytest.mark.e2e


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


def _axe(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
        for v in results.response["violations"]
    ]


@pytest.mark.usefixtures("transactional_db")
def test_my_space_screens_pass_axe(
    page: Any, live_server: Any, newborn_case: Case, officers: dict[str, User]
) -> None:
    top = newborn_case
    citizen, newborn = top.applicant, top.scenario
    assert citizen is not None
    assert newborn is not None
    hr_case = top.children.get(item__code="37112100RS-GG-0005")
    view = selectors.case_task_view(case=hr_case)
    services.supplement_request(
        actor=officers["human-resources-social-security"],
        case=hr_case,
        reason="请补交照片。",
        materials=["photo"],
        expected_version=view["version"],
    )
    # A completed bundle so that the scenario page shows real figures.
    bundle_case(
        scenario=newborn,
        accepted=datetime.date(2026, 11, 19),
        applicant=citizen,
        status=Case.Status.COMPLETED,
        materials_submitted=1,
        visits=0,
        fields_typed=2,
        completed_at=top.accepted_at,
    )
    base = live_server.url
    failures: list[str] = []
    _login(page, base, "citizen")

    page.goto(base + "/accounts/me/")
    assert page.locator("#account-links a[href='/me/cases/']").count() == 1
    failures += _axe(page)

    page.goto(base + "/me/cases/")
    assert page.locator("#my-cases").count() == 1
    failures += _axe(page)

    page.goto(base + f"/me/cases/{top.number}/")
    assert page.locator("#my-case-supplements").count() == 1
    failures += _axe(page)

    # A refused upload shows its error next to the form (HTTP 400), still accessible.
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "photo.png", "mimeType": "image/png", "buffer": b"not an image"}],
    )
    page.locator("#my-case-supplements form[enctype] button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.locator("#my-case-supplements [role=alert]").count() == 1
    failures += _axe(page)

    page.goto(base + f"/scenarios/{newborn.slug}/")
    assert page.locator("#burden table").count() == 1
    failures += _axe(page)

    assert not failures, "\n".join(failures)
