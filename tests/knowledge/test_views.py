import pytest
from django.urls import reverse

from onestop.knowledge.services import index_rebuild


@pytest.fixture
def indexed(small_catalogue, settings):
    settings.NODE_REGION = "371121"
    index_rebuild()
    return small_catalogue


def test_url_name():
    assert reverse("knowledge:search") == "/search/"


def test_empty_page_shows_a_labelled_form(client, db):
    response = client.get("/search/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<label class="usa-label" for="search-q">' in html
    assert 'id="search-q" type="search" name="q"' in html
    assert 'method="get"' in html
    assert "usa-alert" not in html


def test_results_link_to_scenarios_and_items(client, indexed):
    response = client.get("/search/", {"q": "宝宝出生上户口"})

    assert response.status_code == 200
    html = response.content.decode()
    assert '<a class="usa-link" href="/scenarios/newborn/">新生儿出生一件事</a>' in html
    assert '<a class="usa-link" href="/items/37112100GA-QR-0001/">出生登记（户口登记）</a>' in html
    assert 'value="宝宝出生上户口"' in html


def test_english_page_shows_english_titles(client, indexed):
    client.cookies["django_language"] = "en"

    response = client.get("/search/", {"q": "open a restaurant"}, headers={"accept-language": "en"})

    assert response.status_code == 200
    assert '<a class="usa-link" href="/scenarios/restaurant-opening/">Opening a restaurant</a>' in (
        response.content.decode()
    )


def test_no_results_shows_a_friendly_message(client, indexed):
    client.cookies["django_language"] = "en"

    response = client.get("/search/", {"q": "qwxzv plmok"}, headers={"accept-language": "en"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing matched “qwxzv plmok”." in html
    assert "os-search-results" not in html


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("   ", "Enter something to search for."),
        ("x" * 10_000, "Your search is too long. Use at most 200 characters."),
    ],
)
def test_bad_input_is_a_400_page_with_the_message(client, indexed, q, message):
    client.cookies["django_language"] = "en"

    response = client.get("/search/", {"q": q}, headers={"accept-language": "en"})

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'aria-invalid="true"' in html


def test_user_input_is_escaped(client, indexed):
    response = client.get("/search/", {"q": "<script>alert(1)</script>"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_each_result_says_why_it_matched(client, indexed):
    html = client.get("/search/", {"q": "宝宝出生上户口"}).content.decode()
    item = html.split('href="/items/37112100GA-QR-0001/"', 1)[1].split("</li>", 1)[0]
    assert "<mark>户口</mark>" in item or "<mark>出生</mark>" in item


def test_a_problem_to_report_offers_12345_first(client, indexed):
    html = client.get("/search/", {"q": "楼下饭店太吵了"}).content.decode()
    assert 'href="tel:12345"' in html
    assert (
        html.index('id="problem-title"') < html.index("results-title")
        if ("results-title" in html)
        else True
    )
    calm = client.get("/search/", {"q": "宝宝出生上户口"}).content.decode()
    assert 'id="problem-title"' not in calm
