"""What an answer is made of: verbatim excerpts, highlights, links, paging."""

from __future__ import annotations

import pytest

from bot import AnswerStatus
from bot.answers import MAX_QUESTION_CHARS


def test_an_answer_quotes_the_best_sentences_verbatim(service):
    answer = service.ask("DeepSeek v3 훈련 비용은 얼마였나요?")
    hit = answer.hits[0]
    assert hit.excerpt.text in hit.passage.text
    assert "558만 달러" in hit.excerpt.text
    assert len(hit.excerpt.text) <= len(hit.passage.text)


def test_highlights_mark_the_question_words_in_the_excerpt(service):
    hit = service.ask("중국의 오픈소스 모델").hits[0]
    marked = {hit.excerpt.text[a:b] for a, b in hit.excerpt.highlights}
    assert marked, "nothing highlighted"
    assert marked <= {"중국", "오픈", "소스", "오픈소스", "모델"} | marked & {"오픈 소스"}
    spans = hit.excerpt.highlights
    assert all(0 <= a < b <= len(hit.excerpt.text) for a, b in spans)
    assert all(spans[i][1] <= spans[i + 1][0] for i in range(len(spans) - 1))


def test_particles_do_not_stop_a_match(service):
    for question in ("중국은 무엇을 선도하나", "중국이 선도하는 기술", "중국의 기술 선도"):
        hit = service.ask(question).hits[0]
        assert "세계를 선도하고" in hit.passage.text, question


def test_spacing_and_script_variants_find_the_same_passage(service):
    def best(question: str) -> str:
        return service.ask(question).hits[0].passage.id

    assert best("오픈소스 모델 출시") == best("오픈 소스 모델 출시")
    assert best("딥시크 v3 훈련 비용") == best("DeepSeek v3 훈련 비용")
    assert best("deepseek V3 훈련 비용") == best("DEEPSEEK v3 훈련 비용")


def test_links_point_at_the_passage(service):
    hit = service.ask("스타게이트 프로젝트").hits[0]
    assert hit.url == ""  # the seeds have no known original URL
    view = service.open_passage(hit.passage.id)
    assert view is not None and view.passage == hit.passage
    assert 1 <= view.position <= view.count


def test_passages_open_with_their_neighbours(service):
    hit = service.ask("스타게이트 프로젝트").hits[0]
    view = service.open_passage(hit.passage.id)
    if view.next_id:
        following = service.open_passage(view.next_id)
        assert following.previous_id == view.passage.id
        assert following.position == view.position + 1
    assert service.open_passage("no-such-passage") is None


def test_more_results_page_through_further_hits(service):
    first = service.ask("오픈 소스", top=2)
    assert first.has_more
    second = service.ask("오픈 소스", top=2, offset=2)
    assert second.answered and second.offset == 2
    assert not {h.passage.id for h in first.hits} & {h.passage.id for h in second.hits}


@pytest.mark.parametrize(
    ("question", "status"),
    [
        ("", AnswerStatus.EMPTY),
        ("   \n\t ", AnswerStatus.EMPTY),
        ("😀🎉👍", AnswerStatus.NO_WORDS),
        ("?!…", AnswerStatus.NO_WORDS),
        ("가" * (MAX_QUESTION_CHARS + 1), AnswerStatus.TOO_LONG),
        ("DeepSeek " * 700, AnswerStatus.TOO_LONG),
    ],
)
def test_bad_questions_get_a_clear_status(service, question, status):
    answer = service.ask(question)
    assert answer.status is status
    assert answer.hits == ()


def test_html_in_a_question_is_text_not_markup(service):
    answer = service.ask("<script>alert(1)</script><b>DeepSeek</b> v3 훈련 비용")
    assert answer.answered
    assert "<" not in answer.question
    assert "558만 달러" in answer.hits[0].passage.text
    assert "alert" not in answer.question  # pasted code is no part of the question
    assert "1" not in service.query(answer.question).words


@pytest.mark.parametrize(
    ("question", "status"),
    [
        ("\x00\x01DeepSeek\u200b 훈련", AnswerStatus.ANSWERED),  # control and zero-width
        ("ＤｅｅｐＳｅｅｋ 훈련 비용", AnswerStatus.ANSWERED),  # full-width letters
        ("\ud7a3\uffff", AnswerStatus.NOT_FOUND),  # the last syllable and a noncharacter
    ],
)
def test_control_characters_and_odd_unicode_do_not_break_it(service, question, status):
    answer = service.ask(question)
    assert answer.status is status
    if status is AnswerStatus.ANSWERED:  # the odd characters don't hide the words
        assert "DeepSeek" in answer.hits[0].passage.text
