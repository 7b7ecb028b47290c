"""What kind of answer a question asks for, and whether a passage can hold one.

"언제 출시했어?" is answered by a date and "몇 명이 쓰나?" by a number: a passage
without one can be about the question's subject but can't answer it. The question
words that ask this ("언제", "몇", "얼마", "when", "how many") are the ones the
analyzer drops, so they are read from the question as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum

from ..search import Term

__all__ = ["AnswerKind", "expected_kind", "holds_kind"]


class AnswerKind(Enum):
    TIME = "time"  # a date, a year, a day of the week
    QUANTITY = "quantity"  # a number of something


# "몇 년", "몇 월" ask for a time; "몇몇" (some) and "얼마 전" (a while ago) ask nothing,
# and "얼마나" asks for a number only before what is measured ("얼마나 걸려", "얼마나
# 높아"), not before a degree ("얼마나 중요해": an opinion holds no number).
_TIME_QUESTION = re.compile(
    r"언제(?!든|나)|며칠|몇\s*(?:년|월|일|세기|시)|(?:연도|년도|날짜|시기)(?:는|가|은|이)?\s*\??$"
    r"|\bwhen\b|\bwhat (?:year|date|day)\b",
    re.IGNORECASE,
)
_QUANTITY_QUESTION = re.compile(
    r"(?<!몇)몇(?!몇)|얼마(?!나|\s*(?:전|후|뒤|안\s*[되돼]))"
    r"|얼마나\s*(?:되|돼|걸|들|많|적|떨어|크|커|높|길|넓|깊|무거|빠르|빨라|비싸|오래|자주)"
    r"|\bhow (?:many|much|long|old|far|big)\b",
    re.IGNORECASE,
)
_TIME = re.compile(
    r"\d\s*(?:년|월|일|세기|시|분기)|\b\d{4}\b|[월화수목금토일]요일|작년|올해|내년|지난해|이듬해"
    r"|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march"
    r"|april|may|june|july|august|september|october|november|december)\b",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")


def expected_kind(question: str) -> AnswerKind | None:
    """The kind of answer ``question`` asks for, if it names one."""
    if _TIME_QUESTION.search(question):
        return AnswerKind.TIME
    if _QUANTITY_QUESTION.search(question):
        return AnswerKind.QUANTITY
    return None


def holds_kind(text: str, terms: Iterable[Term], kind: AnswerKind) -> bool:
    """Whether ``text`` (with its word ``terms``) has an answer of ``kind`` in it."""
    if kind is AnswerKind.TIME:
        return _TIME.search(text) is not None
    return _DIGIT.search(text) is not None or any(t.kind == "number" for t in terms)
