"""A registry of demo-seed steps. Each app registers its step in `AppConfig.ready()`;
`onestop seed_demo` runs them in order. Every step must be idempotent: running the seed
twice changes nothing the second time.

A node owns its region: every step seeds only what belongs to `node_region()` (the node's
`NODE_REGION`) and the regions under it (`org.seed.demo_regions` names them); what belongs to
other regions reaches a node from its peers. Reference data (the region rows, department
kinds, dataset and e-licence registries, the calendar) is national and seeded on every node.
A step that takes a `region` keyword seeds that region's part instead (the tests seed two
regions into one database that way).

A step registered `deferred=True` is one the node does not need to answer its first request
(training the hotline routing model, indexing the search, the demo applications): `make run`
seeds the other steps, starts serving, and seeds the deferred ones in the background
(`onestop seed_demo --phase first` / `--phase deferred`; without `--phase`, all in order).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class SeedStep:
    order: int
    name: str
    run: Callable[[], str | None]
    deferred: bool = False


_steps: dict[str, SeedStep] = {}


StepFn = Callable[[], str | None]


def register(*, order: int, name: str, deferred: bool = False) -> Callable[[StepFn], StepFn]:
    def decorator(fn: StepFn) -> StepFn:
        _steps[name] = SeedStep(order=order, name=name, run=fn, deferred=deferred)
        return fn

    return decorator


def steps(phase: str = "all") -> list[SeedStep]:
    """The steps in order: all of them, or only those of `phase` ("first": not deferred;
    "deferred")."""
    chosen = sorted(_steps.values(), key=lambda s: (s.order, s.name))
    if phase == "first":
        return [s for s in chosen if not s.deferred]
    if phase == "deferred":
        return [s for s in chosen if s.deferred]
    return chosen


def node_region() -> str:
    """The region this node serves and seeds (`settings.NODE_REGION`, a GB/T 2260 code)."""
    return str(settings.NODE_REGION)
