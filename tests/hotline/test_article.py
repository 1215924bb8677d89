"""Turning the reply of a closed work order into a draft knowledge article: the service, its
refusals, the button on the order page, the prefilled form and the draft."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from onestop.core.errors import Conflict, PermissionDenied, ValidationFailed
from onestop.hotline import services
from onestop.hotline.models import WorkOrder
from onestop.knowledge.models import Article, SearchDocument
from tests.factories import login as client_for

HR = "371121-human-resources-social-security"
REPLY = "已责令用工单位在十个工作日内补发工资，劳动监察大队将跟踪落实。"
S = WorkOrder.Status


def _replied(world: Any, make: Any) -> WorkOrder:
    hr = world["officer-hr"]
    order = make(category="labor.wage-arrears", description="公司拖欠三个月工资怎么办\n在洪凝街道")
    order = services.ticket_dispatch(actor=world["agent"], order=order, department=HR)
    order = services.ticket_start(actor=hr, order=services.ticket_sign_for(actor=hr, order=order))
    return services.ticket_reply(actor=hr, order=order, text=REPLY)


@pytest.fixture
def closed(world: Any, make: Any) -> WorkOrder:
    return services.ticket_callback(
        actor=world["agent"], order=_replied(world, make), satisfied=True, resolved=True
    )


def _draft(actor: Any, order: WorkOrder, **kw: Any) -> Article:
    values = {
        "title_zh": "被拖欠工资怎么办",
        "question_zh": "公司拖欠工资怎么办？",
        "body_zh": REPLY,
    }
    return services.ticket_article_draft(actor=actor, order=order, **(values | kw))


def _state() -> tuple[int, int]:
    return Article.objects.count(), WorkOrder.objects.filter(events__kind="article").count()


def test_agent_turns_the_reply_of_a_closed_order_into_a_draft(world, closed):
    article = _draft(world["agent"], closed)

    assert article.status == Article.Status.DRAFT
    assert article.kind == Article.Kind.FAQ
    assert (article.title_zh, article.question_zh, article.body_zh) == (
        "被拖欠工资怎么办",
        "公司拖欠工资怎么办？",
        REPLY,
    )
    assert article.source.startswith(f"12345工单{closed.number}答复；")
    assert closed.lead_department.name_zh in article.source
    assert article.department_kind_id == "human-resources-social-security"
    assert article.region_id == "371121"
    assert article.created_by == world["agent"]
    assert not SearchDocument.objects.filter(ref=article.slug).exists()
    event = closed.events.get(kind="article")
    assert (event.actor, event.data) == (world["agent"], {"slug": article.slug})
    closed.refresh_from_db()
    assert closed.status == S.CLOSED


def test_a_consultation_answered_on_the_call_can_become_an_article(world, make):
    order = services.ticket_answer_on_spot(
        actor=world["agent"],
        order=make(request_type="consultation", category="labor.wage-arrears"),
        text="可以拨打劳动监察举报电话。",
    )
    article = _draft(world["supervisor"], order, source="")
    assert article.department_kind_id is None
    assert article.source == f"12345工单{order.number}答复"


@pytest.mark.parametrize("who", ["officer-hr", "citizen", "agent-gy", "clerk"])
def test_only_hotline_staff_of_the_region_may(world, closed, who):
    before = _state()
    with pytest.raises(PermissionDenied):
        _draft(world[who], closed)
    assert _state() == before


def test_an_open_order_has_no_reply_to_publish_yet(world, make):
    order = _replied(world, make)
    before = _state()
    with pytest.raises(Conflict) as error:
        _draft(world["agent"], order)
    assert error.value.code == "not_closed"
    assert _state() == before


def test_one_draft_per_order(world, closed):
    first = _draft(world["agent"], closed)
    before = _state()
    with pytest.raises(Conflict) as error:
        _draft(world["supervisor"], closed)
    assert error.value.code == "article_exists"
    assert first.slug in str(error.value.message)
    assert _state() == before


@pytest.mark.parametrize(
    ("field", "value"), [("title_zh", " "), ("body_zh", ""), ("title_zh", "长" * 201)]
)
def test_bad_input_writes_nothing(world, closed, field, value):
    before = _state()
    with pytest.raises(ValidationFailed):
        _draft(world["agent"], closed, **{field: value})
    assert _state() == before


# --- pages ------------------------------------------------------------------------------------


def test_the_order_page_button_the_prefilled_form_and_the_draft(world, closed):
    agent = client_for(world["agent"])
    order_url = reverse("hotline:order", args=[closed.number])
    form_url = reverse("hotline:article", args=[closed.number])

    page = agent.get(order_url).content.decode()
    assert 'id="reply-to-article"' in page
    assert form_url in page

    form = agent.get(form_url)
    assert form.status_code == 200
    html = form.content.decode()
    assert REPLY in html
    assert 'value="公司拖欠三个月工资怎么办"' in html  # the first line of the description
    assert f"12345工单{closed.number}答复" in html
    for field in ("article-title", "article-question", "article-body", "article-source"):
        assert f'for="{field}"' in html

    response = agent.post(
        form_url,
        {
            "title_zh": "被拖欠工资怎么办",
            "question_zh": "公司拖欠工资怎么办？",
            "body_zh": REPLY,
            "source": f"12345工单{closed.number}答复",
        },
        follow=True,
    )
    article = Article.objects.get()
    assert response.redirect_chain[-1][0] == order_url
    html = response.content.decode()
    assert f"The draft article {article.slug} was saved." in html
    assert reverse("knowledge:article_detail", args=[article.slug]) in html
    assert 'id="reply-to-article"' not in html

    draft = agent.get(reverse("knowledge:article_detail", args=[article.slug]))
    assert draft.status_code == 200
    assert REPLY in draft.content.decode()
    assert client_for(world["supervisor"]).get(draft.request["PATH_INFO"]).status_code == 200
    for who in ("agent-gy", "citizen", "officer-hr"):
        other = client_for(world[who]).get(draft.request["PATH_INFO"])
        assert other.status_code == 404
    assert agent.get(form_url).status_code == 302  # made already: the form leads to the draft


def test_the_button_is_for_closed_orders_and_hotline_staff(world, make, closed):
    officer = client_for(world["officer-hr"])
    assert (
        "reply-to-article"
        not in officer.get(reverse("hotline:order", args=[closed.number])).content.decode()
    )
    assert officer.get(reverse("hotline:article", args=[closed.number])).status_code == 403
    before = _state()
    response = officer.post(
        reverse("hotline:article", args=[closed.number]),
        {"title_zh": "t", "body_zh": "b", "source": "s"},
    )
    assert response.status_code == 403
    assert _state() == before

    replied = _replied(world, make)
    agent = client_for(world["agent"])
    page = agent.get(reverse("hotline:order", args=[replied.number])).content.decode()
    assert "reply-to-article" not in page
    response = agent.post(
        reverse("hotline:article", args=[replied.number]),
        {"title_zh": "t", "body_zh": "b", "source": "s"},
    )
    assert response.status_code == 409
    assert "Only the reply of a closed work order can become an article." in (
        response.content.decode()
    )
    assert _state() == before


def test_an_empty_answer_is_400_and_writes_nothing(world, closed):
    before = _state()
    response = client_for(world["agent"]).post(
        reverse("hotline:article", args=[closed.number]),
        {"title_zh": "被拖欠工资怎么办", "question_zh": "", "body_zh": " ", "source": "来源"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "usa-alert--error" in html
    assert 'value="被拖欠工资怎么办"' in html  # what was typed stays
    assert _state() == before
