"""LOG_FORMAT=json: one JSON object per line, tracebacks included, the token redacted."""

from __future__ import annotations

import io
import json
import logging

from bot.chat.redaction import REDACTED, TokenFilter
from bot.logs import JsonFormatter
from bot.settings import Settings

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"


def test_each_record_is_one_json_line_with_its_traceback_and_no_token():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(TokenFilter(TOKEN))
    logger = logging.getLogger("test.json-logs")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("질문 %d개, url %s", 3, f"https://api.telegram.org/bot{TOKEN}/getMe")
        try:
            raise ValueError(f"bad {TOKEN}")
        except ValueError:
            logger.exception("failed\nacross lines")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["level"] == "WARNING" and first["logger"] == "test.json-logs"
    assert first["message"] == f"질문 3개, url https://api.telegram.org/bot{REDACTED}/getMe"
    assert first["time"].endswith("+00:00")
    assert second["message"] == "failed\nacross lines"
    assert "ValueError: bad" in second["exception"] and TOKEN not in second["exception"]


def test_log_format_is_validated():
    assert Settings.from_env({"LOG_FORMAT": "JSON"}).log_format == "json"
    import pytest

    from bot.errors import SettingsError

    with pytest.raises(SettingsError, match="LOG_FORMAT must be one of text, json"):
        Settings.from_env({"LOG_FORMAT": "xml"})
