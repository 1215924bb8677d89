"""Public read API of the log (/api/v1/ledger). Hashes are base64; see docs/ledger.md."""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router

from onestop.core import keys
from onestop.core.errors import ValidationFailed
from onestop.ledger import conf, note, selectors, services
from onestop.ledger.models import Entry
from onestop.ledger.schemas import ConsistencyProofOut, EntryOut, InclusionProofOut, KeyOut

router = Router(tags=["ledger"])

_WHOLE = re.compile(r"^[0-9]{1,19}$")


def _whole(value: str | None, name: str) -> int:
    """Parse a non-negative integer parameter; anything else is a 400 with the error shape."""
    if value is None or not _WHOLE.match(value):
        raise ValidationFailed(
            _("The parameter %(name)s must be a whole number.") % {"name": name},
            details={name: value},
        )
    return int(value)


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
def entry(request: HttpRequest, index: str) -> Entry:
    return selectors.entry_get(index=_whole(index, "index"))


@router.get("/proof/inclusion", response=InclusionProofOut, summary="Inclusion proof")
def inclusion(
    request: HttpRequest, index: str | None = None, size: str | None = None
) -> dict[str, object]:
    found = selectors.inclusion(index=_whole(index, "index"), size=_whole(size, "size"))
    return {
        "index": found.index,
        "size": found.size,
        "leaf_hash": note.b64(found.leaf_hash),
        "root_hash": note.b64(found.root_hash),
        "hashes": [note.b64(h) for h in found.hashes],
    }


@router.get("/proof/consistency", response=ConsistencyProofOut, summary="Consistency proof")
def consistency(
    request: HttpRequest, first: str | None = None, second: str | None = None
) -> dict[str, object]:
    found = selectors.consistency(first=_whole(first, "first"), second=_whole(second, "second"))
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
    _witness_kid, witness_key = keys.current_signing_key("witness")
    witness = note.Verifier(conf.witness_name(), witness_key.public_key(), note.SIG_COSIGNATURE_V1)
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
