"""Search quality on the dev set (tuning data) and, only when asked, on the evaluation set.

bench/data/search_dev.jsonl is the **dev** set: hand-written portal questions, written apart
from the evaluation set, that ranking changes may be studied and tuned on (its misses may be
read). bench/data/search_eval.jsonl is the **evaluation** set: never tuned on; it is scored only
with `--eval`, to report (bench/data/README.md).

    .venv/bin/python -m bench.bench_search_quality            # dev set only
    .venv/bin/python -m bench.bench_search_quality --eval     # dev and evaluation sets
    .venv/bin/python -m bench.bench_search_quality --misses   # also print the dev set's misses

Both sets are scored the same way as `bench_quality` (`search_scores`): the labelled item among
the first three item hits, the bundle among the first three scenario hits, and MRR of each.
Writes bench/results/search_quality.json.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

from bench.bench_quality import LANGS, SEARCH_LIMIT, SEARCH_SET, load, search_scores
from bench.common import setup_django, table, write

DEV_SET = Path(__file__).resolve().parent / "data" / "search_dev.jsonl"
COLUMNS = (
    "n",
    "item_top3",
    "item_or_also_top3",
    "item_mrr",
    "scenario_top3",
    "scenario_mrr",
    "answer_in_first3",
)


def score(path: Path, region: str) -> tuple[dict[str, Any], list[dict[str, Any]], list[Any]]:
    from onestop.knowledge import selectors

    rows = load(path)
    hits = [
        selectors.search(q=row["text"], lang=LANGS[row["lang"]], limit=SEARCH_LIMIT, region=region)
        for row in rows
    ]
    return search_scores(rows, hits), rows, hits


def print_misses(rows: list[dict[str, Any]], hits: list[Any]) -> None:
    """The dev questions whose item or bundle is not first among its kind (dev set only)."""
    for row, found in zip(rows, hits, strict=True):
        items = [h.ref for h in found if h.kind == "item"]
        scenarios = [h.ref for h in found if h.kind == "scenario"]
        item_pos = items.index(row["item"]) + 1 if row["item"] in items else None
        scen_pos = scenarios.index(row["scenario"]) + 1 if row["scenario"] in scenarios else None
        if (row["item"] and item_pos != 1) or (row["scenario"] and scen_pos != 1):
            titles = {h.ref: h.title for h in found}
            print(
                f"{row['id']} {row['text']!r} item@{item_pos} scen@{scen_pos} "
                f"want={row['item']}:{titles.get(row['item'], '-')} / {row['scenario']}"
            )
            for h in found[:4]:
                print(f"      {h.kind:8} {h.score:.3f} {h.ref} {h.title}")


def main() -> None:
    with_eval = "--eval" in sys.argv
    setup_django("search-quality")
    from django.conf import settings
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0, stdout=io.StringIO())
    region = settings.NODE_REGION
    results: dict[str, Any] = {}
    dev, rows, hits = score(DEV_SET, region)
    results["dev"] = dev
    if "--misses" in sys.argv:
        print_misses(rows, hits)
    if with_eval:
        results["eval"] = score(SEARCH_SET, region)[0]
    print(
        table(
            f"Search quality (region {region}; dev = tuning data, eval = never tuned on)",
            [{"set": name, **{c: res[c] for c in COLUMNS}} for name, res in results.items()],
        )
    )
    path = write("search_quality", results)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
