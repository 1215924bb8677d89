"""The demo seed's routing set-up (issue #14): each demo region's jurisdiction table, from the
catalogue's owners plus the place rules of data/seed/hotline.json, written through the services;
the node's model registered as the live version of the registry, so the console shows it and a
later model can be rolled back to it. Both idempotent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from onestop.hotline import routing, selectors, services
from onestop.hotline.models import Category, Jurisdiction, RoutingEvent, RoutingModel
from onestop.hotline.seed import seed_jurisdiction
from tests.factories import OTHER_REGION

REGION = "371121"
CONDUCT = "government-services.work-conduct"
BUILDING = "urban-management.illegal-construction"


def _seed_both() -> list[str]:
    return [seed_jurisdiction(), seed_jurisdiction(OTHER_REGION)]


def _route(category: str, text: str, region: str = REGION) -> str:
    found = routing.resolve_department(
        category,
        text,
        routing.jurisdiction_rules(region),
        routing.category_owners(),
        routing.region_departments(region),
    )
    assert found is not None
    return found[0]


def test_the_seed_writes_each_demo_regions_table_once_through_the_services(
    world: dict[str, Any],
) -> None:
    first = _seed_both()
    owned = Category.objects.filter(level=2, default_kind__isnull=False)
    for region in (REGION, OTHER_REGION):
        kinds = set(routing.region_departments(region))
        expected = sum(1 for c in owned if c.default_kind_id in kinds)
        rules = Jurisdiction.objects.filter(region=region)
        assert rules.filter(place="").count() == expected
        # The place rules of data/seed/hotline.json, each to the region's department of its kind.
        assert rules.get(category_id=CONDUCT, place="12345").department_id == (
            f"{region}-hotline-center"
        )
        assert rules.get(category_id=BUILDING, place="村").department.kind_id == "township"
        wage = rules.get(category_id="labor.wage-arrears", place="")
        assert wage.department_id == f"{region}-human-resources-social-security"
    total = Jurisdiction.objects.count()
    assert first == [
        f"{Jurisdiction.objects.filter(region=REGION).count()} jurisdiction rules written for "
        f"{REGION}",
        f"{Jurisdiction.objects.filter(region=OTHER_REGION).count()} jurisdiction rules written "
        f"for {OTHER_REGION}",
    ]
    events = RoutingEvent.objects.filter(kind="jurisdiction_set")
    assert events.count() == total
    assert not events.exclude(actor=None).exists()  # the system wrote them

    # A supervisor's change stands; a second seed writes nothing.
    services.jurisdiction_set(
        actor=world["supervisor"],
        region=REGION,
        category="labor.wage-arrears",
        department=f"{REGION}-justice",
    )
    assert _seed_both() == [
        f"0 jurisdiction rules written for {REGION}",
        f"0 jurisdiction rules written for {OTHER_REGION}",
    ]
    assert Jurisdiction.objects.count() == total
    assert (
        Jurisdiction.objects.get(region=REGION, category_id="labor.wage-arrears").department_id
        == f"{REGION}-justice"
    )


def test_the_seeded_table_routes_as_the_catalogue_and_its_place_rules(
    world: dict[str, Any],
) -> None:
    _seed_both()
    owners = routing.category_owners()
    options = routing.region_departments(REGION)
    rules = routing.jurisdiction_rules(REGION)
    # Without a place named, every category goes where the catalogue's owner would send it.
    for code in owners:
        text = "请尽快处理"
        assert routing.resolve_department(code, text, rules, owners, options) == (
            routing.resolve_department(code, text, {}, owners, options)
        )
    # A complaint about the 12345 hotline itself: the hotline centre, not the service centre.
    assert _route(CONDUCT, "打了三遍12345都没人回访") == f"{REGION}-hotline-center"
    assert _route(CONDUCT, "政务大厅窗口的人态度太差") == f"{REGION}-government-service-center"
    # Illegal building in a village: the township the text names, else the region's first.
    assert _route(BUILDING, "潮河镇东岭村有人占耕地盖房") == f"{REGION}-township-chaohe"
    assert _route(BUILDING, "俺村有人违建") == options["township"][0][0]
    assert _route(BUILDING, "小区楼顶有人搭违章建筑") == f"{REGION}-comprehensive-law-enforcement"
    # A township matter goes to the township named, in the other region too.
    assert _route("agriculture.village-affairs", "街头镇村务不公开") == f"{REGION}-township-jietou"
    assert (
        _route("agriculture.village-affairs", "海头镇村里账目不公开", OTHER_REGION)
        == f"{OTHER_REGION}-township-haitou"
    )


def _eval_set(path: Path) -> Path:
    rows = [
        ("晚上工厂噪音吵", "ecology.noise", "ecology-environment"),
        ("煤气漏了", "utilities.gas", "gas-supply"),
        ("燃气怎么开户", "utilities.gas", "gas-supply"),
    ]
    path.write_text(
        "".join(
            json.dumps({"text": t, "category": c, "department_kind": k}, ensure_ascii=False) + "\n"
            for t, c, k in rows
        ),
        "utf-8",
    )
    return path


@pytest.fixture
def tiny(world: dict[str, Any]) -> Any:
    model = routing.train(
        [
            {"text": t, "category": "ecology.noise", "kind": "ecology-environment"}
            for t in ("工厂噪音", "机器太响", "半夜噪声扰民")
        ]
        + [
            {"text": t, "category": "utilities.gas", "kind": "gas-supply"}
            for t in ("燃气漏气", "煤气没气", "天然气开户")
        ]
    )
    routing.set_model(model)
    yield model
    routing.set_model(None)


def test_the_seed_registers_the_nodes_model_as_live_once_and_rollback_returns_to_it(
    world: dict[str, Any],
    tiny: routing.Model,
    settings: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.HOTLINE_EVAL_SET = str(_eval_set(tmp_path / "eval.jsonl"))
    with django_capture_on_commit_callbacks(execute=True):
        said = routing.seed_routing_model()
    assert said is not None
    assert "registered as live version 1" in said
    v1 = selectors.routing_model_live()
    assert v1 is not None
    assert v1.version == 1
    assert v1.figures["n"] == 3
    assert set(services.GATE_FIGURES) <= set(v1.figures)
    assert v1.threshold == routing.DEFAULT_THRESHOLD
    assert routing.model_path().read_bytes() == routing.version_path(1).read_bytes()
    assert [e.kind for e in RoutingEvent.objects.order_by("id")] == [
        "model_register",
        "model_promote",
    ]

    # Seeding again changes nothing: the model is there, the registry has its version.
    assert routing.seed_routing_model() is None
    assert RoutingModel.objects.count() == 1

    # A later model goes live; rollback returns to the seeded one.
    two = services.routing_model_register(model=tiny, figures=dict(v1.figures), sources={})
    supervisor = world["supervisor"]
    with django_capture_on_commit_callbacks(execute=True):
        services.routing_model_promote(actor=supervisor, version=two.version)
        back = services.routing_model_rollback(actor=supervisor)
    assert back.version == 1
    assert selectors.routing_model_live().version == 1
