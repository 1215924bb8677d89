"""Secrets in URLs never reach the logs: query strings carrying tokens are cut from access
lines (gunicorn's access log, Django's request loggers); other query strings stay."""

from __future__ import annotations

import datetime
import logging
from types import SimpleNamespace

import pytest
from django.conf import settings
from gunicorn import glogging
from gunicorn.config import Config

from onestop import gunicorn_conf
from onestop.core import logredact


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "GET /open311/v2/requests.json?api_key=s3cret&status=open HTTP/1.1",
            "GET /open311/v2/requests.json?[redacted] HTTP/1.1",
        ),
        (
            "GET /oidc/callback?code=abc&state=xyz HTTP/1.1",
            "GET /oidc/callback?[redacted] HTTP/1.1",
        ),
        ("GET /reset?TOKEN=abc", "GET /reset?[redacted]"),
        ("GET /search/?q=身份证&page=2 HTTP/1.1", "GET /search/?q=身份证&page=2 HTTP/1.1"),
        ("GET /x?keyword=water HTTP/1.1", "GET /x?keyword=water HTTP/1.1"),
        ("no url here", "no url here"),
    ],
)
def test_redact(line: str, expected: str) -> None:
    assert logredact.redact(line) == expected


def _access(logger: glogging.Logger, path: str, query: str) -> None:
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"{path}?{query}",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://node.example{path}?{query}",
    }
    response = SimpleNamespace(status="200 OK", sent=12, headers=[], status_code=200)
    request = SimpleNamespace(headers=[])
    logger.access(response, request, environ, datetime.timedelta(seconds=0.01))


def test_gunicorn_access_log_drops_the_key(caplog: pytest.LogCaptureFixture) -> None:
    config = Config()
    config.set("accesslog", "-")
    logger = glogging.Logger(config)
    access = logging.getLogger("gunicorn.access")
    access.addHandler(caplog.handler)
    try:
        gunicorn_conf._redact_access_log()
        with caplog.at_level(logging.INFO, logger="gunicorn.access"):
            _access(logger, "/open311/v2/requests.json", "api_key=s3cret-key&status=open")
            _access(logger, "/search/", "q=water")
    finally:
        access.removeHandler(caplog.handler)
        access.filters = [
            f for f in access.filters if not isinstance(f, logredact.RedactQueryStrings)
        ]
    lines = [r.getMessage() for r in caplog.records if r.name == "gunicorn.access"]
    assert len(lines) == 2
    assert "s3cret-key" not in caplog.text
    assert '"GET /open311/v2/requests.json?[redacted] HTTP/1.1"' in lines[0]
    assert "https://node.example/open311/v2/requests.json?[redacted]" in lines[0]
    assert '"GET /search/?q=water HTTP/1.1"' in lines[1]


def test_django_console_handler_carries_the_filter(caplog: pytest.LogCaptureFixture) -> None:
    console = settings.LOGGING["handlers"]["console"]
    assert console["filters"] == ["redact_query"]
    assert settings.LOGGING["filters"]["redact_query"]["()"] == (
        "onestop.core.logredact.RedactQueryStrings"
    )
    assert settings.LOGGING["loggers"]["django.server"]["handlers"] == ["console"]
    caplog.handler.addFilter(logredact.RedactQueryStrings())
    with caplog.at_level(logging.INFO, logger="django.request"):
        logging.getLogger("django.request").error(
            "Internal Server Error: %s", "/open311/v2/requests.json?api_key=abc&x=1"
        )
        logging.getLogger("django.request").error(
            "Bad Request: %s", "/oidc/callback?code=one-time&state=s"
        )
    assert len(caplog.records) == 2
    assert "api_key=abc" not in caplog.text
    assert "one-time" not in caplog.text
    assert "/open311/v2/requests.json?[redacted]" in caplog.text
