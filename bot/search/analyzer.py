"""Korean-aware analysis: text → terms per field, tuned on KorQuAD (see bench/korquad.py).

Fields:
- ``word``: content morphemes from Kiwi: nouns, numerals, determiners, roots,
  adverbs and verb/adjective lemmas (걸리다), so 중국은/중국이/중국의 all give 중국;
  particles, endings and affixes are dropped. Added to them:
  - compounds: adjacent nouns also give their concatenation (인권문제 → 인권, 문제,
    인권문제), multi-word names give their parts and their joined form
    (마리 앙투아네트 → 마리, 앙투아네트, 마리앙투아네트);
  - a number glued to its unit also gives the pair (1995년 → 1995, 년, 1995년);
  - Latin words are lower-cased and split at hyphens, dots and letter/digit
    boundaries (GPT-4 → gpt-4, gpt, 4; DeepSeek-V3 → deepseek-v3, deepseek, v3;
    GPT4 → gpt4, gpt, 4). A one-letter piece stays attached (o1, v3). English
    stop words are dropped and the rest stemmed (models → model, announced →
    announc), in English articles and Korean ones alike (``english.py``).
- ``gram``: character bigrams of the content part of each word (particles and
  endings cut off), joined across a single space between content words, so
  오픈소스 and 오픈 소스 give the same bigrams and Kiwi's mistakes on rare names
  (유영철 → 유영 + 철) still match.

A passage is indexed with its article title (both fields). A question loses its
question words (무엇, 누구, 언제, 어디, 몇, 얼마, 어떤, 왜, 무슨...) in both fields and
the generic nouns questions are phrased with (이름, 것, 곳, 때...) in ``word``.

Every term of ``word`` comes with its span in the original text (``words``), so
the query words can be found and highlighted in a passage. Text is cleaned
before Kiwi sees it (control and zero-width characters, lone surrogates → space,
full-width ASCII → ASCII) without changing its length, so spans stay valid.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, Protocol

from .engine import Field
from .english import QUESTION_FUNCTION_TERMS, latin_terms

__all__ = [
    "QUESTION_WORDS",
    "SPANS",
    "KoreanAnalyzer",
    "QueryAnalysis",
    "Term",
    "passage_terms",
    "title_words",
]

# Kiwi tags (before any "-I"/"-R" irregularity suffix) kept as word terms.
_WORD_TAGS = frozenset(
    {"NNG", "NNP", "NNB", "NR", "NP", "VV", "VA", "XR", "SN", "SH", "SL", "MAG", "MM"}
)
# ...and as the content part of a word for bigrams: plus prefixes and suffixes.
_GRAM_TAGS = _WORD_TAGS | {"XPN", "XSN", "XSV", "XSA"}
_NOUN_TAGS = frozenset({"NNG", "NNP"})
# What kind of word each kept tag is (Term.kind); the rest are "name".
_KINDS = {"SN": "number", "NR": "number"} | dict.fromkeys(
    ("VV", "VA", "MAG", "MM", "NNB", "NP"), "light"
)
_UNIT_TAGS = frozenset({"NNB", "NNG"})
_LEMMA_TAGS = frozenset({"VV", "VA"})
# Kiwi's pattern tags (URL, e-mail, hashtag, mention, serial number): split into words.
_PATTERN_TAGS = frozenset({"W_URL", "W_EMAIL", "W_HASHTAG", "W_MENTION", "W_SERIAL"})

QUESTION_WORDS = frozenset(
    {
        "무엇", "뭐", "무슨", "누구", "누가", "언제", "어디", "어느", "어떤", "어떻", "어떠하",
        "어찌", "왜", "몇", "얼마", "얼마나", "어때",
    }
)  # fmt: skip
"""Dropped from questions (both fields): they name what is asked, not what to find."""

_QUERY_GENERIC = frozenset(
    {"이름", "것", "곳", "때", "수", "사람", "해", "년도", "시기", "당시"}
)  # fmt: skip
"""Nouns questions are phrased with (…의 이름은? …한 곳은?): dropped from the query's words."""

SPANS = "spans"
"""The key of a passage bag that holds its word terms' spans (not a field for engines)."""

