"""The GeoReport v2 endpoints under ``/open311/v2/`` (plain Django views: the spec needs XML
and JSON bodies and form-encoded POSTs). Each view parses, calls one selector or service, and
renders; domain errors become the spec's ``errors`` body with 400, 403 or 404.

POSTs come from other applications, not browsers, and authenticate by ``api_key``: they are
exempt from CSRF. A key travels in the POST body or the ``X-Api-Key`` header, never in the URL
(URLs are written to access logs): a request with ``api_key`` in its query string is refused
with 400.

GETs need no key. A keyless reader gets coordinates rounded to 3 decimals (about 100 m) and,
unless the service is published (`PublicService`), no description and no address; a reader
with a valid key gets the full request, as its service account may see it.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from onestop.core import languages, throttle, uploads, urls
from onestop.core.errors import DomainError, NotFound, ValidationFailed
from onestop.hotline import services as hotline_services
from onestop.hotline.models import Category, WorkOrder
from onestop.open311 import catalogue, params, selectors, services
from onestop.open311.renderers import errors, render

SHANGHAI = ZoneInfo("Asia/Shanghai")
KEY_HEADER = "X-Api-Key"
KEYLESS_PLACES = Decimal("0.001")  # ~100 m of latitude
ATTRIBUTE_KEY = re.compile(r"^attribute\[([A-Za-z0-9_.-]+)\](\[\])?$")
FIELDS = (
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "description",
    "phone",
    "first_name",
    "last_name",
    "email",
)

View = Callable[..., HttpResponse]
# The statuses a domain error keeps here (anything else is a 400).
ERROR_STATUSES = frozenset({400, 403, 404, 409, 422, 429})


def w3c(moment: datetime.datetime | None) -> str | None:
    """A W3C date-time in China Standard Time (``2026-11-26T10:00:00+08:00``)."""
    if moment is None:
        return None
    return timezone.localtime(moment, SHANGHAI).isoformat(timespec="seconds")


def _language(request: HttpRequest) -> str | None:
    """The node's language for the request's `lang` (or `locale`) BCP 47 tag, read by the one
    parser (`core.languages.from_tag`); the negotiated language when there is none; None for
    a tag of a language the node does not speak (answered 400)."""
    asked = (request.GET.get("lang") or request.GET.get("locale") or "").strip()
    if not asked:
        return translation.get_language() or settings.LANGUAGE_CODE
    return languages.from_tag(asked)


def georeport(view: View) -> View:
    """Run `view` in the request's language and turn domain errors into GeoReport errors."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        language = _language(request)
        if language is None:
            message = _("The language must be Chinese (zh) or English (en), as a BCP 47 tag.")
            return errors(fmt, 400, [(400, str(message))])
        with translation.override(language):
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except DomainError as exc:
                status = exc.status if exc.status in ERROR_STATUSES else 400
                response = errors(fmt, status, [(status, str(exc.message))])
                if retry_after := getattr(exc, "retry_after", None):
                    response["Retry-After"] = str(retry_after)
                return response

    return wrapper


# --- representations ------------------------------------------------------------------------


def _service(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": bool(catalogue.ATTRIBUTES),
        "type": "realtime",
        "keywords": ",".join(category.keywords or []),
        "group": category.parent.name if category.parent else None,
    }


def _attribute(attribute: catalogue.Attribute) -> dict[str, Any]:
    body: dict[str, Any] = {
        "variable": True,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "datatype_description": str(attribute.datatype_description),
        "order": attribute.order,
        "description": str(attribute.description),
    }
    if attribute.choices:
        labels = dict(WorkOrder.RequestType.choices) if attribute.code == "request_type" else {}
        body["values"] = [
            {"key": key, "name": str(labels.get(key, key))} for key in attribute.choices
        ]
    return body


def _api_key(request: HttpRequest) -> str | None:
    """The API key of the request: the ``X-Api-Key`` header, or ``api_key`` in a POST body.
    A key in the query string is refused (400): it would be written to every access log."""
    if "api_key" in request.GET:
        raise ValidationFailed(
            _(
                "Send api_key in the POST body or in the X-Api-Key header, never in the URL: "
                "URLs are written to logs."
            ),
            code="api_key_in_url",
        )
    key = request.headers.get(KEY_HEADER, "").strip()
    if not key and request.method == "POST":
        key = (request.POST.get("api_key") or "").strip()
    return key or None


