"""When data change, check the people concerned (in the worker, after the commit).

- `cases.hooks.on_case_finished`: an application finished (a newborn bundle: the birth is now
  registered; an enterprise's opening: it is now registered) → check its applicant;
- `sharing.hooks.on_record_changed`: a shared record (residents, births, enterprises) was
  created or changed → check the accounts it is about (its subject and parties).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import partial
from typing import Any

from django.db import transaction

from onestop.accounts import selectors as accounts_selectors
from onestop.benefits import tasks

logger = logging.getLogger(__name__)

# the datasets the rules read (rules.RULES needs); a change elsewhere concerns no benefit
WATCHED = frozenset(
    {"resident-id", "birth-medical-certificate", "enterprise-registry", "household"}
)


def _enqueue(holder_id: int) -> None:
    try:
        tasks.subject_check.enqueue(holder_id)
    except Exception:  # a full queue must not undo the business change
        logger.exception("could not enqueue the benefits check of account %s", holder_id)


def case_finished(top: Any) -> None:
    holder_id = getattr(top, "applicant_id", None)
    if holder_id:
        transaction.on_commit(partial(_enqueue, holder_id))


def record_changed(dataset: str, subject_keys: Sequence[str]) -> None:
    if dataset not in WATCHED:
        return
    for holder in accounts_selectors.data_subjects_by_keys(subject_keys):
        _enqueue(holder.pk)
