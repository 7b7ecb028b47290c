"""Misspelt and mis-spaced question words, corrected against the corpus' own words.

A question word no passage has (``df == 0``) is often one jamo away from one that many
have (비융 → 비용, 증멍 → 증명, 스타게이뜨 → 스타게이트), or half of a word split by a
space (스타 게이트). The correction is the corpus word at one jamo's distance (the same
syllable count; one initial, vowel or final changed, added or dropped) with the most
passages, or the two neighbouring question words joined. Only words of two syllables
or more are corrected: a single syllable has too many neighbours to guess from; in
two, only a vowel, a final, or an initial for one that sounds alike (토근 → 토큰). A
name the analyzer doesn't know may keep its particle (토요타랑): the word without it
is tried too (and its neighbours).
A question typed without spaces is read as if it had them (``spaced``), and a word split
by a space beside a single syllable (출 시, 테 슬라) as the word (``rejoined``).

Frequencies are asked for in batches (``frequencies`` takes many words): a few hundred
neighbours per word would otherwise be as many requests to a search cluster.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set

from .analyzer import Term

__all__ = ["corrections", "glued", "jamo_neighbours", "loanword_forms", "rejoined", "spaced"]

_BASE, _VOWELS, _FINALS = 0xAC00, 21, 28
_INITIALS = 19
_MIN_SYLLABLES = 2
_MAX_SYLLABLES = 6  # longer words are names: a typo there is rare, the lookups many
_MAX_CORRECTED = 4  # unseen words tried per question, the longest first
_MIN_PART = 2  # characters of each word a run-together word is read as
_MAX_RUN = 16  # characters: the pieces looked up grow with the square of its length
# Particles an unknown name may come with, the longest first. Not the one-syllable ones
# that also end everyday nouns the analyzer keeps whole (고양이, 해상도, 경기도, 골드만):
# a question about a 해상도 the corpus lacks must not match its 해상.
_PARTICLES = ("이랑", "에서", "한테", "하고", "에게", "까지", "부터", "처럼", "랑")


def _is_hangul(text: str) -> bool:
    return bool(text) and all("가" <= c <= "힣" for c in text)


# Initials that differ only in being plain, aspirated or tense (ㄱ ㅋ ㄲ, ㄷ ㅌ ㄸ, ㅂ ㅍ
# ㅃ, ㅈ ㅊ ㅉ, ㅅ ㅆ): spelt as heard, one is written for another (토근 for 토큰, 께임
# for 게임), while another initial altogether makes another word (나이, 차이).
_FAMILIES = ((0, 1, 15), (3, 4, 16), (7, 8, 17), (12, 13, 14), (9, 10))
_SOUNDS_ALIKE = {i: tuple(j for j in family if j != i) for family in _FAMILIES for i in family}


def jamo_neighbours(word: str, *, initials: bool = True) -> Iterator[str]:
    """Every Hangul word with one jamo of one syllable of ``word`` changed (without
    ``initials``, only a vowel, a final, or an initial for one that sounds alike:
    ``_SOUNDS_ALIKE``)."""
    for position, char in enumerate(word):
        code = ord(char) - _BASE
        initial, vowel, final = (
            code // (_VOWELS * _FINALS),
            code // _FINALS % _VOWELS,
            code % _FINALS,
        )
        others = range(_INITIALS) if initials else _SOUNDS_ALIKE.get(initial, ())
        for other in others:
            if other != initial:
                yield _with(word, position, other, vowel, final)
        for other in range(_VOWELS):
            if other != vowel:
                yield _with(word, position, initial, other, final)
        for other in range(_FINALS):  # 0: no final (one dropped or added)
            if other != final:
                yield _with(word, position, initial, vowel, other)


# A loanword's consonant written as a final instead of a syllable of its own with ㅡ
# (딥식 for 딥시크, 스타게잇 for 스타게이트): final -> the initials of that syllable.
_LOANWORD_FINALS = {1: (15,), 7: (3,), 17: (17,), 19: (9, 16), 24: (15,), 25: (16,), 26: (17,)}
_EU = 18  # the vowel ㅡ


def loanword_forms(word: str) -> Iterator[str]:
    """``word`` with one final consonant of a Hangul syllable spelt out as a syllable of
    its own, as loanwords are (딥식 → 딥시크; 스타게잇 → 스타게이스, 스타게이트)."""
    for position, char in enumerate(word):
        code = ord(char) - _BASE
        if not 0 <= code < _INITIALS * _VOWELS * _FINALS:
            continue
        initial, vowel, final = (
            code // (_VOWELS * _FINALS),
            code // _FINALS % _VOWELS,
            code % _FINALS,
        )
        for spelt in _LOANWORD_FINALS.get(final, ()):
            bare = _with(word, position, initial, vowel, 0)
            syllable = chr(_BASE + (spelt * _VOWELS + _EU) * _FINALS)
            yield bare[: position + 1] + syllable + bare[position + 1 :]


def _with(word: str, position: int, initial: int, vowel: int, final: int) -> str:
    syllable = chr(_BASE + (initial * _VOWELS + vowel) * _FINALS + final)
    return word[:position] + syllable + word[position + 1 :]


Frequencies = Callable[[Iterable[str]], Mapping[str, int]]
"""Words -> in how many passages each occurs (one batch)."""


def corrections(terms: Sequence[Term], frequencies: Frequencies) -> Iterator[tuple[str, str]]:
    """(question word, corpus word) for the question's words the corpus doesn't have;
    at most three batches of ``frequencies``."""
    names = {t.text for t in terms if t.kind == "name"}
    known = frequencies(names) if names else {}
    unseen = {word for word in names if not known.get(word)}
    if not unseen:
        return
    ordered = sorted(terms, key=lambda t: t.start)
    pairs = [
        (first.text, second.text)
        for first, second in itertools.pairwise(ordered)
        if (first.text in unseen or second.text in unseen)
        and first.end < second.start
        and _is_hangul(first.text + second.text)
    ]
    together = frequencies({a + b for a, b in pairs}) if pairs else {}
    joined: set[str] = set()
    for first, second in pairs:
        word = first + second
        if together.get(word, 0) > 0:
            joined.update((first, second))
            yield first, word
            yield second, word
    guessable = [
        w
        for w in sorted(unseen - joined)
        if _is_hangul(w) and _MIN_SYLLABLES <= len(w) <= _MAX_SYLLABLES
    ]
    # A few hundred neighbours a word: a long question of unknown words stays cheap.
    tried = sorted(guessable, key=len, reverse=True)[:_MAX_CORRECTED]
    if not tried:
        return
    # The word's own neighbours first (고얌이 → 고양이); then the name without its
    # particle, as the corpus has it or one jamo from it (토요타랑 → 토요타 → 도요타).
    pools: dict[str, list[list[str]]] = {}
    for word in tried:
        stem = _without_particle(word)
        pools[word] = [
            [*_neighbours(word), *loanword_forms(word)],
            *([[stem], _neighbours(stem)] if stem else []),
        ]
    counts = frequencies({n for word in tried for pool in pools[word] for n in pool})
    for word in tried:
        for pool in pools[word]:
            best = max(((counts.get(n, 0), n) for n in pool), default=(0, ""))
            if best[0] > 0:
                yield word, best[1]
                break


def rejoined(text: str, terms: Sequence[Term], frequencies: Frequencies) -> list[tuple[Term, str]]:
    """Words split by a space beside a single syllable ("출 시", "테 슬라", "연 구소",
    "모 델은"), whose halves are words of their own (출, 시) so that ``corrections``, which
    joins halves the corpus lacks, leaves them. The join is the two written words, the
    second as far as its term or to its end (연구소 rather than 연구), the longest the
    corpus has. A syllable that is mostly a word of its own when written alone (이 점,
    잘 못, 두 부: ``_STANDALONE``) is left apart, though 이점, 잘못 and 두부 are words too.
    (The two written words without the space, as a term spanning them; the corpus word.)
    One batch of ``frequencies``."""
    ordered = sorted(terms, key=lambda t: t.start)
    joins: dict[tuple[int, int], list[str]] = {}  # the two words' span -> candidates
    for first, second in itertools.pairwise(ordered):
        if second.start != first.end + 1 or text[first.end] != " ":
            continue  # not the last of one written word and the first of the next
        start = text.rfind(" ", 0, first.start) + 1
        while start < first.start and text[start] in _OPENING:  # (출 시)
            start += 1
        end = _word_end(text, second.start)
        singles = [w for w in (text[start : first.end], text[second.start : end]) if len(w) == 1]
        if not singles or any(w in _STANDALONE for w in singles):
            continue  # neither written word is a single syllable, or one is a word
        left = text[start : first.end]
        candidates = [left + text[second.start : e] for e in sorted({second.end, end})]
        joins[(start, end)] = [c for c in candidates if _is_hangul(c)]
    if not joins:
        return []
    known = frequencies({c for candidates in joins.values() for c in candidates})
    found: list[tuple[Term, str]] = []
    for (start, end), candidates in joins.items():
        word = max((c for c in candidates if known.get(c)), key=len, default=None)
        if word is not None and (not found or found[-1][0].end <= start):  # 중 국 가: once
            found.append((Term(text[start:end].replace(" ", "", 1), start, end), word))
    return found


def _word_end(text: str, start: int) -> int:
    """Where the written word from ``start`` ends, before any closing punctuation."""
    end = start
    while end < len(text) and not text[end].isspace() and text[end] not in _CLOSING:
        end += 1
    return end


_OPENING = "([{\"'“‘「『《〈"
_CLOSING = "?!.,;:…)]}\"'”’」』》〉"
# Syllables that are mostly words of their own when written alone: determiners, numerals,
# adverbs and bound nouns (이 점, 그 때, 두 부, 잘 못, 수 있다, 한 번).
_STANDALONE = frozenset(
    "이그저한두세네닷몇새헌온각전총약"  # determiners and numerals
    "더덜잘못안꼭좀또다왜뭐"  # adverbs
    "수것곳때번개명분씩"  # bound nouns and counters
)


def glued(terms: Sequence[Term], frequencies: Frequencies) -> list[tuple[Term, str]]:
    """A word the analyzer doesn't know, cut into syllables it does (딥식, a casual
    spelling of 딥시크, as 딥 and 식): single syllables written together, one of them
    at least not a corpus word, read as one word and corrected as a word is (one jamo,
    or a loanword's final spelt out). (The word, as a term spanning them; the corpus
    word.) Two batches of ``frequencies``."""
    # Only the syllables: a word the analyzer joined over them (증멍방법 beside 증, 멍,
    # 방법) sits among them; touching spans show they were written together.
    syllables = sorted(
        (t for t in terms if len(t.text) == 1 and _is_hangul(t.text)), key=lambda t: t.start
    )
    runs: list[list[Term]] = []
    for term in syllables:
        if runs and runs[-1][-1].end == term.start:
            runs[-1].append(term)
        else:
            runs.append([term])
    # Not where the analyzer gave the whole word too (증멍 beside 증, 멍): it is a word
    # already, corrected as one (``corrections``).
    spans = {(t.start, t.end) for t in terms}
    runs = [
        run
        for run in runs
        if _MIN_SYLLABLES <= len(run) <= _MAX_SYLLABLES and (run[0].start, run[-1].end) not in spans
    ]
    if not runs:
        return []
    words = {"".join(t.text for t in run) for run in runs}
    known = frequencies({t.text for run in runs for t in run} | words)
    runs = [
        run
        for run in runs
        if not known.get("".join(t.text for t in run)) and any(not known.get(t.text) for t in run)
    ]
    tried = sorted({"".join(t.text for t in run) for run in runs}, key=lambda w: (-len(w), w))
    tried = tried[:_MAX_CORRECTED]
    if not tried:
        return []
    pools = {word: [*_neighbours(word), *loanword_forms(word)] for word in tried}
    counts = frequencies({n for pool in pools.values() for n in pool})
    best = {word: max((counts.get(n, 0), n) for n in pools[word]) for word in tried}
    return [  # each place the word is written (딥식 … 딥식)
        (Term(word, run[0].start, run[-1].end), best[word][1])
        for run in runs
        if (word := "".join(t.text for t in run)) in best and best[word][0] > 0
    ]


def spaced(
    text: str, terms: Sequence[Term], frequencies: Frequencies, keep: Set[str] = frozenset()
) -> list[Term]:
    """The word terms of the question ``text`` as if it had been typed with spaces.

    The analyzer joins nouns written together into one more term beside them
    ("딥시크모델공짜" → 딥시크, 모델, 공짜, 딥시크모델공짜); one the corpus doesn't have
    is not another thing asked about, and would weigh as much as an unknown name, so
    it goes. A word it doesn't know at all, written together with more of the question
    ("찰스오펜하이머와쓴글"), is read as the corpus words it runs together, each of at
    least two characters (찰스, 오펜하이머; "deepseekv3의" → deepseek, v3), and its
    unknown pieces go with it. Every part must be a corpus word, so a name the corpus
    lacks ("비트코인") stays unknown, and a word written on its own ("메타버스 뭐야") is
    left whole: it is more likely a name than two words. ``keep``: words corrected as
    typos (``corrections``: 증멍 → 증명, which the analyzer gives as 증, 멍, 증멍), left as
    they are. Two batches of ``frequencies``.
    """
    names = {t.text for t in terms if t.kind == "name"}
    known = frequencies(names) if names else {}
    unseen = {w for w in names if not known.get(w) and w not in keep}
    runs = [
        t
        for t in terms
        if t.text in unseen
        and 2 * _MIN_PART <= len(t.text) <= _MAX_RUN
        and _runs_on(t, terms, text)
    ]
    tried = sorted({t.text for t in runs}, key=lambda w: (-len(w), w))[:_MAX_CORRECTED]
    pieces = {
        word[i:j]
        for word in tried
        for i in range(len(word))
        for j in range(i + _MIN_PART, len(word) + 1)
        if j - i < len(word)
    }
    counts = frequencies(pieces) if pieces else {}
    words = {p for p in pieces if counts.get(p, 0) > 0}
    result = list(terms)
    for run in (t for t in runs if t.text in tried):
        parts = _fewest_parts(run.text, words)
        if not parts:
            continue
        inside = [t for t in result if run.start <= t.start and t.end <= run.end]
        result = [t for t in result if not (t in inside and t.text in unseen)]
        split = [Term(run.text[i:j], run.start + i, run.start + j) for i, j in parts]
        result += [t for t in split if t not in inside]
    return [t for t in result if not (t.text in unseen and _tiled(t, result))]


def _runs_on(term: Term, terms: Sequence[Term], text: str) -> bool:
    """Whether another of the question's words is written together with ``term``."""
    start = text.rfind(" ", 0, term.start) + 1
    end = text.find(" ", term.end)
    end = len(text) if end == -1 else end
    return any(
        start <= t.start < end and not (term.start <= t.start and t.end <= term.end) for t in terms
    )


