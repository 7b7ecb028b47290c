"""Follow-ups: an elliptical question is read with the one before, its own topic wins."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from bot import AnswerService, AnswerStatus
from bot.answers import (
    Answer,
    QuestionWeights,
    Turn,
    content_words,
    follow_up,
    is_follow_up,
)
from bot.answers.followup import ANSWERED_BOOST, EARLIER_WEIGHT, NEIGHBOUR_BOOST
from bot.terminal import answer_to_json, render_answer
from bot.texts import ENGLISH, KOREAN, followup_line

US_LEAD = "2003년에서 2007년 사이 미국은 몇 개 기술에서 선두였어?"
CHINA_52 = "중국은 64개 기술 중 52개"
COST = "DeepSeek v3 훈련 비용은 얼마였어?"


@pytest.fixture(scope="module")
def us_turn(service: AnswerService) -> Turn:
    turn = Turn.of(service.ask(US_LEAD))
    assert turn is not None and turn.question == US_LEAD
    return turn


# -- elliptical or its own topic ---------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    ["중국은?", "그럼 미국은?", "언제?", "왜?", "그건 얼마야?", "GPT-4는?", "그 목표는?"],
)
def test_questions_with_at_most_one_word_of_their_own_follow_up(
    service: AnswerService, question: str
) -> None:
    assert is_follow_up(service.query(question))


@pytest.mark.parametrize(
    "question",
    ["그럼 GPT-4 훈련 비용은?", "미국 자동차 업계는 어떤 압력을 받았어?", "WEF 일자리 보고서는?"],
)
def test_a_question_with_its_own_topic_is_no_follow_up(
    service: AnswerService, question: str
) -> None:
    assert not is_follow_up(service.query(question))


def test_chatter_without_words_or_a_question_is_no_follow_up(service: AnswerService) -> None:
    assert not is_follow_up(service.query("고마워"))
    assert is_follow_up(service.query("고마워?"))  # it asks something


@pytest.mark.parametrize(
    ("question", "follows"),
    [
        ("그건 언제야?", True),  # no word of its own
        ("중국은?", True),  # just a topic and a particle
        ("그럼 일본은 어때?", True),  # leans on the earlier question
        ("그 보고서는 누가 썼어?", True),  # points back
        ("R1은 언제 나왔어?", False),  # a new question about one thing
        ("스타게이트", False),  # a keyword search
    ],
)
def test_a_plain_next_message_follows_up_only_when_it_looks_elliptical(
    service: AnswerService, question: str, follows: bool
) -> None:
    query = service.query(question)
    assert is_follow_up(query, explicit=False) is follows
    assert is_follow_up(query)  # as a reply, each of them would


def test_the_parts_of_a_compound_are_one_content_word(service: AnswerService) -> None:
    assert content_words(service.query("GPT-4는?")) == {"gpt-4"}
    assert content_words(service.query("오픈소스는?")) == {"오픈소스"}
    assert content_words(service.query("그건 얼마야?")) == set()


# -- how the two questions are combined --------------------------------------------------


def test_the_earlier_words_are_searched_at_a_lower_weight(
    service: AnswerService, us_turn: Turn
) -> None:
    plan = follow_up(service.query("중국은?"), us_turn, service.index)
    assert plan is not None and plan.earlier == US_LEAD
    words = Counter(plan.query.bag["word"])
    assert words["중국"] == round(1 / EARLIER_WEIGHT) and words["미국"] == words["기술"] == 1
    assert plan.query.scale == {w: EARLIER_WEIGHT for w in service.query(US_LEAD).words}
    weights = QuestionWeights(plan.query, service.index.document_frequency, service.index.size)
    alone = QuestionWeights(
        service.query(US_LEAD), service.index.document_frequency, service.index.size
    )
    assert weights.weights["미국"] == pytest.approx(alone.weights["미국"] * EARLIER_WEIGHT)


def test_pointers_are_not_searched(service: AnswerService, us_turn: Turn) -> None:
    plan = follow_up(service.query("그건 언제야?"), us_turn, service.index)
    assert plan is not None and "그거" not in plan.query.bag["word"]
    assert plan.own == set()


def test_the_earlier_passages_and_their_neighbours_rank_higher(
    service: AnswerService, us_turn: Turn
) -> None:
    plan = follow_up(service.query("중국은?"), us_turn, service.index)
    assert plan is not None
    answered = service.index.passage(us_turn.passage_ids[0])
    assert answered is not None
    before, after = service.index.neighbours(answered)
    assert plan.boost(answered.id) == 1 + ANSWERED_BOOST
    assert {plan.boost(p.id) for p in (before, after) if p} == {1 + NEIGHBOUR_BOOST}
    far = service.index.article_passages(answered.article_id)[0]
    assert plan.boost(far.id) == 1.0


def test_a_follow_up_is_answered_with_the_passage_the_earlier_answer_leads_to(
    service: AnswerService, us_turn: Turn
) -> None:
    alone = service.ask("중국은?")
    followed = service.ask("중국은?", context=us_turn)

    assert CHINA_52 not in alone.hits[0].passage.text  # what the bot did before
    assert CHINA_52 in followed.hits[0].passage.text
    assert followed.question == "중국은?" and followed.followup_of == US_LEAD
    assert alone.followup_of is None


def test_a_question_without_words_is_answered_from_its_context(
    service: AnswerService, us_turn: Turn
) -> None:
    assert service.ask("언제?").status is AnswerStatus.NO_WORDS
    answer = service.ask("언제?", context=us_turn)
    assert answer.answered and answer.followup_of == US_LEAD


def test_every_passage_of_a_follow_up_holds_its_own_word(
    service: AnswerService, us_turn: Turn
) -> None:
    plan = follow_up(service.query("중국은?"), us_turn, service.index)
    assert plan is not None
    assert plan.keeps({"중국", "기술"}) and not plan.keeps({"미국", "기술", "선두"})
    answer = service.ask("중국은?", context=us_turn)
    assert answer.hits and all("중국" in hit.passage.text for hit in answer.hits)


def test_the_quoted_sentences_say_what_the_follow_up_asks(service: AnswerService) -> None:
    cost = Turn.of(service.ask(COST))
    assert cost is not None
    answer = service.ask("중국은?", context=cost)
    assert answer.followup_of == COST and answer.hits
    assert all("중국" in hit.excerpt.text for hit in answer.hits)


def test_a_follow_up_nothing_answers_with_its_context_is_answered_alone(
    service: AnswerService, us_turn: Turn
) -> None:
    answer = service.ask("날씨는?", context=us_turn)
    assert answer.status is AnswerStatus.NOT_FOUND and answer.followup_of is None


def test_a_follow_up_left_with_passages_that_only_resemble_it_is_answered_alone(
    service: AnswerService, us_turn: Turn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the relevance decision makes a question answered: if the follow-up's filter
    keeps none of the passages that passed it, closeness alone never answers."""
    original = service._rank

    def only_close_ones_hold_the_word(state, query, k, kind=None, **options):  # type: ignore[no-untyped-def]
        ranked = original(state, query, k, kind, **options)
        return [dataclasses.replace(c, relevant="중국" not in c.hit.passage.text) for c in ranked]

    monkeypatch.setattr(service, "_rank", only_close_ones_hold_the_word)
    answer = service.ask("중국은?", context=us_turn)
    assert answer.followup_of is None  # answered as if alone


