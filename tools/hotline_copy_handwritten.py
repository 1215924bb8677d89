"""Copy a file of hand-written training requests into onestop/hotline/data/ (issue #14).

Offline tool (not part of the runtime). Reads JSON lines {"text", "request_type", "category",
"department_kind", "region", "lang", optional "note"} and writes those that

- are well-formed against the seed data (a level-2 category, a department kind, a request type,
  a region of the evaluation sets, a language, a text of 4 to 400 characters);
- are not already among the shipped training texts (the same normalised text);
- would not be flagged by the leak check of tests/hotline/test_eval_set.py: no evaluation text
  (bench/data/) equal to it, contained in it, or a near-duplicate of it.

It prints counts only — never a text of either file — so that nobody reads the evaluation set
through it.

    .venv/bin/python tools/hotline_copy_handwritten.py SOURCE.jsonl \
        onestop/hotline/data/handwritten2.jsonl
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hotline.test_eval_set import (  # noqa: E402 - the one definition of a leak
    DATA,
    HISTORY,
    MIN_CONTAINED_SIZE,
    NEAR,
    SEED,
    _grams,
    _jaccard,
    _jsonl,
    _norm,
    _size,
)

FIELDS = {"text", "request_type", "category", "department_kind", "region", "lang"}
REGIONS = {"371121", "320707"}


def main(source: Path, target: Path) -> None:
    hotline = json.loads((SEED / "hotline.json").read_text(encoding="utf-8"))
    owners = {c["code"]: c.get("default_kind") for c in hotline["categories"] if c["level"] == 2}
    categories = set(owners)
    types = {t["key"] for t in hotline["request_types"]}
    departments = json.loads((SEED / "departments.json").read_text(encoding="utf-8"))
    kinds = {k["key"] for k in departments["kinds"]}

    shipped = [HISTORY, *sorted((ROOT / "onestop" / "hotline" / "data").glob("handwritten*.jsonl"))]
    others = [path for path in shipped if path.resolve() != target.resolve()]
    known = {_norm(r["text"]) for path in others for r in _jsonl(path)}
    evaluation = [
        r["text"]
        for name in ("hotline_eval", "search_eval")
        for r in _jsonl(DATA / f"{name}.jsonl")
    ]
    eval_norm = [_norm(t) for t in evaluation]
    eval_grams = [_grams(t) for t in evaluation]
    eval_small = [_size(t) for t in evaluation]

    dropped: Counter[str] = Counter()
    kept: list[dict[str, Any]] = []
    seen: set[str] = set()
    for row in _jsonl(source):
        text = str(row.get("text", "")).strip()
        if not (
            set(row) >= FIELDS
            and 4 <= len(text) <= 400
            and row["category"] in categories
            and row["department_kind"] in kinds
            and row["request_type"] in types
            and row["region"] in REGIONS
            and row["lang"] in {"zh", "en"}
        ):
            dropped["malformed"] += 1
            continue
        norm = _norm(text)
        if norm in known or norm in seen:
            dropped["already shipped"] += 1
            continue
        own = _grams(text)
        leak = any(
            norm == e or (size >= MIN_CONTAINED_SIZE and e in norm) or _jaccard(own, g) > NEAR
            for e, g, size in zip(eval_norm, eval_grams, eval_small, strict=True)
        )
        if leak:
            dropped["the leak check flags it"] += 1
            continue
        seen.add(norm)
        kept.append({k: row[k] for k in (*sorted(FIELDS), "note") if k in row})
    target.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept), encoding="utf-8"
    )
    print(f"{len(kept)} lines written to {target}; left out: {dict(dropped) or 'none'}")  # noqa: T201 - the tool's output (counts only)
    print("request types:", dict(Counter(r["request_type"] for r in kept)))  # noqa: T201 - the tool's output (counts only)
    print("regions:", dict(Counter(r["region"] for r in kept)))  # noqa: T201 - the tool's output (counts only)
    print("languages:", dict(Counter(r["lang"] for r in kept)))  # noqa: T201 - the tool's output (counts only)
    other = [r for r in kept if r["department_kind"] != owners[r["category"]]]
    print("owner other than the category's default:", len(other))  # noqa: T201 - the tool's output (counts only)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
