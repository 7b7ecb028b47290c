"""Korean-like passages and questions for benchmarks, deterministic from a seed.

Analyzing a million real passages with Kiwi takes most of an hour, so the
generator writes each passage's analysis itself, alongside the text. It builds
text from eojeols (space-separated words) whose analysis it knows: a noun with a
particle gives the noun as its ``word`` term and its bigrams as ``gram`` terms, a
predicate gives its lemma, a year gives 2024, 년 and 2024년, and so on, following
the rules of ``bot.search.analyzer`` (content words only; bigrams of the
content part of each eojeol, joined across a space when no particle or ending
separates them; passages indexed with their article title). How closely that
matches the real analyzer is measured by ``python bench/synthetic.py --check N``;
questions are analyzed by the real analyzer at benchmark time.

What makes the text Korean-like rather than random:
- nouns: about 80 common real ones, then made-up words of 2-4 syllables drawn
  from common Hangul syllables by rank (``analyzer_nouns`` keeps those the
  analyzer reads as one noun), used with a Zipf-Mandelbrot distribution;
- particles glued to nouns and chosen by the final consonant (은/는, 이/가,
  을/를, 으로/로, 과/와);
- sentences end in real predicates (하다-verbs built on nouns, common verbs);
- some sentences carry adverbs, years, amounts, percentages and Latin terms;
- passages of 1-3 sentences, ~200 characters, 8 to an article whose title
  (2-4 nouns) is indexed with each of them.

Every passage is generated from its own index (``Generator.passage(i)``), so any
passage can be re-created without generating those before it.
"""

from __future__ import annotations

import argparse
import random
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate, islice
from typing import NamedTuple, Protocol

__all__ = [
    "GENERATOR_VERSION",
    "Generator",
    "SyntheticPassage",
    "SyntheticQuestion",
    "analyzer_nouns",
    "candidate_nouns",
]

GENERATOR_VERSION = 3
"""Bumped whenever the output for a given seed changes (cached corpora are keyed by it)."""

PASSAGES_PER_ARTICLE = 8


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Common Hangul syllables, roughly by frequency in Korean prose.
_SYLLABLES = tuple(
    dict.fromkeys(
        "이다의는에하고기사지가한로서도대리자정시수인일어국나아부전상"
        "해보주장여제경성적소동과만구비원스신무치마미내세문조연화선방"
        "관공행생유계우트면학위요중개회물실결발식저영진야초명오거재니"
        "산통강법민체분단각반후양최현운본교심설점르속업음권금표청입합"
        "태감람차형작출복파노피호환안월년건예술특력능역책집석곡령루련"
        "란밀백범병봉빈삼색송숙승악약언엄열염옥완용육윤은을잠잡종준증"
        "직창철총춘충측칭탄탐토판편평품필항향허혁협홍"
    )
)
# A noun ending (or starting) with one of these would read as a particle or an ending.
_NO_FINAL = frozenset("이가는은을의에도로와과만다고서를며면요하보")
_NO_INITIAL = frozenset("는은을를의에")
_NOUN_LENGTHS = ((2, 0.6), (3, 0.35), (4, 0.05))
# Zipf-Mandelbrot: weight 1 / (rank + q) ** s; the offset keeps the commonest noun
# near 2% of all nouns, as in real text, instead of 8%.
_ZIPF_S = 1.1
_ZIPF_Q = 10
_DEFAULT_VOCABULARY = 100_000

