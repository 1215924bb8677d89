"""/api/v1/reviews: rating a service event (signed in by invitation, or with a link's token),
idempotent, with the one error shape; and the public figures, aggregates only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from onestop.accounts.models import User
from onestop.cases.models import Case
from onestop.reviews import services
from onestop.reviews.models import Invitation, Rectification, Review

URL = "/api/v1/reviews"


def _post(client: Client, body: dict[str, Any], key: str | None = "key-1") -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(URL, body, content_type="application/json", **headers)


def test_the_author_rates_by_invitation(
    client: Client, login: Any, citizen: User, invitation: Invitation
) -> None:
    login(citizen)
    body = {"invitation": str(invitation.pk), "level": 1, "indicators": ["attitude"], "text": "x"}
    response = _post(client, body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["event_ref"], data["version"], data["level"]) == (invitation.event_ref, 1, 1)
    assert data["rectification"]["status"] == "open"
    # A retry with the same key: the same review, nothing new.
    again = _post(client, body)
    assert again.status_code == 201
    assert again.json()["id"] == data["id"]
    assert Review.objects.count() == 1
    assert Rectification.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"level": 6}, 422, "invalid"),
        ({"level": 1}, 400, "indicators_required"),
        ({"level": 5, "indicators": ["attitude"]}, 400, "indicators_not_allowed"),
        ({"level": 2, "indicators": ["nonsense"]}, 422, "invalid"),
        ({"level": 5, "text": "x" * 1001}, 422, "invalid"),
    ],
)
@pytest.mark.usefixtures("invitation")
def test_bad_input_answers_the_one_error_shape(
    client: Client, login: Any, body: dict[str, Any], status: int, code: str
) -> None:
    invitation = Invitation.objects.get()
    login(invitation.reviewer)
    response = _post(client, {"invitation": str(invitation.pk), **body})
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert not Review.objects.exists()


def test_the_idempotency_key_is_required(
    client: Client, login: Any, citizen: User, invitation: Invitation
) -> None:
    login(citizen)
    response = _post(client, {"invitation": str(invitation.pk), "level": 5}, key=None)
    assert response.status_code == 422
    assert not Review.objects.exists()


def test_invitation_or_token_exactly_one(
    client: Client, login: Any, citizen: User, invitation: Invitation
) -> None:
    login(citizen)
    both = {"invitation": str(invitation.pk), "token": "t", "level": 5}
    assert _post(client, both).json()["code"] == "invitation_or_token"
    assert _post(client, {"level": 5}).json()["code"] == "invitation_or_token"
    assert not Review.objects.exists()


def test_by_invitation_needs_the_author(
    client: Client, login: Any, users: dict[str, User], invitation: Invitation
) -> None:
    body = {"invitation": str(invitation.pk), "level": 5}
    anonymous = _post(client, body)
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "unauthenticated"
    login(users["business"])
    assert _post(client, body).status_code == 404
    assert not Review.objects.exists()


def test_a_token_rates_without_signing_in(client: Client, finished: Case) -> None:
    online = Invitation.objects.get(event_ref=finished.number)
    # An online invitation's signed id is not a link: only SMS and QR invitations have one.
    forged = _post(client, {"token": services.invitation_token(online), "level": 5})
    assert forged.status_code == 404
    assert forged.json()["code"] == "not_found"
    assert _post(client, {"token": "abc", "level": 5}).status_code == 404
    assert not Review.objects.exists()


def test_the_public_figures(
    client: Client, rate: Callable[..., Review], finished: Case, django_assert_max_num_queries: Any
) -> None:
    rate(level=2, indicators=("waited_long",))
    services.stats_refresh()
    with django_assert_max_num_queries(4):
        response = client.get(f"{URL}/stats", {"department": finished.department_id})
    assert response.status_code == 200
    data = response.json()
    [row] = data["departments"]
    assert row["department"] == finished.department_id
    assert (row["reviews"], row["bad"], row["satisfaction"]) == (1, 1, 0.0)
    assert row["rectified_on_time"] == 0.0
    assert data["total"]["reviews"] == 1
    assert "from" in data
    assert "text" not in str(data)  # aggregates only: no comment, no reviewer
    assert client.get(f"{URL}/stats", {"from": "2099-01-01"}).json()["total"]["reviews"] == 0


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"from": "2026/01/01"}, 422),
        ({"from": "2026-13-01"}, 400),
        ({"to": "0"}, 422),
        ({"department": "'; drop"}, 422),
        ({"item": "x" * 41}, 422),
        ({"from": "2026-12-31", "to": "2026-01-01"}, 400),
    ],
)
def test_the_figures_refuse_bad_parameters(
    client: Client, cases_world: Any, query: dict[str, str], status: int
) -> None:
    response = client.get(f"{URL}/stats", query)
    assert response.status_code == status
    assert response.json()["code"]
