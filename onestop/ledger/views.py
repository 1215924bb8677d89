"""The log as C2SP tlog-tiles at the node's root (`/ledger/`): the checkpoint, hash tiles and
entry bundles, static resources any tlog-tiles client can verify and compute proofs from.
See docs/ledger.md, "Tiles"."""

from __future__ import annotations

import gzip

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from onestop.core.errors import NotFound
from onestop.ledger import selectors, services, tiles

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