# Real nouns, the commonest of the vocabulary, as in real text (and as in questions).
_COMMON_NOUNS = _words(
    "사람 정부 기업 시장 지역 사업 문제 경제 사회 국가 대통령 시간 세계 문화 기술 교육"
    " 정책 결과 영향 시작 발표 관계 산업 서비스 회사 학교 역사 정보 방법 환경 개발 연구"
    " 투자 가격 계획 상황 기간 부분 방송 과정 활동 조사 운영 지원 관리 생산 중국 미국"
    " 일본 서울 한국 북한 선거 의원 위원회 경찰 법원 병원 국민 주민 시민 학생 선수 경기"
    " 영화 음악 작품 대학 도시 마을 회의 행사 제품 자료 기록 변화 발전 성장 증가 감소"
)
_LATIN = _words(
    "AI GPU CPU OECD NASA UN EU IMF WHO FIFA API SNS IT KTX LED DNA OLED SaaS ESG"
    " Python Linux Android iPhone ChatGPT Google Apple Samsung Netflix Tesla YouTube"
)
_ADVERBS = _words("또한 특히 가장 매우 다시 이미 함께 모두 아직 더욱 이후 한편")


class Eojeol(NamedTuple):
    """A space-separated word of the text and what the analyzer makes of it."""

    surface: str
    words: tuple[str, ...]  # its ``word`` terms
    content: str  # its content part, whose bigrams are ``gram`` terms
    joins: bool = False  # nothing follows the content: it joins the next eojeol's


# Predicates ending a sentence on a noun with an object particle, as the analyzer
# reads them (checked with Kiwi 0.24): (surface, word terms, content part) per eojeol.
_VERBS: tuple[tuple[Eojeol, ...], ...] = (
    (Eojeol("만들었다", ("만들다",), "만들"),),
    (Eojeol("열었다", ("열다",), "열"),),
    (Eojeol("밝혔다", ("밝히다",), "밝혔"),),
    (Eojeol("늘었다", ("늘다",), "늘"),),
    (Eojeol("보였다", ("보이다",), "보였"),),
    (Eojeol("받았다", ("받다",), "받"),),
    (Eojeol("높였다", ("높이다",), "높였"),),
    (Eojeol("없다", ("없다",), "없"),),
    (Eojeol("이루어졌다", ("이루어지다",), "이루어졌"),),
    (Eojeol("알려졌다", ("알려지다",), "알려졌"),),
    (Eojeol("남겼다", ("남기다",), "남겼"),),
    (Eojeol("바꾸었다", ("바꾸다",), "바꾸"),),
    (Eojeol("줄었다", ("줄다",), "줄"),),
    (Eojeol("이어졌다", ("이어지다",), "이어졌"),),
    (Eojeol("떨어졌다", ("떨어지다",), "떨어졌"),),
    (Eojeol("것으로", ("것",), "것"), Eojeol("나타났다", ("나타나다",), "나타났")),
    (Eojeol("수", ("수",), "수", joins=True), Eojeol("있다", ("있다",), "있")),
)
# 하다-verbs: noun + suffix; the suffix's first syllable (하/XSV) is content.
_HADA: tuple[tuple[str, str, tuple[Eojeol, ...]], ...] = (
    ("했다", "했", ()),
    ("하였다", "하", ()),
    ("한다", "한", ()),
    ("할", "할", (Eojeol("예정이다", ("예정",), "예정"),)),
    ("하고", "하", (Eojeol("있다", (), ""),)),  # 있 is an auxiliary (VX) here
)
_QUESTION_TEMPLATES = (
    "{a}의 {b}{topic_b} 무엇인가?",
    "{a}{subject_a} {b}{object_b} 만든 곳은 어디인가?",
    "{a}에서 {b}{object_b} 발표한 사람은 누구인가?",
    "{a}{topic_a} 언제 {b}{object_b} 시작했나?",
    "{a}{subject_a} {b}에 미친 영향은?",
)

_HANGUL_RUN = re.compile(r"[가-힣]+")


class Analyzer(Protocol):
    """The part of ``bot.search.analyzer.KoreanAnalyzer`` the generator uses."""

    def analyze_many(self, items: Iterable[tuple[str, str]]) -> Iterator[dict[str, list[str]]]: ...


