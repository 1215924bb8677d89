"""Background work of the benefits app (Django tasks API; run by `onestop worker`).

- `subject_check(holder_id)`: check every rule about one person now (enqueued by `listeners`
  when an application of theirs finished or a shared record about them changed);
- `payment_record(offer_id, reference, officer_id)`: record a payment the paying department's
  system reported (a batch import), as that department's officer (`services.offer_pay`, the
  same policy as the console's button);
- `tick`: the schedule (`onestop serve` enqueues it every `TICK_SECONDS`, or run
  `onestop benefits_tick` from cron): the people not checked for `BENEFITS_RECHECK_DAYS`,
  at most `BENEFITS_TICK_LIMIT` a run.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django_tasks import task

from onestop.accounts import selectors as accounts_selectors
from onestop.benefits import services


@task()
def subject_check(holder_id: int) -> list[int]:
    """Check every rule about the account `holder_id`; returns the ids of its offers."""
    holder = accounts_selectors.user_by_id(holder_id)
    if holder is None:
        return []
    return [offer.pk for offer in services.subject_check(holder=holder)]


@task()
def tick() -> dict[str, Any]:
    limit = int(getattr(settings, "BENEFITS_TICK_LIMIT", 50))
    return {"checked": services.checks_due(limit=limit)}


@task()
def payment_record(offer_id: int, reference: str, officer_id: int) -> dict[str, Any]:
    """Record the payment of offer `offer_id` as the officer `officer_id` (policy-checked by
    the service: an officer of the offer's department)."""
    officer = accounts_selectors.user_by_id(officer_id)
    offer = services.offer_pay(actor=officer, offer_id=offer_id, reference=reference)
    return {"offer": offer.pk, "status": offer.status}
