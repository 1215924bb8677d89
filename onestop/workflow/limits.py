"""The bounds of what the workflow engine accepts and runs (issue #13): the size of a published
process (each file, the DMN files, each decision table's rules and columns, each cell), the size
of the data a process is started or continued with, and the time the engine may spend in one run
evaluating gateway conditions and DMN rules in the web or worker process.

Script tasks have their own limits (a child process with CPU and memory limits, `sandbox`);
expressions run in the process itself, so they are bounded here instead: the engine run has a
deadline (`WORKFLOW_RULES_SECONDS`), checked before every expression and every 1,000 items of a
loop, and `sandbox` refuses the operations that make one expression unbounded (huge powers,
shifts and repetitions, ranges over a million items).

Each bound is a setting (docs/operations.md); a process over one is refused with a translated
message and nothing is stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

DEFAULTS = {
    "WORKFLOW_MAX_SOURCE_BYTES": 1_000_000,  # one BPMN or DMN file
    "WORKFLOW_MAX_DMN_FILES": 20,
    "WORKFLOW_MAX_DMN_RULES": 1000,  # rules of one decision table
    "WORKFLOW_MAX_DMN_COLUMNS": 50,  # inputs and outputs of one decision table
    "WORKFLOW_MAX_EXPRESSION_CHARS": 2000,  # one DMN cell or input expression
    "WORKFLOW_MAX_DATA_BYTES": 65_536,  # the data a process is started or continued with (JSON)
    "WORKFLOW_RULES_SECONDS": 2.0,  # expressions of one engine run
}


class LimitExceeded(ValueError):
    """A process or its data is over a bound; the message says which, translated."""


def limit(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def check_source(name: str, xml: str) -> None:
    """One BPMN or DMN file is at most WORKFLOW_MAX_SOURCE_BYTES."""
    most = int(limit("WORKFLOW_MAX_SOURCE_BYTES"))
    if len(xml.encode()) > most:
        raise LimitExceeded(
            _("The file %(name)s is larger than %(limit)s bytes.") % {"name": name, "limit": most}
        )


def check_dmn_count(count: int) -> None:
    most = int(limit("WORKFLOW_MAX_DMN_FILES"))
    if count > most:
        raise LimitExceeded(_("A process has at most %(limit)s DMN files.") % {"limit": most})


def check_decision_tables(name: str, root: Any) -> None:
    """Every decision table of the parsed DMN `root`: its rules, its columns and the length of
    each expression."""
    rules_most = int(limit("WORKFLOW_MAX_DMN_RULES"))
    columns_most = int(limit("WORKFLOW_MAX_DMN_COLUMNS"))
    chars_most = int(limit("WORKFLOW_MAX_EXPRESSION_CHARS"))
    for table in root.iter():
        if _local(table.tag) != "decisionTable":
            continue
        children = [_local(child.tag) for child in table]
        table_id = table.get("id") or "?"
        if children.count("rule") > rules_most:
            raise LimitExceeded(
                _("The decision table %(table)s of %(name)s has more than %(limit)s rules.")
                % {"table": table_id, "name": name, "limit": rules_most}
            )
        if children.count("input") + children.count("output") > columns_most:
            raise LimitExceeded(
                _("The decision table %(table)s of %(name)s has more than %(limit)s columns.")
                % {"table": table_id, "name": name, "limit": columns_most}
            )
        for element in table.iter():
            if _local(element.tag) == "text" and len(element.text or "") > chars_most:
                raise LimitExceeded(
                    _(
                        "An expression of the decision table %(table)s of %(name)s is longer "
                        "than %(limit)s characters."
                    )
                    % {"table": table_id, "name": name, "limit": chars_most}
                )


def check_sources(bpmn: tuple[str, str], dmns: Iterable[tuple[str, str]]) -> None:
    """The files of a process, before they are parsed: (name, xml) each."""
    dmns = list(dmns)
    check_dmn_count(len(dmns))
    for name, xml in [bpmn, *dmns]:
        check_source(name, xml)


def check_data(data: dict[str, Any]) -> None:
    """The data a process is started or continued with is at most WORKFLOW_MAX_DATA_BYTES as
    JSON (raises LimitExceeded)."""
    most = int(limit("WORKFLOW_MAX_DATA_BYTES"))
    try:
        size = len(json.dumps(data, default=str).encode())
    except (TypeError, ValueError, RecursionError):
        size = most + 1
    if size > most:
        raise LimitExceeded(_("The process data is larger than %(limit)s bytes.") % {"limit": most})
