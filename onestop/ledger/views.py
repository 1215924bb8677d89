"""The log as C2SP tlog-tiles at the node's root (`/ledger/`): the checkpoint, hash tiles and
entry bundles, static resources any tlog-tiles client can verify and compute proofs from.
See docs/ledger.md, "Tiles"."""

from __future__ import annotations

import gzip

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from onestop.core.errors import NotFound
from onestop.ledger import selectors, services, tiles, witness

IMMUTABLE = "public, max-age=31536000, immutable"
PARTIAL = "public, max-age=60"  # a partial tile is replaced by its full tile as the log grows
CHECKPOINT = "public, max-age=5, must-revalidate"  # the spec: no caching beyond a few seconds
OCTETS = "application/octet-stream"
GZIP_FROM = 512  # bytes; smaller bodies are sent as they are


def _width(partial: str | None) -> int:
    if partial is None:
        return tiles.WIDTH
    return int(partial)


def _index(path: str) -> int:
    try:
        return tiles.parse_index(path)
    except ValueError:
        raise Http404(_("There is no such tile.")) from None


def _tile_response(request: HttpRequest, body: bytes, width: int) -> HttpResponse:
    response = HttpResponse(content_type=OCTETS)
    response["Cache-Control"] = IMMUTABLE if width == tiles.WIDTH else PARTIAL
    response["Vary"] = "Accept-Encoding"
    if len(body) >= GZIP_FROM and "gzip" in request.headers.get("Accept-Encoding", ""):
        body = gzip.compress(body, compresslevel=6, mtime=0)
        response["Content-Encoding"] = "gzip"
    response.content = body
    return response


@require_safe
def checkpoint(request: HttpRequest) -> HttpResponse:
    """``<prefix>/checkpoint``: the signed note of the current tree and its cosignatures (the
    same text as ``/api/v1/ledger/checkpoint``)."""
    published = services.checkpoint_publish()
    body = selectors.checkpoint_cosigned_note(checkpoint=published)
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = CHECKPOINT
    return response


@require_safe
def hash_tile(
    request: HttpRequest, level: str, path: str, partial: str | None = None
) -> HttpResponse:
    """``<prefix>/tile/<L>/<N>[.p/<W>]``."""
    width = _width(partial)
    try:
        body = selectors.hash_tile(level=int(level), index=_index(path), width=width)
    except NotFound as exc:
        raise Http404(str(exc)) from None
    return _tile_response(request, body, width)


@require_safe
def entry_bundle(request: HttpRequest, path: str, partial: str | None = None) -> HttpResponse:
    """``<prefix>/tile/entries/<N>[.p/<W>]``."""
    width = _width(partial)
    try:
        body = selectors.entry_bundle(index=_index(path), width=width)
    except NotFound as exc:
        raise Http404(str(exc)) from None
    return _tile_response(request, body, width)


# --- the witness (c2sp.org/tlog-witness), mounted at /federation/v1/witness/ -------------------


@csrf_exempt  # no session, no cookie: the checkpoint's signature is the protocol's authentication
@require_POST
def add_checkpoint(request: HttpRequest) -> HttpResponse:
    """``POST <prefix>/add-checkpoint``: check a log's checkpoint and answer with our
    cosignature, or with the status the protocol names for the refusal."""
    length = int(request.headers.get("Content-Length") or 0)
    if length > witness.MAX_BODY:
        return HttpResponse(
            "the request body is too large\n", status=413, content_type="text/plain"
        )
    answer = services.checkpoint_witness(body=request.body)
    return HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)


@require_safe
def witnessed_checkpoint(request: HttpRequest, origin_hash: str) -> HttpResponse:
    """``GET <prefix>/<origin hash>/checkpoint``: the latest checkpoint this witness cosigned for
    that log, with the log's signature and ours (the monitoring resource of the protocol)."""
    try:
        body = selectors.witnessed_log_checkpoint(origin_hash=origin_hash)
    except NotFound as exc:
        raise Http404(str(exc)) from None
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = CHECKPOINT
    return response
