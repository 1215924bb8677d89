"""axe (WCAG 2.1 AA) on every window screen of "received elsewhere" (异地代收代办) in a real
browser: the console offering another region's items, the search page, the item's page (and
its error), and the application received, with its receipt and the handling region. The peer
320707 is played by the test (`FakePeer`; its item described as in test_forwarding.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from onestop.cases.models import Case
from onestop.cases.services import forwarding
from tests.cases.conftest import build_world
from tests.cases.test_forwarding import ITEM, PDF, PEER, RESIDENT_ID, _form, _remote_item
from tests.factories import sign_in as _login
from tests.federation.conftest import FakePeer

pytestmark = pytest.mark.e2e

CODE = "32070700GA-GG-0003"


@pytest.fixture
def axe_check() -> Any:
    from tests.e2e.conftest import AxeChecker

    return AxeChecker()


def test_the_window_screens_of_received_elsewhere_pass_axe(  # noqa: PLR0915 - one journey
    live_server: Any, transactional_db: None, browser: Any, axe_check: Any, tmp_path: Any
) -> None:
    from playwright.sync_api import expect

    build_world()
    fake = FakePeer(PEER)
    fake.peer.allowed_in_types = ["ping", "case.item", "case.forward", "case.status"]
    fake.peer.allowed_out_types = ["ping", "case.item", "case.forward", "case.status"]
    fake.peer.save()
    forwarding._items.clear()
    item = _remote_item()  # the live server runs in this process: it reads the same cache
    page = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900}).new_page()
    base = live_server.url
    _login(page, base, "clerk")

    page.goto(base + "/window/")
    page.locator("#w-window").select_option(index=0)
    page.locator("form:has(#w-window) button[type=submit]").click()
    page.locator("#w-rid").fill(RESIDENT_ID)
    page.locator("#w-name").fill("赵六")
    page.locator("#lookup-form button[type=submit]").click()
    expect(page.locator("#remote-form")).to_be_visible()
    axe_check.check(page)

    page.goto(base + f"/window/remote/?region={PEER}")
    expect(page.locator("#remote-search")).to_be_visible()
    axe_check.check(page)

    page.goto(base + f"/window/remote/{PEER}/{CODE}/")
    expect(page.locator("#handling-region")).to_contain_text(PEER)
    axe_check.check(page)
    page.locator("#forward").click()  # nothing filled in: refused, with the reasons
    expect(page.locator("#error-summary")).to_be_visible()
    axe_check.check(page)

    for key, value in _form(ITEM).items():
        field = page.locator(f"[name='{key}']")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(str(value))
        else:
            field.fill(str(value))
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    for material in item["materials"]:
        if material["required"] and not material["held_there"]:
            page.locator(f"#material-{material['key']}").set_input_files(str(scan))
    page.locator("label[for=r-checked]").click()
    expect(page.locator("#r-checked")).to_be_checked()
    page.locator("#forward").click()
    page.wait_for_url(re.compile(r"/window/cases/371121-"))
    mirror = Case.objects.get(handling_region=PEER)
    expect(page.locator("#handling")).to_contain_text(PEER)
    expect(page.locator("#papers")).to_be_visible()
    axe_check.check(page)
    assert mirror.status == Case.Status.FORWARDED

    # The handling region asks for a supplement; the walk-in brings it to this window: the
    # window page's supplement form, in English and in Chinese, and after it was sent.
    from django.test import Client

    from tests.cases.test_forwarding import _status

    fake.peer.allowed_out_types = [*fake.peer.allowed_out_types, "case.supplement"]
    fake.peer.save()
    key = next(m["key"] for m in item["materials"] if m["required"] and not m["held_there"])
    inbox = Client()
    assert _status(inbox, fake, mirror, 1, "accepted").status_code == 200
    asked = _status(
        inbox, fake, mirror, 2, "supplement", supplement="扫描件不清晰",
        supplement_materials=[{"key": key, "name_zh": "身份证", "name_en": "ID card"}],
        supplement_due="2026-12-14",
    )  # fmt: skip
    assert asked.status_code == 200
    case_url = page.url
    page.goto(case_url)
    expect(page.locator("#remote-supplement-form")).to_be_visible()
    axe_check.check(page)
    # past the browser's own check of the required scan: the server refuses, with the reason
    page.evaluate("document.getElementById('remote-supplement-form').noValidate = true")
    page.locator("#send-supplement").click()
    expect(page.locator(".os-error-summary")).to_contain_text("Hand in every requested material")
    axe_check.check(page)
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": base}])
    page.goto(case_url)
    expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^zh"))
    expect(page.locator("#remote-supplement-form")).to_contain_text("身份证")
    axe_check.check(page)
    page.locator(f"#supplement-{key}").set_input_files(str(scan))
    page.locator("#supplement-note").fill("窗口重新扫描")
    page.locator("#send-supplement").click()
    expect(page.locator("#remote-supplement-form")).to_have_count(0)
    expect(page.locator("#remote-timeline")).to_contain_text(PEER)
    axe_check.check(page)
