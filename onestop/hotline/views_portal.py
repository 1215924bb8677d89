"""The citizen's own 12345 on the portal: file an inquiry, complaint, help request or
suggestion (signed in or not), follow it on its tracking page (the account that filed it, or
anyone holding its number and tracking code), and the list in "my space".

Thin views: each parses the form, calls `services.ticket_file` or a selector, and renders.
Filing without an account is rate-limited per client address (`RATE_LIMITS["hotline_file"]`).
The map is drawn here from the region's bounding box and its service centres
(`org.selectors.region_bbox`, `centre_list`): no tiles, nothing from another site.
"""

from __future__ import annotations

import math
import uuid
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from onestop.core import throttle, uploads
from onestop.core import urls as core_urls
from onestop.core.errors import DomainError, NotFound
from onestop.hotline import selectors, services, tracking
from onestop.hotline.models import WorkOrder
from onestop.org import selectors as org_selectors
from onestop.web import registry

MAP_WIDTH = 600
# The file page asks for the browser's location (the "use my location" button); every other
# page keeps the node's default policy, which allows none.
PERMISSIONS = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(self), "
    "gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)


class FileForm(forms.Form):
    request_type = forms.ChoiceField(
        label=gettext_lazy("What kind of request is it?"),
        choices=[(str(t), t.label) for t in services.PORTAL_REQUEST_TYPES],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose what kind of request this is.")},
    )
    category = forms.ChoiceField(
        label=gettext_lazy("Topic"),
        error_messages={
            "required": gettext_lazy("Choose the topic of your request."),
            "invalid_choice": gettext_lazy("Choose the topic of your request."),
        },
    )
    description = forms.CharField(
        label=gettext_lazy("Describe your request"),
        max_length=services.MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": gettext_lazy("Describe your request.")},
    )
    township = forms.ChoiceField(label=gettext_lazy("Township or street"), required=False)
    address = forms.CharField(
        label=gettext_lazy("Address or place"), required=False, max_length=300
    )
    latitude = forms.DecimalField(
        label=gettext_lazy("Latitude"), required=False, max_digits=9, decimal_places=6
    )
    longitude = forms.DecimalField(
        label=gettext_lazy("Longitude"), required=False, max_digits=9, decimal_places=6
    )
    photo = forms.FileField(
        label=gettext_lazy("Photo (optional, PNG or JPEG, at most 10 MB)"), required=False
    )
    contact_name = forms.CharField(
        label=gettext_lazy("Your name (optional)"), required=False, max_length=60
    )
    contact_phone = forms.CharField(
        label=gettext_lazy("Your phone number"),
        max_length=20,
        error_messages={
            "required": gettext_lazy("Enter your phone number, so that we can call you back.")
        },
    )
    idempotency_key = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)

    def __init__(self, *args: Any, region: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["category"]).choices = [
            ("", _("- Select -")),
            *_topics(),
        ]
        cast(forms.ChoiceField, self.fields["township"]).choices = [
            ("", _("- Select -")),
            *_townships(region),
        ]


def _topics() -> list[tuple[str, list[tuple[str, str]]]]:
    """The dispatch catalogue's level-2 categories grouped under their level-1 heading."""
    groups: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    for category in selectors.category_list().filter(level=2).select_related("parent"):
        parent = category.parent
        key = parent.code if parent else ""
        groups.setdefault(key, (str(parent.name) if parent else "", []))[1].append(
            (category.code, str(category.name))
        )
    return [groups[key] for key in sorted(groups)]


def _townships(region: str) -> list[tuple[str, str]]:
    rows = org_selectors.department_list(region=region, kind="township")
    return [(str(d.name), str(d.name)) for d in rows]


def _error_summary(form: forms.Form) -> list[dict[str, str]]:
    rows = [{"href": "#main-content", "text": str(e)} for e in form.non_field_errors()]
    for name in form.fields:
        bound = form[name]
        anchor = f"#{bound.auto_id}_0" if name == "request_type" else f"#{bound.auto_id}"
        rows.extend({"href": anchor, "text": str(error)} for error in bound.errors)
    return rows


