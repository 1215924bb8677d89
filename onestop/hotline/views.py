"""Pages of the 12345 hotline: the agent desk, the department console, the order page and the
supervisor console. Thin views: each parses the form, calls a service or selector and renders.

Domain errors of a POST are shown on the page through the messages framework with their HTTP
status (400 invalid, 403 forbidden, 404 not found, 409 not now) and change nothing.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onestop.core import uploads
from onestop.core.errors import DomainError, NotFound, PermissionDenied
from onestop.hotline import actions, policies, selectors, services, suggest, transitions
from onestop.hotline.models import WorkOrder
from onestop.web import registry
from onestop.web.views import forbidden

S = WorkOrder.Status
DUE_SOON = datetime.timedelta(hours=24)
QUEUE_LIMIT = 200
RETURNED_LIMIT = 50  # each shows its return reason (one query each)


def _region() -> str:
    return str(settings.NODE_REGION)


def _departments() -> Any:
    from onestop.org import selectors as org_selectors

    return org_selectors.department_list(region=_region())


def _lang() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh-hans"


def due_state(order: WorkOrder, now: datetime.datetime) -> str:
    """``overdue``, ``soon`` (within 24 h) or ``ok`` for an order a department still owes."""
    if order.resolve_by is None or order.status not in transitions.OPEN_FOR_DEPARTMENT:
        return "ok"
    if order.resolve_by < now:
        return "overdue"
    if order.resolve_by < now + DUE_SOON:
        return "soon"
    return "ok"


def _with_due(orders: Any) -> list[dict[str, Any]]:
    now = timezone.now()
    return [{"order": o, "due": due_state(o, now)} for o in orders]


# --- agent desk -------------------------------------------------------------------------------


def _desk_context(request: HttpRequest, values: dict[str, str]) -> dict[str, Any]:
    return {
        "values": values,
        "channels": WorkOrder.Channel.choices,
        "request_types": WorkOrder.RequestType.choices,
        "categories": selectors.category_list().filter(level=2).select_related("parent"),
        "departments": _departments(),
        "idempotency_key": values.get("idempotency_key") or uuid.uuid4().hex,
    }


FIELDS = (
    "channel",
    "request_type",
    "category",
    "description",
    "contact_name",
    "contact_phone",
    "address",
    "township",
    "department",
    "idempotency_key",
)


def _suggestions(
    request: HttpRequest, values: dict[str, str], *, with_answer: bool = True
) -> suggest.Suggestions:
    return suggest.suggest(
        with_answer=with_answer,
        actor=request.user,
        text=values.get("description") or values.get("text", ""),
        region=_region(),
        lang=_lang(),
        request_type=values.get("request_type", ""),
        category=values.get("category", ""),
        township=values.get("township", ""),
    )


@login_required
@require_http_methods(["GET", "POST"])
def desk(request: HttpRequest) -> HttpResponse:
    """Take a call: the intake form with live suggestions; POST accepts (and dispatches or
    answers) the request. A POST with ``accept`` only fills the form with a suggestion (the
    no-JavaScript path of the accept buttons)."""
    if not policies.can(request.user, policies.CREATE, _region()):
        return forbidden(request, _("Only hotline staff of this region may take calls."))
    if request.method == "GET":
        context = _desk_context(request, {"channel": "phone", "request_type": "consultation"})
        created = request.GET.get("created")
        if created:
            context |= _created(request, created)
        return render(request, "hotline/desk.html", context)
    values = {name: request.POST.get(name, "").strip() for name in FIELDS}
    accept = request.POST.get("accept", "")
    if accept:
        category, _sep, department = accept.partition("|")
        values["category"] = category or values["category"]
        values["department"] = department or values["department"]
        context = _desk_context(request, values)
        context["suggestions"] = _suggestions(request, values)
        return render(request, "hotline/desk.html", context)
    try:
        order = _desk_submit(request, values)
    except DomainError as error:
        messages.error(request, str(error.message))
        context = _desk_context(request, values)
        context["suggestions"] = _suggestions(request, values)
        return render(request, "hotline/desk.html", context, status=error.status)
    return HttpResponseRedirect(reverse("hotline:desk") + "?created=" + order.number)


@transaction.atomic
def _desk_submit(request: HttpRequest, values: dict[str, str]) -> WorkOrder:
    """Accept, then dispatch or answer, all or nothing."""
    order = services.ticket_create(
        actor=request.user,
        channel=values["channel"],
        request_type=values["request_type"],
        category=values["category"],
        description=values["description"],
        contact_phone=values["contact_phone"],
        contact_name=values["contact_name"],
        address=values["address"],
        township=values["township"],
        region=_region(),
        idempotency_key=values["idempotency_key"] or None,
    )
    if order.status != S.NEW:  # a resubmitted form: the first submission already went on
        return order
    if request.POST.get("action") == "answer":
        return services.ticket_answer_on_spot(
            actor=request.user, order=order, text=request.POST.get("answer_text", "")
        )
    if values["department"]:
        return services.ticket_dispatch(
            actor=request.user, order=order, department=values["department"]
        )
    return order


def _created(request: HttpRequest, number: str) -> dict[str, Any]:
    try:
        order = selectors.ticket_get(actor=request.user, number=number)
    except NotFound:
        return {}
    found = suggest.duplicates(
        actor=request.user,
        category=order.category_id,
        township=order.township,
        latitude=order.latitude,
        longitude=order.longitude,
        exclude=order.number,
    )
    can_merge = policies.can(request.user, "merge", order) and order.merged_into_id is None
    return {"created": order, "created_duplicates": found, "can_merge": can_merge}


@login_required
@require_POST
def desk_suggest(request: HttpRequest) -> HttpResponse:
    """The suggestion panel for the text typed so far (htmx fragment). A POST: the caller's
    words never travel in a URL, where access logs and proxies would keep them."""
    if not policies.can(request.user, policies.CREATE, _region()):
        return forbidden(request, _("Only hotline staff of this region may take calls."))
    values = {name: request.POST.get(name, "").strip() for name in (*FIELDS, "text")}
    context = {"suggestions": _suggestions(request, values, with_answer=False)}
    return render(request, "hotline/_suggest.html", context)


@login_required
@require_POST
def desk_answer(request: HttpRequest) -> HttpResponse:
    """The knowledge answer for a consultation (htmx fragment, loaded after the suggestions:
    searching the knowledge base takes longer than routing). A POST, like the suggestions."""
    if not policies.can(request.user, policies.CREATE, _region()):
        return forbidden(request, _("Only hotline staff of this region may take calls."))
    text = request.POST.get("text") or request.POST.get("description") or ""
    found = suggest.answer(text=text, region=_region(), lang=_lang())
    return render(request, "hotline/_answer.html", {"answer": found})


# --- department console -----------------------------------------------------------------------


@login_required
@require_GET
def department(request: HttpRequest) -> HttpResponse:
    """The officer's queue: orders their department leads or assists with that still need
    handling, the soonest due first."""
    if not policies.can(request.user, policies.DEPARTMENT_QUEUE):
        return forbidden(request, _("Only department officers have a department queue."))
    orders = selectors.department_queue(actor=request.user)[:QUEUE_LIMIT]
    return render(request, "hotline/department.html", {"rows": _with_due(orders)})


# --- supervisor console -----------------------------------------------------------------------


def _return_reason(request: HttpRequest, order: WorkOrder) -> str:
    last = selectors.ticket_events(actor=request.user, order=order).filter(kind="return").last()
    return last.reason if last else ""


def _supervisor_context(request: HttpRequest) -> dict[str, Any]:
    orders = selectors.ticket_list(actor=request.user).filter(merged_into__isnull=True)
    return {
        "overdue": _with_due(
            selectors.ticket_list(actor=request.user, overdue=True)
            .filter(merged_into__isnull=True)
            .order_by("resolve_by")[:QUEUE_LIMIT]
        ),
        "returned": [
            {"order": o, "reason": _return_reason(request, o)}
            for o in orders.filter(status=S.RETURNED).order_by("updated_at")[:RETURNED_LIMIT]
        ],
        "extensions": orders.filter(
            status__in=transitions.OPEN_FOR_DEPARTMENT, extension_days__isnull=False
        ).order_by("resolve_by")[:QUEUE_LIMIT],
        "replied": orders.filter(status=S.REPLIED).order_by("replied_at")[:QUEUE_LIMIT],
        "departments": _departments(),
        "reassign": {"number": "", "department": "", "reason": ""},
    }


@login_required
@require_GET
def supervisor(request: HttpRequest) -> HttpResponse:
    """Overdue and returned orders, extension requests, orders waiting for the callback, and
    the reassignment form."""
    if not policies.can(request.user, policies.SUPERVISE, _region()):
        return forbidden(request, _("Only hotline supervisors may open this console."))
    return render(request, "hotline/supervisor.html", _supervisor_context(request))


@login_required
@require_POST
def supervisor_reassign(request: HttpRequest) -> HttpResponse:
    """Reassign an open order of the region, named by its number, to another department."""
    if not policies.can(request.user, policies.SUPERVISE, _region()):
        return forbidden(request, _("Only hotline supervisors may open this console."))
    values = {f: request.POST.get(f, "").strip() for f in ("number", "department", "reason")}
    try:
        order = selectors.ticket_get(actor=request.user, number=values["number"])
        services.ticket_reassign(
            actor=request.user,
            order=order,
            department=values["department"],
            reason=values["reason"],
        )
    except DomainError as error:
        messages.error(request, str(error.message))
        context = _supervisor_context(request) | {"reassign": values}
        return render(request, "hotline/supervisor.html", context, status=error.status)
    messages.success(
        request,
        _("Work order %(number)s was reassigned.") % {"number": order.number},
    )
    return HttpResponseRedirect(reverse("hotline:supervisor") + "#reassign")


# --- routing set-up: the jurisdiction table and the model registry ----------------------------


def _routing_context(request: HttpRequest, rule: dict[str, str] | None = None) -> dict[str, Any]:
    from onestop.hotline import routing

    region = _region()
    rules = list(selectors.jurisdiction_list(region=region))
    departments = list(_departments())
    by_kind: dict[str, list[Any]] = {}
    for d in departments:
        by_kind.setdefault(d.kind_id, []).append(d)
    whole = {r.category_id: r for r in rules if not r.place}
    effective = []
    for category in selectors.category_list().filter(level=2).select_related("default_kind"):
        set_here = whole.get(category.code)
        owners = by_kind.get(category.default_kind_id or "", [])
        effective.append(
            {
                "category": category,
                "department": set_here.department if set_here else (owners[0] if owners else None),
                "several": set_here is None and len(owners) > 1,
                "by_rule": set_here is not None,
                "places": [r for r in rules if r.category_id == category.code and r.place],
            }
        )
    models = list(selectors.routing_models()[:20])
    live = next((m for m in models if m.live), None)
    return {
        "region": region,
        "rules": rules,
        "effective": effective,
        "departments": departments,
        "categories": [e["category"] for e in effective],
        "rule": rule or {"category": "", "place": "", "department": ""},
        "models": models,
        "live": live,
        "threshold": routing.threshold(routing.get_model()) if live else None,
        "events": selectors.routing_events(region=region),
    }


def _routing_denied(request: HttpRequest) -> HttpResponse | None:
    if not policies.can(request.user, policies.ROUTING, _region()):
        return forbidden(request, _("Only hotline supervisors may open this console."))
    return None


@login_required
@require_GET
def routing_setup(request: HttpRequest) -> HttpResponse:
    """The region's jurisdiction table (which department handles each category, with place
    rules) and the routing model registry (versions, figures, live model)."""
    denied = _routing_denied(request)
    if denied is not None:
        return denied
    return render(request, "hotline/routing.html", _routing_context(request))


@login_required
@require_POST
def routing_rule(request: HttpRequest) -> HttpResponse:
    """Set a jurisdiction rule: category (and optional place) -> department."""
    denied = _routing_denied(request)
    if denied is not None:
        return denied
    values = {f: request.POST.get(f, "").strip() for f in ("category", "place", "department")}
    try:
        services.jurisdiction_set(actor=request.user, region=_region(), **values)
    except DomainError as error:
        messages.error(request, str(error.message))
        context = _routing_context(request, values)
        return render(request, "hotline/routing.html", context, status=error.status)
    messages.success(request, _("The jurisdiction rule was saved."))
    return HttpResponseRedirect(reverse("hotline:routing") + "#rules")


@login_required
@require_POST
def routing_rule_remove(request: HttpRequest) -> HttpResponse:
    """Remove a jurisdiction rule of the region."""
    denied = _routing_denied(request)
    if denied is not None:
        return denied
    try:
        services.jurisdiction_remove(
            actor=request.user, region=_region(), rule=_int(request.POST.get("rule"))
        )
    except DomainError as error:
        messages.error(request, str(error.message))
        return render(
            request, "hotline/routing.html", _routing_context(request), status=error.status
        )
    messages.success(request, _("The jurisdiction rule was removed."))
    return HttpResponseRedirect(reverse("hotline:routing") + "#rules")


@login_required
@require_POST
def routing_model(request: HttpRequest) -> HttpResponse:
    """Make a model of the registry live (only if it scores at least as well as the live one
    on the evaluation set), or roll back to the model live before."""
    denied = _routing_denied(request)
    if denied is not None:
        return denied
    try:
        if request.POST.get("action") == "rollback":
            entry = services.routing_model_rollback(actor=request.user)
        else:
            entry = services.routing_model_promote(
                actor=request.user, version=_int(request.POST.get("version"))
            )
    except DomainError as error:
        messages.error(request, str(error.message))
        return render(
            request, "hotline/routing.html", _routing_context(request), status=error.status
        )
    messages.success(request, _("Routing model %(version)s is live.") % {"version": entry.version})
    return HttpResponseRedirect(reverse("hotline:routing") + "#models")


# --- one order --------------------------------------------------------------------------------


def _allowed(user: Any, order: WorkOrder) -> set[str]:
    if order.merged_into_id is not None:
        return set()
    return {
        t.action
        for t in transitions.TABLE
        if t.source == order.status and policies.can(user, t.action, order)
    }


def _article_state(user: Any, order: WorkOrder) -> dict[str, Any]:
    """Whether the order's reply may become a knowledge article, and the draft made already."""
    made = order.events.filter(kind=services.ARTICLE_EVENT).first()
    finished = order.status in (S.CLOSED, S.ANSWERED) and order.merged_into_id is None
    return {
        "article_slug": made.data.get("slug", "") if made else "",
        "can_article": made is None
        and finished
        and bool(order.reply_text.strip())
        and policies.can(user, policies.ARTICLE, order),
    }


