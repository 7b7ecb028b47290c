"""User-facing words, in Korean and English. Code never inlines them."""

from __future__ import annotations

from dataclasses import dataclass

from .answers import Answer, AnswerStatus

__all__ = [
    "ENGLISH",
    "KOREAN",
    "Texts",
    "corpus_size",
    "counted",
    "duration",
    "followup_line",
    "plural_s",
    "shorten",
    "texts_for",
    "unanswered_message",
]


@dataclass(frozen=True, slots=True)
class Texts:
    not_found: str
    empty: str
    no_words: str
    too_long: str  # {limit}
    unavailable: str  # the search service is down for now
    articles_available: str
    words_to_try: str
    results_header: str  # {count} {question}; {s}: "" for one, "s" for more
    followup: str  # which question a follow-up was taken as; {earlier} {question}
    translated_from: str
    read_more: str
    unknown_date: str
    prompt: str
    goodbye: str
    terminal_help: str  # /help or /start typed in the terminal chat
    no_token: str
    index_stale: str  # the index is older than the corpus; {seconds}


KOREAN = Texts(
    not_found="이 질문에 답할 만한 내용을 기사에서 찾지 못했어요.",
    empty="질문을 입력해 주세요. 예: DeepSeek v3 훈련 비용은?",
    no_words="질문에서 검색할 낱말을 찾지 못했어요. 낱말로 물어봐 주세요.",
    too_long="질문이 너무 길어요. {limit}자 이내로 줄여 주세요.",
    unavailable="지금은 검색 서비스에 연결할 수 없어요. 잠시 뒤에 다시 물어봐 주세요.",
    articles_available="지금 볼 수 있는 기사",
    words_to_try="이런 낱말로 물어보세요",
    results_header="🔎 관련 구절 {count}개 · {question}",
    followup="이어서: {earlier} → {question}",
    translated_from="번역",
    read_more="전문 보기",
    unknown_date="날짜 미상",
    prompt="질문> ",
    goodbye="안녕히 가세요.",
    terminal_help=(
        "질문을 입력하면 기사에서 답이 되는 구절을 찾아 그대로 인용해요. 답에 이어서 "
        "짧게 물어봐도 돼요 (예: 중국은?). 끝내려면 Ctrl-D."
    ),
    no_token=(
        "TELEGRAM_BOT_TOKEN이 없어 터미널에서 답합니다. 질문을 입력하세요 (끝내려면 Ctrl-D)."
    ),
    index_stale=(
        "주의: 색인이 기사 폴더보다 오래됐어요 ({seconds}초 안에 갱신을 끝내지 못했어요). "
        "최근 바뀐 기사는 답에 빠질 수 있어요. 답한 뒤 갱신을 마저 끝냅니다."
    ),
)

ENGLISH = Texts(
    not_found="I couldn't find anything in the articles that answers this.",
    empty="Please type a question, e.g. 'DeepSeek v3 훈련 비용은?'",
    no_words="I found no words to search for in that. Please ask with words.",
    too_long="That question is too long. Please keep it under {limit} characters.",
    unavailable="The search service is unavailable right now. Please try again shortly.",
    articles_available="Articles you can ask about",
    words_to_try="Words to try",
    results_header="🔎 {count} relevant passage{s} · {question}",
    followup="Following up: {earlier} → {question}",
    translated_from="translation",
    read_more="Read in full",
    unknown_date="date unknown",
    prompt="question> ",
    goodbye="Bye.",
    terminal_help=(
        "Type a question: I quote the passages of the articles that answer it. You can "
        "follow an answer up briefly (e.g. 중국은?). Ctrl-D quits."
    ),
    no_token=(
        "No TELEGRAM_BOT_TOKEN set: answering in the terminal. Type a question (Ctrl-D quits)."
    ),
    index_stale=(
        "Note: the index is older than the corpus folder (updating it took over {seconds} s). "
        "Answers may miss the latest changes; the update finishes after answering."
    ),
)


def unanswered_message(status: AnswerStatus, texts: Texts, *, limit: int = 0) -> str:
    """What to say when an answer quotes nothing, by why it quotes nothing."""
    return {
        AnswerStatus.NOT_FOUND: texts.not_found,
        AnswerStatus.EMPTY: texts.empty,
        AnswerStatus.NO_WORDS: texts.no_words,
        AnswerStatus.TOO_LONG: texts.too_long.format(limit=limit),
        AnswerStatus.UNAVAILABLE: texts.unavailable,
    }[status]


# How much of each question the follow-up line shows.
_FOLLOWUP_CHARS = 40


def followup_line(answer: Answer, texts: Texts) -> str:
    """ "이어서: <earlier question, shortened> → <the question>" for an answer taken as a
    follow-up, else ""."""
    if answer.followup_of is None:
        return ""
    return texts.followup.format(
        earlier=shorten(answer.followup_of, _FOLLOWUP_CHARS),
        question=shorten(answer.question, _FOLLOWUP_CHARS),
    )


def shorten(text: str, limit: int) -> str:
    """``text`` on one line, at most ``limit`` characters, with … when cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def texts_for(language_code: str | None) -> Texts:
    """English for English-speaking users, Korean for everyone else."""
    return ENGLISH if (language_code or "").lower().startswith("en") else KOREAN


def plural_s(count: int) -> str:
    """The English plural ending for ``count`` things: "" for one, "s" for more."""
    return "" if count == 1 else "s"


def counted(count: int, singular: str, plural: str = "") -> str:
    """English count and noun: '1 article', '56 passages', '1,200 passages'."""
    noun = singular if count == 1 else (plural or f"{singular}s")
    return f"{count:,} {noun}"


def corpus_size(articles: int, passages: int, language: str) -> str:
    """'2 articles, 56 passages' / '기사 2편, 구절 56개' (Korean counters need no plural)."""
    if language == "en":
        return f"{counted(articles, 'article')}, {counted(passages, 'passage')}"
    return f"기사 {articles:,}편, 구절 {passages:,}개"


def duration(seconds: float, language: str) -> str:
    """A measured time as people say it: '0.4 seconds', '2 minutes 5 seconds', '2분 5초'.

    Never '0.0': a time too short to show in tenths is said to be under 0.1 s.
    """
    english = language == "en"
    if seconds < 0.05:
        return "under 0.1 seconds" if english else "0.1초 미만"
    if seconds < 60:
        return f"{seconds:.1f} seconds" if english else f"{seconds:.1f}초"
    minutes, rest = divmod(round(seconds), 60)
    if english:
        parts = [counted(minutes, "minute")] + ([counted(rest, "second")] if rest else [])
        return " ".join(parts)
    return f"{minutes}분 {rest}초" if rest else f"{minutes}분"
