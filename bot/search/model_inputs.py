"""What the model reads of a passage, and of each of its sentences."""

from __future__ import annotations

from ..corpus import sentence_spans

__all__ = ["embedding_input", "sentence_inputs"]


def embedding_input(title: str, text: str) -> str:
    """What the model reads of a passage: its article's title, then its text.

    A passage alone often never names what it is about (a paragraph on "his" second
    term, on "the model"); the title does, and questions name it. On TyDi's paragraphs
    (bench/tydi.py, raw ranking, test half) dense top-1 0.630 → 0.669. (Mixing a
    separately embedded title into each passage's vector instead ranked TyDi as well
    but lost answers on the two bundled articles, whose titles share a topic.)
    """
    return f"{title}\n{text}" if title else text


def sentence_inputs(title: str, text: str) -> list[str]:
    """What the model reads of each sentence of a passage (``Passage.sentences``): the
    title, then the sentence. A passage of one sentence shares its passage's vector."""
    return [embedding_input(title, text[start:end]) for start, end in sentence_spans(text)]
