"""The pages: rating in "my space" (with the GOV.UK error summary on bad input), the
reviewer's answer to the result, the department's console and rectification page (the real
name shown, the view recorded), and the public figures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from onestop.accounts.models import User
from onestop.cases.models import Case
from onestop.reviews import services
from onestop.reviews.models import Invitation, Rectification, Review
from onestop.sharing.models import AccessRecord


def test_my_space_lists_and_rates(
    client: Client, login: Any, citizen: User, invitation: Invitation
) -> None:
    login(citizen)
    listed = client.get("/me/reviews/")
    assert listed.status_code == 200
    assert invitation.event_ref in listed.content.decode()
    assert "Not rated yet" in listed.content.decode()
    assert "My reviews" in client.get("/accounts/me/").content.decode()

    url = f"/me/reviews/{invitation.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    assert "Very dissatisfied" in page.content.decode()
    refused = client.post(url, {"level": "1", "text": "rude"})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "There is a problem" in html
    assert "choose at least one reason" in html
    assert not Review.objects.exists()

    done = client.post(url, {"level": "1", "indicators": ["attitude"], "idempotency_key": "a"})
    assert done.status_code == 302
    # The same form sent twice (a double click): one review.
    client.post(url, {"level": "1", "indicators": ["attitude"], "idempotency_key": "a"})
    review = Review.objects.get()
    assert (review.level, review.indicators, review.author) == (1, ["attitude"], citizen)
    assert "Waiting for the call-back" in client.get(url).content.decode()


def test_nobody_else_opens_my_rating_page(
    client: Client, login: Any, users: dict[str, User], invitation: Invitation
) -> None:
    url = f"/me/reviews/{invitation.pk}/"
    assert client.get(url).status_code == 302  # to the sign-in page
    login(users["business"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"level": "5"}).status_code == 404
    assert not Review.objects.exists()


def test_the_department_rectifies_and_the_reviewer_accepts(
    client: Client, login: Any, citizen: User, officer: User, rate: Callable[..., Review]
) -> None:
    rectification = rate(level=2, indicators=("waited_long",)).rectification
    invitation = rectification.review.invitation
    staff = Client()
    login(officer, staff)
    console = staff.get("/reviews/console/")
    assert console.status_code == 200
    assert invitation.event_ref in console.content.decode()
    assert citizen.real_name not in console.content.decode()  # anonymous in the list

    before = AccessRecord.objects.filter(dataset="reviews").count()
    url = f"/reviews/console/{rectification.pk}/"
    page = staff.get(url)
    assert citizen.real_name in page.content.decode()
    assert AccessRecord.objects.filter(dataset="reviews").count() == before + 1
    empty = staff.post(url, {"action": "call_back", "note": ""})
    assert empty.status_code == 400
    assert Rectification.objects.get().status == Rectification.Status.OPEN
    staff.post(url, {"action": "call_back", "note": "Called."})
    staff.post(url, {"action": "send_result", "note": "A second window opened."})
    assert Rectification.objects.get().status == Rectification.Status.RESULT_SENT

    login(citizen)
    mine = f"/me/reviews/{invitation.pk}/"
    assert "A second window opened." in client.get(mine).content.decode()
    assert client.post(f"{mine}answer/", {"accept": "yes"}).status_code == 302
    assert Rectification.objects.get().status == Rectification.Status.ACCEPTED


def test_the_console_is_for_staff_with_a_role(
    client: Client, login: Any, citizen: User, rate: Callable[..., Review]
) -> None:
    rectification = rate().rectification
    login(citizen)
    assert client.get("/reviews/console/").status_code == 403
    assert client.get(f"/reviews/console/{rectification.pk}/").status_code == 404
    assert not AccessRecord.objects.filter(dataset="reviews").exists()


def test_the_public_figures_page(
    client: Client, rate: Callable[..., Review], finished: Case
) -> None:
    rate(level=5, indicators=())
    services.stats_refresh()
    page = client.get("/reviews/figures/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "100%" in page.content.decode()
    assert client.get("/reviews/figures/", {"from": "nope"}).status_code == 400


def test_the_department_page_shows_its_ratings(
    client: Client, rate: Callable[..., Review], finished: Case
) -> None:
    rate(level=5, indicators=())
    services.stats_refresh()
    page = client.get(f"/departments/{finished.department_id}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<dt>Ratings in the last 12 months</dt><dd>1</dd>" in html
    assert "<dt>Satisfaction</dt><dd>100%</dd>" in html
    assert "refreshed daily" in html
    assert "Last refreshed on" in html
    assert f"/reviews/figures/?department={finished.department_id}" in html


def test_the_item_page_shows_its_ratings_refreshed_daily(
    client: Client, rate: Callable[..., Review], finished: Case
) -> None:
    from django.utils import timezone

    from onestop.reviews.models import DailyStat

    item = finished.children.exclude(item=None).first().item
    # A bad rating of an item case of the bundle, rectified on time and accepted.
    child = finished.children.get(item=item)
    (invitation,) = [i for i in services.case_invite(child) if i.channel == "online"] or [None]
    assert invitation is not None
    review = services.review_submit(
        actor=finished.applicant, invitation=invitation, level=1, indicators=["attitude"]
    )
    Rectification.objects.filter(pk=review.rectification.pk).update(
        status=Rectification.Status.ACCEPTED, on_time=True, result_at=timezone.now()
    )
    url = f"/items/{item.code}/"
    before = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="service-ratings"' in before
    assert "No ratings yet." in before  # the figures wait for the daily refresh
    services.stats_refresh()
    assert DailyStat.objects.filter(item=item).exists()
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<dt>Ratings in the last 12 months</dt><dd>1</dd>" in html
    assert "<dt>Satisfaction</dt><dd>0%</dd>" in html
    assert "<dt>Bad ratings rectified on time</dt><dd>100%</dd>" in html
    assert f"/reviews/figures/?item={item.code}" in html
    figures = client.get(f"/reviews/figures/?item={item.code}", HTTP_ACCEPT_LANGUAGE="en")
    assert 'id="figures-items"' in figures.content.decode()


def test_the_console_reads_a_fixed_number_of_queries(
    client: Client,
    login: Any,
    supervisor: User,
    rate: Callable[..., Review],
    django_assert_max_num_queries: Any,
) -> None:
    review = rate(level=2, indicators=("waited_long",))
    login(supervisor)
    client.get("/reviews/console/")  # the session and the roles warmed up
    # the lists, their counts, the filter's departments and items, the session and roles
    with django_assert_max_num_queries(16):
        page = client.get("/reviews/console/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Appeals to decide" in html  # a supervisor decides appeals
    assert 'id="rectifications"' in html
    assert review.event_ref in html


def test_the_console_filters_the_departments_reviews_and_rectifications(
    client: Client, login: Any, officer: User, rate: Callable[..., Review], finished: Case
) -> None:
    review = rate(level=2, indicators=("waited_long",))
    rectification = review.rectification
    login(officer)
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    page = client.get("/reviews/console/", **english).content.decode()
    assert 'id="console-filters"' in page
    assert "1 rectification" in page
    assert f'value="{finished.department_id}"' in page  # the department is a filter option

    def listed(**params: str) -> str:
        response = client.get("/reviews/console/", params, **english)
        assert response.status_code == 200, response.content.decode()[:500]
        return response.content.decode()

    assert f"/reviews/console/{rectification.pk}/" in listed(level="bad", status="open")
    assert "No rectification matches the filters." in listed(level="5")
    assert "No review matches the filters." in listed(level="5")
    assert "No rectification matches the filters." in listed(status="accepted")
    assert "0 rectifications" in listed(overdue="on")  # called back in time: not late
    assert review.event_ref in listed(department=finished.department_id, start="2000-01-01")
    assert "No review matches the filters." in listed(start="2999-01-01")

    # Late: the limit passed without a result; the clock says so.
    Rectification.objects.filter(pk=rectification.pk).update(
        due_date="2000-01-03", callback_due="2000-01-01"
    )
    late = listed(overdue="on")
    assert "1 rectification" in late
    assert 'data-clock="overdue"' in late
    assert 'data-clock="callback"' in late

    refused = client.get("/reviews/console/", {"start": "31/12/2026", "item": "nope"}, **english)
    assert refused.status_code == 400
    assert "There is a problem" in refused.content.decode()
    assert "Write the date as YYYY-MM-DD." in refused.content.decode()
