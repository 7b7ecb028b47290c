"""Answers, passages and lists as Telegram HTML: content, links, buttons and limits."""

from __future__ import annotations

import pytest

from bot import AnswerService, PassageView
from bot.answers import Answer, AnswerStatus, Suggestions
from bot.chat import render
from bot.chat.history import FrequentQuestion, Stats
from bot.chat.refs import ChatRef
from bot.chat.texts import ENGLISH_CHAT, KOREAN_CHAT
from bot.corpus import Article, Passage
from tests.chat.conftest import callback_data, make_answer, make_hit, telegram_accepts

BOT = "article_qa_bot"
TOKEN = "Sx0tWk3nQ2A"


def test_a_real_answer_quotes_highlights_and_links(service: AnswerService) -> None:
    answer = service.ask("DeepSeek v3 훈련 비용은 얼마였나요?")

    rendered = render.render_answer(answer, KOREAN_CHAT, bot_username=BOT, ref=ChatRef(7, TOKEN))

    shown = telegram_accepts(rendered.text)
    header = f"🔎 관련 구절 {len(answer.hits)}개 · DeepSeek v3 훈련 비용은 얼마였나요?"
    assert shown.text.startswith(header)
    assert "558만 달러에 불과한" in shown.spans("blockquote")[0]
    assert {"DeepSeek", "v3", "훈련", "비용"} <= set(shown.spans("bold"))
    links = [e.url for e in shown.entities if e.type == "text_link"]
    assert links == [f"https://t.me/{BOT}?start={hit.passage.id}" for hit in answer.hits]
    more = [f"m:7.{TOKEN}:3"] if answer.has_more else []
    assert callback_data(rendered.keyboard) == [*more, f"f:7.{TOKEN}:+", f"f:7.{TOKEN}:-"]


def test_paging_buttons_follow_the_offset(service: AnswerService) -> None:
    first = service.ask("오픈 소스")
    second = service.ask("오픈 소스", offset=3)

    page_one = render.render_answer(first, KOREAN_CHAT, bot_username=BOT, ref=ChatRef(1, TOKEN))
    page_two = render.render_answer(second, ENGLISH_CHAT, bot_username=BOT, ref=ChatRef(1, TOKEN))

    assert callback_data(page_one.keyboard)[0] == f"m:1.{TOKEN}:3"
    assert callback_data(page_two.keyboard)[0] == f"m:1.{TOKEN}:0"
    assert "(1–3번째)" in page_one.text.split("\n")[0]
    assert "(4–6)" in page_two.text.split("\n")[0]


def test_without_a_stored_question_there_are_no_buttons() -> None:
    rendered = render.render_answer(make_answer(make_hit()), KOREAN_CHAT, bot_username=BOT)

    assert rendered.keyboard is None


def test_without_a_bot_username_there_is_no_deep_link() -> None:
    rendered = render.render_answer(make_answer(make_hit()), KOREAN_CHAT, bot_username=None)

    assert "t.me" not in rendered.text
    telegram_accepts(rendered.text)


def test_the_source_line_names_title_publisher_translator_and_date() -> None:
    hit = make_hit(url="https://example.com/a?x=1&y=<2>", translator="사다새8")

    shown = telegram_accepts(
        render.render_answer(make_answer(hit), KOREAN_CHAT, bot_username=BOT).text
    )

    assert (
        "📄 닫는 미국과 여는 중국 · 디시인사이드 갤러리 (번역: 사다새8) · 2025-01-31 · 전문 보기"
        in shown.text
    )
    title_link = next(e for e in shown.entities if e.type == "text_link")
    assert title_link.url == "https://example.com/a?x=1&y=<2>"


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "http://localhost/x", "ftp://example.com/", "not a url", "https://"],
)
def test_only_links_telegram_keeps_are_made(url: str) -> None:
    hit = make_hit(url=url)

    rendered = render.render_answer(make_answer(hit), KOREAN_CHAT, bot_username=None)

    assert "<a " not in rendered.text
    telegram_accepts(rendered.text)


def test_article_text_and_questions_are_escaped() -> None:
    hit = make_hit("<b>굵게</b> & <script>x</script>", ((3, 5),), title="<i>제목</i>")
    answer = Answer("<tg-spoiler>질문</tg-spoiler>", AnswerStatus.ANSWERED, hits=(hit,))

    shown = telegram_accepts(render.render_answer(answer, KOREAN_CHAT, bot_username=BOT).text)

    assert "<tg-spoiler>질문</tg-spoiler>" in shown.text
    assert "<b>굵게</b> & <script>x</script>" in shown.text
    assert shown.spans("bold") == ["굵게"] and "<i>제목</i>" in shown.text


