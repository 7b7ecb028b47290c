"""`.env.example` and the README's configuration table, written from ``SETTINGS``.

    python -m bot.settings_docs --env-example   print a `.env` template (for an installed bot)
    python -m bot.settings_docs --write         rewrite .env.example and README.md's table

tests/test_settings.py checks that the committed files are what this writes.
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from .settings import SETTINGS, Setting

__all__ = ["README_BEGIN", "README_END", "env_example", "readme_table", "with_readme_table"]

README_BEGIN = "<!-- settings table: written by `python -m bot.settings_docs --write` -->"
README_END = "<!-- end of settings table -->"
_HEADER = """\
# Copy to .env and fill in. Every setting the bot reads is listed here; the
# environment overrides .env, and an empty value means the default.
# Written from bot/settings.py by `python -m bot.settings_docs --write`: edit it there.
"""
_WIDTH = 88


def env_example() -> str:
    blocks = [_HEADER]
    for setting in SETTINGS:
        comment = textwrap.fill(
            _plain(setting.help), _WIDTH, initial_indent="# ", subsequent_indent="# "
        )
        blocks.append(f"{comment}\n{setting.name}={setting.default}\n")
    return "\n".join(blocks)


def readme_table() -> str:
    rows = ["| setting | default | meaning |", "|---|---|---|"]
    rows += [f"| `{s.name}` | {_default(s)} | {s.help} |" for s in SETTINGS]
    return "\n".join(rows) + "\n"


def with_readme_table(readme: str) -> str:
    """``readme`` with the text between the two markers replaced by ``readme_table()``."""
    pattern = re.compile(f"{re.escape(README_BEGIN)}\n.*?{re.escape(README_END)}", re.S)
    if not pattern.search(readme):
        raise ValueError(f"README.md has no {README_BEGIN!r} … {README_END!r} block")
    return pattern.sub(lambda _: f"{README_BEGIN}\n{readme_table()}{README_END}", readme)


def _default(setting: Setting) -> str:
    return f"`{setting.default}`" if setting.default else "(empty)"


def _plain(markdown: str) -> str:
    return markdown.replace("`", "")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.settings_docs", description=__doc__)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--env-example", action="store_true", help="print a .env template")
    action.add_argument(
        "--write",
        metavar="DIR",
        nargs="?",
        const=".",
        type=Path,
        help=("rewrite DIR/.env.example and DIR/README.md (default: the current directory)"),
    )
    args = parser.parse_args(argv)
    if args.env_example:
        sys.stdout.write(env_example())
        return 0
    root: Path = args.write
    (root / ".env.example").write_text(env_example(), encoding="utf-8")
    readme = root / "README.md"
    readme.write_text(with_readme_table(readme.read_text("utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
