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

Script tasks (`execute`) run in a child process forked for the script, with a CPU-time limit
(WORKFLOW_SCRIPT_CPU_SECONDS, default 2) and an address-space limit of
WORKFLOW_SCRIPT_MEMORY_MB (default 256) above what the process already holds, set with
`resource.setrlimit` in the child only (`isolated`): `9 ** 9 ** 9` in a published script
fails that task with "the script used more than 2 s of CPU time", and the web or worker process
that ran it goes on. The child talks to the database through a connection of its own (never
its parent's) and hands back only plain data (numbers, text, lists, dicts, dates), read with
an unpickler that knows no other classes.

Expressions (gateway conditions, timer expressions, DMN cells) are evaluated in the process
itself: they run on every gateway and rule, a fork each would cost more than the step. They are
bounded instead (`limits`): an engine run has a deadline (`deadline`, WORKFLOW_RULES_SECONDS),
checked before every expression and every 1,000 items a loop takes; `range` gives at most
`MAX_ITEMS` items, and a power, a shift or a repetition whose result would be huge (an integer
over `MAX_INT_BITS` bits, a text or list over `MAX_ITEMS` items) is refused before it is
computed (`_binop_`, in expressions only: scripts have their process limits), so no single
expression runs unbounded. Only trusted administrators
publish processes (`onestop workflow_load`), and a published file is reviewed like code.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import datetime
import io
import math
import os
import pickle
import resource
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NoReturn

from django.utils.translation import gettext as _
from RestrictedPython import (
    RestrictingNodeTransformer,
    compile_restricted_eval,
    compile_restricted_exec,
    safe_builtins,
)
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


class DeadlinePassed(ScriptError):
    """The engine run passed its deadline (`WORKFLOW_RULES_SECONDS`): a runaway rule, or a
    sound one on an overloaded machine. The run stored nothing; the same step may be tried
    again (`workflow.services.RulesTimeout`)."""


# --- bounds on one expression and on one engine run ---------------------------------------------

MAX_INT_BITS = 4096  # an integer result of **, << or * (about 1,200 decimal digits)
MAX_ITEMS = 1_000_000  # items of a range, characters or items of a repeated text or list
CHECK_EVERY = 1000  # loop items between two looks at the deadline

_run_state = threading.local()


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """The expressions evaluated inside share a deadline `seconds` from now (the outermost
    one counts when runs nest)."""
    previous = getattr(_run_state, "deadline", None)
    mine = time.monotonic() + seconds
    _run_state.deadline = mine if previous is None else min(previous, mine)
    _run_state.seconds = getattr(_run_state, "seconds", None) or seconds
    try:
        yield
    finally:
        _run_state.deadline = previous
        if previous is None:
            _run_state.seconds = None


def check_deadline() -> None:
    """Raise `DeadlinePassed` (a `ScriptError`) once the current run's deadline has passed."""
    due = getattr(_run_state, "deadline", None)
    if due is not None and time.monotonic() > due:
        raise DeadlinePassed(
            _("The rules took more than %(seconds)s s to evaluate.")
            % {"seconds": f"{_run_state.seconds:g}"}
        )


def _too_big() -> ScriptError:
    return ScriptError(_("The expression would compute a value too large to handle."))


def _bits(value: Any) -> int:
    return abs(value).bit_length() if isinstance(value, int) else 0


def _size(value: Any) -> int | None:
    return len(value) if isinstance(value, (str, bytes, list, tuple)) else None


def _binop_(op: str, left: Any, right: Any) -> Any:
    """`left op right` for **, << and *, refused before computing when the result would be
    huge (an integer over MAX_INT_BITS bits, a sequence over MAX_ITEMS items)."""
    ints = isinstance(left, int) and isinstance(right, int)
    if op == "**":
        if ints and right > 0 and abs(left) > 1 and right * math.log2(abs(left)) > MAX_INT_BITS:
            raise _too_big()
        return left**right
    if op == "<<":
        if ints and right > 0 and _bits(left) + right > MAX_INT_BITS:
            raise _too_big()
        return left << right
    # "*"
    if ints and _bits(left) + _bits(right) > MAX_INT_BITS:
        raise _too_big()
    for sequence, count in ((left, right), (right, left)):
        size = _size(sequence)
        if size is not None and isinstance(count, int) and size * count > MAX_ITEMS:
            raise _too_big()
    return left * right


_GUARDED_OPS = {ast.Pow: "**", ast.LShift: "<<", ast.Mult: "*"}


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy, with **, << and * going through `_binop_`."""

    def visit_BinOp(self, node: ast.BinOp) -> Any:  # noqa: N802 - ast.NodeTransformer's name
        node = self.node_contents_visit(node)
        op = _GUARDED_OPS.get(type(node.op))
        if op is None:
            return node
        call = ast.Call(
            func=ast.Name(id="_binop_", ctx=ast.Load()),
            args=[ast.Constant(op), node.left, node.right],
            keywords=[],
        )
        ast.copy_location(call, node)
        return ast.fix_missing_locations(call)


def _range(*args: Any) -> range:
    span = range(*args)
    if len(span) > MAX_ITEMS:
        raise _too_big()
    return span


def _builtins() -> dict[str, Any]:
    allowed: dict[str, Any] = {}
    for name in _ALLOWED_BUILTINS:
        allowed[name] = safe_builtins.get(name, getattr(builtins, name))
    allowed["range"] = _range
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
    """Every loop and comprehension looks at the run's deadline every CHECK_EVERY items."""
    check_deadline()
    if getattr(_run_state, "deadline", None) is None:
        return iter(obj)
    return _checked(iter(obj))


def _checked(items: Iterator[Any]) -> Iterator[Any]:
    for count, item in enumerate(items, 1):
        if count % CHECK_EVERY == 0:
            check_deadline()
        yield item


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
        "_binop_": _binop_,
    }


