"""The error handler sorts Telegram's refusals from bugs; the token never reaches a log line."""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.chat.errors import on_error
from bot.chat.redaction import REDACTED, TokenFilter, redact_token_in_logs

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.mark.parametrize(
    "make",
    [
        lambda: Forbidden("Forbidden: bot was blocked by the user"),
        lambda: Forbidden("Forbidden: bot was kicked from the supergroup chat"),
        lambda: BadRequest("Chat not found"),
        lambda: BadRequest("Message is not modified: specified new message content …"),
        lambda: BadRequest("Message to edit not found"),
        lambda: BadRequest("Message can't be edited"),
        lambda: BadRequest("Query is too old and response timeout expired or query id is invalid"),
        lambda: ChatMigrated(-1002001),
        lambda: RetryAfter(5),
        lambda: NetworkError("httpx.ConnectError: All connection attempts failed"),
        lambda: TimedOut(),
    ],
    ids=[
        "blocked",
        "kicked",
        "deleted-chat",
        "not-modified",
        "message-gone",
        "too-old-to-edit",
        "query-too-old",
        "migrated",
        "flood",
        "network",
        "timeout",
    ],
)
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # RetryAfter
async def test_telegram_refusals_are_logged_in_one_line_without_alarm(
    make: Callable[[], Exception], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.chat.errors")

    await on_error(None, SimpleNamespace(error=make()))  # type: ignore[arg-type]

    (record,) = caplog.records
    assert record.levelno < logging.ERROR and record.exc_info is None


async def test_anything_else_is_an_incident_with_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    try:
        raise KeyError("boom")
    except KeyError as error:
        await on_error(None, SimpleNamespace(error=error))  # type: ignore[arg-type]

    (record,) = caplog.records
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert record.getMessage().startswith("incident ")


async def test_an_unexpected_bad_request_is_an_incident(caplog: pytest.LogCaptureFixture) -> None:
    await on_error(None, SimpleNamespace(error=BadRequest("Can't parse entities: …")))  # type: ignore[arg-type]

    assert caplog.records[0].levelno == logging.ERROR


def _record(message: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc else None
    return logging.LogRecord("httpx", logging.INFO, __file__, 1, message, args, exc_info)


def test_the_filter_redacts_messages_arguments_and_tracebacks() -> None:
    token_filter = TokenFilter(TOKEN)
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/getMe failed")
    except RuntimeError as error:
        record = _record("HTTP Request: %s %s", "POST", f"/bot{TOKEN}/sendMessage", exc=error)

    assert token_filter.filter(record)
    output = logging.Formatter().format(record)

    assert TOKEN not in output and TOKEN.split(":")[1] not in output
    assert f"/bot{REDACTED}/sendMessage" in output and "failed" in output


def test_the_secret_half_alone_is_redacted_too() -> None:
    record = _record("token part %s", TOKEN.split(":")[1])

    TokenFilter(TOKEN).filter(record)

    assert record.getMessage() == f"token part {REDACTED}"


def test_records_without_the_token_are_left_alone() -> None:
    record = _record("hello %s", "world")

    assert TokenFilter(TOKEN).filter(record)
    assert (record.msg, record.args) == ("hello %s", ("world",))


def test_installing_puts_the_filter_on_every_root_handler_once() -> None:
    logger = logging.getLogger("test-redaction")
    handler = logging.StreamHandler()
    logger.addHandler(handler)
    httpx_level = logging.getLogger("httpx").level
    try:
        redact_token_in_logs(TOKEN, logger)
        redact_token_in_logs(TOKEN, logger)

        assert sum(isinstance(f, TokenFilter) for f in handler.filters) == 1
        assert logging.getLogger("httpx").level == logging.WARNING
    finally:
        logger.removeHandler(handler)
        logging.getLogger("httpx").setLevel(httpx_level)