_HANGUL_RUN = re.compile(r"[가-힣]+")
# Characters Kiwi should not see: controls, zero-width and bidi marks, BOM,
# variation selectors, lone surrogates, non-characters. Each becomes one space.
_JUNK = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ufe00-\ufe0f\ufeff\ufff0-\uffff\ud800-\udfff]"
)
_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# A Latin word: letters and digits, possibly joined by - . _ + / ' & (GPT-4, v3.1, R&D).
_LATIN_RUN = re.compile(r"[0-9A-Za-z\u00c0-\u024f]+(?:[-._+/'&][0-9A-Za-z\u00c0-\u024f]+)*")
_HAS_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
_WORD_PIECE = re.compile(r"\w+")

_BATCH = 256  # texts per Kiwi batch call in analyze_many (the lock is released between)


@dataclass(frozen=True, slots=True)
class Term:
    """A term of the ``word`` field, where it stands in the text, and what kind of word it is.

    ``kind`` is ``"name"`` for nouns, names, foreign words and compounds (what a
    question is about), ``"number"`` for numerals, and ``"light"`` for verbs,
    adjectives, adverbs, determiners, pronouns and bound nouns (how it is asked).
    """

    text: str
    start: int
    end: int
    kind: str = "name"


class _Token(Protocol):
    """What the analyzer reads of a kiwipiepy ``Token`` (kiwipiepy ships no type hints)."""

    form: str
    tag: str
    start: int
    len: int


@dataclass(frozen=True, slots=True)
class QueryAnalysis:
    """A question's search terms (``bag``) and its word terms with their kinds."""

    bag: dict[str, list[str]]
    words: list[Term]


# Korean words are 2-5 syllables with their particles; 9 or more characters without a
# space are words typed together (tests/data: only the questions typed so; TyDi: 7 of
# 1,625, such as 포항종합제철주식회사는).
_RUN_TOGETHER = 9


def _typed_together(word: str) -> bool:
    """Whether ``word`` (no spaces in it) is more than one word typed together."""
    return len(word) >= _RUN_TOGETHER and _HANGUL_RUN.search(word) is not None


