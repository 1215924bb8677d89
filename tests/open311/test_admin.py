"""Issuing keys in the Django admin: the key is shown once, in the message after saving."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from onestop.open311 import selectors
from onestop.open311.models import ApiClient


def test_admin_issues_a_key_once_and_deactivates(world: Any, client: Client) -> None:
    client.force_login(world["admin"])
    assert client.get("/admin/open311/apiclient/add/").status_code == 200
    response = client.post(
        "/admin/open311/apiclient/add/",
        {"name": "Admin App", "contact": "ops@example.org", "region": "371121"},
        follow=True,
    )
    assert response.status_code == 200
    texts = [str(m.message) for m in response.context["messages"]]
    keys = [m for t in texts for m in re.findall(r"[A-Za-z0-9_-]{40,}", t)]
    assert len(keys) == 1
    issued = selectors.client_authenticate(key=keys[0])
    assert issued.name == "Admin App"
    change = client.get(f"/admin/open311/apiclient/{issued.pk}/change/")
    assert keys[0] not in change.content.decode()
    response = client.post(
        "/admin/open311/apiclient/",
        {"action": "deactivate", "_selected_action": [issued.pk]},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    issued.refresh_from_db()
    assert issued.active is False
    assert "1 client deactivated." in [str(m.message) for m in response.context["messages"]]


def test_admin_refusal_shows_as_a_form_error(world: Any, client: Client) -> None:
    client.force_login(world["admin"])
    response = client.post(
        "/admin/open311/apiclient/add/",
        {"name": "Demo Open311 client", "region": "371121"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert ApiClient.objects.count() == 1
