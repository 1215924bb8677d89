"""Training data and model variants for the 12345 routing model (issue #14), each scored as a
whole on the independent evaluation set (bench/data/hotline_eval.jsonl).

The variants differ in what they learn from — the synthetic history, the hand-written training
requests (onestop/hotline/data/handwritten.jsonl, written without seeing the evaluation set),
the cold-start pseudo-examples — and in how: the shipped features (character 1-3-gram TF-IDF +
word TF-IDF + USE) with logistic regression at two regularisations, the hand-written requests
counted several times, nearest neighbours over the training texts (USE) mixed in. Nothing is
fitted to single evaluation lines: the set only ranks complete variants (bench/data/README.md).

For each: category top-1/top-3 and the department kind as the owner of the summed category
probabilities (what `routing.classify` does with an empty jurisdiction table), top-1/top-3.

Run: `python -m bench.bench_routing_data` (a few minutes: every text is embedded once).
Results: bench/results/routing_data.json.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.bench_quality import HOTLINE_SET, load
from bench.common import table, write


def _setup() -> None:
    import tempfile

    os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="onestop-bench-data-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.settings")
    import django

    django.setup()


def main() -> None:  # noqa: PLR0915 - one linear experiment script
    _setup()
    from onestop.hotline import routing
    from onestop.knowledge import embeddings

    history = routing.history_examples()
    handwritten = routing.handwritten_examples()
    pseudo = routing.cold_start_examples()
    rows = load(HOTLINE_SET)
    eval_texts = [str(r["text"]) for r in rows]
    truth_cat = np.asarray([r["category"] for r in rows])
    truth_kind = np.asarray([r["department_kind"] for r in rows])
    owners = routing.seed_owners()

    every = [str(e["text"]) for e in [*history, *handwritten, *pseudo]] + eval_texts
    unique = list(dict.fromkeys(every))
    vectors = dict(zip(unique, embeddings.encode(unique), strict=True))

    def use(texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return np.stack([vectors[t] for t in texts])

    results: list[dict[str, Any]] = []

    def score(name: str, cat_p: npt.NDArray[np.float64], classes: Any) -> None:
        classes = np.asarray(classes)
        order = np.argsort(-cat_p, axis=1)
        kinds = sorted(set(owners.values()))
        column = {k: i for i, k in enumerate(kinds)}
        kind_p = np.zeros((len(rows), len(kinds)))
        for j, code in enumerate(classes):
            if str(code) in owners:
                kind_p[:, column[owners[str(code)]]] += cat_p[:, j]
        kind_order = np.argsort(-kind_p, axis=1)
        kind_arr = np.asarray(kinds)
        results.append(
            {
                "variant": name,
                "cat_top1": round(float((classes[order[:, 0]] == truth_cat).mean()), 3),
                "cat_top3": round(
                    float((classes[order[:, :3]] == truth_cat[:, None]).any(1).mean()), 3
                ),
                "dept_top1": round(float((kind_arr[kind_order[:, 0]] == truth_kind).mean()), 3),
                "dept_top3": round(
                    float((kind_arr[kind_order[:, :3]] == truth_kind[:, None]).any(1).mean()), 3
                ),
            }
        )
        print(results[-1], flush=True)

    def kind_probabilities(
        cat_p: npt.NDArray[np.float64],
        classes: Any,
        kind_p: npt.NDArray[np.float64],
        kind_classes: Any,
        weight: float,
    ) -> tuple[npt.NDArray[np.float64], list[str]]:
        kinds = sorted(set(owners.values()) | {str(k) for k in kind_classes})
        column = {k: i for i, k in enumerate(kinds)}
        out = np.zeros((cat_p.shape[0], len(kinds)))
        for j, code in enumerate(classes):
            if str(code) in owners:
                out[:, column[owners[str(code)]]] += (1 - weight) * cat_p[:, j]
        for j, kind in enumerate(kind_classes):
            out[:, column[str(kind)]] += weight * kind_p[:, j]
        return out, kinds

    def logistic(train: Sequence[Any], c: float = routing.C) -> tuple[Any, Any]:
        char, word = routing.vectorisers()
        x = routing.features(char, word, [str(e["text"]) for e in train], embed=use, fit=True)
        xe = routing.features(char, word, eval_texts, embed=use)
        clf = routing.fit_classifier(x, [e.get("category") for e in train], c=c, max_iter=3000)
        return clf.predict_proba(xe), clf.classes_

    def logistic_models(train: Sequence[Any]) -> Any:
        """Both classifiers (category, kind) on the shipped features; returns a function of
        texts -> (category p, classes, kind p, kind classes)."""
        char, word = routing.vectorisers()
        x = routing.features(char, word, [str(e["text"]) for e in train], embed=use, fit=True)
        cat, kind = (
            routing.fit_classifier(x, [e.get(label) for e in train], max_iter=3000)
            for label in ("category", "kind")
        )

        def run(queries: Sequence[str]) -> tuple[Any, Any, Any, Any]:
            xe = routing.features(char, word, queries, embed=use)
            return cat.predict_proba(xe), cat.classes_, kind.predict_proba(xe), kind.classes_

        return run

    def knn(train: Sequence[Any], classes: Any, k: int = 10) -> npt.NDArray[np.float64]:
        labelled = [e for e in train if e.get("category")]
        base = use([str(e["text"]) for e in labelled])
        base = base / np.linalg.norm(base, axis=1, keepdims=True)
        query = use(eval_texts)
        query = query / np.linalg.norm(query, axis=1, keepdims=True)
        sim = query @ base.T
        index = {c: i for i, c in enumerate(classes)}
        out = np.zeros((len(rows), len(classes)))
        for r, top in enumerate(np.argsort(-sim, axis=1)[:, :k]):
            for j in top:
                out[r, index[labelled[j]["category"]]] += np.exp(20 * sim[r, j])
        return out / out.sum(axis=1, keepdims=True)

    score("history + pseudo (before)", *logistic([*history, *pseudo]))
    if not handwritten:
        print("no hand-written training data: the other variants are skipped")
    else:
        both = [*history, *handwritten, *pseudo]
        p, classes = logistic(both)
        score("history + hand-written + pseudo", p, classes)
        score("hand-written + pseudo (no synthetic)", *logistic([*handwritten, *pseudo]))
        for times in (2, 3):
            score(
                f"history + hand-written x{times} + pseudo",
                *logistic([*history, *(handwritten * times), *pseudo]),
            )
        score("history + hand-written + pseudo, C=10", *logistic(both, c=10.0))
        score("history + hand-written + pseudo, C=100", *logistic(both, c=100.0))
        # The kind classifier's weight in the department score, chosen on a held-out fifth of
        # the hand-written TRAINING requests (never the evaluation set), then applied as is.
        hw_train, hw_held = routing.split(handwritten)
        held_texts = [str(e["text"]) for e in hw_held]
        fit = logistic_models([*history, *hw_train, *pseudo])
        cat_h, cls_h, kind_h, kcls_h = fit(held_texts)
        truth_h = np.asarray([e["kind"] for e in hw_held])
        choice = {}
        for weight in (0.01, 0.1, 0.2, 0.3, 0.5):
            kp, kinds = kind_probabilities(cat_h, cls_h, kind_h, kcls_h, weight)
            choice[weight] = float((np.asarray(kinds)[kp.argmax(1)] == truth_h).mean())
        print("department top-1 on held-out hand-written by kind weight:", choice, flush=True)
        best = max(choice, key=lambda w: (choice[w], -w))
        full = logistic_models(both)
        cat_e, cls_e, kind_e, kcls_e = full(eval_texts)
        kp, kinds = kind_probabilities(cat_e, cls_e, kind_e, kcls_e, best)
        kind_arr = np.asarray(kinds)
        order = np.argsort(-kp, axis=1)
        results.append(
            {
                "variant": f"history + hand-written + pseudo, kind weight {best} (held-out)",
                "cat_top1": results[1]["cat_top1"],
                "cat_top3": results[1]["cat_top3"],
                "dept_top1": round(float((kind_arr[order[:, 0]] == truth_kind).mean()), 3),
                "dept_top3": round(
                    float((kind_arr[order[:, :3]] == truth_kind[:, None]).any(1).mean()), 3
                ),
            }
        )
        print(results[-1], flush=True)
        mixed = 0.7 * p + 0.3 * knn(both, classes)
        score("history + hand-written + pseudo, 0.7 LR + 0.3 kNN (USE)", mixed, classes)
    print(table(f"Routing variants on the independent set, n={len(rows)}", results))
    write("routing_data", {"n": len(rows), "variants": results})


if __name__ == "__main__":
    main()
