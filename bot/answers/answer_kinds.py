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
    AGE = "age"  # how old someone is: an age, or when they were born
    PRICE = "price"  # what something costs: an amount of money

    @property
    def required(self) -> bool:
        """Whether only a passage holding such an answer can answer at all. A date or a
        number may be written in words the patterns miss (지난달, 수천), so a passage
        without one only ranks lower; an age or a price is never implied, and a passage
        about the person or the thing that gives none ("론 언즈는 몇 살이야?" of the
        article quoting him, "WEF 다보스 회의 참가비는 얼마야?" of one on its report) is a
        word trap."""
        return self in (AnswerKind.AGE, AnswerKind.PRICE)


# "몇 년", "몇 월" ask for a time, "몇 개", "얼마" for a number. Not "몇몇", "몇 가지"
# (some, a few), "며칠 전", "얼마 전" (a while ago), "얼마든지" (as much as you like);
# and "얼마나" only before what is measured ("얼마나 걸려", "얼마나 높아"), not before
# a degree ("얼마나 중요해", "얼마나 적극적으로": an opinion holds no number).
_AGO = r"(?!\s*(?:전|후|뒤|동안|만에))"
_TIME_QUESTION = re.compile(
    rf"언제(?!든|나)|며칠{_AGO}|몇\s*(?:년|월|일|세기|시){_AGO}|연도|년도|날짜|시기"
    r"|(?:^|[.?!]\s*)when\b|\bwhat (?:year|date|day|time)\b",
    re.IGNORECASE,
)
_QUANTITY_QUESTION = re.compile(
    r"(?<!몇)몇(?!몇|\s*가지)|얼마(?!나|든|\s*(?:전|후|뒤|안\s*[되돼]))"
    r"|얼마나\s*(?:되|돼|걸|들|많|적은|적게|큰|커|크기|높|길|긴|넓|멀|무거|빠르|빨라|비싸|오래|자주)"
    r"|\bhow (?:many|much|long|old|far|big)\b",
    re.IGNORECASE,
)
# "몇 살", "몇 세" (not 몇 세기, 세트), "나이가" (not 나이지리아, 나이 제한), "how old".
_AGE_QUESTION = re.compile(
    r"몇\s*살|몇\s*세(?=[야이에인예의쯤요?.\s]|$)|(?<![가-힣])(?:나이|연세)(?!\s*(?:제한|대))"
    r"(?:가|는|를|도|\b|$)|\bhow old\b|\bwhat age\b|\bat (?:the )?age\b",
    re.IGNORECASE,
)
# An age (63세, 여덟 살, 량원펑(40), 향년, 41-year-old), or a birth or founding (1545년 4월
# 28일 ~, (1955년 ~ ), 1970년생, 태어났다, born, 설립).
_AGE = re.compile(
    r"\d\s*(?:살|세(?!기|대|계|트|션))|[한두세네섯곱덟홉열물른무흔쉰순든]\s?살|[가-힣]\(\d{1,3}\)"
    r"|나이|연세|향년|년생|태생|태어|출생|설립|창립|창업|\d{3,4}년\s*\d{1,2}월\s*\d{1,2}일\s*~"
    r"|\(\d{4}년?[^)]{0,30}[~–]|\bborn\b|\byears?[- ]old\b|\baged\b|\bage (?:of )?\d"
    r"|\bfounded\b|\bestablished\b",
    re.IGNORECASE,
)
# For how much something sells (얼마에 팔아), what its price is (가격은 얼마, 참가비 얼마야,
# "what price", "how much does it cost"). Not a fine, a fee or a share price's fall, which
# may be a percentage (벌금이 얼마야: 7 percent of turnover; 주가가 얼마나 떨어졌어), nor a
# value (평균값), nor 얼마에 in another sense (점유율이 얼마에요, 얼마에 달해).
_PRICE_QUESTION = re.compile(
    r"얼마에\s*(?:팔|판|사|샀|살|구매|구입|나왔|나와|출시|쓸|써|이용|받)"
    r"|(?:가격|(?<![가-힣])값|요금|참가비|입장료|판매가|출고가)(?:은|는|이|가|도)?\s*"
    r"(?:얼마|어느\s*정도)(?!나)"
    r"|\bwhat(?:'s| is| was)? (?:the )?price\b(?![- ](?:war|cut|performance))"
    r"|\bhow much (?:does|did|do|will) [^?]{1,40}? cost\b(?! (?:them|us|in)\b)",
    re.IGNORECASE,
)
# An amount of money (999달러, 558만 달러, 수천억 원, 2만원인, $30, 5.58 million dollars,
# USD 5.6 million), or none (무료, free).
_MONEY = re.compile(
    r"(?:\d|[십백천만억조])\s*(?:원(?![칙자소리])|달러|위안|엔(?!비)|유로|파운드|불)|[$€£¥₩]\s?\d|\d\s?\$"
    r"|\d\s*(?:(?:million|billion|thousand)\s+)?(?:dollars?|euros?|won|yuan|yen|pounds?|cents?)\b"
    r"|\b(?:USD|KRW|RMB|EUR)\s?\d|\d\s?(?:USD|KRW|RMB|EUR)\b|무료|공짜|\bfree\b",
    re.IGNORECASE,
)
# Digits glued to letters name a model or a version (R1, V3, GPT-4), not a number; a
# year is 1600-2039 (not 2048 GPUs).
_TIME = re.compile(
    r"(?<![A-Za-z\d\-])\d+(?:년|월|일|세기|시|분기)|\b(?:1[6-9]\d\d|20[0-3]\d)\b"
    r"|[월화수목금토일]요일|작년|올해|내년|지난해|이듬해"
    r"|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february"
    r"|march|april|june|july|august|september|october|november|december)\b|\bmay \d",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"(?<![A-Za-z\d\-])\d")


def expected_kind(question: str) -> AnswerKind | None:
    """The kind of answer ``question`` asks for, if it names one."""
    if _AGE_QUESTION.search(question):
        return AnswerKind.AGE
    if _PRICE_QUESTION.search(question):
        return AnswerKind.PRICE
    if _TIME_QUESTION.search(question):
        return AnswerKind.TIME
    if _QUANTITY_QUESTION.search(question):
        return AnswerKind.QUANTITY
    return None


def holds_kind(text: str, terms: Iterable[Term], kind: AnswerKind) -> bool:
    """Whether ``text`` (with its word ``terms``) has an answer of ``kind`` in it."""
    if kind is AnswerKind.TIME:
        return _TIME.search(text) is not None
    if kind is AnswerKind.AGE:
        return _AGE.search(text) is not None
    if kind is AnswerKind.PRICE:
        return _MONEY.search(text) is not None
    return _NUMBER.search(text) is not None or any(
        t.kind == "number" and not any(c.isdigit() for c in t.text) for t in terms
    )  # a numeral in letters (수천, 하나)
