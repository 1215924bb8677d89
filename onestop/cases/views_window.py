"""Screens of unified acceptance: the window clerk's console and case page, the papers
(receipt and one-time notice PDFs) and the public tracking page. (The queue kiosk is the
service centre's, `org.views_queue`; the console calls, serves and marks absent through
`org.services`.)

Thin views: each parses the form, calls `cases.services` / `cases.selectors` (or `org`'s for
the queue) and renders. Domain errors of a POST change nothing and are shown with their HTTP
status in the portal's GOV.UK error summary (web/_error_summary.html: focused, "Error:" in the
title, each row linking to the field or control it is about). A case outside the clerk's
region is a 404, like an unknown one.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

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

from onestop.accounts import services as accounts_services
from onestop.accounts.models import AssuranceEvent, User
from onestop.cases import pdf, selectors, services, tracking
from onestop.cases.forms_apply import option_label
from onestop.cases.models import Case, CaseDocument, CaseMaterial
from onestop.cases.provenance import answer_source
from onestop.cases.sources import material_source, material_state, prefill_source, source_labels
from onestop.catalog import selectors as catalog_selectors
from onestop.core import crypto, identity, urls
from onestop.core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from onestop.org import selectors as org_selectors
from onestop.org import services as org_services
from onestop.org.models import QueueTicket
from onestop.web.views import forbidden

SESSION_WINDOW = "cases_window_id"
SESSION_WALKIN = "cases_window_walkin"
M = CaseMaterial.Mode


def _zh() -> bool:
    return not (get_language() or "zh").startswith("en")


def _summary(error: DomainError, href: str) -> list[dict[str, str]]:
    """A refusal as the GOV.UK error summary the portal shows (web/_error_summary.html): the
    message, linking to the control it is about (`href`, "#<id>" on the same page)."""
    return [{"href": href, "text": str(error.message)}]


# The control each console action's refusal is about (the error summary links to it).
CONSOLE_FIELDS = {
    "sit": "#w-window",
    "call": "#w-window",
    "absent": "#call-next",
    "served": "#call-next",
    "verify": "#v-checked",
    "takeover": "#t-rid",
    "find": "#f-number",
    "scan": "#w-code",
}
# Refusals of the take-over by their code: the field they are about.
TAKEOVER_FIELDS = {"not_checked": "#t-checked", "password": "#t-password", "phone": "#t-phone"}


def _console_href(request: HttpRequest, action: str, error: DomainError) -> str:
    if action == "lookup":
        uscc_only = (
            request.POST.get("uscc", "").strip() and not request.POST.get("resident_id", "").strip()
        )
        if error.code in ("phone", "invalid_phone"):
            return "#w-phone"
        return "#w-uscc" if uscc_only else "#w-rid"
    if action == "takeover":
        return TAKEOVER_FIELDS.get(error.code, "#t-rid")
    if action == "start":
        return "#s-name" if error.code == "applicant_name" else "#s-target"
    return CONSOLE_FIELDS.get(action, "#main-content")


def _found(get: Callable[[], Any]) -> Any:
    """What `get` (a catalogue selector) finds, or None for NotFound."""
    try:
        return get()
    except NotFound:
        return None


# --- the clerk's console ------------------------------------------------------------------


def window_seat(request: HttpRequest) -> Any:
    """The window the clerk sits at (from the session), or None."""
    window_id = request.session.get(SESSION_WINDOW)
    if not window_id:
        return None
    try:
        return selectors.window_get(actor=request.user, window_id=window_id)
    except NotFound:
        request.session.pop(SESSION_WINDOW, None)
        return None


def walkin_from_session(request: HttpRequest) -> selectors.Walkin | None:
    raw = request.session.get(SESSION_WALKIN)
    if not isinstance(raw, dict):
        return None
    from onestop.accounts.selectors import user_by_id

    account = user_by_id(raw["account"]) if raw.get("account") else None
    return selectors.Walkin(
        kind=raw.get("kind", "person"),
        index=raw.get("index", ""),
        masked=raw.get("masked", ""),
        account=account,
        name=raw.get("name", ""),
        phone=raw.get("phone", ""),
        sealed=raw.get("sealed", ""),
    )


def _walkin_to_session(request: HttpRequest, walkin: selectors.Walkin) -> None:
    request.session[SESSION_WALKIN] = {
        "kind": walkin.kind,
        "index": walkin.index,
        "masked": walkin.masked,
        "account": walkin.account.pk if walkin.account else None,
        "name": walkin.name,
        "phone": walkin.phone,
        "sealed": walkin.sealed,
    }


def _ticket_rows(tickets: Any) -> list[dict[str, Any]]:
    """The queue's rows for the console: each ticket and what its walk-in came for."""
    rows: list[QueueTicket] = list(tickets)
    purposes = org_selectors.ticket_purposes(tickets=rows)
    return [{"ticket": t, "purpose": purposes[t.pk]} for t in rows]