def _bigrams(piece: str) -> list[str]:
    grams: list[str] = []
    for run in _HANGUL_RUN.findall(piece):
        grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def _analysis(eojeols: Sequence[Eojeol]) -> tuple[list[str], list[str]]:
    """The word and gram terms of a run of eojeols."""
    words = [word for eojeol in eojeols for word in eojeol.words]
    grams: list[str] = []
    piece = ""
    for eojeol in eojeols:
        piece += eojeol.content
        if not eojeol.joins:
            grams.extend(_bigrams(piece))
            piece = ""
    grams.extend(_bigrams(piece))
    return words, grams


def _has_final(word: str) -> bool:
    """Whether the last syllable ends in a consonant (받침), which picks the particle."""
    last = word[-1]
    if "가" <= last <= "힣":
        return (ord(last) - 0xAC00) % 28 != 0
    return False  # Latin and digits: read as ending in a vowel often enough


def _final_is_rieul(word: str) -> bool:
    """ㄹ-final nouns take 로, not 으로."""
    return "가" <= word[-1] <= "힣" and (ord(word[-1]) - 0xAC00) % 28 == 8


def _particle(word: str, with_final: str, without_final: str) -> str:
    return with_final if _has_final(word) else without_final


def _noun(noun: str, particle: str) -> Eojeol:
    if noun in _IS_LATIN:
        return Eojeol(noun + particle, (noun.lower(),), "")
    return Eojeol(noun + particle, (noun,), noun)


_IS_LATIN = frozenset(_LATIN)


@dataclass(frozen=True, slots=True)
class SyntheticPassage:
    id: str
    text: str
    words: tuple[str, ...]  # the analyzer's ``word`` terms, title's included
    grams: tuple[str, ...]  # the analyzer's ``gram`` terms, title's included
    nouns: tuple[str, ...]  # the generated Hangul nouns, for making questions

    def bag(self) -> dict[str, list[str]]:
        return {"word": list(self.words), "gram": list(self.grams)}


@dataclass(frozen=True, slots=True)
class SyntheticQuestion:
    text: str
    passage_id: str  # the passage it was made from


def candidate_nouns(seed: int = 0) -> Iterator[str]:
    """Distinct nouns, endlessly: common real ones, then made-up ones.

    The made-up ones come roughly in order of likelihood (common syllables first).
    """
    yield from _COMMON_NOUNS
    rng = random.Random(f"vocabulary:{seed}")
    syllable_weights = list(accumulate(1 / (rank + 8) for rank in range(len(_SYLLABLES))))
    lengths, length_weights = zip(*_NOUN_LENGTHS, strict=True)
    seen: set[str] = set(_COMMON_NOUNS)
    while True:
        size = rng.choices(lengths, length_weights)[0]
        word = "".join(rng.choices(_SYLLABLES, cum_weights=syllable_weights, k=size))
        if word[-1] in _NO_FINAL or word[0] in _NO_INITIAL or word in seen:
            continue
        seen.add(word)
        yield word


def analyzer_nouns(analyzer: Analyzer, size: int, seed: int = 0, batch: int = 2000) -> list[str]:
    """The first ``size`` candidate nouns that the analyzer reads as one word.

    Kiwi splits most made-up words into real one-syllable morphemes (자, 색, 국);
    keeping only the candidates it reads whole with a particle glued on makes the
    generated terms agree with what the analyzer gives the same text. About a
    third of the candidates pass, at ~60 µs each.
    """
    kept: list[str] = []
    candidates = candidate_nouns(seed)
    while len(kept) < size:
        words = [next(candidates) for _ in range(batch)]
        texts = (word + _particle(word, "을", "를") for word in words)
        bags = analyzer.analyze_many((text, "") for text in texts)
        kept.extend(word for word, bag in zip(words, bags, strict=True) if bag["word"] == [word])
    return kept[:size]


