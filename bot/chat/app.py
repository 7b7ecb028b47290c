"""Wiring: the ``Application``, its handlers in order, start-up and shutdown.

``run_bot(settings)`` is what ``python -m bot run`` calls when a token is set: it builds
the answer service from the corpus, then polls Telegram (or serves a webhook when
WEBHOOK_URL is set) until Ctrl-C. ``build_application`` is also what the end-to-end
tests and the benchmark run, against the fake Bot API in ``tests/botapi``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    BaseRateLimiter,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    JobQueue,
    MessageHandler,
    TypeHandler,
    filters,
)

from ..answers import AnswerService
from ..errors import SettingsError
from ..metrics import CONTACT_MAX_AGE, Metrics
from ..progress import TerminalProgress
from ..refresh import Refresher
from ..settings import Settings, split_listen
from . import documents, handlers
from .admin import admin_handlers, scheduled_refresh
from .context import SERVICES_KEY, ChatApplication, ChatContext, Services
from .errors import on_error
from .history import ChatHistory, History
from .limits import ChatBacklog, ChatRateLimiter, QuestionThrottle
from .observed import ObservedRequest
from .redaction import redact_token_in_logs
from .texts import ADMIN_COMMANDS, GROUP_COMMANDS, PRIVATE_COMMANDS, Command

if TYPE_CHECKING:
    from ..health_server import HealthServer
    from ..library import Library

__all__ = ["ALLOWED_UPDATES", "build_application", "open_history", "run_bot", "webhook_options"]

log = logging.getLogger(__name__)

DEFAULTS = Defaults(
    parse_mode=ParseMode.HTML,
    link_preview_options=LinkPreviewOptions(is_disabled=True),
    allow_sending_without_reply=True,  # a deleted question still gets its answer
)
# Updates handled concurrently. A chat can hold at most ChatBacklog.per_chat of them
# while its answers wait for the rate limiter, so one busy group can't take them all.
CONCURRENT_UPDATES = 64
ANSWERS_PENDING_PER_CHAT = 3
# Retries after a 429 "Too Many Requests" (AIORateLimiter waits retry_after + 0.1 s).
RATE_LIMIT_RETRIES = 3
ALLOWED_UPDATES = (
    Update.MESSAGE,
    Update.CALLBACK_QUERY,
    Update.INLINE_QUERY,
    Update.MY_CHAT_MEMBER,
)
LANGUAGES = ("", "en")  # "": everyone without a more specific list (Korean)
# Start-up calls (getMe, deleteWebhook/setWebhook) retried on network errors, waiting
# 1 s, then 1.5 times longer each time up to 30 s (PTB's loop): about a minute in all,
# enough for a network that comes up after the bot under a supervisor. A refused token
# is never retried.
BOOTSTRAP_RETRIES = 8
# Webhook mode: how often getWebhookInfo is asked whether deliveries fail (for /healthz).
WEBHOOK_CHECK_SECONDS = 60


def build_application(
    settings: Settings,
    service: AnswerService,
    library: Library | None = None,
    *,
    history: ChatHistory | None = None,
    extra_handlers: Iterable[BaseHandler[Any, ChatContext, Any]] = (),
    rate_limiter: BaseRateLimiter[Any] | None = None,
    metrics: Metrics | None = None,
) -> ChatApplication:
    """The bot, ready for ``run_polling``/``run_webhook`` or ``async with app: app.start()``.

    ``history`` defaults to ``open_history(settings)`` (closed at shutdown);
    ``extra_handlers`` are added after the built-in commands, before the text handlers;
    ``rate_limiter`` defaults to ``ChatRateLimiter`` (Telegram's flood limits; a benchmark
    of the bot's own capacity passes an unlimited one); ``metrics`` records what happens
    (a fresh ``Metrics`` by default; ``run_bot`` serves it on METRICS_LISTEN).
    """
    metrics = metrics or Metrics()
    metrics.watch(service)
    services = Services(
        settings=settings,
        service=service,
        history=history or open_history(settings),
        throttle=QuestionThrottle(settings.user_questions_per_minute),
        backlog=ChatBacklog(ANSWERS_PENDING_PER_CHAT),
        library=library,
        refresher=(
            Refresher(library, service, observer=metrics.refreshed) if library is not None else None
        ),
        metrics=metrics,
    )
    application: ChatApplication = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_base_file_url)
        .defaults(DEFAULTS)
        .rate_limiter(
            rate_limiter
            or ChatRateLimiter(max_retries=RATE_LIMIT_RETRIES, on_retry=metrics.telegram_retry)
        )
        # PTB's own pool sizes (256 for calls, 1 for getUpdates), observed for the metrics.
        .request(ObservedRequest(metrics, connection_pool_size=256))
        .get_updates_request(ObservedRequest(metrics, connection_pool_size=1))
        .concurrent_updates(CONCURRENT_UPDATES)
        .context_types(ContextTypes(context=ChatContext))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    application.bot_data[SERVICES_KEY] = services
    _add_handlers(application, extra_handlers)
    if services.refresher is not None and settings.refresh_interval_minutes:
        interval = settings.refresh_interval_minutes * 60
        _job_queue(application).run_repeating(scheduled_refresh, interval=interval, first=interval)
    application.add_error_handler(on_error)
    return application


def open_history(settings: Settings) -> ChatHistory:
    """The chat history: in the OpenSearch cluster with SEARCH_ENGINE=opensearch, shared
    by every replica using it (``cluster_history.py``); otherwise the SQLite file in
    DATA_DIR."""
    from ..library import opensearch_config

    remote = opensearch_config(settings)
    if remote is not None:
        from .cluster_history import ClusterHistory

        return ClusterHistory(remote, retention_days=settings.history_retention_days)
    return History.open(settings.data_dir, retention_days=settings.history_retention_days)


def _add_handlers(
    application: ChatApplication, extra: Iterable[BaseHandler[Any, ChatContext, Any]]
) -> None:
    new = handlers.NEW_MESSAGE
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    text = filters.TEXT & ~filters.COMMAND
    # Group -2 sees every update first: one arriving is contact with Telegram (webhooks).
    application.add_handler(TypeHandler(Update, handlers.note_delivery), group=-2)
    # Group -1 runs before everything else: chats outside ALLOWED_CHAT_IDS stop here.
    application.add_handler(TypeHandler(Update, handlers.gate), group=-1)
    # Note: order matters! The first matching handler of a group wins.
    application.add_handlers(
        [
            CommandHandler("start", handlers.cmd_start, filters=new),
            CommandHandler("help", handlers.cmd_help, filters=new),
            CommandHandler("ask", handlers.cmd_ask, filters=new),
            CommandHandler("sources", handlers.cmd_sources, filters=new),
            *admin_handlers(),
            # Articles sent as files (admins): any file in private; "/add" captions in groups.
            MessageHandler(new & private & filters.Document.ALL, documents.on_document),
            MessageHandler(
                new & groups & filters.Document.ALL & documents.CAPTION_ADD, documents.on_document
            ),
            *extra,
            # Questions: any text in private; in groups only what is addressed to the bot.
            MessageHandler(new & private & text, handlers.on_question_text),
            MessageHandler(
                new & groups & text & handlers.REPLIES_TO_BOT, handlers.on_question_text
            ),
            MessageHandler(new & groups & text & handlers.MENTIONS_BOT, handlers.on_mention),
            # An unknown command in private gets the help; in groups it is not ours.
            MessageHandler(new & private & filters.COMMAND, handlers.cmd_help),
            MessageHandler(filters.StatusUpdate.MIGRATE, handlers.on_migration),
            ChatMemberHandler(handlers.on_membership, ChatMemberHandler.MY_CHAT_MEMBER),
            # Every button, valid or not: one handler decodes the data (see on_button).
            CallbackQueryHandler(handlers.on_button),
            InlineQueryHandler(handlers.on_inline_query),
        ]
    )


async def _post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Registers the command menus, per scope, in Korean (default) and English."""
    services: Services = application.bot_data[SERVICES_KEY]
    menus: list[tuple[BotCommandScope, Sequence[Command]]] = [
        (BotCommandScopeAllPrivateChats(), PRIVATE_COMMANDS),
        (BotCommandScopeAllGroupChats(), GROUP_COMMANDS),
    ]
    menus += [
        (BotCommandScopeChat(admin_id), (*PRIVATE_COMMANDS, *ADMIN_COMMANDS))
        for admin_id in sorted(services.settings.admin_user_ids)
    ]
    for scope, commands in menus:
        for language in LANGUAGES:
            menu = [BotCommand(c.name, c.description(language)) for c in commands]
            try:
                await application.bot.set_my_commands(
                    menu, scope=scope, language_code=language or None
                )
            except TelegramError as error:  # e.g. an admin who never opened the bot
                log.warning(
                    "could not set the %s commands for %s: %s",
                    language or "default",
                    scope.type,
                    error,
                )


async def _post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    services: Services = application.bot_data[SERVICES_KEY]
    services.history.close()


def run_bot(settings: Settings) -> int:
    """Runs the bot until interrupted: long polling, or a webhook server with WEBHOOK_URL."""
    if not settings.has_token:
        raise SettingsError("TELEGRAM_BOT_TOKEN is not set: get one from @BotFather")
    redact_token_in_logs(settings.telegram_bot_token)
    from ..library import Library

    library = Library(settings)
    metrics = Metrics()
    health: HealthServer | None = None
    try:
        # Up before the index loads: /healthz says 503 "not loaded yet" meanwhile.
        health = _start_health_server(settings, metrics)
        service = library.open_service(TerminalProgress(), degraded=True, vectors_now=False)
        library.embed_in_background(service)
        application = build_application(settings, service, library, metrics=metrics)
        if settings.webhook_url:  # quiet chats deliver nothing: ask Telegram how it goes
            _job_queue(application).run_repeating(
                _check_webhook, interval=WEBHOOK_CHECK_SECONDS, first=1
            )
        try:
            if settings.webhook_url:
                log.info(
                    "serving the webhook %s on %s", settings.webhook_url, settings.webhook_listen
                )
                application.run_webhook(
                    **webhook_options(settings), bootstrap_retries=BOOTSTRAP_RETRIES
                )
            else:
                log.info("polling Telegram for updates (Ctrl-C stops)")
                application.run_polling(
                    allowed_updates=ALLOWED_UPDATES, bootstrap_retries=BOOTSTRAP_RETRIES
                )
        except InvalidToken:
            raise SettingsError(
                "Telegram refused TELEGRAM_BOT_TOKEN (401 Unauthorized): check it with @BotFather"
            ) from None
        except NetworkError as error:
            raise SettingsError(
                f"can't reach the Telegram Bot API at {settings.telegram_api_base_url}: {error}"
            ) from None
    finally:
        if health is not None:
            health.stop()
        library.close()
    return 0


def _start_health_server(settings: Settings, metrics: Metrics) -> HealthServer | None:
    if not settings.metrics_listen:
        return None
    from ..health_server import HealthServer

    host, port = split_listen(settings.metrics_listen)
    return HealthServer(metrics, host, port).start()


async def _check_webhook(context: ChatContext) -> None:
    """Webhook mode's contact check: Telegram reports no delivery error lately."""
    info = await context.bot.get_webhook_info()
    last_error = info.last_error_date
    if info.url and (
        last_error is None or (_utcnow() - last_error).total_seconds() > CONTACT_MAX_AGE
    ):
        context.services.metrics.telegram_contact("webhook check")
    elif last_error is not None:
        log.warning("Telegram reports webhook delivery failing: %s", info.last_error_message)


def _job_queue(application: ChatApplication) -> JobQueue[ChatContext]:
    """PTB makes no job queue without APScheduler (its job-queue extra, a dependency here)."""
    if application.job_queue is None:
        raise RuntimeError("python-telegram-bot[job-queue] is not installed: no job queue")
    return application.job_queue


def _utcnow() -> datetime:
    return datetime.now(UTC)


def webhook_options(settings: Settings) -> dict[str, Any]:
    """``run_webhook``/``start_webhook`` arguments for WEBHOOK_URL and WEBHOOK_LISTEN.

    The server listens on WEBHOOK_LISTEN at WEBHOOK_URL's path (a proxy in front of it
    terminates TLS); Telegram sends the secret with every update, and PTB refuses
    requests without it: WEBHOOK_SECRET, shared by replicas behind one URL (each one
    registers the webhook at start), or else a fresh random one.
    """
    host, port = split_listen(settings.webhook_listen)
    return {
        "listen": host,
        "port": port,
        "url_path": urlsplit(settings.webhook_url).path.lstrip("/"),
        "webhook_url": settings.webhook_url,
        "allowed_updates": ALLOWED_UPDATES,
        "secret_token": settings.webhook_secret or secrets.token_urlsafe(32),
    }
