"""The GeoReport v2 endpoints over plain HTTP (Django test client): XML and JSON shapes field
by field against `reference/open311.md`, errors with 400/403/404, and nothing written on error."""

from __future__ import annotations

import datetime
import json
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from onestop.hotline import services as hotline_services
from onestop.hotline.models import Attachment, WorkOrder
from onestop.open311 import services
from tests.open311.conftest import SERVICE, WATER, form

BASE = "/open311/v2/"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


def xml(response: Any) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(XML_DECLARATION)
    return ET.fromstring(response.content)  # noqa: S314 (our own response, in a test)


def jsn(response: Any) -> Any:
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def counts() -> tuple[int, int, int]:
    return (
        WorkOrder.objects.count(),
        WorkOrder.objects.filter(channel="open311").count(),
        Attachment.objects.count(),
    )


@pytest.fixture(autouse=True)
def _no_dedupe(monkeypatch: Any) -> None:
    """These tests file the same body several times on purpose; the dedupe of identical
    bodies is test_abuse.py's."""
    monkeypatch.setattr(services, "DEDUPE_SECONDS", 0)


def post(client: Client, fmt: str = "json", **extra: Any) -> Any:
    return client.post(f"{BASE}requests.{fmt}", form(**extra))


# --- discovery ------------------------------------------------------------------------------


def test_discovery_json_and_xml(world: Any, client: Client) -> None:
    body = jsn(client.get(f"{BASE}discovery.json"))
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    assert body["changeset"].endswith("+08:00")
    assert body["endpoints"] == [
        {
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": f"{settings.PUBLIC_URL}/open311/v2/",  # PUBLIC_URL, not the Host
            "changeset": body["changeset"],
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }
    ]
    root = xml(client.get(f"{BASE}discovery.xml"))
    assert root.tag == "discovery"
    assert [c.tag for c in root] == ["changeset", "contact", "key_service", "endpoints"]
    endpoint = root.find("endpoints/endpoint")
    assert endpoint is not None
    assert [c.tag for c in endpoint] == ["specification", "url", "changeset", "type", "formats"]
    assert [f.text for f in endpoint.findall("formats/format")] == [
        "text/xml",
        "application/json",
    ]
    assert root.findtext("changeset") == body["changeset"]


def test_discovery_needs_a_format_suffix(world: Any, client: Client) -> None:
    assert client.get(f"{BASE}discovery").status_code == 404
    assert client.get(f"{BASE}discovery.html").status_code == 404


# --- services -------------------------------------------------------------------------------


def test_services_json_lists_level_two_categories_in_chinese_by_default(
    world: Any, client: Client
) -> None:
    body = jsn(client.get(f"{BASE}services.json"))
    assert isinstance(body, list)
    assert len(body) == 65
    water = next(s for s in body if s["service_code"] == WATER)
    assert set(water) == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    assert water["service_name"] == "供水"
    assert water["metadata"] is True
    assert water["type"] == "realtime"
    assert water["group"] == "公共事业"
    assert "," in water["keywords"]
    assert all("." in s["service_code"] for s in body)


@pytest.mark.parametrize(
    ("query", "headers"),
    [("?lang=en", {}), ("", {"HTTP_ACCEPT_LANGUAGE": "en"})],
)
def test_services_in_english(world: Any, client: Client, query: str, headers: Any) -> None:
    body = jsn(client.get(f"{BASE}services.json{query}", **headers))
    water = next(s for s in body if s["service_code"] == WATER)
    assert (water["service_name"], water["group"]) == ("Water supply", "Public utilities")


@pytest.mark.parametrize(
    ("tag", "name"),
    [("en-GB", "Water supply"), ("EN", "Water supply"), ("zh-CN", "供水"), ("zh-hans", "供水")],
)
def test_services_take_any_bcp47_tag(world: Any, client: Client, tag: str, name: str) -> None:
    body = jsn(client.get(f"{BASE}services.json?lang={tag}", HTTP_ACCEPT_LANGUAGE="en"))
    assert next(s for s in body if s["service_code"] == WATER)["service_name"] == name


