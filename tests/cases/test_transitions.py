"""The case life cycle table (`cases.transitions`), walked whole: every edge in the table works
on a case of each kind it names, every other (status, action, kind) is refused with Conflict and
changes nothing; and no service assigns a status except through it."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from onestop.cases import transitions
from onestop.cases.models import Case, CaseEvent
from onestop.core.errors import Conflict
from onestop.org.models import Region
from tests.factories import OTHER_REGION

S = Case.Status
KINDS = (Case.Kind.BUNDLE, Case.Kind.ITEM)
EDGES = [
    (status, action, kind)
    for status in S.values
    for action in sorted(transitions.ACTIONS)
    for kind in KINDS
]


@pytest.fixture
def region(db: Any) -> Region:
    from onestop.org.seed import seed_org

    seed_org()

    seed_org(region=OTHER_REGION)
    return Region.objects.get(code="371121")


def _case(region: Region, status: str, kind: str) -> Case:
    """A bare case already in `status` (the table is walked from every status: no service
    brings a case into each of them cheaply, so the row is written directly)."""
    return Case.objects.create(region=region, kind=kind, channel=Case.Channel.ONLINE, status=status)


def test_the_table_has_one_step_per_status_and_action() -> None:
    pairs = [(t.source, t.action) for t in transitions.TABLE]
    assert len(pairs) == len(set(pairs))
    for step in transitions.TABLE:
        assert step.target in S.values
        assert step.events, step
        assert set(step.kinds) <= {k.value for k in KINDS}
        assert set(step.who) <= {
            transitions.APPLICANT,
            transitions.CLERK,
            transitions.OFFICER,
            transitions.SYSTEM,
        }


@pytest.mark.parametrize(("status", "action", "kind"), EDGES)
def test_every_edge(region: Region, status: str, action: str, kind: str) -> None:
    case = _case(region, status, kind)
    allowed = transitions.TRANSITIONS.get((status, action))
    if allowed is not None and kind in allowed.kinds:
        step, event = transitions.step(case, action, at=None)
        case.save()
        case.refresh_from_db()
        assert case.status == allowed.target
        assert event is not None
        assert event.kind == allowed.events[0]
        assert list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True)) == [
            allowed.events[0]
        ]
        assert step is allowed
    else:
        with pytest.raises(Conflict) as refused:
            transitions.step(case, action)
        assert refused.value.code == "illegal_transition"
        assert case.status == status
        case.refresh_from_db()
        assert case.status == status
        assert not CaseEvent.objects.filter(case=case).exists()


def test_a_step_names_only_its_own_events(region: Region) -> None:
    case = _case(region, S.ACCEPTED, Case.Kind.ITEM)
    with pytest.raises(ValueError, match="approve"):
        transitions.step(case, "approve", event=CaseEvent.Kind.WITHDRAWN)
    _step, event = transitions.step(case, "approve", event=CaseEvent.Kind.AUTO_DECIDED)
    assert event is not None
    assert event.kind == CaseEvent.Kind.AUTO_DECIDED


def test_refusals_are_whole_translated_sentences(region: Region) -> None:
    case = _case(region, S.COMPLETED, Case.Kind.BUNDLE)
    with pytest.raises(Conflict) as refused:
        transitions.step(case, "withdraw")
    assert (
        str(refused.value.message)
        == "An application that is “Completed” can no longer be withdrawn."
    )
    for action in transitions.ACTIONS:
        assert "%(status)s" in transitions.refusal(action)


def test_no_service_assigns_a_status_itself() -> None:
    """Every `<case>.status = ...` in cases goes through `transitions.step`."""
    root = Path(transitions.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        if path.name == "transitions.py" or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign):
                offenders.extend(
                    f"{path.name}:{node.lineno}"
                    for target in node.targets
                    if isinstance(target, ast.Attribute) and target.attr == "status"
                )
    assert offenders == []
