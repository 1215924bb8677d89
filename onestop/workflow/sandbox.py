"""The restricted script environment for BPMN scripts, gateway conditions, timer expressions
and DMN cells.

SpiffWorkflow evaluates every expression with plain `eval`/`exec`, so whoever can edit a
diagram could run any code on the server (reference/workflow-engine.md, pitfall 2). Here every
expression and script is compiled with RestrictedPython instead:

- no `import` statement, no `__import__`, `open`, `eval`, `exec`, `compile`, `globals`, `vars`,
  `getattr` on names starting with an underscore, no dunder names at all (`().__class__` is a
  compile error);
- attribute and item access go through guards; writes only to task-data variables, lists and
  dicts (no `setattr` on objects);
- the only names are the task data, `var(name, default)` (a variable that may be unset), a
  small set of safe builtins (`len`, `min`, `max`, `sum`, `sorted`, `any`, `all`, `round`,
  `abs`, `str`, `int`, `float`, `bool`, `list`, `dict`, `set`, `tuple`, `range`, `enumerate`,
  `zip`, `isinstance`) and the helpers in `HELPERS` (`date`, `timedelta`, `today`,
  `add_working_days`, `working_days_between`, `is_working_day`).

Anything refused raises `ScriptRefused` (compile time) or `ScriptError` (run time); the engine
wraps both in a `WorkflowTaskException` naming the task, and the adapter turns that into an
`error` status on the instance.

What it does not do: bound CPU or memory (`9 ** 9 ** 9` still burns a core). Only trusted
administrators publish processes (`onestop workflow_load`), and a published file is reviewed
like code.
"""

from __future__ import annotations

import builtins
import datetime
from collections.abc import Callable, Mapping
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from onestop.core import calendar

_ALLOWED_BUILTINS = (
    "abs",
    "bool",
    "dict",
    "enumerate",
    "float",
    "int",
    "isinstance",
    "len",
    "list",
    "max",
    "min",
    "range",
    "round",
    "set",
    "sorted",
    "str",
    "sum",
    "tuple",
    "zip",
    "any",
    "all",
    "True",
    "False",
    "None",
)


class ScriptRefused(Exception):
    """The script or expression uses something the sandbox does not allow."""


class ScriptError(Exception):
    """The script or expression failed while running."""


def _builtins() -> dict[str, Any]:
    allowed: dict[str, Any] = {}
    for name in _ALLOWED_BUILTINS:
        allowed[name] = safe_builtins.get(name, getattr(builtins, name))
    allowed["__import__"] = _refuse_import
    return allowed


def _refuse_import(name: str, *args: Any, **kwargs: Any) -> Any:
    raise ScriptRefused(f"Importing {name!r} is not allowed.")


def _guarded_getitem(obj: Any, key: Any) -> Any:
    if isinstance(key, str) and key.startswith("_"):
        raise ScriptRefused(f"Access to the key {key!r} is not allowed.")
    return obj[key]


def _guarded_getattr(obj: Any, name: str, default: Any = None) -> Any:
    if name.startswith("_"):
        raise ScriptRefused(f"Access to the attribute {name!r} is not allowed.")
    # Only plain values reach scripts; modules and functions expose nothing useful.
    return safer_getattr(obj, name, default)


def _guarded_iter(obj: Any) -> Any:
    return iter(obj)


def _today() -> datetime.date:
    from django.utils import timezone

    return timezone.localdate()


# The helpers a process may call. Keep it small: every entry is part of the contract with
# people who write processes (docs/workflow.md).
HELPERS: dict[str, Callable[..., Any]] = {
    "date": datetime.date,
    "timedelta": datetime.timedelta,
    "today": _today,
    "add_working_days": calendar.add_working_days,
    "working_days_between": calendar.working_days_between,
    "is_working_day": calendar.is_working_day,
}