def test_a_language_the_node_does_not_speak_is_a_translated_400(world: Any, client: Client) -> None:
    response = client.get(f"{BASE}services.json?lang=fr", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400
    assert "BCP 47" in response.json()[0]["description"]


def test_services_xml_has_one_service_element_per_service(world: Any, client: Client) -> None:
    root = xml(client.get(f"{BASE}services.xml?lang=en"))
    assert root.tag == "services"
    services_ = root.findall("service")
    assert len(services_) == 65
    water = next(s for s in services_ if s.findtext("service_code") == WATER)
    assert [c.tag for c in water] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert water.findtext("metadata") == "true"
    assert water.findtext("type") == "realtime"
    assert water.findtext("service_name") == "Water supply"


def test_service_definition_json(world: Any, client: Client) -> None:
    body = jsn(client.get(f"{BASE}services/{WATER}.json?lang=en"))
    assert body["service_code"] == WATER
    first, second = body["attributes"]
    assert first == {
        "variable": True,
        "code": "request_type",
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": "One of the listed keys; a request for help when absent.",
        "order": 1,
        "description": "What kind of request is this?",
        "values": [
            {"key": "consultation", "name": "Consultation"},
            {"key": "complaint", "name": "Complaint"},
            {"key": "assistance", "name": "Request for help"},
            {"key": "suggestion", "name": "Suggestion"},
            {"key": "report", "name": "Report"},
            {"key": "praise", "name": "Praise"},
        ],
    }
    assert (second["code"], second["datatype"], second["required"], second["order"]) == (
        "township",
        "string",
        False,
        2,
    )
    assert "values" not in second


def test_service_definition_xml(world: Any, client: Client) -> None:
    root = xml(client.get(f"{BASE}services/{WATER}.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == WATER
    attributes = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attributes] == ["request_type", "township"]
    assert [v.findtext("key") for v in attributes[0].findall("values/value")] == [
        "consultation",
        "complaint",
        "assistance",
        "suggestion",
        "report",
        "praise",
    ]
    assert attributes[0].findtext("variable") == "true"
    assert attributes[0].findtext("required") == "false"


@pytest.mark.parametrize("code", ["no-such", "utilities"])  # unknown, and a level-1 group
def test_service_definition_unknown_code_is_404(world: Any, client: Client, code: str) -> None:
    response = client.get(f"{BASE}services/{code}.json?lang=en")
    assert response.status_code == 404
    assert jsn(response) == [{"code": 404, "description": f"There is no service {code}."}]
    root = xml(client.get(f"{BASE}services/{code}.xml?lang=en"))
    assert root.tag == "errors"
    assert root.findtext("error/code") == "404"


# --- POST requests --------------------------------------------------------------------------


def test_post_json_creates_one_open311_work_order(world: Any, client: Client) -> None:
    response = post(client, lang=None)
    assert response.status_code == 200
    body = jsn(response)
    assert len(body) == 1
    assert set(body[0]) == {"service_request_id", "service_notice"}
    order = WorkOrder.objects.get(number=body[0]["service_request_id"])
    assert order.channel == WorkOrder.Channel.OPEN311
    assert order.region == "371121"
    assert order.category_id == SERVICE
    assert order.request_type == "complaint"
    assert order.township == "洪凝街道"
    assert (str(order.latitude), str(order.longitude)) == ("35.700000", "119.200000")
    assert order.contact_name == "Wei Zhang"
    assert order.contact_phone_masked != "13800005555"
    assert order.created_by == world["client"].account


def test_post_xml_multipart_with_address_and_default_request_type(
    world: Any, client: Client
) -> None:
    body = form(lat=None, long=None, address_string="五莲县洪凝街道某小区")
    del body["attribute[request_type]"]
    response = client.post(f"{BASE}requests.xml", body)  # multipart by default
    assert response.status_code == 200
    root = xml(response)
    assert root.tag == "service_requests"
    assert [c.tag for c in root.findall("request/*")] == ["service_request_id", "service_notice"]
    order = WorkOrder.objects.get(number=root.findtext("request/service_request_id"))
    assert (order.address, order.request_type, order.latitude) == (
        "五莲县洪凝街道某小区",
        "assistance",
        None,
    )


def test_post_urlencoded(world: Any, client: Client) -> None:
    from urllib.parse import urlencode

    response = client.post(
        f"{BASE}requests.json",
        urlencode(form()),
        content_type="application/x-www-form-urlencoded; charset=utf-8",
    )
    assert response.status_code == 200
    assert counts()[1] == 1


def test_post_with_a_png_attaches_it(world: Any, client: Client, tmp_path: Any) -> None:
    png = tmp_path / "photo.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    with png.open("rb") as handle:
        response = client.post(f"{BASE}requests.json", {**form(), "media": handle})
    assert response.status_code == 200
    order = WorkOrder.objects.get(number=jsn(response)[0]["service_request_id"])
    assert list(order.attachments.values_list("name", "content_type")) == [
        ("photo.png", "image/png")
    ]


def test_post_with_a_bad_media_file_creates_nothing(
    world: Any, client: Client, tmp_path: Any
) -> None:
    bad = tmp_path / "photo.png"
    bad.write_bytes(b"not an image")
    with bad.open("rb") as handle:
        response = client.post(f"{BASE}requests.json", {**form(), "media": handle})
    assert response.status_code == 400
    assert counts() == (0, 0, 0)


def test_idempotency_key_makes_a_retry_create_nothing(world: Any, client: Client) -> None:
    first = client.post(f"{BASE}requests.json", form(), HTTP_IDEMPOTENCY_KEY="retry-1")
    again = client.post(f"{BASE}requests.json", form(), HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == again.status_code == 200
    assert jsn(first)[0]["service_request_id"] == jsn(again)[0]["service_request_id"]
    assert counts()[1] == 1
    other = client.post(f"{BASE}requests.json", form(), HTTP_IDEMPOTENCY_KEY="retry-2")
    assert jsn(other)[0]["service_request_id"] != jsn(first)[0]["service_request_id"]
    assert counts()[1] == 2


def test_idempotency_keys_of_two_clients_do_not_collide(world: Any, client: Client) -> None:
    _other, key = services.client_create(actor=world["admin"], name="Other app", region="371121")
    first = client.post(f"{BASE}requests.json", form(), HTTP_IDEMPOTENCY_KEY="k")
    second = client.post(f"{BASE}requests.json", form(api_key=key), HTTP_IDEMPOTENCY_KEY="k")
    assert jsn(first)[0]["service_request_id"] != jsn(second)[0]["service_request_id"]
    assert counts()[1] == 2


@pytest.mark.parametrize("api_key", [None, "", "wrong-key"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_without_a_valid_key_is_403(
    world: Any, client: Client, api_key: str | None, fmt: str
) -> None:
    response = post(client, fmt, api_key=api_key, lang=None)
    assert response.status_code == 403
    if fmt == "json":
        body = jsn(response)
        assert [e["code"] for e in body] == [403]
    else:
        root = xml(response)
        assert [e.findtext("code") for e in root.findall("error")] == ["403"]
    assert counts() == (0, 0, 0)


def test_post_with_a_revoked_demo_key_is_403(world: Any, client: Client) -> None:
    services.client_deactivate(actor=world["admin"], client=world["client"])
    response = post(client)
    assert response.status_code == 403
    assert counts() == (0, 0, 0)


def test_post_unknown_service_code_is_404(world: Any, client: Client) -> None:
    response = client.post(f"{BASE}requests.json?lang=en", form(service_code="nope"))
    assert response.status_code == 404
    assert jsn(response) == [{"code": 404, "description": "There is no service nope."}]
    assert counts() == (0, 0, 0)


BAD_INPUT = [
    ({"service_code": None}, "service_code is required."),
    ({"lat": None, "long": None}, "A location is required: lat and long, or address_string."),
    ({"long": None}, "Send both lat and long, or neither."),
    ({"lat": "91"}, "lat must be a number from -90 to 90."),
    ({"long": "-180.5"}, "long must be a number from -180 to 180."),
    ({"lat": "north"}, "lat must be a number from -90 to 90."),
    ({"lat": "NaN"}, "lat must be a number from -90 to 90."),
    ({"description": None}, "description is required."),
    ({"description": "   "}, "description is required."),
    ({"description": "投诉" * 10_000}, "description has at most 2000 characters."),
    ({"phone": None}, "phone is required: the 12345 hotline calls the citizen back."),
    ({"phone": "call me"}, "Enter the caller's phone number, 7 to 15 digits."),
    ({"email": "not-an-address"}, "email is not a valid address."),
    ({"attribute[request_type]": "rant"}, "rant is not a value of attribute request_type."),
    ({"attribute[color]": "red"}, f"Service {SERVICE} has no attribute color."),
    (
        {"attribute[request_type][]": "complaint"},
        "The attribute request_type takes exactly one value.",
    ),
    (
        {"attribute[township": "x"},
        "attribute[township is not a valid attribute parameter: use attribute[CODE].",
    ),
    ({"attribute": "x"}, "attribute is not a valid attribute parameter: use attribute[CODE]."),
    ({"attribute[]": "x"}, "attribute[] is not a valid attribute parameter: use attribute[CODE]."),
    ({"attribute[township]": "镇" * 101}, "The township has at most 100 characters."),
]


@pytest.mark.parametrize(("extra", "message"), BAD_INPUT)
def test_post_bad_input_is_400_and_creates_nothing(
    world: Any, client: Client, extra: dict[str, Any], message: str
) -> None:
    response = client.post(f"{BASE}requests.json?lang=en", form(**extra))
    assert response.status_code == 400
    assert jsn(response) == [{"code": 400, "description": message}]
    assert counts() == (0, 0, 0)


def test_post_repeated_attribute_is_400(world: Any, client: Client) -> None:
    body = form()
    body["attribute[township]"] = ["a", "b"]
    response = client.post(f"{BASE}requests.xml", body)
    assert response.status_code == 400
    assert xml(response).findtext("error/code") == "400"
    assert counts() == (0, 0, 0)


def test_post_ignores_unknown_parameters_and_needs_no_csrf_token(world: Any) -> None:
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        f"{BASE}requests.json",
        form(jurisdiction_id="wulian.gov.cn", device_id="d1", account_id="a1", media_url="x"),
    )
    assert response.status_code == 200
    assert counts()[1] == 1


def test_over_long_idempotency_key_is_400(world: Any, client: Client) -> None:
    response = client.post(f"{BASE}requests.json", form(), HTTP_IDEMPOTENCY_KEY="k" * 81)
    assert response.status_code == 400
    assert counts() == (0, 0, 0)


# --- GET requests ---------------------------------------------------------------------------


def file(client: Client, **extra: Any) -> str:
    response = post(client, **extra)
    assert response.status_code == 200, response.content
    number: str = jsn(response)[0]["service_request_id"]
    return number


def test_get_request_json_fields_and_no_contact_data(world: Any, client: Client) -> None:
    number = file(client)
    response = client.get(f"{BASE}requests/{number}.json?lang=en", HTTP_X_API_KEY=world["key"])
    body = jsn(response)
    assert len(body) == 1
    item = body[0]
    assert list(item) == REQUEST_FIELDS
    order = WorkOrder.objects.get(number=number)
    created = timezone.localtime(order.created_at, datetime.timezone(datetime.timedelta(hours=8)))
    assert item == {
        "service_request_id": number,
        "status": "open",
        "status_notes": "Accepted",
        "service_name": "Property management",
        "service_code": SERVICE,
        "description": "小区电梯坏了一周，物业不修。",
        "agency_responsible": None,
        "service_notice": None,
        "requested_datetime": created.isoformat(timespec="seconds"),
        "updated_datetime": item["updated_datetime"],
        "expected_datetime": None,
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": 35.7,
        "long": 119.2,
        "media_url": None,
    }
    assert item["requested_datetime"].endswith("+08:00")
    assert item["updated_datetime"].endswith("+08:00")
    text = response.content.decode()
    for secret in ("13800005555", "Wei", "Zhang", "5555"):
        assert secret not in text


def test_get_request_xml_is_a_list_of_one(world: Any, client: Client) -> None:
    number = file(client)
    response = client.get(f"{BASE}requests/{number}.xml")
    root = xml(response)
    assert root.tag == "service_requests"
    requests = root.findall("request")
    assert len(requests) == 1
    assert [c.tag for c in requests[0]] == REQUEST_FIELDS
    assert requests[0].findtext("service_request_id") == number
    assert requests[0].findtext("lat") == "35.700"  # keyless: rounded to ~100 m
    assert "13800005555" not in response.content.decode()


def test_get_unknown_request_is_404(world: Any, client: Client) -> None:
    response = client.get(f"{BASE}requests/371121-20200101-000001.json")
    assert response.status_code == 404
    assert jsn(response)[0]["code"] == 404
    assert xml(client.get(f"{BASE}requests/nope.xml")).findtext("error/code") == "404"


def test_closed_request_maps_to_closed_with_close_time(world: Any, client: Client) -> None:
    number = file(client, **{"attribute[request_type]": "consultation"})
    order = WorkOrder.objects.get(number=number)
    hotline_services.ticket_answer_on_spot(actor=world["agent"], order=order, text="已答复。")
    item = jsn(client.get(f"{BASE}requests/{number}.json"))[0]
    order.refresh_from_db()
    assert item["status"] == "closed"
    assert order.closed_at is not None
    assert item["updated_datetime"] == timezone.localtime(order.closed_at).isoformat(
        timespec="seconds"
    )


def test_get_requests_filters(world: Any, client: Client) -> None:
    a = file(client)
    b = file(client, service_code=WATER, **{"attribute[request_type]": "consultation"})
    c = file(client)
    hotline_services.ticket_answer_on_spot(
        actor=world["agent"], order=WorkOrder.objects.get(number=b), text="已答复。"
    )

    def ids(query: str) -> list[str]:
        response = client.get(f"{BASE}requests.json{query}")
        assert response.status_code == 200, response.content
        return [item["service_request_id"] for item in jsn(response)]

    assert ids("") == [c, b, a]  # newest first
    assert ids(f"?service_code={WATER}") == [b]
    assert ids(f"?service_code={WATER},{SERVICE}") == [c, b, a]
    assert ids("?status=open") == [c, a]
    assert ids("?status=closed") == [b]
    assert ids("?status=open,closed") == [c, b, a]
    assert ids(f"?service_request_id={a},{c},nope") == [c, a]
    # service_request_id overrides every other argument
    assert ids(f"?service_request_id={b}&status=open&start_date=2001-01-01") == [b]
    assert ids("?status=&service_code=") == [c, b, a]  # empty = absent
    assert ids("?start_date=2001-01-01T00:00:00Z&end_date=2001-03-01T00:00:00Z") == []
    now = timezone.now()
    start = (now - datetime.timedelta(days=1)).isoformat()
    end = (now + datetime.timedelta(days=1)).isoformat()
    assert ids(f"?start_date={start.replace('+', '%2B')}&end_date={end.replace('+', '%2B')}") == [
        c,
        b,
        a,
    ]
    xml_ids = [
        r.findtext("service_request_id")
        for r in xml(client.get(f"{BASE}requests.xml")).findall("request")
    ]
    assert xml_ids == [c, b, a]


def test_get_requests_default_window_is_the_last_90_days(world: Any, client: Client) -> None:
    old = file(client)
    WorkOrder.objects.filter(number=old).update(
        created_at=timezone.now() - datetime.timedelta(days=91)
    )
    new = file(client)
    listed = [item["service_request_id"] for item in jsn(client.get(f"{BASE}requests.json"))]
    assert listed == [new]


def test_get_requests_caps_at_1000(
    world: Any, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from onestop.open311 import catalogue

    assert catalogue.MAX_RESULTS == 1000
    numbers = [file(client) for _ in range(3)]
    monkeypatch.setattr(catalogue, "MAX_RESULTS", 2)  # the same cap, without 1,001 orders
    listed = [item["service_request_id"] for item in jsn(client.get(f"{BASE}requests.json"))]
    assert listed == [numbers[2], numbers[1]]


BAD_QUERIES = [
    ("?service_code=nope", "There is no service nope."),
    ("?status=pending", "status is open, closed or both."),
    (
        "?start_date=yesterday",
        "start_date is not a W3C date-time from 2000 to 2099 such as 2026-01-01T00:00:00+08:00.",
    ),
    (
        "?end_date=2026-13-01",
        "end_date is not a W3C date-time from 2000 to 2099 such as 2026-01-01T00:00:00+08:00.",
    ),
    (
        "?start_date=2026-01-01&end_date=2026-05-01",
        "start_date and end_date may not span more than 90 days.",
    ),
    ("?start_date=2026-03-01&end_date=2026-02-01", "end_date is before start_date."),
]


@pytest.mark.parametrize(("query", "message"), BAD_QUERIES)
def test_get_requests_bad_queries_are_400(
    world: Any, client: Client, query: str, message: str
) -> None:
    response = client.get(f"{BASE}requests.json{query}&lang=en")
    assert response.status_code == 400
    assert jsn(response) == [{"code": 400, "description": message}]


def test_get_requests_scoped_to_the_reading_client(world: Any, client: Client) -> None:
    file(client)
    _other, key = services.client_create(actor=world["admin"], name="GY", region="320707")
    # 320707 needs an administrator there: the demo admin is a superuser and may.
    assert jsn(client.get(f"{BASE}requests.json", HTTP_X_API_KEY=key)) == []
    assert client.get(f"{BASE}requests.json", HTTP_X_API_KEY="wrong").status_code == 403


def test_keyless_reads_stop_when_the_public_client_is_revoked(world: Any, client: Client) -> None:
    number = file(client)
    services.client_deactivate(actor=world["admin"], client=world["client"])
    assert client.get(f"{BASE}requests.json").status_code == 403
    assert client.get(f"{BASE}requests/{number}.json").status_code == 403


def test_tokens_are_not_issued_so_any_token_is_404(world: Any, client: Client) -> None:
    response = client.get(f"{BASE}tokens/abc.json")
    assert response.status_code == 404
    assert jsn(response)[0]["code"] == 404
    assert xml(client.get(f"{BASE}tokens/abc.xml")).findtext("error/code") == "404"


def test_requests_endpoint_refuses_other_methods(world: Any, client: Client) -> None:
    assert client.put(f"{BASE}requests.json").status_code == 405
    assert client.post(f"{BASE}services.json").status_code == 405


def test_control_characters_never_reach_xml_or_json(world: Any, client: Client) -> None:
    """Stripped on the way in (core.middleware), so neither body carries them."""
    number = file(client, description="停\x0b水\x01了")
    key = {"HTTP_X_API_KEY": world["key"]}
    root = xml(client.get(f"{BASE}requests/{number}.xml", **key))
    assert root.findtext("request/description") == "停水了"
    assert jsn(client.get(f"{BASE}requests/{number}.json", **key))[0]["description"] == "停水了"


def test_request_list_queries_do_not_grow_with_the_results(world: Any, client: Client) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(expected: int) -> int:
        with CaptureQueriesContext(connection) as context:
            assert len(jsn(client.get(f"{BASE}requests.json"))) == expected
        return len(context.captured_queries)

    for _ in range(2):
        file(client)
    few = queries(2)
    for _ in range(4):
        file(client)
    assert queries(6) == few
    assert few <= 8


# --- keys never in URLs; keyless reads are coarse -------------------------------------------


def test_a_key_in_the_query_string_of_a_write_is_400_and_files_nothing(
    world: Any, client: Client
) -> None:
    body = form()
    key = body.pop("api_key")
    response = client.post(f"{BASE}requests.json?api_key={key}&lang=en", body)
    assert response.status_code == 400
    assert jsn(response) == [
        {
            "code": 400,
            "description": "Send api_key in the POST body or in the X-Api-Key header, never in "
            "the URL: URLs are written to logs.",
        }
    ]
    assert WorkOrder.objects.count() == 0


def test_a_key_in_the_query_string_of_a_read_is_400(world: Any, client: Client) -> None:
    response = client.get(f"{BASE}requests.json?api_key={world['key']}")
    assert response.status_code == 400


def test_the_key_may_come_in_the_header(world: Any, client: Client) -> None:
    body = form()
    key = body.pop("api_key")
    response = client.post(f"{BASE}requests.json", body, HTTP_X_API_KEY=key)
    assert response.status_code == 200, response.content
    assert WorkOrder.objects.count() == 1


def test_keyless_reads_are_rounded_and_withhold_texts(world: Any, client: Client) -> None:
    number = file(client, lat="35.712345", long="119.234567", address_string="洪凝街道88号")
    keyless = jsn(client.get(f"{BASE}requests/{number}.json"))[0]
    assert (keyless["lat"], keyless["long"]) == (35.712, 119.235)
    assert keyless["description"] is None
    assert keyless["address"] is None
    assert keyless["media_url"] is None
    listed = jsn(client.get(f"{BASE}requests.json"))[0]
    assert listed == keyless
    assert "电梯" not in client.get(f"{BASE}requests.xml").content.decode()
    # With a valid key: the full request, as today.
    full = jsn(client.get(f"{BASE}requests/{number}.json", HTTP_X_API_KEY=world["key"]))[0]
    assert (full["lat"], full["long"]) == (35.712345, 119.234567)
    assert full["description"] == "小区电梯坏了一周，物业不修。"
    assert full["address"] == "洪凝街道88号"


def test_a_public_service_shows_texts_to_keyless_readers_but_still_rounds(
    world: Any, client: Client
) -> None:
    number = file(client, lat="35.712345", long="119.234567")
    other = file(client, service_code=WATER)
    services.service_publish(actor=world["admin"], code=SERVICE, public=True)
    item = jsn(client.get(f"{BASE}requests/{number}.json"))[0]
    assert item["description"] == "小区电梯坏了一周，物业不修。"
    assert (item["lat"], item["long"]) == (35.712, 119.235)
    assert jsn(client.get(f"{BASE}requests/{other}.json"))[0]["description"] is None


def test_only_an_administrator_publishes_a_service(world: Any) -> None:
    from onestop.core.errors import PermissionDenied as Denied
    from onestop.open311.models import PublicService

    with pytest.raises(Denied):
        services.service_publish(actor=world["agent"], code=SERVICE, public=True)
    assert not PublicService.objects.exists()


def test_a_post_with_a_known_key_and_service_only_writes(
    world: Any, client: Client, settings: Any, monkeypatch: Any
) -> None:
    """After the first request, the key (client, account, roles) and the service are in the
    process's cache: a POST is its transaction and nothing else — the order, its event, both
    task rows in one insert, and the number last (PostgreSQL: one statement; SQLite: the
    counter upsert and the order's update)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.HOTLINE_AUTO_DISPATCH = True  # the routing task too
    monkeypatch.setattr(services, "DEDUPE_SECONDS", 60)
    file(client)
    with CaptureQueriesContext(connection) as context:
        number = file(client, description="另一件事：路灯不亮。")
    statements = [q["sql"].split()[0].upper() for q in context.captured_queries]
    # the test's own transaction makes the intake's a savepoint
    writes = [s for s in statements if s not in {"BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"}]
    # one read first: an identical body of the last minute (open311.services.DEDUPE_SECONDS)
    if connection.vendor == "postgresql":
        assert writes == ["SELECT", "INSERT", "INSERT", "INSERT", "WITH"]
    else:
        assert writes == ["SELECT", "INSERT", "INSERT", "INSERT", "INSERT", "UPDATE"]
    order = WorkOrder.objects.get(number=number)
    assert order.number.endswith("-000002")
    tasks = DBTaskResult.objects.filter(args_kwargs__args__0=order.pk)
    assert sorted(t.task_path for t in tasks) == [
        "onestop.hotline.tasks.notify_citizens",
        "onestop.hotline.tasks.route_orders",
    ]
