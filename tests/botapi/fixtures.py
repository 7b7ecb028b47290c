"""Pytest fixtures for tests that talk to the fake Bot API.

Make them visible to a test module by importing them (``from tests.botapi.fixtures import
fake_botapi``) or, for the whole suite, with ``pytest_plugins = ["tests.botapi.fixtures"]``
in the top-level ``tests/conftest.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from telegram import Bot
from telegram.ext import ApplicationBuilder

from .server import FakeBotAPI


@pytest_asyncio.fixture
async def fake_botapi() -> AsyncIterator[FakeBotAPI]:
    """A started :class:`FakeBotAPI` on a free 127.0.0.1 port, stopped afterwards."""
    async with FakeBotAPI() as fake:
        yield fake


@pytest_asyncio.fixture
async def fake_botapi_bot(fake_botapi: FakeBotAPI) -> AsyncIterator[Bot]:
    """A PTB ``Bot`` pointed at the fake (already initialized, i.e. ``getMe`` was called)."""
    async with Bot(
        fake_botapi.token, base_url=fake_botapi.base_url, base_file_url=fake_botapi.base_file_url
    ) as bot:
        yield bot


def application_builder(fake: FakeBotAPI) -> ApplicationBuilder:
    """An ``ApplicationBuilder`` aimed at the fake, ready for ``.build()`` (add handlers,
    persistence, rate limiter... as the real bot does)."""
    return ApplicationBuilder().token(fake.token).base_url(fake.base_url)