def _tiled(term: Term, terms: Sequence[Term]) -> bool:
    """Whether other terms of at least two characters each cover ``term``'s span end to
    end (the analyzer joined them). 출시일 is not 출시 and 일: a one-syllable piece is
    more often a word's own ending than a word."""
    pieces = [
        t
        for t in terms
        if term.start <= t.start
        and t.end <= term.end
        and t.end - t.start >= _MIN_PART
        and (t.start, t.end) != (term.start, term.end)
    ]
    reached = {term.start}
    for piece in sorted(pieces, key=lambda t: t.start):
        if piece.start in reached:
            reached.add(piece.end)
    return term.end in reached


def _fewest_parts(word: str, words: Set[str]) -> list[tuple[int, int]] | None:
    """``word`` cut into the fewest of ``words`` (as spans), or None if it can't be."""
    best: list[list[tuple[int, int]] | None] = [[]] + [None] * len(word)
    for end in range(_MIN_PART, len(word) + 1):
        for start in range(end - _MIN_PART + 1):
            before, now = best[start], best[end]
            if before is None or word[start:end] not in words:
                continue
            if now is None or len(before) + 1 < len(now):  # fewer parts
                best[end] = [*before, (start, end)]
    found = best[len(word)]
    return found if found and len(found) >= 2 else None


def _neighbours(word: str) -> list[str]:
    # Two syllables with another initial are too often another word (나이 → 차이),
    # unless it sounds alike (토근 → 토큰);
    # predicates are indexed as their lemma (주다), never a noun's typo.
    return [
        n
        for n in jamo_neighbours(word, initials=len(word) > _MIN_SYLLABLES)
        if not n.endswith("다")
    ]


def _without_particle(word: str) -> str | None:
    """``word`` without the particle it ends in, when the analyzer left one on a name it
    doesn't know (토요타랑: 랑 is spoken Korean's 와), keeping at least two syllables."""
    for particle in _PARTICLES:
        if word.endswith(particle) and len(word) - len(particle) >= _MIN_SYLLABLES:
            return word[: -len(particle)]
    return None
