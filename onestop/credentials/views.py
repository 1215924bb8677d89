"""Pages of the e-licences: public verification, the citizen's wallet (page, PDF) and the
issuing department's list with revocation. Views parse, call one service or selector, render."""

from __future__ import annotations

import contextlib
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from onestop.core import dates, urls
from onestop.core.errors import DomainError, NotFound
from onestop.credentials import claims, pdf, policies, qr, selectors, services
from onestop.credentials.models import Credential
from onestop.org import selectors as org_selectors
from onestop.web.views import forbidden

MAX_TOKEN_CHARS = 20_000


@require_GET
def verify_page(request: HttpRequest) -> HttpResponse:
    """Anyone may verify: paste a token, or arrive from a QR code with ``?t=<token>``."""
    token = request.GET.get("t")
    context: dict[str, Any] = {"token": (token or "")[:MAX_TOKEN_CHARS]}
    if token is not None:
        if token.strip():
            context["result"] = _localised(
                selectors.credential_verify(token=token[:MAX_TOKEN_CHARS])
            )
        else:
            context["empty"] = True
    return render(request, "credentials/verify.html", context)


@require_GET
def verify_reference(request: HttpRequest, ref: str) -> HttpResponse:
    """Where an e-licence's QR code leads: the verification of the credential it names, as if
    its full token had been pasted."""
    try:
        credential = selectors.credential_by_reference(ref=ref)
    except NotFound as error:
        raise Http404(str(error.message)) from None
    context = {
        "token": credential.token,
        "result": _localised(selectors.credential_verify(token=credential.token)),
    }
    response = render(request, "credentials/verify.html", context)
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _localised(result: Any) -> Any:
    """The issuer named in the reader's language when it is one of this node's departments
    (a peer's keeps the name it signed with), as on the wallet page and the PDF."""
    summary = result.credential
    if isinstance(summary, dict) and summary.get("issuer_department"):
        with contextlib.suppress(NotFound):
            department = org_selectors.department_get(code=summary["issuer_department"])
            summary["issuer_name"] = department.name or summary.get("issuer_name", "")
    return result


@require_GET
def jwks_well_known(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(selectors.node_jwks())
    response["Cache-Control"] = "public, max-age=300"
    return response


def _state(credential: Credential) -> str:
    return selectors.credential_state(credential)


@login_required
@require_GET
def wallet(request: HttpRequest) -> HttpResponse:
    credentials = [
        (credential, _state(credential))
        for credential in selectors.wallet_list(holder=request.user)
    ]
    peer = list(selectors.wallet_peer_list(holder=request.user))
    return render(
        request, "credentials/wallet.html", {"credentials": credentials, "peer_credentials": peer}
    )


def _own(request: HttpRequest, credential_id: Any) -> Credential:
    try:
        return selectors.wallet_get(actor=request.user, id=credential_id)
    except NotFound as error:
        raise Http404(str(error.message)) from None


def _reference_url(credential: Credential) -> str:
    ref = qr.reference(credential.pk)
    return urls.absolute(reverse("credentials:verify_ref", kwargs={"ref": ref}))


def _qr_for(request: HttpRequest, credential: Credential) -> Any:
    """The short reference, not the ~2,500-character token: a camera reads it at arm's length."""
    return qr.short(_reference_url(credential))


@login_required
@require_GET
def wallet_detail(request: HttpRequest, credential_id: str) -> HttpResponse:
    credential = _own(request, credential_id)
    code = _qr_for(request, credential)
    document = selectors.credential_document(credential=credential)
    context = {
        "credential": credential,
        "issuer_name": _issuer_name(credential, document),
        "state": _state(credential),
        "qr_uri": qr.data_uri(code),
        "verify_link": _reference_url(credential),
        "subject_rows": claims.claim_rows(credential.subject),
        "document": document,
    }
    return render(request, "credentials/wallet_detail.html", context)


def _issuer_name(credential: Any, document: dict[str, Any]) -> str:
    """The issuing department by its name in the reader's language when it is ours (a peer's
    licence keeps the name it was signed with): the same on the page as on the PDF."""
    issuer = str(document["issuer"]["name"])
    with contextlib.suppress(NotFound):
        issuer = org_selectors.department_get(code=credential.issuer_department).name or issuer
    return issuer


@login_required
@require_GET
def wallet_pdf(request: HttpRequest, credential_id: str) -> HttpResponse:
    credential = _own(request, credential_id)
    issuer = _issuer_name(credential, selectors.credential_document(credential=credential))
    rows: list[tuple[str, Any]] = [
        (_("Licence number"), credential.number),
        (_("Holder"), credential.holder.organisation_name or credential.holder.real_name),
        (_("Issued by"), issuer),
        (_("Valid from"), dates.date_text(credential.valid_from)),
        (
            _("Valid until"),
            dates.date_text(credential.valid_until) if credential.valid_until else _("No end date"),
        ),
        *claims.claim_rows(credential.subject),
    ]
    body = pdf.licence_pdf(
        rows=rows,
        title=credential.licence_type.name,
        code=_qr_for(request, credential),
        author=str(issuer),
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="e-licence-{credential.id}.pdf"'
    return response


def _issued_page(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    credentials = [
        (credential, _state(credential)) for credential in selectors.issued_list(actor=request.user)
    ]
    return render(
        request,
        "credentials/issued.html",
        {"credentials": credentials, "error": error},
        status=status,
    )


@login_required
@require_GET
def issued(request: HttpRequest) -> HttpResponse:
    if not policies.can(request.user, policies.Action.ISSUED_VIEW, None):
        return forbidden(
            request,
            _("Only officers of an issuing department and administrators see issued e-licences."),
        )
    return _issued_page(request)


@login_required
@require_POST
def revoke(request: HttpRequest, credential_id: str) -> HttpResponse:
    try:
        credential = selectors.credential_get(actor=request.user, id=credential_id)
        services.credential_revoke(
            actor=request.user, credential=credential, reason=request.POST.get("reason", "")
        )
    except DomainError as error:
        return _issued_page(request, error=str(error.message), status=error.status)
    return redirect(f"{reverse('credentials:issued')}?revoked={credential.id}")
