"""The buttons under an answer (more results, 👍 / 👎) and the admin-only /stats."""

from __future__ import annotations

from tests.e2e.conftest import RunningBot

BROAD = "오픈 소스"  # many passages match: there are more results to page through


async def test_more_results_pages_through_further_hits_in_the_same_message(
    bot: RunningBot,
) -> None:
    user = bot.fake.user()
    chat = bot.fake.private_chat(user)
    answer = await bot.ask(chat, user, BROAD)
    first_page = answer.spans("blockquote")
    more, up, down = answer.callback_data
    ref = more.split(":")[1]  # the question's id and token
    assert (more, up, down) == (f"m:{ref}:3", f"f:{ref}:+", f"f:{ref}:-")
    assert "(1–3번째)" in answer.text.split("\n")[0]

    bot.fake.press_button(answer, more)
    await bot.fake.wait_for(lambda: answer.edits)

    assert "(4–6번째)" in answer.text.split("\n")[0]
    assert set(answer.spans("blockquote")).isdisjoint(first_page)
    assert answer.callback_data[0] == f"m:{ref}:0"  # ◀ back to the first page
    assert len(bot.fake.sent_to(chat)) == 1  # edited, not sent again

    bot.fake.press_button(answer, f"m:{ref}:0")
    await bot.fake.wait_for(lambda: len(answer.edits) == 2)
    assert answer.spans("blockquote") == first_page


async def test_feedback_is_stored_acknowledged_and_counted_once_per_person(
    bot: RunningBot,
) -> None:
    user = bot.fake.user()
    other = bot.fake.user("준호")
    group = bot.fake.group(members=[user, other])
    answer = await bot.ask(group, user, f"/ask {BROAD}")

    _, up, down = answer.callback_data
    bot.fake.press_button(answer, up, user)
    bot.fake.press_button(answer, down, user)  # changed their mind
    bot.fake.press_button(answer, up, other)  # in the same group: their vote counts
    await bot.fake.wait_for(lambda: len(bot.fake.callback_answers) == 3)

    assert {a.text for a in bot.fake.callback_answers} == {"의견 고마워요!"}
    stats = bot.app.bot_data["services"].history.stats()
    assert (stats.feedback_up, stats.feedback_down) == (1, 1)


async def test_stats_are_for_admins_only(bot: RunningBot) -> None:
    questions = [
        "오늘 서울 날씨 어때?",
        "오늘 서울 날씨 어때?",
        "DeepSeek v3 훈련 비용은?",
        "/stats",
    ]
    replies = []
    for question in questions:  # one user and chat each: no waiting for per-chat pacing
        user = bot.fake.user()
        replies.append(await bot.ask(bot.fake.private_chat(user), user, question))
    refused = replies[-1]

    admin_chat = bot.fake.private_chat(bot.admin)
    stats = await bot.ask(admin_chat, bot.admin, "/stats")

    assert refused.text == "이 명령은 봇 관리자만 쓸 수 있어요."
    assert "질문 3개 · 답함 1개 · 못 찾음 2개" in stats.text
    assert "1. 오늘 서울 날씨 어때? (2)" in stats.text


async def test_admins_get_the_admin_commands_in_their_menu(bot: RunningBot) -> None:
    admin_menu = bot.fake.commands_for("chat", chat_id=bot.admin.id)
    english_groups = bot.fake.commands_for("all_group_chats", "en")

    assert "stats" in [c["command"] for c in admin_menu]
    assert [c["command"] for c in english_groups] == ["ask", "help", "sources"]
    assert english_groups[0]["description"].startswith("Ask about the articles")
