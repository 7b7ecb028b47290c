"""The shape of the package: one public surface, and data flowing one way.

sources → corpus → search → answers → (refresh) → presentation → front ends (chat,
cli). A layer may import the layers before it, never the ones after it, and nothing but
``bot.chat`` imports python-telegram-bot, so the core runs and is tested without
Telegram.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import bot

PACKAGE = Path(bot.__file__).parent
LAYERS = ["sources", "corpus", "search", "answers", "refresh", "chat"]


def test_public_api_is_sorted_and_complete():
    assert bot.__all__ == sorted(bot.__all__, key=str.casefold)
    assert all(hasattr(bot, name) for name in bot.__all__)


def imports_of(path: Path) -> set[str]:
    """Absolute module names imported by a module of the package."""
    tree = ast.parse(path.read_text("utf-8"))
    package = ".".join(("bot", *path.relative_to(PACKAGE).parent.parts))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                found.add(".".join([*base, node.module] if node.module else base))
            elif node.module:
                found.add(node.module)
    return found


@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_never_imports_a_later_one(layer):
    later = [*LAYERS[LAYERS.index(layer) + 1 :], "cli", "terminal", "library"]
    if layer != "chat":
        later.append("presentation")  # what answers show: for the front ends only
    if layer in ("refresh", "chat"):
        later = [x for x in later if x != "library"]  # front ends start from the library
    for path in (PACKAGE / layer).rglob("*.py"):
        for name in imports_of(path):
            parts = name.split(".")
            assert not (parts[0] == "bot" and len(parts) > 1 and parts[1] in later), (
                f"{path.relative_to(PACKAGE)} imports {name}"
            )


def test_only_the_chat_front_end_imports_telegram():
    for path in PACKAGE.rglob("*.py"):
        if "chat" in path.relative_to(PACKAGE).parts:
            continue
        telegram = {n for n in imports_of(path) if n.split(".")[0] == "telegram"}
        assert not telegram, f"{path.relative_to(PACKAGE)} imports {telegram}"
