"""The online application (portal): start or resume a draft for a scenario or an item, then
step by step — the situation (variant questions), one merged form pre-filled from shared data,
the materials, review and submit — and the page that confirms the submission.

Thin views: every write goes through `services` (drafts, pre-fill, submission) or `uploads`;
every read through `selectors`; domain errors become messages and the page is shown again.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from onestop.cases import holdings, policies, selectors, services, uploads
from onestop.cases.answers import answer_text
from onestop.cases.forms_apply import (
    ApplicationForm,
    MaterialsForm,
    VariantForm,
    field_hint,
    field_title,
    pick,
)
from onestop.cases.models import Case, CaseMaterial
from onestop.cases.services.notices import notify_method
from onestop.cases.sources import material_source, material_state, prefill_source, source_labels
from onestop.catalog import selectors as catalog_selectors
from onestop.core.errors import Conflict, DomainError, NotFound, ValidationFailed

STEP_SITUATION = "situation"
STEP_FORM = "form"
STEP_MATERIALS = "materials"
STEP_REVIEW = "review"
STEP_LABELS = {
    STEP_SITUATION: gettext_lazy("Your situation"),
    STEP_FORM: gettext_lazy("Application form"),
    STEP_MATERIALS: gettext_lazy("Materials"),
    STEP_REVIEW: gettext_lazy("Review and submit"),
}
# The applicant's pledge (承诺) before submitting, in the national wording (the API's too).
DECLARATION = services.DECLARATION
# Session key: drafts whose pre-fill was already fetched once (or declined), so that showing
# the form again does not fetch (and record) the same data again.
PREFILL_SESSION = "cases_prefill_done"
# Session key: drafts whose applicant chose to fill the form in themselves (`?prefill=0`):
# nothing is fetched for them until they ask for their details (`?prefill=1`).
MANUAL_SESSION = "cases_prefill_declined"


def _title(case: Case) -> str:
    target = case.scenario if case.scenario is not None else case.item
    return str(target.name) if target is not None else ""


def _steps(case: Case) -> list[str]:
    steps = [STEP_FORM, STEP_MATERIALS, STEP_REVIEW]
    if case.kind == Case.Kind.BUNDLE and case.scenario is not None and case.scenario.variants:
        steps.insert(0, STEP_SITUATION)
    return steps


def _not_found(error: DomainError) -> Http404:
    return Http404(str(error.message))


# --- start or resume ----------------------------------------------------------------------------


def _start(request: HttpRequest, **target: Any) -> HttpResponse:
    # Only a POST of the warning's own button starts a second application on purpose.
    allow = request.method == "POST" and request.POST.get("allow_duplicate") == "yes"
    try:
        case = services.draft_start(actor=request.user, allow_duplicate=allow, **target)
    except NotFound as error:
        raise _not_found(error) from None
    except DomainError as error:
        if isinstance(error, Conflict) and error.code == "open_case":
            return _open_case(request, error, target)
        # The catalogue page shows no messages: say why on a page of its own.
        back = (
            reverse("catalog:scenario_detail", kwargs={"slug": target["scenario"].slug})
            if "scenario" in target
            else reverse("catalog:item_detail", kwargs={"code": target["item"].code})
        )
        target_name = (target["scenario"] if "scenario" in target else target["item"]).name
        return render(
            request,
            "cases/apply/refused.html",
            {"message": error.message, "back_url": back, "title": target_name},
            status=error.status,
        )
    return redirect("cases:apply", case_id=case.pk)


def _open_case(request: HttpRequest, error: DomainError, target: dict[str, Any]) -> HttpResponse:
    """The person already has an open application for this: a warning with a link to it, and
    a button that starts a second one on purpose."""
    details = error.details if isinstance(error.details, dict) else {}
    subject = target["scenario"] if "scenario" in target else target["item"]
    context = {
        "title": subject.name,
        "number": details.get("number", ""),
        "again_url": request.path,
    }
    return render(request, "cases/apply/open_case.html", context)


def _start_or_offer(request: HttpRequest, **target: Any) -> HttpResponse:
    """POST (the catalogue page's "Apply online") and GET (where signing in leads back to)
    both go straight to the form: the person's existing draft is resumed, else one is started
    (`draft_start` resumes an existing draft, so a reload or a second tab starts nothing new)."""
    return _start(request, **target)


@login_required
@require_http_methods(["GET", "POST"])
def apply_scenario(request: HttpRequest, slug: str) -> HttpResponse:
    """Start (POST) or resume the signed-in person's application for a one-thing bundle."""
    try:
        scenario = catalog_selectors.scenario_get(region=settings.NODE_REGION, slug=slug)
    except NotFound as error:
        raise _not_found(error) from None
    return _start_or_offer(request, scenario=scenario)


@login_required
@require_http_methods(["GET", "POST"])
def apply_item(request: HttpRequest, code: str) -> HttpResponse:
    """Start (POST) or resume the signed-in person's application for a single item."""
    try:
        item = catalog_selectors.item_get(code=code)
    except NotFound as error:
        raise _not_found(error) from None
    return _start_or_offer(request, item=item)


# --- the draft, step by step ---------------------------------------------------------------------


def _own_case(request: HttpRequest, case_id: uuid.UUID) -> Case:
    """The signed-in person's own online application by id, whatever its status; not found
    for anybody else (staff handle cases on their own screens)."""
    try:
        case = selectors.case_get_by_id(actor=request.user, case_id=case_id)
    except NotFound as error:
        raise _not_found(error) from None
    if (
        case.parent_id is not None
        or case.channel != Case.Channel.ONLINE
        or not policies.is_applicant(request.user, case)
    ):
        raise Http404(_("There is no case with this number that you may see."))
    return case


def _material_rows(case: Case, labels: dict[str, str]) -> list[dict[str, Any]]:
    items = {i.code: i for i in selectors.selected_items(case=case)}
    return [
        {
            "material": material,
            "source": material_source(material, labels),
            "state": material_state(material.mode, material.source, required=material.required),
            "items": [items[c] for c in material.items if c in items],
            "uploadable": material.mode not in uploads.NOT_UPLOADED,
            "missing": material.required and material.mode == CaseMaterial.Mode.MISSING,
        }
        for material in case.materials.all()
    ]


def _still_prefilled(case: Case) -> set[str]:
    """Fields whose value is still the one pre-fill put in (a changed one was typed)."""
    values = case.prefill_values or {}
    return {
        key
        for key in case.prefilled or {}
        if key in values and (case.form_data or {}).get(key) == values[key]
    }


def _form_rows(case: Case, schema: dict[str, Any], labels: dict[str, str]) -> list[dict[str, Any]]:
    """The answers for the review page: title, value, where a pre-filled one came from."""
    rows = []
    still_prefilled = _still_prefilled(case)
    for key, prop in (schema.get("properties") or {}).items():
        value = answer_text(prop, case.form_data.get(key))
        rows.append(
            {
                "key": key,
                "title": field_title(key, prop),
                "value": value,
                "source": prefill_source(case.prefilled[key], labels)
                if key in still_prefilled
                else "",
                "required": key in set(schema.get("required") or []),
            }
        )
    return rows


def _in_session(request: HttpRequest, name: str, case: Case) -> bool:
    return str(case.pk) in request.session.get(name, [])


def _session_mark(request: HttpRequest, name: str, case: Case, *, on: bool = True) -> None:
    marked = [k for k in request.session.get(name, []) if k != str(case.pk)]
    request.session[name] = [*marked, str(case.pk)][-50:] if on else marked


def _manual(request: HttpRequest, case: Case) -> bool:
    """Whether the form is filled in without pre-fill: `?prefill=0` (remembered for the
    draft in this session) until `?prefill=1` asks for the details from the records."""
    choice = request.GET.get("prefill") or request.POST.get("prefill")
    if choice == "0":
        _session_mark(request, MANUAL_SESSION, case)
    elif choice == "1":
        _session_mark(request, MANUAL_SESSION, case, on=False)
    return _in_session(request, MANUAL_SESSION, case)


def _context(request: HttpRequest, case: Case, step: str, **extra: Any) -> dict[str, Any]:
    steps = _steps(case)
    labels = source_labels()
    context = {
        "case": case,
        "step": step,
        "steps": [
            {
                "key": key,
                "label": STEP_LABELS[key],
                "state": "current"
                if key == step
                else ("complete" if steps.index(key) < steps.index(step) else ""),
            }
            for key in steps
        ],
        "step_number": steps.index(step) + 1,
        "step_count": len(steps),
        "previous_step": steps[steps.index(step) - 1] if steps.index(step) > 0 else None,
        "title": _title(case),
        "items": selectors.selected_items(case=case),
        "labels": labels,
    }
    context.update(extra)
    return context


def _form_step_context(
    request: HttpRequest, case: Case, form: ApplicationForm | None, manual: bool
) -> dict[str, Any]:
    schema = selectors.case_form_schema(case=case)
    still_prefilled = _still_prefilled(case)
    if form is None:
        initial = ApplicationForm.initial_from(case.form_data)
        if manual:  # fill it in yourself: the pre-filled values are not shown
            for key in still_prefilled:
                initial.pop(key, None)
        form = ApplicationForm(initial=initial, schema=schema)
    labels = source_labels()
    sources = (
        {}
        if manual
        else {key: prefill_source(case.prefilled[key], labels) for key in still_prefilled}
    )
    reasons = _conditional_reasons(case)
    for key, field in form.fields.items():
        described = [f"id_{key}-source"] if sources.get(key) else []
        if field_hint(schema["properties"][key]) or _field_reason(
            schema["properties"][key], reasons
        ):
            described.append(f"id_{key}-hint")
        if form.is_bound and form.errors.get(key):
            described.append(f"id_{key}-error")
        if described:
            field.widget.attrs["aria-describedby"] = " ".join(described)
    fields = [
        {
            "field": form[key],
            "source": sources.get(key, ""),
            "hint": field_hint(schema["properties"][key]),
            "reason": _field_reason(schema["properties"][key], reasons),
            "required": key in form.required_keys,
            "textarea": (schema["properties"][key].get("x-widget") == "textarea"),
            "select": "enum" in schema["properties"][key]
            or schema["properties"][key].get("type") == "boolean",
        }
        for key in form.fields
    ]
    return {"form": form, "fields": fields, "manual": manual, "prefilled_count": len(sources)}


def _conditional_reasons(case: Case, answers: dict[str, Any] | None = None) -> dict[str, str]:
    """{item code: why it is in the application} for the items one of the applicant's answers
    added (a scenario's variant option with `include_items`); `answers` are the stored ones
    unless given (the live preview of answers not saved yet)."""
    reasons: dict[str, str] = {}
    if case.scenario is None:
        return reasons
    answers = case.variant_answers or {} if answers is None else answers
    for question in case.scenario.variants or []:
        chosen = answers.get(str(question.get("key")))
        for option in question.get("options", []):
            if str(option.get("value")) != chosen:
                continue
            for code in option.get("include_items") or []:
                reasons.setdefault(
                    code,
                    _("Asked because you answered “%(answer)s” to “%(question)s”.")
                    % {"answer": pick(option, "label"), "question": pick(question, "question")},
                )
    return reasons


def _situation_preview(case: Case, answers: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the answers lead to, before they are saved: the services in the application and
    the questions the form will ask only because of an answer (each with its hint and why).
    Reads the catalogue only; nothing is written."""
    assert case.scenario is not None  # noqa: S101 - the situation step is a bundle's
    if answers is None:
        answers = dict(case.variant_answers or {})
    excluded = catalog_selectors.excluded_items(scenario=case.scenario, answers=answers)
    items = [
        i
        for i in catalog_selectors.scenario_items(scenario=case.scenario)
        if i.code not in excluded
    ]
    reasons = _conditional_reasons(case, answers)
    schema = catalog_selectors.items_form_schema(items=items, scenario=case.scenario)
    extra = []
    for key, prop in (schema.get("properties") or {}).items():
        reason = _field_reason(prop, reasons)
        if reason:
            extra.append(
                {"title": field_title(key, prop), "hint": field_hint(prop), "reason": reason}
            )
    return {"items": items, "extra_fields": extra}


def _live_answers(request: HttpRequest, case: Case) -> dict[str, str]:
    """The situation answers the page sends while the applicant picks them (only known
    questions and options count)."""
    answers: dict[str, str] = {}
    for question in (case.scenario.variants if case.scenario else None) or []:
        key = str(question.get("key"))
        value = request.GET.get(key, "")
        if value in {str(o.get("value")) for o in question.get("options", [])}:
            answers[key] = value
    return answers


def _field_reason(prop: dict[str, Any], reasons: dict[str, str]) -> str:
    """Why a field is asked, when only items added by an answer ask it (else "")."""
    codes = list(prop.get("x-items") or [])
    if codes and all(code in reasons for code in codes):
        return reasons[codes[0]]
    return ""


def _required_errors(form: ApplicationForm) -> None:
    """Mark each required field the (valid, bound) form leaves empty, as the submission would."""
    for key in form.fields:
        if key in form.required_keys and form.cleaned_data.get(key) in (None, ""):
            title = form.fields[key].label
            message = (
                _("Choose “%(field)s”.")
                if isinstance(form.fields[key], forms.ChoiceField)
                else _("Enter “%(field)s”.")
            )
            form.add_error(key, message % {"field": title})


def _stored_form(case: Case, schema: dict[str, Any], manual: bool) -> ApplicationForm:
    """The form bound to the stored answers, required fields checked (after a refused
    submission, `?step=form&check=1`: every empty required field is marked)."""
    data = ApplicationForm.initial_from(case.form_data or {})
    if manual:
        for key in _still_prefilled(case):
            data.pop(key, None)
    form = ApplicationForm(
        data={k: "" if v is None else str(v) for k, v in data.items()}, schema=schema
    )
    if form.is_valid():
        _required_errors(form)
    return form


def error_summary(form: forms.Form, prefix: str = "") -> list[dict[str, str]]:
    """The GOV.UK error summary's rows: each error of the form, linking to its field."""
    rows = [{"href": f"{prefix}#main-content", "text": str(e)} for e in form.non_field_errors()]
    for name, field in form.fields.items():
        bound = form[name]
        for error in bound.errors:
            href = f"{prefix}#{bound.id_for_label or bound.auto_id}"
            text = str(error) if str(field.label) in str(error) else f"{field.label}: {error}"
            rows.append({"href": href, "text": text})
    return rows


def _go(case: Case, step: str, **query: str) -> HttpResponseRedirect:
    url = reverse("cases:apply", kwargs={"case_id": case.pk}) + f"?step={step}"
    for key, value in query.items():
        url += f"&{key}={value}"
    return HttpResponseRedirect(url)


def _next(case: Case, step: str) -> str:
    steps = _steps(case)
    return steps[min(steps.index(step) + 1, len(steps) - 1)]


def _saved_for_later(request: HttpRequest, case: Case) -> HttpResponseRedirect:
    messages.success(
        request,
        _(
            "Your application is saved as a draft. Come back to it at any time from your "
            "applications or from the service's page."
        ),
    )
    try:
        return HttpResponseRedirect(reverse("cases:my_cases"))
    except NoReverseMatch:  # my space not installed: stay on the draft
        return _go(case, request.POST.get("step", STEP_REVIEW))


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = _own_case(request, case_id)
    if case.status != Case.Status.DRAFT:
        return redirect("cases:apply_submitted", case_id=case.pk)
    steps = _steps(case)
    step = request.POST.get("step") or request.GET.get("step") or steps[0]
    if step not in steps:
        step = steps[0]
    if request.method == "POST":
        return _post(request, case, step)
    if step == STEP_SITUATION and request.GET.get("preview") == "1":
        # The live preview (htmx, as each answer is picked): rendered, never saved.
        return render(
            request,
            "cases/apply/_situation_preview.html",
            _situation_preview(case, _live_answers(request, case)),
        )
    return _show(request, case, step)


def _show(request: HttpRequest, case: Case, step: str, **extra: Any) -> HttpResponse:
    status = 400 if extra.pop("invalid", False) else 200
    if step == STEP_SITUATION:
        form = extra.pop("form", None) or VariantForm(
            initial=case.variant_answers, questions=case.scenario.variants if case.scenario else []
        )
        context = _context(request, case, step, form=form, **extra)
        context.update(_situation_preview(case))
    elif step == STEP_FORM:
        # Nothing is fetched from government records here: only the "Fill from my records"
        # button (a POST, see `_prefill`) does that.
        manual = _manual(request, case)
        if "form" not in extra and request.GET.get("check") == "1":
            extra["form"] = _stored_form(case, selectors.case_form_schema(case=case), manual)
        # What pre-fill would fill in, and whether the identity is verified enough to fetch
        # it (read from the registry: nothing about the person).
        plan = holdings.prefill(
            actor=request.user, schema=selectors.case_form_schema(case=case), fetch=False
        )
        context = _context(
            request,
            case,
            step,
            **_form_step_context(request, case, extra.pop("form", None), manual),
            prefill_done=_in_session(request, PREFILL_SESSION, case),
            prefill_verified=bool(plan and plan["verified"]),
            prefill_plan=_plan_rows(request, plan),
        )
        context.update(extra)
    elif step == STEP_MATERIALS:
        rows = _material_rows(case, source_labels())
        form = extra.pop("form", None) or MaterialsForm(
            materials=[r["material"] for r in rows if r["uploadable"]]
        )
        for row in rows:
            row["field"] = form[row["material"].key] if row["material"].key in form.fields else None
        context = _context(request, case, step, form=form, rows=rows, **extra)
        context["max_megabytes"] = uploads.max_bytes() // (1024 * 1024)
    else:
        labels = source_labels()
        schema = selectors.case_form_schema(case=case)
        rows = _material_rows(case, labels)
        context = _context(
            request,
            case,
            step,
            answers=_form_rows(case, schema, labels),
            materials=rows,
            missing=[r for r in rows if r["missing"]],
            idempotency_key=uuid.uuid4().hex,
            declaration=DECLARATION,
            **extra,
        )
    form = context.get("form")
    if "error_summary" not in context and isinstance(form, forms.Form) and form.is_bound:
        context["error_summary"] = error_summary(form)
    return render(request, "cases/apply/draft.html", context, status=status)


def _english(request: HttpRequest) -> bool:
    return (getattr(request, "LANGUAGE_CODE", "") or "").startswith("en")


def _plan_rows(request: HttpRequest, plan: dict[str, Any] | None) -> list[dict[str, str]]:
    language_en = _english(request)
    return [
        {"title": str(row["title_en"] if language_en else row["title_zh"]), "source": row["source"]}
        for row in (plan or {}).get("plan", [])
    ]


def _prefill(request: HttpRequest, case: Case) -> HttpResponse:
    """The "Fill from my records" button: fetch the person's details (an access record is
    written for each dataset used) and show the form with them."""
    _session_mark(request, MANUAL_SESSION, case, on=False)
    try:
        case, gaps = services.prefill_apply_report(actor=request.user, case=case)
    except NotFound as error:
        raise _not_found(error) from None
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        if gaps:
            messages.warning(
                request,
                _(
                    "These records could not be reached now: %(sources)s. Type those answers "
                    "yourself, or try again later; nothing you entered is lost."
                )
                % {"sources": "、".join(gaps)},
            )
    _session_mark(request, PREFILL_SESSION, case)
    return _go(case, STEP_FORM)


def _post(request: HttpRequest, case: Case, step: str) -> HttpResponse:  # noqa: PLR0911
    if step == STEP_REVIEW:
        return _submit(request, case)
    if step == STEP_FORM and request.POST.get("action") == "prefill":
        return _prefill(request, case)
    try:
        invalid = _save_step(request, case, step)
    except Conflict as error:
        messages.error(request, str(error.message))
        return _go(case, step)
    except ValidationFailed as error:
        messages.error(request, str(error.message))
        return _show(request, case, step, invalid=True)
    except DomainError as error:
        raise _not_found(error) from None
    if invalid is not None:
        return invalid
    action = request.POST.get("action", "next")
    if action == "save":
        return _saved_for_later(request, case)
    steps = _steps(case)
    nxt = steps[max(steps.index(step) - 1, 0)] if action == "back" else _next(case, step)
    return _go(case, nxt)


def _save_step(request: HttpRequest, case: Case, step: str) -> HttpResponse | None:
    """Save what the step's form sent; the page to show again when the form is not valid."""
    version = _int(request.POST.get("version"))
    if step == STEP_SITUATION:
        variants = VariantForm(
            request.POST, questions=case.scenario.variants if case.scenario else []
        )
        if not variants.is_valid():
            return _show(request, case, step, form=variants, invalid=True)
        services.draft_save(
            actor=request.user,
            case=case,
            variant_answers=variants.answers(),
            expected_version=version,
        )
    elif step == STEP_FORM:
        form = ApplicationForm(request.POST, schema=selectors.case_form_schema(case=case))
        if not form.is_valid():
            return _show(request, case, step, form=form, invalid=True)
        try:
            services.draft_save(
                actor=request.user,
                case=case,
                form_data=form.data_to_store(),
                expected_version=version,
            )
        except ValidationFailed as error:
            # A value the form accepts but the service refuses (a resident ID with a wrong
            # check digit): shown at its field, nothing saved.
            fields = (
                (error.details or {}).get("fields") if isinstance(error.details, dict) else None
            )
            if not isinstance(fields, dict):
                raise
            for key, message in fields.items():
                form.add_error(key if key in form.fields else None, message)
            return _show(request, case, step, form=form, invalid=True)
        if request.POST.get("action", "next") == "next":
            # Saved; going on needs every required answer (saving for later does not).
            _required_errors(form)
            if form.errors:
                case = _own_case(request, case.pk)
                return _show(request, case, step, form=form, invalid=True)
    elif step == STEP_MATERIALS:
        return _upload(request, case)
    return None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _upload(request: HttpRequest, case: Case) -> HttpResponse | None:
    """Check every chosen file first; store them only when all pass (nothing half-done)."""
    uploadable = [m for m in case.materials.all() if m.mode not in uploads.NOT_UPLOADED]
    form = MaterialsForm(request.POST, request.FILES, materials=uploadable)
    if not form.is_valid():  # e.g. an empty file
        return _show(request, case, STEP_MATERIALS, form=form, invalid=True)
    chosen = {key: file for key, file in form.cleaned_data.items() if file}
    for key, file in chosen.items():
        try:
            uploads.file_check(file)
        except ValidationFailed as error:
            form.add_error(key, str(error.message))
    if form.errors:
        return _show(request, case, STEP_MATERIALS, form=form, invalid=True)
    for key, file in chosen.items():
        uploads.material_upload(actor=request.user, case=case, key=key, file=file)
    if chosen:
        messages.success(
            request,
            _("%(count)d file(s) uploaded and checked.") % {"count": len(chosen)},
        )
    return None


def _submit(request: HttpRequest, case: Case) -> HttpResponse:
    key = (request.POST.get("idempotency_key") or "").strip()[:100] or None
    if request.POST.get("declaration") != "yes":
        return _show(
            request,
            case,
            STEP_REVIEW,
            invalid=True,
            declaration_error=True,
            error_summary=[
                {
                    "href": "#id_declaration",
                    "text": _("Tick the declaration to submit the application."),
                }
            ],
        )
    try:
        submitted = services.case_submit(
            actor=request.user, case=case, idempotency_key=key, declaration=str(DECLARATION)
        )
    except ValidationFailed as error:
        details = error.details if isinstance(error.details, dict) else {}
        wanted = set(details.get("materials") or [])
        fields = set(details.get("fields") or [])
        schema = selectors.case_form_schema(case=case)
        missing = [m for m in case.materials.all() if m.key in wanted]
        titles = [
            (k, field_title(k, p))
            for k, p in (schema.get("properties") or {}).items()
            if k in fields
        ]
        summary = [
            {"href": "?step=situation", "text": _("Answer every question about your situation.")}
        ] * bool(details.get("answers"))
        summary += [
            {
                "href": f"?step=form&check=1#id_{key}",
                "text": _("Enter “%(field)s”.") % {"field": title},
            }
            for key, title in titles
        ]
        summary += [
            {
                "href": f"?step=materials#id_{m.key}",
                "text": _("Upload “%(material)s”.")
                % {"material": m.name_en if _english(request) and m.name_en else m.name_zh},
            }
            for m in missing
        ]
        if not summary:
            summary = [{"href": "?step=form", "text": str(error.message)}]
        return _show(
            request,
            case,
            STEP_REVIEW,
            invalid=True,
            error_summary=summary,
            submit_missing=missing,
            submit_fields=[title for _key, title in titles],
            submit_answers=bool(details.get("answers")),
        )
    except Conflict as error:
        messages.error(request, str(error.message))
        return _go(case, STEP_REVIEW)
    return redirect("cases:apply_submitted", case_id=submitted.pk)


# --- after submission ------------------------------------------------------------------------


@login_required
def apply_submitted(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = _own_case(request, case_id)
    if case.status == Case.Status.DRAFT:
        return redirect("cases:apply", case_id=case.pk)
    children = list(case.children.select_related("item", "department").order_by("number"))
    if case.kind == Case.Kind.ITEM:
        children = [case]
    decided = [c for c in children if c.auto_decided]
    open_dues = [c.due_date for c in children if c.due_date and not c.auto_decided]
    context = {
        "case": case,
        "title": _title(case),
        "children": children,
        "decided": decided,
        # What happens next: by when the last decision is due, and how the results come back.
        "last_due": max(open_dues) if open_dues else None,
        "results_method": notify_method(case, children, translation.get_language()),
    }
    return render(request, "cases/apply/submitted.html", context)
