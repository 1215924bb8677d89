import pytest

from onestop.knowledge.models import SearchDocument
from onestop.knowledge.services import index_rebuild

URL = "/api/v1/search"


@pytest.fixture
def indexed(small_catalogue, settings):
    settings.NODE_REGION = "371121"
    index_rebuild()
    return small_catalogue


def test_search_returns_scenarios_with_slug_and_items_with_code(client, indexed):
    response = client.get(URL, {"q": "孩子刚出生要办什么", "limit": 3})

    assert response.status_code == 200
    body = response.json()
    assert len(body) == 3
    assert body[0] == {
        "kind": "scenario",
        "slug": "newborn",
        "title": "新生儿出生一件事",
        "score": body[0]["score"],
        "region": "371121",
        "url": "http://127.0.0.1:8000/scenarios/newborn/",
    }
    for hit in body:
        assert set(hit) == (
            {"kind", "slug", "title", "score", "region", "url"}
            if hit["kind"] == "scenario"
            else {"kind", "code", "title", "score", "region", "url"}
        )


def test_english_titles(client, indexed):
    response = client.get(URL, {"q": "open a restaurant", "lang": "en", "limit": 1})

    assert response.status_code == 200
    assert response.json() == [
        {
            "kind": "scenario",
            "slug": "restaurant-opening",
            "title": "Opening a restaurant",
            "score": response.json()[0]["score"],
            "region": "371121",
            "url": "http://127.0.0.1:8000/scenarios/restaurant-opening/",
        }
    ]


def test_no_match_is_an_empty_list(client, indexed):
    response = client.get(URL, {"q": "qwxzv plmok"})

    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize("params", [{}, {"q": "   "}, {"q": "\u200b"}])
def test_no_query_finds_nothing(client, indexed, params):
    response = client.get(URL, params)

    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "a" * 10_240}, "q"),
        ({"q": "出生", "lang": "de"}, "lang"),
        ({"q": "出生", "limit": "0"}, "limit"),
        ({"q": "出生", "limit": "100"}, "limit"),
        ({"q": "出生", "limit": "many"}, "limit"),
    ],
)
def test_bad_input_is_422_with_the_error_shape(client, indexed, params, field):
    """The bounds are in the OpenAPI document; outside them: 422, the field named."""
    before = SearchDocument.objects.count()

    response = client.get(URL, params, headers={"accept-language": "en"})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"] == "The request is not valid."
    assert [d["loc"] for d in body["details"]] == [["query", field]]
    assert SearchDocument.objects.count() == before


def test_error_message_is_translated_to_the_request_language(client, indexed):
    english = client.get(URL, {"q": "出生", "lang": "de"}, headers={"accept-language": "en"})
    chinese = client.get(URL, {"q": "出生", "lang": "de"}, headers={"accept-language": "zh-hans"})

    assert (english.status_code, chinese.status_code) == (422, 422)
    assert english.json()["message"] == "The request is not valid."
    assert chinese.json()["message"] not in ("", "The request is not valid.")


def test_search_operation_is_in_the_openapi_document(client):
    schema = client.get("/api/v1/openapi.json").json()

    parameters = {p["name"] for p in schema["paths"]["/api/v1/search"]["get"]["parameters"]}
    assert parameters == {"q", "lang", "limit", "region"}
