"""The pages of the reviews app: rating a service in "my space" or through a link's token, the
reviewer's answer to a rectification, the department's console and rectification page, and
the public figures. Each view parses, calls one service or selector, and renders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onestop.core.errors import DomainError, NotFound, ValidationFailed
from onestop.core.urls import absolute
from onestop.reviews import policies, selectors, services
from onestop.reviews.models import BAD_LEVELS, Channel, Indicator, Level, Rectification
from onestop.web import registry
from onestop.web.views import forbidden


class RateForm(forms.Form):
    level = forms.TypedChoiceField(
        label=gettext_lazy("How satisfied are you with this service?"),
        choices=Level.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose how satisfied you are.")},
    )
    indicators = forms.MultipleChoiceField(
        label=gettext_lazy("What went wrong? (for a bad review)"),
        choices=Indicator.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    text = forms.CharField(
        label=gettext_lazy("Comment (optional)"),
        required=False,
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    idempotency_key = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)


class AnswerForm(forms.Form):
    accept = forms.ChoiceField(
        label=gettext_lazy("Do you accept the result?"),
        choices=[
            ("yes", gettext_lazy("Yes, I accept the result")),
            ("no", gettext_lazy("No, ask the department again")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Say whether you accept the result.")},
    )
    note = forms.CharField(
        label=gettext_lazy("Why not? (needed when you ask again)"),
        required=False,
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


CHOICE_GROUPS = ("level", "indicators", "accept")


def _summary(form: forms.Form) -> list[dict[str, str]]:
    rows = [{"href": "#main-content", "text": str(e)} for e in form.non_field_errors()]
    for name in form.fields:
        bound = form[name]
        # A group of radios or boxes is reached through its first option.
        anchor = f"#{bound.auto_id}_0" if name in CHOICE_GROUPS else f"#{bound.auto_id}"
        rows.extend({"href": anchor, "text": str(error)} for error in bound.errors)
    return rows


def _apply_error(form: forms.Form, error: DomainError) -> None:
    field = (error.details or {}).get("field") if isinstance(error.details, dict) else None
    form.add_error(field if field in form.fields else None, error.message)


def _rate_page(
    request: HttpRequest,
    state: selectors.EventState,
    *,
    action: str,
    answer_action: str,
    rate_form: RateForm | None = None,
    answer_form: AnswerForm | None = None,
    status: int = 200,
) -> HttpResponse:
    rate_form = rate_form or RateForm(initial={"idempotency_key": services.new_idempotency_key()})
    answer_form = answer_form or AnswerForm()
    summary = _summary(rate_form) + _summary(answer_form)
    context = {
        "state": state,
        "invitation": state.invitation,
        "review": state.review,
        "rectification": state.rectification,
        "form": rate_form,
        "answer_form": answer_form,
        "action": action,
        "answer_action": answer_action,
        "bad_levels": [int(v) for v in BAD_LEVELS],
        "error_summary": summary,
        "can_answer": state.rectification is not None
        and state.rectification.status == Rectification.Status.RESULT_SENT,
    }
    response = render(request, "reviews/rate.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def my_reviews(request: HttpRequest) -> HttpResponse:
    states = selectors.my_invitations(actor=request.user)
    response = render(request, "reviews/my_list.html", {"states": states})
    response["Cache-Control"] = "no-store"
    return response


def _my_state(request: HttpRequest, invitation_id: str) -> selectors.EventState:
    try:
        return selectors.my_invitation(actor=request.user, invitation_id=invitation_id)
    except NotFound:
        raise Http404 from None


def _rate(
    request: HttpRequest, state: selectors.EventState, *, token: str | None, urls: tuple[str, str]
) -> HttpResponse:
    form = RateForm(request.POST)
    if form.is_valid():
        try:
            services.review_submit(
                actor=request.user,
                invitation=state.invitation if token is None else None,
                token=token,
                level=form.cleaned_data["level"],
                indicators=form.cleaned_data["indicators"],
                text=form.cleaned_data["text"],
                idempotency_key=form.cleaned_data["idempotency_key"] or None,
            )
        except NotFound:
            raise Http404 from None
        except DomainError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("Thank you: your rating has been recorded."))
            return HttpResponseRedirect(urls[0])
    return _rate_page(
        request, state, action=urls[0], answer_action=urls[1], rate_form=form, status=400
    )


def _answer(
    request: HttpRequest, state: selectors.EventState, *, token: str | None, urls: tuple[str, str]
) -> HttpResponse:
    form = AnswerForm(request.POST)
    rectification = state.rectification
    if rectification is None:
        raise Http404
    if form.is_valid():
        try:
            services.rectification_answer(
                actor=request.user,
                rectification=rectification,
                accept=form.cleaned_data["accept"] == "yes",
                note=form.cleaned_data["note"],
                token=token,
            )
        except NotFound:
            raise Http404 from None
        except DomainError as error:
            _apply_error(form, error)
        else:
            accepted = form.cleaned_data["accept"] == "yes"
            messages.success(
                request,
                _("Thank you: the matter is closed.")
                if accepted
                else _("The department has been asked to rectify again."),
            )
            return HttpResponseRedirect(urls[0])
    return _rate_page(
        request, state, action=urls[0], answer_action=urls[1], answer_form=form, status=400
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def my_review(request: HttpRequest, invitation_id: str) -> HttpResponse:
    state = _my_state(request, invitation_id)
    urls = (
        reverse("reviews:my_review", args=[invitation_id]),
        reverse("reviews:my_answer", args=[invitation_id]),
    )
    if request.method == "POST":
        return _rate(request, state, token=None, urls=urls)
    return _rate_page(request, state, action=urls[0], answer_action=urls[1])


@never_cache
@login_required
@require_POST
def my_answer(request: HttpRequest, invitation_id: str) -> HttpResponse:
    state = _my_state(request, invitation_id)
    urls = (
        reverse("reviews:my_review", args=[invitation_id]),
        reverse("reviews:my_answer", args=[invitation_id]),
    )
    return _answer(request, state, token=None, urls=urls)


def _token_state(token: str) -> selectors.EventState:
    try:
        return selectors.event_state(invitation=services.invitation_for_token(token))
    except NotFound:
        raise Http404 from None


def _token(request: HttpRequest) -> str:
    return str(request.GET.get("token", ""))[:200]


@never_cache
@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest) -> HttpResponse:
    """The page of an SMS link or a receipt's QR code (`?token=`): no sign-in, the token is the
    authority for this one event."""
    token = _token(request)
    state = _token_state(token)
    urls = (services.rate_path(token), services.rate_path(token, answer=True))
    if request.method == "POST":
        return _rate(request, state, token=token, urls=urls)
    return _rate_page(request, state, action=urls[0], answer_action=urls[1])


@never_cache
@require_POST
def rate_answer(request: HttpRequest) -> HttpResponse:
    token = _token(request)
    state = _token_state(token)
    urls = (services.rate_path(token), services.rate_path(token, answer=True))
    return _answer(request, state, token=token, urls=urls)


# --- the rating screen at the window (一次一评) ------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def pad_pair(request: HttpRequest) -> HttpResponse:
    """A clerk pairs a tablet with one of their windows: on the tablet, "make this device the
    rating screen" signs the clerk out and opens the screen (its link is also shown, to open on
    another device)."""
    windows = selectors.pad_windows(actor=request.user)
    if not windows:
        return forbidden(request, _("Only window clerks may pair a rating screen."))
    if request.method == "POST":
        chosen = next((w for w in windows if str(w.pk) == request.POST.get("window")), None)
        if chosen is None:
            raise Http404
        token = services.pad_token(actor=request.user, window=chosen)
        logout(request)
        return HttpResponseRedirect(services.pad_path(token))
    rows = [
        {
            "window": w,
            "link": absolute(services.pad_path(services.pad_token(actor=request.user, window=w))),
        }
        for w in windows
    ]
    context = {"rows": rows, "hours": settings.REVIEWS_PAD_HOURS}
    response = render(request, "reviews/pad_pair.html", context)
    response["Cache-Control"] = "no-store"
    return response


def _pad_context(token: str) -> dict[str, Any] | None:
    try:
        window_id = services.pad_window_id(token)
    except NotFound:
        return None
    window = selectors.pad_window(window_id=window_id)
    if window is None:
        return None
    state = selectors.pad_state(window_id=window_id)
    return {"window": window, "state": state, "token": token}


@never_cache
@require_http_methods(["GET", "POST"])
def pad(request: HttpRequest) -> HttpResponse:
    """The rating screen of a window (`?token=` of the pairing): no sign-in; it shows the
    window's current visit and takes one rating of it, then waits for the next visit (the
    page asks every few seconds whether the visit changed: `since=`, 204 when it did not)."""
    token = _token(request)
    context = _pad_context(token)
    if context is None:  # forged, expired, or its window is gone: the clerk pairs it again
        return render(request, "reviews/pad.html", {"unpaired": True}, status=404)
    state = context["state"]
    current = str(state.invitation.pk) if state is not None else ""
    if request.method == "GET" and "since" in request.GET and request.GET["since"] == current:
        return HttpResponse(status=204)
    form = RateForm(initial={"idempotency_key": services.new_idempotency_key()})
    status = 200
    if request.method == "POST":
        form = RateForm(request.POST)
        if form.is_valid():
            try:
                services.pad_review_submit(
                    token=token,
                    invitation_id=request.POST.get("invitation", ""),
                    level=form.cleaned_data["level"],
                    indicators=form.cleaned_data["indicators"],
                    text=form.cleaned_data["text"],
                    idempotency_key=form.cleaned_data["idempotency_key"] or None,
                )
            except DomainError as error:
                _apply_error(form, error)
            else:
                messages.success(request, _("Thank you: your rating has been recorded."))
                return HttpResponseRedirect(services.pad_path(token))
        status = 400
    rate_open = state is not None and state.review is None
    context.update(
        {
            "form": form,
            "invitation": state.invitation if state is not None else None,
            "rate_open": rate_open,
            "action": services.pad_path(token),
            "poll": services.pad_path(token) + "&" + urlencode({"since": current}),
            "visit_field": True,
            "submit_label": _("Send my rating"),
            "error_summary": _summary(form) if status == 400 else [],
        }
    )
    response = render(request, "reviews/pad.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


# --- the department's console ---------------------------------------------------------------


class NoteForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Text"), max_length=services.MAX_NOTE, widget=forms.Textarea
    )


STATUS_CHOICES = [
    ("open", gettext_lazy("Running (not closed)")),
    ("all", gettext_lazy("All")),
    *Rectification.Status.choices,
]
LEVEL_CHOICES = [
    ("", gettext_lazy("Any rating")),
    ("bad", gettext_lazy("Bad reviews only")),
    *[(str(value), label) for value, label in Level.choices],
]
CONSOLE_LIMIT = 200


class ConsoleFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Rectification status"), choices=STATUS_CHOICES, required=False
    )
    level = forms.ChoiceField(label=gettext_lazy("Rating"), choices=LEVEL_CHOICES, required=False)
    department = forms.ChoiceField(label=gettext_lazy("Department"), required=False)
    item = forms.ChoiceField(label=gettext_lazy("Service item"), required=False)
    start = forms.DateField(
        label=gettext_lazy("From (YYYY-MM-DD)"),
        required=False,
        error_messages={"invalid": gettext_lazy("Write the date as YYYY-MM-DD.")},
    )
    end = forms.DateField(
        label=gettext_lazy("To (YYYY-MM-DD)"),
        required=False,
        error_messages={"invalid": gettext_lazy("Write the date as YYYY-MM-DD.")},
    )
    overdue = forms.BooleanField(label=gettext_lazy("Only late ones"), required=False)

    def __init__(self, *args: Any, choices: dict[str, list[tuple[str, str]]], **kw: Any) -> None:
        super().__init__(*args, **kw)
        department = self.fields["department"]
        item = self.fields["item"]
        assert isinstance(department, forms.ChoiceField)  # noqa: S101 - narrows the type
        assert isinstance(item, forms.ChoiceField)  # noqa: S101
        department.choices = [("", _("Every department")), *choices["departments"]]
        item.choices = [("", _("Every item")), *choices["items"]]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The period must not end before it starts."))
        return data

    def filters(self) -> selectors.ConsoleFilter:
        data = self.cleaned_data
        return selectors.ConsoleFilter(
            status=data.get("status") or "open",
            level=data.get("level") or "",
            department=data.get("department") or "",
            item=data.get("item") or "",
            start=data.get("start"),
            end=data.get("end"),
            overdue=bool(data.get("overdue")),
        )


@never_cache
@login_required
@require_GET
def console(request: HttpRequest) -> HttpResponse:
    """The department's own console: its reviews and rectifications (a supervisor's: the
    region's, with the appeals to decide), filtered by status, rating, department, item,
    period and lateness."""
    if not policies.can(request.user, policies.VIEW, None):
        return forbidden(
            request,
            _("Only department officers and supervisors may open the reviews console."),
        )
    form = ConsoleFilterForm(
        request.GET or None, choices=selectors.console_choices(actor=request.user)
    )
    filters = selectors.ConsoleFilter()
    status = 200
    if form.is_bound:
        if form.is_valid():
            filters = form.filters()
        else:
            status = 400
    rectifications = selectors.department_rectifications(actor=request.user, filters=filters)
    reviews = selectors.department_reviews(actor=request.user, filters=filters)
    context = {
        "form": form,
        "filtered": form.is_bound and status == 200,
        "error_summary": [
            {"href": f"#{form[name].auto_id}", "text": str(error)}
            for name in form.fields
            for error in form[name].errors
        ],
        "rectifications": list(rectifications[:CONSOLE_LIMIT]),
        "rectifications_total": rectifications.count(),
        "appeals": list(selectors.appeals_to_decide(actor=request.user)[:CONSOLE_LIMIT]),
        "reviews": list(reviews[:CONSOLE_LIMIT]),
        "reviews_total": reviews.count(),
        "limit": CONSOLE_LIMIT,
        "today": timezone.localdate(),
        "supervisor": policies.is_supervisor(request.user, str(settings.NODE_REGION)),
    }
    response = render(request, "reviews/console.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


_ACTIONS: dict[str, tuple[Callable[..., Rectification], str, Any]] = {
    "call_back": (services.rectification_call_back, "note", gettext_lazy("Call-back recorded.")),
    "send_result": (services.rectification_result_send, "result", gettext_lazy("Result sent.")),
    "appeal": (
        services.rectification_appeal,
        "reason",
        gettext_lazy("Appeal sent to the supervisors."),
    ),
}


def _steps(user: Any, row: Rectification) -> list[tuple[str, str]]:
    """The steps `user` may take now on `row`, as (action, label) for the form."""
    status = Rectification.Status
    steps: list[tuple[str, str]] = []
    if policies.can(user, policies.HANDLE, row):
        if row.status == status.OPEN:
            steps.append(("call_back", _("Record the call-back")))
        if row.status in (status.OPEN, status.RECTIFYING):
            steps.append(("send_result", _("Send the result to the reviewer")))
        if row.status in (status.OPEN, status.RECTIFYING, status.RESULT_SENT):
            steps.append(("appeal", _("Appeal: the review is malicious or mistaken")))
    if row.status == status.APPEALED and policies.can(user, policies.DECIDE, row):
        steps.append(("uphold", _("Uphold the review")))
        steps.append(("void", _("Void the review")))
    return steps


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def rectification(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        row = selectors.rectification_get(actor=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    error = ""
    if request.method == "POST":
        action = str(request.POST.get("action", ""))
        text = str(request.POST.get("note", ""))
        try:
            if action in _ACTIONS:
                service, argument, done = _ACTIONS[action]
                service(actor=request.user, rectification=row, **{argument: text})
            elif action in ("void", "uphold"):
                services.appeal_decide(
                    actor=request.user, rectification=row, void=action == "void", reason=text
                )
                done = _("Appeal decided.")
            else:
                raise ValidationFailed(_("Choose an action."), code="invalid_action")
        except DomainError as failure:
            error = failure.message
        else:
            messages.success(request, done)
            return HttpResponseRedirect(reverse("reviews:rectification", args=[row.pk]))
    identity = selectors.reviewer_identity(actor=request.user, rectification=row)
    labels = dict(Indicator.choices)
    context = {
        "row": row,
        "review": row.review,
        "identity": identity,
        "indicators": [str(labels.get(key, key)) for key in row.review.indicators],
        "events": selectors.rectification_events(rectification=row),
        "steps": _steps(request.user, row),
        "today": timezone.localdate(),
        "error": error,
        "error_summary": [{"href": "#note", "text": error}] if error else [],
    }
    response = render(request, "reviews/rectification.html", context, status=400 if error else 200)
    response["Cache-Control"] = "no-store"
    return response


# --- the public figures ---------------------------------------------------------------------


@require_GET
def figures(request: HttpRequest) -> HttpResponse:
    try:
        data = selectors.stats(
            department=request.GET.get("department") or None,
            item=request.GET.get("item") or None,
            start=request.GET.get("from") or None,
            end=request.GET.get("to") or None,
        )
        error = ""
    except ValidationFailed as failure:
        data, error = selectors.stats(), failure.message
    context = {"data": data, "error": error, "query": request.GET}
    return render(request, "reviews/figures.html", context, status=400 if error else 200)


# --- what this app adds to other pages --------------------------------------------------------


@registry.provides("department")
def department_figures(request: HttpRequest, *, department: Any, **kwargs: Any) -> dict[str, Any]:
    """The department page's "Service ratings": its public figures of the last year (volume,
    satisfaction, bad reviews rectified on time), refreshed daily, and the link to the rest."""
    figures = selectors.totals(department=department.code)
    url = reverse("reviews:figures") + f"?department={department.code}"
    return {"review_figures": {**figures, "url": url, "template": FIGURES_PANEL}}


@registry.provides("item")
def item_figures(request: HttpRequest, *, item: Any, **kwargs: Any) -> dict[str, Any]:
    """The item page's "Service ratings": the same figures for the item."""
    figures = selectors.totals(item=item)
    url = reverse("reviews:figures") + "?" + urlencode({"item": item.code})
    return {"review_figures": {**figures, "url": url, "template": FIGURES_PANEL}}