def test_huge_excerpts_are_trimmed_so_five_hits_fit_one_message() -> None:
    excerpt = "가나다 라마바 " * 2_000
    highlights = tuple((i, i + 3) for i in range(0, 4_000, 8))
    hits = [
        make_hit(
            excerpt, highlights, title="제목 " * 200, publisher="출판 " * 100, passage_id=f"a-{i}"
        )
        for i in range(5)
    ]

    rendered = render.render_answer(
        make_answer(*hits), KOREAN_CHAT, bot_username=BOT, ref=ChatRef(1, TOKEN)
    )

    shown = telegram_accepts(rendered.text)
    assert len(shown.spans("blockquote")) == 5
    assert all(quote.endswith("…") for quote in shown.spans("blockquote"))
    assert render.entity_count(rendered.text) <= render.MAX_ENTITIES


def test_overlapping_or_out_of_range_highlights_are_cleaned() -> None:
    hit = make_hit("abcdefghij", ((5, 8), (0, 3), (2, 6), (9, 50), (4, 4), (-3, 1)))

    shown = telegram_accepts(
        render.render_answer(make_answer(hit), KOREAN_CHAT, bot_username=None).text
    )

    assert shown.spans("bold") == ["abcdefgh", "j"]  # touching spans merge in Telegram


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (AnswerStatus.NOT_FOUND, "이 질문에 답할 만한 내용을 기사에서 찾지 못했어요."),
        (AnswerStatus.EMPTY, "질문을 입력해 주세요."),
        (AnswerStatus.NO_WORDS, "질문에서 검색할 낱말을 찾지 못했어요."),
        (AnswerStatus.TOO_LONG, "질문이 너무 길어요. 500자 이내로 줄여 주세요."),
    ],
)
def test_unanswered_questions_get_a_short_helpful_message(
    status: AnswerStatus, expected: str
) -> None:
    articles = tuple(Article(id=f"a{i}", title=f"<기사> {i}", body="본문") for i in range(9))
    suggestions = Suggestions(articles, ("중국", "모델", "<WEF>"))
    answer = Answer("질문", status, suggestions=suggestions, limit=500)

    rendered = render.render_answer(answer, KOREAN_CHAT, bot_username=BOT, ref=ChatRef(3, TOKEN))

    shown = telegram_accepts(rendered.text)
    assert shown.text.startswith(expected)
    assert "① <기사> 0" in shown.text and "⑤ <기사> 4" in shown.text and "⑥" not in shown.text
    assert "중국 · 모델 · <WEF>" in shown.text
    assert rendered.keyboard is None and len(shown.text) < 300


def test_a_page_past_the_end_keeps_the_way_back() -> None:
    answer = Answer("질문", AnswerStatus.NOT_FOUND, offset=6)

    rendered = render.render_answer(answer, KOREAN_CHAT, bot_username=BOT, ref=ChatRef(3, TOKEN))

    assert callback_data(rendered.keyboard) == [f"m:3.{TOKEN}:3"]


def test_a_passage_shows_its_place_in_the_article_with_buttons(service: AnswerService) -> None:
    hit = service.ask("DeepSeek v3 훈련 비용은?").hits[0]
    view = service.open_passage(hit.passage.id)
    assert view is not None

    rendered = render.render_passage(view, KOREAN_CHAT, bot_username=BOT)

    shown = telegram_accepts(rendered.text)
    assert shown.spans("bold") == ["닫는 미국과 여는 중국"]
    assert f"{view.position}/{view.count}번째 구절" in shown.text
    assert shown.spans("blockquote") == [view.passage.text]
    assert callback_data(rendered.keyboard) == [f"p:{view.previous_id}", f"p:{view.next_id}"]


def test_the_first_passage_has_no_previous_button_and_long_ones_are_cut() -> None:
    article = Article(id="a", title="제목", body="x")
    passage = Passage(id="a-1", article_id="a", ordinal=0, text="긴 문장 & <태그> " * 1_000)
    view = PassageView(article, passage, previous_id=None, next_id="a-2", position=1, count=2)

    rendered = render.render_passage(view, ENGLISH_CHAT, bot_username=BOT)

    shown = telegram_accepts(rendered.text)
    assert "passage 1 of 2" in shown.text and shown.text.endswith("…")
    assert callback_data(rendered.keyboard) == ["p:a-2"]


