"""A published Open311 client reads our endpoints over real HTTP: `georeport` 0.3.1 (PyPI,
Apache-2.0; GET only — it cannot file requests, so the POST goes over plain urllib).

The module is not a project dependency yet: the test is skipped, with this reason, only when
`georeport` is not installed."""

from __future__ import annotations

import json
import urllib.request
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.open311.conftest import SERVICE, WATER, form

georeport = pytest.importorskip(
    "georeport", reason="the Open311 client `georeport` (PyPI, 0.3.1) is not installed"
)


def _file(base: str) -> str:
    request = urllib.request.Request(  # noqa: S310 (loopback live server)
        f"{base}requests.json",
        data=urlencode(form()).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        body: list[dict[str, Any]] = json.loads(response.read())
    number: str = body[0]["service_request_id"]
    return number


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_georeport_client_reads_services_definitions_and_requests(
    transactional_db: None, world: Any, live_server: Any, output_format: str
) -> None:
    base = f"{live_server.url}/open311/v2/"
    number = _file(base)
    client = georeport.GeoReport(base, output_format=output_format)

    services = client.get_service_list()
    assert len(services) == 65
    water = next(s for s in services if s["service_code"] == WATER)
    assert water["service_name"] == "供水"
    assert str(water["metadata"]).lower() == "true"

    definition = client.get_service_definition(WATER)
    assert definition["service_code"] == WATER
    attributes = definition["attributes"]
    if output_format == "xml":
        attributes = attributes["attribute"]
    assert [a["code"] for a in attributes] == ["request_type", "township"]

    found = client.get_service_requests(service_request_id=number)
    if output_format == "xml":
        # xmltodict turns a single <request> into a dict, not a list of one
        found = [found] if isinstance(found, dict) else found
    assert [r["service_request_id"] for r in found] == [number]
    assert found[0]["service_code"] == SERVICE
    assert found[0]["status"] == "open"

    listed = client.get_service_requests(status="open", service_code=SERVICE)
    if output_format == "xml":
        listed = [listed] if isinstance(listed, dict) else listed
    assert [r["service_request_id"] for r in listed] == [number]