FIGURES_PANEL = "reviews/_figures_panel.html"


@registry.provides("account")
def account_links(request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
    """ "My reviews" on "My account" for everyone signed in; the console for staff who may
    open it."""
    links = [{"label": _("My reviews"), "url": reverse("reviews:my_reviews")}]
    if policies.can(request.user, policies.VIEW, None):
        links.append({"label": _("Reviews and rectifications"), "url": reverse("reviews:console")})
    return {"reviews_links": links}


@registry.provides("hotline_track")
def order_rating(
    request: HttpRequest, *, order: Any, token: str = "", **kwargs: Any
) -> dict[str, Any]:
    """The tracking page of a citizen's 12345 request (which checked the citizen's access
    first): where to rate the department's reply — my space for the account that filed it,
    the link of the ``portal`` invitation for a request filed without one."""
    state = selectors.order_invitation(number=order.number, channel=Channel.ONLINE)
    if state is not None:
        if state.invitation.reviewer_id != getattr(request.user, "pk", None):
            return {}
        url = reverse("reviews:my_review", args=[state.invitation.pk])
    else:
        state = selectors.order_invitation(number=order.number, channel=Channel.PORTAL)
        if state is None:
            return {}
        url = services.rate_path(services.invitation_token(state.invitation))
    return {"order_rating": {"url": url, "review": state.review, "open": state.open}}


@registry.provides("hotline_order")
def callback_rating(request: HttpRequest, *, order: Any, **kwargs: Any) -> dict[str, Any]:
    """The staff page of a work order. Replied (waiting for the call-back): the rating heard on
    the phone as part of the call-back's form (posted with it to the hotline's ``callback``
    step, which hands it to `services.order_callback_rate` before the order closes). Closed:
    the rating recorded at the call-back, and a form to correct it (a new version)."""
    if order.status == "replied":
        form = RateForm(
            initial={"idempotency_key": services.new_idempotency_key()},
            prefix="rating",
            auto_id="cbr-%s",
        )
        return {
            "callback_rating_fields": {"template": "reviews/_callback_fields.html", "form": form}
        }
    state = selectors.order_invitation(number=order.number, channel=Channel.CALLBACK)
    if state is None or not policies.can(request.user, policies.SUBMIT, state.invitation):
        return {}
    form = RateForm(initial={"idempotency_key": services.new_idempotency_key()}, auto_id="cbr-%s")
    return {
        "callback_rating": {
            "template": "reviews/_callback_rate.html",
            "state": state,
            "form": form,
            "action": reverse("reviews:callback_rate", args=[state.invitation.pk]),
        }
    }


@never_cache
@login_required
@require_POST
def callback_rate(request: HttpRequest, invitation_id: str) -> HttpResponse:
    """The rating heard at the call-back, entered by the agent (`review_submit` on the
    ``callback`` invitation); back to the work order's page with what happened."""
    try:
        invitation = services.invitation_get(actor=request.user, invitation_id=invitation_id)
    except NotFound:
        raise Http404 from None
    if invitation.channel != Channel.CALLBACK:
        raise Http404
    back = reverse("hotline:order", args=[invitation.event_ref]) + "#callback-rating"
    form = RateForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return HttpResponseRedirect(back)
    try:
        services.review_submit(
            actor=request.user,
            invitation=invitation,
            level=form.cleaned_data["level"],
            indicators=form.cleaned_data["indicators"],
            text=form.cleaned_data["text"],
            idempotency_key=form.cleaned_data["idempotency_key"] or None,
        )
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The rating heard at the call-back was recorded."))
    return HttpResponseRedirect(back)
