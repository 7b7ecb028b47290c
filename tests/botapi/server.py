"""A loopback fake of the Telegram Bot API, for end-to-end tests of the real bot.

python-telegram-bot ships no emulator (its maintainers declined one), so end-to-end tests
point the real ``Application`` at this aiohttp server::

    async with FakeBotAPI() as fake:
        app = ApplicationBuilder().token(fake.token).base_url(fake.base_url).build()

The fake plays both sides of Telegram:

* **the Bot API** the bot calls: ``getUpdates`` long polling with Telegram's offset
  semantics, ``sendMessage``/``editMessageText``/..., answering with Telegram's result
  shapes and Telegram's *exact* error descriptions (looked up in the Bot API server and
  TDLib sources, see ``html_check`` for the HTML parser);
* **the users**, driven by the test: :meth:`FakeBotAPI.send_text`,
  :meth:`FakeBotAPI.send_document` (served by ``getFile`` and a file download route:
  ``ApplicationBuilder().base_file_url(fake.base_file_url)``),
  :meth:`FakeBotAPI.press_button`, :meth:`FakeBotAPI.inline_query`, group management,
  blocking the bot, supergroup migration.  Group privacy mode is simulated, so a group
  message the real bot would never see is not delivered here either.

Everything is observable (:attr:`FakeBotAPI.sent`, :attr:`FakeBotAPI.calls`,
:attr:`FakeBotAPI.errors`, ...) and awaitable without fixed sleeps
(:meth:`FakeBotAPI.wait_for`, :meth:`FakeBotAPI.wait_for_messages`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import json
import math
import socket
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, Self, TypeVar

from aiohttp import web

from .html_check import (
    EmptyTextError,
    Entity,
    FormattedText,
    HtmlParseError,
    check_link,
    find_entities,
    format_text,
    utf16_len,
)

T = TypeVar("T")
JSON = dict[str, Any]

MAX_MESSAGE_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_RESULTS = 50
MAX_INLINE_RESULT_ID_BYTES = 64
MAX_COMMANDS = 100
MAX_DOWNLOAD_BYTES = 20_000_000  # getFile refuses larger files: "file is too big"

QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
TERMINATED_BY_OTHER_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
WEBHOOK_IS_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)

ALL_UPDATE_TYPES = (
    "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
    "business_message", "edited_business_message", "deleted_business_messages",
    "message_reaction", "message_reaction_count", "inline_query", "chosen_inline_result",
    "callback_query", "shipping_query", "pre_checkout_query", "purchased_paid_media", "poll",
    "poll_answer", "my_chat_member", "chat_member", "chat_join_request", "chat_boost",
    "removed_chat_boost",
)  # fmt: skip
# Telegram's default when allowed_updates is empty or was never given.
DEFAULT_ALLOWED_UPDATES = frozenset(ALL_UPDATE_TYPES) - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note", "cancel", "record_audio", "upload_audio",
    }
)  # fmt: skip
OTHER_INLINE_BUTTON_KINDS = (
    "callback_game", "pay", "switch_inline_query", "switch_inline_query_chosen_chat",
    "switch_inline_query_current_chat", "login_url", "web_app", "copy_text",
)  # fmt: skip

# Parameters PTB (and other clients) send as JSON strings in form bodies.
JSON_PARAMS = frozenset(
    {
        "reply_markup", "reply_parameters", "link_preview_options", "entities", "results",
        "commands", "scope", "allowed_updates", "button", "caption_entities",
    }
)  # fmt: skip
INT_PARAMS = frozenset(
    {
        "message_id", "message_thread_id", "offset", "limit", "timeout", "user_id",
        "cache_time", "reply_to_message_id", "max_connections",
    }
)  # fmt: skip
BOOL_PARAMS = frozenset(
    {
        "disable_notification", "protect_content", "allow_sending_without_reply",
        "drop_pending_updates", "show_alert", "is_personal", "disable_web_page_preview",
    }
)  # fmt: skip

ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": True,
    "can_edit_stories": True,
    "can_delete_stories": True,
    "can_pin_messages": True,
    "can_manage_topics": True,
}


class BotApiError(Exception):
    """A refusal, answered as ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def to_json(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _telegram_wording(message: str) -> str:
    """The Bot API lowercases the first letter of TDLib messages, except for CONSTANTS."""
    if len(message) >= 2 and (message[1] == "_" or message[1].isupper()):
        return message
    return message[:1].lower() + message[1:]


_BAD_GATEWAY = -1  # in the injected failures' queue: a 502 instead of a 429


def bad_request(message: str, parameters: JSON | None = None) -> BotApiError:
    return BotApiError(400, f"Bad Request: {_telegram_wording(message)}", parameters)


def forbidden(message: str) -> BotApiError:
    return BotApiError(403, f"Forbidden: {message}")


def too_many_requests(retry_after: int) -> BotApiError:
    return BotApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class User:
    """A Telegram user (or the bot itself), as it appears in ``from`` fields."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_dict(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


ChatType = Literal["private", "group", "supergroup"]


@dataclass(frozen=True)
class Chat:
    """A chat as it appears in ``Message.chat``."""

    id: int
    type: ChatType
    title: str | None = None
    username: str | None = None
    is_forum: bool = False
    user: User | None = None  # the other side of a private chat

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")

    def to_dict(self) -> JSON:
        data: JSON = {"id": self.id, "type": self.type}
        if self.user is not None:
            data["first_name"] = self.user.first_name
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
            return data
        data["title"] = self.title
        if self.username:
            data["username"] = self.username
        if self.is_forum:
            data["is_forum"] = True
        return data


@dataclass(eq=False)
class SentMessage:
    """A message the bot sent and Telegram accepted; edits are applied in place."""

    message: JSON  # the live Message dict, as the chat shows it now
    source_text: str  # the ``text`` parameter as the bot sent it (HTML source), latest
    parse_mode: str | None
    warnings: tuple[str, ...] = ()
    edits: list[str] = field(default_factory=list)  # earlier visible texts, oldest first
    deleted: bool = False

    @property
    def chat_id(self) -> int:
        return int(self.message["chat"]["id"])

    @property
    def message_id(self) -> int:
        return int(self.message["message_id"])

    @property
    def text(self) -> str:
        """The visible text, after HTML parsing and Telegram's trimming."""
        return str(self.message.get("text", ""))

    @property
    def entities(self) -> list[JSON]:
        return list(self.message.get("entities", []))

    @property
    def reply_markup(self) -> JSON | None:
        return self.message.get("reply_markup")

    @property
    def reply_to_message_id(self) -> int | None:
        replied = self.message.get("reply_to_message")
        return None if replied is None else int(replied["message_id"])

    @property
    def message_thread_id(self) -> int | None:
        return self.message.get("message_thread_id")

    def formatted(self) -> FormattedText:
        return FormattedText(self.text, tuple(Entity.from_dict(e) for e in self.entities))

    def spans(self, entity_type: str) -> list[str]:
        """Visible substrings with one entity type, e.g. ``spans("text_link")``."""
        return self.formatted().spans(entity_type)

    def is_styled(self, fragment: str, entity_type: str) -> bool:
        """Whether all of ``fragment`` is e.g. ``"bold"`` (see FormattedText.is_styled)."""
        return self.formatted().is_styled(fragment, entity_type)

    @property
    def bold(self) -> list[str]:
        return self.spans("bold")

    @property
    def buttons(self) -> list[JSON]:
        """The inline keyboard's buttons, row after row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]

    @property
    def callback_data(self) -> list[str]:
        return [b["callback_data"] for b in self.buttons if "callback_data" in b]


@dataclass(frozen=True)
class ApiCall:
    """One request the bot made, with the answer the fake gave."""

    method: str
    params: JSON
    status: int  # HTTP status; 0 when the client went away before the answer
    response: JSON | None
    at: float
    abandoned: bool = False  # the client had disconnected; nobody saw the answer

    @property
    def ok(self) -> bool:
        return bool(self.response and self.response.get("ok"))

    @property
    def description(self) -> str | None:
        return None if self.response is None else self.response.get("description")

    @property
    def result(self) -> Any:
        return None if self.response is None else self.response.get("result")


@dataclass(frozen=True)
class FloodEvent:
    """A 429 the fake answered, and why."""

    method: str
    chat_id: int | str | None
    retry_after: int
    reason: str
    at: float


@dataclass(frozen=True)
class CallbackAnswer:
    """The bot's ``answerCallbackQuery``."""

    query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int


@dataclass(frozen=True)
class InlineAnswer:
    """The bot's ``answerInlineQuery``; ``results`` as sent (JSON)."""

    query_id: str
    results: list[JSON]
    cache_time: int | None
    is_personal: bool
    next_offset: str | None
    button: JSON | None


@dataclass(frozen=True)
class ChatAction:
    """A ``sendChatAction`` ("typing"...)."""

    chat_id: int
    action: str
    message_thread_id: int | None
    at: float


@dataclass(frozen=True)
class Undelivered:
    """Something a user did that Telegram would not pass on to the bot."""

    reason: str
    payload: JSON


@dataclass
class _ChatState:
    chat: Chat
    messages: dict[int, JSON] = field(default_factory=dict)  # message_id -> live Message
    members: dict[int, str] = field(default_factory=dict)  # user id -> status
    topics: dict[int, str] = field(default_factory=dict)  # message_thread_id -> name
    next_message_id: int = 1
    blocked: bool = False  # private chats: the user blocked the bot
    migrated_to: int | None = None

    def new_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass(frozen=True)
class _StoredFile:
    content: bytes
    size: int  # as Telegram reports it (may be set larger than ``content`` by a test)
    path: str  # getFile's file_path


@dataclass
class _Update:
    update_id: int
    kind: str
    payload: JSON
    fetched: bool = False  # handed out by getUpdates at least once


@dataclass
class _Query:
    kind: Literal["callback_query", "inline_query"]
    created_at: float
    answered: bool = False


@dataclass
class _Poll:
    """The getUpdates request currently waiting; a newer one terminates it (409)."""

    terminated: bool = False


class _Params:
    """Typed access to request parameters (form values arrive as strings)."""

    def __init__(self, values: JSON) -> None:
        self.values = values

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        return default if value is None else str(value)

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value in (None, ""):
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"Invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        return value is True or str(value).lower() in ("true", "1")

    def json(self, name: str) -> Any:
        return self.values.get(name)


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------

Method = Callable[[_Params], Awaitable[Any]]


class FakeBotAPI:
    """An in-process Telegram: a Bot API server on 127.0.0.1 plus users driven by the test.

    ``privacy_mode`` mirrors BotFather's group privacy (on by default): in groups the bot
    only gets commands, replies to its own messages and service messages, unless it is an
    administrator.  ``enforce_flood_limits`` turns on Telegram's per-chat limits (1 message
    a second into a private chat, 20 a minute into a group, 30 a second overall).
    ``strict_html`` additionally refuses HTML that Telegram silently degrades (unknown
    ``&entities;``, links without a valid href, nested blockquotes, > 100 entities);
    regardless of it, such degradations are listed in :attr:`warnings`.
    """

    def __init__(
        self,
        token: str = "123456:TEST-token",
        bot_username: str = "article_qa_bot",
        *,
        bot_name: str = "Article QA",
        privacy_mode: bool = True,
        enforce_flood_limits: bool = False,
        strict_html: bool = False,
        supports_inline_queries: bool = True,
        query_timeout: float = 15.0,
    ) -> None:
        self.token = token
        self.privacy_mode = privacy_mode
        self.enforce_flood_limits = enforce_flood_limits
        self.strict_html = strict_html
        self.supports_inline_queries = supports_inline_queries
        self.query_timeout = query_timeout
        self.bot_user = User(
            int(token.split(":", 1)[0]), bot_name, username=bot_username, is_bot=True
        )

        # What the tests observe.
        self.sent: list[SentMessage] = []
        self.calls: list[ApiCall] = []
        self.errors: list[ApiCall] = []
        self.flood_events: list[FloodEvent] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.inline_answers: list[InlineAnswer] = []
        self.chat_actions: list[ChatAction] = []
        self.commands: dict[tuple[str, int | None, int | None, str], list[JSON]] = {}
        self.updates: list[JSON] = []  # every update ever enqueued, delivered or not yet
        self.undelivered: list[Undelivered] = []
        self.warnings: list[str] = []
        self.webhook_url: str | None = None

        self._chats: dict[int, _ChatState] = {}
        self._users: dict[int, User] = {self.bot_user.id: self.bot_user}
        self._queue: list[_Update] = []
        self._allowed_updates = DEFAULT_ALLOWED_UPDATES
        self._queries: dict[str, _Query] = {}
        self._injected_failures: dict[str, deque[int]] = defaultdict(deque)
        self._send_times: dict[int | None, deque[float]] = defaultdict(deque)
        self._poll: _Poll | None = None
        self._waiters: list[asyncio.Future[None]] = []
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(700_000_001)
        self._stopping = False
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._files: dict[str, _StoredFile] = {}  # file_id -> what the user sent
        self.downloads: list[str] = []  # file paths the bot downloaded, in order
        self._methods: dict[str, Method] = {
            "getme": self._get_me,
            "getfile": self._get_file,
            "logout": self._ok,
            "close": self._ok,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "getupdates": self._get_updates,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "answerinlinequery": self._answer_inline_query,
            "sendchataction": self._send_chat_action,
            "getchat": self._get_chat,
            "getchatmember": self._get_chat_member,
            "getchatadministrators": self._get_chat_administrators,
            "getchatmembercount": self._get_chat_member_count,
            "leavechat": self._leave_chat,
        }

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Binds 127.0.0.1 on a free port and starts answering."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._download)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        # handler_cancellation: a long poll whose client went away stops waiting at once.
        self._runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        """Answers waiting long polls with ``[]`` and shuts the server down."""
        self._stopping = True
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeBotAPI is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``; PTB appends ``{token}/{method}``."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)``: PTB appends ``{token}/{path}``."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ---------------------------------------------------------------- scenario: people & chats

    def user(
        self,
        first_name: str = "민지",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "ko",
    ) -> User:
        """A new user; the bot can only message them after :meth:`private_chat`."""
        user = User(1_000_000_000 + next(self._ids), first_name, last_name, username, language_code)
        self._users[user.id] = user
        return user

    def private_chat(self, user: User) -> Chat:
        """The user's private chat with the bot, as if they had pressed Start."""
        if user.id in self._chats:
            return self._chats[user.id].chat
        chat = Chat(user.id, "private", user=user)
        state = _ChatState(chat)
        state.members.update({user.id: "member", self.bot_user.id: "member"})
        self._chats[chat.id] = state
        return chat

    def group(
        self,
        title: str = "기사 토론방",
        *,
        kind: Literal["group", "supergroup", "forum"] = "group",
        members: Iterable[User] = (),
        admins: Iterable[User] = (),
        creator: User | None = None,
        bot_member: bool = True,
        bot_admin: bool = False,
        username: str | None = None,
    ) -> Chat:
        """A group that already exists (no updates are sent for its creation).

        ``kind="forum"`` is a supergroup with topics; create them with :meth:`create_topic`.
        """
        number = next(self._ids)
        if kind == "group":
            chat = Chat(-4_000_000_000 - number, "group", title=title)
        else:
            chat = Chat(
                -1_002_000_000_000 - number,
                "supergroup",
                title=title,
                username=username,
                is_forum=kind == "forum",
            )
        state = _ChatState(chat)
        owner = creator or self.user("방장")
        state.members[owner.id] = "creator"
        state.members.update({u.id: "administrator" for u in admins})
        state.members.update({u.id: "member" for u in members})
        for known in (owner, *admins, *members):
            self._users[known.id] = known
        if bot_member or bot_admin:
            state.members[self.bot_user.id] = "administrator" if bot_admin else "member"
        self._chats[chat.id] = state
        return chat

    def create_topic(self, chat: Chat, name: str, by: User | None = None) -> int:
        """Opens a forum topic; returns its ``message_thread_id``."""
        state = self._state(chat)
        if not state.chat.is_forum:
            raise ValueError(f"{chat.title!r} is not a forum")
        message = self._new_message(state, by or self._creator(state))
        message["message_thread_id"] = message["message_id"]
        message["is_topic_message"] = True
        message["forum_topic_created"] = {"name": name, "icon_color": 7322096}
        state.topics[message["message_id"]] = name
        self._deliver_message(state, message)
        return int(message["message_id"])

    def add_bot_to_group(self, chat: Chat, by_user: User, *, as_admin: bool = False) -> JSON:
        """The user adds the bot: a ``my_chat_member`` update plus a ``new_chat_members``
        service message.  Returns the ChatMemberUpdated."""
        state = self._state(chat)
        self._join(state, by_user)
        update = self._set_bot_status(state, "administrator" if as_admin else "member", by_user)
        service = self._new_message(state, by_user)
        bot = self.bot_user.to_dict()
        service.update(new_chat_members=[bot], new_chat_member=bot, new_chat_participant=bot)
        self._deliver_message(state, service)
        return update

    def remove_bot_from_group(self, chat: Chat, by_user: User) -> JSON:
        """The user removes the bot (status ``kicked``); sending there now fails with 403."""
        state = self._state(chat)
        update = self._set_bot_status(state, "kicked", by_user)
        service = self._new_message(state, by_user)
        service.update(left_chat_member=self.bot_user.to_dict())
        state.messages[service["message_id"]] = service
        return update

    def make_admin(self, chat: Chat, user: User) -> None:
        """Promotes a user (or ``fake.bot_user``: then a ``my_chat_member`` update is sent)."""
        state = self._state(chat)
        if user.id == self.bot_user.id:
            self._set_bot_status(state, "administrator", self._creator(state))
        else:
            self._users[user.id] = user
            state.members[user.id] = "administrator"

    def block_bot(self, chat_or_user: Chat | User) -> JSON:
        """The user blocks the bot: ``my_chat_member`` with status ``kicked``; sending to
        them now fails with 403 "bot was blocked by the user"."""
        state = self._private_state(chat_or_user)
        state.blocked = True
        return self._my_chat_member(state, "member", "kicked", state.chat.user)

    def unblock_bot(self, chat_or_user: Chat | User) -> JSON:
        state = self._private_state(chat_or_user)
        state.blocked = False
        return self._my_chat_member(state, "kicked", "member", state.chat.user)

    def migrate_group_to_supergroup(self, chat: Chat, by_user: User | None = None) -> Chat:
        """Upgrades a basic group.  The old id then answers 400 "group chat was upgraded to a
        supergroup chat" with ``parameters.migrate_to_chat_id`` (PTB: ``ChatMigrated``)."""
        old = self._state(chat)
        if old.chat.type != "group" or old.migrated_to is not None:
            raise ValueError("only a basic group can be migrated, and only once")
        by = by_user or self._creator(old)
        new_chat = Chat(-1_002_000_000_000 - next(self._ids), "supergroup", title=old.chat.title)
        new = _ChatState(new_chat, members=dict(old.members))
        self._chats[new_chat.id] = new
        old.migrated_to = new_chat.id
        to_message = self._new_message(old, by)
        to_message["migrate_to_chat_id"] = new_chat.id
        self._deliver_message(old, to_message)
        from_message = self._new_message(new, by)
        from_message["migrate_from_chat_id"] = old.chat.id
        self._deliver_message(new, from_message)
        return new_chat

    # ---------------------------------------------------------------- scenario: what users do

    def send_text(
        self,
        chat: Chat,
        user: User,
        text: str,
        *,
        reply_to: int | JSON | SentMessage | None = None,
        thread_id: int | None = None,
    ) -> JSON:
        """The user sends ``text``; returns the Message.

        Entities for ``/commands``, ``@mentions``, hashtags and URLs are computed as
        Telegram does.  In groups with privacy mode the update only reaches the bot when
        Telegram would deliver it (see :attr:`undelivered` otherwise).
        """
        state = self._state(chat)
        if state.migrated_to is not None:
            raise ValueError(f"chat {chat.id} was migrated to {state.migrated_to}")
        if state.chat.type == "private":
            if state.chat.user is None or state.chat.user.id != user.id:
                raise ValueError("only the chat's user can write in a private chat")
            if state.blocked:  # writing to a blocked bot restarts it, as Telegram does
                self.unblock_bot(chat)
        else:
            self._join(state, user)
        replied = None if reply_to is None else self._find_message(state, reply_to)
        try:
            topic = self._topic_for(state, thread_id, replied)
        except BotApiError:
            raise ValueError(f"{chat.title!r} has no topic {thread_id}") from None
        message = self._new_message(state, user)
        self._place(message, state, replied, topic)
        message["text"] = text
        entities = find_entities(text)
        if entities:
            message["entities"] = [e.to_dict() for e in entities]
        self._deliver_message(state, message)
        return dict(message)

    def send_document(
        self,
        chat: Chat,
        user: User,
        content: bytes,
        file_name: str,
        *,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
        file_size: int | None = None,
    ) -> JSON:
        """The user sends a file (``content``), optionally with a caption; returns the Message.

        ``file_size`` overrides the size Telegram reports (a "25 MB" file without 25 MB of
        test data); ``getFile`` refuses files over 20 MB as Telegram does. Caption commands
        count for group privacy mode like commands in a text.
        """
        state = self._state(chat)
        if state.chat.type == "private":
            if state.chat.user is None or state.chat.user.id != user.id:
                raise ValueError("only the chat's user can write in a private chat")
        else:
            self._join(state, user)
        number = next(self._ids)
        file_id = f"BQACAgIAAxk-{number:08d}"
        size = len(content) if file_size is None else file_size
        self._files[file_id] = _StoredFile(content, size, f"documents/file_{number}")
        message = self._new_message(state, user)
        message["document"] = {
            "file_id": file_id,
            "file_unique_id": f"AgAD{number:08d}",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": size,
        }
        if caption is not None:
            message["caption"] = caption
            entities = find_entities(caption)
            if entities:
                message["caption_entities"] = [e.to_dict() for e in entities]
        self._deliver_message(state, message)
        return dict(message)

    def edit_text(self, message: JSON, text: str) -> JSON:
        """The user edits their message: an ``edited_message`` update."""
        state = self._state(message["chat"]["id"])
        live = self._find_message(state, message)
        live["text"] = text
        live["edit_date"] = self._now()
        entities = find_entities(text)
        if entities:
            live["entities"] = [e.to_dict() for e in entities]
        else:
            live.pop("entities", None)
        if self._bot_receives(state, live):
            self._enqueue("edited_message", dict(live))
        return dict(live)

    def press_button(
        self, message: JSON | SentMessage, callback_data: str, user: User | None = None
    ) -> JSON:
        """The user presses an inline button of a bot message; returns the CallbackQuery.

        Raises ``ValueError`` if the message (as it is now) has no such button.
        """
        chat_id = message.chat_id if isinstance(message, SentMessage) else message["chat"]["id"]
        state = self._state(chat_id)
        live = self._find_message(state, message)
        buttons = [
            b for row in live.get("reply_markup", {}).get("inline_keyboard", []) for b in row
        ]
        if callback_data not in [b.get("callback_data") for b in buttons]:
            raise ValueError(
                f"message {live['message_id']} has no button with callback_data "
                f"{callback_data!r}; its buttons are {buttons}"
            )
        return self._callback_query(state, live, callback_data, user)

    def press_forged_button(
        self, message: JSON | SentMessage, callback_data: str | None, user: User | None = None
    ) -> JSON:
        """What a modified client can do: a callback query on any bot message, with any
        ``callback_data`` (the message needs no such button), or none at all (``None``).

        Returns the CallbackQuery.
        """
        chat_id = message.chat_id if isinstance(message, SentMessage) else message["chat"]["id"]
        state = self._state(chat_id)
        return self._callback_query(state, self._find_message(state, message), callback_data, user)

    def _callback_query(
        self, state: _ChatState, live: JSON, callback_data: str | None, user: User | None
    ) -> JSON:
        presser = user or state.chat.user
        if presser is None:
            raise ValueError("say which user presses the button in a group")
        query_id = str(4_000_000_000_000_000_000 + next(self._ids))
        query = {
            "id": query_id,
            "from": presser.to_dict(),
            "message": dict(live),
            "chat_instance": str(abs(hash(("chat_instance", state.chat.id)))),
        }
        if callback_data is not None:
            query["data"] = callback_data
        self._queries[query_id] = _Query("callback_query", self._clock())
        self._enqueue("callback_query", query)
        return query

    def inline_query(
        self, user: User, query: str, *, offset: str = "", chat_type: str = "sender"
    ) -> JSON:
        """The user types ``@bot query``; returns the InlineQuery."""
        if not self.supports_inline_queries:
            raise ValueError("inline mode is off for this bot (BotFather /setinline)")
        self._users[user.id] = user
        query_id = str(5_000_000_000_000_000_000 + next(self._ids))
        inline = {
            "id": query_id,
            "from": user.to_dict(),
            "query": query,
            "offset": offset,
            "chat_type": chat_type,
        }
        self._queries[query_id] = _Query("inline_query", self._clock())
        self._enqueue("inline_query", inline)
        return inline

    def fail_next(self, method: str, times: int = 1, retry_after: int = 2) -> None:
        """The next ``times`` calls of ``method`` answer 429 "Too Many Requests"."""
        self._injected_failures[method.lower()].extend([retry_after] * times)

    def break_next(self, method: str, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` answer 502 "Bad Gateway", as a proxy
        in front of an unreachable Bot API does (a transient network failure)."""
        self._injected_failures[method.lower()].extend([_BAD_GATEWAY] * times)

    # ---------------------------------------------------------------- observing

    def sent_to(self, chat: Chat | int) -> list[SentMessage]:
        chat_id = chat.id if isinstance(chat, Chat) else chat
        return [m for m in self.sent if m.chat_id == chat_id]

    @property
    def last_sent(self) -> SentMessage:
        if not self.sent:
            raise LookupError("the bot has sent nothing yet")
        return self.sent[-1]

    @property
    def polling(self) -> bool:
        """Whether a getUpdates long poll is waiting right now."""
        return self._poll is not None

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def chat_history(self, chat: Chat | int) -> list[JSON]:
        """Every message still in the chat (users', bot's, service), edits applied."""
        return [dict(m) for m in self._state(chat).messages.values()]

    def commands_for(
        self,
        scope: str = "default",
        language_code: str = "",
        *,
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> list[JSON]:
        """The commands set with ``setMyCommands`` for exactly this scope and language."""
        return self.commands.get((scope, chat_id, user_id, language_code), [])

    async def wait_for(self, predicate: Callable[[], T], timeout: float = 10.0) -> T:  # noqa: ASYNC109
        """Returns ``predicate()`` as soon as it is truthy.

        The predicate is re-checked whenever the fake's state changes (a request answered,
        an update enqueued), so it should look at the fake, not at outside state.
        Raises ``TimeoutError`` with a summary of the recent traffic.
        """
        deadline = self._clock() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout}s\n{self.describe()}")
            await self._changed(remaining)

    async def wait_for_messages(
        self,
        chat: Chat | int,
        count: int = 1,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """Waits until the bot has sent ``count`` messages in total to the chat."""

        def enough() -> list[SentMessage]:
            messages = self.sent_to(chat)
            return messages if len(messages) >= count else []

        return await self.wait_for(enough, timeout)

    async def wait_for_call(self, method: str, count: int = 1, timeout: float = 10.0) -> ApiCall:  # noqa: ASYNC109
        """Waits until ``method`` was answered ``count`` times; returns the last such call."""

        def enough() -> list[ApiCall]:
            calls = self.calls_to(method)
            return calls if len(calls) >= count else []

        return (await self.wait_for(enough, timeout))[-1]

    async def wait_until_fetched(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Waits until getUpdates has handed out every update still queued (confirmed or
        dropped ones are gone).  The bot may still be processing them."""
        await self.wait_for(lambda: all(u.fetched for u in self._queue), timeout)

    def describe(self) -> str:
        """A summary of recent traffic, for assertion messages."""
        lines = [f"{len(self.calls)} calls, {len(self.sent)} sent, {len(self.errors)} errors"]
        for call in self.calls[-12:]:
            outcome = "ok" if call.ok else call.description
            lines.append(f"  {call.method} {call.params} -> {outcome}")
        return "\n".join(lines)

    # ---------------------------------------------------------------- HTTP plumbing

    async def _not_found(self, request: web.Request) -> web.Response:
        return _json_response({"ok": False, "error_code": 404, "description": "Not Found"}, 404)

    async def _download(self, request: web.Request) -> web.Response:
        """``GET /file/bot<token>/<file_path>``: the bytes of a file ``getFile`` described."""
        if request.match_info["token"] != self.token:
            return web.Response(status=401, text="Unauthorized")
        path = request.match_info["path"]
        stored = next((f for f in self._files.values() if f.path == path), None)
        if stored is None:
            return web.Response(status=404, text="Not Found")
        self.downloads.append(path)
        self._notify()
        return web.Response(body=stored.content, content_type="application/octet-stream")

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            body = {"ok": False, "error_code": 401, "description": "Unauthorized"}
            return _json_response(body, 401)
        method = request.match_info["method"]
        params = await _read_params(request)
        handler = self._methods.get(method.lower())
        at = self._clock()
        try:
            if handler is None:
                raise BotApiError(404, "Not Found")
            self._injected_flood(method, params)
            body: JSON = {"ok": True, "result": await handler(_Params(params))}
        except BotApiError as error:
            body = error.to_json()
        except asyncio.CancelledError:
            self._record(ApiCall(method, params, 0, None, at, abandoned=True))
            raise
        status = 200 if body["ok"] else int(body["error_code"])
        transport = request.transport
        abandoned = transport is None or transport.is_closing()
        self._record(ApiCall(method, params, status, body, at, abandoned))
        return _json_response(body, status)

    def _record(self, call: ApiCall) -> None:
        self.calls.append(call)
        if call.response is not None and not call.ok and not call.abandoned:
            self.errors.append(call)
        self._notify()

    def _notify(self) -> None:
        """Wakes everything waiting for a change (long polls, ``wait_for``)."""
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def _changed(self, timeout: float) -> None:  # noqa: ASYNC109
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait({waiter}, timeout=timeout)
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    @staticmethod
    def _clock() -> float:
        return time.monotonic()

    @staticmethod
    def _now() -> int:
        return int(time.time())

    # ---------------------------------------------------------------- flood control

    def _injected_flood(self, method: str, params: JSON) -> None:
        pending = self._injected_failures.get(method.lower())
        if pending:
            retry_after = pending.popleft()
            if retry_after == _BAD_GATEWAY:
                raise BotApiError(502, "Bad Gateway")
            raise self._flood(method, params.get("chat_id"), retry_after, "fail_next")

    def _flood(
        self, method: str, chat_id: int | str | None, retry_after: int, reason: str
    ) -> BotApiError:
        """Records a 429 and returns it, for the caller to raise."""
        self.flood_events.append(FloodEvent(method, chat_id, retry_after, reason, self._clock()))
        return too_many_requests(retry_after)

    def _check_flood_limits(self, method: str, chat: Chat) -> None:
        """Telegram's documented limits, enforced only with ``enforce_flood_limits``."""
        if not self.enforce_flood_limits:
            return
        now = self._clock()
        window, limit = (1.0, 1) if chat.type == "private" else (60.0, 20)
        for key, span, most, reason in (
            (chat.id, window, limit, f"more than {limit} message(s) per {window:g}s into chat"),
            (None, 1.0, 30, "more than 30 messages per second overall"),
        ):
            times = self._send_times[key]
            while times and times[0] <= now - span:
                times.popleft()
            if len(times) >= most:
                retry_after = max(1, math.ceil(times[0] + span - now))
                raise self._flood(method, chat.id, retry_after, reason)

    def _count_send(self, chat: Chat) -> None:
        now = self._clock()
        self._send_times[chat.id].append(now)
        self._send_times[None].append(now)

    # ---------------------------------------------------------------- chats & messages

    def _state(self, chat: Chat | int | str) -> _ChatState:
        chat_id = chat.id if isinstance(chat, Chat) else chat
        state = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if state is None:
            raise KeyError(f"unknown chat {chat_id!r}; create it with user()/group() first")
        return state

    def _private_state(self, chat_or_user: Chat | User) -> _ChatState:
        state = self._state(chat_or_user.id)
        if state.chat.type != "private":
            raise ValueError("only a private chat can block the bot")
        return state

    def _creator(self, state: _ChatState) -> User:
        for user_id, status in state.members.items():
            if status == "creator":
                return self._users[user_id]
        return state.chat.user or self.bot_user

    def _join(self, state: _ChatState, user: User) -> None:
        self._users[user.id] = user
        if state.members.get(user.id) in (None, "left"):
            state.members[user.id] = "member"

    def _chat_param(
        self, p: _Params, name: str = "chat_id", *, for_sending: bool = False
    ) -> _ChatState:
        """Resolves ``chat_id`` (an id or ``@username``) like the Bot API."""
        raw = p.values.get(name)
        if raw in (None, ""):
            raise bad_request(f"{name} is empty")
        state: _ChatState | None = None
        if isinstance(raw, str) and raw.startswith("@"):
            wanted = raw[1:].lower()
            state = next(
                (s for s in self._chats.values() if (s.chat.username or "").lower() == wanted),
                None,
            )
        else:
            with contextlib.suppress(TypeError, ValueError):
                state = self._chats.get(int(raw))
        if state is None:
            if for_sending and raw in self._users:  # a user who never started the bot
                raise forbidden("bot can't initiate conversation with a user")
            raise bad_request("chat not found")
        if state.migrated_to is not None:
            raise bad_request(
                "group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": state.migrated_to},
            )
        return state

    def _writable_chat(self, p: _Params) -> _ChatState:
        """A chat the bot may post in, or Telegram's 403 for why not."""
        state = self._chat_param(p, for_sending=True)
        chat = state.chat
        if chat.type == "private":
            if state.blocked:
                raise forbidden("bot was blocked by the user")
            return state
        kind = "group chat" if chat.type == "group" else "supergroup chat"
        status = state.members.get(self.bot_user.id, "left")
        if status == "kicked":
            raise forbidden(f"bot was kicked from the {kind}")
        if status == "left":
            raise forbidden(f"bot is not a member of the {kind}")
        return state

    def _new_message(self, state: _ChatState, sender: User) -> JSON:
        return {
            "message_id": state.new_message_id(),
            "from": sender.to_dict(),
            "chat": state.chat.to_dict(),
            "date": self._now(),
        }

    def _find_message(self, state: _ChatState, ref: int | JSON | SentMessage) -> JSON:
        if isinstance(ref, SentMessage):
            message_id = ref.message_id
        elif isinstance(ref, Mapping):
            message_id = int(ref["message_id"])
        else:
            message_id = int(ref)
        if message_id not in state.messages:
            raise ValueError(f"message {message_id} is not (or no longer) in chat {state.chat.id}")
        return state.messages[message_id]

    def _topic_for(
        self, state: _ChatState, thread_id: int | None, replied: JSON | None
    ) -> int | None:
        """The forum topic a new message lands in: the given one, else the replied one's."""
        if not state.chat.is_forum:
            return None
        if thread_id is None and replied is not None and replied.get("is_topic_message"):
            return int(replied["message_thread_id"])
        if thread_id is not None and thread_id not in state.topics:
            raise bad_request("message thread not found")
        return thread_id

    @staticmethod
    def _place(message: JSON, state: _ChatState, replied: JSON | None, topic: int | None) -> None:
        """Thread and reply fields, with Telegram's quirks.

        In a forum topic every message replies to the topic's creation message unless it
        replies to something else; in supergroups a reply carries the thread's root id as
        ``message_thread_id`` (without ``is_topic_message``).
        """
        quoted = replied
        if topic is not None:
            message["message_thread_id"] = topic
            message["is_topic_message"] = True
            quoted = replied or state.messages.get(topic)
        elif replied is not None and state.chat.type == "supergroup":
            message["message_thread_id"] = replied.get("message_thread_id", replied["message_id"])
        if quoted is not None:
            message["reply_to_message"] = {
                k: v for k, v in quoted.items() if k != "reply_to_message"
            }

    def _deliver_message(self, state: _ChatState, message: JSON) -> None:
        state.messages[message["message_id"]] = message
        if self._bot_receives(state, message):
            self._enqueue("message", dict(message))
        else:
            self.undelivered.append(Undelivered(self._why_not_delivered(state), dict(message)))
            self._notify()

    def _bot_receives(self, state: _ChatState, message: JSON) -> bool:
        """Telegram's delivery rules for a user's message, including group privacy mode."""
        chat = state.chat
        if chat.type == "private":
            return not state.blocked
        status = state.members.get(self.bot_user.id, "left")
        if status not in ("member", "administrator"):
            return False
        content = "text" in message or "document" in message
        if not self.privacy_mode or status == "administrator" or not content:
            return True  # service messages always arrive
        replied = message.get("reply_to_message")
        if replied and replied["from"]["id"] == self.bot_user.id:
            return True
        text = message.get("text", message.get("caption", ""))
        for entity in message.get("entities", message.get("caption_entities", [])):
            if entity["type"] != "bot_command":
                continue
            command = text[entity["offset"] : entity["offset"] + entity["length"]]
            _, _, addressee = command.partition("@")
            if not addressee or addressee.lower() == (self.bot_user.username or "").lower():
                return True
        return False

    def _why_not_delivered(self, state: _ChatState) -> str:
        if state.chat.type == "private":
            return "the user blocked the bot"
        if state.members.get(self.bot_user.id, "left") not in ("member", "administrator"):
            return "the bot is not in the group"
        return "privacy mode: not a command for this bot nor a reply to it"

    def _set_bot_status(self, state: _ChatState, status: str, by_user: User | None) -> JSON:
        old = state.members.get(self.bot_user.id, "left")
        state.members[self.bot_user.id] = status
        return self._my_chat_member(state, old, status, by_user)

    def _my_chat_member(self, state: _ChatState, old: str, new: str, by_user: User | None) -> JSON:
        update = {
            "chat": state.chat.to_dict(),
            "from": (by_user or self.bot_user).to_dict(),
            "date": self._now(),
            "old_chat_member": self._member_dict(self.bot_user, old),
            "new_chat_member": self._member_dict(self.bot_user, new),
        }
        self._enqueue("my_chat_member", update)
        return update

    @staticmethod
    def _member_dict(user: User, status: str) -> JSON:
        member: JSON = {"user": user.to_dict(), "status": status}
        if status == "administrator":
            member.update(ADMIN_RIGHTS)
        elif status == "creator":
            member["is_anonymous"] = False
        elif status == "kicked":
            member["until_date"] = 0
        return member

    # ---------------------------------------------------------------- updates

    def _enqueue(self, kind: str, payload: JSON) -> JSON:
        update_id = next(self._update_ids)
        update = {"update_id": update_id, kind: payload}
        self._queue.append(_Update(update_id, kind, update))
        self.updates.append(update)
        self._notify()
        return update

    def _confirm(self, offset: int) -> None:
        """Telegram's offset rules: a positive offset confirms every lower update id; a
        negative one keeps only the last ``-offset`` updates."""
        if offset > 0:
            self._queue = [u for u in self._queue if u.update_id >= offset]
        elif offset < 0:
            self._queue = self._queue[offset:]

    def _take(self, limit: int) -> list[_Update]:
        """Up to ``limit`` deliverable updates; disallowed types are dropped for good."""
        batch: list[_Update] = []
        for update in list(self._queue):
            if update.kind not in self._allowed_updates:
                self._queue.remove(update)
                self.undelivered.append(Undelivered("not in allowed_updates", update.payload))
                continue
            batch.append(update)
            if len(batch) == limit:
                break
        return batch

    # ---------------------------------------------------------------- Bot API methods

    async def _ok(self, p: _Params) -> bool:
        return True

    async def _get_me(self, p: _Params) -> JSON:
        return {
            **self.bot_user.to_dict(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": self.supports_inline_queries,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_file(self, p: _Params) -> JSON:
        file_id = p.text("file_id") or ""
        stored = self._files.get(file_id)
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.size > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return {
            "file_id": file_id,
            "file_unique_id": f"AgAD{file_id[-8:]}",
            "file_size": stored.size,
            "file_path": stored.path,
        }

    async def _set_webhook(self, p: _Params) -> bool:
        url = p.text("url") or None
        if p.flag("drop_pending_updates"):
            self._queue.clear()
        self.webhook_url = url
        return True

    async def _delete_webhook(self, p: _Params) -> bool:
        if p.flag("drop_pending_updates"):
            self._queue.clear()
        self.webhook_url = None
        return True

    async def _get_webhook_info(self, p: _Params) -> JSON:
        return {
            "url": self.webhook_url or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }

    async def _get_updates(self, p: _Params) -> list[JSON]:
        if self.webhook_url:
            raise BotApiError(409, WEBHOOK_IS_ACTIVE)
        offset = p.integer("offset", 0) or 0
        limit = min(max(p.integer("limit", 100) or 100, 1), 100)
        timeout = max(p.integer("timeout", 0) or 0, 0)
        allowed = p.json("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) or DEFAULT_ALLOWED_UPDATES
        self._confirm(offset)
        if self._poll is not None:
            self._poll.terminated = True
        poll = self._poll = _Poll()
        self._notify()
        deadline = self._clock() + timeout
        try:
            while True:
                if poll.terminated:
                    raise BotApiError(409, TERMINATED_BY_OTHER_POLL)
                batch = self._take(limit)
                remaining = deadline - self._clock()
                if batch or remaining <= 0 or self._stopping:
                    break
                await self._changed(remaining)
        finally:
            if self._poll is poll:
                self._poll = None
        for update in batch:
            update.fetched = True
        return [update.payload for update in batch]

    # -- commands

    def _command_scope(self, p: _Params) -> tuple[str, int | None, int | None]:
        scope = p.json("scope")
        if scope in (None, ""):
            return ("default", None, None)
        if not isinstance(scope, dict):
            raise bad_request("Can't parse BotCommandScope JSON object")
        kind = str(scope.get("type", ""))
        if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
            return (kind, None, None)
        if kind not in ("chat", "chat_administrators", "chat_member"):
            raise bad_request("Can't parse BotCommandScope: Unsupported type specified")
        state = self._chat_param(_Params(scope))
        user_id = _Params(scope).integer("user_id") if kind == "chat_member" else None
        return (kind, state.chat.id, user_id)

    @staticmethod
    def _language_code(p: _Params) -> str:
        code = p.text("language_code", "") or ""
        if code and not (len(code) == 2 and code.isascii() and code.isalpha()):
            raise bad_request("Invalid language code specified")
        return code

    async def _set_my_commands(self, p: _Params) -> bool:
        raw = p.json("commands")
        if not isinstance(raw, list):
            raise bad_request("Can't parse commands JSON object")
        commands = [self._bot_command(item) for item in raw]
        scope = self._command_scope(p)
        language = self._language_code(p)
        if len(commands) > MAX_COMMANDS:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        self.commands[(*scope, language)] = commands
        return True

    @staticmethod
    def _bot_command(item: Any) -> JSON:
        """TDLib's checks, then the server's (``BOT_COMMAND_INVALID``)."""
        if not isinstance(item, dict):
            raise bad_request("Can't parse BotCommand: expected an Object")
        for key in ("command", "description"):
            if not isinstance(item.get(key), str):
                raise bad_request(f"Can't parse BotCommand: Can't find field \"{key}\"")
        command = item["command"].strip().removeprefix("/")
        description = item["description"].strip()
        if not command:
            raise bad_request("Command must be non-empty")
        if len(command) > 32:
            raise bad_request("Command length must not exceed 32")
        if not description:
            raise bad_request("Command description must be non-empty")
        if len(description) > 256:
            raise bad_request("Command description length must not exceed 256")
        if not all(ch.isascii() and (ch.islower() or ch.isdigit() or ch == "_") for ch in command):
            raise bad_request("BOT_COMMAND_INVALID")
        return {"command": command, "description": description}

    async def _get_my_commands(self, p: _Params) -> list[JSON]:
        key = (*self._command_scope(p), self._language_code(p))
        return self.commands.get(key, [])

    async def _delete_my_commands(self, p: _Params) -> bool:
        self.commands.pop((*self._command_scope(p), self._language_code(p)), None)
        return True

    # -- texts and keyboards

    def _format(self, p: _Params, text_name: str = "text") -> FormattedText:
        """Telegram's text pipeline: parse_mode, entities, trimming, warnings."""
        text = p.text(text_name, "") or ""
        if not text:
            raise bad_request("Message text is empty")
        return self._format_text(text, p.text("parse_mode"), p.json("entities"))

    def _format_text(self, text: str, parse_mode: str | None, raw_entities: Any) -> FormattedText:
        if len(text.encode("utf-8", "surrogatepass")) > 1 << 15:
            raise bad_request("Text is too long")
        mode = (parse_mode or "").lower()
        if mode in ("markdown", "markdownv2"):
            raise bad_request(
                f"parse_mode {parse_mode} is not supported by the fake Bot API (only HTML is)"
            )
        if mode not in ("", "none", "html"):
            raise bad_request("Unsupported parse_mode")
        entities = _entities_param(text, raw_entities) if mode in ("", "none") else []
        try:
            formatted = format_text(text, "HTML" if mode == "html" else None, entities)
        except HtmlParseError as error:
            raise bad_request(f"Can't parse entities: {error}") from None
        except EmptyTextError as error:
            raise bad_request(str(error)) from None
        if formatted.warnings and self.strict_html:
            raise bad_request(
                f"Can't parse entities: {formatted.warnings[0]} "
                "[fake strict_html mode: Telegram itself would accept this]"
            )
        self.warnings.extend(formatted.warnings)
        return formatted

    @staticmethod
    def _check_length(text: FormattedText) -> None:
        if text.utf16_length > MAX_MESSAGE_LENGTH:
            raise bad_request("Message is too long")

    def _reply_markup(self, raw: Any) -> JSON | None:
        """Validates reply_markup; returns what ``Message.reply_markup`` will show."""
        if raw in (None, ""):
            return None
        if isinstance(raw, str):
            raise bad_request("Can't parse reply keyboard markup JSON object")
        if not isinstance(raw, dict):
            raise bad_request("Object expected as reply markup")
        rows = raw.get("inline_keyboard")
        if rows is None:
            return None  # reply keyboards, remove_keyboard, force_reply: not shown in Message
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                self._check_inline_button(button)
        return {"inline_keyboard": rows} if any(rows) else None

    @staticmethod
    def _check_inline_button(button: Any) -> None:
        if not isinstance(button, dict):
            raise bad_request(
                "Can't parse inline keyboard button: InlineKeyboardButton must be an Object"
            )
        if not isinstance(button.get("text"), str):
            raise bad_request("Can't parse inline keyboard button: Can't find field \"text\"")
        url = button.get("url") or ""
        if url:
            checked = check_link(str(url))
            if checked.error:
                raise bad_request(f"Inline keyboard button URL '{url}' is invalid: {checked.error}")
            return
        data = button.get("callback_data") or ""
        if data:
            if len(str(data).encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
            return
        if not any(kind in button for kind in OTHER_INLINE_BUTTON_KINDS):
            raise bad_request(
                "Can't parse inline keyboard button: Text buttons are unallowed in the inline "
                "keyboard"
            )

    def _replied_message(self, p: _Params, state: _ChatState) -> JSON | None:
        """The message to reply to, from ``reply_parameters`` or legacy parameters."""
        raw = p.json("reply_parameters")
        if raw in (None, ""):
            if not p.has("reply_to_message_id"):
                return None
            raw = {
                "message_id": p.integer("reply_to_message_id"),
                "allow_sending_without_reply": p.flag("allow_sending_without_reply"),
            }
        if not isinstance(raw, dict):
            raise bad_request("Can't parse reply parameters JSON object")
        reply = _Params(raw)
        target = self._chat_param(reply) if reply.has("chat_id") else state
        message_id = reply.integer("message_id")
        replied = target.messages.get(message_id or 0)
        if replied is None and not reply.flag("allow_sending_without_reply"):
            raise bad_request("message to be replied not found")
        return replied

    def _bot_message_for(self, p: _Params, text: FormattedText) -> tuple[_ChatState, JSON]:
        state = self._writable_chat(p)
        markup = self._reply_markup(p.json("reply_markup"))
        replied = self._replied_message(p, state)
        topic = self._topic_for(state, p.integer("message_thread_id"), replied)
        self._check_length(text)
        self._check_flood_limits("sendMessage", state.chat)
        message = self._new_message(state, self.bot_user)
        self._place(message, state, replied, topic)
        message["text"] = text.text
        if text.entities:
            message["entities"] = text.entity_dicts()
        if markup is not None:
            message["reply_markup"] = markup
        return state, message

    async def _send_message(self, p: _Params) -> JSON:
        text = self._format(p)
        state, message = self._bot_message_for(p, text)
        state.messages[message["message_id"]] = message
        self._count_send(state.chat)
        self.sent.append(
            SentMessage(message, p.text("text") or "", p.text("parse_mode"), text.warnings)
        )
        self._notify()
        return message

    def _editable_message(self, p: _Params) -> tuple[_ChatState, JSON]:
        if p.has("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        state = self._writable_chat(p)
        message = state.messages.get(p.integer("message_id") or 0)
        if message is None:
            raise bad_request("message to edit not found")
        if message["from"]["id"] != self.bot_user.id:
            raise bad_request("message can't be edited")
        return state, message

    def _apply_edit(
        self, message: JSON, text: FormattedText | None, markup: JSON | None, p: _Params
    ) -> JSON:
        if text is not None:
            new_entities = text.entity_dicts()
            unchanged = (text.text, new_entities) == (
                message.get("text"),
                message.get("entities", []),
            )
        else:
            unchanged = True
        if unchanged and markup == message.get("reply_markup"):
            raise bad_request(NOT_MODIFIED)
        record = next((s for s in self.sent if s.message is message), None)
        if text is not None:
            if record is not None:
                record.edits.append(record.text)
                record.source_text = p.text("text") or ""
                record.parse_mode = p.text("parse_mode")
                record.warnings = text.warnings
            message["text"] = text.text
            if text.entities:
                message["entities"] = text.entity_dicts()
            else:
                message.pop("entities", None)
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        message["edit_date"] = self._now()
        self._notify()
        return message

    async def _edit_message_text(self, p: _Params) -> JSON:
        text = self._format(p)
        _, message = self._editable_message(p)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        markup = self._reply_markup(p.json("reply_markup"))
        self._check_length(text)
        return self._apply_edit(message, text, markup, p)

    async def _edit_message_reply_markup(self, p: _Params) -> JSON:
        _, message = self._editable_message(p)
        markup = self._reply_markup(p.json("reply_markup"))
        return self._apply_edit(message, None, markup, p)

    async def _delete_message(self, p: _Params) -> bool:
        state = self._writable_chat(p)
        message_id = p.integer("message_id") or 0
        message = state.messages.get(message_id)
        if message is None:
            raise bad_request("message to delete not found")
        own = message["from"]["id"] == self.bot_user.id
        is_admin = state.members.get(self.bot_user.id) == "administrator"
        if state.chat.is_group and not own and not is_admin:
            raise bad_request("message can't be deleted")
        del state.messages[message_id]
        for record in self.sent:
            if record.message is message:
                record.deleted = True
        self._notify()
        return True

    # -- queries

    def _open_query(self, query_id: str | None, kind: str) -> _Query:
        """The query being answered; each can be answered once, within ``query_timeout``."""
        query = self._queries.get(query_id or "")
        too_old = query is not None and self._clock() - query.created_at > self.query_timeout
        if query is None or query.kind != kind or query.answered or too_old:
            raise bad_request(QUERY_TOO_OLD)
        return query

    async def _answer_callback_query(self, p: _Params) -> bool:
        query_id = p.text("callback_query_id")
        self._open_query(query_id, "callback_query").answered = True
        self.callback_answers.append(
            CallbackAnswer(
                query_id or "",
                p.text("text"),
                p.flag("show_alert"),
                p.text("url"),
                p.integer("cache_time", 0) or 0,
            )
        )
        self._notify()
        return True

    async def _answer_inline_query(self, p: _Params) -> bool:
        raw = p.json("results")
        if isinstance(raw, str):
            raise bad_request("Can't parse JSON encoded inline query results: invalid JSON")
        results = raw if isinstance(raw, list) else []
        if len(results) > MAX_INLINE_RESULTS:
            raise bad_request("Too many inline query results specified")
        for result in results:
            self._check_inline_result(result)
        query_id = p.text("inline_query_id")
        query = self._open_query(query_id, "inline_query")
        ids = [str(r["id"]) for r in results]
        if any(not 1 <= len(i.encode("utf-8")) <= MAX_INLINE_RESULT_ID_BYTES for i in ids):
            raise bad_request("RESULT_ID_INVALID")
        if len(set(ids)) != len(ids):
            raise bad_request("RESULT_ID_DUPLICATE")
        query.answered = True
        self.inline_answers.append(
            InlineAnswer(
                query_id or "",
                results,
                p.integer("cache_time"),
                p.flag("is_personal"),
                p.text("next_offset"),
                p.json("button"),
            )
        )
        self._notify()
        return True

    def _check_inline_result(self, result: Any) -> None:
        """The Bot API's parsing of one result; errors are prefixed like Telegram's."""
        prefix = "Can't parse inline query result: "
        if not isinstance(result, dict):
            raise bad_request(prefix + "Inline query result must be an object")
        for key in ("type", "id"):
            if not isinstance(result.get(key), str):
                raise bad_request(prefix + f'Can\'t find field "{key}"')
        content = result.get("input_message_content")
        if result["type"].lower() == "article":
            if not isinstance(result.get("title"), str):
                raise bad_request(prefix + 'Can\'t find field "title"')
            if not isinstance(content, dict) or not content.get("message_text"):
                raise bad_request(prefix + "Input message content is not specified")
        if isinstance(content, dict) and content.get("message_text"):
            try:
                text = self._format_text(
                    str(content["message_text"]), content.get("parse_mode"), content.get("entities")
                )
            except BotApiError as error:
                detail = error.description.removeprefix("Bad Request: ")
                raise bad_request(prefix + detail[:1].upper() + detail[1:]) from None
            if text.utf16_length > MAX_MESSAGE_LENGTH:
                raise bad_request("MESSAGE_TOO_LONG")
        if "reply_markup" in result:
            self._reply_markup(result["reply_markup"])

    # -- chats

    async def _send_chat_action(self, p: _Params) -> bool:
        state = self._writable_chat(p)
        action = (p.text("action") or "").lower()
        if action not in CHAT_ACTIONS:
            raise bad_request("Wrong parameter action in request")
        thread = self._topic_for(state, p.integer("message_thread_id"), None)
        self.chat_actions.append(ChatAction(state.chat.id, action, thread, self._clock()))
        self._notify()
        return True

    def _readable_chat(self, p: _Params) -> _ChatState:
        state = self._chat_param(p)
        if state.chat.is_group and state.members.get(self.bot_user.id) in (None, "left", "kicked"):
            raise bad_request("chat not found")
        return state

    async def _get_chat(self, p: _Params) -> JSON:
        state = self._readable_chat(p)
        info = state.chat.to_dict()
        info.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        return info

    async def _get_chat_member(self, p: _Params) -> JSON:
        state = self._readable_chat(p)
        user_id = p.integer("user_id")
        user = self._users.get(user_id or 0)
        if user is None:
            raise bad_request("user not found")
        return self._member_dict(user, state.members.get(user.id, "left"))

    async def _get_chat_administrators(self, p: _Params) -> list[JSON]:
        state = self._readable_chat(p)
        return [
            self._member_dict(self._users[user_id], status)
            for user_id, status in state.members.items()
            if status in ("creator", "administrator")
        ]

    async def _get_chat_member_count(self, p: _Params) -> int:
        state = self._readable_chat(p)
        present = ("creator", "administrator", "member")
        return sum(status in present for status in state.members.values())

    async def _leave_chat(self, p: _Params) -> bool:
        state = self._readable_chat(p)
        self._set_bot_status(state, "left", None)
        return True


# --------------------------------------------------------------------------------------------
# Request decoding
# --------------------------------------------------------------------------------------------


async def _read_params(request: web.Request) -> JSON:
    """Query string, form (urlencoded or multipart) or JSON body, or nothing at all."""
    params: JSON = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            with contextlib.suppress(ValueError):
                body = await request.json()
                if isinstance(body, dict):
                    params.update(body)
        else:
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
    return {name: _decode(name, value) for name, value in params.items()}


def _decode(name: str, value: Any) -> Any:
    """Form values are strings; JSON-typed parameters arrive as JSON strings."""
    if not isinstance(value, str):
        return value
    if name in JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    if name in INT_PARAMS or name == "chat_id":
        with contextlib.suppress(ValueError):
            return int(value)
    if name in BOOL_PARAMS and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _entities_param(text: str, raw: Any) -> list[Entity]:
    """The ``entities`` parameter (used when there is no parse_mode)."""
    if not isinstance(raw, list):
        return []
    entities = []
    for item in raw:
        try:
            entity = Entity.from_dict(item)
        except (KeyError, TypeError, ValueError):
            raise bad_request("Can't parse MessageEntity: expected an Object") from None
        end = utf16_len(text)
        if entity.offset < 0 or entity.length < 0 or entity.end > end:
            raise bad_request(
                f"Entity beginning at UTF-16 offset {entity.offset} ends after the end of the "
                f"text at UTF-16 offset {entity.end}"
            )
        entities.append(entity)
    return entities


_dumps = functools.partial(json.dumps, ensure_ascii=False)


def _json_response(body: JSON, status: int) -> web.Response:
    return web.json_response(body, status=status, dumps=_dumps)
