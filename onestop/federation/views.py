"""HTTP endpoints of the federation: the public node document, the signed message endpoint
(the one CSRF-exempt POST: peers authenticate by signature, not by session), and the staff
network screen of the region administrators. Thin views."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from onestop.core.errors import DomainError
from onestop.core.urls import absolute
from onestop.federation import node, policies, selectors, services, signing
from onestop.web.views import forbidden

DOCUMENT_MAX_AGE = 300


@require_GET
def node_document(request: HttpRequest) -> HttpResponse:
    """``GET /.well-known/onestop-node.json``: public, cacheable for five minutes."""
    doc = node.document(selectors.key_endorsements())
    response = HttpResponse(
        json.dumps(doc, ensure_ascii=False, indent=1), content_type="application/json"
    )
    response["Cache-Control"] = f"public, max-age={DOCUMENT_MAX_AGE}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@csrf_exempt
def messages_inbox(request: HttpRequest) -> HttpResponse:
    """``POST /federation/v1/messages``: one signed envelope in, one signed answer out.

    The ``@target-uri`` a signature covers is this node's `PUBLIC_URL` and the path, never
    the Host header the request came with."""
    if request.method != "POST":
        response = HttpResponse(
            json.dumps({"code": "method_not_allowed", "message": "POST only."}),
            status=405,
            content_type="application/json",
        )
        response["Allow"] = "POST"
        return response
    incoming = signing.Request(
        "POST", absolute(request.get_full_path()), signing.headers_of(request.headers)
    )
    received = services.inbox_receive(request=incoming, body=request.body)
    body = json.dumps(received.body, ensure_ascii=False).encode()
    response = HttpResponse(body, status=received.status, content_type="application/json")
    if received.signer is not None:
        answer = signing.Response(received.status, signing.headers_of({}), incoming)
        keyid, _kid, private_key = node.signing_key()
        signing.sign_response(answer, body, keyid=keyid, private_key=private_key)
        for name in ("Content-Digest", "Signature-Input", "Signature"):
            response[name] = answer.headers[name]
    return response


# --- the network screen ----------------------------------------------------------------------


def _denied(request: HttpRequest) -> HttpResponse | None:
    if not policies.can(request.user, policies.Action.NETWORK_VIEW):
        return forbidden(request, _("Only administrators of this node's region see its network."))
    return None


def _back() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("federation:network"))


@login_required
def network(request: HttpRequest) -> HttpResponse:
    """Peers and their health, outbox depth per peer, dead letters, messages per type and day."""
    refused = _denied(request)
    if refused:
        return refused
    depths = selectors.outbox_depths()
    peers = [{"peer": p, "depth": depths.get(p.region, 0)} for p in selectors.peer_list()]
    context: dict[str, Any] = {
        "peers": peers,
        "dead": list(selectors.dead_letters()),
        "counts": selectors.message_counts(),
        "fingerprint": node.fingerprint(),
        "now": timezone.now(),
    }
    return render(request, "federation/network.html", context)


def _act(request: HttpRequest, action: Any, success: str) -> HttpResponse:
    refused = _denied(request)
    if refused:
        return refused
    try:
        action()
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, success)
    return _back()


def _peer(region: str) -> Any:
    peer = selectors.peer_get(region)
    if peer is None:
        raise DomainError(_("There is no peer for region %(region)s.") % {"region": region})
    return peer


@login_required
@require_POST
def peer_add(request: HttpRequest) -> HttpResponse:
    return _act(
        request,
        lambda: services.peer_add(
            actor=request.user,
            url=request.POST.get("url", ""),
            fingerprint=request.POST.get("fingerprint", ""),
        ),
        _("The peer is added and its keys are pinned."),
    )


@login_required
@require_POST
def peer_allow(request: HttpRequest, region: str) -> HttpResponse:
    post = request.POST
    return _act(
        request,
        lambda: services.peer_allow(
            actor=request.user,
            peer=_peer(region),
            in_types=post.get("in_types", ""),
            out_types=post.get("out_types", ""),
            in_datasets=post.get("in_datasets", ""),
            out_datasets=post.get("out_datasets", ""),
        ),
        _("What the peer may exchange is saved."),
    )


@login_required
@require_POST
def peer_remove(request: HttpRequest, region: str) -> HttpResponse:
    return _act(
        request,
        lambda: services.peer_remove(actor=request.user, region=region),
        _("The peer is removed."),
    )


@login_required
@require_POST
def peer_refresh(request: HttpRequest, region: str) -> HttpResponse:
    return _act(
        request,
        lambda: services.peer_refresh(actor=request.user, peer=_peer(region)),
        _("The peer's node document is read again."),
    )


@login_required
@require_POST
def peer_ping(request: HttpRequest, region: str) -> HttpResponse:
    refused = _denied(request)
    if refused:
        return refused
    try:
        result = services.peer_ping(actor=request.user, peer=_peer(region))
    except DomainError as error:
        messages.error(request, str(error.message))
        return _back()
    if result["ok"]:
        messages.success(
            request,
            _("The peer answered in %(ms)d ms.") % {"ms": result["round_trip_ms"]},
        )
    else:
        messages.error(
            request, _("The peer did not answer: %(error)s") % {"error": result["error"]}
        )
    return _back()


@login_required
@require_POST
def outbox_retry(request: HttpRequest, pk: str) -> HttpResponse:
    return _act(
        request,
        lambda: services.outbox_retry(actor=request.user, message_id=pk),
        _("The message is queued again."),
    )


@login_required
@require_POST
def outbox_discard(request: HttpRequest, pk: str) -> HttpResponse:
    return _act(
        request,
        lambda: services.outbox_discard(actor=request.user, message_id=pk),
        _("The message is discarded."),
    )
