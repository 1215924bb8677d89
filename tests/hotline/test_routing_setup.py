"""Issue #14's routing set-up: categories first, the department from the region's jurisdiction
table (with place rules), edited by the region's supervisors (policy-checked, audited); the
model registry (versions, figures on the evaluation set, one live model, promote only when at
least as good, rollback) and `onestop hotline_train` on a tiny training set.

The models here learn from a few dozen lines so that the tests stay fast; what they measure is
the contract (which department, which version is live), not accuracy."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from onestop.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onestop.hotline import routing, selectors, services
from onestop.hotline.models import Jurisdiction, RoutingEvent, RoutingModel
from tests.factories import login as client_for

REGION = "371121"
NOISE = "ecology.noise"
GAS = "utilities.gas"
EE = f"{REGION}-ecology-environment"
LAW = f"{REGION}-comprehensive-law-enforcement"

# A tiny training set: two categories, a dozen ways each.
NOISE_TEXTS = [
    "工厂机器噪音太大",
    "厂里半夜还在轰轰响",
    "车间噪声扰民睡不着",
    "石材厂切割声音吵",
    "加工厂夜里噪音",
    "隔壁工厂机器声很响",
    "factory noise at night",
    "the workshop machines are too loud",
    "工地旁边厂房噪音大",
    "噪音扰民 工厂 夜里",
    "厂子的风机一直响",
    "机器轰鸣吵得睡不着",
]
GAS_TEXTS = [
    "家里煤气没气了",
    "燃气费怎么交",
    "天然气管道漏气",
    "闻到一股煤气味",
    "燃气公司不来开栓",
    "燃气表坏了",
    "gas leak in my kitchen",
    "no gas supply since morning",
    "燃气停了什么时候来",
    "天然气开户怎么办",
    "煤气灶打不着 是不是停气",
    "燃气报装要多久",
]


def _rows(texts: list[str], category: str, kind: str) -> list[dict[str, Any]]:
    return [{"text": t, "category": category, "kind": kind} for t in texts]


TINY = _rows(NOISE_TEXTS, NOISE, "ecology-environment") + _rows(GAS_TEXTS, GAS, "gas-supply")


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


@pytest.fixture(scope="module")
def tiny_model() -> routing.Model:
    return routing.train(TINY)


@pytest.fixture
def active(tiny_model: routing.Model) -> Any:
    routing.set_model(tiny_model)
    yield tiny_model
    routing.set_model(None)


# --- the jurisdiction table ------------------------------------------------------------------


def test_the_department_comes_from_the_catalogue_owner_without_a_rule(
    world: dict[str, Any], active: routing.Model
) -> None:
    routed = routing.classify(text="石材厂的机器半夜噪音太大", region=REGION)
    assert routed["categories"][0]["code"] == NOISE
    assert routed["departments"][0]["code"] == EE


def test_a_rule_moves_the_category_and_a_place_rule_wins_where_the_text_names_it(
    world: dict[str, Any], active: routing.Model
) -> None:
    supervisor = world["supervisor"]
    services.jurisdiction_set(actor=supervisor, region=REGION, category=NOISE, department=LAW)
    # A village whose matters its township handles (the name is invented).
    township = routing.region_departments(REGION)["township"][-1][0]
    services.jurisdiction_set(
        actor=supervisor, region=REGION, category=NOISE, place="槐树岭村", department=township
    )

    plain = routing.classify(text="石材厂的机器半夜噪音太大", region=REGION)
    named = routing.classify(text="槐树岭村石材厂的机器半夜噪音太大", region=REGION)

    assert plain["departments"][0]["code"] == LAW
    assert named["departments"][0]["code"] == township
    # The same model: only the table changed.
    assert (
        plain["categories"]
        == routing.get_model().predict(
            "石材厂的机器半夜噪音太大", REGION, departments=routing.region_departments(REGION)
        )["categories"]
    )
    kinds = [e.kind for e in RoutingEvent.objects.order_by("id")]
    assert kinds == ["jurisdiction_set", "jurisdiction_set"]
    assert RoutingEvent.objects.first().actor == supervisor


def test_setting_a_rule_again_replaces_it_and_removing_it_restores_the_owner(
    world: dict[str, Any], active: routing.Model
) -> None:
    supervisor = world["supervisor"]
    rule = services.jurisdiction_set(
        actor=supervisor, region=REGION, category=NOISE, department=LAW
    )
    again = services.jurisdiction_set(
        actor=supervisor, region=REGION, category=NOISE, department=EE
    )
    assert again.pk == rule.pk
    assert Jurisdiction.objects.get().department_id == EE

    services.jurisdiction_remove(actor=supervisor, region=REGION, rule=rule.pk)
    assert not Jurisdiction.objects.exists()
    with pytest.raises(NotFound):
        services.jurisdiction_remove(actor=supervisor, region=REGION, rule=rule.pk)
    assert [e.kind for e in RoutingEvent.objects.order_by("id")][-1] == "jurisdiction_remove"


def test_bad_rules_are_refused_and_change_nothing(world: dict[str, Any]) -> None:
    supervisor = world["supervisor"]
    with pytest.raises(ValidationFailed):
        services.jurisdiction_set(actor=supervisor, region=REGION, category="nope", department=EE)
    with pytest.raises(ValidationFailed):  # another region's department
        services.jurisdiction_set(
            actor=supervisor, region=REGION, category=NOISE, department="320707-ecology-environment"
        )
    with pytest.raises(ValidationFailed):
        services.jurisdiction_set(
            actor=supervisor, region=REGION, category=NOISE, department=EE, place="村" * 41
        )
    with pytest.raises(PermissionDenied):
        services.jurisdiction_set(
            actor=world["agent"], region=REGION, category=NOISE, department=EE
        )
    with pytest.raises(PermissionDenied):  # a supervisor of another region
        services.jurisdiction_set(
            actor=supervisor,
            region="320707",
            category=NOISE,
            department="320707-ecology-environment",
        )
    assert not Jurisdiction.objects.exists()
    assert not RoutingEvent.objects.exists()


def test_the_console_shows_and_edits_the_table_for_supervisors_only(
    world: dict[str, Any], active: routing.Model
) -> None:
    url = reverse("hotline:routing")
    assert client_for(world["agent"]).get(url).status_code == 403
    supervisor = client_for(world["supervisor"])
    page = supervisor.get(url)
    assert page.status_code == 200
    assert "Jurisdiction rules" in page.content.decode()

    done = supervisor.post(
        reverse("hotline:routing_rule"), {"category": NOISE, "place": "", "department": LAW}
    )
    assert done.status_code == 302
    assert Jurisdiction.objects.get().department_id == LAW

    refused = supervisor.post(
        reverse("hotline:routing_rule"), {"category": NOISE, "place": "", "department": "x"}
    )
    assert refused.status_code == 400
    assert "Choose a department of this region." in refused.content.decode()
    assert Jurisdiction.objects.get().department_id == LAW
    assert (
        client_for(world["agent"])
        .post(reverse("hotline:routing_rule"), {"category": NOISE, "department": EE})
        .status_code
        == 403
    )


# --- the model registry and hotline_train ----------------------------------------------------


def _train(tmp_path: Path, rows: list[dict[str, Any]], evaluation: Path, name: str) -> str:
    out = io.StringIO()
    source = _write(tmp_path / f"{name}.jsonl", rows)
    call_command("hotline_train", "--only", str(source), "--eval", str(evaluation), stdout=out)
    return out.getvalue()


def test_train_registers_calibrates_and_promotes_only_a_model_as_good_as_the_live_one(
    world: dict[str, Any], tmp_path: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    evaluation = _write(
        tmp_path / "eval.jsonl",
        _rows(["晚上工厂噪音吵", "机器太响了"], NOISE, "ecology-environment")
        + _rows(["煤气漏了", "燃气怎么开户"], GAS, "gas-supply"),
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            first = _train(tmp_path, TINY, evaluation, "good")
        assert "model v1 is live" in first
        assert "held-out training requests" in first
        v1 = RoutingModel.objects.get(version=1)
        assert v1.live
        assert v1.sources == {"file": len(TINY)}
        assert v1.figures["n"] == 4
        assert v1.threshold is not None
        assert routing.model_path().read_bytes() == routing.version_path(1).read_bytes()

        # Labels swapped: a model that learnt the wrong thing scores lower and is not promoted.
        swapped = _rows(NOISE_TEXTS, GAS, "gas-supply") + _rows(
            GAS_TEXTS, NOISE, "ecology-environment"
        )
        second = _train(tmp_path, swapped, evaluation, "bad")
        assert "not promoted" in second
        v2 = RoutingModel.objects.get(version=2)
        assert not v2.live
        assert v2.figures["category_top1"] < v1.figures["category_top1"]
        with pytest.raises(Conflict):
            services.routing_model_promote(actor=world["supervisor"], version=2)
        with pytest.raises(NotFound):
            services.routing_model_promote(actor=world["supervisor"], version=9)
        with pytest.raises(PermissionDenied):
            services.routing_model_promote(actor=world["agent"], version=1)
        assert selectors.routing_model_live().version == 1
    finally:
        routing.set_model(None)


def test_promote_and_rollback_switch_the_live_file_and_every_process_follows(
    world: dict[str, Any],
    tmp_path: Path,
    tiny_model: routing.Model,
    django_capture_on_commit_callbacks: Any,
) -> None:
    figures = {"category_top1": 0.5, "department_top1": 0.5}
    one = services.routing_model_register(model=tiny_model, figures=figures, sources={"file": 1})
    two = services.routing_model_register(
        model=routing.train(TINY[:-1]), figures=figures, sources={"file": 2}
    )
    supervisor = world["supervisor"]
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.routing_model_promote(actor=supervisor, version=one.version)
        assert routing.get_model().n_examples == len(TINY)
        with django_capture_on_commit_callbacks(execute=True):
            services.routing_model_promote(actor=supervisor, version=two.version)
        # The file changed: the process's model follows without being told.
        assert routing.get_model().n_examples == len(TINY) - 1
        with django_capture_on_commit_callbacks(execute=True):
            back = services.routing_model_rollback(actor=supervisor)
        assert back.version == one.version
        assert selectors.routing_model_live().version == one.version
        assert routing.get_model().n_examples == len(TINY)
        with pytest.raises(PermissionDenied):
            services.routing_model_rollback(actor=world["agent"])
    finally:
        routing.set_model(None)
    kinds = [e.kind for e in RoutingEvent.objects.order_by("id")]
    assert kinds == [
        "model_register",
        "model_register",
        "model_promote",
        "model_promote",
        "model_rollback",
    ]
    assert RoutingEvent.objects.get(kind="model_rollback").actor == supervisor


def test_the_console_lists_models_and_refuses_a_worse_one(
    world: dict[str, Any], tiny_model: routing.Model, django_capture_on_commit_callbacks: Any
) -> None:
    good = services.routing_model_register(
        model=tiny_model, figures={"category_top1": 0.9, "department_top1": 0.9}, sources={}
    )
    worse = services.routing_model_register(
        model=tiny_model, figures={"category_top1": 0.8, "department_top1": 0.95}, sources={}
    )
    client = client_for(world["supervisor"])
    try:
        with django_capture_on_commit_callbacks(execute=True):
            made = client.post(reverse("hotline:routing_model"), {"version": good.version})
        assert made.status_code == 302
        refused = client.post(reverse("hotline:routing_model"), {"version": worse.version})
        assert refused.status_code == 409
        assert "scores lower than the live model" in refused.content.decode()
        page = client.get(reverse("hotline:routing")).content.decode()
        assert "Routing models" in page
        assert "Model 1 made live" in page
    finally:
        routing.set_model(None)
    assert selectors.routing_model_live().version == good.version


# --- reasons on the desk: similar confirmed orders, departments from the table ---------------


def test_the_desk_shows_similar_confirmed_orders_and_the_tables_department(
    world: dict[str, Any], make: Any, active: routing.Model
) -> None:
    from onestop.hotline import suggest

    ps = world["officer-ps"]
    kept = services.ticket_dispatch(
        actor=world["agent"],
        order=make(category=NOISE, description="石材厂的机器每天半夜轰轰响，吵得睡不着"),
        department=f"{REGION}-public-security",
    )
    services.ticket_start(actor=ps, order=services.ticket_sign_for(actor=ps, order=kept))
    make(category=NOISE, description="石材厂的机器半夜响")  # never dispatched: not confirmed
    services.jurisdiction_set(
        actor=world["supervisor"], region=REGION, category=NOISE, department=LAW
    )

    shown = suggest.suggest(actor=world["agent"], text="石材厂机器半夜轰轰响睡不着", region=REGION)

    noise = next(c for c in shown.categories if c.code == NOISE)
    assert [o.number for o in noise.similar] == [kept.number]
    assert noise.department == LAW
    assert shown.departments[0].code == LAW
    # Another region's agent sees no order of this region among the reasons.
    assert (
        suggest.similar_orders(
            actor=world["agent-gy"], category=NOISE, region=REGION, text="石材厂机器半夜轰轰响"
        )
        == ()
    )
