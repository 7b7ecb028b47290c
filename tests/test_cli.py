"""The command line, as a user or a script sees it."""

from __future__ import annotations

import json
import os
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


def test_ask_json_has_the_documented_fields(data_dir):
    result = run_cli("ask", "DeepSeek v3 훈련 비용은?", "--json", "--top", "2", data_dir=data_dir)
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


def test_ask_reads_questions_from_stdin_one_json_per_line(data_dir):
    questions = "DeepSeek v3 훈련 비용은?\n오늘 서울 날씨 어때?\n\n😀\n"
    result = run_cli("ask", "--json", stdin=questions, data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["answered"] for a in answers] == [True, False, False, False]
    assert answers[1]["results"] == []
    assert answers[1]["suggestions"]["articles"]


def test_ask_prints_a_readable_answer(data_dir):
    result = run_cli("ask", "스타게이트 프로젝트 규모", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert "❝" in result.stdout and "딥시크와 스타게이트" in result.stdout


def test_not_found_is_said_plainly(data_dir):
    result = run_cli("ask", "김치찌개 끓이는 법", data_dir=data_dir)
    assert "찾지 못했어요" in result.stdout
    assert "닫는 미국과 여는 중국" in result.stdout


def test_sources_lists_the_articles(data_dir):
    result = run_cli("sources", "--json", data_dir=data_dir)
    rows = json.loads(result.stdout)
    assert {r["title"] for r in rows} >= {"닫는 미국과 여는 중국"}


def test_run_without_a_token_answers_in_the_terminal(data_dir):
    result = run_cli("run", stdin="DeepSeek v3 훈련 비용은?\n", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert "558만 달러" in result.stdout
    assert "TELEGRAM_BOT_TOKEN" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TELEGRAM_BOT_TOKEN", "not-a-token", "TELEGRAM_BOT_TOKEN is malformed"),
        ("ADMIN_USER_IDS", "12,abc", "ADMIN_USER_IDS"),
        ("SEARCH_ENGINE", "google", "SEARCH_ENGINE must be one of"),
        ("RESULTS_PER_ANSWER", "99", "RESULTS_PER_ANSWER must be between"),
    ],
)
def test_bad_settings_are_a_clear_error_not_a_traceback(data_dir, name, value, message):
    result = run_cli("sources", env={name: value}, data_dir=data_dir)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_import_adds_a_saved_page_to_the_corpus(tmp_path, data_dir):
    corpus = tmp_path / "corpus"
    page = tmp_path / "page.txt"
    page.write_text(
        "메뉴\n로그인\n새로운 기사의 첫 문장은 충분히 길어서 본문으로 인정된다.\n"
        "두 번째 문장도 본문으로 충분히 길게 쓰여 있어야 한다.\n댓글 0\n",
        encoding="utf-8",
    )
    result = run_cli(
        "import",
        str(page),
        "--title",
        "새 기사",
        env={"CORPUS_DIR": str(corpus)},
        data_dir=data_dir,
    )
    assert result.returncode == 0, result.stderr
    listed = run_cli("sources", env={"CORPUS_DIR": str(corpus)}, data_dir=data_dir)
    assert "새 기사" in listed.stdout
    (article,) = (corpus / "articles").glob("*.txt")
    assert "메뉴" not in article.read_text() and "댓글 0" not in article.read_text()


def test_import_of_a_missing_file_is_explained(data_dir):
    result = run_cli("import", "/nonexistent/page.txt", "--title", "x", data_dir=data_dir)
    assert result.returncode == 1
    assert "can't read" in result.stderr
