"""Background work of the ledger (Django tasks API; run by `onestop worker`).

`onestop serve` enqueues `witness_submit` every `TICK_SECONDS` (or run `onestop witness run`):
it submits the current checkpoint to every witness this node has (c2sp.org/tlog-witness).
"""

from django_tasks import task

from onestop.ledger import services


@task()
def witness_submit() -> dict[str, str]:
    """Submit the current checkpoint to each witness; returns {witness: outcome}."""
    return {r.witness: r.outcome for r in services.witnesses_submit()}
