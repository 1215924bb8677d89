"""Who is calling (the client's IP, also behind a proxy) and how often they may (rate limits).

The client IP is ``REMOTE_ADDR``, unless the node runs behind a reverse proxy that sets a header
with the client's address (`CLIENT_IP_HEADER`, e.g. ``X-Forwarded-For`` or ``X-Real-IP``, off by
default): then the address that the trusted proxies (`TRUSTED_PROXY_COUNT`, counted from the
right) appended. A client cannot choose it by sending the header itself: the proxy appends.
django-axes and django-ratelimit both read it (settings `AXES_CLIENT_IP_CALLABLE`,
`RATELIMIT_IP_META_KEY`).

Rate limits (`RATE_LIMITS`, one ``"count/period"`` per scope: ``login``, ``register``,
``otp``, ``open311_post``, ``classify``, ``prefill``, ``kiosk_ticket``, ``hotline_file``) are
counted in the default cache (shared by every process when it is Redis or the database). Over
the limit, `check` raises `TooManyRequests`: 429 in the error shape of the API (and Open311's),
with ``Retry-After``; the pages answer the same through `throttled`.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

from onestop.core.errors import DomainError

View = Callable[..., HttpResponse]


class TooManyRequests(DomainError):
    """Too many requests of one caller in a period (429); `retry_after` seconds to wait."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: Any, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = max(1, int(retry_after))


def _valid_ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The caller's IP address (see the module's docstring); ``REMOTE_ADDR`` when the header is
    off, missing or does not hold enough addresses."""
    remote = str(request.META.get("REMOTE_ADDR") or "0.0.0.0")  # noqa: S104 - not a bind
    header = getattr(settings, "CLIENT_IP_HEADER", "")
    if not header:
        return remote
    value = request.headers.get(header, "")
    hops = [part.strip() for part in value.split(",") if part.strip()]
    count = max(1, int(getattr(settings, "TRUSTED_PROXY_COUNT", 1)))
    if len(hops) < count:
        return remote
    return _valid_ip(hops[-count]) or remote


def check(request: HttpRequest, scope: str, *, key: str | None = None) -> None:
    """Count one request of `scope` for `key` (default: the client's IP) and raise
    `TooManyRequests` when it is over the scope's rate. A scope without a rate is not limited."""
    rate = settings.RATE_LIMITS.get(scope)
    if not rate:
        return
    value = key if key is not None else client_ip(request)
    usage = get_usage(
        request,
        group=f"onestop.{scope}",
        key=lambda _group, _request: value,
        rate=rate,
        increment=True,
    )
    if usage is not None and usage["should_limit"]:
        raise TooManyRequests(
            _("Too many requests. Wait %(seconds)s seconds, then try again.")
            % {"seconds": max(1, usage["time_left"])},
            retry_after=usage["time_left"],
        )


def too_many_page(request: HttpRequest, exc: TooManyRequests) -> HttpResponse:
    """The 429 page of the site (the API answers in its error shape instead)."""
    response = render(request, "web/too_many.html", {"message": exc.message}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


def throttled(
    scope: str,
    *,
    methods: tuple[str, ...] = ("POST",),
    key: Callable[[HttpRequest], str] | None = None,
) -> Callable[[View], View]:
    """A page view counted against `scope` for the `methods` given (by client IP unless `key`
    says otherwise); over the rate it answers the 429 page."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in methods:
                try:
                    check(request, scope, key=key(request) if key else None)
                except TooManyRequests as exc:
                    return too_many_page(request, exc)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
