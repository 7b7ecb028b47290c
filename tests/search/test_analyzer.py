"""What the Korean analyzer promises: a spec in tables."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.search.analyzer import (
    QUESTION_WORDS,
    SPANS,
    KoreanAnalyzer,
    Term,
    passage_terms,
    title_words,
)
from bot.search.engine import Field


@pytest.fixture(scope="module")
def analyzer() -> KoreanAnalyzer:
    return KoreanAnalyzer(workers=2)  # Kiwi loads once for the module


def words(analyzer: KoreanAnalyzer, text: str) -> list[str]:
    return [t.text for t in analyzer.words(text)]


def test_interface() -> None:
    assert isinstance(KoreanAnalyzer.version, str) and KoreanAnalyzer.version
    assert [f.name for f in KoreanAnalyzer.fields] == ["word", "gram"]
    assert all(isinstance(f, Field) and f.weight > 0 for f in KoreanAnalyzer.fields)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("중국은", ["중국"]),
        ("중국이", ["중국"]),
        ("중국의", ["중국"]),
        ("중국에서는", ["중국"]),
        ("딥시크가", ["딥시크"]),
        ("발표했다", ["발표"]),
        ("만들었다", ["만들다"]),  # verbs and adjectives as lemmas
        ("아름다운", ["아름답다"]),
    ],
)
def test_particles_and_endings_are_dropped(analyzer, text, expected) -> None:
    assert words(analyzer, text) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("오픈소스", "오픈 소스"),
        ("인공지능", "인공 지능"),
        ("오픈소스 모델을", "오픈 소스 모델은"),
    ],
)
def test_spacing_variants_share_terms(analyzer, a, b) -> None:
    bag_a, bag_b = analyzer.analyze(a), analyzer.analyze(b)
    assert bag_a["gram"] == bag_b["gram"]  # bigrams join content words across a space
    assert set(bag_a["word"]) & set(bag_b["word"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("오픈소스", {"오픈", "소스", "오픈소스"}),  # adjacent nouns: parts and compound
        ("인권문제", {"인권", "문제", "인권문제"}),
        ("1995년", {"1995", "년", "1995년"}),  # a number with its unit
        ("3명이", {"3", "명", "3명"}),
        # A name written with a space: its parts. (Kiwi's multi-word dictionary also
        # gave the joined name, 마리앙투아네트; it is not loaded, for a 2x faster start,
        # at a cost of .001 top-1 on KorQuAD: see KoreanAnalyzer._kiwi.)
        ("마리 앙투아네트의", {"마리", "앙투아네트"}),
    ],
)
def test_compounds_units_and_names(analyzer, text, expected) -> None:
    assert set(words(analyzer, text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DeepSeek", ["deepseek"]),
        ("deepseek", ["deepseek"]),
        ("DEEPSEEK", ["deepseek"]),
        ("GPT-4", ["gpt-4", "gpt", "4"]),
        ("gpt-4o", ["gpt-4o", "gpt", "4o"]),
        ("GPT4", ["gpt4", "gpt", "4"]),
        ("o1", ["o1"]),
        ("V3", ["v3"]),
        ("DeepSeek-V3", ["deepseek-v3", "deepseek", "v3"]),
        ("ＧＰＴ", ["gpt"]),  # full-width Latin
        ("GPT-4는", ["gpt-4", "gpt", "4"]),
        ("오픈AI가", ["오픈", "ai"]),
    ],
)
def test_latin_words(analyzer, text, expected) -> None:
    assert words(analyzer, text) == expected


def test_case_does_not_matter(analyzer) -> None:
    bags = [analyzer.analyze(f"{name}의 새 모델") for name in ("DeepSeek", "deepseek", "DEEPSEEK")]
    assert bags[0] == bags[1] == bags[2]


@pytest.mark.parametrize(
    "text",
    [
        "중국은 2024년 DeepSeek-V3를 공개했다.",
        "GPT-4와 o1, 딥시크(DeepSeek) R1의 차이는?",
        "😀 이모지 뒤의 단어와 𝐁𝐨𝐥𝐝 글자",
        "<p>태그 안의&nbsp;텍스트</p>",
        "제어\x00문자\u200b와 줄\n바꿈",
        "마리 앙투아네트의 어머니는 마리아 테레지아이다.",
    ],
)
def test_spans_point_at_the_words(analyzer, text) -> None:
    terms = analyzer.words(text)
    assert terms
    for term in terms:
        assert 0 <= term.start < term.end <= len(text)
        surface = text[term.start : term.end]
        if term.text.endswith("다") and not surface.endswith("다"):
            continue  # a lemma: its span covers the stem as written (만든 → 만들다)
        assert surface.lower().replace(" ", "").translate(_FULLWIDTH) == term.text


_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}


def test_span_of_a_noun_after_emoji(analyzer) -> None:
    text = "🎉🎉 중국은"
    [term] = analyzer.words(text)
    assert term == Term("중국", 3, 5)


@pytest.mark.parametrize(
    ("question", "dropped"),
    [
        ("딥시크는 언제 설립되었나?", "언제"),
        ("GPT-4를 만든 회사는 어디인가?", "어디"),
        ("딥시크를 세운 사람은 누구인가?", "누구"),
        ("딥시크가 공개한 모델은 무엇인가?", "무엇"),
        ("직원은 몇 명인가?", "몇"),
        ("투자 금액은 얼마인가?", "얼마"),
        ("어떤 모델이 공개되었나?", "어떤"),
        ("무슨 모델이 공개되었나?", "무슨"),
        ("왜 주가가 떨어졌나?", "왜"),
    ],
)
def test_question_words_are_dropped(analyzer, question, dropped) -> None:
    bag = analyzer.analyze_query(question)
    assert dropped not in bag["word"]
    assert bag["word"]  # the content is still there
    assert not any(gram in dropped for gram in bag["gram"])


@pytest.mark.parametrize(
    ("question", "dropped"),
    [
        ("딥시크 창업자의 이름은?", "이름"),
        ("딥시크가 설립된 곳은?", "곳"),
        ("창업 당시 직원 수는?", "당시"),
    ],
)
def test_generic_question_nouns_are_dropped_from_words(analyzer, question, dropped) -> None:
    bag = analyzer.analyze_query(question)
    assert dropped not in bag["word"] and bag["word"]
    assert dropped in analyzer.analyze(question)["word"]  # passages keep them


def test_question_words_list() -> None:
    assert {"무엇", "누구", "언제", "어디", "몇", "얼마", "어떤", "왜", "무슨"} <= QUESTION_WORDS


@pytest.mark.parametrize(
    ("question", "passage"),
    [
        ("딥시크의 창업자는 누구인가?", "딥시크의 창업자는 량원펑이다."),
        ("GPT-4는 언제 공개되었나?", "오픈AI는 2023년 3월 GPT-4를 공개했다."),
        ("오픈소스 모델은 무엇인가?", "딥시크는 오픈소스 모델 R1을 내놓았다."),
        ("1995년에 확대된 제도는?", "1995년 지방 자치 제도가 확대되었다."),
    ],
)
def test_query_words_are_found_in_passages(analyzer, question, passage) -> None:
    passage_words = {t.text for t in analyzer.words(passage)}
    assert set(analyzer.analyze_query(question)["word"]) <= passage_words


def test_title_is_indexed_with_the_passage(analyzer) -> None:
    bag = analyzer.analyze("창업자는 량원펑이다.", title="딥시크")
    assert "딥시크" in bag["word"] and "딥시" in bag["gram"]
    assert "딥시크" not in analyzer.analyze("창업자는 량원펑이다.")["word"]


def test_the_title_words_of_a_passage_bag_are_the_titles_alone(analyzer) -> None:
    bag = analyzer.analyze("중국은 창업자를 소개했다.", title="딥시크 창업자")
    assert title_words(bag) == {"딥시크", "창업자"}
    assert "중국" in {t.text for t in passage_terms(bag)}
    assert title_words(analyzer.analyze("중국은 창업자를 소개했다.")) == frozenset()


ODD_INPUTS = [
    "",
    " ",
    "\n\t\r",
    "😀🎉👍🏽",
    "<div class='a'><b>굵게</b></div>",
    "\x00\x01\x02\x7f\x9f",
    "\u200b\u200d\ufeff",
    "\ud800 lone surrogate \udfff",
    "DeepSeek / 딥시크 / ディープシーク / 深度求索 / Дипсик",
    "ㅋㅋㅋㅋ ㅎㅎ ㅠㅠ",
    "https://example.com/a?b=1 test@mail.com #해시태그 @멘션 2024-01-05",
    "가" * 5000,
    "딥시크 모델 " * 700,
    "!!!???...,,,",
    "\uffff\ufffe",
]


@pytest.mark.parametrize("text", ODD_INPUTS, ids=range(len(ODD_INPUTS)))
def test_odd_inputs_do_not_raise(analyzer, text) -> None:
    passage = analyzer.analyze(text, title=text)
    assert set(passage) == {"word", "gram", SPANS}
    assert all(isinstance(o, int) and 0 <= o <= len(text) for o in passage[SPANS])
    for bag in ({"word": passage["word"], "gram": passage["gram"]}, analyzer.analyze_query(text)):
        assert set(bag) == {"word", "gram"}
        assert all(isinstance(t, str) and t.strip() for terms in bag.values() for t in terms)
    for term in analyzer.words(text):
        assert 0 <= term.start < term.end <= len(text)


@pytest.mark.parametrize("text", ["", " ", "😀", "\x00", "!!!"])
def test_nothing_to_index_gives_empty_bags(analyzer, text) -> None:
    assert analyzer.analyze(text) == {"word": [], "gram": [], SPANS: []}
    assert analyzer.analyze_query(text) == {"word": [], "gram": []}


def test_a_passage_bag_keeps_where_its_words_stand(analyzer) -> None:
    text = "중국은 DeepSeek-V3를 공개했다. 오픈 소스 모델이다."
    terms = passage_terms(analyzer.analyze(text, title="딥시크"))
    assert [(t.text, t.start, t.end) for t in terms] == [
        (t.text, t.start, t.end) for t in analyzer.words(text)
    ]
    assert {text[t.start : t.end] for t in terms} >= {"중국", "DeepSeek", "공개"}


def test_question_words_come_with_their_kind(analyzer) -> None:
    words = {
        t.text: t.kind for t in analyzer.query_analysis("GPT-4는 2023년에 토큰을 몇 개 썼나").words
    }
    assert words["gpt-4"] == "name" and words["토큰"] == "name"
    assert words["2023"] == "number" and words["2023년"] == "number"
    assert words["쓰다"] == "light"
    assert "몇" not in words


def test_analyze_many_equals_analyze(analyzer) -> None:
    items = [
        ("중국은 2024년 DeepSeek-V3를 공개했다.", "딥시크"),
        ("", "제목만 있는 글"),
        ("본문만 있는 글", ""),
        ("", ""),
        ("😀\x00", "<b>HTML</b>"),
        ("마리 앙투아네트의 어머니는 마리아 테레지아이다. " * 20, "마리 앙투아네트"),
    ] * 3
    assert list(analyzer.analyze_many(items)) == [analyzer.analyze(t, title) for t, title in items]
    assert list(analyzer.analyze_many([])) == []


def test_thread_safe(analyzer) -> None:
    texts = [f"{i}번째 질문: 딥시크는 언제 DeepSeek-V{i}를 공개했나?" for i in range(40)]
    expected = [analyzer.analyze_query(t) for t in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(analyzer.analyze_query, texts)) == expected


def test_kiwi_loads_lazily() -> None:
    fresh = KoreanAnalyzer()
    assert fresh._kiwi_instance is None
    assert fresh.analyze("")["word"] == []  # nothing to tokenize: still not loaded
    assert fresh._kiwi_instance is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("딥시크모델공짜로돌릴수있어?", "딥시크 모델 공짜로 돌릴 수 있어?"),
        ("DeepSeek이 중국의모델학습비용을줄였나", "DeepSeek이 중국의 모델 학습 비용을 줄였나"),
        # Spaced questions and words people write whole are left as written.
        ("딥시크 모델 공짜로 돌릴 수 있어?", "딥시크 모델 공짜로 돌릴 수 있어?"),
        ("세계경제포럼 연례 회의", "세계경제포럼 연례 회의"),
        ("DeepSeek-V3-Base-instruct", "DeepSeek-V3-Base-instruct"),  # no Hangul
    ],
)
def test_words_typed_together_are_spaced_for_the_model(analyzer, text, expected) -> None:
    assert analyzer.respaced(text) == expected


def test_spacing_for_the_model_survives_characters_kiwi_cannot_take(analyzer) -> None:
    spaced = analyzer.respaced("딥시크모델공짜로돌릴수있어\udcff")  # a lone surrogate
    assert spaced.startswith("딥시크 모델 공짜로 돌릴 수 있어") and "\udcff" not in spaced
