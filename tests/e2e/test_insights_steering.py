"""The director filters the steering dashboard and exports it, in Chinese and in English; axe
checks every screen. The figures come from the demo seed's cases (no hotline steps)."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.factories import sign_in

PS = "371121-public-security"


def _filter_and_export(page, base: str, axe, tmp_path, language: str) -> None:
    sign_in(page, base, "supervisor")
    page.goto(base + "/insights/")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("#insights-chart-days canvas")).to_have_count(1)
    # One row per department of the table in the time-limits chart, its box as tall as they need.
    expect(page.locator("#insights-chart-limits canvas")).to_have_count(1)
    departments = page.locator("#insights-departments tbody th[scope=row]").count()
    box = page.locator("#insights-chart-limits").bounding_box()
    assert departments > 0
    assert box is not None
    assert box["height"] >= 64 + departments * 44 - 1
    axe.check(page)
    page.locator("#insights-department").select_option(PS)
    page.locator("#insights-channel").select_option("window")
    page.locator(".os-insights__filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"department=371121-public-security"))
    expect(page.locator("#insights-department")).to_have_value(PS)
    expect(page.locator("#insights-channel")).to_have_value("window")
    rows = page.locator("#insights-departments tbody th[scope=row]")
    expect(rows).to_have_count(1)
    axe.check(page)
    page.locator("details summary").first.click()  # the per-day table behind its chart
    axe.check(page)

    with page.expect_download() as got:
        page.locator("a[href^='/insights/export.csv']").click()
    download = got.value
    assert re.fullmatch(r"insights-371121-\d{8}-\d{8}\.csv", download.suggested_filename)
    path = tmp_path / f"{language}.csv"
    download.save_as(path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "department" not in raw.decode("utf-8-sig").splitlines()[0].lower()

    with page.expect_download() as got:
        page.locator("a[href^='/insights/export.xlsx']").click()
    path = tmp_path / f"{language}.xlsx"
    got.value.save_as(path)
    book = load_workbook(io.BytesIO(path.read_bytes()))
    sheet = book["departments"]
    assert sheet.max_row == 3  # title, header, the one department filtered
    assert "departments" in book.sheetnames
    assert "benefits" in book.sheetnames

    # A period that ends before it starts: the form again, with what was asked and the error
    # summary linking to the field (axe checks the error page too).
    page.locator("#insights-from").fill("2026-05-02")
    page.locator("#insights-to").fill("2026-05-01")
    page.locator(".os-insights__filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"from=2026-05-02"))
    expect(page.locator("[data-error-summary] a[href='#insights-to']")).to_be_visible()
    expect(page.locator("#insights-to-error")).to_be_visible()
    expect(page.locator("#insights-department")).to_have_value(PS)
    expect(page.locator("#insights-received")).to_have_count(0)
    axe.check(page)


def test_the_director_filters_the_dashboard_and_exports_it(
    cases_live_server, page, browser, axe, tmp_path
):
    base = cases_live_server.url
    _filter_and_export(page, base, axe, tmp_path, "zh")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    english = browser.new_context(
        locale="en-US", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    try:
        en_page = english.new_page()
        _filter_and_export(en_page, base, axe, tmp_path, "en")
        assert en_page.locator("html").get_attribute("lang") == "en"
        expect(en_page.locator("h1")).to_have_text("Service indicators")
    finally:
        english.close()
