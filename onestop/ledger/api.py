"""Public read API of the log (/api/v1/ledger). Hashes are base64; see docs/ledger.md."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Path, Query, Router

from onestop.core import keys
from onestop.ledger import conf, note, selectors, services
from onestop.ledger.models import Entry
from onestop.ledger.schemas import (
    ConsistencyProofOut,
    EntryOut,
    InclusionProofOut,
    KeyOut,
    WitnessingOut,
)

router = Router(tags=["ledger"])

# The largest tree size or index a request may name (the JSON number range every client reads).
MAX_SIZE = 2**53 - 1


@router.get(
    "/checkpoint",
    summary="Latest signed checkpoint",
    openapi_extra={
        "responses": {
            200: {
                "description": "A C2SP signed note (tlog-checkpoint).",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            }
        }
    },
)
def checkpoint(request: HttpRequest) -> HttpResponse:
    """The C2SP tlog-checkpoint of the current tree as a signed note (text/plain), followed by
    any witness cosignatures received for it."""
    published = services.checkpoint_publish()
    body = selectors.checkpoint_cosigned_note(checkpoint=published)
    return HttpResponse(body, content_type="text/plain; charset=utf-8")


@router.get("/entries/{index}", response=EntryOut, summary="One log entry")
def entry(request: HttpRequest, index: int = Path(..., ge=0, le=MAX_SIZE)) -> Entry:
    return selectors.entry_get(index=index)


@router.get("/proof/inclusion", response=InclusionProofOut, summary="Inclusion proof")
def inclusion(
    request: HttpRequest,
    index: int = Query(..., ge=0, le=MAX_SIZE),
    size: int = Query(..., ge=1, le=MAX_SIZE),
) -> dict[str, object]:
    """The proof that entry `index` is in the tree of `size` entries (`index` < `size`, and
    `size` at most the log's: otherwise 400)."""
    found = selectors.inclusion(index=index, size=size)
    return {
        "index": found.index,
        "size": found.size,
        "leaf_hash": note.b64(found.leaf_hash),
        "root_hash": note.b64(found.root_hash),
        "hashes": [note.b64(h) for h in found.hashes],
    }


@router.get("/proof/consistency", response=ConsistencyProofOut, summary="Consistency proof")
def consistency(
    request: HttpRequest,
    first: int = Query(..., ge=1, le=MAX_SIZE),
    second: int = Query(..., ge=1, le=MAX_SIZE),
) -> dict[str, object]:
    """The proof that the tree of `first` entries is a prefix of the tree of `second`
    (`first` <= `second`, and `second` at most the log's size: otherwise 400)."""
    found = selectors.consistency(first=first, second=second)
    return {
        "first": found.first,
        "second": found.second,
        "first_root": note.b64(found.first_root),
        "second_root": note.b64(found.second_root),
        "hashes": [note.b64(h) for h in found.hashes],
    }


@router.get("/key", response=KeyOut, summary="The log's public key")
def key(request: HttpRequest) -> dict[str, str]:
    kid, private_key = keys.current_signing_key("ledger")
    public = private_key.public_key()
    log = note.Verifier(conf.origin(), public)
    witness = selectors.witness_verifier()
    return {
        "kid": kid,
        "algorithm": "Ed25519",
        "public_key": note.b64(note.raw_public_key(public)),
        "name": log.name,
        "key_id": log.key_id.hex(),
        "vkey": log.vkey,
        "witness_name": witness.name,
        "witness_vkey": witness.vkey,
    }


def _cosigned(found: selectors.Witnessing) -> dict[str, object]:
    return {
        "size": found.size,
        "root_hash": note.b64(found.root_hash),
        "witnessed": found.witnessed,
        "cosigned_by": found.cosigners,
    }


@router.get("/witnessing", response=WitnessingOut, summary="Which checkpoints are witnessed")
def witnessing(request: HttpRequest) -> dict[str, object]:
    """Whether the current checkpoint is witnessed (cosigned by a quorum of the witnesses this
    node submits to) and by whom, and the largest checkpoint that is."""
    current = selectors.witnessing(checkpoint=services.checkpoint_publish())
    latest = selectors.latest_witnessed()
    return {
        "quorum": current.quorum,
        "witnesses": [w.name for w in selectors.witness_list()],
        "current": _cosigned(current),
        "latest_witnessed": _cosigned(latest) if latest is not None else None,
    }
