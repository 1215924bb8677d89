"""OpenID Connect login: this node as a relying party of an identity provider (Authlib).

Why Authlib (1.9.6) rather than mozilla-django-oidc: it reads the provider's metadata from
``<OIDC_ISSUER>/.well-known/openid-configuration`` (mozilla-django-oidc wants every endpoint
configured by hand), does PKCE (S256) and the ``nonce`` by itself, checks the ID token's
signature against the provider's JWKS (fetched from ``jwks_uri``, fetched again when a key id is
unknown, so a key rotation at the provider just works) with joserfc, which the node already uses
for e-licences, and raises a distinct exception for each failure, so each gets its own
translated message. mozilla-django-oidc is an authentication backend that turns every failure
into the same redirect, and matches accounts by e-mail unless overridden.

The flow (`views_oidc`): `authorize_redirect` stores state, nonce and PKCE verifier in the
session and sends the browser to the provider; `verify` takes the provider's answer on the
callback, exchanges the code (with the verifier) for tokens, checks the ID token (signature,
issuer, audience, expiry, nonce) and returns the `VerifiedIdentity` it asserts. What the node
does with it is `services.identity_provider_sign_in`.

The ID token must carry the verified resident ID in the claim `OIDC_RESIDENT_ID_CLAIM`
(``resident_id``), the name in ``name``, and an ``acr`` among `OIDC_ACR_VALUES`. A hash of the
ID from the provider would not do: the node's blind index is keyed with the node's own secret,
so only the number itself finds the account (it is encrypted at once and never logged).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from joserfc.errors import BadSignatureError, ClaimError, JoseError
from requests import RequestException

from onestop.core import identity
from onestop.core.errors import ValidationFailed


@dataclass(frozen=True)
class VerifiedIdentity:
    """What the identity provider vouches for, from a checked ID token."""

    issuer: str
    subject: str
    name: str
    resident_id: str  # validated (GB 11643 check character); never logged, never stored clear
    acr: str


class LoginFailed(ValidationFailed):
    """The identity provider's answer was refused; `code` says why (`oidc_state`,
    `oidc_signature`, `oidc_nonce`, `oidc_token`, `oidc_denied`, `oidc_provider`,
    `oidc_no_resident_id`, `oidc_level`, `oidc_not_configured`)."""


_clients: dict[tuple[str, str, str], Any] = {}
_lock = threading.Lock()


def configured() -> bool:
    """Whether this node has an identity provider (the login page offers it only then)."""
    return bool(settings.OIDC_ISSUER and settings.OIDC_CLIENT_ID)


def _client() -> Any:
    """The Authlib client of the configured provider, one per process and configuration (it
    keeps the provider's metadata and keys once read)."""
    if not configured():
        raise LoginFailed(
            _("This node has no identity provider configured."), code="oidc_not_configured"
        )
    key = (settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET)
    with _lock:
        client = _clients.get(key)
        if client is None:
            oauth = OAuth()
            client = oauth.register(
                name="idp",
                client_id=settings.OIDC_CLIENT_ID,
                client_secret=settings.OIDC_CLIENT_SECRET,
                server_metadata_url=f"{settings.OIDC_ISSUER}/.well-known/openid-configuration",
                client_kwargs={
                    "scope": settings.OIDC_SCOPES,
                    "code_challenge_method": "S256",
                    "default_timeout": settings.OIDC_TIMEOUT_SECONDS,
                },
            )
            _clients[key] = client
    return client


def _provider_unreachable(exc: Exception) -> LoginFailed:
    return LoginFailed(
        _("The identity provider could not be reached. Try again in a few minutes."),
        code="oidc_provider",
        details={"reason": type(exc).__name__},
    )


def _metadata(client: Any) -> dict[str, Any]:
    try:
        metadata: dict[str, Any] = client.load_server_metadata()
    except (RequestException, ValueError) as exc:
        raise _provider_unreachable(exc) from exc
    # OpenID Connect Discovery 1.0 §4.3: the issuer in the metadata is the one configured.
    if metadata.get("issuer", "").rstrip("/") != settings.OIDC_ISSUER:
        raise LoginFailed(
            _("The identity provider's metadata names another issuer."), code="oidc_provider"
        )
    return metadata


def authorize_redirect(request: HttpRequest, redirect_uri: str) -> HttpResponse:
    """The redirect to the provider's authorization endpoint (state, nonce and the PKCE
    verifier kept in the session)."""
    client = _client()
    _metadata(client)
    try:
        response: HttpResponse = client.authorize_redirect(request, redirect_uri)
    except (RequestException, ValueError) as exc:
        raise _provider_unreachable(exc) from exc
    return response


def verify(request: HttpRequest) -> VerifiedIdentity:
    """Check the provider's answer on the callback and return the identity it asserts.

    Raises `LoginFailed` with a translated message for each way it can fail; nothing is
    written by this module."""
    client = _client()
    _metadata(client)
    try:
        token = client.authorize_access_token(request)
    except (OAuthError, JoseError, ValueError, RequestException) as exc:
        raise _refusal(exc) from exc
    claims = token.get("userinfo")
    if not claims:
        raise LoginFailed(
            _("The identity provider sent no ID token. Start the sign-in again."),
            code="oidc_token",
        )
    return _identity(dict(claims))


def _refusal(exc: Exception) -> LoginFailed:
    """The translated refusal of what Authlib or joserfc raised on the provider's answer."""
    again = _("Start the sign-in again.")
    if isinstance(exc, MismatchingStateError):
        message, code = (
            _(
                "This sign-in answer does not belong to your browser session (it may be old, "
                "or opened in another browser)."
            ),
            "oidc_state",
        )
    elif isinstance(exc, OAuthError) and exc.error == "access_denied":
        return LoginFailed(
            _("You cancelled the sign-in at the identity provider."), code="oidc_denied"
        )
    elif isinstance(exc, OAuthError):
        message, code = _("The identity provider refused the sign-in."), "oidc_token"
    elif isinstance(exc, BadSignatureError):
        message = _(
            "The identity provider's answer has no valid signature, so it was not accepted."
        )
        code = "oidc_signature"
    elif isinstance(exc, ClaimError) and exc.claim == "nonce":
        message = _(
            "The identity provider's answer was made for another sign-in (its nonce does not "
            "match), so it was not accepted."
        )
        code = "oidc_nonce"
    elif isinstance(exc, ClaimError):
        message = _("The identity provider's answer is not valid (%(claim)s).") % {
            "claim": exc.claim
        }
        code = "oidc_token"
    elif isinstance(exc, RequestException):
        return _provider_unreachable(exc)
    else:
        message, code = _("The identity provider's answer could not be checked."), "oidc_token"
    return LoginFailed(f"{message} {again}", code=code, details={"reason": type(exc).__name__})


def _identity(claims: dict[str, Any]) -> VerifiedIdentity:
    raw = str(claims.get(settings.OIDC_RESIDENT_ID_CLAIM) or "").strip()
    if not raw:
        raise LoginFailed(
            _(
                "The identity provider did not say whose resident ID you have, so this node "
                "cannot find your account. Sign in with your password, or have your identity "
                "checked at any service window."
            ),
            code="oidc_no_resident_id",
        )
    try:
        resident_id = identity.validate_resident_id(raw)
    except ValidationFailed as exc:
        raise LoginFailed(
            _("The identity provider sent a resident ID that is not valid."),
            code="oidc_no_resident_id",
        ) from exc
    acr = str(claims.get("acr") or "")
    if acr not in settings.OIDC_ACR_VALUES:
        raise LoginFailed(
            _(
                "The identity provider did not verify your identity at a level this node "
                "accepts. Verify your identity with the provider, or at any service window."
            ),
            code="oidc_level",
        )
    return VerifiedIdentity(
        issuer=str(claims.get("iss", "")),
        subject=str(claims.get("sub", "")),
        name=str(claims.get("name") or "").strip(),
        resident_id=resident_id,
        acr=acr,
    )
