"""The node's clock, and the one seam through which the demo simulator moves it.

Every service stamps time with `django.utils.timezone.now()` (directly, through `localdate` /
`localtime`, through `auto_now` fields, or as a model field's `default=timezone.now`). On a
real node that is the wall clock, and nothing here changes it.

`onestop simulate` (docs/operations.md, "A living demo region") replays weeks of activity
through the real services in a few minutes, and each simulated step must be stamped with its
simulated day, so that the dashboards, time limits and burden figures read history. Rather than
threading a `now` argument through every service, `travel(at)` moves this process's clock:

- while it is active, `django.utils.timezone.now` is `clock.now`, which answers `at` plus the
  real time elapsed since `travel` was entered (time keeps running, so events of one step stay
  in order), and the model fields whose default is `timezone.now` take `clock.now` instead;
- on exit everything is put back exactly as it was.

It refuses to run in production mode (`ONESTOP_ENV=production`): a production node's records
carry only the time they really happened. Other processes (the web server, the task worker)
never see a travelled clock: the seam is installed in the simulating process only, and only for
the duration of the `with` block. Not thread-safe by design: the simulator is one thread.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.core import secrets
from onestop.core.errors import Conflict

_wall_now = timezone.now  # the real clock, captured before any travel
_travel: tuple[datetime.datetime, float] | None = None  # (simulated start, monotonic start)
_swapped: list[Any] = []  # model fields whose default was swapped while travelling


class ProductionClock(Conflict):
    """Moving the clock was asked of a production node."""


def wall() -> datetime.datetime:
    """The real time, travelling or not."""
    return _wall_now()


def now() -> datetime.datetime:
    """The current time: the wall clock, or the travelled one inside `travel`."""
    if _travel is None:
        return _wall_now()
    start, mono = _travel
    return start + datetime.timedelta(seconds=time.monotonic() - mono)


def travelling() -> bool:
    return _travel is not None


def _install() -> None:
    timezone.now = now  # the seam: every caller looks it up here
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.default is _wall_now:
                field.default = now
                field.__dict__.pop("_get_default", None)  # Django caches the callable
                _swapped.append(field)


def _uninstall() -> None:
    timezone.now = _wall_now
    for field in _swapped:
        field.default = _wall_now
        field.__dict__.pop("_get_default", None)
    _swapped.clear()


@contextmanager
def travel(at: datetime.datetime) -> Iterator[None]:
    """Run the block with this process's clock set to `at` (timezone-aware), running on from
    there. Nested calls move the clock again and put the outer time back on exit."""
    global _travel  # noqa: PLW0603 - the one piece of process state this module owns
    if secrets.production():
        raise ProductionClock(
            _("The clock of a production node cannot be moved (ONESTOP_ENV=production)."),
            code="production",
        )
    if timezone.is_naive(at):
        raise ValueError("travel() needs a timezone-aware datetime")
    outer = _travel
    _travel = (at, time.monotonic())
    if outer is None:
        _install()
    try:
        yield
    finally:
        _travel = outer
        if outer is None:
            _uninstall()