def _inplacevar(op: str, x: Any, y: Any) -> Any:
    ops: dict[str, Callable[[Any, Any], Any]] = {
        "+=": lambda a, b: a + b,
        "-=": lambda a, b: a - b,
        "*=": lambda a, b: _binop_("*", a, b),
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
        # expressions run in this process: their operations are guarded (`_Policy`); scripts
        # run in a child under CPU and memory limits, which stop them instead
        policy = _Policy if mode == "eval" else RestrictingNodeTransformer
        result = compiler(source, "<process>", policy=policy)
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
        check_deadline()
        code = _compile(expression, "eval")
        scope = self._globals(context, external_context or {})
        try:
            return eval(code, scope)  # noqa: S307 - compiled by RestrictedPython, guarded scope
        except (ScriptRefused, ScriptError):
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

        def run() -> dict[str, Any]:
            try:
                exec(code, scope)  # noqa: S102 - compiled by RestrictedPython, guarded scope
            except (ScriptRefused, ScriptError):
                raise
            except MemoryError:
                raise ScriptError(
                    f"the script used more than {_memory_mb()} MB of memory"
                ) from None
            except Exception as exc:
                raise ScriptError(f"{type(exc).__name__}: {exc}") from exc
            return {
                name: value
                for name, value in scope.items()
                if name not in fixed and not name.startswith("_") and not callable(value)
            }

        assigned = isolated(run)
        # Copy back what the script assigned or deleted; helpers and guards stay out.
        for name in list(context):
            if name not in assigned:
                del context[name]
        context.update(assigned)
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise ScriptRefused("Service tasks are not available in OneStop processes.")


def _cpu_seconds() -> int:
    from django.conf import settings

    return max(1, int(getattr(settings, "WORKFLOW_SCRIPT_CPU_SECONDS", 2)))


def _memory_mb() -> int:
    from django.conf import settings

    return max(16, int(getattr(settings, "WORKFLOW_SCRIPT_MEMORY_MB", 256)))


def _address_space() -> int:
    """The bytes of address space this process holds now (Linux: /proc/self/statm)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _limit_child() -> None:
    cpu = _cpu_seconds()
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    held = _address_space()
    if held:
        limit = held + _memory_mb() * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


# The inherited connections, kept referenced in the child so that no finaliser closes them
# (closing would end the parent's database session).
_inherited: list[Any] = []


def _own_connections() -> None:
    """In the child: leave the parent's database connections alone and open new ones on use.
    An in-memory SQLite database (the tests) lives in the process's memory: the child's copy
    of the connection is its own already."""
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        name = str(connection.settings_dict.get("NAME") or "")
        if connection.vendor == "sqlite" and ("memory" in name or name == ""):
            continue
        _inherited.append(connection.connection)
        connection.connection = None
        connection.in_atomic_block = False
        connection.savepoint_ids = []
        connection.atomic_blocks = []
        connection.needs_rollback = False


class _PlainUnpickler(pickle.Unpickler):
    """Reads back only plain data: builtins' containers and scalars, and datetime values."""

    SAFE = frozenset(
        {
            ("datetime", "date"),
            ("datetime", "datetime"),
            ("datetime", "time"),
            ("datetime", "timedelta"),
            ("datetime", "timezone"),
            ("builtins", "set"),
            ("builtins", "frozenset"),
            ("builtins", "complex"),
            ("zoneinfo", "ZoneInfo"),
            ("zoneinfo._zoneinfo", "ZoneInfo"),
        }
    )

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.SAFE:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not plain data")


def _child(fn: Callable[[], Any], read_end: int, write_end: int) -> NoReturn:
    """The forked child: limits, its own connections, `fn`, its answer down the pipe, exit."""
    code = 0
    try:
        os.close(read_end)
        _limit_child()
        _own_connections()
        try:
            answer: tuple[str, Any] = ("ok", fn())
        except ScriptRefused as exc:
            answer = ("refused", str(exc))
        except ScriptError as exc:
            answer = ("error", str(exc))
        except MemoryError:
            answer = ("error", f"the script used more than {_memory_mb()} MB of memory")
        except BaseException as exc:
            answer = ("error", f"{type(exc).__name__}: {exc}")
        try:
            data = pickle.dumps(answer)
        except Exception as exc:
            data = pickle.dumps(("error", f"the script left a value that is not data: {exc}"))
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(data)
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def isolated(fn: Callable[[], Any]) -> Any:
    """Run `fn` in a forked child under the CPU and memory limits and return its result (plain
    data); its `ScriptRefused` / `ScriptError` are raised here. A child killed by a limit, or
    one that returns something else than plain data, is a `ScriptError`."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        _child(fn, read_end, write_end)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    _pid, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL):
        raise ScriptError(f"the script used more than {_cpu_seconds()} s of CPU time")
    if not data:
        raise ScriptError("the script's process ended without an answer")
    try:
        kind, value = _PlainUnpickler(io.BytesIO(data)).load()
    except (pickle.UnpicklingError, ValueError, EOFError) as exc:
        raise ScriptError(f"the script's answer is not plain data: {exc}") from exc
    if kind == "refused":
        raise ScriptRefused(value)
    if kind == "error":
        raise ScriptError(value)
    return value


def script_engine() -> PythonScriptEngine:
    """The engine every workflow of OneStop runs with."""
    return PythonScriptEngine(environment=RestrictedEnvironment())
