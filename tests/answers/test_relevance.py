"""The share of a question a passage covers, word by word."""

from __future__ import annotations

from bot.answers.relevance import QuestionWeights, is_relevant


def test_a_passage_with_a_compound_covers_the_parts_the_analyzer_split_it_into(service):
    index = service.index
    # Kiwi reads the misspelt 증멍 as 증 + 멍 and gives the whole too; it is corrected
    # to 증명, which the article has.
    query = index.query("영지식 증멍")
    assert {"증", "멍", "증멍"} <= query.words
    weights = QuestionWeights(query, index.document_frequency, index.size)
    whole = weights.share({"영지식", "증명"})
    assert whole > 0.9  # the parts of 영지식 and of 증멍 (as 증명) count as there
    assert weights.share({"영지식"}) < 0.7  # 증명 is still what is missing


def test_misspelt_compounds_are_answered(service):
    answer = service.ask("영지식 증멍이 뭐야")
    assert answer.answered
    assert "영지식 증명" in answer.hits[0].passage.text


def test_a_passage_in_another_language_must_also_be_closer_than_every_everyday_topic():
    assert is_relevant(0.0, 0.05, same_language=False, above=0.01)
    assert not is_relevant(0.0, 0.05, same_language=False, above=-0.01)
    assert is_relevant(0.0, 0.05, same_language=False)  # topics not embedded yet: the gap
    assert not is_relevant(0.0, 0.03, same_language=False, above=0.2)  # the gap still counts
    # A version the corpus lacks (GPT-5 of articles about GPT-4): never from another language.
    assert not is_relevant(0.0, 0.2, same_language=False, above=0.2, unseen_version=True)


def test_the_gap_rescues_a_passage_in_the_questions_language_only_if_closer_than_the_topics():
    assert is_relevant(0.25, 0.06, above=0.01)
    assert not is_relevant(0.25, 0.06, above=-0.01)
    assert is_relevant(0.5, None, above=-0.01)  # covering the question is enough


def test_a_passage_far_above_the_median_answers_whatever_words_it_shares():
    # "스타벅의 본점은 어디인가?" of a page on 스타벅스: no word in common, 0.17 above.
    assert is_relevant(0.0, 0.17, above=0.15)
    assert is_relevant(0.0, 0.17)  # everyday topics not embedded yet: the gap
    assert not is_relevant(0.0, 0.17, above=-0.01)  # as close to an everyday topic
    # Word traps stand at most 0.085 above: sharing too little, they stay refused.
    assert not is_relevant(0.1, 0.085, above=0.03)
    assert not is_relevant(0.0, 0.17, above=0.0)
    # Nor where the question names a version no passage has (GPT-5, iPhone 17).
    assert not is_relevant(0.0, 0.17, above=0.15, unseen_version=True)
    assert is_relevant(0.4, 0.17, above=0.15, unseen_version=True)  # the words decide
