"""The dashboard page, its CSV and Excel exports: who may see them, the figures they carry, the
JSON data block for the charts (no inline executable script), bad months and the query budget."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from onestop.insights import selectors

from .conftest import HR, PS

PAGE = "/insights/hotline/"
CSV = "/insights/hotline/export.csv"
XLSX = "/insights/hotline/export.xlsx"
EN_PS = "Wulian County Public Security Bureau"
EN_HR = "Wulian County Human Resources and Social Security Bureau"


class Scripts(HTMLParser):
    """Every <script> of a page: its attributes and text."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self._open: dict[str, str | None] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._open = {**dict(attrs), "text": ""}
            self.scripts.append(self._open)

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] = (self._open["text"] or "") + data

    def handle_endtag(self, tag):
        if tag == "script":
            self._open = None


def scripts_of(html: str) -> list[dict[str, str | None]]:
    parser = Scripts()
    parser.feed(html)
    return parser.scripts


@pytest.fixture
def client():
    """A browser that asks for English pages."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


def test_urls_are_named():
    assert reverse("insights:hotline") == PAGE
    assert reverse("insights:hotline_export_csv") == CSV
    assert reverse("insights:hotline_export_xlsx") == XLSX


def test_supervisor_sees_the_ranked_table_and_the_chart_data(client, month, world):
    client.force_login(world["supervisor"])

    response = client.get(PAGE, {"month": "2026-03"})

    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(
        r'<caption id="insights-rates-caption">Three rates per handling unit, '
        r"2026-03, ranked by composite score</caption>",
        html,
    )
    assert '<th scope="col">Response rate</th>' in html
    assert f'<th scope="row">{EN_HR}</th>' in html
    assert f'<th scope="row">{EN_PS}</th>' in html
    assert html.index(EN_HR) < html.index(f'<th scope="row">{EN_PS}')  # HR ranks first
    assert "60.00 %" in html  # PS response rate
    assert "33.33 %" in html  # PS resolution rate
    assert "53.00 %" in html  # PS composite
    assert 'value="2026-03"' in html
    assert 'aria-describedby="insights-rates-caption"' in html
    assert "the tables are their text alternative" in html

    scripts = scripts_of(html)
    data_blocks = [s for s in scripts if s.get("type") == "application/json"]
    assert [s["id"] for s in data_blocks] == ["insights-chart-data"]
    assert all(s.get("src") or s.get("type") == "application/json" for s in scripts)
    assert any(s.get("src", "").endswith("insights/hotline.js") and "defer" in s for s in scripts)
    assert any("vendor/echarts/echarts.common.min.js" in (s.get("src") or "") for s in scripts)
    data = json.loads(data_blocks[0]["text"])
    assert data["departments"] == [EN_HR, EN_PS]
    assert data["response"] == [100.0, 60.0]
    assert data["resolution"] == [100.0, 33.33]
    assert data["satisfaction"] == [100.0, 66.67]
    assert data["channel"] == [
        {"name": "Phone", "value": 4},
        {"name": "App", "value": 2},
        {"name": "Web", "value": 1},
    ]
    assert data["category"][0] == {"name": "Public security", "value": 4}


def test_the_page_defaults_to_the_current_month_in_shanghai(client, world):
    client.force_login(world["supervisor"])

    response = client.get(PAGE)

    assert response.status_code == 200
    assert response.context["month_value"] == f"{selectors.current_month():%Y-%m}"
    assert response.context["dashboard"].rows == []
    assert "No work orders were dispatched in this month." in response.content.decode()


def test_officer_sees_their_own_row_only(client, month, world):
    client.force_login(world["officer-ps"])

    response = client.get(PAGE, {"month": "2026-03"})

    assert response.status_code == 200
    html = response.content.decode()
    assert EN_PS in html
    assert EN_HR not in html
    assert "You see your own department only." in html
    assert [r["name"] for r in response.context["rows"]] == [EN_PS]


@pytest.mark.parametrize("username", ["agent", "clerk", "citizen"])
@pytest.mark.parametrize("url", [PAGE, CSV, XLSX])
def test_others_get_403(client, month, world, username, url):
    client.force_login(world[username])

    response = client.get(url, {"month": "2026-03"})

    assert response.status_code == 403
    assert EN_PS.encode() not in response.content


@pytest.mark.parametrize("url", [PAGE, CSV, XLSX])
def test_anonymous_is_sent_to_log_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_malformed_month_is_a_400_page(client, month, world):
    client.force_login(world["supervisor"])

    response = client.get(PAGE, {"month": "2026-3x"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "The month must be written as YYYY-MM (for example 2026-05), from 2000 to 2099." in html
    assert EN_PS not in html
    assert "insights-chart-data" not in html


@pytest.mark.parametrize("url", [CSV, XLSX])
def test_malformed_month_on_a_download_is_a_400(client, world, url):
    client.force_login(world["supervisor"])

    response = client.get(url, {"month": "13/2026"})

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == (
        "The month must be written as YYYY-MM (for example 2026-05), from 2000 to 2099."
    )


def test_a_future_month_is_empty(client, month, world):
    client.force_login(world["supervisor"])

    response = client.get(CSV, {"month": "2099-01"})

    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 1  # the header only


EXPECTED_CSV = [
    [
        "Rank",
        "Department code",
        "Department",
        "Dispatched",
        "Signed for on time",
        "Response rate (%)",
        "Callbacks",
        "Resolved",
        "Resolution rate (%)",
        "Satisfied",
        "Satisfaction rate (%)",
        "Composite score (%)",
        "Overdue",
        "Returned",
        "Reopened",
    ],
    [
        "1",
        HR,
        EN_HR,
        "1",
        "1",
        "100.00",
        "1",
        "1",
        "100.00",
        "1",
        "100.00",
        "100.00",
        "0",
        "2",
        "0",
    ],
    ["2", PS, EN_PS, "5", "3", "60.00", "3", "1", "33.33", "2", "66.67", "53.00", "3", "0", "1"],
]


def test_csv_has_a_bom_and_the_same_rows(client, month, world):
    client.force_login(world["supervisor"])

    response = client.get(CSV, {"month": "2026-03"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="hotline-three-rates-371121-2026-03.csv"'
    )
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == EXPECTED_CSV


def test_csv_in_chinese_opens_as_utf8(client, month, world):
    client.force_login(world["supervisor"])

    response = client.get(CSV, {"month": "2026-03"}, headers={"accept-language": "zh-hans"})

    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    assert "五莲县公安局" in text
    assert "五莲县公安局".encode() in response.content


def test_xlsx_reads_back_the_same_numbers(client, month, world):
    client.force_login(world["supervisor"])

    response = client.get(XLSX, {"month": "2026-03"})

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["Three rates", "Volumes"]
    rates = [list(r) for r in book["Three rates"].iter_rows(values_only=True)]
    assert rates[0] == EXPECTED_CSV[0]
    assert rates[1] == [1, HR, EN_HR, 1, 1, 100, 1, 1, 100, 1, 100, 100, 0, 2, 0]
    assert rates[2] == [2, PS, EN_PS, 5, 3, 60, 3, 1, 33.33, 2, 66.67, 53, 3, 0, 1]
    volumes = [list(r) for r in book["Volumes"].iter_rows(values_only=True)]
    assert volumes[0] == ["Dimension", "Key", "Label", "Requests"]
    assert ["Channel", "phone", "Phone", 4] in volumes
    assert ["Request type", "consultation", "Consultation", 1] in volumes
    assert ["Category (level 1)", "public-security", "Public security", 4] in volumes
    assert len(volumes) == 1 + 2 + 2 + 3 + 2


def test_the_page_has_a_query_budget(client, month, world, django_assert_max_num_queries):
    client.force_login(world["supervisor"])
    # session, user, roles, seven indicator queries (roles read once per request)
    with django_assert_max_num_queries(11):
        response = client.get(PAGE, {"month": "2026-03"})
    assert response.status_code == 200
