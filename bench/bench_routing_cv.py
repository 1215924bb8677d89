"""Cross-validation of routing-model choices on the TRAINING data (issue #14, third round).

Every choice of the routing model — regularisation, class weights, the weight of the
hand-written requests, the kind classifier's share of the department score, the auto-dispatch
threshold — is made here, on out-of-fold predictions over the realistic training requests
(the hand-written files read by `routing.handwritten_examples()`), never on the evaluation set
(bench/data/README.md). The hand-written requests are cut into K folds (seeded); for each fold
a model is trained on the synthetic history, the pseudo-examples and the other folds, and
predicts the fold. The out-of-fold predictions give:

- category top-1 / top-3, department top-1 / top-3 (department = the kind the summed category
  probabilities give, as `Model.kinds_from_categories`, against the label's kind);
- the structure of the department errors: wrong because the category was wrong, or because
  the label's kind is not the category's catalogue owner (a jurisdiction matter);
- the precision (category and department both right) and coverage of automatic dispatch at
  each threshold of `routing.CALIBRATION_GRID`, and the lowest threshold reaching
  `routing.CALIBRATION_TARGET` (0.98 since the fourth round).

Run: `python -m bench.bench_routing_cv` (env CV_FOLDS, default 5; CV_VARIANTS, a comma list
of variant names to run, default all). Results: bench/results/routing_cv.json.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.common import table, write


def _setup() -> None:
    import tempfile

    os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="onestop-bench-data-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.settings")
    import django

    django.setup()


def folds(n: int, k: int, seed: int = 7) -> list[npt.NDArray[np.int_]]:
    order = np.random.default_rng(seed).permutation(n)
    return [order[i::k] for i in range(k)]


def load_oof(path: Path) -> tuple[Any, Any, Any, Any]:
    """The cached out-of-fold (category p, classes, kind p, kind classes) at `path`."""
    saved = np.load(path, allow_pickle=True)
    return saved["cat_p"], saved["classes"], saved["kind_p"], saved["kclasses"]


def precision_curve(
    conf: npt.NDArray[np.float64], right: npt.NDArray[np.bool_], grid: Sequence[float]
) -> list[dict[str, float]]:
    out = []
    for limit in grid:
        auto = conf >= limit
        out.append(
            {
                "threshold": float(limit),
                "coverage": round(float(auto.mean()), 4),
                "precision": round(float(right[auto].mean()), 4) if auto.any() else 1.0,
            }
        )
    return out


def main() -> None:  # noqa: PLR0915 - one linear experiment script
    _setup()
    from onestop.hotline import routing
    from onestop.knowledge import embeddings

    k = int(os.environ.get("CV_FOLDS", "5"))
    history = routing.history_examples()
    by_writer = [
        [e for e in routing.handwritten_examples([path]) if e.get("category")]
        for path in routing.HANDWRITTEN_FILES
    ]
    handwritten = [e for rows in by_writer for e in rows]
    # CV_SPLIT=writer: one fold per writer's file (train on the other writer's requests), the
    # closest proxy of a new writer's text; else K random folds.
    split = os.environ.get("CV_SPLIT", "random")
    if split == "writer":
        starts = np.cumsum([0, *(len(rows) for rows in by_writer)])
        chosen = [np.arange(a, b) for a, b in itertools.pairwise(starts) if b > a]
        k = len(chosen)
    else:
        chosen = folds(len(handwritten), k)
    pseudo = routing.cold_start_examples()
    owners = routing.seed_owners()
    kinds = sorted({*owners.values(), *(str(e["kind"]) for e in pseudo if e.get("kind"))})
    kind_col = {name: i for i, name in enumerate(kinds)}
    print(f"{len(history)} history, {len(handwritten)} hand-written, {len(pseudo)} pseudo")

    vectors: dict[str, npt.NDArray[np.float32]] = {}

    def use(texts: Sequence[str]) -> npt.NDArray[np.float32]:
        if not vectors:  # every text embedded once, when a model is first trained
            every = [str(e["text"]) for e in [*history, *handwritten, *pseudo]]
            unique = list(dict.fromkeys(every))
            vectors.update(zip(unique, embeddings.encode(unique), strict=True))
        return np.stack([vectors[t] for t in texts])

    def fit_predict(
        train: Sequence[Any],
        test: Sequence[str],
        *,
        c: float = routing.C,
        balanced: bool = False,
        weights: Sequence[float] | None = None,
    ) -> tuple[Any, Any, Any, Any]:
        char, word = routing.vectorisers()
        x = routing.features(char, word, [str(e["text"]) for e in train], embed=use, fit=True)
        xt = routing.features(char, word, test, embed=use)
        out = []
        for label in ("category", "kind"):
            clf = routing.fit_classifier(
                x,
                [e.get(label) for e in train],
                c=c,
                max_iter=3000,
                class_weight="balanced" if balanced else None,
                sample_weight=weights,
            )
            out += [clf.predict_proba(xt), clf.classes_]
        return out[0], out[1], out[2], out[3]

    def oof(**options: Any) -> tuple[Any, Any, Any, Any]:
        """Out-of-fold (category p, classes, kind p, kind classes) over the hand-written set."""
        hw_weight = float(options.pop("hw_weight", 1.0))
        n = len(handwritten)
        cat_p: npt.NDArray[np.float64] | None = None
        kind_p: npt.NDArray[np.float64] | None = None
        classes = kclasses = None
        for i, fold in enumerate(chosen):
            held = set(fold.tolist())
            rest = [handwritten[j] for j in range(n) if j not in held]
            train = [*history, *rest, *pseudo]
            weights = [1.0] * len(history) + [hw_weight] * len(rest) + [1.0] * len(pseudo)
            test = [str(handwritten[j]["text"]) for j in fold]
            cp, cc, kp, kc = fit_predict(train, test, weights=weights, **options)
            if cat_p is None:
                classes, kclasses = cc, kc
                cat_p = np.zeros((n, len(cc)))
                kind_p = np.zeros((n, len(kc)))
            if list(cc) != list(classes) or list(kc) != list(kclasses):
                raise RuntimeError("a fold lacks a class: use fewer folds")
            cat_p[fold] = cp
            kind_p[fold] = kp  # type: ignore[index]
            print(f"  fold {i + 1}/{k}", flush=True)
        return cat_p, classes, kind_p, kclasses

    truth_cat = np.asarray([e["category"] for e in handwritten])
    truth_kind = np.asarray([e["kind"] for e in handwritten])

    texts = [str(e["text"]) for e in handwritten]
    place_rules = routing._seed_json("hotline.json").get("place_rules", [])
    use_places = os.environ.get("CV_PLACE_RULES", "1") == "1"

    def owner(code: str, text: str) -> str | None:
        """The kind the demo seed's jurisdiction table gives `code` for `text`: a place rule
        whose place the text names (data/seed/hotline.json), else the catalogue's owner."""
        if use_places:
            for rule in place_rules:
                if rule["category"] == code and rule["place"].lower() in text.lower():
                    return str(rule["kind"])
        return owners.get(code)

    def departments(
        cat_p: Any, classes: Any, kind_p: Any, kclasses: Any, tie: float
    ) -> npt.NDArray[np.float64]:
        out = np.zeros((cat_p.shape[0], len(kinds)))
        for i, text in enumerate(texts):
            for j, code in enumerate(classes):
                kind = owner(str(code), text)
                if kind is not None:
                    out[i, kind_col[kind]] += (1 - tie) * cat_p[i, j]
        for j, name in enumerate(kclasses):
            out[:, kind_col[str(name)]] += tie * kind_p[:, j]
        return out

    results: list[dict[str, Any]] = []
    details: dict[str, Any] = {}

    def score(name: str, cat_p: Any, classes: Any, kind_p: Any, kclasses: Any) -> None:
        for tie in sorted({0.01, 0.1, 0.3, routing.KIND_TIE_BREAK}):
            dep = departments(cat_p, classes, kind_p, kclasses, tie)
            classes_a, kinds_a = np.asarray(classes), np.asarray(kinds)
            corder, korder = np.argsort(-cat_p, axis=1), np.argsort(-dep, axis=1)
            cat1 = classes_a[corder[:, 0]] == truth_cat
            dep1 = kinds_a[korder[:, 0]] == truth_kind
            both = cat1 & dep1
            conf = np.minimum(cat_p.max(axis=1), dep.max(axis=1))
            curve = precision_curve(conf, both, routing.CALIBRATION_GRID)
            reach = next((p for p in curve if p["precision"] >= routing.CALIBRATION_TARGET), None)
            row = {
                "variant": name,
                "kind_weight": tie,
                "cat_top1": round(float(cat1.mean()), 3),
                "cat_top3": round(
                    float((classes_a[corder[:, :3]] == truth_cat[:, None]).any(1).mean()), 3
                ),
                "dept_top1": round(float(dep1.mean()), 3),
                "dept_top3": round(
                    float((kinds_a[korder[:, :3]] == truth_kind[:, None]).any(1).mean()), 3
                ),
                f"thr_{routing.CALIBRATION_TARGET}": reach["threshold"] if reach else None,
                f"cov_{routing.CALIBRATION_TARGET}": reach["coverage"] if reach else 0.0,
                "cov@0.9": next(p["coverage"] for p in curve if p["threshold"] == 0.9),
                "prec@0.9": next(p["precision"] for p in curve if p["threshold"] == 0.9),
            }
            results.append(row)
            print(row, flush=True)
            if tie == routing.KIND_TIE_BREAK:
                # Department errors by cause, at the shipped kind weight.
                wrong = ~dep1
                owner_of_truth = [
                    owner(str(c), t) or "" for c, t in zip(truth_cat, texts, strict=True)
                ]
                causes = Counter(
                    "category wrong"
                    if not cat1[i]
                    else ("label not the owner" if truth_kind[i] != owner_of_truth[i] else "other")
                    for i in np.flatnonzero(wrong)
                )
                pairs = Counter(
                    f"{truth_kind[i]} <- {kinds_a[korder[i, 0]]}" for i in np.flatnonzero(wrong)
                )
                details[name] = {
                    "curve": curve,
                    "dept_error_causes": dict(causes),
                    "dept_confusions": dict(pairs.most_common(15)),
                    "not_owner_labels": int((truth_kind != np.asarray(owner_of_truth)).sum()),
                }
                print(details[name]["dept_error_causes"], flush=True)
                print(details[name]["dept_confusions"], flush=True)

    variants: dict[str, Callable[[], tuple[Any, Any, Any, Any]]] = {
        "shipped (C=30)": oof,
        "C=10": lambda: oof(c=10.0),
        "C=100": lambda: oof(c=100.0),
        "class_weight balanced": lambda: oof(balanced=True),
        "hand-written weight 2": lambda: oof(hw_weight=2.0),
        "hand-written weight 3": lambda: oof(hw_weight=3.0),
    }
    wanted = [v for v in os.environ.get("CV_VARIANTS", "").split(",") if v]
    for name, run in variants.items():
        if wanted and name not in wanted:
            continue
        print(name, flush=True)
        cache = Path(os.environ.get("CV_CACHE", tempfile.gettempdir())) / (
            f"routing_cv_{name.replace(' ', '_').replace('=', '')}_{split}_{len(handwritten)}.npz"
        )
        if cache.exists():  # the out-of-fold predictions of an earlier run on the same data
            cat_p, classes, kind_p, kclasses = load_oof(cache)
        else:
            cat_p, classes, kind_p, kclasses = run()
            np.savez_compressed(
                cache, cat_p=cat_p, classes=classes, kind_p=kind_p, kclasses=kclasses
            )
        score(name, cat_p, classes, kind_p, kclasses)
    print(table(f"Routing choices, {k}-fold CV on {len(handwritten)} hand-written", results))
    write("routing_cv", {"folds": k, "n": len(handwritten), "variants": results, **details})


if __name__ == "__main__":
    main()
