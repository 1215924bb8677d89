"""The 12345 routing model: from the text of a request to a category and a department.

Features (one sparse row per text):
  - TF-IDF over character 1-3-grams of the normalised raw text (robust to typos, unknown words
    and mixed Chinese/English);
  - TF-IDF over rjieba words (onestop.core.text.tokenize);
  - the 512-d multilingual Universal Sentence Encoder vector from the node's one encoder,
    onestop.knowledge.embeddings (shared with the knowledge search), which carries meaning
    across wordings and across languages.
Two multinomial logistic regressions read the same features: one predicts the level-2 category
(data/seed/hotline.json), the other the department kind that handles the request. Categories
first: a department kind's score is the summed probability of the categories it owns (the
catalogue's default kind, `category_owners`); the kind classifier only breaks ties
(`Model.kinds_from_categories`). The department is then `<region>-<kind>`, kept only if that
department exists in the region (org selectors).

Training data: the shipped synthetic history (onestop/hotline/data/history.jsonl, committed
data written offline by tools/hotline_synth.py; the runtime only reads it), the hand-written
requests of two writers (data/handwritten.jsonl, data/handwritten2.jsonl), plus confirmed
dispatches (`confirmed_examples()`), plus the cold-start pseudo-examples below. Cold start —
when no history exists — the same pipeline is trained on the pseudo-examples alone: each
category's names, description and keywords, and each department kind's duty text (duties_zh /
duties_en, cut into clauses).

Confidence: logistic-regression probabilities; `evaluate()` reports the expected calibration
error (ECE); `calibrate()` finds the threshold for a target precision (category and department
both right) on out-of-fold predictions of the realistic training data. A request is dispatched
automatically (`auto`) only when the top category and the top department both score at least
the threshold (`threshold()`) and the nearest realistic training requests vote for the same
category (`Model.agreement`); below it an agent confirms the suggestion.

The trained model is a joblib file under settings.DATA_DIR/models/; it is loaded once per
process, lazily and behind a lock, and trained (about 10 s) on first use if missing. The web
server loads it (and the encoder) before a worker's first request (`warm_up`, a `core.warmup`
step). The seed step "hotline-routing" trains it when absent. New Open311 requests are not
routed in the request: the task worker routes the orders waiting in batches (`classify_many`,
`confident`; `services.ticket_route_waiting`).
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt
from django.conf import settings
from django.utils.translation import gettext as _

from onestop.core import seeding, warmup
from onestop.core.errors import NotFound, ValidationFailed
from onestop.core.text import normalise, tokenize

logger = logging.getLogger(__name__)

MODEL_VERSION = 2  # 2: the nearest-neighbour agreement check (`Model.neighbours`)
HISTORY_FILE = Path(__file__).resolve().parent / "data" / "history.jsonl"
# Hand-written realistic requests (issue #14): written by a person from the category and
# department lists, independently of the generator and of the evaluation set (data/README.md).
# Two writers, two files (data/README.md); `handwritten_examples()` reads both.
HANDWRITTEN_FILES = (
    Path(__file__).resolve().parent / "data" / "handwritten.jsonl",
    Path(__file__).resolve().parent / "data" / "handwritten2.jsonl",
)
SEED_DIR = Path(__file__).resolve().parents[2] / "data" / "seed"
# Calibrated on out-of-fold predictions of the TRAINING data, never the evaluation set (issue
# #14; bench/bench_routing_cv.py, bench_routing_ensemble.py): the lowest threshold at which the
# hand-written requests scoring at or above it, and whose nearest neighbours agree
# (NEIGHBOURS), have category and department both right >= CALIBRATION_TARGET (0.98) of the
# time is 0.92 over 5 random folds of the 2,665 requests (what `calibrate` does; coverage 0.34)
# and 0.94 when one writer's requests are scored by a model trained on the other's (coverage
# 0.28). A new writer is what a node meets, so the default is the stricter 0.94. A model
# trained by `hotline_train` carries its own calibrated threshold (`threshold(model)`).
DEFAULT_THRESHOLD = 0.94
MAX_TEXT = 2000
TOP_CATEGORIES = 5
TOP_DEPARTMENTS = 3
EMBEDDING_WEIGHT = 1.0
# Automatic dispatch also needs the nearest realistic training requests to agree: the category
# most of the NEIGHBOURS hand-written and confirmed requests most like the text (cosine of the
# sentence vectors, each weighted exp(NEIGHBOUR_SHARPNESS * similarity)) must be the
# classifier's top category. Chosen on out-of-fold predictions (bench_routing_ensemble.py): at
# precision 0.98 it dispatched 0.28 of one writer's requests automatically instead of 0.23.
NEIGHBOURS = 10
NEIGHBOUR_SHARPNESS = 20.0
# The sources whose examples are realistic requests (the neighbours, and what `calibrate` holds
# out): the hand-written files, the confirmed history, files given to `hotline_train`.
REALISTIC_SOURCES = ("handwritten", "confirmed", "extra", "file")
# Departments follow from the predicted categories (see Model.kinds_from_categories); the kind
# classifier's share of a department's score. 0.1, chosen on out-of-fold predictions of the
# hand-written training requests (bench/bench_routing_cv.py): the same department top-1 as
# 0.01, and a department score that is lower where the kind classifier disagrees, which made
# automatic dispatch more precise at the same threshold (docs/hotline.md).
KIND_TIE_BREAK = 0.1
# Capped vocabularies keep training fast (L-BFGS cost grows with features x classes) and the
# saved model small; more features did not help on the held-out set.
MAX_CHAR_FEATURES = 8000
MAX_WORD_FEATURES = 3000
# Weak regularisation: with C=3 the probabilities were under-confident (category ECE 0.23);
# C=30 gives ECE about 0.07 with the same accuracy.
C = 30.0

Example = Mapping[str, Any]
Departments = str | Sequence[tuple[str, str]]
# A region's jurisdiction rules: category -> [(place, department code, department kind)], the
# rule without a place ("") being the region's rule for the category (`jurisdiction_rules`).
Rules = Mapping[str, Sequence[tuple[str, str, str]]]


def model_path() -> Path:
    return Path(settings.DATA_DIR) / "models" / "hotline-routing.joblib"


def threshold(model: Model | None = None) -> float:
    """The auto-dispatch threshold: the setting HOTLINE_AUTO_DISPATCH_THRESHOLD when a node sets
    it, else the one calibrated for `model` on held-out training data when it was trained
    (`meta["threshold"]`, `onestop hotline_train`), else DEFAULT_THRESHOLD."""
    configured = getattr(settings, "HOTLINE_AUTO_DISPATCH_THRESHOLD", None)
    if configured is not None:
        return float(configured)
    calibrated = model.meta.get("threshold") if model is not None else None
    return float(calibrated) if calibrated is not None else DEFAULT_THRESHOLD


def words(text: str) -> list[str]:
    """Tokeniser for the word TF-IDF (module level so that the model pickles)."""
    return tokenize(text)


# --- training data ---------------------------------------------------------------------------


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def history_examples(path: Path = HISTORY_FILE) -> list[dict[str, Any]]:
    """The shipped synthetic history (empty if the file is missing)."""
    return load_jsonl(path) if path.exists() else []


def handwritten_examples(paths: Sequence[Path] = HANDWRITTEN_FILES) -> list[dict[str, Any]]:
    """The shipped hand-written training requests of every file in `paths` (a missing file
    gives none), as {"text", "category", "kind", "region"} (the files name the kind
    `department_kind`)."""
    rows = [row for path in paths if path.exists() for row in load_jsonl(path)]
    return [
        {
            "text": r["text"],
            "category": r["category"],
            "kind": r.get("kind") or r.get("department_kind"),
            "region": r.get("region"),
            "source": "handwritten",
        }
        for r in rows
    ]


def confirmed_examples() -> list[dict[str, Any]]:
    """Requests whose routing the lifecycle confirmed, as {"text", "category", "kind",
    "region"} dicts: work orders that the department they were dispatched to kept (an agent's
    or an automatic dispatch that was not returned, a supervisor's arbitration, a closed
    order), from `selectors.confirmed_dispatches`. The label is the order's category and the
    kind of its lead department. `onestop hotline_train` and the first training of a node
    read it."""
    from onestop.hotline import selectors

    rows = selectors.confirmed_dispatches().values_list(
        "description", "category_id", "lead_department__kind_id", "region"
    )
    return [
        {"text": text, "category": category, "kind": kind, "region": region, "source": "confirmed"}
        for text, category, kind, region in rows.iterator()
        if kind
    ]


_CLAUSE = re.compile(r"[。；;，,、]|(?<=[.!?])\s+")


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSE.split(text) if len(c.strip()) >= 4]


def _seed_json(name: str) -> Any:
    return json.loads((SEED_DIR / name).read_text(encoding="utf-8"))


def categories() -> list[dict[str, Any]]:
    """The level-2 categories of data/seed/hotline.json."""
    return [c for c in _seed_json("hotline.json")["categories"] if c["level"] == 2]


def cold_start_examples() -> list[dict[str, Any]]:
    """Pseudo-examples from the category directory and the department duties.

    Per category: its Chinese and English names, its description, each keyword and all the
    keywords together, labelled with the category and its default department kind. Per kind:
    its names and each clause of its duties (Chinese and English), labelled with the kind only
    (no category), so the department model knows every kind even without history.
    """
    out: list[dict[str, Any]] = []
    for cat in categories():
        label = {"category": cat["code"], "kind": cat["default_kind"]}
        keywords = cat.get("keywords_zh", [])
        texts = [cat["name_zh"], cat["name_en"], cat.get("description_en", "")]
        texts += keywords
        texts.append("，".join(keywords))
        texts.append(f"{cat['name_zh']}：{'、'.join(keywords)}")
        out += [{"text": t, **label} for t in texts if t]
    for kind in _seed_json("departments.json")["kinds"]:
        texts = [kind["name_zh"], kind["name_en"]]
        texts += _clauses(kind.get("duties_zh", "")) + _clauses(kind.get("duties_en", ""))
        out += [{"text": t, "category": None, "kind": kind["key"]} for t in texts]
    return out


def training_sources() -> dict[str, list[dict[str, Any]]]:
    """What the production model learns from, by source: the synthetic history, the
    hand-written requests, the confirmed history of this node and the pseudo-examples."""
    return {
        "history": history_examples(),
        "handwritten": handwritten_examples(),
        "confirmed": confirmed_examples(),
        "pseudo": cold_start_examples(),
    }


def default_examples(extra: Iterable[Example] = ()) -> list[Example]:
    """What the production model learns from: every `training_sources()` + `extra`."""
    return [*itertools.chain.from_iterable(training_sources().values()), *extra]


# --- the model -------------------------------------------------------------------------------


def _embed(texts: Sequence[str]) -> npt.NDArray[np.float32]:
    """The 512-d sentence vectors of `texts`, from the process's one encoder
    (`onestop.knowledge.embeddings`, shared with the knowledge search)."""
    from onestop.knowledge import embeddings

    return embeddings.encode(list(texts))


def _softmax(scores: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    scores = scores - scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=1, keepdims=True)
    return scores


@dataclass
class Model:
    char_tfidf: Any
    word_tfidf: Any
    category_clf: Any
    kind_clf: Any
    version: int = MODEL_VERSION
    n_examples: int = 0
    meta: dict[str, Any] = field(default_factory=dict)
    # The realistic training requests (`source` in REALISTIC_SOURCES): their sentence vectors
    # and categories, for the neighbours' agreement (`agreement`); None without any.
    neighbour_vectors: Any = None
    neighbour_categories: Any = None

    def features(self, texts: Sequence[str]) -> Any:
        return features(self.char_tfidf, self.word_tfidf, texts)

    def probabilities(
        self, texts: Sequence[str]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """(category probabilities, kind probabilities), one row per text; columns follow
        `category_clf.classes_` and `kind_clf.classes_`.

        The same numbers as `clf.predict_proba(self.features(texts))` (multinomial logistic
        regression: the softmax of the linear scores), without stacking the three feature
        blocks into one matrix and without scikit-learn's per-call input validation, which
        cost more than the arithmetic for a single text (profile in docs/operations.md)."""
        cat_p, kind_p, _agree = self.scores(texts)
        return cat_p, kind_p

    def scores(
        self, texts: Sequence[str]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        """`probabilities` and, per text, whether its nearest realistic training requests
        agree with the top category (`agreement`), from one pass of the encoder."""
        vectors = _embed(texts)
        blocks = (
            self.char_tfidf.transform(texts),
            self.word_tfidf.transform(texts),
            vectors * EMBEDDING_WEIGHT,
        )
        cat_p = self._linear(self.category_clf, blocks)
        kind_p = self._linear(self.kind_clf, blocks)
        return cat_p, kind_p, self.agreement(vectors, cat_p)

    def agreement(
        self, vectors: npt.NDArray[np.float32], cat_p: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.bool_]:
        """Per row, whether the category that the NEIGHBOURS nearest realistic training
        requests vote for (each weighted exp(NEIGHBOUR_SHARPNESS x cosine)) is the top one of
        `cat_p`; all True when the model has no realistic training requests."""
        if self.neighbour_vectors is None or not len(self.neighbour_categories):
            return np.ones(len(cat_p), dtype=bool)
        classes = self.category_clf.classes_
        labels = self.__dict__.get("_labels")
        if labels is None:  # each neighbour's column of `classes`, made once per process
            column = {str(c): i for i, c in enumerate(classes)}
            labels = np.asarray([column.get(str(c), -1) for c in self.neighbour_categories])
            self.__dict__["_labels"] = labels
        # einsum, not `@`: BLAS's product wakes its threads, which spin on a busy 2-core
        # machine (8-16 ms of CPU per text measured, against well under 1 ms).
        sim = np.einsum("nd,td->tn", self.neighbour_vectors, np.asarray(vectors, np.float32))
        k = min(NEIGHBOURS, sim.shape[1])
        top = np.argpartition(-sim, k - 1, axis=1)[:, :k]
        out = np.empty(len(cat_p), dtype=bool)
        for row in range(len(cat_p)):
            near = sim[row, top[row]]
            votes = np.zeros(len(classes))
            weights = np.exp(NEIGHBOUR_SHARPNESS * (near - near.max()))
            keep = labels[top[row]] >= 0
            np.add.at(votes, labels[top[row]][keep], weights[keep])
            out[row] = int(votes.argmax()) == int(cat_p[row].argmax())
        return out

    def _linear(self, clf: Any, blocks: Sequence[Any]) -> npt.NDArray[np.float64]:
        if len(clf.classes_) <= 2:  # binary: one score column; rare, keep scikit-learn's way
            from scipy import sparse

            x = sparse.hstack([sparse.csr_matrix(b) for b in blocks], format="csr")
            return np.asarray(clf.predict_proba(x), dtype=np.float64)
        scores = np.tile(clf.intercept_, (blocks[0].shape[0], 1)).astype(np.float64)
        for block, weights in zip(blocks, self._block_weights(clf, blocks), strict=True):
            scores += np.asarray(block @ weights)
        return _softmax(scores)

    def _block_weights(self, clf: Any, blocks: Sequence[Any]) -> list[npt.NDArray[np.float64]]:
        """`clf.coef_` cut into one contiguous (features x classes) matrix per feature block,
        made once per process: a strided slice made scipy copy the 8,000 x 65 weights of the
        character block on every request."""
        cache: dict[int, list[npt.NDArray[np.float64]]] = self.__dict__.setdefault("_weights", {})
        key = id(clf)
        if key not in cache:
            out, start = [], 0
            for block in blocks:
                width = block.shape[1]
                out.append(np.ascontiguousarray(clf.coef_[:, start : start + width].T))
                start += width
            cache[key] = out
        return cache[key]

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_weights", None)  # derived at run time; never saved with the model
        state.pop("_labels", None)
        return state

    def predict(
        self,
        text: str,
        region: str,
        *,
        departments: Mapping[str, Departments] | None = None,
        owners: Mapping[str, str] | None = None,
        rules: Rules | None = None,
    ) -> dict[str, Any]:
        """Top-5 categories and top-3 departments of `region`, best first, and `auto`.

        `departments` maps kind -> the region's department code of that kind, or a list of
        (code, name_zh) when a region has several (townships); by default it is read with the
        org selectors (an unknown region raises NotFound). `rules` are the region's
        jurisdiction rules (`jurisdiction_rules`; default none: every category goes to its
        owner kind's department).
        """
        if departments is None:
            departments = region_departments(region)
        return self.predict_many(
            [text], departments=[departments], owners=owners, rules=[rules or {}]
        )[0]

    def kinds_from_categories(
        self,
        cat_p: npt.NDArray[np.float64],
        kind_p: npt.NDArray[np.float64],
        owners: Mapping[str, str] | None = None,
        *,
        texts: Sequence[str] | None = None,
        rules: Sequence[Rules] | None = None,
    ) -> npt.NDArray[np.float64]:
        """Categories first, the department from jurisdiction: the score of a department kind
        is the summed probability of the categories it owns (`owners`: category -> kind,
        default the seed catalogue's, `seed_owners()`), columns in `kind_clf.classes_` order.
        With `texts` and `rules` (row i's region's jurisdiction rules), a category goes to the
        kind of the rule `resolve_department` picks for text i instead. The kind classifier's
        own probability only breaks ties (weight KIND_TIE_BREAK), so a kind that owns no
        category still has an order. On the independent evaluation set this raised department
        top-1 from 0.750 to 0.797 with the same model (docs/hotline.md)."""
        owners = seed_owners() if owners is None else owners
        column = {str(k): i for i, k in enumerate(self.kind_clf.classes_)}
        out = np.zeros_like(kind_p)
        for j, code in enumerate(self.category_clf.classes_):
            kind = owners.get(str(code))
            if kind in column:
                out[:, column[kind]] += cat_p[:, j]
        if texts is not None and rules is not None:
            index = {str(code): j for j, code in enumerate(self.category_clf.classes_)}
            for row, (text, table) in enumerate(zip(texts, rules, strict=True)):
                for code, found in table.items():
                    at = index.get(code)
                    kind = _rule_kind(found, text)
                    if at is None or kind is None or kind not in column:
                        continue
                    owner = owners.get(code)
                    if owner in column:
                        out[row, column[owner]] -= cat_p[row, at]
                    out[row, column[kind]] += cat_p[row, at]
        return (1 - KIND_TIE_BREAK) * out + KIND_TIE_BREAK * kind_p

    def predict_many(
        self,
        texts: Sequence[str],
        *,
        departments: Sequence[Mapping[str, Departments]],
        owners: Mapping[str, str] | None = None,
        rules: Sequence[Rules] | None = None,
    ) -> list[dict[str, Any]]:
        """`predict` for several texts at once, `departments[i]` and `rules[i]` being those of
        text i's region: one pass of the features and classifiers over the batch, which costs
        little more than one text (the routing worker routes the orders waiting together).
        `owners` maps category -> owning department kind (default `seed_owners()`).

        Categories first, the department from jurisdiction: a department's score is the summed
        probability of the categories that `resolve_department` gives it for this text (a
        jurisdiction rule of the region, a place rule when the text names the place, else the
        owner kind's department); the kind classifier's probability only breaks ties
        (KIND_TIE_BREAK), so that three departments are always offered."""
        if not texts:
            return []
        owners = seed_owners() if owners is None else owners
        cat_p, kind_p, agree = self.scores(list(texts))
        limit = threshold(self)
        out: list[dict[str, Any]] = []
        for row, text in enumerate(texts):
            cat_order = np.argsort(-cat_p[row])[:TOP_CATEGORIES]
            cats: list[dict[str, Any]] = [
                {
                    "code": str(self.category_clf.classes_[i]),
                    "score": round(float(cat_p[row][i]), 4),
                }
                for i in cat_order
            ]
            depts = self._departments(
                cat_p[row], kind_p[row], text, departments[row], rules[row] if rules else {}, owners
            )
            auto = bool(
                cats
                and depts
                and agree[row]
                and cats[0]["score"] >= limit
                and depts[0]["score"] >= limit
            )
            out.append({"categories": cats, "departments": depts, "auto": auto})
        return out

    def _departments(  # noqa: PLR0917 - one row's inputs, a private helper
        self,
        cat_p: npt.NDArray[np.float64],
        kind_p: npt.NDArray[np.float64],
        text: str,
        options: Mapping[str, Departments],
        rules: Rules,
        owners: Mapping[str, str],
    ) -> list[dict[str, Any]]:
        """The top departments of one text: each category's probability goes to the department
        `resolve_department` gives it; the kind classifier's, weighted KIND_TIE_BREAK, to the
        department of each kind."""
        scores: dict[str, float] = {}
        kinds: dict[str, str] = {}
        picked: dict[str, str] = {}  # kind -> its department for this text, made once
        for j, category in enumerate(self.category_clf.classes_):
            found = resolve_department(str(category), text, rules, owners, options, picked)
            if found is not None:
                code, kind = found
                scores[code] = scores.get(code, 0.0) + (1 - KIND_TIE_BREAK) * float(cat_p[j])
                kinds.setdefault(code, kind)
        for i, name in enumerate(self.kind_clf.classes_):
            kind = str(name)
            if kind in options:
                if kind not in picked:
                    picked[kind] = pick_department(options[kind], text)
                code = picked[kind]
                scores[code] = scores.get(code, 0.0) + KIND_TIE_BREAK * float(kind_p[i])
                kinds.setdefault(code, kind)
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_DEPARTMENTS]
        return [
            {"code": code, "kind": kinds[code], "score": round(score, 4)} for code, score in ranked
        ]


def vectorisers() -> tuple[Any, Any]:
    """The routing model's two TF-IDF vectorisers, unfitted: character 1-3-grams of the
    normalised raw text and rjieba words. The one definition that `train` and the routing
    benches (bench/bench_routing_*.py) use."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    char_tfidf = TfidfVectorizer(
        analyzer="char",
        ngram_range=(1, 3),
        preprocessor=normalise,
        sublinear_tf=True,
        min_df=2,
        max_features=MAX_CHAR_FEATURES,
    )
    word_tfidf = TfidfVectorizer(
        tokenizer=words,
        preprocessor=None,
        lowercase=False,
        token_pattern=None,
        sublinear_tf=True,
        max_features=MAX_WORD_FEATURES,
    )
    return char_tfidf, word_tfidf


Embedder = Callable[[Sequence[str]], npt.NDArray[np.float32]]


def features(
    char_tfidf: Any,
    word_tfidf: Any,
    texts: Sequence[str],
    *,
    embed: Embedder | None = None,
    embedding_weight: float = EMBEDDING_WEIGHT,
    fit: bool = False,
) -> Any:
    """The feature rows of `texts`: both TF-IDF blocks (fitted on `texts` first when `fit`)
    and the sentence vectors (`embed`, default the node's encoder; a bench passes its cache)
    times `embedding_weight`, stacked into one sparse matrix."""
    from scipy import sparse

    texts = list(texts)
    if fit:
        blocks = [char_tfidf.fit_transform(texts), word_tfidf.fit_transform(texts)]
    else:
        blocks = [char_tfidf.transform(texts), word_tfidf.transform(texts)]
    vectors = (embed or _embed)(texts)
    return sparse.hstack([*blocks, sparse.csr_matrix(vectors * embedding_weight)], format="csr")


def fit_classifier(
    x: Any,
    labels: Sequence[str | None],
    *,
    c: float = C,
    max_iter: int = 2000,
    class_weight: str | None = None,
    sample_weight: Sequence[float] | None = None,
) -> Any:
    """A multinomial logistic regression on the rows of `x` that have a label (a missing or
    empty label leaves the row out)."""
    from sklearn.linear_model import LogisticRegression

    keep = [i for i, label in enumerate(labels) if label]
    clf = LogisticRegression(C=c, max_iter=max_iter, class_weight=class_weight)
    weight = None if sample_weight is None else np.asarray(sample_weight, dtype=float)[keep]
    clf.fit(x[keep], [labels[i] for i in keep], sample_weight=weight)
    return clf


def train(examples: Iterable[Example]) -> Model:
    """Fit the features and both classifiers. Examples: {"text", "category", "kind"}; a
    missing/None category or kind leaves that example out of that classifier only. Examples
    whose `source` is one of REALISTIC_SOURCES (hand-written, confirmed, a file given to
    `hotline_train`) are also kept as the neighbours of the agreement check (`Model.agreement`)."""
    rows = [e for e in examples if str(e.get("text", "")).strip()]
    texts = [str(e["text"]) for e in rows]
    char_tfidf, word_tfidf = vectorisers()
    vectors = _embed(texts)
    x = features(char_tfidf, word_tfidf, texts, embed=lambda _texts: vectors, fit=True)
    near = [
        i for i, e in enumerate(rows) if e.get("category") and e.get("source") in REALISTIC_SOURCES
    ]
    return Model(
        char_tfidf=char_tfidf,
        word_tfidf=word_tfidf,
        category_clf=fit_classifier(x, [e.get("category") for e in rows]),
        kind_clf=fit_classifier(x, [e.get("kind") for e in rows]),
        n_examples=len(rows),
        meta={"sklearn": _sklearn_version()},
        neighbour_vectors=np.ascontiguousarray(vectors[near], dtype=np.float32) if near else None,
        neighbour_categories=[str(rows[i]["category"]) for i in near],
    )


def train_cold_start() -> Model:
    """A model from the category directory and the department duties alone (no history)."""
    return train(cold_start_examples())


def save(model: Model, path: Path | None = None) -> Path:
    import joblib

    path = path or model_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # A private temporary name per process, then an atomic rename: several workers that train
    # on first use at the same time never read or write a half-written file.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    joblib.dump(model, tmp, compress=3)
    tmp.replace(path)
    return path


def version_path(version: int) -> Path:
    """Where the registry keeps model `version` (`hotline.RoutingModel`)."""
    return Path(settings.DATA_DIR) / "models" / "hotline-routing" / f"v{version}.joblib"


def install(source: Path) -> Path:
    """Make the model file `source` the live one: copied under a private name, then renamed
    over `model_path()` at once; every process loads it at its next call (`get_model`)."""
    import shutil

    path = model_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    shutil.copyfile(source, tmp)
    tmp.replace(path)
    return path


def load(path: Path | None = None) -> Model | None:
    """The model at `path`, or None if it is missing, unreadable, or made by another model
    version or scikit-learn release (then the caller retrains)."""
    import joblib

    path = path or model_path()
    if not path.exists():
        return None
    try:
        model = joblib.load(path)
    except Exception:  # a truncated or foreign file is retrained, not fatal
        logger.warning("hotline routing model %s is unreadable; it will be retrained", path)
        return None
    if (
        not isinstance(model, Model)
        or model.version != MODEL_VERSION
        or model.meta.get("sklearn") != _sklearn_version()
    ):
        return None
    return model


def _sklearn_version() -> str:
    import sklearn

    return str(sklearn.__version__)


_model: Model | None = None
_stamp: int | None = None  # the live file's modification time when _model was loaded
_lock = threading.Lock()


def _file_stamp() -> int | None:
    try:
        return model_path().stat().st_mtime_ns
    except OSError:
        return None


def get_model() -> Model:
    """The process's model: the live file (`model_path`), loaded once and again when it
    changes (a model promoted or rolled back in the registry replaces the file; one stat per
    call tells each process); trained from the shipped history and saved if absent."""
    global _model, _stamp  # noqa: PLW0603 - the process-wide singleton is the point
    stamp = _file_stamp()
    if _model is None or (stamp is not None and stamp != _stamp):
        with _lock:
            if _model is None or (stamp is not None and stamp != _stamp):
                model = load()
                if model is None and _model is None:
                    model = train(default_examples())
                    save(model)
                if model is not None:
                    _model = model
                _stamp = _file_stamp()  # a foreign file is not read again on every call
    return cast(Model, _model)


@warmup.register
def warm_up() -> None:
    """Load the saved model into this process and route one text, so that the first request
    waits for nothing. Never trains (a web worker must start in seconds): without a saved
    model, the first request trains it as before, or the seed step does."""
    global _model, _stamp
    with _lock:
        if _model is None:
            _model, _stamp = load(), _file_stamp()
    if _model is not None:
        _model.probabilities(["warm-up"])


def set_model(model: Model | None) -> None:
    """Replace the process's model (after retraining; None forgets it, tests use it too). It
    stands until the live file changes again."""
    global _model, _stamp
    with _lock:
        _model, _stamp = model, _file_stamp()


# --- the service used by the API --------------------------------------------------------------


def seed_owners() -> dict[str, str]:
    """category code -> owning department kind, from the seed catalogue (no database): the
    default of `Model.predict` and `evaluate`, which do not read the node's catalogue."""
    return {c["code"]: c["default_kind"] for c in categories() if c.get("default_kind")}


def category_owners() -> dict[str, str]:
    """category code -> the department kind that owns it: the category's default kind in this
    node's dispatch catalogue (`hotline.Category.default_kind`), which `classify` and
    `classify_many` use; the seed catalogue's when the node has none. One small query."""
    from onestop.hotline import selectors

    rows = dict(
        selectors.category_list()
        .filter(level=2, default_kind__isnull=False)
        .values_list("code", "default_kind_id")
    )
    return rows or seed_owners()


def region_departments(region: str) -> dict[str, Departments]:
    """kind -> [(code, name_zh)] of the region's departments (several for the township kind,
    `<region>-township-<name>`); NotFound if the region is unknown."""
    from onestop.org.selectors import department_list

    out: dict[str, list[tuple[str, str]]] = {}
    rows = department_list(region=region).values_list("kind_id", "code", "name_zh")
    for kind, code, name in sorted(rows, key=lambda r: r[1]):
        out.setdefault(kind, []).append((code, name))
    return dict(out)


_PLACE = re.compile(r"(?:县|区|市)([\u4e00-\u9fff]{2,3}?)(镇|乡|街道)(?:人民政府|办事处)$")


TOWNSHIP = "township"  # the department kind with one department per township of a region


def _named_township(options: Departments, text: str) -> str | None:
    """The department among `options` whose township the text names, or None."""
    if isinstance(options, str):
        return None
    for code, name in options:
        match = _PLACE.search(name or "")
        if match and match.group(1) in text:
            return code
    return None


def pick_department(options: Departments, text: str) -> str:
    """The department of a kind: the only one, else the township named in the text (洪凝街道,
    街头 or 街头镇), else the first by code. The model predicts kinds, not townships."""
    if isinstance(options, str):
        return options
    return _named_township(options, text) or options[0][0]


def jurisdiction_rules(region: str) -> dict[str, list[tuple[str, str, str]]]:
    """The region's jurisdiction table (`hotline.Jurisdiction`, edited by its supervisors in
    the console): category -> [(place, department code, kind)], place rules first. One query."""
    from onestop.hotline import selectors

    out: dict[str, list[tuple[str, str, str]]] = {}
    for category, place, code, kind in selectors.jurisdiction_list(region=region).values_list(
        "category_id", "place", "department_id", "department__kind_id"
    ):
        out.setdefault(category, []).append((place, code, kind))
    for found in out.values():
        found.sort(key=lambda r: (r[0] == "", r[0]))
    return out


def _place_named(place: str, text: str) -> bool:
    return not place or place in text or place.lower() in text.lower()


def _rule_kind(found: Sequence[tuple[str, str, str]], text: str) -> str | None:
    """The department kind of the first of a category's rules (place rules first) that applies
    to `text`, or None."""
    return next((kind for place, _code, kind in found if _place_named(place, text)), None)


def resolve_department(  # noqa: PLR0917 - the routing loop's hot path, positional
    category: str,
    text: str,
    rules: Rules,
    owners: Mapping[str, str],
    options: Mapping[str, Departments],
    picked: dict[str, str] | None = None,
) -> tuple[str, str] | None:
    """(department code, kind) that handles `category` for a request reading `text`: the
    region's place rule whose place the text names, else its rule for the category, else the
    region's department of the category's owner kind (`pick_department`; a township named in
    the text), else None when the region has no department of that kind. `picked` caches
    the owner kind's department per text. A rule that gives a township (a village matter
    handled by its township: `place="村"`) gives the township the text names, else its own."""
    for place, code, kind in rules.get(category, ()):
        if _place_named(place, text):
            if kind == TOWNSHIP and TOWNSHIP in options:
                return _named_township(options[TOWNSHIP], text) or code, kind
            return code, kind
    owner = owners.get(category)
    if owner is None or owner not in options:
        return None
    kind = owner
    if picked is None:
        return pick_department(options[kind], text), kind
    if kind not in picked:
        picked[kind] = pick_department(options[kind], text)
    return picked[kind], kind


def classify(*, text: str, region: str) -> dict[str, Any]:
    """Validate and route one request text; ValidationFailed on bad input."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(_("Enter the text of the request."), details={"field": "text"})
    if len(text) > MAX_TEXT:
        raise ValidationFailed(
            _("The text is too long: at most %(max)d characters.") % {"max": MAX_TEXT},
            details={"field": "text"},
        )
    try:
        departments = region_departments(region)
    except NotFound as exc:
        raise NotFound(
            _("There is no region with the code %(code)s.") % {"code": region},
            code="unknown_region",
            details={"field": "region"},
        ) from exc
    return get_model().predict(
        text,
        region,
        departments=departments,
        owners=category_owners(),
        rules=jurisdiction_rules(region),
    )


def classify_many(requests: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """`classify` for several (text, region) pairs in one pass of the model; the texts are
    the stored requests' (already checked). Each region's departments are read once."""
    names = {r for _text, r in requests}
    regions = {region: region_departments(region) for region in names}
    rules = {region: jurisdiction_rules(region) for region in names}
    return get_model().predict_many(
        [(text or "").strip()[:MAX_TEXT] for text, _region in requests],
        departments=[regions[region] for _text, region in requests],
        owners=category_owners(),
        rules=[rules[region] for _text, region in requests],
    )


def confident(routed: Mapping[str, Any], category: str) -> dict[str, Any] | None:
    """The department to dispatch a new request to without a human, from its prediction, or
    None (an agent confirms); the routing worker (`services.ticket_route_waiting`) calls it. Only
    when the model is confident (`auto`: top category and top department at or above the
    threshold) and its top category is the `category` the request was filed under.
    Returns {"department", "kind", "category_score", "department_score"}."""
    if not routed["auto"] or not routed["departments"] or not routed["categories"]:
        return None
    top_category, top_department = routed["categories"][0], routed["departments"][0]
    if top_category["code"] != category:
        return None
    return {
        "department": top_department["code"],
        "kind": top_department["kind"],
        "category_score": top_category["score"],
        "department_score": top_department["score"],
    }


# --- evaluation ------------------------------------------------------------------------------


def _ece(
    confidence: npt.NDArray[np.float64], correct: npt.NDArray[np.bool_], bins: int = 10
) -> float:
    """Expected calibration error of the top-1 confidence, equal-width bins."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for lo, hi in itertools.pairwise(edges):
        mask = (confidence > lo) & (confidence <= hi)
        if mask.any():
            total += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(total)


def evaluate(
    model: Model,
    examples: Sequence[Example],
    *,
    at: float | None = None,
    rules: Sequence[Rules] | None = None,
) -> dict[str, Any]:
    """Top-1/top-3 accuracy of category and department kind, their ECE, and the coverage
    (share dispatched automatically) and precision (share of those with category and
    department both right) at threshold `at` (default: the configured one). The department
    kind is the categories' owners', or with `rules` (per example, `example_rules`) the one
    its region's jurisdiction table gives."""
    limit = threshold(model) if at is None else at
    texts = [str(e["text"]) for e in examples]
    cat_p, kind_p, agree = model.scores(texts)
    kind_p = model.kinds_from_categories(cat_p, kind_p, texts=texts, rules=rules)
    res: dict[str, Any] = {"n": len(examples), "threshold": limit}
    right: dict[str, npt.NDArray[np.bool_]] = {}
    conf: dict[str, npt.NDArray[np.float64]] = {}
    for name, proba, clf, label in (
        ("category", cat_p, model.category_clf, "category"),
        ("department", kind_p, model.kind_clf, "kind"),
    ):
        classes = np.asarray(clf.classes_)
        truth = np.asarray([e[label] for e in examples])
        order = np.argsort(-proba, axis=1)
        top1 = classes[order[:, 0]] == truth
        top3 = (classes[order[:, :3]] == truth[:, None]).any(axis=1)
        res[f"{name}_top1"] = round(float(top1.mean()), 4)
        res[f"{name}_top3"] = round(float(top3.mean()), 4)
        conf[name] = proba.max(axis=1)
        right[name] = top1
        res[f"{name}_ece"] = round(_ece(conf[name], top1), 4)
    res.update(_at_threshold(conf, right, limit, agree))
    res["curve"] = [
        {"threshold": t, **_at_threshold(conf, right, t, agree)}
        for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
    ]
    return res


def example_rules(examples: Sequence[Example]) -> list[Rules]:
    """Each example's region's jurisdiction rules (`jurisdiction_rules`, one query per region;
    none for an example without a region), so that evaluation and calibration count the
    department the node's table gives, as routing does."""
    tables: dict[str, Rules] = {}
    out: list[Rules] = []
    for e in examples:
        region = str(e.get("region") or "")
        if region and region not in tables:
            tables[region] = jurisdiction_rules(region)
        out.append(tables.get(region, {}))
    return out


def _at_threshold(
    conf: Mapping[str, npt.NDArray[np.float64]],
    right: Mapping[str, npt.NDArray[np.bool_]],
    limit: float,
    agree: npt.NDArray[np.bool_],
) -> dict[str, float]:
    auto = (conf["category"] >= limit) & (conf["department"] >= limit) & agree
    both = right["category"] & right["department"]
    precision = float(both[auto].mean()) if auto.any() else 1.0
    return {"coverage": round(float(auto.mean()), 4), "precision": round(precision, 4)}


def eval_set_path() -> Path:
    """The independent evaluation set the registry scores models on (setting HOTLINE_EVAL_SET;
    default the repository's bench/data/hotline_eval.jsonl). Evaluation only: never trained
    on, never used to pick a threshold (bench/data/README.md)."""
    default = Path(settings.BASE_DIR) / "bench" / "data" / "hotline_eval.jsonl"
    return Path(getattr(settings, "HOTLINE_EVAL_SET", None) or default)


def eval_examples(path: Path | None = None) -> list[dict[str, Any]]:
    """The evaluation set as examples ({"text", "category", "kind"}; its `department_kind` is
    the kind), or [] when the node has no such file."""
    path = path or eval_set_path()
    if not path.exists():
        return []
    return [
        {
            "text": r["text"],
            "category": r["category"],
            "kind": r.get("department_kind", r.get("kind")),
            "region": r.get("region"),
        }
        for r in load_jsonl(path)
    ]


def eval_figures(model: Model, examples: Sequence[Example]) -> dict[str, Any]:
    """The registry's figures of `model` on the evaluation set: n, category and department
    top-1/top-3 (the department kind the node's jurisdiction table gives each example's region
    for the categories, `kinds_from_categories`: the owners' where the node has no table), and
    the coverage and precision of automatic dispatch at the model's threshold."""
    if not examples:
        return {}
    res = evaluate(model, examples, rules=example_rules(examples))
    keys = (
        "n",
        "threshold",
        "category_top1",
        "category_top3",
        "department_top1",
        "department_top3",
        "coverage",
        "precision",
    )
    return {k: res[k] for k in keys}


# Issue #14 asks >= 0.97 precision on a new writer's requests; the out-of-fold figures of the
# training writers are optimistic for a third one (0.97 there gave 0.966 on the evaluation
# set), so the target carries a margin fixed before measuring: 0.98.
CALIBRATION_TARGET = 0.98
CALIBRATION_GRID = (
    *(round(0.30 + 0.05 * i, 2) for i in range(12)),
    *(round(0.86 + 0.01 * i, 2) for i in range(14)),
)
CALIBRATION_FOLDS = 5


def held_out_scores(model: Model, held_out: Sequence[Example]) -> dict[str, Any]:
    """What automatic dispatch reads of `model` on `held_out` requests it did not learn from:
    per request the confidence (the lower of the top category's and the top department's
    score, as `Model.predict_many`'s `auto`; 0 when the nearest neighbours disagree, which
    `auto` refuses whatever the scores) and whether category and department (the kind the
    region's jurisdiction table gives, `kinds_from_categories`) are both right."""
    texts = [str(e["text"]) for e in held_out]
    cat_p, kind_p, agree = model.scores(texts)
    kind_p = model.kinds_from_categories(cat_p, kind_p, texts=texts, rules=example_rules(held_out))
    classes = np.asarray(model.category_clf.classes_)
    kinds = np.asarray(model.kind_clf.classes_)
    right_cat = classes[cat_p.argmax(axis=1)] == np.asarray([e["category"] for e in held_out])
    right_kind = kinds[kind_p.argmax(axis=1)] == np.asarray([e.get("kind") for e in held_out])
    return {
        "confidence": np.where(agree, np.minimum(cat_p.max(axis=1), kind_p.max(axis=1)), 0.0),
        "right": right_cat & right_kind,
    }


def calibrate_threshold(
    confidence: npt.NDArray[np.float64],
    right: npt.NDArray[np.bool_],
    *,
    target: float = CALIBRATION_TARGET,
) -> dict[str, Any]:
    """The lowest threshold of CALIBRATION_GRID at which the held-out requests scoring at or
    above it (`held_out_scores`: requests of the TRAINING data a model did not learn from,
    never the evaluation set) have category and department both right at least `target` of
    the time. Returns {"threshold", "coverage", "precision", "n"}; the threshold is None
    when no grid value reaches the target."""
    for limit in CALIBRATION_GRID:
        auto = confidence >= limit
        if auto.any() and float(right[auto].mean()) >= target:
            return {
                "threshold": limit,
                "n": len(right),
                "coverage": round(float(auto.mean()), 4),
                "precision": round(float(right[auto].mean()), 4),
            }
    return {"threshold": None, "n": len(right), "coverage": 0.0, "precision": 1.0}


MIN_HELD_OUT = 40
NO_AUTO = 1.0  # the threshold when none reaches the target: nothing is dispatched without a human


def calibrate(
    sources: Mapping[str, Sequence[Example]], *, folds: int = CALIBRATION_FOLDS
) -> tuple[int, dict[str, Any]]:
    """The auto-dispatch threshold of a model trained on `sources`, chosen on out-of-fold
    predictions of the TRAINING data (never the evaluation set): the realistic examples
    (hand-written, confirmed; all non-pseudo examples when there are fewer than
    5 x MIN_HELD_OUT) are cut into `folds` seeded folds; for each, a model trained on
    everything else scores it (`held_out_scores`), and `calibrate_threshold` picks the lowest
    threshold at which category and department are both right >= CALIBRATION_TARGET over all
    the folds. When none reaches it the threshold is NO_AUTO. Returns (held-out size,
    {"threshold", "coverage", "precision", "n", "folds"})."""
    realistic = [
        e for name in REALISTIC_SOURCES for e in sources.get(name, ()) if e.get("category")
    ]
    pool = realistic
    if len(realistic) * 0.2 < MIN_HELD_OUT:
        pool = [
            e
            for name, rows in sources.items()
            if name != "pseudo"
            for e in rows
            if e.get("category")
        ]
    folds = min(folds, len(pool))
    if folds < 2:
        return 0, {"threshold": NO_AUTO, "n": 0, "coverage": 0.0, "precision": 1.0}
    order = np.random.default_rng(7).permutation(len(pool))
    confidence: list[npt.NDArray[np.float64]] = []
    right: list[npt.NDArray[np.bool_]] = []
    everything = [e for rows in sources.values() for e in rows]
    for fold in range(folds):
        held_out = [pool[i] for i in order[fold::folds]]
        kept = {id(e) for e in held_out}
        scored = held_out_scores(train([e for e in everything if id(e) not in kept]), held_out)
        confidence.append(scored["confidence"])
        right.append(scored["right"])
    result = calibrate_threshold(np.concatenate(confidence), np.concatenate(right))
    if result["threshold"] is None:
        result["threshold"] = NO_AUTO
    result["folds"] = folds
    return len(pool), result


def split(
    examples: Sequence[Example], *, holdout: float = 0.2, seed: int = 7
) -> tuple[list[Example], list[Example]]:
    """A seeded (train, held-out) split."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(examples))
    cut = int(len(examples) * (1 - holdout))
    return [examples[i] for i in order[:cut]], [examples[i] for i in order[cut:]]


# --- demo seed -------------------------------------------------------------------------------


@seeding.register(order=72, name="hotline-routing", deferred=True)
def seed_routing_model() -> str | None:
    """Train and save the routing model if this node has none, and register the node's model
    in the registry (`hotline.RoutingModel`) as the live version, with its figures on the
    evaluation set, when the registry is empty (so the console shows it and a later model can
    be rolled back to it). Idempotent."""
    done: list[str] = []
    model = load()
    if model is None:
        if _model is not None:
            # This process already trained one (a node re-seeded in the same process, or the
            # test suite seeding many throwaway data dirs): the same examples give the same
            # model.
            model = _model
            save(model)
            done.append(f"hotline routing model saved ({model.n_examples} examples)")
        else:
            sources = training_sources()
            model = train([e for rows in sources.values() for e in rows])
            model.meta["sources"] = {name: len(rows) for name, rows in sources.items()}
            save(model)
            set_model(model)
            done.append(f"hotline routing model trained on {model.n_examples} examples")
    entry = register_seed_model(model)
    if entry is not None:
        done.append(f"registered as live version {entry.version}")
    return "; ".join(done) or None


def register_seed_model(model: Model) -> Any:
    """Register `model` (the node's model, from the seed) as the live version when the
    registry is empty, with its figures on the evaluation set (`eval_figures`, computed once
    per model and kept in its meta) and the threshold it runs at (`threshold`); None when the
    registry has a version already."""
    from onestop.hotline import selectors, services

    if selectors.routing_models().exists():
        return None
    evaluation = eval_examples()
    figures = model.meta.get("eval_figures")
    if figures is None or figures.get("n") != len(evaluation):
        figures = eval_figures(model, evaluation)
        model.meta["eval_figures"] = figures
    model.meta.setdefault("threshold", DEFAULT_THRESHOLD)
    sources = model.meta.get("sources") or {"seed": model.n_examples}
    entry = services.routing_model_register(model=model, figures=figures, sources=sources)
    return services.routing_model_promote(actor=services.SYSTEM, version=entry.version)
