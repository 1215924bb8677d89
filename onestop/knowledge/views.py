"""Pages of the knowledge app: search, knowledge articles and the assistant.

Plain GET forms that work without JavaScript; htmx (when present) swaps only the answer.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language

from onestop.core.errors import NotFound, ValidationFailed
from onestop.knowledge import federated, markup, problems, selectors


def _lang() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh-hans"


def _result_url(kind: str, ref: str) -> str:
    if kind == "scenario":
        return reverse("catalog:scenario_detail", kwargs={"slug": ref})
    if kind == "article":
        return reverse("knowledge:article_detail", kwargs={"slug": ref})
    return reverse("catalog:item_detail", kwargs={"code": ref})


def _links(hits: list[selectors.Hit]) -> list[dict[str, Any]]:
    return [
        {
            "kind": h.kind,
            "ref": h.ref,
            "title": h.title,
            "url": _result_url(h.kind, h.ref),
            "matched": h.matched,
        }
        for h in hits
    ]


def search(request: HttpRequest) -> HttpResponse:
    lang = _lang()
    q = request.GET.get("q")
    regions = federated.regions()
    region = request.GET.get("region") or regions[0][0]
    remote = region != regions[0][0]
    context: dict[str, object] = {
        "q": q or "",
        "searched": q is not None,
        "results": [],
        "answers": [],
        "regions": regions,
        "region": region,
        "remote": remote,
    }
    status = 200
    if q is not None and remote:
        try:
            context["results"] = federated.search(q=q, lang=lang, limit=20, region=region)
        except (ValidationFailed, NotFound, federated.RegionUnreachable) as exc:
            context["error"] = str(exc.message)
            status = exc.status
    elif q is not None:
        try:
            hits = selectors.search(q=q, lang=lang, limit=20, kinds=selectors.CATALOGUE_KINDS)
            answers = selectors.search(q=q, lang=lang, limit=3, kinds=["article"])
        except ValidationFailed as exc:
            context["error"] = str(exc.message)
            status = 400
        else:
            context["results"] = _links(hits)
            context["answers"] = _links(answers)
            context["problem"] = problems.looks_like_a_problem(q)
    return render(request, "knowledge/search.html", context, status=status)


def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    lang = _lang()
    try:
        article = selectors.article_get(slug=slug, actor=request.user)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    context = {
        "article": article,
        "title": article.title(lang),
        "question": article.question(lang),
        "body": markup.render(article.body(lang)),
        "related": selectors.article_related(article=article, lang=lang),
        "department": article.department_kind.name if article.department_kind else "",
        "is_draft": article.status != article.Status.PUBLISHED,
    }
    return render(request, "knowledge/article.html", context)


def assistant(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q")
    context: dict[str, object] = {"q": q or "", "asked": q is not None, "answer": None}
    status = 200
    if q is not None:
        try:
            context["answer"] = selectors.answer(q=q, lang=_lang())
        except ValidationFailed as exc:
            context["error"] = str(exc.message)
            status = 400
    partial = request.headers.get("HX-Request") == "true"
    template = "knowledge/_answer.html" if partial else "knowledge/assistant.html"
    return render(request, template, context, status=status)
