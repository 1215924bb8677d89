"""Every access to a citizen's data is recorded.

Apps below `sharing` (accounts, for a clerk's look-up by resident ID) report accesses here;
`sharing`, which keeps the access records and logs them to the ledger, registers the recorder in
its `AppConfig.ready()`. Reporting with no recorder registered is a programming error, never a
silent no-op: an unrecorded access must not happen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class Recorder(Protocol):
    def __call__(
        self,
        *,
        actor: Any,
        subject_index: str,
        dataset: str,
        fields: Sequence[str],
        purpose: str,
        basis: str,
    ) -> Any: ...


_recorder: Recorder | None = None


def set_recorder(recorder: Recorder) -> None:
    global _recorder  # noqa: PLW0603 - one process-wide recorder, set once at start-up
    _recorder = recorder


def record(
    *,
    actor: Any,
    subject_index: str,
    dataset: str,
    fields: Sequence[str],
    purpose: str,
    basis: str,
) -> Any:
    """Record that `actor` saw `fields` of the person with `subject_index` (a blind index)."""
    if _recorder is None:
        raise RuntimeError("no access recorder registered (is onestop.sharing installed?)")
    return _recorder(
        actor=actor,
        subject_index=subject_index,
        dataset=dataset,
        fields=fields,
        purpose=purpose,
        basis=basis,
    )
