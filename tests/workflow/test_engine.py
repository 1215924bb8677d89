"""Engine helpers that need no process: working-day durations for timers."""

import datetime
import json
import uuid
import zoneinfo

import pytest

from onestop.workflow import engine, services

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.mark.django_db
def test_working_days_duration_skips_the_weekend():
    # Friday 9 January 2026, 10:00; one working day later is Monday 12 January (end of day).
    start = datetime.datetime(2026, 1, 9, 10, 0, tzinfo=SHANGHAI)
    assert engine.working_days_duration(start=start, days=1) == f"PT{3 * 86400 + 50399}S"


@pytest.mark.django_db
def test_working_days_duration_zero_days_ends_today():
    start = datetime.datetime(2026, 1, 9, 17, 0, tzinfo=SHANGHAI)
    close = datetime.time(17, 30)
    assert engine.working_days_duration(start=start, days=0, close_of_business=close) == "PT1800S"


def test_working_days_duration_needs_an_aware_start():
    with pytest.raises(ValueError, match="timezone-aware"):
        engine.working_days_duration(start=datetime.datetime(2026, 1, 9), days=1)  # noqa: DTZ001


def test_sources_hash_depends_on_every_file():
    bpmn = engine.Source("a.bpmn", "<a/>")
    base = engine.sources_hash(bpmn, [engine.Source("a.dmn", "<d/>")])
    assert base == engine.sources_hash(bpmn, [engine.Source("a.dmn", "<d/>")])
    assert base != engine.sources_hash(bpmn, [engine.Source("a.dmn", "<e/>")])
    assert base != engine.sources_hash(bpmn, [])


def test_restore_survives_a_store_that_sorts_keys():
    """PostgreSQL's jsonb sorts object keys; task data must come back all the same."""

    bpmn = services.PROCESSES_DIR / "item_standard.bpmn"
    parsed = engine.parse(
        key="item_standard", bpmn=engine.Source(bpmn.name, bpmn.read_text("utf-8")), dmns=[]
    )
    workflow = engine.start(
        parsed.spec_json, {"special_steps": ["inspection"], "review_due": "P1D"}
    )
    engine.run(workflow)
    stored = json.loads(json.dumps(engine.state_dump(workflow), sort_keys=True))
    spec = json.loads(json.dumps(parsed.spec_json, sort_keys=True))

    restored = engine.restore(spec, stored)

    [view] = engine.ready_tasks(restored)
    task = restored.get_task_from_id(uuid.UUID(view.id))
    assert task.data["special_steps"] == ["inspection"]
    assert task.data["review_due"] == "P1D"
    assert task.data["accepted"] is True


def _parsed_standard() -> engine.ParsedProcess:
    bpmn = services.PROCESSES_DIR / "item_standard.bpmn"
    return engine.parse(
        key="item_standard", bpmn=engine.Source(bpmn.name, bpmn.read_text("utf-8")), dmns=[]
    )


def test_state_dump_is_the_full_serialisation_without_the_spec():
    """`state_dump` skips converting the spec; what it keeps is what the serializer writes
    for the workflow minus "spec" and "subprocess_specs"."""
    parsed = _parsed_standard()
    workflow = engine.start(parsed.spec_json, {"special_steps": [], "review_due": "P1D"})
    engine.run(workflow)

    full = engine.serializer.to_dict(workflow)
    for name in engine.SPEC_KEYS:
        full.pop(name)
    full[engine.VERSION_KEY] = engine.serializer.VERSION

    assert engine.state_dump(workflow) == full


def test_a_cached_spec_serves_many_workflows_and_restores_alike():
    """Two workflows started from one cached spec keep their own data; a state restored onto
    the cached spec equals one restored from the spec's dicts."""
    parsed = _parsed_standard()
    key = ("test", uuid.uuid4().hex)
    first = engine.start(
        parsed.spec_json, {"special_steps": ["inspection"], "review_due": "P1D"}, spec_key=key
    )
    second = engine.start(
        parsed.spec_json, {"special_steps": [], "review_due": "P2D"}, spec_key=key
    )
    assert first.spec is second.spec
    engine.run(first)
    engine.run(second)
    stored = json.loads(json.dumps(engine.state_dump(first), sort_keys=True))

    cached = engine.restore(parsed.spec_json, stored, spec_key=key)
    plain = engine.restore(parsed.spec_json, stored)

    assert cached.spec is first.spec
    assert engine.state_dump(cached) == engine.state_dump(plain)
    [view] = engine.ready_tasks(cached)
    assert cached.get_task_from_id(uuid.UUID(view.id)).data["special_steps"] == ["inspection"]
    [other] = engine.ready_tasks(second)
    assert second.get_task_from_id(uuid.UUID(other.id)).data["special_steps"] == []
