"""Template helpers of the portal shell."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils.translation import get_language

from onestop.core import dates

register = template.Library()


@register.filter
def bilingual(obj: Any, field: str) -> Any:
    """`{{ item|bilingual:"fee" }}` reads `fee_en` in English (when filled) else `fee_zh`."""
    language = get_language() or "zh-hans"
    english = getattr(obj, f"{field}_en", None) if language.startswith("en") else None
    if english:
        return english
    return getattr(obj, f"{field}_zh", "")


@register.filter
def pick(data: Any, field: str) -> Any:
    """The same as `bilingual` for dicts: `{{ option|pick:"label" }}`."""
    if not isinstance(data, dict):
        return ""
    language = get_language() or "zh-hans"
    if language.startswith("en") and data.get(f"{field}_en"):
        return data[f"{field}_en"]
    return data.get(f"{field}_zh") or data.get(field, "")


@register.simple_tag(takes_context=True)
def query_with(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters replaced (e.g. the page number)."""
    request: HttpRequest | None = context.get("request")
    params = request.GET.copy() if request is not None else QueryDict(mutable=True)
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = str(value)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def nav_current(context: dict[str, Any], prefix: str, exact: bool = False) -> str:
    """`usa-current` (and aria-current) for the primary nav link of the current section."""
    request: HttpRequest | None = context.get("request")
    if request is None:
        return ""
    path = request.path
    matches = path == prefix if exact else path.startswith(prefix)
    return "usa-current" if matches else ""


@register.inclusion_tag("web/_breadcrumbs.html")
def breadcrumbs(current: Any, *links: Any) -> dict[str, Any]:
    """The breadcrumb trail of a page: ``{% breadcrumbs item.name "web:home" _("Home")
    "catalog:item_list" _("All services") %}``: URL names and labels in pairs, then the current
    page's title (first argument) last in the trail."""
    if len(links) % 2:
        raise template.TemplateSyntaxError("breadcrumbs takes URL names and labels in pairs")
    pairs = zip(links[::2], links[1::2], strict=True)
    return {"links": [(reverse(name), label) for name, label in pairs], "current": current}


@register.filter
def local_date(value: Any) -> str:
    """A moment (or an RFC 3339 text) as its date in the node's time zone, written for the
    reader's language (`core.dates.date_text`); "" when there is none."""
    return dates.date_text(value)


@register.filter
def local_datetime(value: Any) -> str:
    """A moment as its date and time (to the minute) in the node's time zone, written for the
    reader's language (`core.dates.datetime_text`); "" when there is none."""
    if value in (None, ""):
        return ""
    return dates.datetime_text(value)


@register.simple_tag
def colon() -> str:
    """The colon between a label and its value in the page's language: full-width "：" in
    Chinese (no space after it), ": " in English."""
    return ": " if (get_language() or "").startswith("en") else "："