class KoreanAnalyzer:
    """Text → ``{"word": [...], "gram": [...]}`` for BM25Engine; thread-safe.

    ``workers`` is how many threads Kiwi uses for ``analyze_many`` (0: every core).
    Kiwi loads on first use (about 1.5 s, without its multi-word dictionary).
    """

    version = "v4-kiwi0.24-nomulti-word+gram+spans+en-snowball"
    # Fit on KorQuAD 1.0 dev (bench/korquad.py; the cross-validated figures hold).
    fields = (Field("word", 1.0, 0.3, 0.75), Field("gram", 0.5, 0.3, 0.5))

    def __init__(self, workers: int = 0) -> None:
        self._workers = workers if workers > 0 else -1
        self._lock = threading.Lock()
        self._kiwi_instance: Any = None  # a kiwipiepy.Kiwi, loaded on first use

    # -- public API --------------------------------------------------------

    def words(self, text: str) -> list[Term]:
        """The ``word`` terms of ``text`` with their spans in ``text``, in order."""
        clean = _clean(text)
        return _words(clean, self._tokenize(clean))

    def analyze(self, text: str, title: str = "") -> dict[str, list[str]]:
        """Terms of a passage, indexed with its article title."""
        text, title = _clean(text), _clean(title)
        return _passage_bag(text, self._tokenize(text), title, self._tokenize(title))

    def analyze_many(self, items: Iterable[tuple[str, str]]) -> Iterator[dict[str, list[str]]]:
        """``analyze(text, title)`` for many passages, tokenized on every core."""
        it = iter(items)
        while chunk := list(islice(it, _BATCH)):
            texts = [_clean(text) for text, _ in chunk]
            titles = [_clean(title) for _, title in chunk]
            tokens = self._tokenize_many(texts + titles)
            for i, (text, title) in enumerate(zip(texts, titles, strict=True)):
                yield _passage_bag(text, tokens[i], title, tokens[len(texts) + i])

    def analyze_query(self, question: str) -> dict[str, list[str]]:
        """Terms of a question: question words and generic nouns removed."""
        return self.query_analysis(question).bag

    def query_analysis(self, question: str) -> QueryAnalysis:
        """``analyze_query`` and the kept word terms (with kinds) from one Kiwi pass."""
        clean = _clean(question)
        tokens = self._tokenize(clean)
        words = [
            t
            for t in _words(clean, tokens, QUESTION_WORDS)
            if t.text not in _QUERY_GENERIC and t.text not in QUESTION_FUNCTION_TERMS
        ]
        bag = {"word": [t.text for t in words], "gram": _grams(clean, tokens, QUESTION_WORDS)}
        return QueryAnalysis(bag, words)

    def respaced(self, text: str) -> str:
        """``text`` with its words typed together spaced as Kiwi would space them, for the
        model: a run of ``_RUN_TOGETHER`` characters or more with Hangul and no space
        ("딥시크모델공짜로돌릴수있어?" → "딥시크 모델 공짜로 돌릴 수 있어?"). The lexical side
        reads such a run as well as the spaced question; the model does not. Shorter words
        are left as written: Kiwi would split compounds people write whole (세계경제포럼)."""
        words = _clean(text).split(" ")
        if not any(_typed_together(w) for w in words):
            return text
        kiwi = self._kiwi
        with self._lock:
            return " ".join(kiwi.space(w) if _typed_together(w) else w for w in words)

    # -- Kiwi ----------------------------------------------------------------

    @property
    def _kiwi(self) -> Any:  # kiwipiepy ships no type hints
        if self._kiwi_instance is None:
            with self._lock:
                if self._kiwi_instance is None:
                    from kiwipiepy import Kiwi

                    # Without the multi-word dictionary Kiwi loads in 1.4 s instead of
                    # 3.1 s, in 190 MB less; KorQuAD dev (bench/korquad.py --no-cv):
                    # top-1 .946 against .947, recall@5 .993 and MRR@10 .968 unchanged.
                    self._kiwi_instance = Kiwi(num_workers=self._workers, load_multi_dict=False)
        return self._kiwi_instance

    def _tokenize(self, text: str) -> list[_Token]:
        if not text.strip():
            return []
        kiwi = self._kiwi
        with self._lock:
            tokens: list[_Token] = kiwi.tokenize(text)
        return tokens

    def _tokenize_many(self, texts: Sequence[str]) -> list[list[_Token]]:
        todo = [i for i, text in enumerate(texts) if text.strip()]
        out: list[list[_Token]] = [[] for _ in texts]
        if todo:
            kiwi = self._kiwi
            with self._lock:
                results = list(kiwi.tokenize([texts[i] for i in todo]))
            for i, tokens in zip(todo, results, strict=True):
                out[i] = tokens
        return out


# -- term extraction (pure functions of the cleaned text and its Kiwi tokens) ---


