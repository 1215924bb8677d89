"""Sign-in through a real OpenID Connect provider on loopback (`oidc-provider-mock`, its own
process): the code flow driven by the test client and `requests` (as a browser would follow the
redirects), the account it leads to (matched on the blind index of the verified resident ID),
and each way the provider's answer is refused.

A man in the middle (`Interceptor`, on loopback) stands between the node and the provider for
the tampering tests: it forwards everything, and can break the ID token's signature or swap in
the ID token of an earlier sign-in (whose nonce is not this sign-in's).
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings as django_settings
from django.test import Client

from onestop.accounts.models import AssuranceEvent, User
from onestop.core import crypto, identity
from tests.factories import CitizenFactory, login, resident_id
from tests.factories.idp import IdentityProvider, free_port

from .conftest import PASSWORD

START = "/accounts/oidc/login/"


def _begin(client: Client, next_: str = "") -> str:
    """The node's redirect to the provider (the authorization request)."""
    response = client.get(START + (f"?next={next_}" if next_ else ""))
    assert response.status_code == 302, response.content
    return str(response["Location"])


def _finish(client: Client, callback_url: str) -> Any:
    parts = urlsplit(callback_url)
    return client.get(f"{parts.path}?{parts.query}")


def _sign_in(client: Client, provider: IdentityProvider, sub: str) -> Any:
    return _finish(client, provider.approve(_begin(client), sub))


def _person(provider: IdentityProvider, sub: str, rid: str, **claims: Any) -> str:
    return provider.person(
        sub, **{"name": "张伟", "resident_id": rid, "acr": "substantial", **claims}
    )


def _refused(response: Any, code: str) -> str:
    body = response.content.decode()
    assert response.status_code in {400, 403, 409}, body
    assert f'data-code="{code}"' in body
    assert "<h1>Sign-in with the identity provider failed</h1>" in body
    return body


# --- the login page and the authorization request ---------------------------------------------


def test_the_login_page_offers_the_provider_only_when_configured(
    db: None, client: Client, settings: Any
) -> None:
    settings.OIDC_ISSUER = ""
    assert (
        "Log in with the identity provider"
        not in login(client=client).get("/accounts/login/").content.decode()
    )
    settings.OIDC_ISSUER = "https://id.example.gov.cn"
    settings.OIDC_CLIENT_ID = "node"
    assert "Log in with the identity provider" in client.get("/accounts/login/").content.decode()


