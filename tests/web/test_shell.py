"""The shell: error pages, `<html lang>`, the registry and the template helpers."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from onestop.web import registry
from onestop.web.context_processors import html_lang
from onestop.web.templatetags.web_tags import bilingual, pick, query_with
from onestop.web.views import server_error


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", "zh-Hans"),
        ("zh-cn", "zh-Hans"),
        ("en", "en"),
        ("en-us", "en"),
        (None, "zh-Hans"),
    ],
)
def test_html_lang(language: str | None, expected: str) -> None:
    assert html_lang(language) == expected


@pytest.mark.django_db
def test_unknown_url_is_the_404_page_in_english(client: Client) -> None:
    response = client.get("/no/such/page/", HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="en"' in body
    assert "<h1>Page not found</h1>" in body
    assert 'class="usa-skipnav" href="#main-content"' in body
    assert 'href="/items/">Browse all services</a>' in body


@pytest.mark.django_db
def test_server_error_page_uses_the_shell() -> None:
    request = RequestFactory().get("/")
    with translation.override("en"):
        response = server_error(request)
    body = response.content.decode()
    assert response.status_code == 500
    assert '<html lang="en"' in body
    assert "<h1>Something went wrong</h1>" in body
    assert "12345" in body


def test_registry_merges_providers_of_a_slot() -> None:
    request = RequestFactory().get("/")

    @registry.provides("test-slot")
    def first(request: Any, **kwargs: Any) -> dict[str, Any]:
        return {"a": 1, "who": kwargs.get("who")}

    @registry.provides("test-slot")
    def second(request: Any, **kwargs: Any) -> dict[str, Any]:
        return {"b": 2}

    assert registry.collect("test-slot", request, who="x") == {"a": 1, "who": "x", "b": 2}
    assert registry.collect("no-such-slot", request) == {}


class Thing:
    fee_zh = "不收费"
    fee_en = "No fee"
    scope_zh = "企业"
    scope_en = ""


def test_bilingual_picks_english_when_filled() -> None:
    with translation.override("en"):
        assert bilingual(Thing(), "fee") == "No fee"
        assert bilingual(Thing(), "scope") == "企业"  # falls back to Chinese
    with translation.override("zh-hans"):
        assert bilingual(Thing(), "fee") == "不收费"


def test_pick_reads_dicts() -> None:
    option = {"label_zh": "是", "label_en": "Yes"}
    with translation.override("en"):
        assert pick(option, "label") == "Yes"
        assert pick({"label_zh": "否"}, "label") == "否"
        assert pick("not a dict", "label") == ""
    with translation.override("zh-hans"):
        assert pick(option, "label") == "是"


def test_query_with_replaces_one_parameter() -> None:
    request = RequestFactory().get("/items/?theme=tax&page=3")
    assert query_with({"request": request}, page=4) == "?theme=tax&page=4"
    assert query_with({"request": request}, page=None) == "?theme=tax"
    assert query_with({}, page=2) == "?page=2"