def _clean(text: str) -> str:
    """Same length as ``text``, safe for Kiwi; spans in it are spans in ``text``."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    return _JUNK.sub(" ", text).translate(_FULLWIDTH)


def _passage_bag(
    text: str, tokens: list[_Token], title: str, title_tokens: list[_Token]
) -> dict[str, list[Any]]:  # the SPANS list holds ints, the others str
    terms = _words(text, tokens)
    words = [t.text for t in terms]
    grams = _grams(text, tokens)
    # Where the text's word terms stand (start, end pairs, flattened): excerpts and
    # highlights are then found at question time without running Kiwi again.
    spans = [offset for t in terms for offset in (t.start, t.end)]
    if title:
        words += [t.text for t in _words(title, title_tokens)]
        grams += _grams(title, title_tokens)
    return {"word": words, "gram": grams, SPANS: spans}


def _words(text: str, tokens: list[_Token], drop: frozenset[str] = frozenset()) -> list[Term]:
    latin = _latin_runs(text)
    terms: list[Term] = []
    compound: list[Term] = []  # the current run of adjacent nouns
    prev = None  # the previous kept token, for number + unit

    def flush() -> None:
        if len(compound) > 1:
            joined = "".join(t.text for t in compound)
            terms.append(Term(joined, compound[0].start, compound[-1].end))
        compound.clear()

    runs = iter(latin)
    run = next(runs, None)
    for token in tokens:
        start, end = token.start, token.start + token.len
        # Latin words are taken from the text, not from Kiwi's pieces of them.
        while run is not None and run[1] <= start:
            flush()
            terms.extend(_latin_terms(text, *run))
            run = next(runs, None)
        if run is not None and start < run[1] and end > run[0]:
            prev = None
            continue
        tag = token.tag.split("-", 1)[0]
        form = token.form
        if (tag not in _WORD_TAGS and tag not in _PATTERN_TAGS) or form in drop:
            flush()
            prev = None
            continue
        if tag in _PATTERN_TAGS:
            flush()
            terms.extend(_pattern_terms(text, start, end))
            prev = None
            continue
        if tag == "SL":
            form = form.lower()
        elif tag in _LEMMA_TAGS:
            form += "다"
        if " " in form:  # a multi-word name from Kiwi's dictionary
            parts = [(m.group(), start + m.start()) for m in re.finditer(r"\S+", text[start:end])]
            terms.extend(Term(p, s, s + len(p)) for p, s in parts if p.isalnum())
            form = form.replace(" ", "")
        if not any(c.isalnum() for c in form):
            flush()
            prev = None
            continue
        term = Term(form, start, end, _KINDS.get(tag, "name"))
        terms.append(term)
        if prev is not None and prev[0] == "SN" and prev[1].end == start and tag in _UNIT_TAGS:
            terms.append(Term(prev[1].text + form, prev[1].start, end, "number"))
        if tag in _NOUN_TAGS and (not compound or compound[-1].end == start):
            compound.append(term)
        else:
            flush()
            if tag in _NOUN_TAGS:
                compound.append(term)
        prev = (tag, term)
    flush()
    while run is not None:
        terms.extend(_latin_terms(text, *run))
        run = next(runs, None)
    return terms


def _latin_runs(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _LATIN_RUN.finditer(text) if _HAS_LETTER.search(m.group())]


def _latin_terms(text: str, start: int, end: int) -> list[Term]:
    """A Latin word's terms: lower-cased, stemmed, stop words out (see english.py)."""
    return [Term(term, s, e) for term, s, e in latin_terms(text, start, end)]


def _pattern_terms(text: str, start: int, end: int) -> list[Term]:
    """A URL, e-mail, hashtag, mention or serial number: its words, lower-cased."""
    return [
        Term(m.group().lower(), m.start(), m.end()) for m in _WORD_PIECE.finditer(text, start, end)
    ]


def _grams(text: str, tokens: list[_Token], drop: frozenset[str] = frozenset()) -> list[str]:
    """Bigrams of the content part of each word, joined across single spaces."""
    pieces: list[str] = []
    current: list[str] = []
    last_end = -1
    for token in tokens:
        start, end = token.start, token.start + token.len
        tag = token.tag.split("-", 1)[0]
        if tag in _GRAM_TAGS and token.form not in drop and end > start:
            joined = start == last_end or (start == last_end + 1 and text[last_end] == " ")
            if current and not joined:
                pieces.append("".join(current))
                current = []
            current.append(text[start:end])
            last_end = end
        elif current:
            pieces.append("".join(current))
            current = []
    if current:
        pieces.append("".join(current))
    grams: list[str] = []
    for piece in pieces:
        if not piece.isascii():
            piece = unicodedata.normalize("NFC", piece)
        for run in _HANGUL_RUN.findall(piece):
            grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def passage_terms(bag: Mapping[str, Sequence[Any]]) -> list[Term]:
    """The passage text's word terms with their spans, from a bag ``analyze`` made."""
    spans = bag.get(SPANS, ())
    words = bag.get("word", ())
    return [Term(words[i], spans[2 * i], spans[2 * i + 1]) for i in range(len(spans) // 2)]


def title_words(bag: Mapping[str, Sequence[Any]]) -> frozenset[str]:
    """The word terms of the article title a passage was indexed with (``analyze`` puts
    them after the text's, which alone have spans)."""
    return frozenset(bag.get("word", ())[len(bag.get(SPANS, ())) // 2 :])
