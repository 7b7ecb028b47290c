"""Settings, read once from the environment and `.env`, validated at start.

Each setting is declared once, in ``SETTINGS``: its name, default, parser (which is its
type and its validation) and description. ``Settings.from_env`` parses by the table, the
dataclass takes its defaults from it, and ``bot/settings_docs.py`` writes `.env.example`
and the README's configuration table from it (a test checks both are up to date).

Where they come from: the environment first, then a `.env` file in the current
directory, then the defaults. Relative folders (``CORPUS_DIR``, ``DATA_DIR``) resolve
against the current directory, never against the installed package: the folder the bot
is started in is its working folder (a checkout for ``make run``, ``WorkingDirectory=``
under systemd, ``/app`` in the container).
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import SettingsError

__all__ = ["SETTINGS", "Setting", "Settings", "split_listen", "unknown_setting_warnings"]

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_API_BASE_FILE_URL = "https://api.telegram.org/file/bot"
DOTENV = ".env"
_TOKEN = re.compile(r"^\d{3,15}:[A-Za-z0-9_-]{30,}$")
# The only ports Telegram's own Bot API posts webhooks to (core.telegram.org/bots/api#setwebhook);
# a self-hosted Bot API server (another TELEGRAM_API_BASE_URL) may post to any.
TELEGRAM_WEBHOOK_PORTS = (443, 80, 88, 8443)

# (setting name, raw text) -> value; raises SettingsError naming the setting.
Parser = Callable[[str, str], Any]


def _text(name: str, value: str) -> str:
    return value


def _token(name: str, value: str) -> str:
    if value and not _TOKEN.match(value):
        raise SettingsError(
            "TELEGRAM_BOT_TOKEN is malformed: expected '<digits>:<35 letters>' as @BotFather "
            "gives it (leave it empty to use the terminal)"
        )
    return value


def _webhook_secret(name: str, value: str) -> str:
    # Telegram's rule for setWebhook's secret_token (core.telegram.org/bots/api#setwebhook).
    if value and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
        raise SettingsError(
            f"{name} must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)"
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


def _urls(name: str, value: str) -> str:
    """Empty, or comma-separated http(s) URLs (one per cluster node, any will do)."""
    for part in filter(None, (p.strip() for p in value.split(","))):
        _url(name, part)
    return value


def _index_name(name: str, value: str) -> str:
    # OpenSearch's rule for index and alias names, kept simple: lower-case, no separators.
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,200}", value):
        raise SettingsError(
            f"{name} must be lower-case letters, digits, '-' and '_' (an index alias), "
            f"got {value!r}"
        )
    return value


def _optional_file(name: str, value: str) -> str:
    if value and not Path(value).expanduser().is_file():
        raise SettingsError(f"{name} must be a readable file, got {value!r}")
    return str(Path(value).expanduser()) if value else ""


def _webhook_url(name: str, value: str) -> str:
    """An https URL with a valid port; which ports Telegram accepts is checked in
    ``from_env``, as it depends on TELEGRAM_API_BASE_URL."""
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        raise SettingsError(
            f"{name} must be an https:// URL (Telegram posts updates only over TLS), got {value!r}"
        )
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise SettingsError(f"{name} has an invalid port: {value!r}") from None
    return value


def _check_webhook_port(url: str, *, official: bool) -> None:
    port = urlsplit(url).port or 443
    if url and official and port not in TELEGRAM_WEBHOOK_PORTS:
        ports = ", ".join(map(str, TELEGRAM_WEBHOOK_PORTS))
        raise SettingsError(
            f"WEBHOOK_URL's port must be one Telegram posts to ({ports}), got {port}; "
            "put a reverse proxy on one of them in front of WEBHOOK_LISTEN"
        )


def _listen(name: str, value: str) -> str:
    match = re.fullmatch(r"([^\s:]+|\[[0-9a-fA-F:.]+\]):(\d{1,5})", value)
    if not match:
        raise SettingsError(f"{name} must be host:port, got {value!r}")
    port = int(match.group(2))
    if not 1 <= port <= 65535:
        raise SettingsError(f"{name}'s port must be between 1 and 65535, got {port}")
    return value


def _optional_listen(name: str, value: str) -> str:
    return _listen(name, value) if value else ""


def _folder(name: str, value: str) -> Path:
    # Absolute from the start, so a later chdir (or a daemon's) changes nothing.
    return Path.cwd() / Path(value).expanduser()


def _choice(*choices: str, case: Callable[[str], str] = str) -> Parser:
    def parse(name: str, value: str) -> str:
        return _one_of(name, case(value), choices)

    return parse


def _engine(name: str, value: str) -> str:
    from .search import ENGINES  # when parsed: settings stays importable without the engines

    return _one_of(name, value, ENGINES)


def _one_of(name: str, value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def _int(low: int, high: int) -> Callable[[str, str], int]:
    def parse(name: str, value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise SettingsError(f"{name} must be a whole number, got {value!r}") from None
        if not low <= number <= high:
            raise SettingsError(f"{name} must be between {low} and {high}, got {number}")
        return number

    return parse


def _seconds(low: int, high: int) -> Callable[[str, str], float]:
    whole = _int(low, high)
    return lambda name, value: float(whole(name, value))


def _bool(name: str, value: str) -> bool:
    lowered = value.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise SettingsError(f"{name} must be true or false, got {value!r}")


@dataclass(frozen=True, slots=True)
class Setting:
    name: str  # as in the environment; the Settings attribute is its lower-case form
    default: str  # as written in `.env`; "" is empty
    parse: Parser
    help: str  # Markdown, one paragraph: the README's table and `.env.example` show it

    @property
    def attribute(self) -> str:
        return self.name.lower()

    def parse_default(self) -> Any:
        return self.parse(self.name, self.default)


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "TELEGRAM_BOT_TOKEN", "", _token, "token from @BotFather; empty: answer in the terminal"
    ),
    Setting(
        "ADMIN_USER_IDS",
        "",
        _ids,
        "comma-separated user ids allowed to use `/refresh`, `/add`, `/stats` and to send "
        "articles as files",
    ),
    Setting(
        "ALLOWED_CHAT_IDS",
        "",
        _ids,
        "comma-separated chat ids the bot serves; empty: every chat",
    ),
    Setting(
        "TELEGRAM_API_BASE_URL",
        DEFAULT_API_BASE_URL,
        _url,
        "Bot API base URL (a self-hosted Bot API server, or a test server)",
    ),
    Setting(
        "TELEGRAM_API_BASE_FILE_URL",
        DEFAULT_API_BASE_FILE_URL,
        _url,
        "where files sent to the bot are downloaded from (python-telegram-bot's "
        "`base_file_url`; the same server as above). Unset with another "
        "`TELEGRAM_API_BASE_URL` ending in `/bot`: that URL with `/file/bot` instead",
    ),
    Setting(
        "WEBHOOK_URL",
        "",
        _webhook_url,
        "public `https://` URL to receive updates by webhook, on port 443, 80, 88 or 8443 "
        "(the ports Telegram posts to; any port with a self-hosted Bot API); empty: long polling",
    ),
    Setting(
        "WEBHOOK_LISTEN",
        "0.0.0.0:8443",
        _listen,
        "`host:port` (port 1–65535; `[::]:8443` for IPv6) where the webhook server listens",
    ),
    Setting(
        "WEBHOOK_SECRET",
        "",
        _webhook_secret,
        "the secret Telegram sends with every webhook update, which the bot checks (1–256 "
        "characters: `A-Z`, `a-z`, `0-9`, `_`, `-`); empty: a fresh random one at each start. "
        "Give every replica behind one `WEBHOOK_URL` the same one: each registers the webhook "
        "when it starts, and Telegram then sends the last one's secret to all of them",
    ),
    Setting(
        "CORPUS_DIR",
        "corpus",
        _folder,
        "article files, `synonyms.txt`, `sources.txt` (relative to the current directory); "
        "when it does not exist, `run`, `ask`, `sources`, `index` and `refresh` create it "
        "with the bundled sample articles, `import` and `add` create it empty",
    ),
    Setting(
        "DATA_DIR",
        "data",
        _folder,
        "state (relative to the current directory): token cache, index, vectors, chat history",
    ),
    Setting(
        "SEARCH_ENGINE",
        "auto",
        _engine,
        "`bm25` (rank-bm25), `tantivy`, or `auto` by corpus size; `opensearch`: the index in "
        'an OpenSearch cluster (see "OpenSearch backend")',
    ),
    Setting(
        "OPENSEARCH_URL",
        "",
        _urls,
        "the cluster with `SEARCH_ENGINE=opensearch`: `http(s)://host:9200`, or several nodes "
        "comma-separated; required then",
    ),
    Setting(
        "OPENSEARCH_INDEX",
        "article-qa-passages",
        _index_name,
        "the alias the bot searches; its indexes are named after it, and a rebuild switches "
        "the alias to a new one",
    ),
    Setting("OPENSEARCH_USERNAME", "", _text, "user for the cluster's basic authentication"),
    Setting("OPENSEARCH_PASSWORD", "", _text, "… and its password"),
    Setting(
        "OPENSEARCH_VERIFY_CERTS",
        "true",
        _bool,
        "check the cluster's TLS certificate (`false` only for a test cluster with a "
        "self-signed one; prefer `OPENSEARCH_CA_CERTS`)",
    ),
    Setting(
        "OPENSEARCH_CA_CERTS",
        "",
        _optional_file,
        "CA bundle (PEM file) the cluster's certificate is checked against; empty: the system's",
    ),
    Setting(
        "OPENSEARCH_WAIT_SECONDS",
        "60",
        _seconds(0, 3600),
        "how long a one-shot command (`index`, `ask`, `refresh`, …) waits for an unreachable "
        "cluster (a log line per try) before stopping with an error naming `OPENSEARCH_URL`; "
        "the bot (`run`) does not wait: it starts answering 'unavailable' and reconnects by "
        "itself",
    ),
    Setting(
        "OPENSEARCH_POLL_SECONDS",
        "5",
        _seconds(1, 3600),
        "how often a running bot asks the cluster whether another process changed the index "
        "(a new generation behind `OPENSEARCH_INDEX`), and then answers from the new one",
    ),
    Setting(
        "REFRESH_ENABLED",
        "true",
        _bool,
        "whether this process changes the index; `false` (needs `SEARCH_ENGINE=opensearch`): "
        "a replica that only answers from the cluster's index, with no corpus folder needed, "
        "and refuses `/refresh`, `/add` and scheduled refreshes",
    ),
    Setting(
        "RETRIEVAL",
        "auto",
        _choice("auto", "bm25", "hybrid"),
        "`hybrid` (BM25 fused with the semantic model), `bm25` (BM25 alone), or `auto`: "
        "hybrid where the model is installed (x86_64 Linux)",
    ),
    Setting("RESULTS_PER_ANSWER", "3", _int(1, 5), "passages quoted per answer (1–5)"),
    Setting(
        "REFRESH_INTERVAL_MINUTES",
        "0",
        _int(0, 7 * 24 * 60),
        "refresh the corpus on a schedule; 0: only on request",
    ),
    Setting(
        "ARTICLE_MAX_CHARS",
        "200000",
        _int(1_000, 10_000_000),
        "longest article text kept (corpus files, fetched pages); longer ones are cut at a "
        "paragraph or sentence boundary and the cut is reported; a corpus file over 4 bytes "
        "a character (+16 KiB) is skipped unread",
    ),
    Setting("FETCH_TIMEOUT_SECONDS", "15", _seconds(1, 300), "time limit of one download"),
    Setting("FETCH_MAX_BYTES", "5000000", _int(10_000, 500_000_000), "size limit of one download"),
    Setting(
        "FETCH_ALLOW_PRIVATE_ADDRESSES",
        "false",
        _bool,
        "allow downloads from loopback/private addresses",
    ),
    Setting(
        "USER_QUESTIONS_PER_MINUTE",
        "20",
        _int(1, 1000),
        "questions one user may ask per minute before being asked to slow down",
    ),
    Setting(
        "FOLLOWUP_MINUTES",
        "10",
        _int(0, 24 * 60),
        "in private chats, a plain message with no topic of its own sent this many minutes "
        'after the bot\'s last answer follows it up (see "Follow-up questions"); 0: never',
    ),
    Setting(
        "FOLLOWUP_REPLY_HOURS",
        "24",
        _int(0, 365 * 24),
        "how long an answer stays the context of replies to it; 0: replies are new questions",
    ),
    Setting(
        "HISTORY_RETENTION_DAYS",
        "0",
        _int(0, 36_500),
        "days a question and its 👍/👎 stay in the chat history (`/stats` counts them); "
        "older ones are deleted at start and hourly while the bot runs; 0: kept for ever",
    ),
    Setting(
        "LOG_LEVEL",
        "INFO",
        _choice("DEBUG", "INFO", "WARNING", "ERROR", case=str.upper),
        "`DEBUG`, `INFO`, `WARNING` or `ERROR`",
    ),
    Setting(
        "LOG_FORMAT",
        "text",
        _choice("text", "json", case=str.lower),
        "`text`, or `json`: one JSON object per log line (`time`, `level`, `logger`, "
        "`message`, `exception`)",
    ),
    Setting(
        "METRICS_LISTEN",
        "",
        _optional_listen,
        "`host:port` serving `GET /healthz` and `GET /metrics` while the bot runs (see "
        '"Health and metrics"); empty: off',
    ),
)
_BY_NAME = {setting.name: setting for setting in SETTINGS}


def _table(name: str) -> Callable[[], Any]:
    """The dataclass default of ``name``: its table default, parsed when a Settings is
    made (so a relative folder resolves against the current directory then)."""
    return _BY_NAME[name].parse_default


@dataclass(frozen=True, slots=True)
class Settings:
    """The parsed settings; one attribute per ``SETTINGS`` row, in its order (a test checks)."""

    telegram_bot_token: str = field(default_factory=_table("TELEGRAM_BOT_TOKEN"))
    admin_user_ids: frozenset[int] = field(default_factory=_table("ADMIN_USER_IDS"))
    allowed_chat_ids: frozenset[int] = field(default_factory=_table("ALLOWED_CHAT_IDS"))
    telegram_api_base_url: str = field(default_factory=_table("TELEGRAM_API_BASE_URL"))
    telegram_api_base_file_url: str = field(default_factory=_table("TELEGRAM_API_BASE_FILE_URL"))
    webhook_url: str = field(default_factory=_table("WEBHOOK_URL"))
    webhook_listen: str = field(default_factory=_table("WEBHOOK_LISTEN"))
    webhook_secret: str = field(default_factory=_table("WEBHOOK_SECRET"), repr=False)
    corpus_dir: Path = field(default_factory=_table("CORPUS_DIR"))
    data_dir: Path = field(default_factory=_table("DATA_DIR"))
    search_engine: str = field(default_factory=_table("SEARCH_ENGINE"))
    opensearch_url: str = field(default_factory=_table("OPENSEARCH_URL"))
    opensearch_index: str = field(default_factory=_table("OPENSEARCH_INDEX"))
    opensearch_username: str = field(default_factory=_table("OPENSEARCH_USERNAME"))
    opensearch_password: str = field(default_factory=_table("OPENSEARCH_PASSWORD"), repr=False)
    opensearch_verify_certs: bool = field(default_factory=_table("OPENSEARCH_VERIFY_CERTS"))
    opensearch_ca_certs: str = field(default_factory=_table("OPENSEARCH_CA_CERTS"))
    opensearch_wait_seconds: float = field(default_factory=_table("OPENSEARCH_WAIT_SECONDS"))
    opensearch_poll_seconds: float = field(default_factory=_table("OPENSEARCH_POLL_SECONDS"))
    refresh_enabled: bool = field(default_factory=_table("REFRESH_ENABLED"))
    retrieval: str = field(default_factory=_table("RETRIEVAL"))
    results_per_answer: int = field(default_factory=_table("RESULTS_PER_ANSWER"))
    refresh_interval_minutes: int = field(default_factory=_table("REFRESH_INTERVAL_MINUTES"))
    article_max_chars: int = field(default_factory=_table("ARTICLE_MAX_CHARS"))
    fetch_timeout_seconds: float = field(default_factory=_table("FETCH_TIMEOUT_SECONDS"))
    fetch_max_bytes: int = field(default_factory=_table("FETCH_MAX_BYTES"))
    fetch_allow_private_addresses: bool = field(
        default_factory=_table("FETCH_ALLOW_PRIVATE_ADDRESSES")
    )
    user_questions_per_minute: int = field(default_factory=_table("USER_QUESTIONS_PER_MINUTE"))
    followup_minutes: int = field(default_factory=_table("FOLLOWUP_MINUTES"))
    followup_reply_hours: int = field(default_factory=_table("FOLLOWUP_REPLY_HOURS"))
    history_retention_days: int = field(default_factory=_table("HISTORY_RETENTION_DAYS"))
    log_level: str = field(default_factory=_table("LOG_LEVEL"))
    log_format: str = field(default_factory=_table("LOG_FORMAT"))
    metrics_listen: str = field(default_factory=_table("METRICS_LISTEN"))
    # Problems worth a warning but not a refusal (unknown names in `.env`), for the caller
    # to log once logging is set up.
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, dotenv: Path | None = None
    ) -> Settings:
        """Read the settings: the environment, then `.env` in the current directory (or
        ``dotenv``), then the defaults. With ``environ`` given, only that is read.

        A name in `.env` that is no setting (a typo such as ``ADMIN_IDS``) is not an
        error, but it is listed in ``warnings``.
        """
        warnings: tuple[str, ...] = ()
        if environ is None:
            from dotenv import dotenv_values

            env_file = dotenv or Path.cwd() / DOTENV
            values = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
            warnings = tuple(unknown_setting_warnings(values, env_file.name))
            environ = {**values, **os.environ}
        parsed = {
            s.attribute: s.parse(s.name, environ.get(s.name, "").strip() or s.default)
            for s in SETTINGS
        }
        _check_webhook_port(
            parsed["webhook_url"], official=parsed["telegram_api_base_url"] == DEFAULT_API_BASE_URL
        )
        if not environ.get("TELEGRAM_API_BASE_FILE_URL", "").strip():
            parsed["telegram_api_base_file_url"] = _file_url_for(parsed["telegram_api_base_url"])
        if parsed["search_engine"] == "opensearch" and not parsed["opensearch_url"].strip():
            raise SettingsError(
                "SEARCH_ENGINE=opensearch needs OPENSEARCH_URL (e.g. http://localhost:9200)"
            )
        if not parsed["refresh_enabled"] and parsed["refresh_interval_minutes"]:
            raise SettingsError(
                "REFRESH_INTERVAL_MINUTES needs REFRESH_ENABLED=true: a replica does not "
                "refresh (set REFRESH_INTERVAL_MINUTES=0 there, and schedule the refreshing one)"
            )
        if not parsed["refresh_enabled"] and parsed["search_engine"] != "opensearch":
            raise SettingsError(
                "REFRESH_ENABLED=false needs SEARCH_ENGINE=opensearch: only a replica answering "
                "from a cluster's index, kept by another process, can leave indexing to others"
            )
        return cls(**parsed, warnings=warnings)

    @property
    def has_token(self) -> bool:
        return bool(self.telegram_bot_token)


def _file_url_for(base_url: str) -> str:
    """The file download URL of the Bot API server at ``base_url`` (downloads must go to
    the same server as the calls: a self-hosted one keeps its own files)."""
    if base_url == DEFAULT_API_BASE_URL:
        return DEFAULT_API_BASE_FILE_URL
    if base_url.rstrip("/").endswith("/bot"):
        return base_url.rstrip("/").removesuffix("/bot") + "/file/bot"
    raise SettingsError(
        "TELEGRAM_API_BASE_FILE_URL must be set when TELEGRAM_API_BASE_URL doesn't end in "
        f"/bot (got {base_url!r}): where does that server serve files?"
    )


def unknown_setting_warnings(names: Iterable[str], source: str = DOTENV) -> list[str]:
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


def split_listen(value: str) -> tuple[str, int]:
    """``"0.0.0.0:8443"`` → ``("0.0.0.0", 8443)``; ``"[::1]:9100"`` → ``("::1", 9100)``."""
    host, _, port = value.rpartition(":")
    return host.removeprefix("[").removesuffix("]"), int(port)
