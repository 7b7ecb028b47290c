"""Errors that the bot expects and explains.

    BotError                 every expected failure; ``.user_message`` is safe to show
    ├── SettingsError        a setting is missing or malformed (names the setting)
    ├── CorpusError          an article file or the corpus folder can't be read
    ├── ImportFailed         a saved page could not be turned into an article
    ├── HistoryTooNew        the chat history was written by a newer version of the bot
    └── SearchUnavailable    the search cluster (OPENSEARCH_URL) can't be reached or refused

Unexpected errors are not caught here: they reach the front end's error handler.
"""

from __future__ import annotations

__all__ = [
    "BotError",
    "CorpusError",
    "HistoryTooNew",
    "ImportFailed",
    "SearchUnavailable",
    "SettingsError",
]


class BotError(Exception):
    """An expected failure with a message fit for the person who caused it."""

    @property
    def user_message(self) -> str:
        return str(self)


class SettingsError(BotError):
    """A setting from the environment or `.env` is missing or malformed."""


class CorpusError(BotError):
    """The corpus folder or an article file in it can't be read."""


class ImportFailed(BotError):
    """A saved page could not be turned into an article."""


class HistoryTooNew(BotError):
    """The chat history file has a newer schema than this version knows; it is left alone."""


class SearchUnavailable(BotError):
    """The OpenSearch cluster can't be reached, or refused a request (names OPENSEARCH_URL)."""