def _order_page(request: HttpRequest, order: WorkOrder, *, status: int = 200) -> HttpResponse:
    allowed = _allowed(request.user, order)
    context = {
        **_article_state(request.user, order),
        "order": order,
        "due": due_state(order, timezone.now()),
        "phone": selectors.ticket_contact_phone(actor=request.user, order=order),
        "events": selectors.ticket_events(actor=request.user, order=order),
        "attachments": order.attachments.all(),
        "allowed": allowed,
        "can_attach": policies.can(request.user, policies.ATTACH, order),
        "can_merge": "merge" in allowed,
        "departments": (
            _departments() if allowed & {"arbitrate_uphold", "dispatch", "reassign"} else []
        ),
        "emergency_services": WorkOrder.EmergencyService.choices,
        # Sections of higher apps (reviews: the rating heard at the call-back).
        **registry.collect("hotline_order", request, order=order),
    }
    return render(request, "hotline/order.html", context, status=status)


@login_required
@require_GET
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    try:
        order = selectors.ticket_get(actor=request.user, number=number)
    except NotFound as error:
        raise Http404(str(error.message)) from error
    return _order_page(request, order)


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return 0


def _attach(request: HttpRequest, order: WorkOrder) -> None:
    for upload in request.FILES.getlist("files"):
        data = uploads.read_capped(
            upload, services.MAX_ATTACHMENT_BYTES, _("A file has at most 10 MB.")
        )
        services.attachment_add(actor=request.user, order=order, name=upload.name or "", data=data)


