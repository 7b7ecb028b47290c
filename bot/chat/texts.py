"""Every word the Telegram front end says, in Korean and English.

The answer words (not found, words to try, "read in full"…) are shared with the
terminal and live in ``bot/texts.py``; this module adds what only Telegram needs.
Texts marked HTML are Telegram HTML: their ``{placeholders}`` must be filled with
escaped values (``render.py`` does).
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update

from ..texts import ENGLISH, KOREAN, Texts, texts_for

__all__ = [
    "ADMIN_COMMANDS",
    "GROUP_COMMANDS",
    "PRIVATE_COMMANDS",
    "ChatTexts",
    "Command",
    "chat_texts_for",
    "texts_for_update",
]


@dataclass(frozen=True, slots=True)
class Command:
    """A command as the Telegram menu shows it, described in both languages."""

    name: str
    ko: str
    en: str

    def description(self, language: str) -> str:
        return self.en if language == "en" else self.ko


START = Command("start", "봇 소개와 사용법", "What this bot does")
HELP = Command("help", "사용법", "How to ask")
ASK = Command("ask", "기사에 대해 질문하기: /ask 질문", "Ask about the articles: /ask question")
SOURCES = Command("sources", "볼 수 있는 기사 목록", "The articles I can quote")
STATS = Command("stats", "질문·답변·피드백 통계 (관리자)", "Questions, answers, feedback (admins)")
REFRESH = Command("refresh", "기사 새로 고침 (관리자)", "Refresh the articles (admins)")
ADD = Command(
    "add",
    "URL이나 파일로 기사 추가: /add URL (관리자)",
    "Add an article by URL or file: /add URL (admins)",
)

PRIVATE_COMMANDS = (START, HELP, SOURCES, ASK)
GROUP_COMMANDS = (ASK, HELP, SOURCES)
ADMIN_COMMANDS = (STATS, REFRESH, ADD)


@dataclass(frozen=True, slots=True)
class ChatTexts:
    language: str
    answers: Texts  # the words shared with the terminal
    start: str  # HTML, {bot}
    help: str  # HTML, {bot}
    group_intro: str  # HTML, {bot}
    ask_usage: str  # HTML, {bot}
    page_range: str  # {first} {last}
    more: str
    previous: str
    passage_previous: str
    passage_next: str
    passage_position: str  # {position} {count}
    passage_not_found: str
    feedback_up: str
    feedback_down: str
    feedback_thanks: str
    flood: str  # {seconds}
    busy: str  # a question the chat's backlog had no room for
    button_expired: str  # forged, stale, other chat's or empty button data
    button_unavailable: str  # the chat history (the cluster) can't be reached to check it
    admin_only: str
    sources_header: str  # {count}
    sources_read: str
    stats: str  # HTML, {asked} {answered} {not_found} {up} {down}
    stats_unanswered: str
    stats_none: str
    stats_unavailable: str  # the chat history (the cluster) can't be reached
    stats_retrieval: dict[str, str]  # AnswerService.mode -> the line /stats shows
    error: str  # {incident}
    inline_read: str
    refresh_started: str
    refresh_running: str
    refresh_replica: str  # this process only reads the cluster's index
    refresh_done: str  # {added} {updated} {removed} {unchanged} {failed} {corpus} {duration}
    refresh_change: dict[str, str]  # change kind -> label
    add_usage: str  # HTML
    add_started: str  # {url}
    add_done: str  # {title}
    add_duplicate: str  # {title}
    add_failed: str  # {url} {reason}
    add_feed: str  # {count}
    document_admin_only: str  # a file from someone who is not an admin
    document_refused: dict[str, str]  # DocumentProblem value -> why; {limit} for too_large
    document_kinds: dict[str, str]  # DocumentKind value -> name
    document_preview: str  # HTML, {title} {kind} {file} {passages} {lead}
    document_cut: str  # {kept} {total}
    document_add: str
    document_cancel: str
    document_adding: str  # {title}
    document_added: str  # {title} {passages} {articles} {total}
    document_unchanged: str  # {title}
    document_cancelled: str  # {title}


KOREAN_CHAT = ChatTexts(
    language="ko",
    answers=KOREAN,
    start=(
        "안녕하세요! 기사 몇 편을 읽고, 질문에 <b>기사 원문 구절</b>을 인용해 답하는 봇이에요.\n\n"
        "궁금한 것을 그냥 보내 주세요. 예: <i>DeepSeek v3 훈련 비용은?</i>\n"
        "/sources 로 볼 수 있는 기사를, /help 로 자세한 사용법을 볼 수 있어요."
    ),
    help=(
        "<b>사용법</b>\n"
        "• 개인 대화: 질문을 그냥 보내세요.\n"
        "• 그룹: <code>/ask 질문</code> 또는 <code>/ask@{bot} 질문</code>, "
        "또는 제 답장에 답장하면 이어서 물어볼 수 있어요.\n"
        "• 그룹에서 <code>@{bot} 질문</code>처럼 부르는 것은 그룹의 개인정보 보호 모드 때문에 "
        "제게 전달되지 않을 때가 많아요. <code>/ask</code>를 써 주세요.\n"
        "• 어느 대화에서나 <code>@{bot} 질문</code>을 입력하면 구절을 골라 보낼 수 있어요 "
        "(인라인 모드).\n\n"
        "답에는 관련 구절이 인용되고, 질문 낱말은 굵게 표시돼요. "
        "「전문 보기」를 누르면 구절 전체를 앞뒤 구절과 함께 읽을 수 있어요. "
        "👍 / 👎 로 답이 도움이 되었는지 알려 주세요.\n\n"
        "/sources 볼 수 있는 기사 · /help 이 도움말"
    ),
    group_intro=(
        "안녕하세요! 기사에 대한 질문에 원문 구절을 인용해 답해요.\n"
        "<code>/ask 질문</code>으로 물어보거나 제 답장에 답장해 주세요. 사용법: /help"
    ),
    ask_usage="질문을 함께 보내 주세요. 예: <code>/ask DeepSeek v3 훈련 비용은?</code>",
    page_range="{first}–{last}번째",
    more="다음 결과 ▶",
    previous="◀ 이전 결과",
    passage_previous="◀ 앞 구절",
    passage_next="다음 구절 ▶",
    passage_position="{position}/{count}번째 구절",
    passage_not_found=(
        "이 구절을 찾지 못했어요. 기사가 바뀌었을 수 있어요. 질문을 다시 보내 주세요."
    ),
    feedback_up="👍",
    feedback_down="👎",
    feedback_thanks="의견 고마워요!",
    flood="질문이 너무 빨라요. {seconds}초 뒤에 다시 물어봐 주세요.",
    busy="지금 질문이 많아 답하지 못했어요. 잠시 뒤에 다시 물어봐 주세요.",
    button_expired="이 버튼은 만료됐어요.",
    button_unavailable="지금은 이 버튼을 확인할 수 없어요. 잠시 뒤에 다시 눌러 주세요.",
    admin_only="이 명령은 봇 관리자만 쓸 수 있어요.",
    sources_header="📚 볼 수 있는 기사 {count}편",
    sources_read="읽기",
    stats=(
        "<b>통계</b>\n"
        "질문 {asked}개 · 답함 {answered}개 · 못 찾음 {not_found}개\n"
        "피드백 👍 {up} · 👎 {down}"
    ),
    stats_unanswered="<b>자주 나온, 답하지 못한 질문</b>",
    stats_none="아직 없어요.",
    stats_unavailable="지금은 대화 기록에 연결할 수 없어 통계를 보여 드릴 수 없어요.",
    stats_retrieval={
        "hybrid": "검색: BM25 + 의미 검색 (hybrid)",
        "bm25": "검색: BM25만 (의미 검색 모델이 없거나 아직 준비 중)",
    },
    error="죄송해요, 답하는 중에 문제가 생겼어요. 잠시 뒤 다시 물어봐 주세요. (오류 {incident})",
    inline_read="전문 보기",
    refresh_started="⏳ 기사를 새로 고치는 중이에요…",
    refresh_running="이미 새로 고치는 중이에요. 끝난 뒤에 다시 해 주세요.",
    refresh_replica=(
        "이 봇은 공유 색인에서 답하기만 해요. 새로 고침과 기사 추가는 코퍼스 폴더가 있고 "
        "REFRESH_ENABLED=true인 봇이 해요."
    ),
    refresh_done=(
        "✅ 새로 고쳤어요 ({duration} 걸림): 추가 {added} · 변경 {updated} · 삭제 {removed} · "
        "그대로 {unchanged} · 실패 {failed}\n지금 {corpus}"
    ),
    refresh_change={
        "added": "추가",
        "updated": "변경",
        "removed": "삭제",
        "unchanged": "그대로",
        "failed": "실패",
        "truncated": "잘림",
    },
    add_usage="사용법: <code>/add https://…</code> (기사 주소 또는 RSS/Atom 피드 주소)",
    add_started="⏳ 가져오는 중: {url}",
    add_done="✅ 추가했어요: {title}",
    add_duplicate="이미 있는 기사예요: {title}",
    add_failed="❌ 추가하지 못했어요: {url}\n이유: {reason}",
    add_feed="✅ 피드를 구독했어요. 새 기사 {count}편을 추가했어요.",
    document_admin_only="파일로 기사를 추가하는 것은 봇 관리자만 할 수 있어요.",
    document_refused={
        "too_large": "❌ 파일이 너무 커요. 봇은 {limit}까지의 파일만 받을 수 있어요.",
        "unsupported": (
            "❌ 읽을 수 없는 형식이에요. .txt, .md, .html, .pdf, .docx 파일을 보내 주세요."
        ),
        "encrypted": "❌ 암호가 걸린 PDF는 읽을 수 없어요. 암호를 풀고 다시 보내 주세요.",
        "broken": "❌ 파일이 손상되어 읽을 수 없어요.",
        "bomb": "❌ 압축을 풀면 지나치게 커지는 파일이라 열지 않았어요.",
        "empty": "❌ 파일에서 기사 본문을 찾지 못했어요.",
    },
    document_kinds={
        "txt": "텍스트",
        "md": "마크다운",
        "html": "HTML",
        "pdf": "PDF",
        "docx": "Word 문서",
    },
    document_preview=(
        "📄 <b>{title}</b>\n{kind} · {file} · 구절 {passages}개\n<blockquote>{lead}</blockquote>"
        "\n이 기사를 추가할까요?"
    ),
    document_cut="✂️ 길어서 앞의 {kept}자만 추가돼요 (전체 {total}자).",
    document_add="추가",
    document_cancel="취소",
    document_adding="⏳ 추가하는 중: {title}",
    document_added=(
        "✅ 추가했어요: {title}\n구절 {passages}개 · 지금 기사 {articles}편, 구절 {total}개"
    ),
    document_unchanged="그대로예요: 같은 내용의 기사가 이미 있어요 ({title}).",
    document_cancelled="취소했어요. 아무것도 저장하지 않았어요: {title}",
)

ENGLISH_CHAT = ChatTexts(
    language="en",
    answers=ENGLISH,
    start=(
        "Hello! I have read a few (Korean) articles and answer questions by quoting "
        "<b>the passages themselves</b>.\n\n"
        "Just send me a question, e.g. <i>DeepSeek v3 훈련 비용은?</i>\n"
        "/sources lists the articles, /help explains the rest."
    ),
    help=(
        "<b>How to ask</b>\n"
        "• Private chat: just send the question.\n"
        "• Groups: <code>/ask question</code> or <code>/ask@{bot} question</code>, "
        "or reply to one of my messages to follow up.\n"
        "• Mentioning me in a group (<code>@{bot} question</code>) often does not reach me "
        "because of the group privacy mode: please use <code>/ask</code>.\n"
        "• In any chat, type <code>@{bot} question</code> to pick a passage to post "
        "(inline mode).\n\n"
        "Answers quote the relevant passages with your words in bold. "
        "“Read in full” opens the whole passage with the ones around it. "
        "Tell me with 👍 / 👎 whether an answer helped.\n\n"
        "/sources the articles · /help this help"
    ),
    group_intro=(
        "Hello! I answer questions about a few articles by quoting them.\n"
        "Ask with <code>/ask question</code> or reply to one of my messages. More: /help"
    ),
    ask_usage="Please add your question, e.g. <code>/ask DeepSeek v3 훈련 비용은?</code>",
    page_range="{first}–{last}",
    more="More results ▶",
    previous="◀ Previous",
    passage_previous="◀ Previous passage",
    passage_next="Next passage ▶",
    passage_position="passage {position} of {count}",
    passage_not_found=(
        "I can't find this passage any more; the article may have changed. Please ask again."
    ),
    feedback_up="👍",
    feedback_down="👎",
    feedback_thanks="Thanks for the feedback!",
    flood="You are asking too fast. Please ask again in {seconds} seconds.",
    busy="I'm busy with too many questions here; please ask again in a moment.",
    button_expired="This button has expired.",
    button_unavailable="This button can't be checked right now. Please try again shortly.",
    admin_only="Only the bot's admins can use this command.",
    sources_header="📚 {count} article{s} you can ask about",
    sources_read="read",
    stats=(
        "<b>Statistics</b>\n"
        "{asked} questions · {answered} answered · {not_found} not found\n"
        "Feedback 👍 {up} · 👎 {down}"
    ),
    stats_unanswered="<b>Most frequent unanswered questions</b>",
    stats_none="None yet.",
    stats_unavailable="The chat history can't be reached right now, so there are no statistics.",
    stats_retrieval={
        "hybrid": "Retrieval: BM25 + semantic (hybrid)",
        "bm25": "Retrieval: BM25 only (no semantic model, or its vectors aren't ready yet)",
    },
    error="Sorry, something went wrong while answering. Please try again later. "
    "(incident {incident})",
    inline_read="Read in full",
    refresh_started="⏳ Refreshing the articles…",
    refresh_running="A refresh is already running. Please try again when it has finished.",
    refresh_replica=(
        "This bot only answers from the shared index. Refreshing and adding articles is "
        "done by the bot with the corpus folder and REFRESH_ENABLED=true."
    ),
    refresh_done=(
        "✅ Refreshed in {duration}: added {added} · updated {updated} · removed {removed} · "
        "unchanged {unchanged} · failed {failed}\nNow {corpus}"
    ),
    refresh_change={
        "added": "added",
        "updated": "updated",
        "removed": "removed",
        "unchanged": "unchanged",
        "failed": "failed",
        "truncated": "cut",
    },
    add_usage="Usage: <code>/add https://…</code> (an article's address, or an RSS/Atom feed)",
    add_started="⏳ Fetching {url}",
    add_done="✅ Added: {title}",
    add_duplicate="Already in the corpus: {title}",
    add_failed="❌ Could not add {url}\nReason: {reason}",
    add_feed="✅ Subscribed to the feed; {count} new article{s} added.",
    document_admin_only="Only the bot's admins can add articles from files.",
    document_refused={
        "too_large": "❌ The file is too large: bots can receive files of up to {limit}.",
        "unsupported": "❌ I can't read this type of file. Please send .txt, .md, .html, .pdf "
        "or .docx.",
        "encrypted": "❌ The PDF is password-protected. Remove the password and send it again.",
        "broken": "❌ The file is damaged; I can't read it.",
        "bomb": "❌ The file unpacks to far too much data, so I didn't open it.",
        "empty": "❌ I found no article text in the file.",
    },
    document_kinds={
        "txt": "text",
        "md": "Markdown",
        "html": "HTML",
        "pdf": "PDF",
        "docx": "Word document",
    },
    document_preview=(
        "📄 <b>{title}</b>\n{kind} · {file} · {passages} passages\n"
        "<blockquote>{lead}</blockquote>\nAdd this article?"
    ),
    document_cut="✂️ It is long: only the first {kept} of {total} characters will be added.",
    document_add="Add",
    document_cancel="Cancel",
    document_adding="⏳ Adding {title}",
    document_added=(
        "✅ Added: {title}\n{passages} passage{passages_s} · now {articles} article{articles_s},"
        " {total} passage{total_s}"
    ),
    document_unchanged="Unchanged: an article with the same text is already there ({title}).",
    document_cancelled="Cancelled; nothing was stored: {title}",
)


def chat_texts_for(language_code: str | None) -> ChatTexts:
    """The same choice as the terminal's: English for English speakers, else Korean."""
    return ENGLISH_CHAT if texts_for(language_code) is ENGLISH else KOREAN_CHAT


def texts_for_update(update: object) -> ChatTexts:
    """The texts for whoever caused ``update`` (Korean when unknown)."""
    user = update.effective_user if isinstance(update, Update) else None
    return chat_texts_for(user.language_code if user else None)
