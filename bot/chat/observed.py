"""Bot API calls, observed for the metrics: errors by kind, and contact for /healthz.

``ObservedRequest`` is PTB's own ``HTTPXRequest`` that tells ``Metrics`` how each call
went; ``build_application`` uses one for ordinary calls and one for ``getUpdates``.
A ``getUpdates`` that answers (with or without updates) is what "in contact with
Telegram" means for the health check.
"""

from __future__ import annotations

from typing import Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest

from ..metrics import Metrics

__all__ = ["ObservedRequest", "error_kind"]


def error_kind(error: TelegramError) -> str:
    """The metrics label of a failed call (order matters: BadRequest is a NetworkError)."""
    if isinstance(error, RetryAfter):
        return "flood"
    if isinstance(error, TimedOut):
        return "timeout"
    if isinstance(error, BadRequest):
        return "bad_request"
    if isinstance(error, Forbidden):
        return "forbidden"
    if isinstance(error, NetworkError):
        return "network"
    return "other"


class ObservedRequest(HTTPXRequest):
    """``HTTPXRequest`` reporting each call's outcome to ``metrics``."""

    __slots__ = ("_metrics",)

    def __init__(self, metrics: Metrics, **options: Any) -> None:
        super().__init__(**options)
        self._metrics = metrics

    # PTB marks post() final to point subclasses at do_request(), but the TelegramErrors
    # this counts are raised above do_request(), in post() itself.
    async def post(self, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
        method = url.rpartition("/")[2]
        try:
            result = await super().post(url, *args, **kwargs)
        except TelegramError as error:
            self._metrics.telegram_error(error_kind(error))
            raise
        if method == "getUpdates":
            self._metrics.telegram_contact("getUpdates")
        return result