def test_many_sources_are_split_into_messages_that_each_fit() -> None:
    articles = [
        Article(
            id=f"a{i}", title=f"아주 긴 기사 제목 {i} " * 10, body="x", url=f"https://ex.com/{i}"
        )
        for i in range(300)
    ]
    first_passages = {a.id: f"{a.id}-00000000" for a in articles}

    messages = render.render_sources(
        articles, KOREAN_CHAT, bot_username=BOT, first_passages=first_passages
    )

    assert len(messages) > 1
    shown = [telegram_accepts(m) for m in messages]
    assert shown[0].text.startswith("📚 볼 수 있는 기사 300편")
    assert sum(s.spans("text_link").count("읽기") for s in shown) == 300
    assert all(len([e for e in s.entities if e.type != "url"]) <= 100 for s in shown)


def test_stats_list_the_frequent_unanswered_questions() -> None:
    stats = Stats(
        10, 7, 3, 4, 1, (FrequentQuestion("<b>날씨</b>?", 2), FrequentQuestion("x" * 500, 1))
    )

    (message,) = render.render_stats(stats, KOREAN_CHAT)

    shown = telegram_accepts(message)
    assert "질문 10개 · 답함 7개 · 못 찾음 3개" in shown.text
    assert "1. <b>날씨</b>? (2)" in shown.text and "2. xxx" in shown.text


def test_stats_say_which_retrieval_answers() -> None:
    stats = Stats(1, 1, 0, 0, 0, ())
    for mode, line in (("hybrid", "BM25 + 의미 검색"), ("bm25", "BM25만")):
        (message,) = render.render_stats(stats, KOREAN_CHAT, retrieval=mode)
        assert line in telegram_accepts(message).text
    (english,) = render.render_stats(stats, ENGLISH_CHAT, retrieval="hybrid")
    assert "Retrieval: BM25 + semantic" in telegram_accepts(english).text


def test_inline_results_post_the_excerpt_with_its_source(service: AnswerService) -> None:
    answer = service.ask("오픈 소스", top=render.MAX_INLINE_RESULTS)

    results = render.render_inline_results(answer, KOREAN_CHAT, bot_username=BOT)

    assert 3 < len(results) <= render.MAX_INLINE_RESULTS
    assert len({r.id for r in results}) == len(results)
    for result in results:
        assert 1 <= len(result.id.encode()) <= 64
        content = result.input_message_content
        shown = telegram_accepts(content.message_text)
        assert shown.spans("blockquote") and "전문 보기" in shown.spans("text_link")


def test_visible_length_counts_utf16_units_without_tags() -> None:
    assert render.visible_length("<b>a&amp;b</b> 😀") == 6
    assert render.fits("<b>x</b>") and not render.fits(" \n ")
    assert not render.fits("x" * 4097) and render.fits("<b>x</b>" * 100)
    assert not render.fits("<b>x</b>" * 101)


def test_pack_refuses_a_block_that_can_never_fit() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        render.pack(["x" * 5_000])


def test_templates_get_the_escaped_bot_username() -> None:
    help_text = render.render_template(KOREAN_CHAT.help, bot_username=BOT)

    shown = telegram_accepts(help_text)
    assert f"/ask@{BOT} 질문" in shown.text


def test_the_refresh_report_says_its_duration_and_counts_naturally():
    from bot.refresh import RefreshReport

    report = RefreshReport(articles=1, passages=12, seconds=3.24)
    (english,) = render.render_refresh_report(report, ENGLISH_CHAT)
    assert "Refreshed in 3.2 seconds" in english and "Now 1 article, 12 passages" in english
    (korean,) = render.render_refresh_report(report, KOREAN_CHAT)
    assert "(3.2초 걸림)" in korean and "지금 기사 1편, 구절 12개" in korean


def test_english_counts_of_one_are_singular() -> None:
    article = Article(id="a1", title="Title", body="x")
    (message,) = render.render_sources([article], ENGLISH_CHAT, bot_username=BOT, first_passages={})
    assert telegram_accepts(message).text.startswith("📚 1 article you can ask about")
    assert ENGLISH_CHAT.add_feed.format(count=1, s="") == (
        "✅ Subscribed to the feed; 1 new article added."
    )
    added = ENGLISH_CHAT.document_added.format(
        title="T", passages=1, articles=1, total=1, passages_s="", articles_s="", total_s=""
    )
    assert added.endswith("1 passage · now 1 article, 1 passage")
