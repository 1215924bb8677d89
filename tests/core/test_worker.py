"""`onestop worker`: the task worker loads what tasks keep per process (core.warmup) before it
takes its first task, then works like django-tasks-db's db_worker (same options)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from onestop.core import warmup


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_warm_up_steps_once_then_works(monkeypatch):
    ran: list[str] = []
    monkeypatch.setattr(warmup, "_steps", {"test.step": lambda: ran.append("warm-up")})

    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)  # empty queue: returns

    assert ran == ["warm-up"]
