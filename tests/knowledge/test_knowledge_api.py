"""GET /api/v1/knowledge/answer, /api/v1/knowledge/articles/{slug}, and articles in /search."""

from __future__ import annotations

import pytest

from onestop.knowledge.models import Article, SearchDocument

CARD = "social-security-card-replacement"


def test_search_api_gives_articles_a_slug(client, knowledge_base):
    response = client.get("/api/v1/search", {"q": "社保卡丢了怎么补办", "limit": 5})

    assert response.status_code == 200
    article = next(hit for hit in response.json() if hit["kind"] == "article")
    assert article == {
        "kind": "article",
        "slug": CARD,
        "title": "社保卡丢了怎么补办",
        "score": article["score"],
        "region": "371121",
        "url": f"http://127.0.0.1:8000/knowledge/{CARD}/",
    }


def test_answer_api_returns_text_and_citations(client, knowledge_base):
    response = client.get("/api/v1/knowledge/answer", {"q": "新生儿落户需要什么材料"})

    assert response.status_code == 200
    body = response.json()["answer"]
    assert (
        body["text"] == "婴儿出生后一个月以内申报出生登记。需要出生医学证明、父母户口簿和身份证。"
    )
    assert body["citations"][0] == {
        "kind": "article",
        "ref": "newborn-hukou-materials",
        "title": "新生儿落户需要哪些材料",
        "source": "《中华人民共和国户口登记条例》第七条；五莲县公安局",
        "url": "/knowledge/newborn-hukou-materials/",
    }
    assert [c["kind"] for c in body["citations"]] == ["article", "scenario", "item"]
    assert 0.45 <= body["confidence"] <= 1


def test_answer_api_answers_null_when_unsure(client, knowledge_base):
    response = client.get("/api/v1/knowledge/answer", {"q": "qwxzv plmok", "lang": "en"})

    assert response.status_code == 200
    assert response.json() == {"answer": None}


def test_answer_api_without_a_question_answers_nothing(client, knowledge_base):
    response = client.get("/api/v1/knowledge/answer")

    assert response.status_code == 200
    assert response.json() == {"answer": None}


@pytest.mark.parametrize(
    ("params", "field"), [({"q": "问" * 201}, "q"), ({"q": "社保卡", "lang": "de"}, "lang")]
)
def test_answer_api_bad_input_is_422(client, knowledge_base, params, field):
    before = list(SearchDocument.objects.values_list("id", "updated_at"))

    response = client.get("/api/v1/knowledge/answer", params, headers={"accept-language": "en"})

    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert response.json()["details"][0]["loc"] == ["query", field]
    assert list(SearchDocument.objects.values_list("id", "updated_at")) == before


def test_article_api_in_both_languages(client, knowledge_base):
    zh = client.get(f"/api/v1/knowledge/articles/{CARD}")
    en = client.get(f"/api/v1/knowledge/articles/{CARD}", {"lang": "en"})

    assert zh.status_code == en.status_code == 200
    assert zh.json() == {
        "slug": CARD,
        "kind": "faq",
        "region": None,
        "title": "社保卡丢了怎么补办",
        "question": "社保卡丢了怎么补办？",
        "body": Article.objects.get(slug=CARD).body_zh,
        "source": "《社会保障卡管理办法》；五莲县人力资源和社会保障局",
        "department_kind": "human-resources-social-security",
        "effective_from": "2020-01-01",
        "effective_until": None,
        "related": [],
    }
    assert en.json()["title"] == "How do I replace a lost social security card?"
    assert en.json()["question"] == "I lost my social security card. How do I get a new one?"


@pytest.mark.parametrize("slug", ["heating-draft", "medical-insurance-2024-payment", "nope"])
def test_article_api_hides_drafts_expired_and_unknown(client, knowledge_base, slug):
    response = client.get(f"/api/v1/knowledge/articles/{slug}", headers={"accept-language": "en"})

    assert response.status_code == 404
    assert response.json() == {"code": "article_not_found", "message": "There is no such article."}


def test_article_api_bad_language_is_422(client, knowledge_base):
    response = client.get(f"/api/v1/knowledge/articles/{CARD}", {"lang": "xx"})

    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize("lang", ["en", "en-GB", "EN-us", "en_GB"])
def test_article_api_takes_bcp47_tags(client, knowledge_base, lang):
    response = client.get(f"/api/v1/knowledge/articles/{CARD}", {"lang": lang})

    assert response.status_code == 200
    assert (
        response.json()["title"]
        == client.get(f"/api/v1/knowledge/articles/{CARD}", {"lang": "en"}).json()["title"]
    )


def test_knowledge_operations_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    answer = {p["name"] for p in paths["/api/v1/knowledge/answer"]["get"]["parameters"]}
    article = {p["name"] for p in paths["/api/v1/knowledge/articles/{slug}"]["get"]["parameters"]}
    assert answer == {"q", "lang"}
    assert article == {"slug", "lang"}
