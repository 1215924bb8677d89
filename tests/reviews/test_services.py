"""The reviews services: the invitation a finished application sends, one review per event
with versions, and the whole closed loop of a bad review (call-back, rectification on the
official calendar, result, the reviewer's answer), the department's appeal and the
supervisor's decision, the tick's warnings and escalations, and the public figures."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from onestop.accounts.models import User
from onestop.cases.models import Case
from onestop.core import calendar
from onestop.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onestop.notify.models import Notification
from onestop.reviews import selectors, services
from onestop.reviews.models import DailyStat, Invitation, Rectification, Review
from onestop.sharing.models import AccessRecord

S = Rectification.Status


def _notes(user: User, template: str) -> int:
    return Notification.objects.filter(recipient=user, template=template).count()


# --- invitations ----------------------------------------------------------------------------


def test_a_finished_bundle_invites_its_applicant_once(
    finished: Case, citizen: User, invitation: Invitation
) -> None:
    assert invitation.reviewer == citizen
    assert invitation.event_kind == "case"
    assert invitation.department_id == finished.department_id
    assert invitation.scenario_id == finished.scenario_id
    assert invitation.reviewer_index == finished.applicant_index
    assert _notes(citizen, "reviews.invited") == 1
    # The hook heard of it again (a retried delivery): nothing new, nothing sent twice.
    assert services.case_invite(finished) == []
    assert Invitation.objects.filter(event_ref=finished.number).count() == (
        Invitation.objects.filter(event_ref=finished.number).values("channel").distinct().count()
    )
    assert _notes(citizen, "reviews.invited") == 1


def test_an_unfinished_application_is_not_invited(newborn_case: Case) -> None:
    assert not Invitation.objects.filter(event_ref=newborn_case.number).exists()


# --- reviews and versions -------------------------------------------------------------------


def test_a_good_review_then_a_change_is_a_new_version(rate: Callable[..., Review]) -> None:
    first = rate(level=5, indicators=(), text="Quick and kind.")
    assert (first.version, first.current, first.level) == (1, True, 5)
    assert not Rectification.objects.exists()
    second = rate(level=4, indicators=())
    first.refresh_from_db()
    assert (second.version, second.current) == (2, True)
    assert first.current is False
    assert Review.objects.filter(event_ref=first.event_ref, current=True).get() == second


def test_a_retried_submission_records_one_review(rate: Callable[..., Review]) -> None:
    first = rate(level=5, indicators=(), idempotency_key="k-1")
    again = rate(level=5, indicators=(), idempotency_key="k-1")
    assert again.pk == first.pk
    assert Review.objects.count() == 1


@pytest.mark.parametrize(
    ("level", "indicators", "code"),
    [
        (1, (), "indicators_required"),
        (5, ("attitude",), "indicators_not_allowed"),
        (2, ("rude",), "invalid_indicator"),
        (6, (), "invalid_level"),
        ("x", (), "invalid_level"),
    ],
)
def test_bad_input_changes_nothing(
    rate: Callable[..., Review], level: Any, indicators: tuple[str, ...], code: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        rate(level=level, indicators=indicators)
    assert caught.value.code == code
    assert not Review.objects.exists()
    assert not Rectification.objects.exists()


def test_a_too_long_comment_is_refused(rate: Callable[..., Review]) -> None:
    with pytest.raises(ValidationFailed) as caught:
        rate(level=5, indicators=(), text="x" * 1001)
    assert caught.value.code == "too_long"
    assert not Review.objects.exists()


def test_somebody_else_cannot_rate(
    invitation: Invitation, users: dict[str, User], clerk: User
) -> None:
    for stranger in (users["business"], clerk, None):
        with pytest.raises(NotFound):
            services.review_submit(actor=stranger, invitation=invitation, level=5)
    assert not Review.objects.exists()


def test_a_closed_invitation_refuses_a_rating(
    rate: Callable[..., Review], invitation: Invitation
) -> None:
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    invitation.refresh_from_db()
    with pytest.raises(Conflict) as caught:
        rate(level=5, indicators=())
    assert caught.value.code == "rating_closed"
    assert not Review.objects.exists()


# --- the closed loop of a bad review --------------------------------------------------------


def test_the_whole_rectification_loop(
    rate: Callable[..., Review],
    citizen: User,
    officer: User,
    officers: dict[str, User],
    supervisor: User,
) -> None:
    today = timezone.localdate()
    review = rate(level=1, indicators=("attitude", "waited_long"), text="Rude at the window.")
    rectification = review.rectification
    assert rectification.status == S.OPEN
    assert rectification.department_id == review.department_id
    assert rectification.callback_due == calendar.add_working_days(today, 1)
    assert rectification.limit_days == 5
    assert rectification.due_date == calendar.add_working_days(today, 5)
    assert _notes(officer, "reviews.bad_received") == 1

    # An officer of another department may not touch it; the reviewer neither.
    other = next(o for o in officers.values() if o.pk != officer.pk)
    for stranger in (other, citizen, supervisor):
        with pytest.raises(PermissionDenied):
            services.rectification_call_back(actor=stranger, rectification=rectification, note="x")
    rectification.refresh_from_db()
    assert rectification.status == S.OPEN
    # Steps out of order are refused.
    with pytest.raises(Conflict):
        services.rectification_answer(actor=citizen, rectification=rectification, accept=True)
    with pytest.raises(ValidationFailed):
        services.rectification_call_back(actor=officer, rectification=rectification, note=" ")

    rectification = services.rectification_call_back(
        actor=officer, rectification=rectification, note="Called; the clerk will apologise."
    )
    assert rectification.status == S.RECTIFYING
    assert rectification.called_back_at is not None
    rectification = services.rectification_result_send(
        actor=officer, rectification=rectification, result="Clerk retrained; a second window."
    )
    assert rectification.status == S.RESULT_SENT
    assert rectification.on_time is True
    assert _notes(citizen, "reviews.result") == 1
    assert "a second window" in Notification.objects.get(template="reviews.result").body

    # The reviewer asks again: another round with a new limit; a reason is required.
    with pytest.raises(ValidationFailed):
        services.rectification_answer(actor=citizen, rectification=rectification, accept=False)
    rectification = services.rectification_answer(
        actor=citizen, rectification=rectification, accept=False, note="Still slow."
    )
    assert (rectification.status, rectification.rounds, rectification.on_time) == (
        S.RECTIFYING,
        2,
        None,
    )
    assert _notes(officer, "reviews.asked_again") == 1
    rectification = services.rectification_result_send(
        actor=officer, rectification=rectification, result="A third window opens at 8:30."
    )
    assert _notes(citizen, "reviews.result") == 2
    rectification = services.rectification_answer(
        actor=citizen, rectification=rectification, accept=True
    )
    assert rectification.status == S.ACCEPTED
    assert rectification.closed_at is not None
    assert [e.action for e in rectification.events.all()] == [
        "call_back",
        "send_result",
        "ask_again",
        "send_result",
        "accept",
    ]


def test_a_result_after_the_limit_is_late(
    rate: Callable[..., Review], officer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    rectification = rate().rectification
    later = timezone.now() + datetime.timedelta(days=30)
    monkeypatch.setattr(services, "_now", lambda: later)
    done = services.rectification_result_send(
        actor=officer, rectification=rectification, result="Done."
    )
    assert done.on_time is False


def test_changing_to_a_good_review_ends_the_rectification(rate: Callable[..., Review]) -> None:
    bad = rate(level=2, indicators=("not_as_promised",))
    good = rate(level=5, indicators=())
    rectification = Rectification.objects.get()
    assert rectification.review == good
    assert rectification.status == S.WITHDRAWN
    assert Review.objects.get(pk=bad.pk).current is False


def test_a_second_bad_version_joins_the_running_rectification(
    rate: Callable[..., Review],
) -> None:
    rate(level=2, indicators=("not_as_promised",))
    worse = rate(level=1, indicators=("attitude",))
    rectification = Rectification.objects.get()
    assert rectification.review == worse
    assert rectification.status == S.OPEN


def test_a_voided_appeal(
    rate: Callable[..., Review], citizen: User, officer: User, supervisor: User
) -> None:
    rectification = rate().rectification
    with pytest.raises(ValidationFailed):
        services.rectification_appeal(actor=officer, rectification=rectification, reason="")
    rectification = services.rectification_appeal(
        actor=officer, rectification=rectification, reason="The reviewer never came."
    )
    assert (rectification.status, rectification.appealed_from) == (S.APPEALED, S.OPEN)
    assert _notes(supervisor, "reviews.appealed") == 1
    # The department cannot decide its own appeal; a reason is required.
    with pytest.raises(PermissionDenied):
        services.appeal_decide(actor=officer, rectification=rectification, void=True, reason="x")
    with pytest.raises(ValidationFailed):
        services.appeal_decide(actor=supervisor, rectification=rectification, void=True, reason="")
    rectification = services.appeal_decide(
        actor=supervisor, rectification=rectification, void=True, reason="Queue log: no visit."
    )
    assert rectification.status == S.VOIDED
    assert rectification.appeal_decided_by == supervisor
    assert rectification.review.voided is True
    assert _notes(citizen, "reviews.voided") == 1
    # A voided review counts nowhere.
    services.stats_refresh()
    assert not DailyStat.objects.exists()


def test_an_upheld_appeal_goes_on_where_it_was(
    rate: Callable[..., Review], officer: User, supervisor: User
) -> None:
    rectification = rate().rectification
    rectification = services.rectification_call_back(
        actor=officer, rectification=rectification, note="Called."
    )
    rectification = services.rectification_appeal(
        actor=officer, rectification=rectification, reason="Mistaken."
    )
    rectification = services.appeal_decide(
        actor=supervisor, rectification=rectification, void=False, reason="The wait was real."
    )
    assert rectification.status == S.RECTIFYING
    assert rectification.review.voided is False
    assert _notes(officer, "reviews.upheld") == 1


# --- the tick -------------------------------------------------------------------------------


def test_the_tick_escalates_and_warns_once_each(
    rate: Callable[..., Review], officer: User, supervisor: User
) -> None:
    rectification = rate().rectification
    now = timezone.now()
    assert services.tick(now=now) == {"callback": [], "warned": [], "escalated": []}
    # Two working days later: the call-back was missed.
    callback_late = calendar.add_working_days(timezone.localdate(), 2)
    at = timezone.make_aware(datetime.datetime.combine(callback_late, datetime.time(10)))
    touched = services.tick(now=at)
    assert touched["callback"] == [rectification.pk]
    assert _notes(supervisor, "reviews.callback_overdue") == 1
    # Four working days after opening: 80 % of the limit of five used.
    warn_day = calendar.add_working_days(timezone.localdate(), 4)
    at = timezone.make_aware(datetime.datetime.combine(warn_day, datetime.time(10)))
    assert services.tick(now=at)["warned"] == [rectification.pk]
    assert _notes(officer, "reviews.warned") == 1
    # Past the due date: escalated to the supervisors, once.
    late = rectification.due_date + datetime.timedelta(days=1)
    at = timezone.make_aware(datetime.datetime.combine(late, datetime.time(10)))
    assert services.tick(now=at)["escalated"] == [rectification.pk]
    assert services.tick(now=at) == {"callback": [], "warned": [], "escalated": []}
    assert _notes(supervisor, "reviews.escalated") == 1


# --- real names and public figures ----------------------------------------------------------


def test_the_department_sees_the_real_name_and_the_view_is_recorded(
    rate: Callable[..., Review], citizen: User, officer: User
) -> None:
    rectification = rate().rectification
    before = AccessRecord.objects.count()
    found = selectors.rectification_get(actor=officer, pk=rectification.pk)
    identity = selectors.reviewer_identity(actor=officer, rectification=found)
    assert identity["name"] == citizen.real_name
    assert AccessRecord.objects.count() == before + 1
    record = AccessRecord.objects.get(dataset="reviews")
    assert record.actor == officer
    assert record.dataset == "reviews"
    assert record.case_ref == found.review.event_ref


def test_the_public_figures(rate: Callable[..., Review], officer: User, finished: Case) -> None:
    rectification = rate(level=2, indicators=("waited_long",)).rectification
    services.rectification_result_send(actor=officer, rectification=rectification, result="Ok.")
    assert services.stats_refresh() == 1
    figures = selectors.stats(department=finished.department_id)
    assert figures["total"]["reviews"] == 1
    assert figures["total"]["bad"] == 1
    assert figures["total"]["satisfaction"] == 0
    assert figures["total"]["rectified_on_time"] == 1
    [row] = figures["departments"]
    assert row["department"] == finished.department_id
    # A later good version replaces it in the figures.
    rate(level=5, indicators=())
    services.stats_refresh()
    figures = selectors.stats()
    assert (figures["total"]["reviews"], figures["total"]["bad"]) == (1, 0)
    assert figures["total"]["satisfaction"] == 1
    with pytest.raises(ValidationFailed):
        selectors.stats(start="2026-12-31", end="2026-01-01")


def test_the_workers_tick_refreshes_the_figures_once_a_day(rate: Callable[..., Review]) -> None:
    from onestop.reviews import tasks
    from onestop.reviews.models import DailyStat

    rate(level=4, indicators=())
    assert not DailyStat.objects.exists()  # the figures wait for the daily refresh
    first = tasks.tick.call()
    assert first["stats_rows"] == 1
    assert DailyStat.objects.get().reviews == 1
    # The next ticks of the same day leave the figures alone.
    assert tasks.tick.call()["stats_rows"] is None
    # The next day's first tick computes them again.
    DailyStat.objects.update(computed_at=timezone.now() - datetime.timedelta(days=1))
    assert tasks.stats_due()
    assert tasks.tick.call()["stats_rows"] == 1
