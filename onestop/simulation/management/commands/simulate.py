"""`onestop simulate --days N [--seed S] [--per-day C] [--orders-per-day O] [--force]`: replay
the last N days of the region through its services (`onestop.simulation.driver`), so that a
demo node has history. Development only: refused in production mode. Once per data dir
(`onestop.simulation.marker`); `--force` runs it again (with a new seed, new people)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from onestop.core import secrets
from onestop.core.errors import DomainError
from onestop.simulation import driver, marker


class Command(BaseCommand):
    help = (
        "Replay N days of a living demo region through the real services (applications online "
        "and at the window, officers' decisions, 12345 orders, reviews, rectifications, "
        "benefits). Once per data dir; development only."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, required=True, help="how many days back")
        parser.add_argument("--seed", type=int, default=15, help="random seed (default 15)")
        parser.add_argument("--per-day", type=int, default=3, help="applications a working day")
        parser.add_argument("--orders-per-day", type=int, default=3, help="12345 orders a day")
        parser.add_argument("--force", action="store_true", help="run even if it ran here")

    def handle(self, *args: Any, **opts: Any) -> None:
        if secrets.production():
            raise CommandError(
                "The demo simulation refuses to run in production mode (ONESTOP_ENV=production): "
                "it would fill a real node with invented applications, orders and reviews."
            )
        days = opts["days"]
        if not 1 <= days <= 730:
            raise CommandError("--days must be between 1 and 730.")
        if min(opts["per_day"], opts["orders_per_day"]) < 0:
            raise CommandError("--per-day and --orders-per-day cannot be negative.")
        done = marker.read()
        if done is not None and not opts["force"]:
            self.stdout.write(
                f"already simulated in this data dir ({marker.path()}, {done.get('finished_at')}); "
                "--force runs it again"
            )
            return
        started = time.monotonic()
        verbose = opts["verbosity"] > 1
        try:
            summary = driver.simulate(
                days=days,
                seed=opts["seed"],
                per_day=opts["per_day"],
                orders_per_day=opts["orders_per_day"],
                say=self.stdout.write if verbose else None,
            )
        except DomainError as error:
            raise CommandError(str(error)) from error
        result = summary.as_dict()
        marker.write(
            {
                **result,
                "per_day": opts["per_day"],
                "orders_per_day": opts["orders_per_day"],
                "finished_at": timezone.now().isoformat(timespec="seconds"),
                "seconds": round(time.monotonic() - started, 1),
            }
        )
        self.stdout.write(
            f"simulated {days} days (seed {opts['seed']}) in {time.monotonic() - started:.0f} s: "
            + ", ".join(f"{k} {v}" for k, v in result["counts"].items())
        )
        if result["retried"]:
            self.stdout.write(
                "tried again after a transient failure (nothing stored): "
                + ", ".join(f"{k} {v}" for k, v in result["retried"].items())
            )
        if result["errors"]:
            self.stdout.write(
                "refused by the services: "
                + ", ".join(f"{k} {v}" for k, v in result["errors"].items())
            )