def _step_input(post: Any) -> actions.StepInput:
    """The order page's forms, read into the fields of a lifecycle step (`hotline.actions`)."""
    decision = post.get("decision", "")
    return actions.StepInput(
        text=post.get("text", ""),
        department=post.get("department", ""),
        reason=post.get("reason", ""),
        uphold=decision == "uphold",
        approve=decision == "approve",
        satisfied=post.get("satisfied") == "yes",
        resolved=post.get("resolved") == "yes",
        note=post.get("note", ""),
        working_days=_int(post.get("days")),
        master=post.get("master", ""),
        service=post.get("service", ""),
        reference=post.get("reference", ""),
        rating={
            "level": post.get("rating-level", ""),
            "indicators": post.getlist("rating-indicators"),
            "text": post.get("rating-text", ""),
            "idempotency_key": post.get("rating-idempotency_key", ""),
        },
    )


def _act(request: HttpRequest, order: WorkOrder, action: str) -> str:
    """Run `action` on `order` from the POSTed form; the success message. Besides the
    lifecycle steps, the page attaches files (alone, or with a reply)."""
    if action == "attach":
        _attach(request, order)
        return _("The files were added.")
    step = actions.step_get(action)
    if action == "reply":
        _attach(request, order)
    return step(request.user, order, _step_input(request.POST)).message


