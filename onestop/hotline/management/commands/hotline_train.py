"""Retrain the 12345 routing model and save it under DATA_DIR/models/."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onestop.hotline import routing


class Command(BaseCommand):
    help = (
        "Retrain the hotline routing model from the shipped history, confirmed dispatches and "
        "the category/duty pseudo-examples (plus --from FILE.jsonl), and save it."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--from",
            dest="source",
            type=Path,
            help='extra examples: JSON lines {"text", "category", "kind"}',
        )

    def handle(self, *args: Any, source: Path | None = None, **options: Any) -> None:
        extra: list[dict[str, Any]] = []
        if source is not None:
            if not source.exists():
                raise CommandError(f"{source} does not exist")
            extra = routing.load_jsonl(source)
        started = time.perf_counter()
        history = routing.history_examples()
        confirmed = routing.confirmed_examples()
        pseudo = routing.cold_start_examples()
        model = routing.train([*history, *confirmed, *pseudo, *extra])
        path = routing.save(model)
        routing.set_model(model)
        self.stdout.write(
            f"trained on {model.n_examples} examples ({len(history)} history, "
            f"{len(confirmed)} confirmed dispatches, {len(pseudo)} pseudo, {len(extra)} extra) "
            f"in {time.perf_counter() - started:.1f} s; saved {path}"
        )
