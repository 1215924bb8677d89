"""Search speed in process (`knowledge.selectors.search`, what GET /api/v1/search runs) at the
seed size (145 Wulian items) and at 10,000 items, with a cProfile summary of where the time goes.

The 10,000 items are generated from the seed catalogue and written **through the catalogue
service** (`catalog_import`, in batches, as an import would) into this throwaway node's
database; the search index is then rebuilt with `index_rebuild`, as the worker does after an
import. A generated item is a seed item for one of the county's towns and one kind of
application (新办, 变更, 延续, 注销, 补办 ...), e.g. "营业执照变更登记（注销·洪凝街道）" — the
near-duplicate names a real catalogue of that size has, so the full-text candidates and the
embedding matrix are as crowded as they would be.

The questions timed are fixed texts that are not from the evaluation or dev sets. Figures: median
and p95 wall clock and CPU time (`time.process_time`) of one search; on a shared machine the
wall clock also waits for a core, the CPU time is what the code costs.

    .venv/bin/python -m bench.bench_search            # SQLite
    DATABASE_URL=postgres://... .venv/bin/python -m bench.bench_search   # PostgreSQL
    BENCH_QUICK=1 ...   # 1,000 items and 50 calls instead of 10,000 and 200
    BENCH_PROFILE=1 ... # also print the cProfile summary (top functions by cumulative time)
    BENCH_NAME=x ...    # write bench/results/x.json instead of search.json
"""

from __future__ import annotations

import copy
import cProfile
import io
import itertools
import os
import pstats
import time
from typing import Any

from bench.common import measure, setup_django, table, write

QUICK = os.environ.get("BENCH_QUICK") == "1"
PROFILE = os.environ.get("BENCH_PROFILE") == "1"
TARGET_ITEMS = 1_000 if QUICK else 10_000
REPEAT = 50 if QUICK else 200
BATCH = 500

# Not from bench/data: short and long, colloquial and standard, Chinese and English.
QUESTIONS = [
    ("开饭店要办什么证", "zh-hans"),
    ("社保卡丢了", "zh-hans"),
    ("how do I register a newborn", "en"),
    ("退休手续", "zh-hans"),
    ("孩子刚出生要办什么", "zh-hans"),
    ("营业执照", "zh-hans"),
    ("how do I open a restaurant", "en"),
    ("老人去世了后事怎么办", "zh-hans"),
]

ACTIONS = [
    ("新办", "new"),
    ("变更", "change"),
    ("延续", "renewal"),
    ("注销", "cancellation"),
    ("补办", "replacement"),
    ("遗失补领", "lost and reissued"),
    ("跨区迁入", "moved in from another district"),
]
TOWNS = [
    ("洪凝街道", "Hongning Subdistrict"),
    ("街头镇", "Jietou Town"),
    ("潮河镇", "Chaohe Town"),
    ("许孟镇", "Xumeng Town"),
    ("于里镇", "Yuli Town"),
    ("汪湖镇", "Wanghu Town"),
    ("叩官镇", "Kouguan Town"),
    ("中至镇", "Zhongzhi Town"),
    ("高泽镇", "Gaoze Town"),
    ("松柏镇", "Songbai Town"),
    ("石场乡", "Shichang Township"),
    ("户部乡", "Hubu Township"),
]


