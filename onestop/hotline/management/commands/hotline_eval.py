"""Evaluate the 12345 routing model on a JSON-lines file of labelled requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onestop.hotline import routing


class Command(BaseCommand):
    help = (
        "Print top-1/top-3 accuracy of category and department, ECE, and coverage and "
        "precision at the auto-dispatch threshold, for FILE.jsonl ({text, category, kind})."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--threshold", type=float, help="evaluate at this threshold instead of the setting"
        )

    def handle(self, *args: Any, file: Path, threshold: float | None = None, **opts: Any) -> None:
        if not file.exists():
            raise CommandError(f"{file} does not exist")
        examples = routing.load_jsonl(file)
        if not examples:
            raise CommandError(f"{file} has no examples")
        res = routing.evaluate(routing.get_model(), examples, at=threshold)
        self.stdout.write(format_report(res))


def format_report(res: dict[str, Any]) -> str:
    lines = [
        f"examples: {res['n']}   threshold: {res['threshold']}",
        "",
        f"{'target':<12}{'top-1':>8}{'top-3':>8}{'ECE':>8}",
    ]
    lines += [
        f"{name:<12}{res[f'{name}_top1']:>8.3f}{res[f'{name}_top3']:>8.3f}"
        f"{res[f'{name}_ece']:>8.3f}"
        for name in ("category", "department")
    ]
    lines += ["", f"{'threshold':<12}{'coverage':>10}{'precision':>11}"]
    rows = [{"threshold": res["threshold"], **_pick(res)}, *res["curve"]]
    lines += [
        f"{row['threshold']:<12}{row['coverage']:>10.3f}{row['precision']:>11.3f}" for row in rows
    ]
    return "\n".join(lines)


def _pick(res: dict[str, Any]) -> dict[str, Any]:
    return {"coverage": res["coverage"], "precision": res["precision"]}
