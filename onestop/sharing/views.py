"""Pages of `sharing`: the citizen's data tracker (who fetched my data, with a ledger proof for
each access), consent forms, and the staff list of their department's accesses. Thin views."""

from __future__ import annotations

import json
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onestop.core.errors import DomainError, NotFound, PermissionDenied
from onestop.ledger import conf as ledger_conf
from onestop.ledger import merkle, note
from onestop.ledger import selectors as ledger_selectors
from onestop.ledger import services as ledger_services
from onestop.ledger.canonical import leaf_data
from onestop.sharing import selectors, services, tracker
from onestop.sharing.models import Purpose

PER_PAGE = 50


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    """The data tracker: every access to the signed-in person's data, and their consents."""
    try:
        records = selectors.access_record_list_for_subject(actor=request.user)
        consents = list(selectors.consent_list(actor=request.user))
    except PermissionDenied as error:
        return render(request, "sharing/not_subject.html", {"message": error.message}, status=403)
    page = Paginator(records, PER_PAGE).get_page(request.GET.get("page"))
    active = {(c.dataset_id, c.purpose) for c in consents if c.withdrawn_at is None}
    witnessed = ledger_selectors.latest_witnessed()
    rows = tracker.rows(list(page.object_list), request=request)
    for row in rows:  # an entry is witnessed once a witnessed checkpoint covers its index
        index = row.record.log_index
        row.witnessed = witnessed is not None and index is not None and index < witnessed.size
    context = {
        "page": page,
        "rows": rows,
        "witnessed": witnessed,
        "witnesses": len(ledger_selectors.witness_list()),
        "quorum": ledger_conf.witness_quorum(),
        "consents": consents,
        "consent_datasets": list(selectors.consent_datasets()),
        "purposes": Purpose.choices,
        "active": active,
        "tree_size": ledger_selectors.tree_size(),
    }
    return render(request, "sharing/my_data.html", context)


def _back(request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("sharing:my_data") + "#consents")


@login_required
@require_POST
def consent_grant(request: HttpRequest) -> HttpResponse:
    try:
        services.consent_grant(
            actor=request.user,
            dataset=request.POST.get("dataset", ""),
            purpose=request.POST.get("purpose", ""),
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Your consent is recorded. You can withdraw it at any time."))
    return _back(request)


@login_required
@require_POST
def consent_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.consent_withdraw(actor=request.user, consent_id=pk)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Your consent is withdrawn. Later requests will be refused."))
    return _back(request)


@login_required
def access_proof(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """One access record about the signed-in person with everything needed to check, without
    trusting this node, that it is in the signed log: the committed fields and salt, the leaf,
    the inclusion proof and the signed checkpoint."""
    try:
        record = selectors.access_record_get(actor=request.user, record_id=pk)
    except (NotFound, PermissionDenied):
        raise Http404(_("There is no such access record about you.")) from None
    if record.log_index is None:  # pragma: no cover - every record is logged when written
        raise Http404(_("This access record is not in the log."))
    checkpoint = ledger_services.checkpoint_publish()
    payload = {"record": str(record.id), "commitment": record.commitment}
    leaf = merkle.leaf_hash(leaf_data("sharing.access", payload))
    proof = ledger_selectors.inclusion_proof(index=record.log_index, size=checkpoint.size)
    merkle.verify_inclusion(
        record.log_index, checkpoint.size, leaf, proof, bytes(checkpoint.root_hash)
    )
    bundle = {
        "record": services.access_body(record),
        "salt": record.salt,
        "commitment": record.commitment,
        "entry": {"kind": "sharing.access", "payload": payload},
        "index": record.log_index,
        "size": checkpoint.size,
        "leaf_hash": note.b64(leaf),
        "root_hash": note.b64(bytes(checkpoint.root_hash)),
        "hashes": [note.b64(h) for h in proof],
    }
    context = {
        "record": record,
        "row": tracker.rows([record], request=request)[0],
        "bundle": json.dumps(bundle, ensure_ascii=False, indent=2),
        "checkpoint": ledger_selectors.checkpoint_cosigned_note(checkpoint=checkpoint),
        "api_proof": reverse("api:inclusion") + f"?index={record.log_index}&size={checkpoint.size}",
    }
    return render(request, "sharing/access_proof.html", context)


@login_required
def department_accesses(request: HttpRequest) -> HttpResponse:
    """Staff: the accesses made by their own departments (none for anyone else)."""
    records = selectors.access_record_list_for_departments(actor=request.user)
    page = Paginator(records, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "sharing/department_accesses.html",
        {
            "page": page,
            "rows": tracker.rows(list(page.object_list), request=request, subject=False),
        },
    )
