"""The wheel works outside a checkout: it carries the sample articles, declares what the
code imports, and the installed bot answers in an empty directory, keeping its state there.

The wheel is built offline (no build isolation, the setuptools of `.[dev]`) from a copy of
the sources, and unpacked rather than pip-installed: the dependencies are .venv's.
"""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from bot.corpus.samples import sample_files
from tests.conftest import PROJECT

PACKAGE = PROJECT / "bot"


def _distribution(requirement: str) -> str:
    name = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert name, requirement
    return re.sub(r"[-_.]+", "-", name.group()).lower()


def _imported_top_level_modules() -> set[str]:
    modules = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - {"bot"}


def test_every_package_the_code_imports_is_a_declared_dependency():
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    # An extra other than dev (opensearch) declares what the code imports when it is used.
    extras = [
        r for name, rs in project["optional-dependencies"].items() if name != "dev" for r in rs
    ]
    declared = {_distribution(r) for r in [*project["dependencies"], *extras]}
    providers = importlib.metadata.packages_distributions()
    missing = {
        module: providers.get(module)
        for module in _imported_top_level_modules()
        if not {_distribution(d) for d in providers.get(module, [module])} & declared
    }
    assert not missing, f"imported but not in pyproject's dependencies: {missing}"


def test_pyproject_has_ranges_and_constraints_pin_each_of_them():
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    extras = [r for rs in project["optional-dependencies"].values() for r in rs]
    requirements = [*project["dependencies"], *extras]
    pinned = {
        _distribution(line): line.split("==")[1]
        for line in (PROJECT / "constraints.txt").read_text().split()
    }
    for requirement in requirements:
        assert "==" not in requirement.split(";")[0], (
            f"pin {requirement!r} in constraints.txt, not here"
        )
        assert _distribution(requirement) in pinned, f"{requirement!r} not in constraints.txt"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("setuptools", minversion="70.1", reason="builds wheels by itself")
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(PROJECT / name, source)
    shutil.copytree(PACKAGE, source / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(PROJECT / "corpus", source / "corpus")
    out = tmp_path_factory.mktemp("wheels")
    offline = ("--no-deps", "--no-build-isolation", "--no-index", "--quiet")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", *offline, "-w", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert built.returncode == 0, built.stderr
    (path,) = out.glob("article_qa_bot-*.whl")
    return path


def test_the_wheel_has_every_module_and_the_sample_articles(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {str(p.relative_to(PROJECT)) for p in PACKAGE.rglob("*.py")}
    assert modules <= names, modules - names
    assert {f"bot/samples/{p}" for p in sample_files()} <= names
    assert not [n for n in names if n.startswith(("tests/", "bench/", "corpus/", "data/"))]
    metadata = zipfile.ZipFile(wheel).read(f"{wheel.name.split('-py3')[0]}.dist-info/METADATA")
    assert b"Requires-Dist: lxml_html_clean" in metadata
    assert b"article-qa-bot = bot.cli:main" in zipfile.ZipFile(wheel).read(
        f"{wheel.name.split('-py3')[0]}.dist-info/entry_points.txt"
    )


def test_the_installed_bot_answers_in_an_empty_directory_and_keeps_its_state_there(
    wheel: Path, tmp_path: Path
):
    site = tmp_path / "site-packages"
    zipfile.ZipFile(wheel).extractall(site)
    shipped = {p for p in site.rglob("*") if "__pycache__" not in p.parts}
    work = tmp_path / "work"
    work.mkdir()
    (work / ".env").write_text("DATA_DIR=state\n")  # ./.env is read, relative to ./
    env = {k: v for k, v in os.environ.items() if k not in ("CORPUS_DIR", "DATA_DIR")}
    env.update(PYTHONPATH=str(site), TELEGRAM_BOT_TOKEN="", PYTHONDONTWRITEBYTECODE="1")
    # The console script's code, checking first that it runs the unpacked wheel.
    script = (
        "import sys, bot, bot.cli; "
        f"assert bot.__file__.startswith({str(site)!r}), bot.__file__; "
        "sys.exit(bot.cli.main(sys.argv[1:]))"
    )

    asked = subprocess.run(
        [sys.executable, "-c", script, "ask", "DeepSeek v3 훈련 비용은?", "--top", "1"],
        capture_output=True,
        text=True,
        cwd=work,
        env=env,
        timeout=120,
    )

    assert asked.returncode == 0, asked.stderr
    assert "558만 달러" in asked.stdout and "닫는 미국과 여는 중국" in asked.stdout
    assert "sample articles bundled with the bot" in asked.stderr
    assert sample_files(work / "corpus") == sample_files()
    assert (work / "state").is_dir() and not (work / "data").exists()
    added = {p for p in site.rglob("*") if "__pycache__" not in p.parts} - shipped
    assert not added, f"state written inside the installed package: {added}"