def _rounded(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(KEYLESS_PLACES)


def _request(
    order: WorkOrder, *, keyless: bool = False, public: frozenset[str] | set[str] = frozenset()
) -> dict[str, Any]:
    """One service request; the caller's name and phone are never part of it. For a keyless
    reader the coordinates are rounded and, unless the service is public, the description and
    address withheld."""
    closed = catalogue.status_of(order) == "closed"
    lead = order.lead_department
    texts = not keyless or order.category_id in public
    return {
        "service_request_id": order.number,
        "status": catalogue.status_of(order),
        "status_notes": str(order.get_status_display()),
        "service_name": order.category.name,
        "service_code": order.category_id,
        "description": order.description if texts else None,
        "agency_responsible": lead.name if lead is not None else None,
        "service_notice": None,
        "requested_datetime": w3c(order.created_at),
        "updated_datetime": w3c((order.closed_at if closed else None) or order.updated_at),
        "expected_datetime": w3c(order.resolve_by),
        "address": (order.address or None) if texts else None,
        "address_id": None,
        "zipcode": None,
        "lat": _rounded(order.latitude) if keyless else order.latitude,
        "long": _rounded(order.longitude) if keyless else order.longitude,
        "media_url": None,
    }


# --- discovery and services -----------------------------------------------------------------


@csrf_exempt  # read-only: an unknown method answers 405, not a CSRF 403
@require_GET
@georeport
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    changeset = w3c(selectors.changeset())
    base = reverse("open311:discovery", kwargs={"fmt": fmt}).rsplit("/", 1)[0] + "/"
    contact = getattr(settings, "OPEN311_CONTACT", "") or _(
        "12345 government service hotline of region %(region)s"
    ) % {"region": settings.NODE_REGION}
    body = {
        "changeset": changeset,
        "contact": contact,
        "key_service": _(
            "API keys are issued by the node administrator "
            "(Django admin, or: onestop open311_key create --name NAME --region CODE)."
        ),
        "endpoints": [
            {
                "specification": catalogue.SPECIFICATION,
                "url": urls.absolute(base),
                "changeset": changeset,
                "type": "test" if settings.DEBUG else "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", body)


@csrf_exempt  # read-only: an unknown method answers 405, not a CSRF 403
@require_GET
@georeport
def service_list(request: HttpRequest, *, fmt: str) -> HttpResponse:
    return render(fmt, "services", [_service(c) for c in selectors.service_list()])


@csrf_exempt  # read-only: an unknown method answers 405, not a CSRF 403
@require_GET
@georeport
def service_definition(request: HttpRequest, *, fmt: str, code: str) -> HttpResponse:
    service = selectors.service_get(code=code)
    body = {
        "service_code": service.code,
        "attributes": [_attribute(a) for a in catalogue.ATTRIBUTES],
    }
    return render(fmt, "service_definition", body)


# --- requests -------------------------------------------------------------------------------


def _request_in(request: HttpRequest) -> services.RequestIn:
    data = services.RequestIn()
    for name in FIELDS:
        setattr(data, name, (request.POST.get(name) or "").strip())
    for key, values in request.POST.lists():
        if not key.startswith("attribute"):
            continue  # unknown parameters are ignored, as the spec asks
        match = ATTRIBUTE_KEY.match(key)
        if match is None:
            raise ValidationFailed(
                _("%(key)s is not a valid attribute parameter: use attribute[CODE].")
                % {"key": key},
                code="invalid_attribute",
            )
        code = match.group(1)
        if match.group(2) or len(values) != 1 or code in data.attributes:
            raise ValidationFailed(
                _("The attribute %(code)s takes exactly one value.") % {"code": code},
                code="invalid_attribute",
            )
        value = values[0].strip()
        if value:
            data.attributes[code] = value
    return data


def _post(request: HttpRequest, fmt: str) -> HttpResponse:
    client = selectors.client_authenticate(key=_api_key(request))
    # Each request texts a citizen: a client (one key) files at most RATE_LIMITS["open311_post"].
    throttle.check(request, "open311_post", key=f"open311:{client.pk}")
    data = _request_in(request)
    # each file's size is checked before it is read (and the parse itself is capped:
    # core.uploads)
    media = [
        (
            upload.name or "upload",
            uploads.read_capped(
                upload, hotline_services.MAX_ATTACHMENT_BYTES, _("A file has at most 10 MB.")
            ),
        )
        for upload in [*request.FILES.getlist("media"), *request.FILES.getlist("media[]")]
    ]
    order = services.request_create(
        client=client,
        data=data,
        idempotency_key=request.headers.get("Idempotency-Key"),
        media=media,
    )
    body = [
        {
            "service_request_id": order.number,
            "service_notice": _(
                "Accepted by the 12345 hotline. Keep your phone at hand: the hotline calls back."
            ),
        }
    ]
    return render(fmt, "service_requests", body)


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _date(value: str, name: str) -> datetime.datetime:
    """A date-time by `params.DATE_PATTERN` (years 2000-2099 as written: moved to China
    Standard Time it never leaves the calendar); naive means China Standard Time."""
    try:
        if not params.matches(params.DATE_PATTERN, value):
            raise ValueError(value)
        moment = datetime.datetime.fromisoformat(value.rstrip("\n"))
    except ValueError as exc:
        raise ValidationFailed(
            _(
                "%(name)s is not a W3C date-time from 2000 to 2099 such as "
                "2026-01-01T00:00:00+08:00."
            )
            % {"name": name},
            code="invalid_date",
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def _window(request: HttpRequest) -> tuple[datetime.datetime, datetime.datetime]:
    span = datetime.timedelta(days=catalogue.WINDOW_DAYS)
    start_text = request.GET.get("start_date") or ""
    end_text = request.GET.get("end_date") or ""
    start = _date(start_text, "start_date") if start_text else None
    end = _date(end_text, "end_date") if end_text else None
    if start is None:
        end = end or timezone.now()
        start = end - span
    elif end is None:
        end = start + span
    if end < start:
        raise ValidationFailed(_("end_date is before start_date."), code="invalid_date")
    if end - start > span:
        raise ValidationFailed(
            _("start_date and end_date may not span more than %(days)s days.")
            % {"days": catalogue.WINDOW_DAYS},
            code="invalid_date",
        )
    return start, end


def _listed(request: HttpRequest, name: str, pattern: str, message: str) -> list[str]:
    """The comma-separated values of query parameter `name`, valid by `pattern` (else 400)."""
    value = request.GET.get(name) or ""
    if not params.matches(pattern, value):
        raise ValidationFailed(message, code=f"invalid_{name}")
    return _split(value)


def _get_list(request: HttpRequest, fmt: str) -> HttpResponse:
    key = _api_key(request)
    client = selectors.client_reader(key=key)
    # Every parameter has its documented shape, even one that service_request_id overrides.
    numbers = _listed(
        request,
        "service_request_id",
        params.ID_LIST_PATTERN,
        _("service_request_id is a comma-separated list of at most %(limit)s request ids.")
        % {"limit": params.MAX_IDS},
    )
    codes = _listed(
        request,
        "service_code",
        params.CODE_LIST_PATTERN,
        _("service_code is a comma-separated list of at most %(limit)s service codes.")
        % {"limit": params.MAX_CODES},
    )
    statuses = _listed(
        request, "status", params.STATUS_PATTERN, _("status is open, closed or both.")
    )
    for name in ("start_date", "end_date"):
        if value := request.GET.get(name):
            _date(value, name)
    start = end = None
    if numbers:  # the ids override every other filter (GeoReport)
        codes, statuses = [], []
    else:
        known = {c.code for c in selectors.service_list().filter(code__in=codes)}
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise ValidationFailed(
                _("There is no service %(code)s.") % {"code": unknown[0]},
                code="unknown_service_code",
            )
        start, end = _window(request)
    orders = selectors.request_list(
        actor=client.account,
        numbers=numbers,
        service_codes=codes,
        statuses=statuses,
        start=start,
        end=end,
    )
    public = selectors.public_service_codes() if key is None else set()
    body = [_request(o, keyless=key is None, public=public) for o in orders]
    return render(fmt, "service_requests", body)


@csrf_exempt
@require_http_methods(["GET", "POST"])
@georeport
def request_list(request: HttpRequest, *, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post(request, fmt)
    return _get_list(request, fmt)


@csrf_exempt  # read-only: an unknown method answers 405, not a CSRF 403
@require_GET
@georeport
def request_detail(request: HttpRequest, *, fmt: str, number: str) -> HttpResponse:
    key = _api_key(request)
    client = selectors.client_reader(key=key)
    order = selectors.request_get(actor=client.account, number=number)
    public = selectors.public_service_codes() if key is None else set()
    return render(fmt, "service_requests", [_request(order, keyless=key is None, public=public)])


@csrf_exempt  # read-only: an unknown method answers 405, not a CSRF 403
@require_GET
@georeport
def token_detail(request: HttpRequest, *, fmt: str, token: str) -> HttpResponse:
    # Every service is `realtime`: a POST returns the service_request_id at once and never a
    # token, so no token can be looked up.
    raise NotFound(_("There is no token %(token)s.") % {"token": token}, code="unknown_token")


def shaped_error(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    """Any error under /open311/ (unknown path, wrong method, too large, crash) in the spec's
    ``errors`` body, XML for an address ending in ``.xml``, JSON otherwise
    (`core.middleware.ERROR_SHAPES`)."""
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return errors(fmt, status, [(status, message)])
