"""Fixtures of the workflow tests: the built-in processes loaded through the service, and a
clock for SpiffWorkflow's timers."""

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer

from onestop.workflow import services
from onestop.workflow.models import ProcessDefinition


@pytest.fixture
def definitions(db: Any) -> dict[str, ProcessDefinition]:
    return {d.key: d for d in services.definitions_load_all()}


@pytest.fixture
def process_file(tmp_path: Path) -> Callable[..., Path]:
    """Write a one-process BPMN file from a body of flow nodes (process id = `key`)."""

    def write(key: str, body: str) -> Path:
        path = tmp_path / f"{key}.bpmn"
        path.write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" '
            'targetNamespace="https://onestop.example/test">'
            f'<bpmn:process id="{key}" isExecutable="true">{body}</bpmn:process>'
            "</bpmn:definitions>",
            encoding="utf-8",
        )
        return path

    return write


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime.timedelta], None]:
    """Move SpiffWorkflow's timer clock forward by a timedelta (no sleeping in tests)."""

    def advance(delta: datetime.timedelta) -> None:
        real = datetime.datetime

        class Shifted(real):
            @classmethod
            def now(cls, tz: Any = None) -> Any:
                return real.now(tz) + delta

        monkeypatch.setattr(spiff_timer, "datetime", Shifted)

    return advance
