"""Keep the bot token out of every log line.

Bot API URLs contain the token (``.../bot<token>/sendMessage``): httpx logs them at
INFO, and exceptions can quote them. ``redact_token_in_logs(token)`` raises httpx's
loggers to WARNING and puts a filter on the root logger's handlers that replaces the
token in each record's message, arguments and traceback, whichever library logged it.
"""

from __future__ import annotations

import logging

__all__ = ["REDACTED", "TokenFilter", "redact_token_in_logs"]

REDACTED = "<redacted-token>"


class TokenFilter(logging.Filter):
    """Rewrites records so that no secret survives formatting; never drops a record."""

    def __init__(self, *secrets: str) -> None:
        super().__init__()
        # the whole token, and its secret half alone (the bot id before ':' is public)
        parts = {s for token in secrets if token for s in (token, token.partition(":")[2])}
        self.secrets = sorted((s for s in parts if len(s) >= 8), key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def redact_token_in_logs(token: str, logger: logging.Logger | None = None) -> TokenFilter:
    """Installs a ``TokenFilter`` on every handler of ``logger`` (the root logger)."""
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    token_filter = TokenFilter(token)
    for handler in (logger or logging.getLogger()).handlers:
        if not any(
            isinstance(f, TokenFilter) and f.secrets == token_filter.secrets
            for f in handler.filters
        ):
            handler.addFilter(token_filter)
    return token_filter
