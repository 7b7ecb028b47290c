"""The command line, as a user or a script sees it.

Most tests run it in this process (``bot_cli``, tests/cli_runner.py); ``run_cli`` starts
``python -m bot`` for what only a process of its own shows: a reader closing the pipe,
the program's name as started, and the time a whole command takes from a cold start.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from tests.conftest import PROJECT


def run_cli(
    *args: str,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    data_dir=None,
    timeout: float = 120,
    preexec_fn=None,
):
    environment = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": "",
        "DATA_DIR": str(data_dir),
        "LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=PROJECT,
        env=environment,
        timeout=timeout,
        preexec_fn=preexec_fn,
    )


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("cli-data")


def test_ask_json_has_the_documented_fields(bot_cli, data_dir):
    result = bot_cli("ask", "DeepSeek v3 훈련 비용은?", "--json", "--top", "2", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["question"] == "DeepSeek v3 훈련 비용은?"
    assert answer["answered"] is True
    assert 1 <= len(answer["results"]) <= 2
    first = answer["results"][0]
    for key in (
        "doc_id",
        "title",
        "url",
        "passage_id",
        "passage",
        "excerpt",
        "highlights",
        "score",
    ):
        assert key in first
    assert first["excerpt"] in first["passage"]
    assert all(first["excerpt"][a:b] for a, b in first["highlights"])


def test_ask_reads_questions_from_stdin_one_json_per_line(bot_cli, data_dir):
    questions = "DeepSeek v3 훈련 비용은?\n오늘 서울 날씨 어때?\n\n😀\n"
    result = bot_cli("ask", "--json", stdin=questions, data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["answered"] for a in answers] == [True, False, False, False]
    assert answers[1]["results"] == []
    assert answers[1]["suggestions"]["articles"]


def test_ask_prints_a_readable_answer(bot_cli, data_dir):
    result = bot_cli("ask", "스타게이트 프로젝트 규모", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert "❝" in result.stdout and "딥시크와 스타게이트" in result.stdout


def test_not_found_is_said_plainly(bot_cli, data_dir):
    result = bot_cli("ask", "김치찌개 끓이는 법", data_dir=data_dir)
    assert "찾지 못했어요" in result.stdout
    assert "닫는 미국과 여는 중국" in result.stdout


def test_sources_lists_the_articles(bot_cli, data_dir):
    result = bot_cli("sources", "--json", data_dir=data_dir)
    rows = json.loads(result.stdout)
    assert {r["title"] for r in rows} >= {"닫는 미국과 여는 중국"}


def test_run_without_a_token_answers_in_the_terminal(bot_cli, data_dir):
    result = bot_cli(
        "run", "--terminal", stdin="/help\nDeepSeek v3 훈련 비용은?\n", data_dir=data_dir
    )
    assert result.returncode == 0, result.stderr
    assert "558만 달러" in result.stdout
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
    help_text, _ = result.stdout.split("\n\n", 1)  # /help as the bot answers it, not a question
    assert help_text.startswith("질문을 입력하면") and "지금 볼 수 있는 기사" in help_text


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TELEGRAM_BOT_TOKEN", "not-a-token", "TELEGRAM_BOT_TOKEN is malformed"),
        ("ADMIN_USER_IDS", "12,abc", "ADMIN_USER_IDS"),
        ("SEARCH_ENGINE", "google", "SEARCH_ENGINE must be one of"),
        ("RESULTS_PER_ANSWER", "99", "RESULTS_PER_ANSWER must be between"),
    ],
)
def test_bad_settings_are_a_clear_error_not_a_traceback(bot_cli, data_dir, name, value, message):
    result = bot_cli("sources", env={name: value}, data_dir=data_dir)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_import_adds_a_saved_page_to_the_corpus(bot_cli, tmp_path, data_dir):
    corpus = tmp_path / "corpus"
    page = tmp_path / "page.txt"
    page.write_text(
        "메뉴\n로그인\n새로운 기사의 첫 문장은 충분히 길어서 본문으로 인정된다.\n"
        "두 번째 문장도 본문으로 충분히 길게 쓰여 있어야 한다.\n댓글 0\n",
        encoding="utf-8",
    )
    result = bot_cli(
        "import",
        str(page),
        "--title",
        "새 기사",
        env={"CORPUS_DIR": str(corpus)},
        data_dir=data_dir,
    )
    assert result.returncode == 0, result.stderr
    listed = bot_cli("sources", env={"CORPUS_DIR": str(corpus)}, data_dir=data_dir)
    assert "새 기사" in listed.stdout
    (article,) = (corpus / "articles").glob("*.txt")
    assert "메뉴" not in article.read_text() and "댓글 0" not in article.read_text()


def test_import_of_a_missing_file_is_explained(bot_cli, data_dir):
    result = bot_cli("import", "/nonexistent/page.txt", "--title", "x", data_dir=data_dir)
    assert result.returncode == 1
    assert "can't read" in result.stderr


@pytest.mark.parametrize("top", ["0", "-3", "6", "99", "two"])
def test_top_out_of_range_is_a_usage_error(bot_cli, top, data_dir):
    result = bot_cli("ask", "질문", "--top", top, data_dir=data_dir)
    assert result.returncode == 2
    assert "argument --top" in result.stderr and "Traceback" not in result.stderr


def test_lang_offers_its_choices(bot_cli, data_dir):
    result = bot_cli("ask", "질문", "--lang", "fr", data_dir=data_dir)
    assert result.returncode == 2
    assert "invalid choice: 'fr'" in result.stderr and "'en'" in result.stderr


def test_top_five_quotes_at_most_five(bot_cli, data_dir):
    result = bot_cli("ask", "DeepSeek", "--json", "--top", "5", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert 1 <= len(json.loads(result.stdout)["results"]) <= 5


def test_output_into_a_closed_pipe_ends_quietly(data_dir):
    questions = "DeepSeek v3 훈련 비용은?\n" * 400  # far more than a pipe buffer holds
    reader = subprocess.Popen(
        [sys.executable, "-m", "bot", "ask", "--json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=PROJECT,
        env={**os.environ, "TELEGRAM_BOT_TOKEN": "", "DATA_DIR": str(data_dir)},
    )
    assert reader.stdin is not None and reader.stdout is not None
    reader.stdin.write(questions.encode())
    reader.stdin.close()
    first = reader.stdout.readline()
    reader.stdout.close()  # what `head -n 1` does after its line
    stderr = reader.stderr.read().decode() if reader.stderr else ""
    status = reader.wait(timeout=120)
    assert json.loads(first)["schema_version"] == 1
    assert status == 141, stderr
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr


@pytest.mark.parametrize(
    ("argv0", "name"),
    [
        ("/srv/venv/bin/article-qa-bot", "article-qa-bot"),
        ("/work/bot/__main__.py", "python -m bot"),
        ("-c", "python -m bot"),
    ],
)
def test_usage_names_the_program_as_it_was_started(argv0, name):
    from bot.cli import program_name

    assert program_name(argv0) == name


def test_the_installed_command_shows_its_own_name_in_help():
    command = os.path.join(os.path.dirname(sys.executable), "article-qa-bot")
    if not os.path.exists(command):
        pytest.skip("the article-qa-bot command is not installed in this environment")
    result = subprocess.run([command, "ask", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.startswith("usage: article-qa-bot ask")
    module = run_cli("--help", data_dir=None)
    assert module.stdout.startswith("usage: python -m bot")
    installed = subprocess.run([command, "--help"], capture_output=True, text=True)
    assert "python -m" not in installed.stdout  # neither in the usage nor the description


def test_refresh_reports_its_real_duration_with_plurals(data_dir):
    result = run_cli("refresh", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    (line,) = [x for x in result.stdout.splitlines() if x.startswith("refresh finished in")]
    seconds = float(re.search(r"in ([\d.]+) seconds", line).group(1))
    assert seconds >= 0.1  # it loads the analyzer and the index: never "0.0"
    assert line.endswith("; 2 articles, 56 passages")


def test_run_without_a_token_under_a_supervisor_fails_clearly(bot_cli, data_dir):
    result = bot_cli("run", stdin="", data_dir=data_dir)  # stdin is a pipe, as under systemd
    assert result.returncode == 1
    assert result.stderr.startswith("error: TELEGRAM_BOT_TOKEN is not set")
    assert "run --terminal" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""