def test_a_question_with_its_own_topic_is_answered_as_if_alone(
    service: AnswerService, us_turn: Turn
) -> None:
    question = "DeepSeek v3 훈련 비용은?"
    alone, followed = service.ask(question), service.ask(question, context=us_turn)
    assert followed.followup_of is None
    assert [h.passage.id for h in followed.hits] == [h.passage.id for h in alone.hits]


def test_paging_a_follow_up_keeps_its_context(service: AnswerService) -> None:
    turn = Turn.of(service.ask(COST))
    first = service.ask("GPT-4는?", context=turn, top=1)
    second = service.ask("GPT-4는?", context=turn, top=1, offset=1)
    assert first.has_more and second.offset == 1
    assert second.followup_of == COST
    assert second.hits[0].passage.id != first.hits[0].passage.id


def test_a_turn_of_a_follow_up_keeps_the_earlier_topic(
    service: AnswerService, us_turn: Turn
) -> None:
    followed = service.ask("중국은?", context=us_turn)
    turn = Turn.of(followed)
    assert turn == Turn(US_LEAD, tuple(h.passage.id for h in followed.hits))
    assert Turn.of(service.ask("오늘 서울 날씨 어때?")) is None


# -- saying which question it was taken as -----------------------------------------------


def test_the_follow_up_line_names_both_questions_shortened() -> None:
    answer = Answer("중국은?", AnswerStatus.ANSWERED, followup_of=US_LEAD)
    assert followup_line(answer, KOREAN) == f"이어서: {US_LEAD} → 중국은?"
    assert followup_line(answer, ENGLISH) == f"Following up: {US_LEAD} → 중국은?"
    long = Answer("중국은?", AnswerStatus.ANSWERED, followup_of="미국의 " * 30)
    line = followup_line(long, KOREAN)
    assert line.startswith("이어서: 미국의 미국의") and "… → 중국은?" in line and len(line) < 60
    assert followup_line(Answer("중국은?", AnswerStatus.ANSWERED), KOREAN) == ""


def test_the_terminal_and_json_say_which_question_it_was_taken_as(
    service: AnswerService, us_turn: Turn
) -> None:
    answer = service.ask("중국은?", context=us_turn)
    lines = render_answer(answer, KOREAN).split("\n")
    assert lines[1] == f"이어서: {US_LEAD} → 중국은?"
    assert answer_to_json(answer)["followup_of"] == US_LEAD
    assert answer_to_json(service.ask("중국은?"))["followup_of"] is None
