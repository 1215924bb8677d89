"""Public API of the e-licences (/api/v1/credentials): keys, status lists, verification."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router

from onestop.core.errors import ValidationFailed
from onestop.credentials import selectors, vc
from onestop.credentials.schemas import JwksOut, VerifyIn, VerifyOut

router = Router(tags=["credentials"])


@router.get("/jwks", response=JwksOut, summary="The node's public keys (JWKS)")
def jwks(request: HttpRequest) -> dict[str, Any]:
    """Every Ed25519 key this node has signed with, current and rotated, by `kid`."""
    return selectors.node_jwks()


@router.get(
    "/status/{key}",
    summary="Bitstring status list (revocation)",
    openapi_extra={
        "responses": {
            200: {
                "description": "A BitstringStatusListCredential secured as vc+jwt.",
                "content": {vc.MEDIA_TYPE: {"schema": {"type": "string"}}},
            }
        }
    },
)
def status_list(request: HttpRequest, key: str) -> HttpResponse:
    token = selectors.status_list_token(key=key)
    response = HttpResponse(token, content_type=vc.MEDIA_TYPE)
    response["Cache-Control"] = "public, max-age=300"
    return response


@router.post(
    "/verify",
    response=VerifyOut,
    summary="Verify an e-licence",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": VerifyIn.model_json_schema()}},
        }
    },
)
def verify(request: HttpRequest) -> dict[str, Any]:
    """200 with `valid: false` and the reasons for a bad credential; 400 only when the body
    is not a JSON object with a string `token`."""
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("token"), str):
        raise ValidationFailed(
            _('Send a JSON object with the credential in "token".'), code="invalid_body"
        )
    result = selectors.credential_verify(token=body["token"])
    return {
        "valid": result.valid,
        "errors": result.errors,
        "codes": result.codes,
        "credential": result.credential or None,
    }