def _console_context(request: HttpRequest) -> dict[str, Any]:
    seat = window_seat(request)
    context: dict[str, Any] = {
        "windows": list(selectors.windows_for_clerk(actor=request.user)),
        "seat": seat,
    }
    if seat is not None:
        context["waiting"] = _ticket_rows(
            org_selectors.queue_waiting(actor=request.user, centre=seat.centre)[:100]
        )
        context["called"] = _ticket_rows(
            org_selectors.queue_called(actor=request.user, window=seat)[:10]
        )
    walkin = walkin_from_session(request)
    if walkin is not None and walkin.index:
        walkin.cases = list(selectors.cases_of_walkin(actor=request.user, index=walkin.index)[:50])
        context["walkin"] = walkin
        regions = selectors.clerk_regions(request.user)
        # Only what fits the walk-in: no birth registration for a company; a person may
        # start a business (they apply as its founder, before it exists).
        scenarios, items = catalog_selectors.catalogue_for_applicant(
            regions=None if request.user.is_superuser else selectors.covered_regions(regions),
            kind=walkin.kind,
        )
        context["scenarios"] = scenarios
        context["items"] = items.only("code", "name_zh", "name_en", "audience")
        context["suggested"] = _ticket_target(context.get("called") or [], scenarios)
        if walkin.kind == "person":
            from onestop.cases.views_window_remote import peer_regions

            context["peer_regions"] = peer_regions()
    return context


def _ticket_target(called: list[dict[str, Any]], scenarios: list[Any]) -> str:
    """What the walk-in called last said at the kiosk, as the application to start
    (``scenario:<region>/<slug>`` or ``item:<code>``), if it fits them; else ""."""
    for row in called[:1]:
        kind, _sep, key = str(row["ticket"].purpose_ref or "").partition(":")
        if kind == "scenario":
            match = next((s for s in scenarios if s.slug == key), None)
            return f"scenario:{match.region_id}/{match.slug}" if match else ""
        if kind == "item":
            return f"item:{key}"
    return ""


