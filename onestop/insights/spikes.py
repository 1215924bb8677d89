"""The statistical test behind a hotspot (pure functions; the service and bench/ share them).

A cell is one category in one place; its history is the weekly request counts of the
`BASELINE_WEEKS` weeks before the current one. Under "no spike" the current week's count is
Poisson with the trailing mean as its rate. The week is a spike when

    count ≥ MIN_COUNT   and   P(X ≥ count | X ~ Poisson(max(mean, RATE_FLOOR))) < ALPHA

(a one-sided Poisson upper-tail test). `MIN_COUNT` keeps a quiet place from raising a card on a
handful of calls; `RATE_FLOOR` keeps a place with no history from turning 2 calls into a spike.
The false-alarm rate and the detection measured on generated data are in docs/insights.md
(bench/bench_insights.py `spikes`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

BASELINE_WEEKS = 8
ALPHA = 0.001
MIN_COUNT = 5
RATE_FLOOR = 0.5


def poisson_upper_tail(k: int, rate: float) -> float:
    """P(X ≥ k) for X ~ Poisson(rate), computed as 1 − P(X ≤ k − 1) by summing the terms in
    log space (stable for the rates and counts of a week of calls)."""
    if k <= 0:
        return 1.0
    if rate <= 0:
        return 0.0
    term = math.exp(-rate)  # P(X = 0)
    below = term
    for i in range(1, k):
        term *= rate / i
        below += term
    return max(0.0, 1.0 - below)


@dataclass(frozen=True)
class Verdict:
    spike: bool
    count: int
    baseline: float  # the trailing weekly mean
    p_value: float


def test(history: Sequence[int], count: int) -> Verdict:
    """The verdict for a week of `count` requests after the weekly counts `history` (the
    `BASELINE_WEEKS` weeks before it, oldest first; missing weeks are zeros)."""
    weeks = list(history)[-BASELINE_WEEKS:]
    weeks = [0] * (BASELINE_WEEKS - len(weeks)) + weeks
    mean = sum(weeks) / BASELINE_WEEKS
    p_value = poisson_upper_tail(count, max(mean, RATE_FLOOR))
    return Verdict(
        spike=count >= MIN_COUNT and p_value < ALPHA, count=count, baseline=mean, p_value=p_value
    )
