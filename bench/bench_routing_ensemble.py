"""Ensembles for the 12345 routing model on out-of-fold predictions of the TRAINING data
(issue #14, fourth round). Never reads the evaluation set.

Reads the out-of-fold predictions of the shipped classifier that `bench.bench_routing_cv`
cached (run it first with the same CV_SPLIT and CV_CACHE) and adds, fold by fold with the same
folds, scores that need no retraining of the classifier:

- **kNN**: the k nearest hand-written requests of the other folds and the synthetic history
  (cosine of the node's USE vectors, or of character TF-IDF fitted on the fold's training
  texts), each neighbour's category weighted exp(tau * similarity);
- **anchors**: cosine (USE) to each category's names, description and keywords, softmax;
- mixtures p = (1 - a - b) * classifier + a * kNN + b * anchors;
- **agreement**: automatic dispatch only when the kNN's top category is the classifier's.

Departments as `bench_routing_cv` (the demo seed's place rules, the kind classifier at
routing.KIND_TIE_BREAK). The rule for adopting a variant was fixed before running it
(docs/hotline.md, "Fourth round").

Run: `python -m bench.bench_routing_ensemble` (env CV_SPLIT=random|writer, CV_CACHE).
Results: bench/results/routing_ensemble_<split>.json.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.bench_routing_cv import _setup, folds, load_oof, precision_curve
from bench.common import table, write


def main() -> None:  # noqa: PLR0912, PLR0915 - one linear experiment script
    _setup()
    from onestop.hotline import routing
    from onestop.knowledge import embeddings

    split = os.environ.get("CV_SPLIT", "random")
    history = routing.history_examples()
    by_writer = [
        [e for e in routing.handwritten_examples([path]) if e.get("category")]
        for path in routing.HANDWRITTEN_FILES
    ]
    handwritten = [e for rows in by_writer for e in rows]
    n = len(handwritten)
    if split == "writer":
        starts = np.cumsum([0, *(len(rows) for rows in by_writer)])
        chosen = [np.arange(a, b) for a, b in itertools.pairwise(starts) if b > a]
    else:
        chosen = folds(n, int(os.environ.get("CV_FOLDS", "5")))
    cache = Path(os.environ.get("CV_CACHE", tempfile.gettempdir())) / (
        f"routing_cv_shipped_(C30)_{split}_{n}.npz"
    )
    lr_p, classes, kind_p, kclasses = load_oof(cache)
    classes = np.asarray([str(c) for c in classes])
    column = {c: i for i, c in enumerate(classes)}
    texts = [str(e["text"]) for e in handwritten]
    hist_texts = [str(e["text"]) for e in history if e.get("category")]
    hist_cats = [str(e["category"]) for e in history if e.get("category")]
    vec_hw = embeddings.encode(texts)
    vec_hist = embeddings.encode(hist_texts)

    anchor_texts: list[str] = []
    anchor_labels: list[str] = []
    for cat in routing.categories():
        keywords = cat.get("keywords_zh", [])
        for text in (
            cat["name_zh"],
            cat["name_en"],
            cat.get("description_en", ""),
            "，".join(keywords),
        ):
            if text:
                anchor_texts.append(text)
                anchor_labels.append(cat["code"])
    vec_anchor = embeddings.encode(anchor_texts)
    sims = vec_hw @ vec_anchor.T
    labels = np.asarray(anchor_labels)
    best = np.stack(
        [
            sims[:, labels == c].max(axis=1) if (labels == c).any() else np.full(n, -1.0)
            for c in classes
        ],
        axis=1,
    )

    def softmax(scores: npt.NDArray[np.float64], tau: float) -> npt.NDArray[np.float64]:
        z = np.exp((scores - scores.max(axis=1, keepdims=True)) * tau)
        return z / z.sum(axis=1, keepdims=True)

    anchors = {tau: softmax(best, tau) for tau in (20.0, 50.0)}

    def knn(kind: str, k: int, tau: float, with_history: bool) -> npt.NDArray[np.float64]:
        out = np.zeros((n, len(classes)))
        for fold in chosen:
            held = set(fold.tolist())
            rest = [j for j in range(n) if j not in held]
            pool_cats = [str(handwritten[j]["category"]) for j in rest]
            if kind == "use":
                base = vec_hw[rest]
                if with_history:
                    base = np.vstack([base, vec_hist])
                sim = vec_hw[fold] @ base.T
            else:
                char, _word = routing.vectorisers()
                pool_texts = [texts[j] for j in rest] + (hist_texts if with_history else [])
                base = char.fit_transform(pool_texts)
                sim = (char.transform([texts[j] for j in fold]) @ base.T).toarray()
            cats = pool_cats + (hist_cats if with_history else [])
            idx = np.asarray([column[c] for c in cats])
            top = np.argsort(-sim, axis=1)[:, :k]
            for r, row in enumerate(fold):
                weights = np.exp(tau * (sim[r, top[r]] - sim[r, top[r]].max()))
                np.add.at(out[row], idx[top[r]], weights)
            out[fold] /= out[fold].sum(axis=1, keepdims=True)
        return out

    owners = routing.seed_owners()
    place_rules = routing._seed_json("hotline.json").get("place_rules", [])
    kinds = sorted({*owners.values(), *(str(k) for k in kclasses)})
    kind_col = {name: i for i, name in enumerate(kinds)}
    owner_of = np.zeros((n, len(classes)), dtype=int)
    for i, text in enumerate(texts):
        for j, code in enumerate(classes):
            kind = owners.get(code)
            for rule in place_rules:
                if rule["category"] == code and rule["place"].lower() in text.lower():
                    kind = rule["kind"]
                    break
            owner_of[i, j] = kind_col[str(kind)]
    tie = routing.KIND_TIE_BREAK
    kind_part = np.zeros((n, len(kinds)))
    for j, name in enumerate(kclasses):
        kind_part[:, kind_col[str(name)]] += tie * kind_p[:, j]
    truth_cat = np.asarray([e["category"] for e in handwritten])
    truth_kind = np.asarray([e["kind"] for e in handwritten])
    kinds_a = np.asarray(kinds)

    results: list[dict[str, Any]] = []

    def score(
        name: str, cat_p: npt.NDArray[np.float64], gate: npt.NDArray[np.bool_] | None = None
    ) -> None:
        dep = kind_part.copy()
        for i in range(n):
            np.add.at(dep[i], owner_of[i], (1 - tie) * cat_p[i])
        corder = np.argsort(-cat_p, axis=1)
        cat1 = classes[corder[:, 0]] == truth_cat
        dep1 = kinds_a[dep.argmax(axis=1)] == truth_kind
        both = cat1 & dep1
        conf = np.minimum(cat_p.max(axis=1), dep.max(axis=1))
        if gate is not None:
            conf = np.where(gate, conf, 0.0)
        curve = precision_curve(conf, both, routing.CALIBRATION_GRID)
        row: dict[str, Any] = {
            "variant": name,
            "cat_top1": round(float(cat1.mean()), 3),
            "cat_top3": round(
                float((classes[corder[:, :3]] == truth_cat[:, None]).any(1).mean()), 3
            ),
            "dept_top1": round(float(dep1.mean()), 3),
        }
        for target in (0.97, 0.98):
            reach = next((p for p in curve if p["precision"] >= target), None)
            row[f"thr_{target}"] = reach["threshold"] if reach else None
            row[f"cov_{target}"] = reach["coverage"] if reach else 0.0
        at = next(p for p in curve if p["threshold"] == routing.DEFAULT_THRESHOLD)
        row[f"cov@{routing.DEFAULT_THRESHOLD}"] = at["coverage"]
        row[f"prec@{routing.DEFAULT_THRESHOLD}"] = at["precision"]
        results.append(row)
        print(row, flush=True)

    score("classifier (shipped)", lr_p)
    knns: dict[str, npt.NDArray[np.float64]] = {}
    for kind, k, tau, hist in (
        ("use", 10, 20.0, False),
        ("use", 10, 20.0, True),
        ("use", 20, 20.0, True),
        ("char", 10, 20.0, False),
        ("char", 10, 20.0, True),
    ):
        name = f"kNN {kind} k={k} tau={tau:g}{' +history' if hist else ''}"
        knns[name] = knn(kind, k, tau, hist)
        score(name, knns[name])
    for tau, p in anchors.items():
        score(f"anchors USE tau={tau:g}", p)
    for name, p in knns.items():
        for a in (0.1, 0.2, 0.3, 0.4):
            score(f"{1 - a:.1f} classifier + {a:.1f} {name}", (1 - a) * lr_p + a * p)
        agree = p.argmax(axis=1) == lr_p.argmax(axis=1)
        score(f"classifier, auto only if {name} agrees", lr_p, gate=agree)
    for b in (0.1, 0.2):
        score(
            f"{1 - b:.1f} classifier + {b:.1f} anchors tau=50", (1 - b) * lr_p + b * anchors[50.0]
        )
    best_knn = "kNN use k=10 tau=20 +history"
    for a, b in ((0.2, 0.1), (0.3, 0.1)):
        mix = (1 - a - b) * lr_p + a * knns[best_knn] + b * anchors[50.0]
        score(f"{1 - a - b:.1f} classifier + {a:.1f} {best_knn} + {b:.1f} anchors", mix)
    print(table(f"Routing ensembles, out-of-fold ({split}), n={n}", results))
    write(f"routing_ensemble_{split}", {"split": split, "n": n, "variants": results})


if __name__ == "__main__":
    main()