def test_the_authorization_request_has_pkce_nonce_and_state(db: None, oidc: Any) -> None:
    location = _begin(login())

    assert location.startswith(f"{oidc.url}/oauth2/authorize?")
    query = parse_qs(urlsplit(location).query)
    assert query["response_type"] == ["code"]
    assert query["client_id"] == ["onestop-test"]
    assert query["scope"] == ["openid profile"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43  # base64url of a SHA-256 digest
    assert len(query["nonce"][0]) >= 20
    assert len(query["state"][0]) >= 20
    # Built from PUBLIC_URL, never from the request's host.
    assert query["redirect_uri"] == [f"{django_settings.PUBLIC_URL}/accounts/oidc/callback/"]


# --- whose account -----------------------------------------------------------------------------


def test_a_new_person_gets_an_account_at_l2(org: None, oidc: Any) -> None:
    rid = resident_id()
    _person(oidc, "new-person", rid, name="李娜")
    client = login()

    response = _sign_in(client, oidc, "new-person")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/me/"
    user = User.objects.get(resident_id_index=crypto.blind_index(rid))
    assert user.real_name == "李娜"
    assert user.real_name_level == User.AssuranceLevel.L2
    assert user.kind == User.Kind.CITIZEN
    assert user.has_usable_password() is False
    assert user.resident_id_masked == identity.mask_resident_id(rid)
    assert crypto.decrypt_pii(user.resident_id_enc) == rid
    event = AssuranceEvent.objects.get(user=user)
    assert (event.level_to, event.method) == (2, AssuranceEvent.Method.IDENTITY_PROVIDER)
    assert oidc.url in event.evidence
    assert int(client.session["_auth_user_id"]) == user.pk


def test_the_next_page_is_kept_through_the_provider(org: None, oidc: Any) -> None:
    _person(oidc, "with-next", resident_id())
    client = login()

    response = _finish(client, oidc.approve(_begin(client, next_="/me/cases/"), "with-next"))

    assert response["Location"] == "/me/cases/"


def test_a_signed_in_l1_citizen_is_raised_to_l2(citizen: User, oidc: Any) -> None:
    _person(oidc, "zhangwei", crypto.decrypt_pii(citizen.resident_id_enc), name="张伟")
    client = login(citizen)
    assert citizen.real_name_level == User.AssuranceLevel.L1

    response = _sign_in(client, oidc, "zhangwei")

    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.real_name_level == User.AssuranceLevel.L2
    assert citizen.has_usable_password()  # the password they chose still works
    assert User.objects.filter(kind=User.Kind.CITIZEN).count() == 1
    assert AssuranceEvent.objects.get(user=citizen).method == "identity_provider"


def test_an_l2_account_is_simply_signed_in(citizen: User, oidc: Any) -> None:
    _person(oidc, "zhangwei-2", crypto.decrypt_pii(citizen.resident_id_enc))
    _sign_in(login(citizen), oidc, "zhangwei-2")  # signed in with the password: raised to L2
    events = AssuranceEvent.objects.filter(user=citizen).count()
    client = login()

    response = _sign_in(client, oidc, "zhangwei-2")

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == citizen.pk
    assert AssuranceEvent.objects.filter(user=citizen).count() == events


def test_the_owner_takes_over_an_account_a_squatter_registered(org: None, oidc: Any) -> None:
    victim_id = resident_id()
    squatter = CitizenFactory(
        username="squatter", password=PASSWORD, real_name="冒名者", resident_id=victim_id, level=1
    )
    squatter_client = Client(HTTP_ACCEPT_LANGUAGE="en")
    squatter_client.post("/accounts/login/", {"username": "squatter", "password": PASSWORD})
    assert squatter_client.get("/accounts/me/").status_code == 200
    _person(oidc, "victim", victim_id, name="王芳")
    owner = login()

    response = _sign_in(owner, oidc, "victim")

    assert response.status_code == 302
    account = User.objects.get(resident_id_index=crypto.blind_index(victim_id))
    assert account.pk == squatter.pk  # the same account, now its owner's
    assert account.real_name == "王芳"
    assert account.real_name_level == User.AssuranceLevel.L2
    assert not account.check_password(PASSWORD)  # the squatter's password no longer opens it
    assert int(owner.session["_auth_user_id"]) == account.pk
    assert squatter_client.get("/accounts/me/").status_code == 302  # their session ended
    assert AssuranceEvent.objects.filter(user=account, method="takeover").count() == 1


def test_a_signed_in_person_verified_as_someone_else_is_refused(citizen: User, oidc: Any) -> None:
    _person(oidc, "someone-else", resident_id())
    client = login(citizen)

    body = _refused(_sign_in(client, oidc, "someone-else"), "oidc_other_person")

    assert "verified a different person" in body
    citizen.refresh_from_db()
    assert citizen.real_name_level == User.AssuranceLevel.L1
    assert User.objects.count() == 1


# --- refused answers ---------------------------------------------------------------------------


def test_no_resident_id_claim_is_refused(org: None, oidc: Any) -> None:
    oidc.person("anonymous", name="无名", acr="substantial")

    body = _refused(_sign_in(login(), oidc, "anonymous"), "oidc_no_resident_id")

    assert "did not say whose resident ID you have" in body
    assert User.objects.count() == 0


def test_an_unverified_level_is_refused(org: None, oidc: Any) -> None:
    _person(oidc, "low", resident_id(), acr="low")

    _refused(_sign_in(login(), oidc, "low"), "oidc_level")

    assert User.objects.count() == 0


def test_an_answer_for_another_browser_is_refused(org: None, oidc: Any) -> None:
    """Login CSRF: an attacker's callback URL (their code, their state) opened in the victim's
    browser does not sign the victim in as the attacker."""
    _person(oidc, "attacker", resident_id())
    attacker = login()
    callback = oidc.approve(_begin(attacker), "attacker")
    victim = login()
    _begin(victim)  # the victim's own sign-in, with another state

    body = _refused(_finish(victim, callback), "oidc_state")

    assert "does not belong to your browser session" in body
    assert "_auth_user_id" not in victim.session
    assert User.objects.count() == 0


def test_an_answer_is_used_once(org: None, oidc: Any) -> None:
    _person(oidc, "once", resident_id())
    client = login()
    callback = oidc.approve(_begin(client), "once")
    assert _finish(client, callback).status_code == 302

    _refused(_finish(login(), callback), "oidc_state")


def test_the_translated_error_page(org: None, oidc: Any) -> None:
    oidc.person("anonymous-zh", acr="substantial")
    client = login(language="zh-hans")

    response = _sign_in(client, oidc, "anonymous-zh")

    assert response.status_code == 400
    assert 'lang="zh-Hans"' in response.content.decode()  # the catalogue has the sentences


# --- a man in the middle -----------------------------------------------------------------------


class Interceptor:
    """Forwards every request to the provider (the Host header kept, so the provider names the
    interceptor as its issuer); on the token endpoint's answer it keeps each ID token and, in
    mode `forge`, breaks its signature or, in mode `replay`, swaps in the first one it kept."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.mode = ""
        self.kept: list[str] = []
        interceptor = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() != "content-length"}
                answer = requests.request(
                    self.command,
                    interceptor.upstream + self.path,
                    data=body,
                    headers=headers,
                    allow_redirects=False,
                    timeout=10,
                )
                content = answer.content
                if self.path.startswith("/oauth2/token") and answer.ok:
                    content = interceptor.tamper(answer.json())
                self.send_response(answer.status_code)
                for key in ("Content-Type", "Location"):
                    if key in answer.headers:
                        self.send_header(key, answer.headers[key])
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PUT = _forward  # noqa: N815  (http.server names them so)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def tamper(self, token: dict[str, Any]) -> bytes:
        id_token = token["id_token"]
        if self.mode == "forge":
            head, payload, signature = id_token.split(".")
            raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
            raw[0] ^= 0xFF
            forged = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
            token["id_token"] = f"{head}.{payload}.{forged}"
        elif self.mode == "replay" and self.kept:
            token["id_token"] = self.kept[0]
        self.kept.append(id_token)
        return json.dumps(token).encode()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def intercepted(oidc: Any, settings: Any) -> Iterator[tuple[Interceptor, IdentityProvider]]:
    interceptor = Interceptor(oidc.url)
    settings.OIDC_ISSUER = interceptor.url
    try:
        yield interceptor, oidc
    finally:
        interceptor.close()


def test_through_the_interceptor_untouched_answers_work(
    org: None, intercepted: tuple[Interceptor, IdentityProvider]
) -> None:
    interceptor, provider = intercepted
    _person(provider, "plain", resident_id())
    client = login()

    response = _finish(client, provider.approve(_begin(client), "plain"))

    assert response.status_code == 302
    assert len(interceptor.kept) == 1


def test_a_bad_signature_is_refused(
    org: None, intercepted: tuple[Interceptor, IdentityProvider]
) -> None:
    interceptor, provider = intercepted
    _person(provider, "forged", resident_id())
    interceptor.mode = "forge"
    client = login()

    body = _refused(_finish(client, provider.approve(_begin(client), "forged")), "oidc_signature")

    assert "has no valid signature" in body
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == 0


def test_an_id_token_of_another_sign_in_is_refused(
    org: None, intercepted: tuple[Interceptor, IdentityProvider]
) -> None:
    """Replay: a valid, correctly signed ID token captured from an earlier sign-in (another
    person's) carries that sign-in's nonce, not this one's."""
    interceptor, provider = intercepted
    _person(provider, "earlier", resident_id(), name="李娜")
    _person(provider, "now", resident_id(), name="王芳")
    first = login()
    _finish(first, provider.approve(_begin(first), "earlier"))
    accounts = User.objects.count()
    interceptor.mode = "replay"
    client = login()

    body = _refused(_finish(client, provider.approve(_begin(client), "now")), "oidc_nonce")

    assert "its nonce does not match" in body
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == accounts


def test_my_account_offers_verification_to_an_l1_citizen(citizen: User, oidc: Any) -> None:
    client = login(citizen)
    assert "Verify with the identity provider" in client.get("/accounts/me/").content.decode()

    _person(oidc, "zhangwei-3", crypto.decrypt_pii(citizen.resident_id_enc))
    response = _finish(client, oidc.approve(_begin(client, next_="/accounts/me/"), "zhangwei-3"))

    assert response["Location"] == "/accounts/me/"
    assert (
        "Verify with the identity provider" not in client.get(response["Location"]).content.decode()
    )


def test_an_unreachable_provider_is_said_so(db: None, settings: Any) -> None:
    settings.OIDC_ISSUER = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    settings.OIDC_CLIENT_ID = "onestop-test"

    body = _refused(login().get(START), "oidc_provider")

    assert "could not be reached" in body