def region_map(region: str) -> dict[str, Any] | None:
    """The simple map of the region: its bounding box as an SVG drawing (equirectangular,
    corrected for latitude) with the service centres as landmarks; the page's script turns a
    click into a latitude and longitude. None when the region has no known box."""
    box = org_selectors.region_bbox(region)
    if box is None:
        return None
    south, west, north, east = box
    scale = math.cos(math.radians((south + north) / 2))
    height = round(MAP_WIDTH * (north - south) / ((east - west) * scale))

    def point(lat: float, lon: float) -> tuple[float, float]:
        return (
            round((lon - west) / (east - west) * MAP_WIDTH, 1),
            round((north - lat) / (north - south) * height, 1),
        )

    landmarks = []
    for centre in org_selectors.centre_list(region=region):
        if centre.latitude is None or centre.longitude is None:
            continue
        x, y = point(float(centre.latitude), float(centre.longitude))
        landmarks.append({"x": x, "y": y, "label": str(centre.name)})
    grid_x = [round(MAP_WIDTH * i / 6, 1) for i in range(1, 6)]
    grid_y = [round(height * i / 6, 1) for i in range(1, 6)]
    return {
        "width": MAP_WIDTH,
        "height": height,
        "south": south,
        "west": west,
        "north": north,
        "east": east,
        "landmarks": landmarks,
        "grid_x": grid_x,
        "grid_y": grid_y,
    }


def _file_page(
    request: HttpRequest, form: FileForm, *, status: int = 200, summary: Any = None
) -> HttpResponse:
    region = str(settings.NODE_REGION)
    context = {
        "acting_uncovered": _acting_uncovered(request),
        "form": form,
        "map": region_map(region),
        "topics": _topics(),
        "region": org_selectors.region_get(code=region),
        "error_summary": summary or [],
    }
    response = render(request, "hotline/portal_file.html", context, status=status)
    response["Permissions-Policy"] = PERMISSIONS
    response["Cache-Control"] = "no-store"
    return response


def _acting_uncovered(request: HttpRequest) -> bool:
    """A helper acting for someone (`accounts.middleware.ActingForMiddleware`) whose delegation
    does not reach this page: the request would be filed in the helper's own name, so the
    form is not offered until they choose that (stop acting for the person)."""
    return (
        getattr(request, "acting_for", None) is not None and getattr(request, "agent", None) is None
    )


def _initial(request: HttpRequest) -> dict[str, Any]:
    initial: dict[str, Any] = {"idempotency_key": uuid.uuid4().hex, "request_type": "complaint"}
    user = request.user
    if getattr(user, "is_authenticated", False):
        initial["contact_name"] = getattr(user, "real_name", "") or ""
        initial["contact_phone"] = getattr(user, "phone", "") or ""
    return initial


def _domain_error(form: FileForm, error: DomainError) -> None:
    details = error.details if isinstance(error.details, dict) else {}
    field = details.get("field")
    if error.code == "invalid_phone":
        field = "contact_phone"
    elif error.code == "invalid_location":
        field = "latitude"
    elif error.code == "invalid_text" and "description" in str(details.get("field", "")):
        field = "description"
    form.add_error(field if field in form.fields else None, str(error.message))


