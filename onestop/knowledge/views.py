"""The search page: a plain GET form that works without JavaScript."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language

from onestop.core.errors import ValidationFailed
from onestop.knowledge import selectors


def _result_url(kind: str, ref: str) -> str:
    if kind == "scenario":
        return reverse("catalog:scenario_detail", kwargs={"slug": ref})
    return reverse("catalog:item_detail", kwargs={"code": ref})


def search(request: HttpRequest) -> HttpResponse:
    lang = "en" if (get_language() or "").startswith("en") else "zh-hans"
    q = request.GET.get("q")
    context: dict[str, object] = {"q": q or "", "searched": q is not None, "results": []}
    status = 200
    if q is not None:
        try:
            hits = selectors.search(q=q, lang=lang, limit=20)
        except ValidationFailed as exc:
            context["error"] = str(exc.message)
            status = 400
        else:
            context["results"] = [
                {"kind": h.kind, "ref": h.ref, "title": h.title, "url": _result_url(h.kind, h.ref)}
                for h in hits
            ]
    return render(request, "knowledge/search.html", context, status=status)
