"""Settings: one table drives parsing, defaults, validation, .env.example and the README."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from bot.errors import SettingsError
from bot.settings import SETTINGS, Settings
from bot.settings_docs import README_BEGIN, env_example, readme_table, with_readme_table
from tests.conftest import PROJECT

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"


def test_defaults_need_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({})
    assert not settings.has_token
    assert settings.corpus_dir == tmp_path / "corpus"
    assert settings.data_dir == tmp_path / "data"
    assert settings.search_engine == "auto"


def test_relative_folders_resolve_against_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({"CORPUS_DIR": "mine/articles", "DATA_DIR": "../state"})
    monkeypatch.chdir("/")  # resolved once: a later chdir changes nothing
    assert settings.corpus_dir == tmp_path / "mine" / "articles"
    assert settings.data_dir.resolve() == tmp_path.parent / "state"
    assert settings.corpus_dir.is_absolute() and settings.data_dir.is_absolute()
    assert Settings.from_env({"DATA_DIR": "~/bot-data"}).data_dir == Path.home() / "bot-data"


def test_the_environment_wins_over_dotenv_in_the_current_directory(tmp_path, monkeypatch):
    for setting in SETTINGS:
        monkeypatch.delenv(setting.name, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("LOG_LEVEL=ERROR\nDATA_DIR=from-dotenv\nSEARCH_ENGINE=bm25\n")
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    settings = Settings.from_env()
    assert settings.log_level == "DEBUG"  # the environment
    assert settings.data_dir == tmp_path / "from-dotenv"  # .env, relative to its directory
    assert settings.search_engine == "bm25"
    assert settings.retrieval == "auto"  # the default
    assert not settings.warnings


def test_the_dataclass_has_one_field_per_setting_with_the_tables_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    names = [f.name for f in dataclasses.fields(Settings) if f.name != "warnings"]
    assert names == [s.attribute for s in SETTINGS]
    assert Settings() == Settings.from_env({})
    assert Settings().corpus_dir == tmp_path / "corpus"


def test_values_are_parsed():
    settings = Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "ADMIN_USER_IDS": "1, 22 ,333",
            "ALLOWED_CHAT_IDS": "-100123",
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
            "TELEGRAM_API_BASE_FILE_URL": "http://127.0.0.1:8081/file/bot",
            "FETCH_ALLOW_PRIVATE_ADDRESSES": "true",
            "DATA_DIR": "/tmp/x",
        }
    )
    assert settings.admin_user_ids == {1, 22, 333}
    assert settings.allowed_chat_ids == {-100123}
    assert settings.telegram_api_base_file_url == "http://127.0.0.1:8081/file/bot"
    assert settings.fetch_allow_private_addresses is True
    assert str(settings.data_dir) == "/tmp/x"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TELEGRAM_BOT_TOKEN", "123:short"),
        ("ADMIN_USER_IDS", "me"),
        ("TELEGRAM_API_BASE_URL", "ftp://x"),
        ("TELEGRAM_API_BASE_FILE_URL", "file:///tmp"),
        ("SEARCH_ENGINE", "elastic"),
        ("RESULTS_PER_ANSWER", "0"),
        ("FETCH_TIMEOUT_SECONDS", "soon"),
        ("ARTICLE_MAX_CHARS", "10"),
        ("FETCH_ALLOW_PRIVATE_ADDRESSES", "maybe"),
        ("WEBHOOK_LISTEN", "8443"),
        ("WEBHOOK_LISTEN", "0.0.0.0:70000"),
        ("WEBHOOK_LISTEN", "0.0.0.0:0"),
        ("WEBHOOK_URL", "http://bot.example.com/hook"),
        ("WEBHOOK_URL", "https://bot.example.com:9999/hook"),
        ("WEBHOOK_URL", "https:///hook"),
        ("LOG_LEVEL", "LOUD"),
        ("WEBHOOK_SECRET", "has spaces"),
        ("WEBHOOK_SECRET", "x" * 257),
        ("OPENSEARCH_POLL_SECONDS", "0"),
        ("OPENSEARCH_POLL_SECONDS", "often"),
        ("REFRESH_ENABLED", "sometimes"),
    ],
)
def test_a_bad_value_is_an_error_naming_the_setting(name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_the_error_never_echoes_a_token():
    secret = "123456:a secret with spaces that is long enough"
    with pytest.raises(SettingsError) as error:
        Settings.from_env({"TELEGRAM_BOT_TOKEN": secret})
    assert secret not in str(error.value)


def test_replicas_share_the_webhook_secret_and_one_process_draws_its_own():
    from bot.chat.app import webhook_options

    url = {"WEBHOOK_URL": "https://bot.example.org/telegram"}
    shared = Settings.from_env({**url, "WEBHOOK_SECRET": "same-for-every_replica0"})
    assert webhook_options(shared)["secret_token"] == "same-for-every_replica0"
    assert "same-for-every" not in repr(shared)  # never in a log line of the settings
    alone = Settings.from_env(url)
    drawn = {webhook_options(alone)["secret_token"] for _ in range(2)}
    assert len(drawn) == 2 and all(len(secret) >= 32 for secret in drawn)


def test_env_example_is_written_from_the_table():
    committed = (PROJECT / ".env.example").read_text("utf-8")
    assert committed == env_example(), "run: .venv/bin/python -m bot.settings_docs --write"
    documented = re.findall(r"^([A-Z_]+)=(.*)$", committed, re.M)
    assert documented == [(s.name, s.default) for s in SETTINGS]


def test_the_readmes_settings_table_is_written_from_the_table():
    readme = (PROJECT / "README.md").read_text("utf-8")
    assert with_readme_table(readme) == readme, "run: .venv/bin/python -m bot.settings_docs --write"
    assert f"{README_BEGIN}\n{readme_table()}" in readme
    assert all(f"| `{s.name}` |" in readme for s in SETTINGS)


def test_the_docs_writer_rewrites_a_stale_table(tmp_path):
    from bot.settings_docs import README_END, main

    (tmp_path / "README.md").write_text(f"# x\n\n{README_BEGIN}\n| old |\n{README_END}\nend\n")
    assert main(["--write", str(tmp_path)]) == 0
    assert (tmp_path / ".env.example").read_text() == env_example()
    readme = (tmp_path / "README.md").read_text()
    assert "| old |" not in readme and readme_table() in readme and readme.endswith("end\n")


def test_webhook_url_must_be_https_on_a_port_telegram_posts_to():
    with pytest.raises(SettingsError, match="https://"):
        Settings.from_env({"WEBHOOK_URL": "http://bot.example.com/hook"})
    with pytest.raises(SettingsError, match="443, 80, 88, 8443"):
        Settings.from_env({"WEBHOOK_URL": "https://bot.example.com:8080/hook"})
    ok = Settings.from_env({"WEBHOOK_URL": "https://bot.example.com:8443/hook"})
    assert ok.webhook_url == "https://bot.example.com:8443/hook"


def test_a_self_hosted_bot_api_may_post_to_any_port():
    settings = Settings.from_env(
        {
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
            "WEBHOOK_URL": "https://10.0.0.5:9000/hook",
        }
    )
    assert settings.webhook_url.endswith(":9000/hook")


def test_listen_addresses_split_into_host_and_port():
    from bot.settings import split_listen

    assert split_listen("0.0.0.0:8443") == ("0.0.0.0", 8443)
    assert split_listen("[::1]:9100") == ("::1", 9100)
    assert Settings.from_env({"WEBHOOK_LISTEN": "[::]:8443"}).webhook_listen == "[::]:8443"


def test_unknown_names_in_dotenv_are_warned_about_with_a_suggestion(tmp_path, monkeypatch):
    for setting in SETTINGS:
        monkeypatch.delenv(setting.name, raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("ADMIN_IDS=123\nLOG_LEVEL=WARNING\nCOLOUR_SCHEME=dark\n")
    settings = Settings.from_env(dotenv=env_file)
    assert settings.log_level == "WARNING"
    assert settings.admin_user_ids == frozenset()  # the typo is not read as the setting
    assert settings.warnings == (
        ".env: ADMIN_IDS is not a setting the bot reads, ignored (did you mean ADMIN_USER_IDS?)",
        ".env: COLOUR_SCHEME is not a setting the bot reads, ignored",
    )


def test_the_environment_is_never_warned_about():
    assert Settings.from_env({"ADMIN_IDS": "1", "PATH": "/bin"}).warnings == ()


def test_files_come_from_the_same_bot_api_server_as_the_calls():
    default = Settings.from_env({})
    assert default.telegram_api_base_file_url == "https://api.telegram.org/file/bot"
    local = Settings.from_env({"TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot"})
    assert local.telegram_api_base_file_url == "http://127.0.0.1:8081/file/bot"
    given = Settings.from_env(
        {
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
            "TELEGRAM_API_BASE_FILE_URL": "http://files.local/bot",
        }
    )
    assert given.telegram_api_base_file_url == "http://files.local/bot"
    with pytest.raises(SettingsError, match="TELEGRAM_API_BASE_FILE_URL must be set"):
        Settings.from_env({"TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/api"})
