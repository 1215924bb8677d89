"""Retrain the 12345 routing model, keep it in the registry, and make it live when it is at
least as good as the live one on the evaluation set."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onestop.core.errors import DomainError
from onestop.hotline import routing, selectors, services


class Command(BaseCommand):
    help = (
        "Retrain the hotline routing model from the shipped history and hand-written requests, "
        "the confirmed dispatches, returns and arbitrations, and the category/duty "
        "pseudo-examples (plus --from FILE.jsonl); calibrate its auto-dispatch threshold on a "
        "held-out part of that training data; score it on the evaluation set; keep it in the "
        "registry and make it live if it scores at least as well as the live model."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--from",
            dest="source",
            type=Path,
            help='extra examples: JSON lines {"text", "category", "kind"}',
        )
        parser.add_argument(
            "--only",
            dest="only",
            type=Path,
            help="train on this JSON-lines file alone (no shipped data; for tests and trials)",
        )
        parser.add_argument(
            "--eval",
            dest="eval_set",
            type=Path,
            help="the evaluation set (default: setting HOTLINE_EVAL_SET or bench/data)",
        )
        parser.add_argument(
            "--no-promote", action="store_true", help="register the model, never make it live"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        if options["only"] is not None:
            sources = {"file": self._read(options["only"], "file")}
        else:
            sources = routing.training_sources()
        if options["source"] is not None:
            sources["extra"] = self._read(options["source"], "extra")
        examples = [e for rows in sources.values() for e in rows]
        held_out, calibration = routing.calibrate(sources)
        model = routing.train(examples)
        model.meta["threshold"] = calibration["threshold"]
        model.meta["calibration"] = calibration
        evaluation = routing.eval_examples(options["eval_set"])
        figures = routing.eval_figures(model, evaluation)
        counts = {name: len(rows) for name, rows in sources.items()}
        entry = services.routing_model_register(model=model, figures=figures, sources=counts)
        self.stdout.write(
            f"model v{entry.version}: {model.n_examples} examples "
            f"({', '.join(f'{n} {k}' for k, n in counts.items())}) in "
            f"{time.perf_counter() - started:.1f} s"
        )
        self.stdout.write(
            f"auto-dispatch threshold {calibration['threshold']} for precision >= "
            f"{routing.CALIBRATION_TARGET} on {held_out} held-out training requests "
            f"(coverage there {calibration['coverage']})"
        )
        if figures:
            self.stdout.write(
                "evaluation set: "
                + ", ".join(f"{k} {v}" for k, v in figures.items() if k != "threshold")
            )
        else:
            self.stdout.write("no evaluation set: the model is registered but not promoted")
        if options["no_promote"] or not figures:
            return
        live = selectors.routing_model_live()
        if live is None:
            current = routing.load()
            if current is not None and not services.figures_reach(
                figures, routing.eval_figures(current, evaluation)
            ):
                self.stdout.write("not promoted: the live model scores higher")
                return
        try:
            services.routing_model_promote(actor=services.SYSTEM, version=entry.version)
        except DomainError as error:
            self.stdout.write(f"not promoted: {error.message}")
            return
        routing.set_model(model)
        self.stdout.write(f"model v{entry.version} is live")

    def _read(self, path: Path, source: str) -> list[dict[str, Any]]:
        """The file's examples, marked with their source (realistic requests: the model keeps
        them as neighbours, `routing.train`)."""
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        return [{**row, "source": source} for row in routing.load_jsonl(path)]
