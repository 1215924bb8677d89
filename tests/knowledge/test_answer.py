"""Articles in search, and answers with citations."""

from __future__ import annotations

import pytest
from django.utils import translation

from onestop.core.errors import NotFound, ValidationFailed
from onestop.knowledge.models import Article, SearchDocument
from onestop.knowledge.selectors import (
    Answer,
    Citation,
    answer,
    article_get,
    article_list,
    article_related,
    search,
)

from .conftest import REGION

CARD = "social-security-card-replacement"


def _refs(hits):
    return [(h.kind, h.ref) for h in hits]


def test_faq_style_question_finds_the_faq_in_the_top_3(knowledge_base):
    hits = search(q="社保卡丢了怎么补办", region=REGION)

    assert ("article", CARD) in _refs(hits)[:3]
    hit = next(h for h in hits if h.ref == CARD)
    assert hit.title == "社保卡丢了怎么补办"
    assert hit.slug == CARD
    assert hit.code is None
    assert hit.as_dict() == {
        "kind": "article",
        "slug": CARD,
        "title": "社保卡丢了怎么补办",
        "score": hit.score,
    }


def test_english_question_finds_the_faq_with_its_english_title(knowledge_base):
    hits = search(q="I lost my social security card", lang="en", region=REGION, kinds=["article"])

    assert _refs(hits)[0] == ("article", CARD)
    assert hits[0].title == "How do I replace a lost social security card?"


def test_kinds_filter_keeps_the_catalogue_only_or_articles_only(knowledge_base):
    catalogue = search(q="新生儿落户", region=REGION, kinds=["item", "scenario"], limit=50)
    articles = search(q="新生儿落户", region=REGION, kinds=["article"], limit=50)

    assert catalogue
    assert {h.kind for h in catalogue} <= {"item", "scenario"}
    assert _refs(catalogue)[0] == ("scenario", "newborn")
    assert _refs(articles)[0] == ("article", "newborn-hukou-materials")
    assert {h.kind for h in articles} == {"article"}


def test_drafts_expired_and_future_articles_are_never_found(knowledge_base):
    found = {
        h.ref
        for q in ("暖气不热", "2024年度居民医保缴费期", "护照收费新标准")
        for h in search(q=q, region=REGION, limit=50)
    }

    assert not found & {"heating-draft", "medical-insurance-2024-payment", "passport-fee-2099"}


@pytest.mark.parametrize("kinds", [[], ["articles"], "article", ["item", "faq"]])
def test_unknown_kinds_are_refused(knowledge_base, kinds):
    with translation.override("en"), pytest.raises(ValidationFailed) as excinfo:
        search(q="出生", region=REGION, kinds=kinds)

    assert excinfo.value.code == "invalid_kinds"
    with translation.override("en"):
        assert str(excinfo.value.message) == (
            "The kinds of result must be among item, scenario and article."
        )


def test_answer_quotes_the_faq_with_citations(knowledge_base):
    result = answer(q="社保卡丢了怎么补办", region=REGION)

    assert isinstance(result, Answer)
    assert result.text == (
        "社会保障卡丢失后，请先挂失：拨打12333或到合作银行网点办理。\n\n"
        "挂失后，本人携带居民身份证到人社服务大厅或合作银行网点申请补领。"
    )
    assert result.citations == [
        Citation(
            kind="article",
            ref=CARD,
            title="社保卡丢了怎么补办",
            source="《社会保障卡管理办法》；五莲县人力资源和社会保障局",
            url=f"/knowledge/{CARD}/",
        )
    ]
    assert 0.45 <= result.confidence <= 1


def test_answer_cites_the_related_scenario_and_items_that_exist(knowledge_base):
    result = answer(q="宝宝出生了落户要带什么材料", region=REGION)

    assert result is not None
    assert [(c.kind, c.ref, c.url) for c in result.citations] == [
        ("article", "newborn-hukou-materials", "/knowledge/newborn-hukou-materials/"),
        ("scenario", "newborn", "/scenarios/newborn/"),
        ("item", "37112100GA-QR-0001", "/items/37112100GA-QR-0001/"),
    ]
    assert result.citations[1].title == "新生儿出生一件事"
    assert result.citations[2].source == "公安局"


def test_english_answer_is_in_english(knowledge_base):
    result = answer(q="I lost my social security card, what do I do?", lang="en", region=REGION)

    assert result is not None
    assert result.text.startswith("First report the loss")
    assert "**" not in result.text
    assert result.citations[0].title == "How do I replace a lost social security card?"


def test_an_article_answers_with_its_most_relevant_paragraph(knowledge_base):
    result = answer(q="不动产登记需要提交哪些材料", region=REGION)

    assert result is not None
    assert result.citations[0].ref == "real-estate-registration-guide"
    assert result.text == "申请人需提交登记申请书、身份证明和不动产权属证书。"


@pytest.mark.parametrize(
    ("q", "lang"),
    [
        ("qwxzv plmok", "zh-hans"),
        ("今天天气怎么样", "zh-hans"),
        ("推荐一部好看的电影", "zh-hans"),
        ("what is the capital of France", "en"),
        ("暖气不热找谁", "zh-hans"),  # only a draft answers this
    ],
)
def test_nonsense_or_unanswerable_questions_get_no_answer(knowledge_base, q, lang):
    assert answer(q=q, lang=lang, region=REGION) is None


def test_no_articles_no_answer(small_catalogue):
    assert answer(q="社保卡丢了怎么补办", region=REGION) is None


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"q": ""}, "query_empty"),
        ({"q": " \t "}, "query_empty"),
        ({"q": "问" * 201}, "query_too_long"),
        ({"q": "社保卡", "lang": "fr"}, "invalid_language"),
    ],
)
def test_answer_refuses_bad_input(knowledge_base, kwargs, code):
    before = list(SearchDocument.objects.values_list("id", "updated_at"))

    with pytest.raises(ValidationFailed) as excinfo:
        answer(region=REGION, **kwargs)

    assert excinfo.value.code == code
    assert list(SearchDocument.objects.values_list("id", "updated_at")) == before


def test_article_get_shows_visible_articles_and_drafts_only_to_reviewers(knowledge_base, staff):
    assert article_get(slug=CARD).slug == CARD
    for slug in ("heating-draft", "medical-insurance-2024-payment", "no-such-article"):
        with pytest.raises(NotFound):
            article_get(slug=slug)
    with pytest.raises(NotFound):
        article_get(slug="heating-draft", actor=staff["agent"])
    assert article_get(slug="heating-draft", actor=staff["supervisor"]).status == "draft"


def test_article_list_and_related(knowledge_base):
    assert list(article_list().values_list("slug", flat=True)) == [
        "real-estate-registration-guide",
        "newborn-hukou-materials",
        "social-security-card-replacement",
    ]
    newborn = Article.objects.get(slug="newborn-hukou-materials")
    related = article_related(article=newborn, lang="en")
    assert [(c.kind, c.ref, c.title) for c in related] == [
        ("scenario", "newborn", "Newborn birth"),
        ("item", "37112100GA-QR-0001", "Birth registration (hukou registration)"),
    ]
