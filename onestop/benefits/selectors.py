"""Reads of benefits without applying, scoped to the actor.

`benefit_figures` is the one figure source (the staff page `/benefits/console/`, and the
dashboards: see docs/benefits.md): offers, uptake and the median time from eligibility to the
benefit (confirmation, or the grant of a benefit that needs none), per rule.
"""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from onestop.benefits import policies
from onestop.benefits.models import Offer, OfferEvent, OptOut
from onestop.benefits.rules import RULES, Rule, rules_for
from onestop.core.errors import NotFound
from onestop.sharing.selectors import dataset_names

Status = Offer.Status


@dataclass
class OfferView:
    """An offer as its holder reads it: the rule, and each fact with the dataset it came
    from (its name in both languages)."""

    offer: Offer
    rule: Rule
    facts: list[dict[str, Any]]
    opted_out: bool


def _facts(offer: Offer, names: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for fact in offer.facts or []:
        dataset = names.get(fact.get("dataset", ""))
        rows.append(
            {
                **fact,
                "source_zh": getattr(dataset, "name_zh", fact.get("dataset", "")),
                "source_en": getattr(dataset, "name_en", fact.get("dataset", "")),
            }
        )
    return rows


def my_offers(*, actor: Any) -> list[OfferView]:
    """The actor's own offers, newest first (nothing for anyone not signed in)."""
    if not policies.can(actor, policies.OPT_OUT, None):
        return []
    names = dataset_names()
    opted = set(OptOut.objects.filter(holder=actor).values_list("rule", flat=True))
    offers = Offer.objects.filter(holder=actor).select_related("department")
    return [
        OfferView(offer=o, rule=RULES[o.rule], facts=_facts(o, names), opted_out=o.rule in opted)
        for o in offers
        if o.rule in RULES
    ]


def my_choices(*, actor: Any) -> list[dict[str, Any]]:
    """Every benefit about the actor's kind of account, with whether they opted out."""
    if not policies.can(actor, policies.OPT_OUT, None):
        return []
    opted = set(OptOut.objects.filter(holder=actor).values_list("rule", flat=True))
    return [{"rule": rule, "opted_out": rule.key in opted} for rule in rules_for(actor.kind)]


def offer_get(*, actor: Any, offer_id: Any) -> OfferView:
    """One offer the actor may see (`NotFound` otherwise: nobody learns of another's offer)."""
    offer = (
        Offer.objects.select_related("department", "holder").filter(pk=offer_id).first()
        if str(offer_id).isdigit()
        else None
    )
    if offer is None or offer.rule not in RULES or not policies.can(actor, policies.VIEW, offer):
        raise NotFound(_not_found())
    opted = OptOut.objects.filter(holder_id=offer.holder_id, rule=offer.rule).exists()
    return OfferView(
        offer=offer, rule=RULES[offer.rule], facts=_facts(offer, dataset_names()), opted_out=opted
    )


def _not_found() -> str:
    from django.utils.translation import gettext as _

    return _("There is no such benefit offer.")


def offer_events(*, actor: Any, offer: Offer) -> QuerySet[OfferEvent]:
    if not policies.can(actor, policies.VIEW, offer):
        return OfferEvent.objects.none()
    return OfferEvent.objects.filter(offer=offer).order_by("at", "pk")


def department_offers(*, actor: Any, limit: int = 200) -> list[OfferView]:
    """The offers of the departments the actor works for, newest first (the console: without
    the holder and the facts, which are the holder's personal data)."""
    scope = policies.scope_q(actor)
    if scope is None:
        return []
    offers = Offer.objects.filter(scope).select_related("department").order_by("-eligible_at")
    return [
        OfferView(offer=o, rule=RULES[o.rule], facts=[], opted_out=False)
        for o in offers[:limit]
        if o.rule in RULES
    ]


@dataclass
class RuleFigures:
    rule: str
    name_zh: str
    name_en: str
    offers: int = 0
    taken_up: int = 0  # confirmed, or granted without confirmation (paid or not yet)
    paid: int = 0  # the paying department recorded the payment
    waiting: int = 0
    declined: int = 0
    median_days: float | None = None  # eligibility (the match) → payment
    median_days_to_uptake: float | None = None  # eligibility → confirmation or grant
    _days: list[float] = field(default_factory=list, repr=False)
    _uptake_days: list[float] = field(default_factory=list, repr=False)

    @property
    def uptake(self) -> float | None:
        """The share of offers taken up (0–1), None without offers."""
        return self.taken_up / self.offers if self.offers else None


def benefit_figures(
    *,
    actor: Any,
    department: str | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> list[RuleFigures] | None:
    """Per rule, the offers made (found eligible) from `since` to `until` (dates in the node's
    time zone, both included) in the actor's scope (`policies.scope_q`), optionally one
    department's: how many, taken up (confirmed, or granted without confirmation), paid,
    waiting, declined, the uptake share, the median days from eligibility (the match) to the
    payment the department recorded, and to the uptake. One query. `None` for an actor with
    no console (the figures are not in their scope: a dashboard says so rather than showing
    an empty table); otherwise one row per rule, with zeros where nothing happened."""
    scope = policies.scope_q(actor)
    if scope is None:
        return None
    offers = Offer.objects.filter(scope)
    if department:
        offers = offers.filter(department_id=department)
    if since:
        offers = offers.filter(eligible_at__date__gte=since)
    if until:
        offers = offers.filter(eligible_at__date__lte=until)
    figures = {
        key: RuleFigures(rule=key, name_zh=rule.name_zh, name_en=rule.name_en)
        for key, rule in RULES.items()
    }
    for rule, status, eligible_at, confirmed_at, granted_at, paid_at in offers.values_list(
        "rule", "status", "eligible_at", "confirmed_at", "granted_at", "paid_at"
    ):
        row = figures.get(rule)
        if row is None:
            continue
        row.offers += 1
        if status in (Status.CONFIRMED, Status.GRANTED, Status.PAID):
            row.taken_up += 1
            done = confirmed_at or granted_at
            if done is not None:
                row._uptake_days.append(_days_between(eligible_at, done))
            if status == Status.PAID and paid_at is not None:
                row.paid += 1
                row._days.append(_days_between(eligible_at, paid_at))
        elif status == Status.OFFERED:
            row.waiting += 1
        else:
            row.declined += 1
    for row in figures.values():
        row.median_days = round(statistics.median(row._days), 1) if row._days else None
        row.median_days_to_uptake = (
            round(statistics.median(row._uptake_days), 1) if row._uptake_days else None
        )
    return list(figures.values())


def _days_between(start: datetime.datetime, end: datetime.datetime) -> float:
    return max(0.0, (end - start).total_seconds() / 86400)
