"""Rating for someone (帮办代办): a helper rates a service of the person's only under a
delegation that is valid now and names `reviews`; the review records the helper as agent and
the department sees it was given by a helper. Out of scope, expired, revoked or not delegated:
refused, nothing written."""

from __future__ import annotations

import datetime
import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from onestop.accounts import policies as accounts_policies
from onestop.accounts import selectors as accounts_selectors
from onestop.accounts import services as accounts_services
from onestop.accounts.models import Delegation, User
from onestop.core import crypto
from onestop.core.errors import NotFound
from onestop.reviews import policies, services
from onestop.reviews.models import Invitation, Rectification, Review
from tests.factories import CitizenFactory, resident_id
from tests.factories import login as client_for

CASES = Delegation.Scope.CASES
REVIEWS = Delegation.Scope.REVIEWS


@pytest.fixture
def daughter(invitation: Invitation) -> User:
    return CitizenFactory(username="rating-daughter", real_name="张小红", resident_id=resident_id())


def grant(person: User, helper: User, scopes: list[str]) -> Delegation:
    return accounts_services.delegation_grant(
        actor=person,
        helper_resident_id=crypto.decrypt_pii(helper.resident_id_enc),
        helper_name=helper.real_name,
        scopes=scopes,
        valid_until=timezone.localdate() + datetime.timedelta(days=30),
    )


def acting(helper: User, delegation: Delegation) -> User:
    return accounts_selectors.acting_as(actor=helper, delegation_id=delegation.pk)


def submit(actor: User, invitation: Invitation, key: str = "helper-rates") -> Review:
    return services.review_submit(
        actor=actor,
        invitation=invitation,
        level=1,
        indicators=["attitude"],
        text="代母亲评价",
        idempotency_key=key,
    )


def test_a_helper_rates_within_the_reviews_scope_and_is_recorded(
    citizen: User, daughter: User, invitation: Invitation, officer: User
) -> None:
    person = acting(daughter, grant(citizen, daughter, [REVIEWS]))
    assert policies.can(person, policies.SUBMIT, invitation)
    review = submit(person, invitation)
    assert review.author_id == citizen.pk
    assert review.agent_id == daughter.pk
    rectification = Rectification.objects.get(review=review)
    # the helper answers the result for the person too (same scope)
    assert policies.can(person, policies.ANSWER, rectification)

    # the department sees it was given by a helper: in the console and on the rectification
    client = client_for(officer)
    with translation.override("en"):
        page = client.get(reverse("reviews:rectification", args=[rectification.pk]))
        listing = client.get(reverse("reviews:console"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "given for them by their helper 张小红" in page.content.decode()
    assert listing.status_code == 200
    assert "given by a helper" in listing.content.decode()


def test_out_of_scope_expired_revoked_or_not_delegated_is_refused(
    citizen: User, daughter: User, invitation: Invitation, monkeypatch: pytest.MonkeyPatch
) -> None:
    # out of scope: applications only
    person = acting(daughter, grant(citizen, daughter, [CASES]))
    assert not policies.can(person, policies.SUBMIT, invitation)
    with pytest.raises(NotFound):
        submit(person, invitation, key="k-scope")

    # expired
    delegation = grant(citizen, daughter, [REVIEWS])
    person = acting(daughter, delegation)
    moment = timezone.now() + datetime.timedelta(days=31)
    monkeypatch.setattr(accounts_policies, "timezone", SimpleNamespace(now=lambda: moment))
    with pytest.raises(NotFound):
        submit(person, invitation, key="k-expired")
    monkeypatch.undo()

    # revoked
    accounts_services.delegation_revoke(actor=citizen, delegation=delegation)
    person.acting_delegation.refresh_from_db()
    with pytest.raises(NotFound):
        submit(person, invitation, key="k-revoked")

    # not delegated: the would-be helper as themself
    assert not policies.can(daughter, policies.SUBMIT, invitation)
    with pytest.raises(NotFound):
        submit(daughter, invitation, key="k-none")

    assert not Review.objects.filter(event_ref=invitation.event_ref).exists()


def test_a_helper_rates_through_the_api_with_on_behalf_of(
    citizen: User, daughter: User, invitation: Invitation
) -> None:
    cases_only = grant(citizen, daughter, [CASES])
    reviews = grant(citizen, daughter, [REVIEWS])
    client: Client = client_for(daughter)
    body = {"invitation": str(invitation.pk), "level": 5, "indicators": [], "text": ""}

    def post(delegation: Delegation, key: str) -> Any:
        return client.post(
            "/api/v1/reviews",
            data=json.dumps(body),
            content_type="application/json",
            headers={"Idempotency-Key": key, "On-Behalf-Of": str(delegation.pk)},
        )

    refused = post(cases_only, "api-scope")
    assert refused.status_code == 403
    assert refused.json()["code"] == "delegation_out_of_scope"
    assert not Review.objects.filter(event_ref=invitation.event_ref).exists()

    accepted = post(reviews, "api-ok")
    assert accepted.status_code == 201, accepted.content
    review = Review.objects.get(pk=accepted.json()["id"])
    assert (review.author_id, review.agent_id) == (citizen.pk, daughter.pk)
