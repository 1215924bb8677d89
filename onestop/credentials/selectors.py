"""Reads of `credentials`: the licence type registry (public metadata), wallets, issued
lists, the node's keys and status lists, and verification.

Contract for other apps: `wallet_licence_types(holder=)` and `wallet_list(holder=)`;
`credential_verify(token=...)` verifies a presented e-licence.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.core import keys, memo
from onestop.core.errors import NotFound
from onestop.credentials import conf, policies, vc
from onestop.credentials.models import Credential, LicenceType, PeerCredential, StatusList
from onestop.credentials.vc import VerificationResult
from onestop.federation import selectors as federation_selectors

__all__ = ["VerificationResult"]


def licence_type_list() -> QuerySet[LicenceType]:
    """Every licence type, ordered by key, with its issuer kind."""
    return LicenceType.objects.select_related("issuer_kind").order_by("key")


def licence_type_get(*, key: str) -> LicenceType:
    try:
        return LicenceType.objects.select_related("issuer_kind").get(key=key)
    except LicenceType.DoesNotExist:
        raise NotFound(
            _("There is no e-licence type with the key %(key)s.") % {"key": key},
            code="licence_type_not_found",
        ) from None


# --- wallets and issued lists -----------------------------------------------------------


def _credentials() -> QuerySet[Credential]:
    return Credential.objects.select_related("licence_type", "holder")


def wallet_list(*, holder: Any) -> QuerySet[Credential]:
    """Every e-licence issued to `holder` (revoked and expired ones too), newest first."""
    if holder is None or getattr(holder, "pk", None) is None:
        return Credential.objects.none()
    return _credentials().filter(holder_id=holder.pk).order_by("-created_at", "id")


def wallet_peer_list(*, holder: Any) -> QuerySet[PeerCredential]:
    """The e-licences peer nodes issued to `holder` (cross-province cases), newest first."""
    if holder is None or getattr(holder, "pk", None) is None:
        return PeerCredential.objects.none()
    return PeerCredential.objects.filter(holder_id=holder.pk).order_by("-received_at", "id")


def wallet_licence_types(*, holder: Any, now: datetime | None = None) -> set[str]:
    """Keys of the licence types for which `holder` has a valid e-licence now (within its
    validity, not revoked), this node's own and those peer nodes issued to them."""
    if holder is None or getattr(holder, "pk", None) is None:
        return set()
    now = now or timezone.now()
    rows = Credential.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=now),
        holder_id=holder.pk,
        revoked_at__isnull=True,
        valid_from__lte=now,
    ).values_list("licence_type_id", flat=True)
    held = set(rows)
    # e-licences a peer node issued (cross-province cases): verified through the trust list when
    # they were stored, so they count as held like this node's own while their validity lasts
    for key, token in PeerCredential.objects.filter(holder_id=holder.pk).values_list(
        "licence_type_key", "token"
    ):
        until = vc.token_valid_until(token)
        if key not in held and (until is None or until >= now):
            held.add(key)
    return held


def credential_state(credential: Credential, now: datetime | None = None) -> str:
    """``revoked``, ``expired``, ``pending`` (not valid yet) or ``valid``."""
    now = now or timezone.now()
    if credential.revoked_at is not None:
        return "revoked"
    if credential.valid_until is not None and credential.valid_until < now:
        return "expired"
    if credential.valid_from > now:
        return "pending"
    return "valid"


def credential_get(*, actor: Any, id: Any) -> Credential:
    """One e-licence, for its holder or the issuing department's staff (revocation); NotFound
    otherwise (a stranger cannot tell whether the id exists)."""
    credential = _credentials().filter(pk=id).first() if _is_uuid(id) else None
    if credential is None or not (
        policies.can(actor, policies.Action.VIEW, credential)
        or policies.can(actor, policies.Action.ISSUED_VIEW, credential)
    ):
        raise NotFound(_("There is no such e-licence."), code="credential_not_found")
    return credential


def wallet_get(*, actor: Any, id: Any) -> Credential:
    """One e-licence of `actor`'s own wallet (its page, QR and PDF): the holder only. Anyone
    else — the issuing department's staff included — gets NotFound, as for an id that does
    not exist."""
    credential = _credentials().filter(pk=id).first() if _is_uuid(id) else None
    if credential is None or not policies.can(actor, policies.Action.VIEW, credential):
        raise NotFound(_("There is no such e-licence."), code="credential_not_found")
    return credential


def credential_by_reference(*, ref: str) -> Credential:
    """The credential a QR code's short reference names (`qr.reference`): public, since the
    reference is unguessable; NotFound for anything this node did not make."""
    from onestop.credentials import qr

    credential_id = qr.reference_id(ref)
    credential = (
        _credentials().filter(pk=credential_id).first() if credential_id is not None else None
    )
    if credential is None:
        raise NotFound(_("No e-licence matches this code."), code="credential_not_found")
    return credential


def credential_document(*, credential: Credential) -> dict[str, Any]:
    """The VC document inside a credential this node issued (its stored token's payload)."""
    payload: dict[str, Any] = json.loads(vc.b64url_decode(credential.token.split(".")[1]))
    return payload


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def issued_list(*, actor: Any) -> QuerySet[Credential]:
    """The e-licences issued by the departments `actor` may revoke for, newest first."""
    departments = Credential.objects.values_list("issuer_department", flat=True).distinct()
    mine = [code for code in departments if policies.staff_of(actor, code)]
    return _credentials().filter(issuer_department__in=mine).order_by("-created_at", "id")


# --- keys and status lists --------------------------------------------------------------