def _article_values(order: WorkOrder, post: Any = None) -> dict[str, str]:
    """The draft form: the caller's question, the department's reply and the citation, for the
    agent to edit (the knowledge base is in Chinese first)."""
    if post is not None:
        return {f: post.get(f, "") for f in ("title_zh", "question_zh", "body_zh", "source")}
    first = order.description.strip().splitlines()[0] if order.description.strip() else ""
    return {
        "title_zh": first[:60],
        "question_zh": order.description.strip()[:300],
        "body_zh": order.reply_text,
        "source": services.article_source(order),
    }


@login_required
@require_http_methods(["GET", "POST"])
def order_article(request: HttpRequest, number: str) -> HttpResponse:
    """Turn the reply of a closed order into a draft knowledge article: the prefilled form
    (GET), then the draft (POST); the order page links to it (/knowledge/<slug>/, seen by its
    author and the supervisors until a supervisor publishes it)."""
    try:
        order = selectors.ticket_get(actor=request.user, number=number)
    except NotFound as error:
        raise Http404(str(error.message)) from error
    if not policies.can(request.user, policies.ARTICLE, order):
        return forbidden(request, _("Only hotline staff of this region may write articles."))
    state = _article_state(request.user, order)
    if request.method == "GET" and state["article_slug"]:
        return HttpResponseRedirect(
            reverse("knowledge:article_detail", args=[state["article_slug"]])
        )
    values = _article_values(order, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        try:
            article = services.ticket_article_draft(
                actor=request.user,
                order=order,
                title_zh=values["title_zh"],
                question_zh=values["question_zh"],
                body_zh=values["body_zh"],
                source=values["source"],
            )
        except DomainError as error:
            messages.error(request, str(error.message))
            status = error.status
        else:
            messages.success(
                request,
                _(
                    "The draft article %(slug)s was saved. A supervisor publishes it to the "
                    "knowledge base."
                )
                % {"slug": article.slug},
            )
            return HttpResponseRedirect(reverse("hotline:order", args=[order.number]))
    context = {"order": order, "values": values, **state}
    return render(request, "hotline/article.html", context, status=status)


@login_required
@require_POST
def order_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """One lifecycle step of an order; back to the page it came from (``next``)."""
    try:
        order = selectors.ticket_get(actor=request.user, number=number)
    except NotFound as error:
        raise Http404(str(error.message)) from error
    try:
        with transaction.atomic():  # files and step together: a failed step keeps no file
            text = _act(request, order, action)
    except DomainError as error:
        messages.error(request, str(error.message))
        fresh = selectors.ticket_get(actor=request.user, number=number)
        if isinstance(error, PermissionDenied) or not policies.can(
            request.user, policies.VIEW, fresh
        ):
            return _order_page(request, fresh, status=403)
        return _order_page(request, fresh, status=error.status)
    messages.success(request, text)
    target = request.POST.get("next", "")
    if target not in ("desk", "supervisor", "department"):
        return HttpResponseRedirect(reverse("hotline:order", args=[number]))
    return HttpResponseRedirect(reverse(f"hotline:{target}"))
