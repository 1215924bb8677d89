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
        model = routing.train(routing.default_examples(extra))
        path = routing.save(model)
        routing.set_model(model)
        self.stdout.write(
            f"trained on {model.n_examples} examples in {time.perf_counter() - started:.1f} s; "
            f"saved {path}"
        )
