"""The routing model: synthetic history, training, prediction contract, threshold, persistence,
seed step, commands and the classify API.

Accuracy is not tested here: the held-out requests come from the same generator as the training
ones, so a score on them says how well the model learnt the generator, not how well it routes
real calls. That figure is a labelled benchmark (bench/bench_hotline_routing.py); the test below
only checks that training gives a model that predicts sensibly."""

from __future__ import annotations

import dataclasses
import importlib.util
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from onestop.hotline import routing
from onestop.org.seed import seed_org
from tests.factories import OTHER_REGION

URL = "/api/v1/hotline/classify"
SYNTH = Path(__file__).resolve().parents[2] / "tools" / "hotline_synth.py"


def _load_synth() -> Any:
    """The offline generator (tools/hotline_synth.py: not part of the runtime package)."""
    spec = importlib.util.spec_from_file_location("hotline_synth", SYNTH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


synth = _load_synth()


@pytest.fixture(scope="session")
def held_out() -> tuple[list[Any], list[Any]]:
    return routing.split(routing.history_examples())


@pytest.fixture(scope="session")
def model(held_out: tuple[list[Any], list[Any]]) -> routing.Model:
    """Trained once for the session on 80 % of the history plus the pseudo-examples."""
    train, _ = held_out
    return routing.train([*train, *routing.cold_start_examples()])


@pytest.fixture(scope="session")
def cold_model() -> routing.Model:
    return routing.train_cold_start()


@pytest.fixture
def active(model: routing.Model) -> Any:
    routing.set_model(model)
    yield model
    routing.set_model(None)


@pytest.fixture
def org(db: None) -> None:
    seed_org()
    seed_org(region=OTHER_REGION)


# --- the synthetic history -------------------------------------------------------------------


def test_the_runtime_does_not_ship_the_generator() -> None:
    """The node reads the committed history; the generator lives in tools/."""
    assert importlib.util.find_spec("onestop.hotline.synth") is None
    assert routing.HISTORY_FILE.is_file()


def test_generator_is_deterministic_and_matches_the_shipped_file() -> None:
    first = synth.generate(2000)
    assert synth.generate(2000)[:20] == first[:20]
    assert synth.generate(2000, seed=1)[:20] != first[:20]
    shipped = routing.load_jsonl(routing.HISTORY_FILE)
    assert shipped == first


def test_history_covers_every_category_and_both_regions() -> None:
    lines = routing.history_examples()
    codes = {c["code"] for c in routing.categories()}
    assert len(lines) >= 1500
    assert {line["category"] for line in lines} == codes
    assert Counter(line["region"] for line in lines) == {"371121": 1000, "320707": 1000}
    assert set(lines[0]) == {"text", "category", "kind", "region", "type"}
    per_category = Counter(line["category"] for line in lines)
    assert min(per_category.values()) >= 12


def test_history_mixes_english_and_other_handlers() -> None:
    lines = routing.history_examples()
    default = {c["code"]: c["default_kind"] for c in routing.categories()}
    english = sum(line["text"].isascii() for line in lines) / len(lines)
    other = sum(line["kind"] != default[line["category"]] for line in lines) / len(lines)
    assert 0.07 <= english <= 0.13
    assert 0.05 <= other <= 0.11
    assert len({line["text"] for line in lines}) >= 0.9 * len(lines)
    assert {line["type"] for line in lines} == {
        "complaint",
        "consultation",
        "assistance",
        "suggestion",
        "report",
        "praise",
    }


# --- training (a smoke check; the accuracy figure is in bench/bench_hotline_routing.py) ------


def test_trained_model_routes_hand_written_requests(
    model: routing.Model, held_out: tuple[list[Any], list[Any]]
) -> None:
    kinds = {k: f"371121-{k}" for k in model.kind_clf.classes_}
    history = {line["text"] for line in routing.history_examples()}
    written = {
        "我家小区的物业公司什么都不管": "urban-rural-construction.property-management",
        "家里停电一整天了，还没人来修": "utilities.power",
        "身份证丢了，想问问怎么补办": "public-security.household-registration",
    }
    assert not set(written) & history  # not the generator's sentences
    for text, category in written.items():
        out = model.predict(text, "371121", departments=kinds)
        assert out["categories"][0]["code"] == category
        assert out["departments"][0]["code"] == kinds[out["departments"][0]["kind"]]
    # evaluate() reports on the held-out part (its figures are the benchmark's business).
    res = routing.evaluate(model, held_out[1], at=routing.DEFAULT_THRESHOLD)
    assert res["n"] == len(held_out[1]) == 400
    assert all(0.0 <= res[key] <= 1.0 for key in ("category_top1", "coverage", "precision"))


def test_cold_start_model_routes_obvious_requests(cold_model: routing.Model) -> None:
    kinds = {k: f"371121-{k}" for k in cold_model.kind_clf.classes_}

    def top(text: str) -> tuple[str, str]:
        out = cold_model.predict(text, "371121", departments=kinds)
        return out["categories"][0]["code"], out["departments"][0]["kind"]

    assert top("小区物业不管事") == (
        "urban-rural-construction.property-management",
        "housing-urban-rural-development",
    )
    assert top("楼下饭店油烟太大")[0] == "urban-management.cooking-fumes"
    assert top("家里停电了")[0] == "utilities.power"
    assert top("孩子上学报名")[0] == "education.enrollment"
    assert top("身份证丢了怎么补办") == (
        "public-security.household-registration",
        "public-security",
    )


def test_cold_start_examples_cover_every_category_and_kind() -> None:
    examples = routing.cold_start_examples()
    assert {e["category"] for e in examples if e["category"]} == {
        c["code"] for c in routing.categories()
    }
    kinds = json.loads((routing.SEED_DIR / "departments.json").read_text())["kinds"]
    assert {e["kind"] for e in examples} == {k["key"] for k in kinds}


# --- prediction contract ---------------------------------------------------------------------


def test_predict_returns_departments_of_the_region(active: routing.Model, org: None) -> None:
    from onestop.org.selectors import department_list

    out = active.predict("翠湖名苑的物业不管事，楼道垃圾没人收拾", "320707")
    assert out["categories"][0]["code"] == ("urban-rural-construction.property-management")
    assert len(out["categories"]) == 5
    assert len(out["departments"]) == 3
    existing = set(department_list(region="320707").values_list("code", flat=True))
    for dept in out["departments"]:
        assert dept["code"].startswith(f"320707-{dept['kind']}")
        assert dept["code"] in existing
    scores = [c["score"] for c in out["categories"]]
    assert scores == sorted(scores, reverse=True)
    assert out["departments"][0]["kind"] == "housing-urban-rural-development"


def test_a_batch_is_routed_as_each_text_alone(active: routing.Model, org: None) -> None:
    requests = [
        ("翠湖名苑的物业不管事，楼道垃圾没人收拾", "320707"),
        ("楼下烧烤店每天吵到凌晨两点", "371121"),
        ("社保卡丢了怎么补办", "371121"),
    ]
    batch = routing.classify_many(requests)
    assert batch == [routing.classify(text=text, region=region) for text, region in requests]
    assert routing.classify_many([]) == []


def test_departments_missing_in_the_region_are_left_out(active: routing.Model) -> None:
    out = active.predict("小区物业不管事", "371121", departments={"township": "371121-township"})
    assert out["departments"] == [
        {"code": "371121-township", "kind": "township", "score": out["departments"][0]["score"]}
    ]


def test_township_department_follows_the_place_in_the_text(
    active: routing.Model, org: None
) -> None:
    departments = routing.region_departments("371121")
    assert [code for code, _ in departments["township"]] == [
        "371121-township-chaohe",
        "371121-township-hongning",
        "371121-township-jietou",
    ]
    text = "街头镇有人私搭乱建，把村里的路都占了一半"
    out = active.predict(text, "371121", departments=departments)
    township = [d for d in out["departments"] if d["kind"] == "township"]
    assert township[0]["code"] == "371121-township-jietou"
    assert routing.pick_department(departments["township"], "没有地名") == (
        "371121-township-chaohe"
    )


def test_auto_needs_both_top_scores_at_the_threshold(active: routing.Model, settings: Any) -> None:
    kinds = {k: f"371121-{k}" for k in active.kind_clf.classes_}
    text = "楼下饭店油烟太大"
    settings.HOTLINE_AUTO_DISPATCH_THRESHOLD = 0.0
    out = active.predict(text, "371121", departments=kinds)
    assert out["auto"] is True
    cat, dept = out["categories"][0]["score"], out["departments"][0]["score"]
    settings.HOTLINE_AUTO_DISPATCH_THRESHOLD = min(cat, dept)
    assert active.predict(text, "371121", departments=kinds)["auto"] is True
    settings.HOTLINE_AUTO_DISPATCH_THRESHOLD = min(cat, dept) + 0.0001
    assert active.predict(text, "371121", departments=kinds)["auto"] is False
    settings.HOTLINE_AUTO_DISPATCH_THRESHOLD = 1.01
    assert active.predict(text, "371121", departments=kinds)["auto"] is False


def test_auto_needs_the_nearest_realistic_requests_to_agree(
    active: routing.Model, settings: Any
) -> None:
    """Automatic dispatch also needs the category that the nearest hand-written or confirmed
    requests vote for to be the top one; without such requests nothing changes."""
    from onestop.knowledge import embeddings

    kinds = {k: f"371121-{k}" for k in active.kind_clf.classes_}
    text = "楼下饭店油烟太大"
    settings.HOTLINE_AUTO_DISPATCH_THRESHOLD = 0.0
    top = active.predict(text, "371121", departments=kinds)["categories"][0]["code"]
    other = next(str(c) for c in active.category_clf.classes_ if str(c) != top)
    near = embeddings.encode(["饭店油烟熏得家里没法开窗", "楼下烧烤店排油烟"])

    def with_neighbours(category: str) -> routing.Model:
        return dataclasses.replace(
            active, neighbour_vectors=near, neighbour_categories=[category, category]
        )

    assert with_neighbours(top).predict(text, "371121", departments=kinds)["auto"] is True
    disagree = with_neighbours(other).predict(text, "371121", departments=kinds)
    assert disagree["auto"] is False
    assert disagree["categories"][0]["code"] == top  # the suggestion itself is unchanged


def test_training_keeps_the_realistic_requests_as_neighbours() -> None:
    rows = [
        {"text": "井盖丢了", "category": "urban-management.municipal-facilities", "kind": "x"},
        {"text": "路灯不亮", "category": "urban-management.municipal-facilities", "kind": "x"},
        {"text": "油烟太大", "category": "urban-management.cooking-fumes", "kind": "y"},
        {"text": "饭店油烟", "category": "urban-management.cooking-fumes", "kind": "y"},
    ]
    model = routing.train([*rows, {**rows[2], "text": "油烟熏人", "source": "handwritten"}])
    assert model.neighbour_categories == ["urban-management.cooking-fumes"]
    assert model.neighbour_vectors.shape == (1, 512)
    assert routing.train(rows).neighbour_vectors is None


def test_default_threshold_is_used_without_a_setting(settings: Any) -> None:
    if hasattr(settings, "HOTLINE_AUTO_DISPATCH_THRESHOLD"):
        del settings.HOTLINE_AUTO_DISPATCH_THRESHOLD
    assert routing.threshold() == routing.DEFAULT_THRESHOLD == 0.94


# --- persistence, seed step and commands -----------------------------------------------------


def test_saved_model_is_loaded_once(model: routing.Model, settings: Any) -> None:
    path = routing.save(model)
    assert path == Path(settings.DATA_DIR) / "models" / "hotline-routing.joblib"
    routing.set_model(None)
    try:
        loaded = routing.get_model()
        assert routing.get_model() is loaded
        kinds = {"township": "371121-township", "health": "371121-health"}
        assert loaded.predict("看病难", "371121", departments=kinds) == model.predict(
            "看病难", "371121", departments=kinds
        )
    finally:
        routing.set_model(None)


def test_unreadable_or_foreign_model_file_is_retrained(
    model: routing.Model, monkeypatch: pytest.MonkeyPatch, db: None
) -> None:
    path = routing.model_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a model")
    assert routing.load() is None
    monkeypatch.setattr(routing, "train", lambda examples: model)
    routing.set_model(None)
    try:
        assert routing.get_model() is model
        assert routing.load() is not None
        assert list(path.parent.iterdir()) == [path]
    finally:
        routing.set_model(None)
    monkeypatch.setattr(routing, "_sklearn_version", lambda: "0.0")
    assert routing.load() is None


def test_seed_step_trains_when_absent_and_then_changes_nothing(
    model: routing.Model, monkeypatch: pytest.MonkeyPatch, db: None
) -> None:
    from onestop.core import seeding

    calls: list[int] = []

    def fake_train(examples: Any) -> routing.Model:
        calls.append(len(list(examples)))
        return model

    monkeypatch.setattr(routing, "train", fake_train)
    step = {s.name: s for s in seeding.steps()}["hotline-routing"]
    assert step.order == 72
    try:
        assert step.run() is not None
        mtime = routing.model_path().stat().st_mtime_ns
        assert step.run() is None
        assert routing.model_path().stat().st_mtime_ns == mtime
        assert len(calls) == 1
    finally:
        routing.set_model(None)


def test_train_command_adds_the_extra_file(
    model: routing.Model, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db: None
) -> None:
    seen: list[list[Any]] = []

    def fake_train(examples: Any) -> routing.Model:
        seen.append(list(examples))
        return dataclasses.replace(model, meta=dict(model.meta))

    monkeypatch.setattr(routing, "train", fake_train)
    extra = tmp_path / "extra.jsonl"
    line = {"text": "新的样本", "category": "utilities.gas", "kind": "gas-supply"}
    extra.write_text(json.dumps(line, ensure_ascii=False) + "\n")
    out = io.StringIO()
    try:
        call_command("hotline_train", "--from", str(extra), "--no-promote", stdout=out)
        assert routing.version_path(1).exists()
    finally:
        routing.set_model(None)
    # One training per calibration fold, each leaving its fold of the realistic requests out
    # (the out-of-fold scores choose the threshold); the last learns from everything.
    assert len(seen) == routing.CALIBRATION_FOLDS + 1
    assert all(len(fold) < len(seen[-1]) for fold in seen[:-1])
    assert seen[-1][-1] == {**line, "source": "extra"}  # a realistic request: a neighbour
    assert len(seen[-1]) == len(routing.default_examples()) + 1
    assert "model v1" in out.getvalue()


def test_eval_command_prints_the_table(active: routing.Model, tmp_path: Path) -> None:
    path = tmp_path / "eval.jsonl"
    synth.write(path, synth.generate(60, seed=99))
    out = io.StringIO()
    call_command("hotline_eval", str(path), stdout=out)
    text = out.getvalue()
    assert "examples: 60" in text
    for word in ("category", "department", "top-1", "top-3", "ECE", "coverage", "precision"):
        assert word in text


# --- API -------------------------------------------------------------------------------------


def test_classify_api_happy_path(client: Any, active: routing.Model, org: None) -> None:
    response = client.post(
        URL, {"text": "金港路上的井盖没了，晚上很危险", "region": "320707"}, "application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"categories", "departments", "auto"}
    assert body["categories"][0]["code"] == "urban-management.municipal-facilities"
    assert body["departments"][0] == {
        "code": "320707-comprehensive-law-enforcement",
        "kind": "comprehensive-law-enforcement",
        "score": body["departments"][0]["score"],
    }
    assert len(body["categories"]) == 5
    assert len(body["departments"]) == 3
    assert isinstance(body["auto"], bool)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"text": "", "region": "371121"}, "text"),
        ({"text": "   ", "region": "371121"}, "text"),
        ({"text": "物" * 2001, "region": "371121"}, "text"),
        ({"text": "小区物业不管事", "region": "99"}, "region"),
    ],
)
def test_classify_api_refuses_bad_input(
    client: Any, active: routing.Model, org: None, payload: dict[str, str], field: str
) -> None:
    """The bounds are in the OpenAPI document: outside them, 422 naming the field."""
    response = client.post(URL, payload, "application/json")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["details"][0]["loc"][-1] == field
    assert not routing.model_path().exists()


