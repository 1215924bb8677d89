"""The network screen as a region administrator meets it: peers with their health and queue,
a dead letter retried, what a peer may exchange saved. axe checks every screen."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from playwright.sync_api import expect

from onestop.accounts import services as account_services
from onestop.federation import services
from onestop.federation.models import OutboxMessage, Peer
from tests.factories import PASSWORD, worlds
from tests.factories import sign_in as _login


@pytest.fixture
def network_live_server(live_server: Any, transactional_db: None) -> Any:
    worlds.build_org()
    account_services.administrator_bootstrap(
        username="netadmin", password=PASSWORD, real_name="管理员", region_code="371121"
    )
    Peer.objects.create(
        region="320707",
        name="OneStop 320707",
        url="http://127.0.0.1:9",
        keys=[
            {
                "kid": "k",
                "alg": "ed25519",
                "use": "federation",
                "public_key": base64.b64encode(b"\0" * 32).decode(),
            }
        ],
        fingerprint="0" * 64,
        allowed_in_types=["ping"],
        allowed_out_types=["ping"],
    )
    dead = services.message_send(to_region="320707", type="ping", body={}, purpose="monitoring")
    OutboxMessage.objects.filter(pk=dead.pk).update(
        state=OutboxMessage.State.DEAD, last_error="ConnectionError: refused"
    )
    return live_server


def test_an_administrator_reads_the_network_and_retries_a_dead_letter(
    network_live_server: Any, page: Any, axe: Any
) -> None:
    base = network_live_server.url
    _login(page, base, "netadmin")
    page.goto(base + "/federation/network/")
    expect(page.locator("#peers")).to_contain_text("320707")
    expect(page.locator("#dead-letters")).to_contain_text("ConnectionError")
    axe.check(page)

    page.locator("#dead-letters button[type=submit]").first.click()
    expect(page.locator("main .usa-alert--success")).to_be_visible()
    expect(page.locator("#dead-letters")).to_have_count(0)
    axe.check(page)

    page.locator("#in-types-320707").fill("ping case.forward")
    page.locator("form[action$='/320707/allow/'] button[type=submit]").click()
    expect(page.locator("main .usa-alert--success")).to_be_visible()
    expect(page.locator("#in-types-320707")).to_have_value("case.forward ping")
    axe.check(page)
