"""The citizen portal: every page in Chinese (default) and English, filters, 404s, no inline
script or style, query budgets."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from tests.portal.conftest import Portal

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTR = re.compile(r"\sstyle\s*=", re.IGNORECASE)

PAGES = [
    "/",
    "/items/",
    "/items/37112100SP-XK-0001/",
    "/scenarios/",
    "/scenarios/enterprise-info-change/",
    "/departments/",
    "/departments/371121-public-security/",
    "/centres/",
]


def html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


@pytest.mark.parametrize("url", PAGES)
def test_page_is_chinese_by_default(portal: Portal, client: Client, url: str) -> None:
    response = client.get(url)
    body = html(response)
    assert response.status_code == 200
    assert '<html lang="zh-Hans"' in body
    assert "五莲县" in body
    assert 'id="main-content"' in body
    assert 'class="usa-skipnav" href="#main-content"' in body
    # The switch offers English as a real form posting to Django's set_language view.
    assert 'action="/i18n/setlang/" method="post"' in body
    assert 'name="language" value="en" lang="en"' in body
    assert f'name="next" value="{url}"' in body
    assert 'name="csrfmiddlewaretoken"' in body


@pytest.mark.parametrize("url", PAGES)
def test_page_in_english(portal: Portal, en: Client, url: str) -> None:
    response = en.get(url)
    body = html(response)
    assert response.status_code == 200
    assert '<html lang="en"' in body
    assert "Wulian County" in body
    assert 'name="language" value="zh-hans" lang="zh-Hans"' in body
    assert "Skip to main content" in body


@pytest.mark.parametrize("url", PAGES)
def test_no_inline_script_or_style(portal: Portal, client: Client, url: str) -> None:
    body = html(client.get(url))
    assert INLINE_SCRIPT.findall(body) == []
    assert STYLE_ATTR.findall(body) == []
    assert "<style" not in body
    assert '<script src="/static/vendor/htmx/htmx.min.js" defer></script>' in body
    assert '<link rel="stylesheet" href="/static/vendor/uswds/css/uswds.min.css">' in body


def test_language_cookie_selects_english(portal: Portal, client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = html(client.get("/items/37112100SP-XK-0001/"))
    assert '<html lang="en"' in body
    assert "<h1>Change of business registration</h1>" in body


def test_language_switch_posts_and_returns(portal: Portal, client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/scenarios/"})
    assert response.status_code == 302
    assert response["Location"] == "/scenarios/"
    assert '<html lang="en"' in html(client.get("/scenarios/"))


def test_home_sections(portal: Portal, zh: Client) -> None:
    body = html(zh.get("/"))
    # Search posts to the knowledge search page with a labelled `q` field.
    assert 'action="/search/" method="get" role="search"' in body
    assert '<label class="usa-sr-only" for="home-search">' in body
    assert 'id="home-search" type="search" name="q"' in body
    # Life events (scenarios) as cards, popular services, departments, themes.
    assert 'href="/scenarios/enterprise-info-change/">企业信息变更一件事</a>' in body
    assert 'href="/items/37112100GA-QR-0001/">户籍证明开具</a>' in body
    assert 'href="/departments/371121-public-security/">五莲县公安局</a>' in body
    assert 'href="/items/?theme=household-id">户籍身份 (1)</a>' in body
    assert 'href="/items/?theme=business-operation">经营管理 (2)</a>' in body
    # Popular services come most popular first.
    assert body.index("户籍证明开具") < body.index("营业执照变更登记") < body.index("印章刻制备案")


def test_home_in_english(portal: Portal, en: Client) -> None:
    body = html(en.get("/"))
    assert "Government services of Wulian County" in body
    assert ">Enterprise information change</a>" in body
    assert ">Household registration and ID (1)</a>" in body
    assert "Services for individuals" in body


class TestBrowse:
    def test_all_items(self, portal: Portal, zh: Client) -> None:
        body = html(zh.get("/items/"))
        assert "共找到 3 个事项" in body
        for code in ("37112100SP-XK-0001", "37112100GA-BA-0001", "37112100GA-QR-0001"):
            assert f'href="/items/{code}/"' in body

    def test_audience_filter(self, portal: Portal, zh: Client) -> None:
        body = html(zh.get("/items/?audience=person"))
        assert "共找到 1 个事项" in body
        assert 'href="/items/37112100GA-QR-0001/"' in body
        assert 'href="/items/37112100SP-XK-0001/"' not in body
        assert '<option value="person" selected>' in body

    def test_theme_filter(self, portal: Portal, zh: Client) -> None:
        body = html(zh.get("/items/?theme=public-safety"))
        assert "共找到 1 个事项" in body
        assert 'href="/items/37112100GA-BA-0001/"' in body

    def test_type_and_department_filters(self, portal: Portal, zh: Client) -> None:
        body = html(zh.get(f"/items/?department={portal.police.code}"))
        assert "共找到 2 个事项" in body
        body = html(zh.get(f"/items/?department={portal.police.code}&type=filing"))
        assert "共找到 1 个事项" in body
        assert 'href="/items/37112100GA-BA-0001/"' in body

    def test_unknown_filter_values_are_ignored(self, portal: Portal, zh: Client) -> None:
        response = zh.get("/items/?theme=nope&type=bogus&audience=x&department=y")
        assert response.status_code == 200
        assert "共找到 3 个事项" in html(response)

    def test_filter_form_works_without_javascript(self, portal: Portal, zh: Client) -> None:
        body = html(zh.get("/items/"))
        assert '<form class="usa-form" method="get" action="/items/"' in body
        for name in ("theme", "audience", "type", "department"):
            assert f'<label class="usa-label" for="f-{name}">' in body
            assert f'id="f-{name}" name="{name}"' in body
        assert '<button class="usa-button" type="submit">' in body

    def test_htmx_request_gets_only_the_results(self, portal: Portal, zh: Client) -> None:
        response = zh.get("/items/?audience=person", headers={"HX-Request": "true"})
        body = html(response)
        assert response.status_code == 200
        assert body.lstrip().startswith('<section id="results"')
        assert "<html" not in body
        assert "共找到 1 个事项" in body

    def test_pagination(self, portal: Portal, zh: Client, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr("onestop.catalog.views.ITEMS_PER_PAGE", 2)
        first = html(zh.get("/items/?type="))
        assert 'href="/items/37112100GA-BA-0001/"' in first
        assert 'href="/items/37112100GA-QR-0001/"' in first
        assert 'href="/items/37112100SP-XK-0001/"' not in first
        assert 'href="?type=&amp;page=2"' in first
        second = html(zh.get("/items/?type=&page=2"))
        assert 'href="/items/37112100SP-XK-0001/"' in second
        assert 'aria-current="page">2</a>' in second

    def test_query_budget(self, portal: Portal, zh: Client, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
        with django_assert_max_num_queries(6):
            response = zh.get("/items/")
        assert response.status_code == 200


class TestItemGuide:
    URL = "/items/37112100SP-XK-0001/"

    def test_every_element_in_chinese(self, portal: Portal, zh: Client) -> None:
        body = html(zh.get(self.URL))
        assert "<h1>营业执照变更登记</h1>" in body
        assert "<dd>37112100SP-XK-0001</dd>" in body
        assert 'href="/departments/371121-market-regulation/">五莲县市场监督管理局</a>' in body
        assert (
            'href="/departments/371121-administrative-approval-services/">五莲县行政审批服务局</a>'
            in body
        )
        assert "《中华人民共和国市场主体登记管理条例》第二十四条" in body
        assert "在五莲县登记的企业" in body
        assert "变更事项已依法作出决定" in body
        assert "现场核查" in body
        assert "网上申报或窗口申请" in body
        assert "营业执照" in body

    def test_materials_with_their_source(self, portal: Portal, en: Client) -> None:
        body = html(en.get(self.URL))
        assert '<th scope="row">Application form</th>' in body
        assert "Generated by the system" in body
        assert "E-licence: Business licence" in body
        assert "Shared data: Enterprise registry" in body
        assert "Provided by the applicant" in body
        assert "If applicable" in body  # the power of attorney is not required

    def test_limits_fee_result_visits_depth(self, portal: Portal, en: Client) -> None:
        body = html(en.get(self.URL))
        assert "3 working days" in body  # statutory
        assert "1 working day" in body  # promised
        assert "<dd>No fee</dd>" in body
        assert "issued as an e-licence" in body
        assert "No visit needed" in body
        assert "Level 4: fully online" in body
        assert "Handled in this region only" in body
        assert "at most 5 working days" in body
        assert "The change has been lawfully decided" in body

    def test_on_the_spot_item(self, portal: Portal, en: Client) -> None:
        body = html(en.get("/items/37112100GA-QR-0001/"))
        assert "Done on the spot (on-the-spot item)" in body

    def test_fee_no_statutory_limit_cross_province(self, portal: Portal, en: Client) -> None:
        body = html(en.get("/items/37112100GA-BA-0001/"))
        assert "<dd>Charged as regulated</dd>" in body
        assert "No statutory time limit" in body
        assert "At most 1 visit" in body
        assert "Can be handled across provinces" in body
        assert "not an e-licence" in body

    def test_where_to_go(self, portal: Portal, en: Client) -> None:
        body = html(en.get("/items/37112100GA-BA-0001/"))
        assert "Wulian County Government Service Centre" in body
        assert "Window 01" in body  # comprehensive window accepts every item
        assert "Window 12" in body  # the police's own window
        assert "Monday: 09:00\u201312:00, 13:30\u201317:30" in body
        assert "Saturday: 09:00\u201312:00 (comprehensive windows only)" in body
        licence = html(en.get(self.URL))
        assert "Window 01" in licence
        assert "Window 12" not in licence

    def test_scenarios_containing_it(self, portal: Portal, zh: Client) -> None:
        body = html(zh.get(self.URL))
        assert 'href="/scenarios/enterprise-info-change/">企业信息变更一件事</a>' in body

    def test_unknown_code_is_404(self, portal: Portal, zh: Client) -> None:
        response = zh.get("/items/37112100XX-XK-9999/")
        body = html(response)
        assert response.status_code == 404
        assert '<html lang="zh-Hans"' in body
        assert "<h1>页面没有找到</h1>" in body  # Django's own catalogue translates the title
        assert 'id="main-content"' in body
        assert 'href="/items/">' in body

    def test_query_budget(self, portal: Portal, zh: Client, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
        # + 1: the item's service ratings (reviews, through the registry slot `item`)
        with django_assert_max_num_queries(11):
            response = zh.get(self.URL)
        assert response.status_code == 200


class TestScenarios:
    URL = "/scenarios/enterprise-info-change/"

    def test_list(self, portal: Portal, en: Client) -> None:
        body = html(en.get("/scenarios/"))
        assert 'href="/scenarios/enterprise-info-change/">Enterprise information change</a>' in body
        assert "One application updates every related record." in body

    def test_comparison_table(self, portal: Portal, en: Client) -> None:
        body = html(en.get(self.URL))
        rows = re.findall(
            r'<th scope="row">([^<]+)</th>\s*<td>(\d+)</td>\s*'
            r'<td>(?:<span class="os-better">)?(\d+)',
            body,
        )
        assert rows == [
            ("Items to apply for", "2", "2"),
            ("Materials to hand in", "5", "1"),
            ("On-site visits", "1", "1"),
            ("Working days (promised)", "3", "2"),
            ("Forms to fill in", "2", "1"),
        ]
        assert "3 further materials are already held by the government" in body

    def test_variant_answers_filter_items(self, portal: Portal, en: Client) -> None:
        body = html(en.get(self.URL))
        assert "2 services" in body
        assert '<legend class="usa-legend">Does the change concern the name' in body
        assert 'name="seal_change" value="no"' in body
        answered = html(en.get(self.URL + "?seal_change=no"))
        assert "Services that apply to you" in answered
        assert "1 service" in answered
        assert "Not needed in your situation" in answered
        applies = answered.split('id="applicable"')[1].split("Not needed")[0]
        assert "Change of business registration" in applies
        assert "Seal-engraving record" not in applies
        assert 'value="no" checked' in answered

    def test_merged_materials(self, portal: Portal, en: Client) -> None:
        body = html(en.get(self.URL))
        table = body.split('id="bundle-materials"')[1]
        # The power of attorney is needed by both items and listed once.
        assert table.count('<th scope="row">Power of attorney</th>') == 1
        assert "Change of business registration; Seal-engraving record" in table
        assert table.count("You do not hand it in") == 3

    def test_unknown_slug_is_404(self, portal: Portal, en: Client) -> None:
        response = en.get("/scenarios/no-such-thing/")
        assert response.status_code == 404
        assert "Page not found" in html(response)


class TestOrg:
    def test_department_list(self, portal: Portal, zh: Client) -> None:
        body = html(zh.get("/departments/"))
        assert 'href="/departments/371121-market-regulation/">五莲县市场监督管理局</a>' in body
        assert "负责市场主体登记。" in body

    def test_department_detail(self, portal: Portal, en: Client) -> None:
        body = html(en.get("/departments/371121-public-security/"))
        assert "<h1>Wulian County Public Security Bureau</h1>" in body
        assert "Handles household registration and seal records." in body
        assert 'href="/items/37112100GA-BA-0001/">Seal-engraving record</a>' in body
        assert 'href="/items/37112100GA-QR-0001/">Household registration certificate</a>' in body
        assert 'href="/items/37112100SP-XK-0001/"' not in body
        assert "Window 12" in body

    def test_unknown_department_is_404(self, portal: Portal, zh: Client) -> None:
        assert zh.get("/departments/371121-nope/").status_code == 404

    def test_centres(self, portal: Portal, en: Client) -> None:
        body = html(en.get("/centres/"))
        assert '<h2 id="centre-wulian-centre">Wulian County Government Service Centre</h2>' in body
        assert "1 Jiefang Road, Wulian" in body
        assert "Every department's items (comprehensive window)" in body
        assert (
            'href="/departments/371121-public-security/">Wulian County Public Security Bureau</a>'
            in body
        )
        assert "Friday: 09:00\u201312:00, 13:30\u201317:30" in body
