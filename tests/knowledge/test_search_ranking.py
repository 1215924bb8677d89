"""Issue #14's search ranking and speed rules: the specific item above its generic sibling, pinyin
initials and service vocabulary through the synonyms, the best embedding neighbours without
sorting the whole region, and the per-query freshness check served by an index."""

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onestop.knowledge import embeddings, selectors, synonyms
from onestop.knowledge.models import SearchDocument
from onestop.knowledge.selectors import search
from onestop.knowledge.services import index_rebuild

from .conftest import REGION

CIVIL = ("civil-affairs", "民政局", "Civil Affairs Bureau")
HRSS = ("human-resources", "人社局", "Human Resources and Social Security Bureau")


@pytest.fixture
def siblings(small_catalogue):
    """Items that share their subject and differ in what is done: the generic one says the
    everyday word (丧葬, 社保卡), the specific one what the question asks (注销, 换领)."""
    small_catalogue.item("37112100GA-QR-0005", "死亡人员户口注销", "Cancellation of the hukou")
    small_catalogue.item(
        "37112100RS-JF-0005",
        "企业职工丧葬补助金、抚恤金申领",
        "Funeral grant and survivors' pension",
        kind=HRSS,
    )
    small_catalogue.item(
        "37112100RS-GG-0007", "社会保障卡申领", "Social security card application", kind=HRSS
    )
    small_catalogue.item(
        "37112100RS-GG-0008",
        "社会保障卡补领、换领",
        "Social security card replacement",
        kind=HRSS,
    )
    small_catalogue.item("37112100GA-QR-0002", "居民身份证换领", "Renewal of the resident ID card")
    index_rebuild()
    return small_catalogue


def _first_item(q, lang="zh-hans"):
    return next(h.ref for h in search(q=q, lang=lang, region=REGION) if h.kind == "item")


def test_the_specific_item_comes_before_its_generic_sibling(siblings):
    # 销户口 asks for the cancellation, not for the registration 出生登记（户口登记）that also
    # says 户口.
    assert _first_item("销户口去哪办") == "37112100GA-QR-0005"
    # 换新卡 asks for the replacement, not for a first card.
    assert _first_item("社保卡坏了想换新卡") == "37112100RS-GG-0008"


def test_pinyin_initials_find_the_service(siblings):
    assert _first_item("sbk过期了") in ("37112100RS-GG-0008", "37112100RS-GG-0007")
    assert _first_item("sfz换领") == "37112100GA-QR-0002"


def test_pinyin_initials_and_english_phrases_match_whole_words_only():
    assert "社会保障卡" in synonyms.expand("sbk过期了换新卡").terms
    assert "社会保障卡" not in synonyms.expand("sbkx").terms
    assert "特种设备使用登记" in synonyms.expand("The lift in our building").terms
    assert "特种设备使用登记" not in synonyms.expand("shoplifting report").terms


def test_best_neighbours_by_partition_equal_a_full_sort(monkeypatch):
    rng = np.random.default_rng(14)
    vectors = rng.normal(size=(500, embeddings.DIMENSIONS)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    query = vectors[:5].mean(axis=0)
    query /= np.linalg.norm(query)
    monkeypatch.setattr(embeddings, "encode", lambda texts: query[np.newaxis, :])
    matrix = selectors._Matrix(
        signature=(),
        ids=np.arange(1000, 1500, dtype=np.int64),
        kinds=np.array(["item"] * 500, dtype=np.str_),
        vectors=vectors,
    )

    found = selectors._neighbours("q", matrix, 10)

    scores = vectors @ query
    expected = [(1000 + int(i), float(scores[i])) for i in np.argsort(-scores)[:10]]
    assert found == [pair for pair in expected if pair[1] >= selectors.MIN_COSINE]


def test_the_freshness_check_reads_the_signature_index(db):
    constraints = connection.introspection.get_constraints(
        connection.cursor(), SearchDocument._meta.db_table
    )
    assert constraints["knowledge_sd_signature"]["columns"] == ["region", "updated_at", "id"]
    if connection.vendor == "sqlite":
        with CaptureQueriesContext(connection) as ctx:
            selectors._signature(REGION)
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + ctx.captured_queries[-1]["sql"])
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert "COVERING INDEX knowledge_sd_signature" in plan
