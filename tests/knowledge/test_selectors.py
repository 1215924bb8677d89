import pytest
from django.test import override_settings
from django.utils import translation

from onestop.core.errors import ValidationFailed
from onestop.knowledge.models import SearchDocument
from onestop.knowledge.selectors import Hit, search
from onestop.knowledge.services import index_item, index_rebuild

from .conftest import OTHER_REGION, REGION

EMPTY = "Enter something to search for."
TOO_LONG = "Your search is too long. Use at most 200 characters."
BAD_LANG = "The language must be zh-hans or en."
BAD_LIMIT = "The number of results must be between 1 and 50."


@pytest.fixture
def indexed(small_catalogue):
    index_rebuild()
    return small_catalogue


def _refs(hits):
    return [(h.kind, h.ref) for h in hits]


def test_colloquial_chinese_question_finds_the_life_event_bundle(indexed):
    hits = search(q="孩子刚出生要办什么", region=REGION)

    assert _refs(hits)[0] == ("scenario", "newborn")
    assert hits[0].title == "新生儿出生一件事"
    assert 0 < hits[0].score <= 1
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_synonyms_bridge_words_the_catalogue_does_not_use(indexed):
    # 开饭店 appears nowhere in the catalogue; the synonym list maps it to 餐饮店/食品经营许可.
    assert _refs(search(q="开饭店", region=REGION))[0] == ("scenario", "restaurant-opening")
    assert ("item", "37112100GA-QR-0001") in _refs(search(q="上户口", region=REGION))[:3]


def test_english_question_gets_english_titles(indexed):
    hits = search(q="how do I open a restaurant", lang="en", region=REGION)

    assert hits[0] == Hit(
        kind="scenario",
        ref="restaurant-opening",
        title="Opening a restaurant",
        score=hits[0].score,
        matched=("open", "restaurant", "food", "business"),  # the words, then synonym terms
    )
    assert hits[0].as_dict() == {
        "kind": "scenario",
        "slug": "restaurant-opening",
        "title": "Opening a restaurant",
        "score": hits[0].score,
    }


def test_item_hits_carry_a_code(indexed):
    hits = search(q="结婚登记", region=REGION, limit=1)

    assert [h.as_dict() for h in hits] == [
        {
            "kind": "item",
            "code": "37112100MZ-QR-0001",
            "title": "结婚登记",
            "score": hits[0].score,
        }
    ]
    assert (hits[0].code, hits[0].slug) == ("37112100MZ-QR-0001", None)


def test_limit_caps_the_number_of_hits(indexed):
    assert len(search(q="出生登记", region=REGION, limit=2)) == 2
    assert len(search(q="出生登记", region=REGION, limit="3")) == 3


def test_region_defaults_to_the_node_region_and_scopes_the_results(indexed):
    with override_settings(NODE_REGION=OTHER_REGION):
        hits = search(q="出生登记")
    assert _refs(hits) == [("item", "32070700GA-QR-0001")]
    assert all(
        ref.startswith("37112100") or kind == "scenario"
        for kind, ref in _refs(search(q="出生登记", region=REGION, limit=50))
    )


def test_nonsense_finds_nothing(indexed):
    assert search(q="qwxzv plmok", region=REGION) == []
    assert search(q="今天天气怎么样", region=REGION) == []


def test_control_characters_are_stripped_not_refused(indexed):
    hits = search(q="结婚\x00登记\x07", region=REGION, limit=1)

    assert _refs(hits) == [("item", "37112100MZ-QR-0001")]


@pytest.mark.parametrize("hostile", ['"', '" OR "', "NEAR(", "*", "出生 AND NOT 登记", "--"])
def test_query_syntax_in_the_question_is_harmless(indexed, hostile):
    assert isinstance(search(q=hostile, region=REGION), list)


def test_a_new_document_is_found_at_once(indexed):
    assert search(q="离婚", region=REGION, limit=1)[0].ref != "37112100MZ-QR-0002"
    item = indexed.item("37112100MZ-QR-0002", "离婚登记", "Divorce registration")

    index_item(item)

    assert search(q="离婚", region=REGION, limit=1)[0].ref == "37112100MZ-QR-0002"


def test_a_deleted_document_is_gone_from_the_embedding_matrix(indexed):
    search(q="结婚", region=REGION)  # builds the cached matrix
    SearchDocument.objects.filter(ref="37112100MZ-QR-0001").delete()

    assert "37112100MZ-QR-0001" not in [h.ref for h in search(q="结婚", region=REGION)]


@pytest.mark.parametrize(
    ("kwargs", "code", "message"),
    [
        ({"q": ""}, "query_empty", EMPTY),
        ({"q": "   \t\n "}, "query_empty", EMPTY),
        ({"q": "\x00\x01\x1f"}, "query_empty", EMPTY),
        ({"q": None}, "query_empty", EMPTY),
        ({"q": "出" * 201}, "query_too_long", TOO_LONG),
        ({"q": "a" * 10_000}, "query_too_long", TOO_LONG),
        ({"q": "出生", "lang": "fr"}, "invalid_language", BAD_LANG),
        ({"q": "出生", "lang": "de-DE"}, "invalid_language", BAD_LANG),  # "zh" is a BCP 47 tag
        ({"q": "出生", "limit": 0}, "invalid_limit", BAD_LIMIT),
        ({"q": "出生", "limit": 51}, "invalid_limit", BAD_LIMIT),
        ({"q": "出生", "limit": "ten"}, "invalid_limit", BAD_LIMIT),
        ({"q": "出生", "limit": -1}, "invalid_limit", BAD_LIMIT),
        ({"q": "出生", "limit": True}, "invalid_limit", BAD_LIMIT),
    ],
)
def test_bad_input_is_refused_with_a_translated_message(indexed, kwargs, code, message):
    before = list(SearchDocument.objects.values_list("id", "updated_at"))

    with translation.override("en"), pytest.raises(ValidationFailed) as excinfo:
        search(region=REGION, **kwargs)

    assert excinfo.value.code == code
    with translation.override("en"):
        assert str(excinfo.value.message) == message
    assert list(SearchDocument.objects.values_list("id", "updated_at")) == before


def test_exactly_200_characters_is_accepted(indexed):
    assert isinstance(search(q="出" * 200, region=REGION), list)


def test_an_empty_index_finds_nothing(db):
    assert search(q="出生登记", region=REGION) == []


def test_messages_are_translated(indexed):
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as excinfo:
        search(q=" ", region=REGION)

    assert str(excinfo.value.message) != EMPTY
    assert excinfo.value.code == "query_empty"


def test_problems_are_told_from_services():
    from onestop.knowledge.problems import looks_like_a_problem

    for question in (
        "饭店太吵",
        "楼上漏水没人管",
        "The bar next door is too loud",
        "pothole on my street",
    ):
        assert looks_like_a_problem(question), question
    for question in ("宝宝出生上户口", "开饭店要办什么证", "open a restaurant", "retire", ""):
        assert not looks_like_a_problem(question), question