def test_classify_api_unknown_region_is_a_translated_404(
    client: Any, active: routing.Model, org: None
) -> None:
    unknown = {"text": "小区物业不管事", "region": "999999"}
    response = client.post(URL, unknown, "application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json()["message"] == "There is no region with the code 999999."
    default = client.post(URL, unknown, "application/json")  # zh-hans, the node's default
    assert default.json()["message"] not in ("", "There is no region with the code 999999.")


# --- one encoder, fast inference, warm-up -----------------------------------------------------


def test_probabilities_equal_scikit_learns(model: routing.Model) -> None:
    """The fast path (linear scores + softmax per block) gives predict_proba's numbers."""
    texts = ["楼下饭店油烟太大，窗户都不敢开", "how do I renew my business licence"]
    cat_p, kind_p = model.probabilities(texts)
    x = model.features(texts)
    assert cat_p == pytest.approx(model.category_clf.predict_proba(x), abs=1e-9)
    assert kind_p == pytest.approx(model.kind_clf.predict_proba(x), abs=1e-9)


def test_routing_reads_the_one_encoder_of_knowledge(
    model: routing.Model, monkeypatch: pytest.MonkeyPatch
) -> None:
    from onestop.knowledge import embeddings

    seen: list[list[str]] = []
    real = embeddings.encode

    def spy(texts: list[str]) -> Any:
        seen.append(list(texts))
        return real(texts)

    monkeypatch.setattr(embeddings, "encode", spy)
    model.probabilities(["井盖没了"])
    assert seen == [["井盖没了"]]


def test_warm_up_loads_the_saved_model_and_never_trains(
    model: routing.Model, settings: Any, tmp_path: Path
) -> None:
    from onestop.core import warmup

    assert "onestop.hotline.routing.warm_up" in warmup.steps()
    assert "onestop.knowledge.embeddings.warm_up" in warmup.steps()
    settings.DATA_DIR = tmp_path
    routing.set_model(None)
    try:
        routing.warm_up()  # nothing saved: nothing loaded, nothing trained
        assert routing._model is None
        assert not routing.model_path().exists()
        routing.save(model)
        took = warmup.run()
        assert set(took) >= {"onestop.hotline.routing.warm_up"}
        assert routing._model is not None
        assert routing._model.n_examples == model.n_examples
    finally:
        routing.set_model(None)


# --- categories first, departments from the categories' owners ------------------------------


def test_departments_follow_the_predicted_categories(active: routing.Model) -> None:
    kinds = {k: f"371121-{k}" for k in active.kind_clf.classes_}
    text = "楼下饭店油烟太大"
    out = active.predict(text, "371121", departments=kinds)
    top = out["categories"][0]["code"]
    owners = routing.seed_owners()
    assert out["departments"][0]["kind"] == owners[top]
    # A catalogue that gives the category another owner changes the department, not the model.
    other = next(k for k in kinds if k != owners[top])
    moved = active.predict(text, "371121", departments=kinds, owners={**owners, top: other})
    assert moved["categories"] == out["categories"]
    assert moved["departments"][0]["kind"] == other
    # The department's score is the probability mass of the categories it owns.
    mass = sum(c["score"] for c in out["categories"] if owners.get(c["code"]) == owners[top])
    assert out["departments"][0]["score"] >= mass * (1 - routing.KIND_TIE_BREAK) - 0.01


@pytest.mark.django_db
def test_category_owners_read_the_catalogue() -> None:
    from onestop.hotline.models import Category
    from onestop.hotline.seed import seed_catalogue

    seeded = routing.seed_owners()
    assert routing.category_owners() == seeded  # no catalogue yet: the seed file's
    seed_org()
    seed_catalogue()
    assert routing.category_owners() == seeded
    code = "urban-rural-construction.property-management"
    Category.objects.filter(code=code).update(default_kind_id="market-regulation")
    assert routing.category_owners()[code] == "market-regulation"


def test_threshold_is_calibrated_on_held_out_training_data(
    model: routing.Model, held_out: tuple[list[Any], list[Any]]
) -> None:
    import numpy as np

    _, test = held_out
    # No region: the departments are the catalogue owners' (no jurisdiction table to read).
    test = [{**e, "region": None} for e in test[:120]]
    scored = routing.held_out_scores(model, test)
    chosen = routing.calibrate_threshold(scored["confidence"], scored["right"], target=0.9)
    assert chosen["threshold"] in routing.CALIBRATION_GRID
    texts = [e["text"] for e in test]
    cat_p, kind_p = model.probabilities(texts)
    kind_p = model.kinds_from_categories(cat_p, kind_p)
    classes = np.asarray(model.category_clf.classes_)
    kinds = np.asarray(model.kind_clf.classes_)
    right = (classes[cat_p.argmax(axis=1)] == np.asarray([e["category"] for e in test])) & (
        kinds[kind_p.argmax(axis=1)] == np.asarray([e["kind"] for e in test])
    )
    # What auto-dispatch reads: the lower of the top category's and top department's scores.
    conf = np.minimum(cat_p.max(axis=1), kind_p.max(axis=1))
    assert (scored["right"] == right).all()
    assert np.allclose(scored["confidence"], conf)

    def precision(limit: float) -> float:
        return float(right[conf >= limit].mean()) if (conf >= limit).any() else 1.0

    assert chosen["precision"] == round(precision(chosen["threshold"]), 4) >= 0.9
    assert chosen["coverage"] == round(float((conf >= chosen["threshold"]).mean()), 4)
    # The lowest grid value that reaches the target: every lower one falls short.
    for lower in (t for t in routing.CALIBRATION_GRID if t < chosen["threshold"]):
        assert precision(lower) < 0.9
    assert (
        routing.calibrate_threshold(scored["confidence"], scored["right"], target=1.01)["threshold"]
        is None
    )
