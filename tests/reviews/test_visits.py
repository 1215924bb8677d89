"""一次一评: the receipt of an application accepted at a window carries a QR code with the link
to rate that visit, tied to the window, the clerk who served and the department; the link
rates that visit only, and the receipt prints the same link every time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from onestop.accounts.models import User
from onestop.cases import selectors, services
from onestop.cases.models import Case, CaseDocument
from onestop.catalog.models import Scenario
from onestop.reviews import services as reviews
from onestop.reviews.models import Channel, EventKind, Invitation, Review
from tests.cases.test_window_accept import _answer, _check_all, _start
from tests.factories import login


@pytest.fixture
def accepted(clerk: User, restaurant: Scenario, fill: Callable[[Case], dict[str, Any]]) -> Case:
    client = login(clerk)
    case = _start(client, "scenario:371121/restaurant-opening")
    case = _answer(client, case, fill)
    _check_all(client, case)
    url = reverse("cases:window_case", args=[selectors.case_ref(case)])
    response = client.post(url, {"action": "accept", "idempotency_key": "visit-1"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.ACCEPTED
    return case


def test_the_receipt_carries_the_link_to_rate_the_visit(accepted: Case, clerk: User) -> None:
    document = services.receipt_ensure(actor=clerk, case=accepted)
    link = document.data["rating_link"]
    invitation = Invitation.objects.get(event_ref=accepted.number)
    assert (invitation.event_kind, invitation.channel) == (EventKind.VISIT, Channel.WINDOW)
    assert invitation.window_id == accepted.window_id
    assert invitation.staff == clerk
    assert invitation.department_id == accepted.department_id
    assert invitation.reviewer_index == accepted.applicant_index
    token = reviews.invitation_token(invitation)
    assert link.endswith(reviews.rate_path(token))
    assert "?token=" in link
    # Printed again: the same paper, the same link, one invitation.
    assert services.receipt_ensure(actor=clerk, case=accepted).data == document.data
    assert Invitation.objects.filter(event_ref=accepted.number).count() == 1
    assert accepted.documents.filter(kind=CaseDocument.Kind.RECEIPT).count() == 1

    # The walk-in scans it (no account) and rates the visit.
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(reviews.rate_path(token))
    assert page.status_code == 200
    assert accepted.number in page.content.decode()
    answer = Client().post(
        reviews.rate_path(token),
        {"level": "4", "idempotency_key": "scan-1"},
    )
    assert answer.status_code == 302
    review = Review.objects.get()
    assert (review.event_kind, review.channel, review.level) == ("visit", "window", 4)
    assert review.author is None
    assert Client().get(reviews.rate_path(token[:-2] + "zz")).status_code == 404
    assert Client().get("/reviews/rate/").status_code == 404