def generated_items(seed: dict[str, Any], region: str, count: int) -> list[dict[str, Any]]:
    """`count` new items from the seed items: each variant a (kind of application, town)."""
    import re

    from onestop.catalog.importer import CODE_RE

    base = seed["items"]
    variants = list(itertools.product(ACTIONS, TOWNS))
    used: dict[str, int] = {}
    out: list[dict[str, Any]] = []
    for n in range(count):
        src = base[n % len(base)]
        (action_zh, action_en), (town_zh, town_en) = variants[(n // len(base)) % len(variants)]
        match = CODE_RE.match(src["code"])
        if match is None:
            raise RuntimeError(f"unexpected seed code {src['code']}")
        prefix = f"{region}{match.group(2)}{match.group(3)}-{match.group(4)}"
        used[prefix] = used.get(prefix, 4000) + 1
        item = copy.deepcopy(src)
        item["code"] = f"{prefix}-{used[prefix]:04d}"
        item["name_zh"] = re.sub(r"\s+", "", f"{src['name_zh']}（{action_zh}·{town_zh}）")
        if src.get("name_en"):
            item["name_en"] = f"{src['name_en']} ({action_en}, {town_en})"
        item["scenarios"] = []
        out.append(item)
    return out


def grow(region: str, target: int) -> tuple[int, float]:
    """Import generated items through catalog_import until the region has `target` items."""
    from onestop.catalog import selectors as catalog_selectors
    from onestop.catalog.seed import seed_document
    from onestop.catalog.services import catalog_import
    from onestop.core.actors import SYSTEM

    have = catalog_selectors.item_list(region=region).count()
    seed = seed_document(region)
    items = generated_items(seed, region, max(0, target - have))
    start = time.perf_counter()
    for i in range(0, len(items), BATCH):
        document = {key: value for key, value in seed.items() if key not in ("items", "scenarios")}
        document.update(items=items[i : i + BATCH], scenarios=[], scenario_variants={})
        catalog_import(actor=SYSTEM, data=document, region=region, fmt="json")
    return catalog_selectors.item_list(region=region).count(), time.perf_counter() - start


def time_search(region: str, repeat: int) -> dict[str, Any]:
    from onestop.knowledge import selectors

    cycle = itertools.cycle(QUESTIONS)
    for q, lang in QUESTIONS:  # the model and the region's matrix loaded outside the timing
        selectors.search(q=q, lang=lang, limit=10, region=region)

    def one() -> None:
        q, lang = next(cycle)
        selectors.search(q=q, lang=lang, limit=10, region=region)

    return measure(one, repeat=repeat, cpu=True)


def profile(region: str, repeat: int) -> list[dict[str, Any]]:
    """The functions with the most cumulative time over `repeat` searches (ms per search)."""
    from onestop.knowledge import selectors

    profiler = cProfile.Profile()
    cycle = itertools.cycle(QUESTIONS)
    profiler.enable()
    for _ in range(repeat):
        q, lang = next(cycle)
        selectors.search(q=q, lang=lang, limit=10, region=region)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    rows = []
    for (filename, line, name), (_cc, calls, _tt, cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if "onestop" in filename or name in ("encode", "execute", "cut_for_search"):
            short = filename.split("onestop/")[-1] if "onestop/" in filename else filename
            rows.append(
                {
                    "function": f"{short.rsplit('/', 1)[-1]}:{line}({name})",
                    "calls_per_search": round(calls / repeat, 1),
                    "cum_ms_per_search": round(cum * 1000 / repeat, 2),
                }
            )
    rows.sort(key=lambda r: -r["cum_ms_per_search"])
    return rows[:25]


def main() -> None:
    setup_django("search")
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from onestop.catalog import selectors as catalog_selectors
    from onestop.knowledge import services as knowledge
    from onestop.knowledge.models import SearchDocument

    call_command("seed_demo", verbosity=0, stdout=io.StringIO())
    region = settings.NODE_REGION
    rows, profiles = [], {}

    def run(label: str) -> None:
        items = catalog_selectors.item_list(region=region).count()
        documents = SearchDocument.objects.filter(region=region).count()
        stats = time_search(region, REPEAT)
        rows.append(
            {
                "catalogue": label,
                "items": items,
                "documents": documents,
                "database": connection.vendor,
                **stats,
            }
        )
        if PROFILE:
            profiles[label] = profile(region, min(REPEAT, 50))
            print(table(f"cProfile, {label} ({items} items)", profiles[label]))

    run("seed")
    size, import_s = grow(region, TARGET_ITEMS)
    start = time.perf_counter()
    indexed = knowledge.index_rebuild(region=region)
    index_s = time.perf_counter() - start
    run("generated")
    print(table("Search in process (selectors.search, limit 10, model and index loaded)", rows))
    print(f"import of {size} items: {import_s:.0f} s; index_rebuild: {index_s:.0f} s ({indexed})")
    seed_row, big_row = rows
    ratio = {
        "p95_ratio": round(big_row["p95_ms"] / seed_row["p95_ms"], 2),
        "cpu_p95_ratio": round(big_row["cpu_p95_ms"] / seed_row["cpu_p95_ms"], 2),
    }
    print(f"10,000 / seed: {ratio}")
    path = write(
        os.environ.get("BENCH_NAME")
        or ("search" if connection.vendor == "sqlite" else f"search_{connection.vendor}"),
        {
            "rows": rows,
            "ratio": ratio,
            "import_seconds": round(import_s, 1),
            "index_rebuild_seconds": round(index_s, 1),
            "index_rebuild": indexed,
            "profile": profiles,
            "quick": QUICK,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
