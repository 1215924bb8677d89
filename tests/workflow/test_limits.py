"""Bounds of the workflow engine (issue #13, `workflow.limits`): a published process is refused
when a file, a decision table or one of its cells is over its bound; the data a process starts
with is bounded; the expressions of one engine run (gateway conditions, DMN cells) share a
deadline, and an expression that would compute something huge is refused before it runs. Each
refusal is a clear message and stores nothing."""

from __future__ import annotations

import time
from typing import Any

import pytest

from onestop.core.errors import ValidationFailed
from onestop.workflow import sandbox, services
from onestop.workflow.models import ProcessDefinition, ProcessInstance

KEY = "auto_decision"
BPMN = services.PROCESSES_DIR / f"{KEY}.bpmn"
DMN = services.PROCESSES_DIR / f"{KEY}.dmn"
FACTS = {"parent_insured": True, "birth_certificate_verified": True}


def _publish() -> ProcessDefinition:
    return services.definition_load(key=KEY, bpmn_path=BPMN, dmn_paths=[DMN])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("WORKFLOW_MAX_DMN_RULES", 1, "of auto_decision.dmn has more than 1 rules"),
        ("WORKFLOW_MAX_DMN_COLUMNS", 1, "of auto_decision.dmn has more than 1 columns"),
        ("WORKFLOW_MAX_EXPRESSION_CHARS", 3, "is longer than 3 characters"),
        ("WORKFLOW_MAX_SOURCE_BYTES", 100, "is larger than 100 bytes"),
        ("WORKFLOW_MAX_DMN_FILES", 0, "A process has at most 0 DMN files."),
    ],
)
def test_a_process_over_a_bound_is_refused_on_publish_and_nothing_is_stored(
    settings: Any, setting: str, value: int, message: str
) -> None:
    setattr(settings, setting, value)

    with pytest.raises(ValidationFailed) as caught:
        _publish()

    assert message in str(caught.value.message)
    assert str(caught.value.message).startswith(f"The process {KEY} is not valid:")
    assert not ProcessDefinition.objects.filter(key=KEY).exists()


@pytest.mark.django_db
def test_the_shipped_processes_are_within_the_bounds() -> None:
    assert _publish().version == 1


@pytest.mark.django_db
def test_process_data_over_the_bound_is_refused_before_anything_runs(
    definitions: dict[str, Any], settings: Any
) -> None:
    settings.WORKFLOW_MAX_DATA_BYTES = 1024

    with pytest.raises(ValidationFailed) as caught:
        services.instance_start(key=KEY, business_key="big", data={**FACTS, "note": "x" * 2000})

    assert caught.value.code == "process_data_too_large"
    assert str(caught.value.message) == "The process data is larger than 1024 bytes."
    assert not ProcessInstance.objects.filter(business_key="big").exists()
    # within the bound it runs (and the rules approve)
    instance = services.instance_start(key=KEY, business_key="small", data=FACTS)
    assert instance.status == "completed"


@pytest.mark.django_db
def test_rules_past_the_run_deadline_fail_the_run_and_store_nothing(
    definitions: dict[str, Any], settings: Any
) -> None:
    settings.WORKFLOW_RULES_SECONDS = 1e-9  # over before the first rule is evaluated

    with pytest.raises(ValidationFailed) as caught:
        services.instance_start(key=KEY, business_key="late", data=FACTS)

    # a transient failure, not a verdict on the input: 503, and the step may be tried again
    assert isinstance(caught.value, services.RulesTimeout)
    assert (caught.value.code, caught.value.status) == ("rules_timeout", 503)
    assert "Nothing was changed: please try again." in str(caught.value.message)
    assert caught.value.details == {"error": "The rules took more than 1e-09 s to evaluate."}
    assert not ProcessInstance.objects.filter(business_key="late").exists()
    settings.WORKFLOW_RULES_SECONDS = 2.0
    assert services.instance_start(key=KEY, business_key="late", data=FACTS).status == "completed"


@pytest.mark.parametrize(
    "expression",
    ["9 ** 9 ** 9 > 0", "(1 << 10 ** 6) > 0", "len('x' * 10 ** 9)", "len(range(10 ** 12))"],
)
def test_an_expression_that_would_compute_something_huge_is_refused_at_once(
    expression: str,
) -> None:
    started = time.monotonic()

    with pytest.raises(sandbox.ScriptError) as caught:
        sandbox.RestrictedEnvironment().evaluate(expression, {})

    assert str(caught.value) == "The expression would compute a value too large to handle."
    assert time.monotonic() - started < 1


def test_ordinary_arithmetic_is_unchanged() -> None:
    evaluate = sandbox.RestrictedEnvironment().evaluate
    assert evaluate("2 ** 10 + (1 << 4) + 3 * 4", {}) == 1024 + 16 + 12
    assert evaluate("'ab' * 3 + str(arrears * 2)", {"arrears": 1.5}) == "ababab3.0"
    assert evaluate("[x * x for x in range(4)]", {}) == [0, 1, 4, 9]


def test_a_long_loop_in_an_expression_stops_at_the_deadline() -> None:
    started = time.monotonic()

    with sandbox.deadline(0.2), pytest.raises(sandbox.ScriptError) as caught:
        sandbox.RestrictedEnvironment().evaluate(
            "sum([x for x in range(1000000) for y in range(1000)])", {}
        )

    assert str(caught.value) == "The rules took more than 0.2 s to evaluate."
    assert time.monotonic() - started < 2
