"""A loopback fake of the Telegram Bot API for end-to-end tests (see ``server.py``)."""

from .html_check import (
    Entity,
    FormattedText,
    HtmlParseError,
    check_link,
    format_text,
    parse_html,
    utf16_len,
    utf16_slice,
)
from .server import (
    ApiCall,
    BotApiError,
    CallbackAnswer,
    Chat,
    ChatAction,
    FakeBotAPI,
    FloodEvent,
    InlineAnswer,
    SentMessage,
    Undelivered,
    User,
)

__all__ = [
    "ApiCall",
    "BotApiError",
    "CallbackAnswer",
    "Chat",
    "ChatAction",
    "Entity",
    "FakeBotAPI",
    "FloodEvent",
    "FormattedText",
    "HtmlParseError",
    "InlineAnswer",
    "SentMessage",
    "Undelivered",
    "User",
    "check_link",
    "format_text",
    "parse_html",
    "utf16_len",
    "utf16_slice",
]