def _guards() -> dict[str, Any]:
    return {
        "__builtins__": _builtins(),
        "_getattr_": _guarded_getattr,
        "_getitem_": _guarded_getitem,
        "_getiter_": _guarded_iter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": full_write_guard,
        "_inplacevar_": _inplacevar,
    }


def _inplacevar(op: str, x: Any, y: Any) -> Any:
    ops: dict[str, Callable[[Any, Any], Any]] = {
        "+=": lambda a, b: a + b,
        "-=": lambda a, b: a - b,
        "*=": lambda a, b: a * b,
        "/=": lambda a, b: a / b,
        "//=": lambda a, b: a // b,
        "%=": lambda a, b: a % b,
        "|=": lambda a, b: a | b,
        "&=": lambda a, b: a & b,
    }
    if op not in ops:
        raise ScriptRefused(f"The operator {op} is not allowed.")
    return ops[op](x, y)


_compiled: dict[tuple[str, str], Any] = {}


def _compile(source: str, mode: str) -> Any:
    key = (mode, source)
    code = _compiled.get(key)
    if code is None:
        compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
        result = compiler(source, "<process>")
        if result.errors:
            raise ScriptRefused("; ".join(result.errors))
        code = result.code
        if len(_compiled) > 2000:
            _compiled.clear()
        _compiled[key] = code
    return code


# Names task data may not use: they would hide a builtin or helper from every expression.
RESERVED_NAMES = frozenset(HELPERS) | frozenset(_ALLOWED_BUILTINS) | {"var"}


def _check_names(context: Mapping[str, Any], external: Mapping[str, Any]) -> None:
    clash = RESERVED_NAMES & set(context)
    if clash:
        raise ScriptRefused(
            "Task data overwrites a predefined name; rename: " + ", ".join(sorted(clash))
        )


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """A script environment that evaluates and executes through RestrictedPython."""

    def __init__(self, helpers: Mapping[str, Callable[..., Any]] | None = None) -> None:
        super().__init__(dict(HELPERS if helpers is None else helpers))

    def _globals(self, context: Mapping[str, Any], external: Mapping[str, Any]) -> dict[str, Any]:
        scope = _guards()
        scope.update(self.globals)
        scope.update(external)
        scope.update(context)

        def var(name: str, default: Any = None) -> Any:
            """A task-data variable, or `default` when the process has not set it."""
            if not isinstance(name, str) or name.startswith("_"):
                raise ScriptRefused(f"Access to the variable {name!r} is not allowed.")
            return context.get(name, external.get(name, default))

        scope["var"] = var
        return scope

    def evaluate(
        self,
        expression: str,
        context: dict[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> Any:
        code = _compile(expression, "eval")
        scope = self._globals(context, external_context or {})
        try:
            return eval(code, scope)  # noqa: S307 - compiled by RestrictedPython, guarded scope
        except ScriptRefused:
            raise
        except Exception as exc:
            raise ScriptError(f"{type(exc).__name__}: {exc}") from exc

    def execute(
        self,
        script: str,
        context: dict[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> bool:
        external = external_context or {}
        _check_names(context, external)
        code = _compile(script, "exec")
        scope = self._globals(context, external)
        fixed = set(_guards()) | set(self.globals) | set(external) | {"var"}
        try:
            exec(code, scope)  # noqa: S102 - compiled by RestrictedPython, guarded scope
        except ScriptRefused:
            raise
        except Exception as exc:
            raise ScriptError(f"{type(exc).__name__}: {exc}") from exc
        # Copy back what the script assigned or deleted; helpers and guards stay out.
        for name in list(context):
            if name not in scope:
                del context[name]
        for name, value in scope.items():
            if name in fixed or name.startswith("_") or callable(value):
                continue
            context[name] = value
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise ScriptRefused("Service tasks are not available in OneStop processes.")


def script_engine() -> PythonScriptEngine:
    """The engine every workflow of OneStop runs with."""
    return PythonScriptEngine(environment=RestrictedEnvironment())
