"""Pages: public verification, the wallet (page, QR, PDF) and the issuer's revoke list."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings

from onestop.accounts.models import User
from onestop.credentials import qr
from onestop.credentials.models import Credential
from onestop.ledger import selectors as ledger

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_verify_page_without_login(client: Any, issue: Any) -> None:
    credential = issue(number="PAGE-1")
    empty = client.get("/verify/", **EN)
    assert empty.status_code == 200
    assert "Verify an e-licence" in empty.content.decode()
    assert "Valid e-licence" not in empty.content.decode()

    page = client.get(f"/verify/?t={quote(credential.token)}", **EN)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Valid e-licence" in html
    assert "PAGE-1" in html
    assert "张*" in html
    assert "张伟" not in html
    # the issuing department in the reader's language, as on the wallet page and the PDF
    assert "Wulian County Public Security Bureau" in html
    assert "五莲县公安局" not in html
    assert "Not revoked" in html
    chinese = client.get(f"/verify/?t={quote(credential.token)}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "五莲县公安局" in chinese.content.decode()


@pytest.mark.parametrize(
    "payload",
    [
        "garbage",
        "https://evil.example/verify/?t=x",
        "WIFI:S:home;T:WPA;P:secret;;",
        "eyJ.eyJ.",
        "%00%ff",
        "a" * 25_000,
    ],
)
def test_verify_page_garbage_qr_payloads(client: Any, world: dict[str, User], payload: str) -> None:
    page = client.get("/verify/", {"t": payload}, **EN)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Not a valid e-licence" in html
    assert "it is incomplete or damaged" in html


def test_verify_page_blank_and_altered(client: Any, issue: Any) -> None:
    blank = client.get("/verify/?t=+", **EN).content.decode()
    assert "Nothing to verify" in blank
    token = issue().token
    head, body, sig = token.split(".")
    altered = client.get("/verify/", {"t": f"{head}.{body[:-2]}AA.{sig}"}, **EN).content.decode()
    assert "Not a valid e-licence" in altered
    assert "the e-licence was altered" in altered


def test_wallet_needs_login_and_shows_only_own(
    client: Any, issue: Any, world: dict[str, User]
) -> None:
    mine = issue(number="MINE-1")
    theirs = issue(
        actor=world["admin"],
        licence_type="business-licence",
        holder=world["business"],
        subject={"name": "示例公司"},
        number="THEIRS-1",
    )
    anonymous = client.get("/wallet/")
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]

    client.force_login(world["citizen"])
    html = client.get("/wallet/", **EN).content.decode()
    assert "MINE-1" in html
    assert "THEIRS-1" not in html
    assert client.get(f"/wallet/{theirs.id}/").status_code == 404
    assert client.get(f"/wallet/{theirs.id}/pdf").status_code == 404
    assert client.get("/wallet/nonsense/").status_code == 404

    detail = client.get(f"/wallet/{mine.id}/", **EN)
    assert detail.status_code == 200
    page = detail.content.decode()
    assert 'src="data:image/png;base64,' in page
    assert mine.token in page
    ref = qr.reference(mine.id)
    assert f'href="{settings.PUBLIC_URL}/v/{ref}"' in page  # the node's PUBLIC_URL, not the Host


def test_the_qr_code_holds_a_short_reference_that_verifies(
    client: Any, issue: Any, world: dict[str, User]
) -> None:
    """The wallet's QR code encodes <site>/v/<reference> (not the ~2,500-character token): a
    small code a phone camera reads at arm's length; the reference opens the verification of
    that credential, and a made-up or altered one opens nothing."""
    credential = issue(number="QR-1")
    ref = qr.reference(credential.id)
    url = f"{settings.PUBLIC_URL}/v/{ref}"
    assert len(url) < 100 < len(credential.token)
    code = qr.short(url)
    assert code.version <= 6
    assert code.error == "M"
    page = client.get(f"/v/{ref}", **EN)
    assert page.status_code == 200
    assert "Valid e-licence" in page.content.decode()
    assert "QR-1" in page.content.decode()
    altered = ref[:-1] + ("A" if ref[-1] != "A" else "B")
    assert client.get(f"/v/{altered}", **EN).status_code == 404
    assert client.get(f"/v/{ref[:22]}{'A' * 12}", **EN).status_code == 404
    assert client.get("/v/nonsense", **EN).status_code == 404
    # The full token still verifies on its own (offline, pasted).
    full = client.get("/verify/", {"t": credential.token}, **EN).content.decode()
    assert "Valid e-licence" in full


def test_wallet_pdf(client: Any, issue: Any, world: dict[str, User]) -> None:
    credential = issue()
    client.force_login(world["citizen"])
    response = client.get(f"/wallet/{credential.id}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert b"FontFile2" in response.content  # the CJK font embedded


def test_issuer_revokes_from_the_list(client: Any, issue: Any, world: dict[str, User]) -> None:
    credential = issue(number="REV-1")
    client.force_login(world["officer-ps"])
    listing = client.get("/credentials/issued/", **EN).content.decode()
    assert "REV-1" in listing
    assert f'action="/credentials/issued/{credential.id}/revoke"' in listing

    response = client.post(f"/credentials/issued/{credential.id}/revoke", {"reason": "Lost"})
    assert response.status_code == 302
    assert Credential.objects.get(pk=credential.pk).revocation_reason == "Lost"
    again = client.post(f"/credentials/issued/{credential.id}/revoke", {"reason": "x"}, **EN)
    assert again.status_code == 409
    assert "already been revoked" in again.content.decode()


def test_other_department_cannot_revoke(client: Any, issue: Any, world: dict[str, User]) -> None:
    credential = issue(number="KEEP-1")
    size = ledger.tree_size()
    client.force_login(world["officer-hr"])
    assert "KEEP-1" not in client.get("/credentials/issued/", **EN).content.decode()
    response = client.post(f"/credentials/issued/{credential.id}/revoke", {"reason": "x"}, **EN)
    assert response.status_code == 404
    assert Credential.objects.get(pk=credential.pk).revoked_at is None
    assert ledger.tree_size() == size


def test_revoke_needs_post_and_csrf(issue: Any, world: dict[str, User]) -> None:
    from django.test import Client

    credential = issue()
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["officer-ps"])
    assert client.get(f"/credentials/issued/{credential.id}/revoke").status_code == 405
    assert (
        client.post(f"/credentials/issued/{credential.id}/revoke", {"reason": "x"}).status_code
        == 403
    )
    assert Credential.objects.get(pk=credential.pk).revoked_at is None


def test_the_wallet_names_claims_in_the_readers_language(
    client: Any, issue: Any, world: dict[str, User]
) -> None:
    credential = issue(subject={"name": "张伟", "relationToHead": "户主", "custom_key": "x"})
    client.force_login(world["citizen"])

    english = client.get(f"/wallet/{credential.id}/", **EN).content.decode()
    assert "<dt>Relation to the head of household</dt><dd>Head of household</dd>" in english
    assert "<dt>custom_key</dt><dd>x</dd>" in english  # a key with no label shows as it is
    assert "<dd>Wulian County Public Security Bureau</dd>" in english  # the issuer too
    assert "五莲县公安局" not in english
    chinese = client.get(f"/wallet/{credential.id}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content
    from django.utils import translation

    with translation.override("zh-hans"):  # "户主" once the catalogue has the value's label
        head = translation.gettext("Head of household")
    assert f"<dt>与户主关系</dt><dd>{head}</dd>" in chinese.decode()
    assert "relationToHead" not in chinese.decode()


def test_the_licence_pdf_and_the_verify_page_print_the_local_date(
    client: Any, issue: Any, world: dict[str, User]
) -> None:
    """Valid from 2026-12-06 16:30 UTC: in Shanghai that is already 7 December."""
    import datetime

    from django.utils import translation

    from tests.factories import DrawnText

    moment = datetime.datetime(2026, 12, 6, 16, 30, tzinfo=datetime.UTC)
    credential = issue(number="TZ-1", valid_from=moment)
    client.force_login(world["citizen"])
    for language, day in (("zh-hans", "2026年12月7日"), ("en", "2026-12-07")):
        with translation.override(language), DrawnText() as drawn:
            response = client.get(f"/wallet/{credential.id}/pdf", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        assert day in drawn.text, drawn.text
        assert "2026-12-06" not in drawn.text
        page = client.get(
            "/verify/", {"t": credential.token}, HTTP_ACCEPT_LANGUAGE=language
        ).content.decode()
        assert day in page
        assert "2026-12-06" not in page
