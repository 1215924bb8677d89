from __future__ import annotations

from django.test import Client


def test_regions(org: None, client: Client) -> None:
    response = client.get("/api/v1/regions")
    assert response.status_code == 200
    body = response.json()
    assert len(body) == 9
    assert body[-1] == {
        "code": "371121",
        "name": "五莲县",
        "name_zh": "五莲县",
        "name_en": "Wulian County",
        "level": "county",
        "parent": "371100",
    }


def test_regions_in_english(org: None, client: Client) -> None:
    body = client.get("/api/v1/regions", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body[-1]["name"] == "Wulian County"


def test_departments_filtered(org: None, client: Client) -> None:
    response = client.get("/api/v1/departments", {"region": "371121", "kind": "public-security"})
    assert response.status_code == 200
    assert response.json() == [
        {
            "code": "371121-public-security",
            "name": "五莲县公安局",
            "name_zh": "五莲县公安局",
            "name_en": "Wulian County Public Security Bureau",
            "region": "371121",
            "kind": "public-security",
            "kind_abbr": "GA",
        }
    ]
    assert len(client.get("/api/v1/departments").json()) == 66
    assert len(client.get("/api/v1/departments", {"region": "320707"}).json()) == 33


def test_unknown_filters_are_404_with_the_error_shape(org: None, client: Client) -> None:
    response = client.get("/api/v1/departments", {"region": "999999"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "There is no region with the code 999999.",
    }
    response = client.get("/api/v1/departments", {"kind": "magic"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json()["message"] == "There is no department kind magic."


def test_malformed_filter_is_refused(org: None, client: Client) -> None:
    response = client.get("/api/v1/departments", {"region": "37"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
