from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language

from onestop.web import consoles, elderly, registry


def html_lang(language: str | None) -> str:
    """The BCP 47 tag for `<html lang>`: Django's `zh-hans` is written `zh-Hans`."""
    language = (language or settings.LANGUAGE_CODE).lower()
    if language.startswith("zh"):
        return "zh-Hans"
    return language.split("-")[0]


def node(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {
        "NODE_REGION": settings.NODE_REGION,
        "HTML_LANG": html_lang(get_language()),
        "node_region": None,
        "elderly": elderly.is_on(request),
    }
    context.update(registry.collect("site", request))
    context["staff_consoles"] = consoles.for_user(getattr(request, "user", None))
    return context
