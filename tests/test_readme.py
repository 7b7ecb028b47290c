"""The README's command-line examples are the program's real output.

Each ```console block in the README is one command (``$ …``) and the lines it prints,
in order; ``…`` stands for any text. A plain command runs in this process (``bot_cli``),
a shell pipeline in the shell. The `ask --json` field tables list exactly the
fields the program writes.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys

import pytest

from tests.conftest import PROJECT

README = (PROJECT / "README.md").read_text("utf-8")
EXAMPLES = re.findall(r"^```console\n\$ (.+?)\n(.*?)^```$", README, re.M | re.S)


def expected_pattern(line: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in line.strip().split("…")))


def test_the_readme_has_command_examples():
    assert len(EXAMPLES) >= 4
    assert all(".venv/bin/python -m bot" in command for command, _ in EXAMPLES)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("readme-data")


def bot_arguments(command: str) -> list[str] | None:
    """The arguments of a plain ``.venv/bin/python -m bot …`` command, or None for one
    the shell must run (a pipeline)."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    words = list(lexer)
    if words[:3] != [".venv/bin/python", "-m", "bot"] or any(
        word and set(word) <= set("|&;<>()") for word in words
    ):
        return None
    return words[3:]


@pytest.mark.parametrize(("command", "output"), EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_a_readme_example_prints_what_the_readme_shows(command, output, data_dir, bot_cli):
    arguments = bot_arguments(command)
    if arguments is not None:  # in this process (tests/cli_runner.py)
        result = bot_cli(*arguments, data_dir=data_dir)
    else:  # the shell's pipeline, with the program in a process of its own
        real = command.replace(".venv/bin/python", shlex.quote(sys.executable))
        result = subprocess.run(
            ["bash", "-c", real],
            capture_output=True,
            text=True,
            cwd=PROJECT,
            env={**os.environ, "TELEGRAM_BOT_TOKEN": "", "DATA_DIR": str(data_dir)},
            timeout=180,
        )
    assert result.returncode == 0, result.stderr
    printed = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    position = 0
    for line in filter(str.strip, output.splitlines()):
        pattern = expected_pattern(line)
        while position < len(printed) and not pattern.fullmatch(printed[position]):
            position += 1
        assert position < len(printed), f"README line not printed: {line!r}\n{result.stdout}"
        position += 1


def documented_fields(table_heading: str) -> set[str]:
    """The backticked names in the first column of the table after ``table_heading``."""
    section = README.split("### `ask --json`", 1)[1].split(table_heading, 1)[1]
    table = re.search(r"\n\|.*?\n\n", section, re.S)
    assert table is not None
    rows = [row.split("|")[1] for row in table.group(0).strip().splitlines()[2:]]
    return {name for cell in rows for name in re.findall(r"`([a-z_]+)`", cell)}


def test_the_json_fields_are_the_documented_ones(service):
    from bot.terminal import answer_to_json

    answer = answer_to_json(service.ask("DeepSeek v3 훈련 비용은?"))
    assert set(answer) == documented_fields("Fields:")
    assert set(answer["results"][0]) == documented_fields("Each result:")
    json.dumps(answer)  # plain JSON types only


def test_every_status_value_is_documented():
    from bot.answers import AnswerStatus

    row = next(r for r in README.splitlines() if r.startswith("| `status` |"))
    documented = set(re.findall(r"`([a-z_]+)`", row.split("|")[3]))
    assert documented == {status.value for status in AnswerStatus}
