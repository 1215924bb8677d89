"""The runtime lock installs only what a node runs; the development lock adds the tools with
the same pins for everything the two share (pyproject: `dependencies` and the `dev` extra)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^ \\]+)", re.MULTILINE)


def _pins(name: str) -> dict[str, str]:
    text = (ROOT / name).read_text(encoding="utf-8")
    return {m[1].lower().replace("_", "-"): m[2] for m in PIN.finditer(text)}


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[=<>]", r, maxsplit=1)[0].lower() for r in requirements}


def test_the_runtime_lock_holds_no_development_tool() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = _pins("requirements.lock")
    dev_tools = _names(project["optional-dependencies"]["dev"])
    assert _names(project["dependencies"]) <= set(runtime)
    assert dev_tools & set(runtime) == set()
    assert {"pytest", "playwright", "mypy", "ruff", "pip-audit"} <= dev_tools


def test_the_development_lock_extends_the_runtime_lock_with_the_same_pins() -> None:
    runtime, dev = _pins("requirements.lock"), _pins("requirements-dev.lock")
    assert {name: dev.get(name) for name in runtime} == runtime
    assert "pytest" in dev
    assert "pip-audit" in dev
