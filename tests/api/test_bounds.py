"""Every integer, date and language parameter of the API is bounded, the bounds are in the
OpenAPI document, and out of them the answer is a 422 in the one error shape (issue #13: these
were 500s, or returned every row)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from onestop.api import api

HUGE = str(2**63)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", [f"offset={HUGE}", f"limit={HUGE}", "limit=100000000", "offset=-1", "limit=0"]
)
def test_item_list_bounds(query: str) -> None:
    response = Client().get(f"/api/v1/items?{query}")

    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


@pytest.mark.django_db
def test_the_largest_page_is_served() -> None:
    assert Client().get("/api/v1/items?limit=100&offset=100000").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("month", ["9999-12", "1999-12", "2026-13", "26-01"])
def test_three_rates_month_bounds(month: str) -> None:
    from tests.core.conftest import demo_accounts
    from tests.factories import login

    response = login(demo_accounts()["supervisor"]).get(
        f"/api/v1/insights/hotline/three-rates?month={month}"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["zh-hans", "zh", "zh-CN", "zh-Hans", "ZH-hans-CN", "en-GB"])
def test_search_takes_any_case_bcp47_tag_and_no_query_finds_nothing(lang: str) -> None:
    response = Client().get(f"/api/v1/search?lang={lang}&limit=10")

    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.django_db
def test_search_refuses_a_language_the_node_does_not_speak() -> None:
    response = Client().get("/api/v1/search?q=x&lang=fr")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def _operations(prefix: str = "/api/") -> list[tuple[str, str, dict[str, Any]]]:
    schema = api.get_openapi_schema()
    return [
        (method, path, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if path.startswith(prefix)
    ]


def test_the_document_carries_the_bounds() -> None:
    schema = api.get_openapi_schema()
    items = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/items"]["get"]["parameters"]}
    search = {
        p["name"]: p["schema"] for p in schema["paths"]["/api/v1/search"]["get"]["parameters"]
    }

    assert (items["limit"]["minimum"], items["limit"]["maximum"]) == (1, 100)
    assert (items["offset"]["minimum"], items["offset"]["maximum"]) == (0, 100_000)
    assert (search["limit"]["minimum"], search["limit"]["maximum"]) == (1, 50)
    assert search["q"]["maxLength"] == 200
    assert search["lang"]["pattern"].startswith("^([zZ][hH]|[eE][nN])")


def test_every_operation_documents_its_errors_in_the_one_shape() -> None:
    for method, path, operation in _operations():
        responses = operation["responses"]
        expected = {"400", "404", "422", "429"}
        if operation.get("security"):
            expected |= {"401", "403"}
        if method in {"post", "patch", "put", "delete"}:
            expected |= {"409", "413"}
        documented = {str(code) for code in responses}
        assert expected <= documented, (method, path, expected - documented)
        for code in expected:
            content = responses[code if code in responses else int(code)]["content"]
            assert content["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorOut"
            }


def test_writes_of_signed_in_people_need_the_csrf_header_too() -> None:
    schema = api.get_openapi_schema()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["CsrfToken"] == {**schemes["CsrfToken"], "in": "header", "name": "X-CSRFToken"}
    assert schemes["Open311Key"]["name"] == "X-Api-Key"
    for method, _path, operation in _operations():
        if operation.get("security") and method != "get":
            assert operation["security"] == [{"SessionAuth": [], "CsrfToken": []}]


def test_every_open311_operation_is_documented_in_json_and_xml_with_its_errors() -> None:
    operations = _operations("/open311/v2/")
    paths = {path for _method, path, _operation in operations}
    for name in (
        "discovery",
        "services",
        "services/{service_code}",
        "requests",
        "requests/{service_request_id}",
        "tokens/{token}",
    ):
        assert {f"/open311/v2/{name}.json", f"/open311/v2/{name}.xml"} <= paths
    assert len(operations) == 14  # six GETs and one POST, twice
    for method, path, operation in operations:
        kind = "text/xml" if path.endswith(".xml") else "application/json"
        errors = {code for code in operation["responses"] if code != "200"}
        assert "400" in errors, (method, path)
        for code in errors:
            content = operation["responses"][code]["content"]
            assert content == {kind: {"schema": {"$ref": "#/components/schemas/Open311Errors"}}}
        if method == "post":
            assert operation["security"] == [{"Open311Key": []}]
            assert {"400", "403", "404", "413", "429"} <= errors
            assert "Retry-After" in operation["responses"]["429"]["headers"]
            body = operation["requestBody"]["content"]["application/x-www-form-urlencoded"]
            assert body["schema"] == {"$ref": "#/components/schemas/Open311RequestIn"}
        elif "requests" in path:
            assert operation["security"] == [{}, {"Open311Key": []}]  # keyless reads too


def test_the_open311_document_carries_the_patterns_the_views_check() -> None:
    from onestop.open311 import params

    schema = api.get_openapi_schema()
    query = {
        p["name"]: p["schema"]
        for p in schema["paths"]["/open311/v2/requests.json"]["get"]["parameters"]
    }
    assert query["service_request_id"]["pattern"] == params.ID_LIST_PATTERN
    assert query["service_code"]["pattern"] == params.CODE_LIST_PATTERN
    assert query["status"]["pattern"] == params.STATUS_PATTERN
    assert query["start_date"]["pattern"] == query["end_date"]["pattern"] == params.DATE_PATTERN
    errors = schema["components"]["schemas"]["Open311Errors"]
    assert errors["items"]["$ref"] == "#/components/schemas/Open311Error"
