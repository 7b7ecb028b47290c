"""Whatever the question and whatever the articles say, Telegram accepts every message.

Each property renders arbitrary content (any Unicode, markup, entities, control
characters, huge fields, overlapping highlight spans) and checks the result with the
fake Bot API's port of Telegram's own HTML parser: it parses, nothing is silently
dropped, the visible text is at most 4,096 UTF-16 units, and every button's data is
at most 64 bytes.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import PassageView
from bot.answers import Answer, AnswerStatus, Excerpt, Hit, Suggestions
from bot.chat import render
from bot.chat.refs import ChatRef
from bot.chat.texts import ENGLISH_CHAT, KOREAN_CHAT
from bot.corpus import Article, Passage
from tests.chat.conftest import callback_data, telegram_accepts

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text as hostile as a web page can be: markup, entities, controls, emoji, Korean.
_NASTY = st.sampled_from(
    ["<", ">", "&", "&amp;", "&nbsp;", "&#0;", "<b>", "</blockquote>", '"', "'", "\n", "\r",
     "\u0000", "\u202e", "😀", "훈련", "@article_qa_bot", "#태그", "/start", "https://x.io"]
)  # fmt: skip
texts = st.lists(st.one_of(st.text(max_size=40), _NASTY), max_size=30).map("".join)
long_texts = st.one_of(texts, st.builds(lambda t, n: t * n, texts, st.integers(1, 400)))
ids = st.from_regex(r"[A-Za-z0-9_-]{1,50}", fullmatch=True)
urls = st.one_of(
    st.just(""),
    texts,
    st.builds(lambda path: f"https://example.com/{path}", texts),
    st.sampled_from(["javascript:alert(1)", "http://localhost/", "https://t.me/x"]),
)


@st.composite
def articles(draw: st.DrawFn) -> Article:
    return Article(
        id=draw(ids),
        title=draw(long_texts),
        body="본문",
        publisher=draw(texts),
        translator=draw(texts),
        published=draw(texts),
        url=draw(urls),
    )


@st.composite
def hits(draw: st.DrawFn) -> Hit:
    article = draw(articles())
    text = draw(long_texts)
    bound = len(text) + 5
    spans = draw(st.lists(st.tuples(st.integers(-5, bound), st.integers(-5, bound)), max_size=300))
    excerpt = Excerpt(text, tuple(spans), draw(st.booleans()), draw(st.booleans()))
    passage = Passage(id=f"{article.id}-{draw(ids)}", article_id=article.id, ordinal=0, text=text)
    return Hit(article, passage, excerpt, 1.0, 1.0)


@st.composite
def answers(draw: st.DrawFn) -> Answer:
    status = draw(st.sampled_from(AnswerStatus))
    answered = status is AnswerStatus.ANSWERED
    found = draw(st.lists(hits(), min_size=1, max_size=5)) if answered else []
    suggestions = Suggestions(
        tuple(draw(st.lists(articles(), max_size=12))), tuple(draw(st.lists(texts, max_size=12)))
    )
    return Answer(
        question=draw(long_texts),
        status=status,
        hits=tuple(found),
        offset=draw(st.integers(0, 9_000)),
        has_more=draw(st.booleans()),
        suggestions=suggestions,
        limit=500,
    )


languages = st.sampled_from([KOREAN_CHAT, ENGLISH_CHAT])
refs = st.builds(
    ChatRef, st.integers(0, 10**15 - 1), st.from_regex(r"[A-Za-z0-9_-]{8,32}", fullmatch=True)
)
usernames = st.sampled_from([None, "article_qa_bot", "a_b"])


@PROPERTY
@given(answers(), languages, usernames, st.one_of(st.none(), refs))
def test_every_answer_is_a_message_telegram_accepts(
    answer: Answer, texts: object, bot_username: str | None, ref: ChatRef | None
) -> None:
    rendered = render.render_answer(
        answer,
        texts,  # type: ignore[arg-type]
        bot_username=bot_username,
        ref=ref,
    )

    shown = telegram_accepts(rendered.text)
    assert len(shown.spans("blockquote")) == len(answer.hits)
    callback_data(rendered.keyboard)


@PROPERTY
@given(hits(), st.integers(1, 50), st.booleans(), st.booleans(), languages)
def test_every_passage_view_is_a_message_telegram_accepts(
    hit: Hit, count: int, has_previous: bool, has_next: bool, texts: object
) -> None:
    view = PassageView(
        hit.article,
        hit.passage,
        previous_id=hit.passage.id if has_previous else None,
        next_id=hit.passage.id if has_next else None,
        position=1,
        count=count,
    )

    rendered = render.render_passage(view, texts, bot_username="article_qa_bot")  # type: ignore[arg-type]

    telegram_accepts(rendered.text)
    callback_data(rendered.keyboard)


@PROPERTY
@given(st.lists(hits(), min_size=1, max_size=10), languages)
def test_every_inline_result_posts_a_message_telegram_accepts(
    found: list[Hit], texts: object
) -> None:
    answer = Answer("질문", AnswerStatus.ANSWERED, hits=tuple(found))

    results = render.render_inline_results(answer, texts, bot_username="article_qa_bot")  # type: ignore[arg-type]

    for result in results:
        telegram_accepts(result.input_message_content.message_text)
        assert 1 <= len(result.id.encode()) <= 64 and result.title


@PROPERTY
@given(st.lists(articles(), max_size=60), languages)
def test_every_sources_message_is_one_telegram_accepts(
    listed: list[Article], texts: object
) -> None:
    first_passages = {a.id: f"{a.id}-p" for a in listed}

    messages = render.render_sources(
        listed,
        texts,
        bot_username="article_qa_bot",
        first_passages=first_passages,  # type: ignore[arg-type]
    )

    assert messages
    for message in messages:
        telegram_accepts(message)
