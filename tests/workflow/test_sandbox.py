"""The restricted script environment refuses the known escapes and keeps the helpers."""

import datetime

import pytest

from onestop.workflow.sandbox import RestrictedEnvironment, ScriptError, ScriptRefused

ATTACKS = [
    "__import__('os').getpid() > 0",  # the reference's pitfall 2
    "().__class__.__bases__",
    "[].__class__.__mro__[1].__subclasses__()",
    "(lambda: 0).__globals__",
    "open('/etc/passwd').read()",
    "getattr(1, '__class__')",
    "globals()",
    "vars()",
    "eval('1 + 1')",
    "exec('x = 1')",
    "compile('1', 'f', 'eval')",
    "type(1)",
    "'{0.__class__}'.format(1)",
    "var('__builtins__')",
    "x._private",
    "breakpoint()",
]


@pytest.mark.parametrize("expression", ATTACKS)
def test_attacks_in_expressions_are_refused(expression):
    env = RestrictedEnvironment()
    with pytest.raises((ScriptRefused, ScriptError)):
        env.evaluate(expression, {"x": 1})


@pytest.mark.parametrize(
    "script",
    [
        "import os",
        "from os import system",
        "import subprocess as sp",
        "x = __builtins__",
        "class A: pass",
        "setattr(x, 'y', 1)",
        "x.__dict__['y'] = 1",
    ],
)
def test_attacks_in_scripts_are_refused_and_leave_data_alone(script):
    env = RestrictedEnvironment()
    context = {"x": 1}
    with pytest.raises((ScriptRefused, ScriptError)):
        env.execute(script, context)
    assert context == {"x": 1}


def test_refusals_say_what_is_wrong():
    env = RestrictedEnvironment()
    with pytest.raises(ScriptRefused, match="__import__"):
        env.evaluate("__import__('os')", {})
    with pytest.raises(ScriptRefused, match="Importing 'os' is not allowed"):
        env.execute("import os", {})
    with pytest.raises(ScriptError, match="NameError"):
        env.evaluate("open('/etc/passwd')", {})


def test_expressions_see_task_data_and_helpers():
    env = RestrictedEnvironment()
    data = {"special_steps": ["inspection"], "age": 30}
    assert env.evaluate("len(special_steps) > 0 and age >= 18", data) is True
    assert env.evaluate("max(1, age, 7) + min([3, 2])", data) == 32
    assert env.evaluate("var('missing', 'default')", data) == "default"
    assert env.evaluate("date(2026, 1, 5).isoformat()", data) == "2026-01-05"
    assert env.evaluate("sorted({'b': 1, 'a': 2})", data) == ["a", "b"]


@pytest.mark.django_db
def test_working_day_helpers_use_the_calendar():
    env = RestrictedEnvironment()
    # Monday 5 January 2026 to Friday 9 January: four working days after the start.
    assert env.evaluate("working_days_between(date(2026, 1, 5), date(2026, 1, 9))", {}) == 4
    assert env.evaluate("add_working_days(date(2026, 1, 9), 1)", {}) == datetime.date(2026, 1, 12)


def test_scripts_write_back_variables_and_deletions():
    env = RestrictedEnvironment()
    context = {"a": 1, "gone": True, "items": [1]}
    env.execute(
        "b = a + 1\na += 5\ndel gone\nitems.append(2)\nd = {'k': [i for i in range(2)]}", context
    )
    assert context == {"a": 6, "b": 2, "items": [1, 2], "d": {"k": [0, 1]}}


def test_task_data_may_not_shadow_helpers():
    env = RestrictedEnvironment()
    with pytest.raises(ScriptRefused, match="len"):
        env.execute("x = 1", {"len": 3})
