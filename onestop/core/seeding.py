"""A registry of demo-seed steps. Each app registers its step in `AppConfig.ready()`;
`onestop seed_demo` runs them in order. Every step must be idempotent: running the seed
twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SeedStep:
    order: int
    name: str
    run: Callable[[], str | None]


_steps: dict[str, SeedStep] = {}


StepFn = Callable[[], str | None]


def register(*, order: int, name: str) -> Callable[[StepFn], StepFn]:
    def decorator(fn: StepFn) -> StepFn:
        _steps[name] = SeedStep(order=order, name=name, run=fn)
        return fn

    return decorator


def steps() -> list[SeedStep]:
    return sorted(_steps.values(), key=lambda s: (s.order, s.name))
