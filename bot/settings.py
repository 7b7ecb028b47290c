"""Settings, read once from the environment and `.env`, validated at start.

Each setting is declared once, with its default and help, in ``SETTINGS``;
`.env.example`, the README and the validation all follow this table.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .errors import SettingsError

__all__ = ["SETTINGS", "Setting", "Settings", "split_listen", "unknown_setting_warnings"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_API_BASE_FILE_URL = "https://api.telegram.org/file/bot"
_TOKEN = re.compile(r"^\d{3,15}:[A-Za-z0-9_-]{30,}$")
# The only ports Telegram's own Bot API posts webhooks to (core.telegram.org/bots/api#setwebhook);
# a self-hosted Bot API server (another TELEGRAM_API_BASE_URL) may post to any.
TELEGRAM_WEBHOOK_PORTS = (443, 80, 88, 8443)


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("TELEGRAM_BOT_TOKEN", "", "Bot token from @BotFather. Empty: answer in the terminal."),
    Setting(
        "ADMIN_USER_IDS", "", "Comma-separated Telegram user ids allowed to /refresh, /add, /stats."
    ),
    Setting("ALLOWED_CHAT_IDS", "", "Comma-separated chat ids the bot serves. Empty: every chat."),
    Setting(
        "TELEGRAM_API_BASE_URL",
        DEFAULT_API_BASE_URL,
        "Bot API base URL in python-telegram-bot's base_url form (self-hosted or test server).",
    ),
    Setting(
        "TELEGRAM_API_BASE_FILE_URL",
        DEFAULT_API_BASE_FILE_URL,
        "Bot API file download URL in python-telegram-bot's base_file_url form.",
    ),
    Setting(
        "WEBHOOK_URL",
        "",
        "Public https:// URL for webhook mode, on port 443, 80, 88 or 8443. Empty: long polling.",
    ),
    Setting(
        "WEBHOOK_LISTEN",
        "0.0.0.0:8443",
        "host:port the webhook server listens on (port 1-65535; [::]:8443 for IPv6).",
    ),
    Setting("CORPUS_DIR", "corpus", "Folder of article files, synonyms.txt and sources.txt."),
    Setting("DATA_DIR", "data", "Folder for generated state: index, token cache, feedback, stats."),
    Setting("SEARCH_ENGINE", "auto", "bm25 (rank-bm25), tantivy, or auto (chosen by corpus size)."),
    Setting(
        "RETRIEVAL",
        "auto",
        "hybrid (BM25 fused with the semantic model), bm25 (BM25 alone), or auto "
        "(hybrid where the model is installed).",
    ),
    Setting("RESULTS_PER_ANSWER", "3", "Passages quoted in one answer (1-5)."),
    Setting(
        "REFRESH_INTERVAL_MINUTES", "0", "Refresh the corpus on a schedule. 0: only on request."
    ),
    Setting(
        "ARTICLE_MAX_CHARS",
        "200000",
        "Longest article text kept (corpus files, fetched pages); longer ones are cut.",
    ),
    Setting("FETCH_TIMEOUT_SECONDS", "15", "Time limit for one download."),
    Setting("FETCH_MAX_BYTES", "5000000", "Size limit for one download."),
    Setting(
        "FETCH_ALLOW_PRIVATE_ADDRESSES",
        "false",
        "Allow fetching from loopback/private addresses (tests, private deployments).",
    ),
    Setting(
        "USER_QUESTIONS_PER_MINUTE", "20", "Questions one user may ask per minute before a pause."
    ),
    Setting(
        "FOLLOWUP_MINUTES",
        "10",
        "In private chats, a plain message with no topic of its own sent this many minutes "
        "after the bot's last answer follows it up. 0: never.",
    ),
    Setting(
        "FOLLOWUP_REPLY_HOURS",
        "24",
        "How long an answer stays the context of replies to it. 0: replies are new questions.",
    ),
    Setting("LOG_LEVEL", "INFO", "DEBUG, INFO, WARNING or ERROR."),
    Setting("LOG_FORMAT", "text", "text (one readable line), or json (one JSON object per line)."),
    Setting(
        "METRICS_LISTEN",
        "",
        "host:port serving GET /healthz and GET /metrics (Prometheus) while the bot runs. "
        "Empty: off.",
    ),
)


@dataclass(frozen=True, slots=True)
class Settings:
    telegram_bot_token: str = ""
    admin_user_ids: frozenset[int] = frozenset()
    allowed_chat_ids: frozenset[int] = frozenset()
    telegram_api_base_url: str = DEFAULT_API_BASE_URL
    telegram_api_base_file_url: str = DEFAULT_API_BASE_FILE_URL
    webhook_url: str = ""
    webhook_listen: str = "0.0.0.0:8443"
    corpus_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "corpus")
    data_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "data")
    search_engine: str = "auto"
    retrieval: str = "auto"
    results_per_answer: int = 3
    refresh_interval_minutes: int = 0
    article_max_chars: int = 200_000
    fetch_timeout_seconds: float = 15.0
    fetch_max_bytes: int = 5_000_000
    fetch_allow_private_addresses: bool = False
    user_questions_per_minute: int = 20
    followup_minutes: int = 10
    followup_reply_hours: int = 24
    log_level: str = "INFO"
    log_format: str = "text"
    metrics_listen: str = ""
    # Problems worth a warning but not a refusal (unknown names in `.env`), for the caller
    # to log once logging is set up.
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, dotenv: Path | None = None
    ) -> Settings:
        """Read the settings; `.env` fills in what the environment doesn't set.

        A name in `.env` that is no setting (a typo such as ``ADMIN_IDS``) is not an
        error, but it is listed in ``warnings``.
        """
        warnings: tuple[str, ...] = ()
        if environ is None:
            from dotenv import dotenv_values

            env_file = dotenv or PROJECT_ROOT / ".env"
            values = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
            warnings = tuple(unknown_setting_warnings(values, env_file.name))
            environ = {**values, **os.environ}
        raw = {s.name: environ.get(s.name, "").strip() or s.default for s in SETTINGS}
        base_url = _url("TELEGRAM_API_BASE_URL", raw["TELEGRAM_API_BASE_URL"])
        return cls(
            telegram_bot_token=_token(raw["TELEGRAM_BOT_TOKEN"]),
            admin_user_ids=_ids("ADMIN_USER_IDS", raw["ADMIN_USER_IDS"]),
            allowed_chat_ids=_ids("ALLOWED_CHAT_IDS", raw["ALLOWED_CHAT_IDS"]),
            telegram_api_base_url=base_url,
            telegram_api_base_file_url=_url(
                "TELEGRAM_API_BASE_FILE_URL", raw["TELEGRAM_API_BASE_FILE_URL"]
            ),
            webhook_url=_webhook_url(raw["WEBHOOK_URL"], official=base_url == DEFAULT_API_BASE_URL),
            webhook_listen=_listen("WEBHOOK_LISTEN", raw["WEBHOOK_LISTEN"]),
            corpus_dir=_path(raw["CORPUS_DIR"]),
            data_dir=_path(raw["DATA_DIR"]),
            search_engine=_choice("SEARCH_ENGINE", raw["SEARCH_ENGINE"], _engines()),
            retrieval=_choice("RETRIEVAL", raw["RETRIEVAL"], ("auto", "bm25", "hybrid")),
            results_per_answer=_int("RESULTS_PER_ANSWER", raw["RESULTS_PER_ANSWER"], 1, 5),
            refresh_interval_minutes=_int(
                "REFRESH_INTERVAL_MINUTES", raw["REFRESH_INTERVAL_MINUTES"], 0, 7 * 24 * 60
            ),
            article_max_chars=_int(
                "ARTICLE_MAX_CHARS", raw["ARTICLE_MAX_CHARS"], 1_000, 10_000_000
            ),
            fetch_timeout_seconds=float(
                _int("FETCH_TIMEOUT_SECONDS", raw["FETCH_TIMEOUT_SECONDS"], 1, 300)
            ),
            fetch_max_bytes=_int("FETCH_MAX_BYTES", raw["FETCH_MAX_BYTES"], 10_000, 500_000_000),
            fetch_allow_private_addresses=_bool(
                "FETCH_ALLOW_PRIVATE_ADDRESSES", raw["FETCH_ALLOW_PRIVATE_ADDRESSES"]
            ),
            user_questions_per_minute=_int(
                "USER_QUESTIONS_PER_MINUTE", raw["USER_QUESTIONS_PER_MINUTE"], 1, 1000
            ),
            followup_minutes=_int("FOLLOWUP_MINUTES", raw["FOLLOWUP_MINUTES"], 0, 24 * 60),
            followup_reply_hours=_int(
                "FOLLOWUP_REPLY_HOURS", raw["FOLLOWUP_REPLY_HOURS"], 0, 365 * 24
            ),
            log_level=_choice(
                "LOG_LEVEL", raw["LOG_LEVEL"].upper(), ("DEBUG", "INFO", "WARNING", "ERROR")
            ),
            log_format=_choice("LOG_FORMAT", raw["LOG_FORMAT"].lower(), ("text", "json")),
            metrics_listen=(
                _listen("METRICS_LISTEN", raw["METRICS_LISTEN"]) if raw["METRICS_LISTEN"] else ""
            ),
            warnings=warnings,
        )

    @property
    def has_token(self) -> bool:
        return bool(self.telegram_bot_token)


def _engines() -> tuple[str, ...]:
    from .search import ENGINES

    return ENGINES


def _token(value: str) -> str:
    if value and not _TOKEN.match(value):
        raise SettingsError(
            "TELEGRAM_BOT_TOKEN is malformed: expected '<digits>:<35 letters>' as @BotFather "
            "gives it (leave it empty to use the terminal)"
        )
    return value


def _ids(name: str, value: str) -> frozenset[int]:
    ids = set()
    for part in filter(None, (p.strip() for p in value.split(","))):
        if not re.fullmatch(r"-?\d{1,20}", part):
            raise SettingsError(f"{name} must be comma-separated numeric ids; {part!r} is not one")
        ids.add(int(part))
    return frozenset(ids)


def _url(name: str, value: str) -> str:
    if not re.match(r"^https?://[^\s/]+", value):
        raise SettingsError(f"{name} must be an http(s) URL, got {value!r}")
    return value


def unknown_setting_warnings(names: Iterable[str], source: str = ".env") -> list[str]:
    """A warning for each name that is no setting, with the setting it most resembles."""
    known = [s.name for s in SETTINGS]
    warnings = []
    for name in names:
        if name in known:
            continue
        close = difflib.get_close_matches(name.upper(), known, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]}?)" if close else ""
        warnings.append(f"{source}: {name} is not a setting the bot reads, ignored{hint}")
    return warnings


def _webhook_url(value: str, *, official: bool) -> str:
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        raise SettingsError(
            f"WEBHOOK_URL must be an https:// URL (Telegram posts updates only over TLS), "
            f"got {value!r}"
        )
    try:
        port = parts.port or 443
    except ValueError:
        raise SettingsError(f"WEBHOOK_URL has an invalid port: {value!r}") from None
    if official and port not in TELEGRAM_WEBHOOK_PORTS:
        ports = ", ".join(map(str, TELEGRAM_WEBHOOK_PORTS))
        raise SettingsError(
            f"WEBHOOK_URL's port must be one Telegram posts to ({ports}), got {port}; "
            "put a reverse proxy on one of them in front of WEBHOOK_LISTEN"
        )
    return value


def split_listen(value: str) -> tuple[str, int]:
    """``"0.0.0.0:8443"`` → ``("0.0.0.0", 8443)``; ``"[::1]:9100"`` → ``("::1", 9100)``."""
    host, _, port = value.rpartition(":")
    return host.removeprefix("[").removesuffix("]"), int(port)


def _listen(name: str, value: str) -> str:
    match = re.fullmatch(r"([^\s:]+|\[[0-9a-fA-F:.]+\]):(\d{1,5})", value)
    if not match:
        raise SettingsError(f"{name} must be host:port, got {value!r}")
    port = int(match.group(2))
    if not 1 <= port <= 65535:
        raise SettingsError(f"{name}'s port must be between 1 and 65535, got {port}")
    return value


def _path(value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def _choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def _int(name: str, value: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {value!r}") from None
    if not low <= number <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {number}")
    return number


def _bool(name: str, value: str) -> bool:
    lowered = value.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise SettingsError(f"{name} must be true or false, got {value!r}")