class Generator:
    """Deterministic Korean-like text: the same seed and nouns give the same corpus.

    ``nouns`` is the vocabulary, most frequent first (see ``analyzer_nouns``);
    by default the raw candidates, which the analyzer splits more often.
    """

    def __init__(self, seed: int = 0, nouns: Sequence[str] | None = None) -> None:
        self.seed = seed
        if nouns is None:
            nouns = list(islice(candidate_nouns(seed), _DEFAULT_VOCABULARY))
        self.nouns = list(nouns)
        self._weights = list(
            accumulate(1 / (rank + _ZIPF_Q) ** _ZIPF_S for rank in range(len(self.nouns)))
        )

    def _rng(self, kind: str, index: int) -> random.Random:
        return random.Random(f"{kind}:{self.seed}:{index}")

    def passage_id(self, index: int) -> str:
        """Shaped like real ids: 12 hex digits of article, a dash, 8 of passage."""
        return f"{index // PASSAGES_PER_ARTICLE:012x}-{index:08x}"

    def title(self, article: int) -> str:
        """An article's title: 2-4 nouns, as headlines are."""
        rng = self._rng("title", article)
        return " ".join(rng.choices(self.nouns, cum_weights=self._weights, k=rng.randint(2, 4)))

    def passage(self, index: int) -> SyntheticPassage:
        rng = self._rng("passage", index)
        target = rng.randint(120, 400)
        sentences: list[str] = []
        eojeols: list[Eojeol] = []
        length = 0
        while len(sentences) < 3 and (not sentences or length < target):
            sentence = self._sentence(rng)
            text = " ".join(e.surface for e in sentence) + "."
            if sentences and length + len(text) + 1 > 420:
                break
            sentences.append(text)
            eojeols.extend(sentence)
            length += len(text) + 1
        title = self.title(index // PASSAGES_PER_ARTICLE).split()
        # A title's nouns are separated by single spaces: their content joins.
        title_eojeols = [Eojeol(n, (n,), n, joins=True) for n in title]
        words, grams = _analysis(eojeols)
        title_words, title_grams = _analysis(title_eojeols)
        nouns = tuple(e.content for e in eojeols if e.words == (e.content,) and len(e.content) > 1)
        return SyntheticPassage(
            self.passage_id(index),
            " ".join(sentences),
            (*words, *title_words),
            (*grams, *title_grams),
            nouns,
        )

    def passages(self, count: int, start: int = 0) -> Iterator[SyntheticPassage]:
        for index in range(start, start + count):
            yield self.passage(index)

    def question(self, index: int, corpus_size: int) -> SyntheticQuestion:
        """A question about one passage of a corpus of ``corpus_size``, using two of its nouns.

        The longer (rarer) nouns of the passage are preferred, as a person asking
        about a passage names what is specific to it.
        """
        rng = self._rng("question", index)
        passage = self.passage(rng.randrange(corpus_size))
        distinct = list(dict.fromkeys(passage.nouns))
        if len(distinct) < 2:
            distinct = [*distinct, *rng.sample(self.nouns[:1000], 2)]
        rare_first = sorted(distinct, key=len, reverse=True)[: max(2, len(distinct) // 2)]
        a, b = rng.sample(rare_first, 2)
        text = rng.choice(_QUESTION_TEMPLATES).format(
            a=a,
            b=b,
            topic_a=_particle(a, "은", "는"),
            topic_b=_particle(b, "은", "는"),
            subject_a=_particle(a, "이", "가"),
            object_b=_particle(b, "을", "를"),
        )
        return SyntheticQuestion(text, passage.id)

    def questions(self, count: int, corpus_size: int) -> list[SyntheticQuestion]:
        return [self.question(i, corpus_size) for i in range(count)]

    # -- sentences ----------------------------------------------------------------

    def _sentence(self, rng: random.Random) -> list[Eojeol]:
        eojeols: list[Eojeol] = []
        if rng.random() < 0.2:
            adverb = rng.choice(_ADVERBS)
            eojeols.append(Eojeol(adverb, (adverb,), adverb, joins=True))
        if rng.random() < 0.25:
            eojeols.extend(self._number(rng))
        chosen = rng.choices(self.nouns, cum_weights=self._weights, k=rng.randint(8, 18))
        if rng.random() < 0.15:
            chosen[rng.randrange(len(chosen))] = rng.choice(_LATIN)
        eojeols.append(_noun(chosen[0], _particle(chosen[0], "은", "는")))
        eojeols.extend(_noun(noun, self._particle(rng, noun)) for noun in chosen[1:-1])
        eojeols.extend(self._predicate(rng, chosen[-1]))
        return eojeols

    @staticmethod
    def _particle(rng: random.Random, noun: str) -> str:
        kind = rng.randrange(10)
        if kind == 0:
            return _particle(noun, "이", "가")
        if kind in (1, 2):
            return _particle(noun, "을", "를")
        if kind == 3:
            return "의"
        if kind == 4:
            return "에서"
        if kind == 5:
            return "에"
        if kind == 6:
            return "으로" if _has_final(noun) and not _final_is_rieul(noun) else "로"
        if kind == 7:
            return _particle(noun, "과", "와")
        return rng.choice(("도", "만", "까지", "부터", "보다", "에게"))

    @staticmethod
    def _number(rng: random.Random) -> list[Eojeol]:
        kind = rng.randrange(4)
        amount = str(rng.randint(2, 999))
        if kind == 0:
            year = str(rng.randint(1950, 2025))
            return [Eojeol(f"{year}년", (year, "년", f"{year}년"), f"{year}년", joins=True)]
        if kind == 1:
            return [
                Eojeol(f"{amount}만", (amount, "만"), f"{amount}만", joins=True),
                Eojeol("명이", ("명",), "명"),
            ]
        if kind == 2:
            return [
                Eojeol(f"{amount}억", (amount, "억"), f"{amount}억", joins=True),
                Eojeol("원을", ("원",), "원"),
            ]
        percent = f"{rng.randint(1, 99)}.{rng.randint(1, 9)}"
        return [Eojeol(f"{percent}%", (percent,), "")]

    @staticmethod
    def _predicate(rng: random.Random, noun: str) -> list[Eojeol]:
        if rng.random() < 0.6 and noun not in _IS_LATIN:
            suffix, content, rest = rng.choice(_HADA)
            return [Eojeol(noun + suffix, (noun,), noun + content), *rest]
        return [_noun(noun, _particle(noun, "을", "를")), *rng.choice(_VERBS)]


def _check(sample: int, seed: int, vocabulary: int) -> None:
    """How often the analyzer's terms equal the generator's, on a sample."""
    from bot.search.analyzer import KoreanAnalyzer

    analyzer = KoreanAnalyzer()
    for label, nouns in (
        ("raw candidates", None),
        ("analyzer-checked nouns", analyzer_nouns(analyzer, vocabulary, seed)),
    ):
        generator = Generator(seed, nouns)
        for field in ("word", "gram"):
            same = generated = analyzed = 0
            for index, passage in enumerate(generator.passages(sample)):
                title = generator.title(index // PASSAGES_PER_ARTICLE)
                real = Counter(analyzer.analyze(passage.text, title)[field])
                ours = Counter(passage.bag()[field])
                same += sum((real & ours).values())
                generated += ours.total()
                analyzed += real.total()
            print(
                f"{label}, {sample} passages, {field}: {same / generated:.1%} of the generated"
                f" terms are the analyzer's; {same / analyzed:.1%} of the analyzer's are generated"
            )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show", type=int, default=3, help="print this many passages")
    parser.add_argument("--check", type=int, default=0, help="compare N passages with Kiwi")
    parser.add_argument("--vocabulary", type=int, default=20_000, help="nouns, for --check")
    args = parser.parse_args(argv)
    generator = Generator(args.seed)
    for passage in generator.passages(args.show):
        print(passage.id, passage.text, passage.words, passage.grams, sep="\n", end="\n\n")
    for question in generator.questions(args.show, max(args.show, 1)):
        print(question)
    if args.check:
        _check(args.check, args.seed, args.vocabulary)


if __name__ == "__main__":
    main()