def _console(request: HttpRequest, status: int = 200, **extra: Any) -> HttpResponse:
    context = _console_context(request) | extra
    return render(request, "cases/window/console.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def console(request: HttpRequest) -> HttpResponse:  # noqa: PLR0912 - one branch per button
    """The clerk's console: the window they sit at, the queue, calling the next walk-in, the
    look-up by resident ID / credit code, and finding a case again."""
    try:
        selectors.require_clerk(request.user)
    except PermissionDenied as error:
        return forbidden(request, str(error.message))
    if request.method == "GET":
        return _console(request)
    action = request.POST.get("action", "")
    try:
        if action == "sit":
            seat = selectors.window_get(actor=request.user, window_id=request.POST.get("window"))
            request.session[SESSION_WINDOW] = seat.pk
        elif action == "call":
            seat = window_seat(request)
            if seat is None:
                raise ValidationFailed(_("Choose the window you sit at first."))
            ticket = org_services.ticket_call_next(actor=request.user, window=seat)
            if ticket is None:
                messages.info(request, _("Nobody is waiting."))
            else:
                messages.success(
                    request,
                    _("Called %(number)s to window %(window)s.")
                    % {"number": ticket.number, "window": seat.number},
                )
        elif action == "absent":
            ticket = org_services.ticket_absent(
                actor=request.user, ticket_id=request.POST.get("ticket")
            )
            messages.success(request, _("%(number)s did not come.") % {"number": ticket.number})
        elif action == "served":
            ticket = org_services.ticket_serve(
                actor=request.user, ticket_id=request.POST.get("ticket")
            )
            messages.success(request, _("%(number)s served.") % {"number": ticket.number})
        elif action == "lookup":
            walkin = services.walkin_lookup(
                actor=request.user,
                resident_id=request.POST.get("resident_id", ""),
                uscc=request.POST.get("uscc", ""),
                name=request.POST.get("name", ""),
                phone=request.POST.get("phone", ""),
            )
            # "No account" is said once, in the walk-in's panel (not again as a message).
            _walkin_to_session(request, walkin)
        elif action == "verify":
            _verify_walkin(request)
        elif action == "takeover":
            _takeover_walkin(request)
        elif action == "clear":
            request.session.pop(SESSION_WALKIN, None)
        elif action == "find":
            ref = request.POST.get("number", "").strip()
            case = selectors.case_for_window(actor=request.user, ref=ref)
            return HttpResponseRedirect(window_case_url(case))
        else:
            raise ValidationFailed(_("Unknown action."))
    except DomainError as error:
        summary = _summary(error, _console_href(request, action, error))
        return _console(request, status=error.status, values=request.POST, error_summary=summary)
    return HttpResponseRedirect(reverse("cases:window"))


@login_required
@require_POST
def scan(request: HttpRequest) -> HttpResponse:
    """The walk-in's government service code, scanned (a scanner types it, then Enter): their
    verified identity, e-licences and open cases; the console then serves them as the walk-in.
    A forged or expired code shows the console again with the reason."""
    try:
        selectors.require_clerk(request.user)
    except PermissionDenied as error:
        return forbidden(request, str(error.message))
    try:
        scanned = services.walkin_scan(actor=request.user, code=request.POST.get("code", ""))
    except DomainError as error:
        return _console(request, status=error.status, error_summary=_summary(error, "#w-code"))
    _walkin_to_session(request, scanned.walkin)
    return render(request, "cases/window/scanned.html", {"scanned": scanned})


def _walkin_account_and_centre(request: HttpRequest) -> tuple[Any, Any]:
    seat = window_seat(request)
    if seat is None:
        raise ValidationFailed(_("Choose the window you sit at first."))
    walkin = walkin_from_session(request)
    if walkin is None or walkin.kind != "person" or walkin.account is None:
        raise ValidationFailed(_("Look up the walk-in's account first."))
    return walkin, seat.centre


def _verify_walkin(request: HttpRequest) -> None:
    """The clerk checked the walk-in's ID card: their account is verified in person (L3),
    recorded with the clerk and the centre."""
    walkin, centre = _walkin_account_and_centre(request)
    if request.POST.get("checked") != "yes":
        raise ValidationFailed(_("Confirm that you checked the ID card."), code="not_checked")
    account = accounts_services.assurance_raise(
        actor=request.user,
        user=walkin.account,
        level=User.AssuranceLevel.L3,
        method=AssuranceEvent.Method.WINDOW,
        evidence="resident ID card",
        centre=centre,
    )
    messages.success(
        request,
        _("The account of %(name)s is verified in person.") % {"name": account.real_name},
    )


def _takeover_walkin(request: HttpRequest) -> None:
    """The walk-in holds the ID card of an account someone else registered: the clerk hands
    the account over to them (the other holder's sessions end; recorded and notified)."""
    walkin, centre = _walkin_account_and_centre(request)
    if request.POST.get("checked") != "yes":
        raise ValidationFailed(_("Confirm that you checked the ID card."), code="not_checked")
    rid = identity.validate_resident_id(request.POST.get("resident_id", ""))
    if crypto.blind_index(rid) != walkin.index:
        raise ValidationFailed(
            _("This is not the resident ID of the walk-in you looked up."), code="other_id"
        )
    account = accounts_services.account_takeover(
        actor=request.user,
        resident_id=rid,
        level=User.AssuranceLevel.L3,
        method=AssuranceEvent.Method.WINDOW,
        password=request.POST.get("password", ""),
        phone=request.POST.get("phone", ""),
        real_name=request.POST.get("real_name") or None,
        evidence="resident ID card",
        centre=centre,
    )
    _walkin_to_session(request, replace(walkin, name=account.real_name, cases=[]))
    messages.success(
        request,
        _(
            "The account is handed over to the holder of the ID card, who can now sign in "
            "with the new password. Every other sign-in has ended."
        ),
    )


def window_case_url(case: Case) -> str:
    return reverse("cases:window_case", args=[selectors.case_ref(case.top)])


@login_required
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    """Start a window application for the walk-in that was looked up."""
    try:
        selectors.require_clerk(request.user)
    except PermissionDenied as error:
        return forbidden(request, str(error.message))
    walkin = walkin_from_session(request)
    try:
        if walkin is None:
            raise ValidationFailed(_("Look the walk-in up by resident ID first."))
        target = request.POST.get("target", "")
        kind, _sep, ref = target.partition(":")
        scenario = item = None
        if kind == "scenario":
            region, _s, slug = ref.partition("/")
            scenario = _found(lambda: catalog_selectors.scenario_get(region=region, slug=slug))
        elif kind == "item":
            item = _found(lambda: catalog_selectors.item_get(code=ref))
        if scenario is None and item is None:
            raise ValidationFailed(_("Choose an item or a scenario."))
        case = services.application_start(
            actor=request.user,
            walkin=walkin,
            scenario=scenario,
            item=item,
            window=window_seat(request),
            name=request.POST.get("name", ""),
            phone=request.POST.get("phone", "").strip(),
            ticket_id=request.POST.get("ticket") or None,
            allow_duplicate=request.POST.get("allow_duplicate") == "yes",
        )
    except DomainError as error:
        if isinstance(error, Conflict) and error.code == "open_case":
            # Not refused: the clerk is warned, with a link to the open case and a button
            # that starts the second one on purpose (the same values again).
            details = error.details if isinstance(error.details, dict) else {}
            duplicate = {
                "number": details.get("number", ""),
                "case_id": details.get("case_id", ""),
                **{k: request.POST.get(k, "") for k in ("target", "name", "phone", "ticket")},
            }
            return _console(request, status=error.status, values=request.POST, duplicate=duplicate)
        summary = _summary(error, _console_href(request, "start", error))
        return _console(request, status=error.status, values=request.POST, error_summary=summary)
    return HttpResponseRedirect(window_case_url(case))


# --- the case at the window ---------------------------------------------------------------


def _case(request: HttpRequest, ref: str) -> Case:
    try:
        return selectors.case_for_window(actor=request.user, ref=ref)
    except (NotFound, PermissionDenied) as error:
        raise Http404(str(error.message)) from None


def _fields(case: Case) -> list[dict[str, Any]]:
    """The merged form's fields, for the template."""
    schema = selectors.case_form_schema(case=case)
    out = []
    labels = source_labels()
    values = case.form_data or {}
    required = set(schema.get("required") or [])
    for key, prop in (schema.get("properties") or {}).items():
        titles = prop.get("x-title") or {}
        label = (titles.get("zh") if _zh() else titles.get("en")) or prop.get("title") or key
        widget = "text"
        if prop.get("enum"):
            widget = "select"
        elif prop.get("type") == "boolean":
            widget = "bool"
        elif prop.get("type") == "number":
            widget = "number"
        elif prop.get("format") == "date":
            widget = "date"
        elif prop.get("x-widget") == "textarea":
            widget = "textarea"
        out.append(
            {
                "key": key,
                "label": label,
                "widget": widget,
                "options": [
                    {"value": o, "label": option_label(prop, o)} for o in prop.get("enum") or []
                ],
                "value": values.get(key, ""),
                "source": _record_source(case, key, labels),
                "required": key in required,
            }
        )
    return out


def _record_source(case: Case, key: str, labels: dict[str, str]) -> str:
    """Where an answer that still holds the fetched value came from ("" once changed)."""
    origin, source = answer_source(case.top, key)
    return prefill_source(source, labels) if origin == "record" else ""


def _pick(row: dict[str, Any], base: str) -> str:
    zh = str(row.get(f"{base}_zh") or "")
    return zh if _zh() else str(row.get(f"{base}_en") or zh)


def _variants(case: Case) -> list[dict[str, Any]]:
    if case.scenario is None:
        return []
    answers = case.variant_answers or {}
    return [
        {
            "key": q["key"],
            "question": _pick(q, "question"),
            "options": [
                {"value": o["value"], "label": _pick(o, "label")} for o in q.get("options") or []
            ],
            "answer": answers.get(q["key"], ""),
        }
        for q in case.scenario.variants or []
    ]


def _material_name(m: CaseMaterial) -> str:
    return m.name_zh if _zh() or not m.name_en else m.name_en


def _case_context(request: HttpRequest, case: Case) -> dict[str, Any]:
    top = case.top
    materials = list(top.materials.all())
    labels = source_labels()
    rows: list[dict[str, Any]] = [
        {
            "m": m,
            "name": _material_name(m),
            "source": material_source(m, labels),
            "state": material_state(m.mode, m.source, required=m.required),
        }
        for m in materials
    ]
    open_at_window = top.status in selectors.OPEN_AT_WINDOW and top.channel == Case.Channel.WINDOW
    context: dict[str, Any] = {
        "case": top,
        "ref": selectors.case_ref(top),
        "open": open_at_window,
        "materials": rows,
        "missing": [r for r in rows if r["m"].required and r["m"].mode == M.MISSING],
        "pledged": [r for r in rows if r["m"].mode == M.PLEDGED],
        "supply_keys": selectors.supply_keys(top),
        "supplements": selectors.open_supplements(top),
        "variants": _variants(top) if open_at_window else [],
        "fields": _fields(top) if open_at_window else [],
        "documents": list(top.documents.order_by("created_at", "id")),
        "collect": selectors.results_to_collect(case=top),
        "to_post": selectors.results_to_post(case=top),
        "children": list(top.children.select_related("item", "department").order_by("number")),
        "seat": window_seat(request),
        "today": timezone.localdate().isoformat(),
        "idempotency_key": uuid.uuid4().hex,
        "M": M,
    }
    if top.number:
        context["track_path"] = tracking.track_path(top.number)
    return context


def _record_view(request: HttpRequest, case: Case) -> None:
    """Every clerk view of a citizen's case is recorded (sharing's access records)."""
    services.case_access_record(
        actor=request.user,
        case=case.top,
        fields=["applicant_name", "applicant_id_masked", "form_data", "materials"],
    )


def _parse_date(raw: str) -> datetime.date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(_("Enter a date as YYYY-MM-DD."), code="invalid_date") from None


def _posted_form(request: HttpRequest, case: Case) -> dict[str, Any]:
    """The form values posted for the fields of `case`'s form (an emptied field clears it)."""
    form_data: dict[str, Any] = {}
    current = case.form_data or {}
    for f in _fields(case):
        name = f"field_{f['key']}"
        raw = request.POST.get(name, "")
        if f["widget"] == "bool":
            form_data[f["key"]] = raw == "on"
        elif raw.strip() == "":
            if name in request.POST and current.get(f["key"]) not in (None, ""):
                form_data[f["key"]] = ""
        elif f["widget"] == "number":
            try:
                form_data[f["key"]] = float(raw) if "." in raw else int(raw)
            except ValueError:
                raise ValidationFailed(
                    _("%(field)s must be a number.") % {"field": f["label"]},
                    code="invalid_number",
                ) from None
        else:
            form_data[f["key"]] = raw.strip()
    return form_data


@transaction.atomic
def _save_answers(request: HttpRequest, case: Case) -> Case:
    """The answers first (they choose the items, hence the form's fields), then the values of
    the fields of the form that follows from them; all or nothing."""
    answers = {
        q["key"]: request.POST.get(f"variant_{q['key']}", "")
        for q in (case.scenario.variants if case.scenario else []) or []
        if request.POST.get(f"variant_{q['key']}", "")
    }
    version = request.POST.get("version", "")
    saved: Case = services.draft_save(
        actor=request.user,
        case=case,
        variant_answers=answers,
        expected_version=int(version) if version.isdigit() else None,
    )
    form_data = _posted_form(request, saved)
    if form_data:
        saved = services.draft_save(actor=request.user, case=saved, form_data=form_data)
    return saved


@transaction.atomic
def _save_materials(request: HttpRequest, case: Case) -> int:
    """The one form of every material: per row the check (``check`` = ``<key>:<mode>``, one
    per row) and an optional scan (``file_<key>``, which wins over the check). Saved together,
    all or nothing. Returns how many rows changed."""
    current = {m.key: m.mode for m in case.top.materials.all()}
    changed = 0
    for key in current:
        upload = request.FILES.get(f"file_{key}")
        if upload is not None:
            services.material_scan(actor=request.user, case=case, key=key, file=upload)
            changed += 1
    scanned = {k for k in current if f"file_{k}" in request.FILES}
    for value in request.POST.getlist("check"):
        key, _sep, mode = value.partition(":")
        if key in scanned or current.get(key) == mode:
            continue
        services.material_check(actor=request.user, case=case, key=key, mode=mode)
        changed += 1
    return changed


def _result_out(request: HttpRequest, case: Case, action: str) -> None:
    """A paper result handed over at the window, or sent by post (its tracking number)."""
    child = selectors.case_for_window(actor=request.user, ref=request.POST.get("item_case", ""))
    if child.top.pk != case.pk:
        raise NotFound(_("There is no case with this number here."))
    if action == "collect":
        services.window_result_collect(actor=request.user, case=child)
        messages.success(request, _("Result handed over."))
        return
    services.window_result_post(
        actor=request.user, case=child, tracking_number=request.POST.get("tracking_number", "")
    )
    messages.success(request, _("Posting recorded; the applicant is told the tracking number."))


def _case_post(request: HttpRequest, case: Case) -> HttpResponse:
    action = request.POST.get("action", "")
    if action == "answers":
        _save_answers(request, case)
        messages.success(request, _("Answers saved."))
    elif action == "material":
        key, _sep, mode = request.POST.get("check", "").partition(":")
        services.material_check(actor=request.user, case=case, key=key, mode=mode)
        messages.success(request, _("Material updated."))
    elif action == "materials":
        count = _save_materials(request, case)
        messages.success(
            request,
            _("Materials saved: %(count)d changed.") % {"count": count},
        )
        return HttpResponseRedirect(window_case_url(case) + "#materials")
    elif action == "upload":
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed(_("Choose a file to upload."), code="file_required")
        services.material_scan(
            actor=request.user, case=case, key=request.POST.get("key", ""), file=upload
        )
        messages.success(request, _("Scan uploaded."))
    elif action == "supplement":
        answered = services.window_supplement_answer(
            actor=request.user, case=case, note=request.POST.get("note", "")
        )
        messages.success(
            request,
            _("Supplement handed in: %(numbers)s is back in review.")
            % {"numbers": ", ".join(c.number or "" for c in answered)},
        )
    elif action in ("accept", "pledge"):
        due = _parse_date(request.POST.get("pledge_due", "")) if action == "pledge" else None
        if action == "pledge" and due is None:
            raise ValidationFailed(
                _("Give the date by which the pledged materials must be supplied."),
                code="pledge_due",
            )
        if action == "accept" and selectors.pledged_materials(case):
            raise ValidationFailed(
                _("Some materials are pledged: accept with a pledge and give the date."),
                code="pledge_due",
            )
        case = services.window_accept(
            actor=request.user,
            case=case,
            window=window_seat(request),
            pledge_due=due,
            idempotency_key=request.POST.get("idempotency_key") or None,
        )
        messages.success(
            request, _("Accepted as %(number)s. Print the receipt.") % {"number": case.number}
        )
    elif action == "notice":
        services.window_notice(actor=request.user, case=case, window=window_seat(request))
        messages.success(request, _("One-time notice issued. Print it for the walk-in."))
    elif action in ("collect", "post"):
        _result_out(request, case, action)
    else:
        raise ValidationFailed(_("Unknown action."))
    case.refresh_from_db()
    return HttpResponseRedirect(window_case_url(case))


# The control each case-page action's refusal is about, when the refusal names no field.
CASE_FIELDS = {
    "answers": "#answers-form",
    "materials": "#materials",
    "material": "#materials",
    "upload": "#materials",
    "supplement": "#supplement-note",
    "accept": "#accept",
    "pledge": "#pledge-due",
    "notice": "#issue-notice",
}


def _case_summary(
    request: HttpRequest, error: DomainError, context: dict[str, Any]
) -> list[dict[str, str]]:
    """The error summary of a refused action on the case page: one row per refused field
    (why it was refused, or that it is missing) and per material, each linking to its control;
    else the refusal, linking to the control of the action."""
    details = error.details if isinstance(error.details, dict) else {}
    context["error_materials"] = list(details.get("materials") or [])
    fields = {f["key"]: f for f in context["fields"]}
    refused = details.get("fields") or []
    rows: list[dict[str, str]] = []
    if isinstance(refused, dict):
        # Which answers were refused and why (a resident ID with a wrong check digit).
        for key, message in refused.items():
            label = fields[key]["label"] if key in fields else key
            text = _("%(field)s: %(error)s") % {"field": label, "error": message}
            rows.append({"href": f"#f-{key}", "text": text})
    else:
        for key in refused:
            if key in fields:
                text = _("Enter “%(field)s”.") % {"field": fields[key]["label"]}
                rows.append({"href": f"#f-{key}", "text": text})
    names = {r["m"].key: r["name"] for r in context["materials"]}
    for key in context["error_materials"]:
        if key in names:
            text = _("“%(material)s”: check it, scan it or pledge it.") % {"material": names[key]}
            rows.append({"href": f"#c-{key}", "text": text})
    # the refusal itself first (what was refused), then each field and material it names
    href = rows[0]["href"] if rows else CASE_FIELDS.get(request.POST.get("action", ""), "")
    return [{"href": href or "#main-content", "text": str(error.message)}, *rows]


@login_required
@require_http_methods(["GET", "POST"])
def case_page(request: HttpRequest, number: str) -> HttpResponse:
    """One case at the window: the walk-in (masked), the questions and form, the material
    check, and accept / accept with a pledge / one-time notice; results to hand over."""
    try:
        selectors.require_clerk(request.user)
    except PermissionDenied as error:
        return forbidden(request, str(error.message))
    case = _case(request, number)
    if case.top.is_mirror:  # received here for another region's node
        return _mirror_case(request, case)
    if request.method == "POST":
        try:
            return _case_post(request, case)
        except DomainError as error:
            case.refresh_from_db()
            context = _case_context(request, case)
            context["error_summary"] = _case_summary(request, error, context)
            _record_view(request, case)  # the page shows the case again: a view like any other
            return render(request, "cases/window/case.html", context, status=error.status)
    if case.top.number and number not in (case.top.number, case.number):
        return HttpResponseRedirect(window_case_url(case))  # a draft's link, now accepted
    _record_view(request, case)
    return render(request, "cases/window/case.html", _case_context(request, case))


def _mirror_case(request: HttpRequest, case: Case) -> HttpResponse:
    """An application received here for another region's node: its page, and handing over
    its result (the only step taken here)."""
    from onestop.cases.views_window_remote import mirror_page

    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "supplement":
                _mirror_supplement(request, case.top)
            elif action == "collect":
                _result_out(request, case.top, "collect")
            else:
                raise ValidationFailed(_("Unknown action."))
        except DomainError as error:
            _record_view(request, case)
            summary = _summary(
                error, "#remote-supplement" if action == "supplement" else "#collect"
            )
            return mirror_page(request, case, status=error.status, error_summary=summary)
        return HttpResponseRedirect(window_case_url(case))
    _record_view(request, case)
    return mirror_page(request, case)


def _mirror_supplement(request: HttpRequest, top: Case) -> None:
    """The walk-in brings to this window the supplement the handling region asked for: the
    clerk scans each material (and may add a note); it goes there by message."""
    services.mirror_supplement_answer(
        actor=request.user,
        case=top,
        files=dict(request.FILES.items()),
        note=request.POST.get("note", ""),
    )
    messages.success(
        request,
        _("The supplement was scanned and sent to region %(region)s.")
        % {"region": top.handling_region},
    )


def _pdf_response(
    document: CaseDocument, request: HttpRequest, filename: str, *, public: bool = False
) -> HttpResponse:
    body = pdf.document_pdf(document, base_url=urls.public_url(), public=public)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _document(request: HttpRequest, number: str, kind: str) -> CaseDocument:
    selectors.require_clerk(request.user)
    case = _case(request, number)
    try:
        document = services.document_get(actor=request.user, case=case, kind=kind)
    except DomainError as error:
        raise Http404(str(error.message)) from None
    # The paper shows the applicant's name and masked ID: a view of the case, recorded.
    services.case_access_record(
        actor=request.user,
        case=case.top,
        fields=["applicant_name", "applicant_id_masked", "materials"],
    )
    return document


@login_required
@require_GET
def receipt_pdf(request: HttpRequest, number: str) -> HttpResponse:
    try:
        document = _document(request, number, CaseDocument.Kind.RECEIPT)
    except PermissionDenied as error:
        return forbidden(request, str(error.message))
    return _pdf_response(document, request, f"receipt-{number}.pdf")


@login_required
@require_GET
def notice_pdf(request: HttpRequest, number: str) -> HttpResponse:
    try:
        document = _document(request, number, CaseDocument.Kind.NOTICE)
    except PermissionDenied as error:
        return forbidden(request, str(error.message))
    return _pdf_response(document, request, f"notice-{number}.pdf")


# --- public tracking ----------------------------------------------------------------------


@require_GET
def track(request: HttpRequest, number: str) -> HttpResponse:
    """Status and timeline of a case, for whoever holds the receipt. No personal data."""
    token = request.GET.get("t", "")
    try:
        case = tracking.case_for_tracking(number=number, token=token)
    except NotFound:
        raise Http404(_("No case matches this tracking link.")) from None
    context = tracking.tracking_view(case=case)
    context["token"] = token
    context["receipt"] = case.top.accepted_at is not None
    response = render(request, "cases/track.html", context)
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def track_receipt(request: HttpRequest, number: str) -> HttpResponse:
    """A copy of the receipt for whoever holds the tracking link: without the applicant's name
    and ID, and read-only (an anonymous GET writes nothing)."""
    try:
        case = tracking.case_for_tracking(number=number, token=request.GET.get("t", ""))
        document = selectors.receipt_public(case=case)
    except NotFound:
        raise Http404(_("No case matches this tracking link.")) from None
    response = _pdf_response(document, request, f"receipt-{number}.pdf", public=True)
    response["X-Robots-Tag"] = "noindex"
    return response