def node_jwks() -> dict[str, Any]:
    """The node's public keys as a JWKS (current and rotated; OKP/Ed25519 with kid)."""
    return vc.jwks_document(keys.public_keys("credentials"))


PEER_STATUS_SECONDS = 300  # a peer's status list is read again after this long
PEER_STATUS_TIMEOUT = 5.0
_peer_status_lists: memo.TTLCache[str, str] = memo.TTLCache(
    "credentials.peer_status", PEER_STATUS_SECONDS
)


def peer_credential_keys() -> dict[str, tuple[str, dict[str, Any]]]:
    """The `credentials` keys pinned from this node's active peers (federation), as
    {kid: (peer region, public JWK)}: e-licences their nodes issued verify here with no call to
    them. A peer's kid that equals one of this node's own is ignored."""
    own = set(keys.public_keys("credentials"))
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for peer in federation_selectors.peer_list():
        for entry in peer.keys or []:
            kid, public = entry.get("kid"), entry.get("public_key")
            if entry.get("use") != "credentials" or not isinstance(kid, str) or kid in own:
                continue
            try:
                key = Ed25519PublicKey.from_public_bytes(base64.b64decode(str(public)))
            except (ValueError, TypeError):
                continue
            found[kid] = (peer.region, vc.public_jwk(kid, key))
    return found


def trusted_jwks(peers: dict[str, tuple[str, dict[str, Any]]] | None = None) -> dict[str, Any]:
    """The keys e-licences are verified against: this node's and its peers' (the trust list);
    `peers` is `peer_credential_keys()` when the caller has read it already."""
    peers = peer_credential_keys() if peers is None else peers
    document = node_jwks()
    document["keys"] = [*document["keys"], *(jwk for _r, jwk in peers.values())]
    return document


def _peer_status(region: str, keyset: dict[str, Any]) -> Any:
    """A status lookup that reads the peer's signed status list from the peer's own address
    (its `PUBLIC_URL`; the list's id names it), kept for `PEER_STATUS_SECONDS`; None (status
    unknown) when the peer does not answer or the list does not verify."""
    peer = federation_selectors.peer_get(region)

    def lookup(url: str, index: int) -> bool | None:
        if peer is None or conf.STATUS_PATH not in url:
            return None
        key = url.rsplit(conf.STATUS_PATH, 1)[1]
        if not key or "/" in key:
            return None
        cache_key = f"{region}:{key}"
        token = _peer_status_lists.get(cache_key)
        if token is None:
            token = _fetch_status(peer.url.rstrip("/") + conf.STATUS_PATH + key)
            if token:  # a peer that did not answer is asked again next time
                _peer_status_lists.put(cache_key, token)
        bits = vc.status_list_bits(token, keyset, url=url) if token else None
        return vc.bits_lookup({url: bits})(url, index) if bits is not None else None

    return lookup


def _fetch_status(address: str) -> str:
    import requests

    try:
        answer = requests.get(address, timeout=PEER_STATUS_TIMEOUT, allow_redirects=False)
    except requests.RequestException:
        return ""
    return answer.text.strip() if answer.status_code == 200 else ""


def status_list_get(*, key: str) -> StatusList:
    status_list = StatusList.objects.filter(pk=key).first()
    if status_list is None:
        raise NotFound(_("There is no status list %(key)s.") % {"key": key})
    return status_list


def status_list_token(*, key: str, now: datetime | None = None) -> str:
    """The signed BitstringStatusListCredential (vc+jwt) of list `key`, as of now."""
    status_list = status_list_get(key=key)
    revoked = Credential.objects.filter(
        status_list=status_list, revoked_at__isnull=False
    ).values_list("status_index", flat=True)
    payload = vc.status_list_credential(
        url=conf.status_list_url(status_list.key),
        issuer={"id": conf.issuer_id()},
        indexes=list(revoked),
        size=status_list.size,
        now=now or timezone.now(),
    )
    kid, key_ = keys.current_signing_key("credentials")
    return vc.sign(payload, kid=kid, key=key_)


def _local_status(url: str, index: int) -> bool | None:
    key = conf.status_list_key(url)
    if key is None:
        return None
    status_list = StatusList.objects.filter(pk=key).first()
    if status_list is None or index >= status_list.size:
        return None
    return Credential.objects.filter(
        status_list=status_list, status_index=index, revoked_at__isnull=False
    ).exists()


def credential_verify(
    *,
    token: Any,
    jwks: dict[str, Any] | None = None,
    status_list_token: str | None = None,
    now: datetime | None = None,
) -> VerificationResult:
    """Verify an e-licence token: shape, header (vc+jwt, Ed25519), known kid, signature,
    VC 2.0 payload, validity at `now` and the revocation bit.

    Works offline from `jwks` and `status_list_token` (the signed status list the credential
    points to); without them it uses the trust list (this node's keys and its peers' pinned
    `credentials` keys) and the status lists of this node, or of the peer that issued it.
    """
    keyset, peer_region = jwks, None
    if keyset is None:  # the trust list, read once for the key and for the issuer's node
        peers = peer_credential_keys()
        keyset = trusted_jwks(peers)
        peer_region = peers.get(vc.token_kid(token) or "", (None,))[0]
    if status_list_token is not None:
        token_text = status_list_token

        def lookup(url: str, index: int) -> bool | None:
            bits = vc.status_list_bits(token_text, keyset, url=url)
            return vc.bits_lookup({url: bits})(url, index)

        status = lookup
    elif peer_region is not None:
        status = _peer_status(peer_region, keyset)
    else:
        status = _local_status
    result = vc.verify(token, jwks=keyset, status=status, now=now or timezone.now())
    if peer_region is not None and result.credential:
        result.credential["issuer_region"] = peer_region
    return result
