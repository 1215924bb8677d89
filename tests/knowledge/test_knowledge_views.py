"""Pages: /knowledge/<slug>/, /assistant/, and the Answers block of /search/."""

from __future__ import annotations

import pytest
from django.urls import reverse

from onestop.core.actors import SYSTEM
from onestop.knowledge.services import article_import

from .conftest import article_record

CARD = "social-security-card-replacement"


def test_url_names():
    assert reverse("knowledge:assistant") == "/assistant/"
    assert reverse("knowledge:article_detail", kwargs={"slug": CARD}) == f"/knowledge/{CARD}/"


def test_article_page_shows_body_source_dates_and_related_services(client, knowledge_base):
    response = client.get("/knowledge/newborn-hukou-materials/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 id="article-title">新生儿落户需要哪些材料</h1>' in html
    assert "<dd>《中华人民共和国户口登记条例》第七条；五莲县公安局</dd>" in html
    assert '<time datetime="2020-01-01">2020年1月1日</time>' in html  # written for the reader
    assert '<a class="usa-link" href="/scenarios/newborn/">新生儿出生一件事</a>' in html
    assert '<a class="usa-link" href="/items/37112100GA-QR-0001/">出生登记（户口登记）</a>' in html


def test_article_body_is_escaped_markdown(client, knowledge_base):
    article_import(
        actor=SYSTEM,
        records=[article_record("xss", body_zh="<script>alert(1)</script>\n\n- **要点**")],
    )

    html = client.get("/knowledge/xss/").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<ul class="usa-list"><li><strong>要点</strong></li></ul>' in html


@pytest.mark.parametrize("slug", ["heating-draft", "passport-fee-2099", "nope"])
def test_invisible_articles_are_404(client, knowledge_base, slug):
    assert client.get(f"/knowledge/{slug}/").status_code == 404


def test_a_supervisor_previews_a_draft(client, knowledge_base, staff):
    client.force_login(staff["supervisor"])

    response = client.get("/knowledge/heating-draft/")

    assert response.status_code == 200
    assert "usa-tag bg-secondary" in response.content.decode()


def test_assistant_form_without_a_question(client, db):
    response = client.get("/assistant/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<label class="usa-label" for="assistant-q">' in html
    assert 'method="get"' in html
    assert "usa-alert" not in html


def test_assistant_answers_with_links_to_the_sources(client, knowledge_base):
    response = client.get("/assistant/", {"q": "宝宝出生了落户要带什么材料"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "婴儿出生后一个月以内申报出生登记。" in html
    assert (
        '<a class="usa-link" href="/knowledge/newborn-hukou-materials/">新生儿落户需要哪些材料</a>'
        in html
    )
    assert '<a class="usa-link" href="/scenarios/newborn/">新生儿出生一件事</a>' in html
    assert '<a class="usa-link" href="/items/37112100GA-QR-0001/">出生登记（户口登记）</a>' in html


def test_assistant_htmx_request_gets_only_the_answer(client, knowledge_base):
    response = client.get(
        "/assistant/", {"q": "社保卡丢了怎么补办"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="assistant-answer"')
    assert "<form" not in html
    assert f'href="/knowledge/{CARD}/"' in html


def test_assistant_without_a_sure_answer_says_so(client, knowledge_base):
    client.cookies["django_language"] = "en"

    response = client.get("/assistant/", {"q": "qwxzv plmok"}, headers={"accept-language": "en"})

    assert response.status_code == 200
    assert "We have no sure answer to “qwxzv plmok”." in response.content.decode()


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("", "Enter something to search for."),
        ("  ", "Enter something to search for."),
        ("问" * 201, "Your search is too long. Use at most 200 characters."),
    ],
)
def test_assistant_bad_input_is_400_with_a_message(client, knowledge_base, q, message):
    client.cookies["django_language"] = "en"

    response = client.get("/assistant/", {"q": q}, headers={"accept-language": "en"})

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'aria-invalid="true"' in html


def test_search_page_shows_articles_in_a_separate_answers_block(client, knowledge_base):
    response = client.get("/search/", {"q": "社保卡丢了怎么补办"})

    assert response.status_code == 200
    html = response.content.decode()
    answers, _, results = html.partition("os-search-results")
    assert 'id="answers-title"' in answers
    assert f'<a class="usa-link" href="/knowledge/{CARD}/">社保卡丢了怎么补办</a>' in answers
    assert "/knowledge/" not in results
