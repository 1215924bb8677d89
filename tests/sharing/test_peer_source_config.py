"""Configuring a dataset read from peer nodes (kind ``peer``, docs/sharing.md "Data held by
peer nodes"): the service, the command and the admin refuse a region that is not a peer or to
which data requests for the dataset are not allowed, and keep the peers in order."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import CommandError, call_command

from onestop.accounts.models import User
from onestop.core.actors import SYSTEM
from onestop.core.errors import ValidationFailed
from onestop.federation.models import Peer
from onestop.sharing import selectors, services
from onestop.sharing.models import DatasetSource

pytestmark = pytest.mark.django_db


def _peer(region: str, datasets: list[str]) -> Peer:
    return Peer.objects.create(
        region=region,
        url=f"http://127.0.0.1:9/{region}",
        fingerprint="0" * 64,
        allowed_out_types=["ping", "data.fetch"],
        allowed_out_datasets=datasets,
    )


def test_only_allowed_peers_are_accepted_in_order(demo: dict[str, User]) -> None:
    with pytest.raises(ValidationFailed, match="not a peer"):
        services.source_configure(actor=SYSTEM, dataset="household", kind="peer", peers=["320707"])
    _peer("320707", ["marriage"])
    with pytest.raises(ValidationFailed, match=r"Allow data\.fetch"):
        services.source_configure(actor=SYSTEM, dataset="household", kind="peer", peers=["320707"])
    with pytest.raises(ValidationFailed, match="at least one peer"):
        services.source_configure(actor=SYSTEM, dataset="household", kind="peer", peers=[])
    assert not DatasetSource.objects.exists()  # nothing changed

    Peer.objects.filter(region="320707").update(allowed_out_datasets=["household"])
    _peer("330106", ["household"])
    source = services.source_configure(
        actor=SYSTEM, dataset="household", kind="peer", peers=["330106", "320707", "330106"]
    )
    assert source.peers == ["330106", "320707"]
    assert selectors.remote_sources()["household"].kind == "peer"


def test_the_command_and_the_admin_configure_peers(demo: dict[str, User], capsys: Any) -> None:
    from tests.factories import login

    _peer("320707", ["household"])
    call_command("dataset", "source", "household", "--peer", "320707", "--timeout", "4")
    assert "household: peer 320707 (after this node's records) timeout=4s" in (
        capsys.readouterr().out
    )
    with pytest.raises(CommandError, match="not a peer"):
        call_command("dataset", "source", "household", "--peer", "110101")

    admin = login(demo["admin"])
    page = admin.get("/admin/sharing/datasetsource/household/change/")
    assert page.status_code == 200
    assert 'value="320707"' in page.content.decode()
    form = {
        "region": "371121",
        "kind": "peer",
        "peers": "320707 110101",
        "base_url": "",
        "path_template": "/records/{dataset}/{subject}",
        "auth": "none",
        "username": "",
        "secret_env": "",
        "field_map": "{}",
        "connect_timeout": "3",
        "read_timeout": "4",
    }
    bad = admin.post("/admin/sharing/datasetsource/household/change/", form)
    assert bad.status_code == 200
    assert "110101 is not a peer of this node." in str(bad.context["adminform"].form.errors)
    ok = admin.post("/admin/sharing/datasetsource/household/change/", {**form, "peers": "320707"})
    assert ok.status_code == 302
    assert DatasetSource.objects.get(dataset_id="household").peers == ["320707"]
