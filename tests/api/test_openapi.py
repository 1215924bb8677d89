"""The committed OpenAPI document (docs/api/openapi.json) must match the code."""

import json
from pathlib import Path

import pytest
from django.core.management import call_command

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.json"


def test_openapi_document_has_not_drifted(tmp_path):
    out = tmp_path / "openapi.json"
    call_command(
        "export_openapi_schema", api="onestop.api.api", indent=2, sorted=True, output=str(out)
    )
    current = json.loads(out.read_text())
    committed = json.loads(COMMITTED.read_text())
    assert current == committed, "docs/api/openapi.json is stale: run `make openapi` and commit it"


@pytest.mark.django_db
def test_openapi_served_and_docs_page_uses_local_assets(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "OneStop API"
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn." not in html
    assert "/static/ninja/" in html
