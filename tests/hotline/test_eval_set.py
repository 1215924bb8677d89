"""The independent evaluation sets (bench/data, issue #14) are well-formed against the seeded
data, and none of their texts has leaked into the training history or the synonym file.

The sets are evaluation data only (bench/data/README.md): a text of theirs in the history the
routing model trains on, or in the synonyms the search expands with, would make every figure
measured on them meaningless. Reads files only (no database)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "bench" / "data"
SEED = ROOT / "data" / "seed"
HISTORY = ROOT / "onestop" / "hotline" / "data" / "history.jsonl"
HANDWRITTEN = sorted((ROOT / "onestop" / "hotline" / "data").glob("handwritten*.jsonl"))
SYNONYMS = ROOT / "onestop" / "knowledge" / "data" / "synonyms.json"
REGIONS = {"371121", "320707"}
# Character 5-gram Jaccard above which two texts count as the same text: one changed character
# in a 30-character request still scores 0.7; the closest history text to any eval text scores
# below 0.5.
NEAR = 0.6
# Keyword searches of a few words (装宽带, 个税汇算, 异地就医备案, "lost my social security card")
# are what people type and coincide with catalogue terms and colloquial synonyms by nature: they
# carry no sentence that could be learnt. A text counts as a leak into the synonym file from
# this size on (Chinese characters plus English words) ...
MIN_LEAK_SIZE = 8
# ... and as copied inside a longer history request from this size on (a short question such
# as 育儿补贴怎么申请 naturally occurs inside longer requests).
MIN_CONTAINED_SIZE = 15


def _jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _seed(name: str) -> Any:
    return json.loads((SEED / name).read_text(encoding="utf-8"))


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def _size(text: str) -> int:
    return len(re.findall(r"[\u4e00-\u9fff]", text)) + len(re.findall(r"[A-Za-z]+", text))


def _grams(text: str, n: int = 5) -> frozenset[str]:
    t = _norm(text)
    return frozenset(t[i : i + n] for i in range(max(1, len(t) - n + 1)))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


@pytest.fixture(scope="module")
def hotline_set() -> list[dict[str, Any]]:
    return _jsonl(DATA / "hotline_eval.jsonl")


@pytest.fixture(scope="module")
def search_set() -> list[dict[str, Any]]:
    return _jsonl(DATA / "search_eval.jsonl")


def test_hotline_set_is_well_formed(hotline_set: list[dict[str, Any]]) -> None:
    hotline = _seed("hotline.json")
    categories = {c["code"]: c for c in hotline["categories"] if c["level"] == 2}
    types = {t["key"] for t in hotline["request_types"]}
    kinds = {k["key"] for k in _seed("departments.json")["kinds"]}
    ids = [row["id"] for row in hotline_set]
    assert len(hotline_set) >= 420
    assert len(set(ids)) == len(ids)
    assert len({_norm(row["text"]) for row in hotline_set}) == len(hotline_set)
    for row in hotline_set:
        assert set(row) <= {
            "id",
            "text",
            "lang",
            "region",
            "type",
            "category",
            "department_kind",
            "note",
        }, row["id"]
        assert re.fullmatch(r"h\d{3}", row["id"])
        assert 4 <= len(row["text"]) <= 200, row["id"]
        assert row["lang"] in {"zh", "en"}
        assert row["region"] in REGIONS
        assert row["type"] in types, row["id"]
        assert row["category"] in categories, row["id"]
        assert row["department_kind"] in kinds, row["id"]
        if row["department_kind"] != categories[row["category"]]["default_kind"]:
            assert row.get("note"), f"{row['id']}: an owner other than the default needs a note"
    # Every request type and every level-1 group, both regions, about 15 % English.
    assert {row["type"] for row in hotline_set} == types
    groups = {c["parent"] for c in categories.values()}
    assert {categories[row["category"]]["parent"] for row in hotline_set} == groups
    assert {row["region"] for row in hotline_set} == REGIONS
    english = Counter(row["lang"] for row in hotline_set)["en"] / len(hotline_set)
    assert 0.12 <= english <= 0.2


def test_search_set_is_well_formed(search_set: list[dict[str, Any]]) -> None:
    items = {item["code"] for item in _seed("catalog.json")["items"]}
    scenarios = {s["slug"] for s in _seed("scenarios.json")}
    ids = [row["id"] for row in search_set]
    assert len(search_set) >= 210
    assert len(set(ids)) == len(ids)
    assert len({_norm(row["text"]) for row in search_set}) == len(search_set)
    for row in search_set:
        assert set(row) == {"id", "text", "lang", "item", "also", "scenario"}, row["id"]
        assert re.fullmatch(r"s\d{3}", row["id"])
        assert row["lang"] in {"zh", "en"}
        assert row["item"] or row["scenario"], row["id"]
        assert row["item"] is None or row["item"] in items, row["id"]
        assert set(row["also"]) <= items, row["id"]
        assert row["item"] not in row["also"], row["id"]
        assert row["scenario"] is None or row["scenario"] in scenarios, row["id"]
    assert len({row["item"] for row in search_set if row["item"]}) >= 90


def test_no_eval_text_is_in_the_training_history(
    hotline_set: list[dict[str, Any]], search_set: list[dict[str, Any]]
) -> None:
    # The synthetic history and the hand-written training requests alike.
    history = [
        row["text"] for path in (HISTORY, *HANDWRITTEN) if path.exists() for row in _jsonl(path)
    ]
    exact = {_norm(t) for t in history}
    grams = [_grams(t) for t in history]
    leaked = []
    for row in [*hotline_set, *search_set]:
        own = _grams(row["text"])
        text = _norm(row["text"])
        inside = _size(row["text"]) >= MIN_CONTAINED_SIZE and any(text in t for t in exact)
        if text in exact or inside or any(_jaccard(own, g) > NEAR for g in grams):
            leaked.append(row["id"])
    assert leaked == []


def test_no_eval_text_is_in_the_synonym_file(
    hotline_set: list[dict[str, Any]], search_set: list[dict[str, Any]]
) -> None:
    synonyms = json.loads(SYNONYMS.read_text(encoding="utf-8"))
    phrases: list[str] = []
    for entry in synonyms["entries"]:
        phrases += [*entry.get("colloquial", []), *entry.get("standard", [])]
    for cues in synonyms.get("life_event_cues", {}).values():
        phrases += cues
    exact = {_norm(p) for p in phrases}
    grams = [_grams(p) for p in phrases if _size(p) >= MIN_LEAK_SIZE]
    leaked = []
    for row in [*hotline_set, *search_set]:
        text = _norm(row["text"])
        if _size(row["text"]) < MIN_LEAK_SIZE:
            continue
        own = _grams(row["text"])
        if text in exact or any(_jaccard(own, g) > NEAR for g in grams):
            leaked.append(row["id"])
    assert leaked == []


def test_the_leak_check_finds_a_paraphrase() -> None:
    # The near-duplicate measure flags a copy with a changed character, not an unrelated text.
    text = "楼下新开的烧烤店油烟直接往俺家窗户里灌，晚上开到一两点，衣服都晾不了"
    copy = "楼下新开的烧烤店油烟直接往我家窗户里灌，晚上开到一两点，衣服都晾不了"
    assert _jaccard(_grams(text), _grams(copy)) > NEAR
    assert _jaccard(_grams(text), _grams("公积金能不能提出来还房贷")) < NEAR
