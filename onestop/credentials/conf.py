"""Settings of the e-licences, with their defaults (none of them is required).

- ``CREDENTIALS_ISSUER``: the issuer id written into every credential. Default
  ``did:web:onestop.<NODE_REGION>.example``; a real node sets its own ``did:web:<host>`` or an
  https URL that serves the JWKS.
- ``CREDENTIALS_BASE_URL``: the public https origin of this node, used for the status list URL
  inside each credential. Default: the node's ``PUBLIC_URL`` in production mode, else
  ``https://onestop.<NODE_REGION>.example``.
"""

from __future__ import annotations

from django.conf import settings

STATUS_PATH = "/api/v1/credentials/status/"


def issuer_id() -> str:
    default = f"did:web:onestop.{settings.NODE_REGION}.example"
    return str(getattr(settings, "CREDENTIALS_ISSUER", "") or default)


def base_url() -> str:
    default = f"https://onestop.{settings.NODE_REGION}.example"
    if getattr(settings, "PRODUCTION", False):
        default = str(getattr(settings, "PUBLIC_URL", "") or default)
    return str(getattr(settings, "CREDENTIALS_BASE_URL", "") or default).rstrip("/")


def status_list_url(key: str) -> str:
    return f"{base_url()}{STATUS_PATH}{key}"


def status_list_key(url: str) -> str | None:
    """The key of this node's status list at `url`, or None when the URL is not ours."""
    prefix = f"{base_url()}{STATUS_PATH}"
    if not url.startswith(prefix):
        return None
    key = url[len(prefix) :]
    return key if key and "/" not in key else None
