"""English word normalization for Latin-script words: stop words out, stems in.

Every Latin word the analyzer finds, in an English article or inside a Korean one
(DeepSeek, OpenAI, GPU), goes through ``english_term`` at index time and at
question time alike, so "models", "announced" and "chips" in a question meet
"model", "announce" and "chip" in a passage. Stems come from the Snowball
(Porter 2) English stemmer, plus a short table of irregular verb forms news
writing uses (said → say, built → build, ran → run) that no suffix rule can reach.

Stop words are Snowball's English list. A word written in capitals is an
acronym, never a stop word (US, IT), and an acronym's plural loses its ``s``
(GPUs → gpu, LLMs → llm): the stemmer leaves a vowel-less word alone.

The stemmer is a pure function of the lower-cased word, memoized; the stemmer
objects keep state while stemming, so each thread has its own.
"""

from __future__ import annotations

import functools
import re
import threading
from typing import Protocol, cast

import snowballstemmer  # type: ignore[import-untyped]  # ships no type hints

__all__ = ["QUESTION_FUNCTION_TERMS", "STOP_WORDS", "english_term", "latin_terms", "stem"]

# Snowball's English stop word list (snowballstem.org/algorithms/english/stop.txt).
_SNOWBALL_STOP = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what
    which who whom this that these those am is are was were be been being have has had
    having do does did doing would should could ought i'm you're he's she's it's we're
    they're i've you've we've they've i'd you'd he'd she'd we'd they'd i'll you'll he'll
    she'll we'll they'll isn't aren't wasn't weren't hasn't haven't hadn't doesn't don't
    didn't won't wouldn't shan't shouldn't can't cannot couldn't mustn't let's that's
    who's what's here's there's when's where's why's how's a an the and but if or because
    as until while of at by for with about against between into through during before
    after above below to from up down in out on off over under again further then once
    here there when where why how all any both each few more most other some such no nor
    not only own same so than too very
"""
STOP_WORDS = frozenset(_SNOWBALL_STOP.split())

# Irregular past forms common in news text, mapped to the base form before stemming.
# Left out on purpose: forms that are more often another word here (won: the Korean
# currency; left, felt, saw, found, rose: nouns or adjectives as often as verbs).
_IRREGULAR = {
    "ran": "run", "said": "say", "made": "make", "built": "build", "bought": "buy",
    "sold": "sell", "brought": "bring", "thought": "think", "taught": "teach",
    "sought": "seek", "caught": "catch", "fought": "fight", "grew": "grow",
    "grown": "grow", "began": "begin", "begun": "begin", "became": "become",
    "came": "come", "gave": "give", "given": "give", "took": "take", "taken": "take",
    "went": "go", "gone": "go", "knew": "know", "known": "know", "wrote": "write",
    "written": "write", "spoke": "speak", "spoken": "speak", "chose": "choose",
    "chosen": "choose", "drove": "drive", "driven": "drive", "rode": "ride",
    "ate": "eat", "eaten": "eat", "fell": "fall", "fallen": "fall", "held": "hold",
    "kept": "keep", "led": "lead", "lost": "lose", "met": "meet", "paid": "pay",
    "sent": "send", "spent": "spend", "stood": "stand", "told": "tell",
    "understood": "understand", "struck": "strike", "drew": "draw",
    "drawn": "draw", "threw": "throw", "thrown": "throw", "froze": "freeze",
    "frozen": "freeze", "shook": "shake", "shaken": "shake", "rang": "ring",
    "sang": "sing", "swam": "swim", "hid": "hide", "hidden": "hide", "forgot": "forget",
    "forgotten": "forget", "forbade": "forbid", "forbidden": "forbid", "bore": "bear",
    "borne": "bear", "wore": "wear", "worn": "wear", "tore": "tear", "torn": "tear",
    "lent": "lend", "bent": "bend", "dealt": "deal", "meant": "mean", "slept": "sleep",
    "swept": "sweep", "fed": "feed", "fled": "flee", "sped": "speed", "withdrew": "withdraw",
    "withdrawn": "withdraw", "overtook": "overtake", "undertook": "undertake",
    "mice": "mouse", "men": "man", "women": "woman", "children": "child",
}  # fmt: skip

_ACRONYM_PLURAL = re.compile(r"[A-Z]{2,}s")


class _Stemmer(Protocol):
    def stemWord(self, word: str) -> str: ...  # snowballstemmer's name


_local = threading.local()


def _stemmer() -> _Stemmer:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("english")
    return cast(_Stemmer, stemmer)


@functools.lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """The stem of a lower-cased word (irregular forms first: ran → run)."""
    word = _IRREGULAR.get(word, word)
    if not any(c.isalpha() for c in word):
        return word
    return _stemmer().stemWord(word)


def english_term(word: str) -> str | None:
    """The term a Latin word (letters and digits, as written) is indexed as, or None
    for a stop word."""
    if _ACRONYM_PLURAL.fullmatch(word):
        return word[:-1].lower()
    lower = word.lower()
    if lower in STOP_WORDS and not (len(word) > 1 and word.isupper()):
        return None
    return stem(lower)


# Words English questions are framed with ("how much", "can you tell me",
# "according to"): dropped from a question's words, as stems, on top of stop words.
QUESTION_FUNCTION_TERMS = frozenset(
    stem(w) for w in ("much", "many", "can", "will", "according", "tell", "s")
)


_ALNUM_PIECE = re.compile(r"[0-9A-Za-z\u00c0-\u024f]+")
_LETTERS_DIGITS = re.compile(r"[A-Za-z\u00c0-\u024f]+|[0-9]+")
_POSSESSIVE = re.compile(r"'s?$", re.IGNORECASE)


def latin_terms(text: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """The terms of the Latin word ``text[start:end]``, with their spans, in order.

    GPT-4 → gpt-4, gpt, 4; iPhone15 → iphone15, iphon, 15; export-controls →
    export-control, export, control; China's → china; U.S. → us; o1 → o1. A
    one-letter piece stays attached (o1, v3); stop words give no term of their own.
    """
    word = text[start:end]
    if "'" in word and word.lower() in STOP_WORDS:  # contractions: don't, it's
        return []
    if possessive := _POSSESSIVE.search(word):
        end -= len(possessive.group())
        word = text[start:end]
    pieces = list(_ALNUM_PIECE.finditer(text, start, end))
    if not pieces:
        return []
    if len(pieces) > 1 and all(len(p.group()) == 1 for p in pieces) and "." in word:
        # U.S., U.K.: one acronym, whatever the case
        return [("".join(p.group() for p in pieces).lower(), start, end)]
    terms: list[tuple[str, int, int]] = []
    if len(pieces) > 1:
        joined, last = [], start
        for piece in pieces:
            joined.append(text[last : piece.start()])
            joined.append(english_term(piece.group()) or piece.group().lower())
            last = piece.end()
        terms.append(("".join(joined), start, end))
    for piece in pieces:
        s = piece.start()
        term = english_term(piece.group())
        if term is not None:
            terms.append((term, s, piece.end()))
        parts = list(_LETTERS_DIGITS.finditer(piece.group()))
        if len(parts) > 1 and all(len(p.group()) > 1 or p.group().isdigit() for p in parts):
            for part in parts:
                term = english_term(part.group())
                if term is not None:
                    terms.append((term, s + part.start(), s + part.end()))
    return terms
