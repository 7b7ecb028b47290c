"""Misspelt and mis-spaced question words are corrected against the corpus' words."""

from __future__ import annotations

from collections.abc import Iterable

from bot.search import Term
from bot.search.typos import (
    corrections,
    glued,
    jamo_neighbours,
    loanword_forms,
    rejoined,
    spaced,
)

CORPUS = {
    "비용": 5,
    "증명": 2,
    "스타게이트": 4,
    "차이": 3,
    "주다": 9,
    "오픈소스": 6,
    "도요타": 2,
    "비": 7,
    "딥시크": 8,
    "식": 0,
}


ASKED: list[set[str]] = []


def frequency(words: Iterable[str]) -> dict[str, int]:
    ASKED.append(set(words))
    return {word: CORPUS.get(word, 0) for word in ASKED[-1]}


def terms(*words: str) -> list[Term]:
    found, position = [], 0
    for word in words:
        found.append(Term(word, position, position + len(word)))
        position += len(word) + 1
    return found


def test_neighbours_change_exactly_one_jamo():
    neighbours = set(jamo_neighbours("비융"))
    assert {"비용", "미융", "비웅", "비유"} <= neighbours  # vowel, initial, final dropped
    assert "비융" not in neighbours and "보용" not in neighbours  # two jamo changed

    def initials(word: str) -> list[int]:
        return [(ord(c) - 0xAC00) // (21 * 28) for c in word]

    kept = set(jamo_neighbours("비융", initials=False))
    alike = {"피융", "삐융"}  # ㅂ aspirated, tensed
    assert kept == {n for n in neighbours if initials(n) == initials("비융")} | alike
    assert "비용" in kept and "미융" not in kept


def test_a_word_one_jamo_away_from_a_corpus_word_is_corrected():
    assert dict(corrections(terms("비융", "얼마"), frequency)) == {"비융": "비용"}
    assert dict(corrections(terms("스타게이뜨"), frequency)) == {"스타게이뜨": "스타게이트"}
    assert dict(corrections(terms("오픈소쓰"), frequency)) == {"오픈소쓰": "오픈소스"}
    # In three syllables or more, any initial (ㄹ for ㄱ), not only one that sounds alike.
    assert dict(corrections(terms("스타레이트"), frequency)) == {"스타레이트": "스타게이트"}


def test_two_syllables_with_an_initial_that_sounds_alike_are_corrected():
    # Plain, aspirated and tense initials are written for one another (토근 for 토큰);
    # another initial altogether is another word (나이 is not a typo of 차이).
    counts = {"토큰": 3, "차이": 3, "게임": 2, "모델": 4}

    def known(words: Iterable[str]) -> dict[str, int]:
        return {word: counts.get(word, 0) for word in words}

    assert dict(corrections(terms("토근"), known)) == {"토근": "토큰"}  # ㅋ written ㄱ
    assert dict(corrections(terms("께임"), known)) == {"께임": "게임"}  # ㄱ written ㄲ
    assert list(corrections(terms("나이"), known)) == []  # ㄴ and ㅊ: unalike
    assert list(corrections(terms("꼬델"), known)) == []  # ㄲ and ㅁ: unalike


def test_a_name_the_analyzer_left_its_particle_on_is_found_without_it():
    # 랑 (spoken Korean's 와) stays on a name Kiwi doesn't know.
    assert dict(corrections(terms("스타게이트랑"), frequency)) == {"스타게이트랑": "스타게이트"}
    assert dict(corrections(terms("토요타랑", "테슬라"), frequency)) == {"토요타랑": "도요타"}
    assert dict(corrections(terms("오픈소스에서"), frequency)) == {"오픈소스에서": "오픈소스"}
    assert dict(corrections(terms("차이랑"), frequency)) == {"차이랑": "차이"}
    assert list(corrections(terms("비랑"), frequency)) == []  # 비: one syllable is left
    assert list(corrections(terms("김치찌개랑"), frequency)) == []  # nothing near it


def test_a_word_ending_like_a_particle_keeps_its_last_syllable():
    # Everyday nouns end in 이, 도, 만: a 해상도 the corpus lacks is not its 해상.
    counts = {"해상": 4, "고양": 5, "고양이": 3, "경기": 6, "첫사랑": 2, "첫사": 9}

    def known(words: Iterable[str]) -> dict[str, int]:
        return {word: counts.get(word, 0) for word in words}

    assert list(corrections(terms("해상도"), known)) == []
    assert list(corrections(terms("경기도"), known)) == []
    assert dict(corrections(terms("고얌이"), known)) == {"고얌이": "고양이"}  # not 고양
    # A misspelt corpus word ending in 랑 is that word, before any particle is taken off.
    assert dict(corrections(terms("첫서랑"), known)) == {"첫서랑": "첫사랑"}  # not 첫사


def test_a_loanwords_final_consonant_is_tried_spelt_out():
    assert set(loanword_forms("딥식")) == {"디프식", "딥시크"}  # each final in turn
    assert set(loanword_forms("스타게잇")) == {"스타게이스", "스타게이트"}
    assert list(loanword_forms("오픈소스")) == []  # no final to spell out
    assert dict(corrections(terms("스타게잇"), frequency)) == {"스타게잇": "스타게이트"}


def test_syllables_the_analyzer_cut_an_unknown_word_into_are_read_as_that_word():
    # 딥식 (a casual 딥시크) comes from the analyzer as 딥 and 식, written together.
    cut = [Term("딥", 0, 1), Term("식", 1, 2), Term("비용", 3, 5)]
    [(word, correction)] = glued(cut, frequency)
    assert (word.text, word.start, word.end, correction) == ("딥식", 0, 2, "딥시크")
    # Wherever it is written, and when the analyzer also joined it with the next word.
    twice = [Term("딥", 0, 1), Term("식", 1, 2), Term("딥", 3, 4), Term("식", 4, 5)]
    assert [(w.start, c) for w, c in glued(twice, frequency)] == [(0, "딥시크"), (3, "딥시크")]
    joined = [Term("딥", 0, 1), Term("딥식비용", 0, 4), Term("식", 1, 2), Term("비용", 2, 4)]
    assert [(w.text, c) for w, c in glued(joined, frequency)] == [("딥식", "딥시크")]
    # A word the analyzer gave whole as well is a word already (corrected as one).
    assert glued([Term("증", 0, 1), Term("증멍", 0, 2), Term("멍", 1, 2)], frequency) == []
    # Apart, or in words the corpus has, they stay as they are.
    assert glued([Term("딥", 0, 1), Term("식", 2, 3)], frequency) == []
    assert glued([Term("비", 0, 1), Term("용", 1, 2)], lambda ws: dict.fromkeys(ws, 1)) == []


def test_a_casual_spelling_of_a_name_finds_its_passage(service):
    answer = service.ask("딥식 파라미터 수")
    assert answer.answered
    assert "6,710억 개의" in answer.hits[0].passage.text


def test_a_word_split_by_a_space_is_joined():
    assert dict(corrections(terms("스타", "게이트"), frequency)) == {
        "스타": "스타게이트",
        "게이트": "스타게이트",
    }


def test_words_the_corpus_has_and_guesses_too_wild_are_left_alone():
    assert list(corrections(terms("비용"), frequency)) == []  # already in the corpus
    assert list(corrections(terms("나이"), frequency)) == []  # 차이: another initial
    assert list(corrections(terms("주가"), frequency)) == []  # 주다: a predicate's lemma
    assert list(corrections(terms("증"), frequency)) == []  # one syllable
    assert list(corrections(terms("deepseek"), frequency)) == []


def test_frequencies_are_asked_in_at_most_three_batches():
    ASKED.clear()
    words = terms("스타", "게이뜨", "오픈소쓰", "비융", "증멍", "알수없는말이다")
    found = dict(corrections(words, frequency))
    assert found["오픈소쓰"] == "오픈소스" and found["비융"] == "비용"
    # The question's words, the pairs joined, every neighbour: not one request per word.
    assert len(ASKED) == 3
    assert sum(map(len, ASKED)) > 300


def test_a_misspelt_question_finds_its_passage_and_highlights_the_corpus_word(service):
    answer = service.ask("딥시크 훈련 비융 얼마")
    assert answer.answered
    first = answer.hits[0]
    assert "558만 달러에 불과한" in first.passage.text
    highlighted = {first.excerpt.text[a:b] for a, b in first.excerpt.highlights}
    assert "비용" in highlighted


def test_a_long_question_of_unknown_words_costs_a_bounded_number_of_look_ups():
    looked_up: list[str] = []

    def counting(word: str) -> int:
        looked_up.append(word)
        return frequency(word)

    many = [f"{chr(0xAC00 + 588 * i)}{chr(0xAC00 + 28 * i)}식" for i in range(1, 15)]
    list(corrections(terms(*many), counting))
    per_word = len(list(jamo_neighbours(many[0])))
    assert len(looked_up) <= len(many) * 2 + 4 * per_word  # own checks, pairs, 4 guesses


# Words of a corpus for questions typed without spaces.
SPACED_CORPUS = {"찰스": 3, "오펜하이머": 2, "딥시크": 9, "모델": 8, "출시": 4, "일": 6}
SPACED_CORPUS |= {"deepseek": 5, "v3": 4, "3": 7, "가격": 2, "오픈소스": 6, "오픈": 5}


def spaced_frequency(words: Iterable[str]) -> dict[str, int]:
    return {word: SPACED_CORPUS.get(word, 0) for word in words}


def texts(found: list[Term]) -> list[tuple[str, int, int]]:
    return sorted((t.text, t.start, t.end) for t in found)


def test_a_word_the_corpus_lacks_is_read_as_the_corpus_words_it_runs_together():
    text = "찰스오펜하이머와쓴글"
    asked = [Term("찰스오펜하이머", 0, 7), Term("쓰다", 8, 9, "light"), Term("글", 9, 10)]
    assert texts(spaced(text, asked, spaced_frequency)) == [
        ("글", 9, 10),
        ("쓰다", 8, 9),
        ("오펜하이머", 2, 7),
        ("찰스", 0, 2),
    ]
    # The analyzer's unknown piece of it (deepseekv) goes with it; a known one stays.
    latin = [Term("deepseekv", 0, 9), Term("3", 9, 10), Term("deepseekv3", 0, 10)]
    latin.append(Term("파라미터", 11, 15))
    assert texts(spaced("deepseekv3의파라미터는", latin, spaced_frequency)) == [
        ("3", 9, 10),
        ("deepseek", 0, 8),
        ("v3", 8, 10),
        ("파라미터", 11, 15),
    ]


def test_a_word_written_on_its_own_is_taken_as_a_name_not_split():
    alone = [Term("찰스오펜하이머", 0, 7), Term("쓰다", 9, 10, "light"), Term("글", 11, 12)]
    assert spaced("찰스오펜하이머와 쓴 글", alone, spaced_frequency) == alone


def test_a_word_repeated_is_split_wherever_it_stands():
    text = "찰스오펜하이머와찰스오펜하이머"
    twice = [Term("찰스오펜하이머", 0, 7), Term("찰스오펜하이머", 8, 15)]
    assert texts(spaced(text, twice, spaced_frequency)) == [
        ("오펜하이머", 2, 7),
        ("오펜하이머", 10, 15),
        ("찰스", 0, 2),
        ("찰스", 8, 10),
    ]


def test_nouns_the_analyzer_joined_go_when_the_corpus_lacks_the_whole():
    text = "딥시크모델공짜로"
    joined = [
        Term("딥시크", 0, 3),
        Term("모델", 3, 5),
        Term("공짜", 5, 7),
        Term("딥시크모델공짜", 0, 7),
    ]
    assert [t.text for t in spaced(text, joined, spaced_frequency)] == ["딥시크", "모델", "공짜"]


def test_what_is_not_only_corpus_words_of_two_syllables_or_more_stays_as_it_is():
    one_syllable = [Term("출시", 0, 2), Term("일", 2, 3), Term("출시일", 0, 3)]
    assert spaced("출시일은", one_syllable, spaced_frequency) == one_syllable  # not 출시 + 일
    unknown_name = [Term("비트코인가격", 0, 6), Term("전망", 6, 8)]
    assert spaced("비트코인가격전망", unknown_name, spaced_frequency) == unknown_name
    known = [Term("오픈", 0, 2), Term("소스", 2, 4), Term("오픈소스", 0, 4)]
    assert spaced("오픈소스", known, spaced_frequency) == known
    corrected = [Term("딥시", 0, 2), Term("크모", 2, 4), Term("딥시크모", 0, 4)]
    assert spaced("딥시크모", corrected, spaced_frequency, keep={"딥시크모"}) == corrected


def test_a_question_typed_without_spaces_is_answered_as_if_spaced(service):
    with_spaces = service.ask("찰스 오펜하이머와 쓴 글")
    without = service.ask("찰스오펜하이머와쓴글")
    assert with_spaces.answered and without.answered
    assert without.hits[0].passage.id == with_spaces.hits[0].passage.id
    highlighted = {without.hits[0].excerpt.text[a:b] for a, b in without.hits[0].excerpt.highlights}
    assert {"찰스", "오펜하이머"} <= highlighted


JOINABLE = {"출시": 3, "연구": 4, "연구소": 2, "모델": 9, "오픈소스": 6, "이점": 2, "잘못": 3}


def joinable(words: Iterable[str]) -> dict[str, int]:
    return {word: JOINABLE.get(word, 0) for word in words}


def test_a_word_split_beside_one_syllable_is_joined_into_the_corpus_word():
    split = [Term("딥시크", 0, 3), Term("출", 4, 5), Term("시", 6, 7), Term("타이밍", 8, 11)]
    assert rejoined("딥시크 출 시 타이밍", split, joinable) == [(Term("출시", 4, 7), "출시")]
    # The second word as far as it goes (연구소, not 연구), inside brackets too.
    text = "중국 (연 구소)"
    split = [Term("중국", 0, 2), Term("연", 4, 5), Term("구", 6, 7), Term("소", 7, 8)]
    assert rejoined(text, split, joinable) == [(Term("연구소", 4, 8), "연구소")]
    # The model reads the words joined with their particle; the corpus word is without.
    split = [Term("모", 0, 1), Term("델", 2, 3), Term("언제", 5, 7)]
    assert rejoined("모 델은 언제", split, joinable) == [(Term("모델은", 0, 4), "모델")]


def test_a_syllable_that_is_a_word_when_written_alone_is_left_apart():
    # 이점 (advantage) and 잘못 (mistake) are corpus words, but not what was asked.
    split = [Term("딥시크", 0, 3), Term("이", 5, 6), Term("점", 7, 8)]
    assert rejoined("딥시크의 이 점은", split, joinable) == []
    split = [Term("한국어", 0, 3), Term("잘", 5, 6), Term("못", 7, 8), Term("하다", 9, 10)]
    assert rejoined("한국어를 잘 못 해?", split, joinable) == []


def test_two_words_of_two_syllables_or_more_are_left_apart():
    # The analyzer has 오픈 소스 as well as 오픈소스; a space between longer words is a
    # space people type.
    assert rejoined("오픈 소스", [Term("오픈", 0, 2), Term("소스", 3, 5)], joinable) == []


def test_a_question_with_a_space_inside_a_word_is_answered_as_the_whole_one(service):
    whole = service.ask("토요타랑 테슬라 얘기")
    split = service.ask("토요타랑 테 슬라 얘기")  # 테 and 슬다 (a verb), each a word
    assert whole.answered and split.answered
    assert split.hits[0].passage.id == whole.hits[0].passage.id
    assert service.index.query("딥시크 출 시 타이밍은?").for_model == "딥시크 출시 타이밍은?"


def test_a_synonym_inside_words_typed_together_still_counts(service):
    # 공짜 is the corpus' 무료 (corpus/synonyms.txt); typed inside a run, it is found in
    # the question as spaced for the model, so it doesn't weigh as a word no article has.
    query = service.index.query("딥시크모델공짜로돌릴수있어?")
    assert query.for_model == "딥시크 모델 공짜로 돌릴 수 있어?"
    assert "무료" in query.forms("공짜")
    assert service.ask("딥시크모델공짜로돌릴수있어?").answered


def test_a_long_question_of_runs_costs_a_bounded_number_of_look_ups():
    asked: list[set[str]] = []

    def counting(words: Iterable[str]) -> dict[str, int]:
        asked.append(set(words))
        return spaced_frequency(asked[-1])

    # Twenty unknown 16-character runs, written together: only four are tried.
    syllables = ["".join(chr(0xAC00 + 28 * (16 * i + j)) for j in range(16)) for i in range(20)]
    runs = [Term(word, 16 * i, 16 * (i + 1)) for i, word in enumerate(syllables)]
    text = "".join(t.text for t in runs)
    assert spaced(text, runs, counting) == runs
    assert len(asked) == 2  # the question's words, then the pieces of four runs
    assert len(asked[1]) == 4 * sum(17 - n for n in range(2, 16))  # each piece of 2-15


def test_a_long_question_of_glued_syllables_costs_a_bounded_number_of_look_ups():
    ASKED.clear()
    # 200 runs of two unknown syllables each (a hostile or garbled question).
    cut = [Term(chr(0xAC00 + i), i + i // 2, i + i // 2 + 1) for i in range(400)]
    glued(cut, frequency)
    assert len(ASKED) == 2  # the syllables and runs, then the neighbours of a few
    neighbours = len(list(jamo_neighbours("가나", initials=False))) + 2
    assert len(ASKED[1]) <= 4 * neighbours