@never_cache
@require_http_methods(["GET", "POST"])
def file_request(request: HttpRequest) -> HttpResponse:
    """File a 12345 request (GET the form, POST it)."""
    region = str(settings.NODE_REGION)
    if request.method == "GET":
        return _file_page(request, FileForm(initial=_initial(request), region=region))
    if not request.user.is_authenticated:
        try:
            throttle.check(request, "hotline_file")
        except throttle.TooManyRequests as exc:
            return throttle.too_many_page(request, exc)
    form = FileForm(request.POST, request.FILES, region=region)
    if _acting_uncovered(request):
        # Nothing is filed in the helper's name by mistake: they choose that first.
        return _file_page(request, FileForm(initial=_initial(request), region=region), status=409)
    if not form.is_valid():
        return _file_page(request, form, status=400, summary=_error_summary(form))
    data = form.cleaned_data
    photo = None
    try:
        upload = data.get("photo")
        if upload:
            photo = (
                upload.name or "",
                uploads.read_capped(
                    upload, services.MAX_ATTACHMENT_BYTES, _("A file has at most 10 MB.")
                ),
            )
        order = services.ticket_file(
            actor=request.user,
            request_type=data["request_type"],
            category=data["category"],
            description=data["description"],
            contact_phone=data["contact_phone"],
            contact_name=data["contact_name"],
            address=data["address"],
            township=data["township"],
            latitude=data["latitude"],
            longitude=data["longitude"],
            photo=photo,
            idempotency_key=data["idempotency_key"] or None,
        )
    except DomainError as error:
        if error.status not in (400, 422):
            raise
        _domain_error(form, error)
        return _file_page(request, form, status=400, summary=_error_summary(form))
    messages.success(
        request,
        _("Your request was received. Its number is %(number)s.") % {"number": order.number},
    )
    return HttpResponseRedirect(track_url(request, order))


def track_url(request: HttpRequest, order: WorkOrder) -> str:
    """The tracking page of `order`: with its tracking code unless its owner is signed in."""
    url = reverse("hotline_portal:track", args=[order.number])
    if getattr(request.user, "pk", None) and order.created_by_id == request.user.pk:
        return url
    return f"{url}?{urlencode({'token': services.tracking_token(order)})}"


@never_cache
@require_GET
def track_lookup(request: HttpRequest) -> HttpResponse:
    """Find a request by its number and tracking code (the code is in the link given when it
    was filed)."""
    number = str(request.GET.get("number", "")).strip()[:40]
    code = str(request.GET.get("token", "")).strip()[:200]
    if number and code:
        url = reverse("hotline_portal:track", args=[number]) + "?" + urlencode({"token": code})
        return HttpResponseRedirect(url)
    errors = []
    if "number" in request.GET and not number:
        errors.append({"href": "#track-number", "text": _("Enter the number of your request.")})
    if "token" in request.GET and not code:
        errors.append({"href": "#track-token", "text": _("Enter the tracking code.")})
    context = {"number": number, "error_summary": errors}
    return render(request, "hotline/portal_lookup.html", context, status=400 if errors else 200)


@never_cache
@require_GET
def track(request: HttpRequest, number: str) -> HttpResponse:
    """The tracking page: the request, where it is, the department's reply and the rating."""
    token = str(request.GET.get("token", ""))[:200]
    try:
        order = selectors.ticket_track(actor=request.user, number=number, token=token)
    except NotFound as error:
        raise Http404(str(error.message)) from error
    owner = bool(getattr(request.user, "pk", None)) and order.created_by_id == request.user.pk
    context = {
        "order": order,
        "events": selectors.citizen_events(order=order),
        "token": token if tracking_shown(order, token) else "",
        "owner": owner,
        "link": core_urls.absolute(track_url(request, order)) if not owner else "",
        **registry.collect("hotline_track", request, order=order, token=token),
    }
    response = render(request, "hotline/portal_track.html", context)
    response["Cache-Control"] = "no-store"
    return response


def tracking_shown(order: WorkOrder, token: str) -> bool:
    return tracking.valid(order, token)


@never_cache
@login_required
@require_GET
def my_requests(request: HttpRequest) -> HttpResponse:
    """My 12345 requests (filed on the portal while signed in)."""
    orders = selectors.my_orders(actor=request.user)[:100]
    return render(request, "hotline/portal_mine.html", {"orders": orders})


@registry.provides("account")
def account_links(request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
    """ "My 12345 requests" and "File a 12345 request" on "My account"."""
    return {
        "hotline_links": [
            {"label": _("My 12345 requests"), "url": reverse("hotline_portal:mine")},
            {"label": _("File a 12345 request"), "url": reverse("hotline_portal:file")},
        ]
    }
