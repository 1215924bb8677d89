"""The authorisation matrix: every role × every page and API operation that exposes an object.

Generated from one table (`MATRIX`): each row is one operation on one object of the world
(tests/security/world.py) with the answer each role must get. How to read a row:

    op("me/cases: one application", "GET", "/me/cases/{top}/", lambda w: f"/me/cases/{w['top']}/",
       E(NOT_FOUND, anonymous=LOGIN, owner=OK))

- `E(default, role=answer, ...)`: the answer of every role, `default` for the roles not named;
- answers: ``200`` (shown), ``302`` (done, then sent on: a POST that worked, or a refusal the
  page reports as a message after redirecting — then `effect` proves nothing changed),
  ``login`` (302 to the sign-in page), ``401`` (API: sign in first), ``403`` (this console is
  not yours — said before any object is looked up), ``404`` (no such object *for you*: the
  existence of another person's case, licence or notification never leaks), ``gone`` (the
  Django admin's "does not exist" redirect to its index: its 404).
- `forged`: the same operation on an object that does not exist. Every role refused on the real
  object must get exactly the same answer on the forged one — otherwise the refusal itself tells
  that the object exists (a 403 that should have been a 404).
- `effect` (POSTs): a reading of the object's state; a refused role must leave it unchanged.

`test_every_object_url_is_in_the_matrix` walks `django.urls.get_resolver()` and every model
registered in the Django admin, and fails when a URL pattern that takes an id, number, token or
reference is neither in the matrix nor in `PUBLIC` (each entry with its reason): a new page
cannot escape the matrix.

Each cell is its own test, in its own rolled-back transaction on a world built once per process.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from tests import factories
from tests.security import world as matrix_world

# One worker runs the whole module (`make test` uses `--dist loadgroup`): its
# module-scoped set-up is made once, and its tests see each other's order.
pytestmark = pytest.mark.xdist_group("authorisation-matrix")

ROLES = tuple(matrix_world.ROLES)

OK, REDIRECT, LOGIN, UNAUTHORISED, FORBIDDEN, NOT_FOUND, GONE = (
    "200",
    "302",
    "login",
    "401",
    "403",
    "404",
    "gone",
)
DENIED = {LOGIN, UNAUTHORISED, FORBIDDEN, NOT_FOUND, GONE}
CITIZENS = ("citizen_l1", "owner", "other_citizen")
STAFF = ("clerk", "officer", "officer_other", "agent", "supervisor")
NOT_STAFF = (*CITIZENS, *STAFF)  # no Django admin for them: not `is_staff`


def E(default: str, **answers: str) -> dict[str, str]:  # noqa: N802 - reads as a table
    unknown = set(answers) - set(ROLES)
    assert not unknown, unknown
    return {role: answers.get(role, default) for role in ROLES}


def each(roles: tuple[str, ...], answer: str) -> dict[str, str]:
    return dict.fromkeys(roles, answer)


W = dict[str, Any]
FORGED_NUMBER = "371121-20990101-99999"
FORGED_UUID = "00000000-0000-4000-8000-000000000000"


@dataclass(frozen=True)
class Op:
    name: str
    method: str
    url: Callable[[W], str]
    expect: dict[str, str]
    forged: Callable[[W], str] | None = None
    data: Callable[[W], dict[str, Any]] | None = None
    json: Callable[[W], Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    effect: Callable[[W], Any] | None = None
    # the roles that may change the object (default: those expected to get 200, 201 or 302)
    actors: tuple[str, ...] | None = None
    # the roles that may know the object exists (default: the actors); every other role must
    # get the same answer on a forged object as on the real one
    viewers: tuple[str, ...] | None = None

    def may_see(self, role: str) -> bool:
        if self.viewers is not None:
            return role in self.viewers
        return self.may_change(role)

    def may_change(self, role: str) -> bool:
        if self.actors is not None:
            return role in self.actors
        return self.expect[role] in {OK, REDIRECT, "201"}


def op(name: str, method: str, url: Callable[[W], str], expect: dict[str, str], **kw: Any) -> Op:
    return Op(name, method, url, expect, **kw)


# --- effects: what a refused POST must leave as it was ----------------------------------------


def _jurisdiction_state(w: W) -> Any:
    from onestop.hotline.models import Jurisdiction, RoutingEvent, RoutingModel

    return (
        list(Jurisdiction.objects.values_list("region", "category", "place", "department")),
        RoutingEvent.objects.count(),
        list(RoutingModel.objects.filter(live=True).values_list("version", flat=True)),
    )


def _delegation_state(w: W) -> Any:
    from onestop.accounts.models import Delegation

    return Delegation.objects.filter(pk=w["delegation"]).values_list("revoked_at").get()


def _offer_state(w: W) -> Any:
    from onestop.benefits.models import Offer

    return Offer.objects.filter(pk=w["offer"]).values_list("status", "confirmed_at").get()


def _callback_state(w: W) -> Any:
    from onestop.reviews.models import Review

    return Review.objects.filter(invitation_id=w["callback"]).count()


def _case_state(w: W) -> Any:
    from onestop.cases.models import Case

    return (
        Case.objects.filter(number=w["top"]).values_list("status", "version", "completed_at").get()
    )


def _supplement_state(w: W) -> Any:
    from onestop.cases.models import Supplement

    return Supplement.objects.filter(pk=w["supplement"]).values_list("answered_at").get()


def _draft_state(w: W) -> Any:
    from onestop.cases.models import Case, CaseMaterial

    case = Case.objects.get(pk=w["draft"])
    files = list(CaseMaterial.objects.filter(case=case).values_list("key", "sha256"))
    return (case.status, case.number, case.form_data, case.version, files)


def _order_state(w: W) -> Any:
    from onestop.hotline.models import Attachment, WorkOrder

    order = WorkOrder.objects.get(number=w["order"])
    return (order.status, Attachment.objects.filter(order=order).count())


def _credential_state(w: W) -> Any:
    from onestop.credentials.models import Credential

    return Credential.objects.filter(pk=w["credential"]).values_list("revoked_at").get()


def _notification_state(w: W) -> Any:
    from onestop.notify.models import Notification

    return Notification.objects.filter(pk=w["notification"]).values_list("read_at").get()


def _consent_state(w: W) -> Any:
    from onestop.sharing.models import Consent

    return Consent.objects.filter(pk=w["consent"]).values_list("withdrawn_at").get()


def _ticket_state(w: W) -> Any:
    from onestop.notify.models import Notification

    return Notification.objects.count()


def _png(name: str = "photo.png") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, matrix_world.PNG, content_type="image/png")


# --- the table ---------------------------------------------------------------------------------

# Who sees a case in the office and at the window (cases.policies.can_view): the applicant;
# window clerks and supervisors of its region; officers of its item's department.
CASE_STAFF = {"clerk": OK, "officer": OK, "supervisor": OK}
CASE_VIEWERS = ("owner", "clerk", "officer", "supervisor")
# The office opens item cases only, for their department's officers and the region's
# supervisors (cases.selectors.office_case_get); clerks work at the window.
OFFICE_CASE = E(NOT_FOUND, anonymous=LOGIN, officer=OK, supervisor=OK)
WINDOW_PAGE = E(FORBIDDEN, anonymous=LOGIN, clerk=OK)
# the citizen's own space: theirs, nobody else's, whether staff or not
MINE = E(NOT_FOUND, anonymous=LOGIN, owner=OK)
MINE_POST = E(NOT_FOUND, anonymous=LOGIN, owner=REDIRECT)
API_MINE = E(NOT_FOUND, anonymous=UNAUTHORISED, owner=OK)
# 12345 orders (hotline.policies.sees): agents and supervisors of the region, officers of the
# lead department; everyone else: no such order.
ORDER_VIEWERS = ("officer", "agent", "supervisor")
ORDER_PAGE = E(NOT_FOUND, anonymous=LOGIN, officer=OK, agent=OK, supervisor=OK)
API_ORDER = E(NOT_FOUND, anonymous=UNAUTHORISED, officer=OK, agent=OK, supervisor=OK)
# Django admin change pages: administrators of the object's region (with the model's
# permission); another region's administrator is told the object does not exist.
ADMIN_PAGE = E(LOGIN, admin=OK, admin_other=GONE)


def _fixed(url: str) -> Callable[[W], str]:
    return lambda w: url


def _admin_url(app: str, model: str, key: str) -> Callable[[W], str]:
    return lambda w: f"/admin/{app}/{model}/{w[key]}/change/"


def _admin_forged(app: str, model: str, forged: str) -> Callable[[W], str]:
    return lambda w: f"/admin/{app}/{model}/{forged}/change/"


MATRIX: list[Op] = [
    # --- cases: the citizen's space ---
    op(
        "me: one application",
        "GET",
        lambda w: f"/me/cases/{w['top']}/",
        MINE,
        forged=lambda w: f"/me/cases/{FORGED_NUMBER}/",
    ),
    op(
        "me: one application by an item case's number",
        "GET",
        lambda w: f"/me/cases/{w['item_case']}/",
        MINE,
        forged=lambda w: f"/me/cases/{FORGED_NUMBER}/",
    ),
    op(
        "me: receipt PDF",
        "GET",
        lambda w: f"/me/cases/{w['top']}/receipt.pdf",
        MINE,
        forged=lambda w: f"/me/cases/{FORGED_NUMBER}/receipt.pdf",
    ),
    op(
        "me: one-time notice PDF (none issued: 404 for the owner too)",
        "GET",
        lambda w: f"/me/cases/{w['top']}/notice.pdf",
        E(NOT_FOUND, anonymous=LOGIN),
        forged=lambda w: f"/me/cases/{FORGED_NUMBER}/notice.pdf",
    ),
    op(
        "me: upload for a supplement",
        "POST",
        lambda w: f"/me/cases/{w['top']}/supplements/{w['supplement']}/upload",
        MINE_POST,
        forged=lambda w: f"/me/cases/{w['top']}/supplements/999999/upload",
        data=lambda w: {"key": "photo", "file": _png()},
        effect=_supplement_state,
    ),
    op(
        "me: answer a supplement",
        "POST",
        lambda w: f"/me/cases/{w['top']}/supplements/{w['supplement']}/answer",
        MINE_POST,
        forged=lambda w: f"/me/cases/{w['top']}/supplements/999999/answer",
        data=lambda w: {"note": "Here it is."},
        effect=_supplement_state,
    ),
    op(
        "me: withdraw",
        "POST",
        lambda w: f"/me/cases/{w['top']}/withdraw",
        MINE_POST,
        forged=lambda w: f"/me/cases/{FORGED_NUMBER}/withdraw",
        data=lambda w: {"reason": "No longer needed."},
        effect=_case_state,
    ),
    op(
        "apply: a draft",
        "GET",
        lambda w: f"/apply/{w['draft']}/",
        MINE,
        forged=lambda w: f"/apply/{FORGED_UUID}/",
    ),
    op(
        "apply: submitted page",
        "GET",
        lambda w: f"/apply/{w['top_pk']}/submitted/",
        MINE,
        forged=lambda w: f"/apply/{FORGED_UUID}/submitted/",
    ),
    # --- cases: office and window consoles ---
    op(
        "office: an item case of this department",
        "GET",
        lambda w: f"/office/cases/{w['item_case']}/",
        OFFICE_CASE,
        forged=lambda w: f"/office/cases/{FORGED_NUMBER}/",
    ),
    op(
        "office: the bundle (the office opens item cases only)",
        "GET",
        lambda w: f"/office/cases/{w['top']}/",
        E(NOT_FOUND, anonymous=LOGIN),
        forged=lambda w: f"/office/cases/{FORGED_NUMBER}/",
    ),
    op(
        "office: act on a case",
        "POST",
        lambda w: f"/office/cases/{w['item_case']}/act/",
        E(NOT_FOUND, anonymous=LOGIN, officer="400", supervisor=FORBIDDEN),
        forged=lambda w: f"/office/cases/{FORGED_NUMBER}/act/",
        data=lambda w: {"task": "nonexistent"},
        effect=_case_state,
        viewers=CASE_VIEWERS,
    ),
    op(
        "office: download an uploaded material",
        "GET",
        lambda w: f"/office/cases/{w['item_case']}/materials/photo/",
        OFFICE_CASE,
        forged=lambda w: f"/office/cases/{FORGED_NUMBER}/materials/photo/",
    ),
    op(
        "window: a case",
        "GET",
        lambda w: f"/window/cases/{w['top']}/",
        WINDOW_PAGE,
        forged=lambda w: f"/window/cases/{FORGED_NUMBER}/",
    ),
    op(
        "window: receipt PDF",
        "GET",
        lambda w: f"/window/cases/{w['top']}/receipt.pdf",
        WINDOW_PAGE,
        forged=lambda w: f"/window/cases/{FORGED_NUMBER}/receipt.pdf",
    ),
    op(
        "window: notice PDF (none issued)",
        "GET",
        lambda w: f"/window/cases/{w['top']}/notice.pdf",
        E(FORBIDDEN, anonymous=LOGIN, clerk=NOT_FOUND),
        forged=lambda w: f"/window/cases/{FORGED_NUMBER}/notice.pdf",
    ),
    op(
        "track: with the receipt's link (a bearer link: anyone holding it)",
        "GET",
        lambda w: f"/track/{w['top']}/?t={w['track_token']}",
        E(OK),
        forged=lambda w: f"/track/{FORGED_NUMBER}/?t={w['track_token']}",
    ),
    op(
        "track: without the token",
        "GET",
        lambda w: f"/track/{w['top']}/",
        E(NOT_FOUND),
        forged=lambda w: f"/track/{FORGED_NUMBER}/",
    ),
    op(
        "track: receipt PDF with the link",
        "GET",
        lambda w: f"/track/{w['top']}/receipt.pdf?t={w['track_token']}",
        E(OK),
        forged=lambda w: f"/track/{FORGED_NUMBER}/receipt.pdf?t={w['track_token']}",
    ),
    # --- cases: API ---
    op(
        "API: an application",
        "GET",
        lambda w: f"/api/v1/cases/{w['top']}",
        API_MINE,
        forged=lambda w: f"/api/v1/cases/{FORGED_NUMBER}",
    ),
    op(
        "API: withdraw (waiting for a supplement: 409 for the owner)",
        "POST",
        lambda w: f"/api/v1/cases/{w['top']}/withdraw",
        E(NOT_FOUND, anonymous=UNAUTHORISED, owner="409"),
        actors=("owner",),
        forged=lambda w: f"/api/v1/cases/{FORGED_NUMBER}/withdraw",
        json=lambda w: {"reason": "No longer needed."},
        effect=_case_state,
    ),
    op(
        "API: a draft",
        "GET",
        lambda w: f"/api/v1/cases/drafts/{w['draft']}",
        API_MINE,
        forged=lambda w: f"/api/v1/cases/drafts/{FORGED_UUID}",
    ),
    op(
        "API: save a draft",
        "PATCH",
        lambda w: f"/api/v1/cases/drafts/{w['draft']}",
        API_MINE,
        forged=lambda w: f"/api/v1/cases/drafts/{FORGED_UUID}",
        json=lambda w: {"variant_answers": {}},
        effect=_draft_state,
    ),
    op(
        "API: upload a material to a draft",
        "POST",
        lambda w: f"/api/v1/cases/drafts/{w['draft']}/materials/photo",
        E(NOT_FOUND, anonymous=UNAUTHORISED, owner="201"),
        forged=lambda w: f"/api/v1/cases/drafts/{FORGED_UUID}/materials/photo",
        data=lambda w: {"file": _png()},
        effect=_draft_state,
    ),
    op(
        "API: submit a draft (incomplete: 400 for the owner)",
        "POST",
        lambda w: f"/api/v1/cases/drafts/{w['draft']}/submit",
        E(NOT_FOUND, anonymous=UNAUTHORISED, owner="400"),
        forged=lambda w: f"/api/v1/cases/drafts/{FORGED_UUID}/submit",
        json=lambda w: {"declaration": True},
        headers={"HTTP_IDEMPOTENCY_KEY": "matrix-submit"},
        effect=_draft_state,
        actors=("owner",),
    ),
    # --- 12345 work orders ---
    op(
        "hotline: an order",
        "GET",
        lambda w: f"/hotline/orders/{w['order']}/",
        ORDER_PAGE,
        forged=lambda w: f"/hotline/orders/{FORGED_NUMBER}/",
    ),
    op(
        "hotline: act on an order (sign for it)",
        "POST",
        lambda w: f"/hotline/orders/{w['order']}/sign_for/",
        E(NOT_FOUND, anonymous=LOGIN, officer=REDIRECT, agent=FORBIDDEN, supervisor=FORBIDDEN),
        forged=lambda w: f"/hotline/orders/{FORGED_NUMBER}/sign_for/",
        data=lambda w: {},
        effect=_order_state,
        viewers=ORDER_VIEWERS,
    ),
    op(
        "hotline: draft a knowledge article from an order",
        "GET",
        lambda w: f"/hotline/orders/{w['order']}/article/",
        E(NOT_FOUND, anonymous=LOGIN, officer=FORBIDDEN, agent=OK, supervisor=OK),
        forged=lambda w: f"/hotline/orders/{FORGED_NUMBER}/article/",
        viewers=ORDER_VIEWERS,
    ),
    op(
        "API: an order",
        "GET",
        lambda w: f"/api/v1/hotline/tickets/{w['order']}",
        API_ORDER,
        forged=lambda w: f"/api/v1/hotline/tickets/{FORGED_NUMBER}",
    ),
    op(
        "API: attach a file to an order",
        "POST",
        lambda w: f"/api/v1/hotline/tickets/{w['order']}/attachments",
        E(NOT_FOUND, anonymous=UNAUTHORISED, officer="201", agent="201", supervisor="201"),
        forged=lambda w: f"/api/v1/hotline/tickets/{FORGED_NUMBER}/attachments",
        data=lambda w: {"file": _png()},
        effect=_order_state,
    ),
    op(
        "API: act on an order (sign for it)",
        "POST",
        lambda w: f"/api/v1/hotline/tickets/{w['order']}/sign_for",
        E(NOT_FOUND, anonymous=UNAUTHORISED, officer=OK, agent=FORBIDDEN, supervisor=FORBIDDEN),
        forged=lambda w: f"/api/v1/hotline/tickets/{FORGED_NUMBER}/sign_for",
        json=lambda w: {},
        effect=_order_state,
        viewers=ORDER_VIEWERS,
    ),
    # --- queue tickets (a bearer link printed on the ticket) ---
    op(
        "queue: a ticket by its link",
        "GET",
        lambda w: f"/queue/ticket/{w['ticket_token']}/",
        E(OK),
        forged=lambda w: "/queue/ticket/MQ:forged:forged/",
    ),
    # --- e-licences ---
    op(
        "wallet: a licence",
        "GET",
        lambda w: f"/wallet/{w['credential']}/",
        MINE,
        forged=lambda w: f"/wallet/{FORGED_UUID}/",
    ),
    op(
        "wallet: a licence as PDF",
        "GET",
        lambda w: f"/wallet/{w['credential']}/pdf",
        MINE,
        forged=lambda w: f"/wallet/{FORGED_UUID}/pdf",
    ),
    op(
        "credentials: revoke (issuing department)",
        "POST",
        lambda w: f"/credentials/issued/{w['credential']}/revoke",
        E(NOT_FOUND, anonymous=LOGIN, owner=FORBIDDEN, officer=REDIRECT, admin=REDIRECT),
        forged=lambda w: f"/credentials/issued/{FORGED_UUID}/revoke",
        data=lambda w: {"reason": "Issued in error."},
        effect=_credential_state,
        viewers=("owner", "officer", "admin"),
    ),
    op(
        "verify: a licence from its QR (public by design: what the QR shows)",
        "GET",
        lambda w: f"/v/{w['verify_ref']}",
        E(OK),
    ),
    # --- notifications ---
    op(
        "notifications: mark one read",
        "POST",
        lambda w: f"/me/notifications/{w['notification']}/read/",
        MINE_POST,
        forged=lambda w: f"/me/notifications/{FORGED_UUID}/read/",
        data=lambda w: {},
        effect=_notification_state,
    ),
    # --- data tracker ---
    op(
        "data tracker: the proof of one access",
        "GET",
        lambda w: f"/me/data/{w['access']}/proof/",
        MINE,
        forged=lambda w: f"/me/data/{FORGED_UUID}/proof/",
    ),
    op(
        "data tracker: withdraw a consent",
        "POST",
        lambda w: f"/me/data/consents/{w['consent']}/withdraw/",
        E(REDIRECT, anonymous=LOGIN),
        forged=lambda w: "/me/data/consents/999999/withdraw/",
        data=lambda w: {},
        effect=_consent_state,
        actors=("owner",),
    ),
    # --- dashboards and exports (the node's region) ---
    op(
        "insights: the hotline dashboard",
        "GET",
        lambda w: "/insights/hotline/",
        E(FORBIDDEN, anonymous=LOGIN, officer=OK, officer_other=OK, supervisor=OK, admin=OK),
    ),
    op(
        "insights: CSV export",
        "GET",
        lambda w: "/insights/hotline/export.csv",
        E(FORBIDDEN, anonymous=LOGIN, officer=OK, officer_other=OK, supervisor=OK, admin=OK),
    ),
    op(
        "insights: Excel export",
        "GET",
        lambda w: "/insights/hotline/export.xlsx",
        E(FORBIDDEN, anonymous=LOGIN, officer=OK, officer_other=OK, supervisor=OK, admin=OK),
    ),
    op(
        "insights: the steering dashboard",
        "GET",
        lambda w: "/insights/",
        E(FORBIDDEN, anonymous=LOGIN, officer=OK, officer_other=OK, supervisor=OK, admin=OK),
    ),
    op(
        "insights: the steering dashboard's Excel export",
        "GET",
        lambda w: "/insights/export.xlsx",
        E(FORBIDDEN, anonymous=LOGIN, officer=OK, officer_other=OK, supervisor=OK, admin=OK),
    ),
    op(
        "insights: the hotspot cards",
        "GET",
        lambda w: "/insights/hotspots/",
        E(FORBIDDEN, anonymous=LOGIN, officer=OK, officer_other=OK, supervisor=OK, admin=OK),
    ),
    op(
        "API: the three rates",
        "GET",
        lambda w: "/api/v1/insights/hotline/three-rates",
        E(FORBIDDEN, anonymous=UNAUTHORISED, officer=OK, officer_other=OK, supervisor=OK, admin=OK),
    ),
    op(
        "office: supervisor console",
        "GET",
        lambda w: "/office/supervisor/",
        E(FORBIDDEN, anonymous=LOGIN, supervisor=OK),
    ),
    op(
        "hotline: supervisor console",
        "GET",
        lambda w: "/hotline/supervisor/",
        E(FORBIDDEN, anonymous=LOGIN, supervisor=OK),
    ),
    op(
        "hotline: routing set-up console",
        "GET",
        lambda w: "/hotline/routing/",
        E(FORBIDDEN, anonymous=LOGIN, supervisor=OK),
    ),
    op(
        "hotline: set a jurisdiction rule",
        "POST",
        lambda w: "/hotline/routing/rule",
        E(FORBIDDEN, anonymous=LOGIN, supervisor=REDIRECT),
        data=lambda w: {
            "category": "ecology.noise",
            "place": "",
            "department": "371121-comprehensive-law-enforcement",
        },
        effect=_jurisdiction_state,
    ),
    op(
        "hotline: make a routing model live",
        "POST",
        lambda w: "/hotline/routing/model",
        E(FORBIDDEN, anonymous=LOGIN, supervisor=NOT_FOUND),
        data=lambda w: {"version": "999"},
        effect=_jurisdiction_state,
    ),
    op(
        "federation: network console",
        "GET",
        lambda w: "/federation/network/",
        E(FORBIDDEN, anonymous=LOGIN, admin=OK),
    ),
    op(
        "federation: retry a dead letter",
        "POST",
        lambda w: f"/federation/network/outbox/{FORGED_UUID}/retry/",
        E(FORBIDDEN, anonymous=LOGIN, admin=REDIRECT),
        data=lambda w: {},
    ),
    op(
        "federation: allow a peer",
        "POST",
        lambda w: "/federation/network/peers/320707/allow/",
        E(FORBIDDEN, anonymous=LOGIN, admin=REDIRECT),
        data=lambda w: {},
    ),
    # --- Django admin change pages ---
    op(
        "admin: a case",
        "GET",
        _admin_url("cases", "case", "case_pk"),
        ADMIN_PAGE,
        forged=_admin_forged("cases", "case", FORGED_UUID),
    ),
    op(
        "admin: a work order",
        "GET",
        _admin_url("hotline", "workorder", "order_pk"),
        ADMIN_PAGE,
        forged=_admin_forged("hotline", "workorder", "999999"),
    ),
    op(
        "admin: a notification",
        "GET",
        _admin_url("notify", "notification", "notification"),
        ADMIN_PAGE,
        forged=_admin_forged("notify", "notification", FORGED_UUID),
    ),
    op(
        "admin: an account",
        "GET",
        _admin_url("accounts", "user", "owner_pk"),
        ADMIN_PAGE,
        forged=_admin_forged("accounts", "user", "999999"),
    ),
    op(
        "admin: a staff role",
        "GET",
        _admin_url("accounts", "staffrole", "staff_role"),
        ADMIN_PAGE,
        forged=_admin_forged("accounts", "staffrole", "999999"),
    ),
    op(
        "admin: a queue ticket",
        "GET",
        _admin_url("org", "queueticket", "ticket"),
        ADMIN_PAGE,
        forged=_admin_forged("org", "queueticket", "999999"),
    ),
    op(
        "admin: a process instance",
        "GET",
        _admin_url("workflow", "processinstance", "process"),
        ADMIN_PAGE,
        forged=_admin_forged("workflow", "processinstance", "999999"),
    ),
    # the node's own records about every person (sign-in attempts and addresses, second-factor
    # secrets, background tasks' arguments): superusers only, whatever permissions are granted
    *(
        op(
            f"admin: {label} (superusers only)",
            "GET",
            _fixed(url),
            E(LOGIN, admin=FORBIDDEN, admin_other=FORBIDDEN),
        )
        for label, url in [
            ("sign-in attempts", "/admin/axes/accessattempt/"),
            ("sign-in failures", "/admin/axes/accessfailurelog/"),
            ("sign-in log", "/admin/axes/accesslog/"),
            ("background tasks", "/admin/django_tasks_database/dbtaskresult/"),
            ("authenticator devices", "/admin/otp_totp/totpdevice/"),
            ("reviews (who rated which case)", "/admin/reviews/review/"),
            ("rectifications", "/admin/reviews/rectification/"),
        ]
    ),
    op(
        "me: answer a handling region's supplement request (not a forwarded case: 404 for all)",
        "POST",
        lambda w: f"/me/cases/{w['top']}/remote-supplement",
        E(NOT_FOUND, anonymous=LOGIN),
        forged=lambda w: f"/me/cases/{FORGED_NUMBER}/remote-supplement",
        data=lambda w: {"note": "Here it is."},
        effect=_case_state,
    ),
    # --- reviews (好差评) ---
    op(
        "me: one of my ratings",
        "GET",
        lambda w: f"/me/reviews/{w['invitation']}/",
        MINE,
        forged=lambda w: f"/me/reviews/{FORGED_UUID}/",
    ),
    op(
        "me: answer a rectification's result (none sent yet: 400 for the owner)",
        "POST",
        lambda w: f"/me/reviews/{w['invitation']}/answer/",
        E(NOT_FOUND, anonymous=LOGIN, owner="400"),
        forged=lambda w: f"/me/reviews/{FORGED_UUID}/answer/",
        data=lambda w: {"accept": "yes", "note": ""},
        viewers=("owner",),
    ),
    op(
        "reviews: a rectification (the reviewer's name: its department and the supervisor)",
        "GET",
        lambda w: f"/reviews/console/{w['rectification']}/",
        E(NOT_FOUND, anonymous=LOGIN, officer=OK, supervisor=OK),
        forged=lambda w: "/reviews/console/999999/",
    ),
    # --- insights: a hotspot card (the owning department's officers and the director) ---
    op(
        "insights: a hotspot card",
        "GET",
        lambda w: f"/insights/hotspots/{w['hotspot']}/",
        E(NOT_FOUND, anonymous=LOGIN, officer=OK, supervisor=OK, admin=OK),
        forged=lambda w: "/insights/hotspots/999999/",
    ),
    # --- the citizen's own 12345, assisted handling, benefits, the call-back rating ---
    op(
        "12345: the tracking page of a portal request (its filer; a tracking code otherwise)",
        "GET",
        lambda w: f"/12345/track/{w['portal_order']}/",
        E(NOT_FOUND, owner=OK),
        forged=lambda w: f"/12345/track/{FORGED_NUMBER}/",
    ),
    op(
        "accounts: revoke a delegation (the person, or the helper giving it up)",
        "POST",
        lambda w: f"/accounts/delegations/{w['delegation']}/revoke/",
        E(NOT_FOUND, anonymous=LOGIN, owner=REDIRECT, other_citizen=REDIRECT),
        forged=lambda w: f"/accounts/delegations/{FORGED_UUID}/revoke/",
        effect=_delegation_state,
    ),
    op(
        "benefits: one of my offers",
        "GET",
        lambda w: f"/me/benefits/{w['offer']}/",
        E(NOT_FOUND, anonymous=LOGIN, owner=OK),
        forged=lambda w: "/me/benefits/999999/",
    ),
    op(
        "benefits: confirm my offer (the holder only)",
        "POST",
        lambda w: f"/me/benefits/{w['offer']}/confirm/",
        E(NOT_FOUND, anonymous=LOGIN, owner=REDIRECT),
        forged=lambda w: "/me/benefits/999999/confirm/",
        effect=_offer_state,
    ),
    op(
        "benefits: decline my offer (the holder only)",
        "POST",
        lambda w: f"/me/benefits/{w['offer']}/decline/",
        E(NOT_FOUND, anonymous=LOGIN, owner=REDIRECT),
        forged=lambda w: "/me/benefits/999999/decline/",
        effect=_offer_state,
    ),
    op(
        "benefits: record a payment (officers of the paying department; the holder and the "
        "supervisor see the offer but may not pay it)",
        "POST",
        lambda w: f"/benefits/console/offers/{w['offer']}/payment/",
        E(NOT_FOUND, anonymous=LOGIN, owner=FORBIDDEN, supervisor=FORBIDDEN),
        actors=(),
        viewers=("owner", "supervisor"),
        forged=lambda w: "/benefits/console/offers/999999/payment/",
        data=lambda w: {"reference": "MATRIX-1"},
        effect=_offer_state,
    ),
    op(
        "API: record a benefit's payment (as the console's button)",
        "POST",
        lambda w: f"/api/v1/benefits/offers/{w['offer']}/payment",
        E(NOT_FOUND, anonymous=UNAUTHORISED, owner=FORBIDDEN, supervisor=FORBIDDEN),
        actors=(),
        viewers=("owner", "supervisor"),
        forged=lambda w: "/api/v1/benefits/offers/999999/payment",
        json=lambda w: {"reference": "MATRIX-1"},
        effect=_offer_state,
    ),
    op(
        "reviews: the rating heard at the call-back (the region's agents and supervisors)",
        "POST",
        lambda w: f"/reviews/callback/{w['callback']}/",
        E(NOT_FOUND, anonymous=LOGIN, agent=REDIRECT, supervisor=REDIRECT),
        forged=lambda w: f"/reviews/callback/{FORGED_UUID}/",
        data=lambda w: {"level": "5", "text": "", "idempotency_key": "matrix-callback"},
        effect=_callback_state,
    ),
    op(
        "admin: an authenticator device (superusers only)",
        "GET",
        _admin_url("otp_totp", "totpdevice", "device"),
        E(LOGIN, admin=FORBIDDEN, admin_other=FORBIDDEN),
        forged=_admin_forged("otp_totp", "totpdevice", "999999"),
    ),
]

# URL patterns with a parameter that are public by design, each with its reason.
PUBLIC: dict[str, str] = {
    "api/v1/items/<code>": "the public catalogue",
    "api/v1/scenarios/<slug>": "the public catalogue",
    "api/v1/scenarios/<slug>/burden": "the public catalogue (a bundle's figures)",
    "api/v1/knowledge/articles/<slug>": "published knowledge articles",
    "api/v1/ledger/entries/<index>": "the public transparency log (entries hold commitments only)",
    "api/v1/credentials/status/<key>": "the public revocation status lists (bitstrings)",
    "ledger/^tile/entries/": "the public transparency log as C2SP tiles",
    "ledger/^tile/(?P<level>": "the public transparency log as C2SP tiles",
    "federation/v1/witness/^(?P<origin_hash>": "a witness's public cosigned checkpoints",
    "open311/v2/^services/": "Open311 service definitions (public)",
    "open311/v2/^requests/": "Open311 reads: public by GeoReport v2; the text only for services "
    "marked public, the contact never (tests/open311/test_views.py)",
    "open311/v2/^tokens/": "Open311: a client's own token → request id (tests/open311)",
    "open311/v2/^discovery": "a response format only (xml or json), no object",
    "open311/v2/^services\\.": "a response format only (xml or json), no object",
    "open311/v2/^requests\\.": "a response format only; the list: as the request reads",
    "apply/scenario/<slug:slug>/": "starts the signed-in person's own draft of a public bundle",
    "apply/item/<str:code>/": "starts the signed-in person's own draft of a public item",
    "apply/remote/<str:region>/<str:code>/": "starts the signed-in person's own draft of "
    "another region's public item",
    "items/<str:code>/": "the public catalogue",
    "scenarios/<slug:slug>/": "the public catalogue",
    "scenarios/<slug:slug>/prefill/": "the signed-in person's own data for a public bundle",
    "departments/<str:code>/": "the public directory of departments",
    "knowledge/<slug:slug>/": "published knowledge articles",
    "queue/ticket/<str:token>/sms": "a bearer link (the ticket page, in the matrix) texting the "
    "number the walk-in typed: tests/org/test_queue.py",
    "me/data/consents/": "",  # placeholder removed below (kept out of PUBLIC)
    "federation/network/peers/<str:region>/": "node operations on peers (public "
    "configuration, no personal data): the same gate as `allow`, in the matrix",
    "federation/network/outbox/<uuid:pk>/discard/": "the same gate as `retry`, in the matrix",
    "window/remote/<str:region>/<str:code>/": "a peer's public catalogue item, on the window "
    "console's gate (clerks only; tests/cases/test_forwarding_window.py)",
}
PUBLIC.pop("me/data/consents/")

# Admin models without personal or regional data: reference and configuration.
ADMIN_PUBLIC: dict[str, str] = {
    "auth.group": "permission groups",
    "core.calendaryear": "the official calendar",
    "core.calendarday": "the official calendar",
    "org.region": "reference data",
    "org.departmentkind": "reference data",
    "org.department": "the public directory",
    "org.servicecentre": "the public directory",
    "org.window": "the public directory",
    "catalog.item": "the public catalogue",
    "catalog.scenario": "the public catalogue",
    "cases.itemprocess": "configuration",
    "credentials.licencetype": "reference data",
    "hotline.timelimitclass": "reference data",
    "hotline.category": "reference data",
    "knowledge.article": "published knowledge (drafts are staff-only)",
    "ledger.entry": "the public transparency log",
    "ledger.checkpoint": "the public transparency log",
    "ledger.cosignature": "the public transparency log",
    "open311.apiclient": "API clients (no citizen data)",
    "open311.publicservice": "configuration",
    "sharing.dataset": "reference data",
    "sharing.datasetsource": "scoped by sharing.policies (tests/sharing/test_admin.py)",
    "workflow.processdefinition": "published process definitions",
    "reviews.dailystat": "aggregates only (the public figures)",
}


# --- the world ----------------------------------------------------------------------------


def _client(w: W, role: str) -> Client:
    user = w["users"][role]
    return factories.login(user) if user is not None else Client(HTTP_ACCEPT_LANGUAGE="en")


def _answer(response: Any) -> str:
    if response.status_code in (301, 302, 303):
        where = response.get("Location", "")
        if "/accounts/login/" in where or "/admin/login/" in where:
            return LOGIN
        if where.rstrip("/").endswith("/admin"):
            return GONE
        return REDIRECT
    return str(response.status_code)


def _call(w: W, role: str, row: Op, url: str) -> Any:
    client = _client(w, role)
    kwargs: dict[str, Any] = dict(row.headers)
    if row.json is not None:
        kwargs.update(data=row.json(w), content_type="application/json")
    elif row.data is not None:
        kwargs["data"] = row.data(w)
    return getattr(client, row.method.lower())(url, **kwargs)


CELLS = [pytest.param(row, role, id=f"{row.name} | {role}") for row in MATRIX for role in ROLES]


@pytest.mark.parametrize(("row", "role"), CELLS)
def test_cell(the_world: W, row: Op, role: str) -> None:
    w = the_world
    expected = row.expect[role]
    before = row.effect(w) if row.effect is not None else None

    answer = _answer(_call(w, role, row, row.url(w)))

    assert answer == expected, f"{row.name}: {role} got {answer}, expected {expected}"
    if row.effect is not None and not row.may_change(role):
        assert row.effect(w) == before, f"{row.name}: {role} changed the object"
    if row.forged is not None and not row.may_see(role):
        forged = _answer(_call(w, role, row, row.forged(w)))
        assert forged == answer, (
            f"{row.name}: {role} gets {answer} on the real object but {forged} on a "
            "forged one: the refusal tells that it exists"
        )


# --- nothing escapes the matrix -------------------------------------------------------------


def _routes(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    out: list[str] = []
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route == "admin/":
                continue  # the admin's pages: per registered model, below
            out.extend(_routes(pattern, route))
        elif isinstance(pattern, URLPattern):
            out.append(route)
    return out


def _takes_an_object(route: str) -> bool:
    return "<" in route or "(?P<" in route


def _covered_routes(w: W) -> set[str]:
    return {resolve(row.url(w).split("?")[0]).route for row in MATRIX}


def _public(route: str) -> bool:
    return any(route.startswith(key) for key in PUBLIC)


def test_every_object_url_is_in_the_matrix(the_world: W) -> None:
    covered = _covered_routes(the_world)
    missing = sorted(
        route
        for route in set(_routes())
        if _takes_an_object(route) and route not in covered and not _public(route)
    )
    assert missing == [], f"object URLs in neither the matrix nor PUBLIC: {missing}"
    # and PUBLIC names only routes that exist
    stale = [key for key in PUBLIC if not any(r.startswith(key) for r in _routes())]
    assert stale == []


def test_every_admin_model_is_in_the_matrix() -> None:
    in_matrix = set()
    for row in MATRIX:
        if row.name.startswith("admin:"):
            probe = row.url(_Anything())
            app, model = probe.split("/")[2:4]
            in_matrix.add(f"{app}.{model}")
    registered = {
        f"{model._meta.app_label}.{model._meta.model_name}" for model in admin.site._registry
    }
    missing = sorted(registered - in_matrix - set(ADMIN_PUBLIC))
    assert missing == [], f"admin models in neither the matrix nor ADMIN_PUBLIC: {missing}"


class _Anything(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "1"


def test_the_matrix_is_complete() -> None:
    """Every row answers for every role, in the answers this page knows."""
    known = {OK, REDIRECT, LOGIN, UNAUTHORISED, FORBIDDEN, NOT_FOUND, GONE, "201", "400", "409"}
    for row in MATRIX:
        assert set(row.expect) == set(ROLES), row.name
        assert set(row.expect.values()) <= known, row.name
    assert len(MATRIX) * len(ROLES) == len(CELLS)
    uuid.UUID(FORGED_UUID)
