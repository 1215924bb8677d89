"""Script tasks run in a child process with a CPU-time and a memory limit (workflow.sandbox
`isolated`): a runaway script fails its task with a clear error, the process that ran it goes
on, and nothing of the instance is stored."""

from __future__ import annotations

import os
import resource
from typing import Any

import pytest

from onestop.core.errors import ValidationFailed
from onestop.workflow import sandbox, services
from onestop.workflow.models import ProcessInstance
from onestop.workflow.sandbox import RestrictedEnvironment, ScriptError


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _script(body: str) -> str:
    return (
        '<bpmn:startEvent id="start"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="s"/>'
        f'<bpmn:scriptTask id="s"><bpmn:script>{body}</bpmn:script></bpmn:scriptTask>'
        '<bpmn:sequenceFlow id="f2" sourceRef="s" targetRef="end"/>'
        '<bpmn:endEvent id="end"/>'
    )


def test_nine_to_the_nine_to_the_nine_fails_the_task_not_the_process(
    db: None, process_file: Any, settings: Any
) -> None:
    settings.WORKFLOW_SCRIPT_CPU_SECONDS = 1
    services.definition_load(key="bomb", bpmn_path=process_file("bomb", _script("x = 9**9**9")))
    before = _cpu()

    with pytest.raises(ValidationFailed) as raised:
        services.instance_start(key="bomb", business_key="case-bomb", data={})

    assert raised.value.code == "workflow_error"
    message = str(raised.value.message)
    assert "more than 1 s of CPU time" in message or "MB of memory" in message
    assert ProcessInstance.objects.count() == 0
    assert _cpu() - before < 1.0  # the work was the child's, not this process's


def test_a_memory_hog_is_stopped_by_the_memory_limit(settings: Any) -> None:
    settings.WORKFLOW_SCRIPT_MEMORY_MB = 64
    settings.WORKFLOW_SCRIPT_CPU_SECONDS = 20

    with pytest.raises(ScriptError, match="more than 64 MB of memory"):
        RestrictedEnvironment().execute("x = [0] * (200 * 1024 * 1024)", {})


def test_a_script_still_writes_back_its_variables_and_dates() -> None:
    import datetime

    context: dict[str, Any] = {"n": 2, "gone": 1}
    RestrictedEnvironment().execute(
        "n = n * 21\ndel gone\nwhen = date(2026, 12, 7) + timedelta(days=1)\nitems = [n, 'a']",
        context,
    )

    assert context == {"n": 42, "when": datetime.date(2026, 12, 8), "items": [42, "a"]}


def test_the_script_runs_in_another_process() -> None:
    context: dict[str, Any] = {}
    parent = os.getpid()
    sandbox.isolated(lambda: context.setdefault("pid", os.getpid()))
    assert "pid" not in context  # the child's assignment stayed in the child
    assert sandbox.isolated(os.getpid) != parent


def test_an_answer_that_is_not_plain_data_is_refused() -> None:
    from pathlib import PurePosixPath

    with pytest.raises(ScriptError, match="not plain data"):
        sandbox.isolated(lambda: PurePosixPath("/etc"))


def test_a_script_reads_the_calendar_through_its_own_connection(db: None) -> None:
    from onestop.core import calendar

    calendar.invalidate()
    context: dict[str, Any] = {}
    RestrictedEnvironment().execute(
        "due = add_working_days(date(2026, 12, 4), 1)", context
    )  # Friday + 1 working day
    assert str(context["due"]) == "2026-12-07"


def test_a_refused_script_is_still_refused_from_the_child() -> None:
    with pytest.raises(sandbox.ScriptRefused):
        RestrictedEnvironment().execute("x = (1).__class__", {})
