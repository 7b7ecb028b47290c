"""An index whose search engine can't be reached: the service answers "unavailable" (no
traceback, no not-found), says why, tells the library, and recovers with a new index."""

from __future__ import annotations

from bot import AnswerService, Library
from bot.answers import AnswerStatus
from bot.presentation import present_answer
from bot.texts import ENGLISH, KOREAN

REASON = "OpenSearch at OPENSEARCH_URL=http://10.0.0.9:9200 is unreachable (ConnectionError)"


def test_a_stand_in_index_answers_unavailable_until_the_real_one_is_swapped_in(
    library: Library, service: AnswerService
) -> None:
    stand_in = AnswerService(library.home.stand_in(REASON), unavailable=REASON)
    told: list[str] = []
    stand_in.on_search_failure = told.append
    assert stand_in.standing_in and stand_in.search_problem == REASON

    answer = stand_in.ask("DeepSeek v3 훈련 비용은?")
    assert answer.status is AnswerStatus.UNAVAILABLE and not answer.hits
    assert told == [REASON]  # the library starts its retries from this
    assert present_answer(answer, KOREAN).message == KOREAN.unavailable
    assert present_answer(answer, ENGLISH).message == ENGLISH.unavailable
    assert stand_in.ask("").status is AnswerStatus.EMPTY  # no search needed: said as usual

    stand_in.search_recovered()  # a probe can't end a stand-in: only a real index can
    assert stand_in.search_problem == REASON
    stand_in.swap(service.index)
    assert not stand_in.standing_in and stand_in.search_problem is None
    assert stand_in.ask("DeepSeek v3 훈련 비용은?").answered
