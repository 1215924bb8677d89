"""Desk suggestions: knowledge answer for consultations, category and department with
confidence, and likely duplicates (same category, same township or within 500 m, last 7 days,
not finished)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from onestop.accounts.models import User
from onestop.hotline import routing, services, suggest
from onestop.hotline.models import WorkOrder

RULES = (
    (("工资", "wage"), "labor.wage-arrears", "human-resources-social-security"),
    (("身份证", "ID card"), "public-security.household-registration", "public-security"),
    (("吵", "noise"), "public-security.public-order", "public-security"),
)


def fake_classify(*, text: str, region: str) -> dict[str, Any]:
    """Routing by keyword: the suggestions are under test here, not the routing model."""
    for words, category, kind in RULES:
        if any(w in text for w in words):
            return {
                "categories": [
                    {"code": category, "score": 0.9},
                    {"code": "labor.labor-relations", "score": 0.05},
                ],
                "departments": [{"code": f"{region}-{kind}", "kind": kind, "score": 0.8}],
                "auto": True,
            }
    return {"categories": [], "departments": [], "auto": False}


@pytest.fixture(autouse=True)
def fake_routing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routing, "classify", fake_classify)


@pytest.fixture
def fake_answer(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from onestop.knowledge import selectors as knowledge

    asked: list[str] = []

    def answer(*, q: str, lang: str = "zh-hans", region: str | None = None) -> Any:
        asked.append(q)
        if "身份证" not in q:
            return None
        citation = knowledge.Citation(
            kind="article",
            ref="id-card",
            title="补办身份证",
            source="公安局",
            url="/knowledge/id-card/",
        )
        return knowledge.Answer(text="带户口簿到派出所补办。", citations=[citation], confidence=0.9)

    monkeypatch.setattr(knowledge, "answer", answer)
    return asked


def test_consultation_gets_the_knowledge_answer_category_and_department(
    world: dict[str, User], fake_answer: list[str]
) -> None:
    result = suggest.suggest(actor=world["agent"], text="我想问身份证丢了怎么办", region="371121")

    assert result.answer is not None
    assert result.answer.text == "带户口簿到派出所补办。"
    assert [c.code for c in result.categories] == [
        "public-security.household-registration",
        "labor.labor-relations",
    ]
    assert result.categories[0].percent == 90
    assert [(d.code, d.percent) for d in result.departments] == [("371121-public-security", 80)]
    assert result.departments[0].name != "371121-public-security"  # the department's name
    assert result.auto is True
    assert result.duplicates == []


def test_a_complaint_asks_no_knowledge_answer(
    world: dict[str, User], fake_answer: list[str]
) -> None:
    result = suggest.suggest(
        actor=world["agent"], text="身份证办理窗口态度差", region="371121", request_type="complaint"
    )

    assert result.answer is None
    assert fake_answer == []
    assert result.categories[0].code == "public-security.household-registration"


def test_empty_text_suggests_nothing(world: dict[str, User], fake_answer: list[str]) -> None:
    result = suggest.suggest(actor=world["agent"], text="   ", region="371121")

    assert (result.answer, result.categories, result.departments, result.duplicates) == (
        None,
        [],
        [],
        [],
    )
    assert fake_answer == []


def test_duplicates_same_category_same_township_recent_and_open(
    world: dict[str, User], make: Callable[..., WorkOrder], clock: Any
) -> None:
    old = make(township="洪凝街道")
    clock.advance(days=8)
    recent = make(township="洪凝街道")
    elsewhere = make(township="街头镇")
    other_category = make(township="洪凝街道", category="labor.wage-arrears")
    answered = make(township="洪凝街道", request_type="consultation")
    services.ticket_answer_on_spot(actor=world["agent"], order=answered, text="已答复")

    found = suggest.duplicates(
        actor=world["agent"],
        category="public-security.public-order",
        township="洪凝街道",
        now=clock.now,
    )

    assert [o.number for o in found] == [recent.number]
    assert old.number not in {o.number for o in found}
    assert elsewhere.number != recent.number
    assert other_category.category_id == "labor.wage-arrears"


def test_duplicates_within_500_metres(
    world: dict[str, User], make: Callable[..., WorkOrder]
) -> None:
    near = make(township="", latitude="35.750000", longitude="119.200000")
    far = make(township="", latitude="35.760000", longitude="119.200000")  # about 1.1 km north

    found = suggest.duplicates(
        actor=world["agent"],
        category="public-security.public-order",
        latitude="35.753000",  # about 330 m from `near`
        longitude="119.200000",
    )

    assert [o.number for o in found] == [near.number]
    assert suggest.distance_m(35.75, 119.2, 35.76, 119.2) == pytest.approx(1112, abs=2)
    assert far.number not in {o.number for o in found}


def test_merged_and_unseen_orders_are_no_duplicates(
    world: dict[str, User], make: Callable[..., WorkOrder]
) -> None:
    master = make(township="洪凝街道")
    duplicate = make(township="洪凝街道")
    services.ticket_merge(actor=world["agent"], duplicate=duplicate, master=master)

    found = suggest.duplicates(
        actor=world["agent"], category="public-security.public-order", township="洪凝街道"
    )
    unseen = suggest.duplicates(
        actor=world["agent-gy"], category="public-security.public-order", township="洪凝街道"
    )

    assert [o.number for o in found] == [master.number]
    assert unseen == []


def test_no_place_means_no_duplicates(
    world: dict[str, User], make: Callable[..., WorkOrder]
) -> None:
    make(township="")

    assert suggest.duplicates(actor=world["agent"], category="public-security.public-order") == []


def test_suggest_uses_the_chosen_category_for_duplicates(
    world: dict[str, User], make: Callable[..., WorkOrder], fake_answer: list[str]
) -> None:
    wage = make(township="洪凝街道", category="labor.wage-arrears")

    by_model = suggest.suggest(
        actor=world["agent"], text="拖欠工资", region="371121", township="洪凝街道"
    )
    by_choice = suggest.suggest(
        actor=world["agent"],
        text="拖欠工资",
        region="371121",
        township="洪凝街道",
        category="public-security.public-order",
    )

    assert [o.number for o in by_model.duplicates] == [wage.number]
    assert by_choice.duplicates == []
    assert datetime.timedelta(days=suggest.DUPLICATE_DAYS) == datetime.timedelta(days=7)


def test_a_chosen_category_puts_its_owner_department_first(
    world: dict[str, User], fake_answer: list[str]
) -> None:
    """The text says wages (human resources), the agent chose public order: "Accept" offers the
    chosen category with the department that owns it, and each category names its owner."""
    found = suggest.suggest(
        actor=world["agent"],
        text="拖欠工资",
        region="371121",
        category="public-security.public-order",
    )
    assert found.categories[0].code == "public-security.public-order"
    assert found.departments[0].code == "371121-public-security"
    assert found.top[1].code == "371121-public-security"
    assert "371121-human-resources-social-security" in [d.code for d in found.departments]
    by_text = suggest.suggest(actor=world["agent"], text="拖欠工资", region="371121")
    owners = {c.code: c.department for c in by_text.categories}
    assert owners["labor.wage-arrears"] == "371121-human-resources-social-security"


def test_the_live_panel_finds_the_duplicate_the_created_order_would_find(
    world: dict[str, User], make: Callable[..., WorkOrder], client: Any, fake_answer: list[str]
) -> None:
    """The desk used to say "no similar open order nearby" while the agent typed and flag one
    once the order was created: the live panel searches with the same category and township."""
    from django.urls import reverse

    from tests.factories import login

    earlier = make(township="洪凝街道", category="labor.wage-arrears")
    agent = login(world["agent"])
    values = {"description": "拖欠工资三个月", "request_type": "complaint", "township": "洪凝街道"}
    body = agent.post(reverse("hotline:desk_suggest"), values).content.decode()
    assert earlier.number in body
    values["township"] = "石场乡"
    body = agent.post(reverse("hotline:desk_suggest"), values).content.decode()
    assert earlier.number not in body


def test_the_live_panel_leaves_the_answer_for_its_own_request(
    world: dict[str, User], fake_answer: list[str]
) -> None:
    panel = suggest.suggest(
        actor=world["agent"], text="身份证丢了怎么补办", region="371121", with_answer=False
    )
    complaint = suggest.suggest(
        actor=world["agent"],
        text="身份证丢了怎么补办",
        region="371121",
        request_type="complaint",
        with_answer=False,
    )

    assert (panel.answer, panel.answer_pending) == (None, True)
    assert complaint.answer_pending is False
    assert fake_answer == []
    found = suggest.answer(text="身份证丢了怎么补办", region="371121")
    assert found is not None
    assert found.text == "带户口簿到派出所补办。"
    assert suggest.answer(text="  ", region="371121") is None


def test_a_suggested_category_shows_the_keywords_it_matched(
    world: dict[str, User], fake_answer: list[str]
) -> None:
    result = suggest.suggest(
        actor=world["agent"],
        text="包工头拖欠工资半年了，俺们讨薪没人管",
        region="371121",
        request_type="complaint",
    )

    assert result.categories[0].code == "labor.wage-arrears"
    assert result.categories[0].matched == ("拖欠工资", "讨薪", "包工头")
    assert result.categories[1].matched == ()
