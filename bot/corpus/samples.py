"""The sample articles bundled with the bot, to start a corpus folder that doesn't exist.

An installed bot carries them as package data, ``bot/samples/`` (setup.py puts the
checkout's ``corpus/`` there in the wheel); run from a checkout, they are that
``corpus/`` itself. So ``article-qa-bot ask …`` answers in an empty directory: the
first command that reads the corpus creates ``./corpus`` with a copy of them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .store import ARTICLES_DIR, SYNONYMS_FILE

__all__ = ["sample_files", "samples_dir", "seed_corpus"]

_PACKAGE = Path(__file__).resolve().parent.parent
# What setup.py's package_data ships; tests/test_packaging.py checks they agree.
SAMPLE_PATTERNS = (SYNONYMS_FILE, f"{ARTICLES_DIR}/*.txt")


def samples_dir() -> Path:
    installed = _PACKAGE / "samples"
    return installed if installed.is_dir() else _PACKAGE.parent / "corpus"


def sample_files(root: Path | None = None) -> list[Path]:
    """The bundled files, relative to their folder, sorted."""
    root = root or samples_dir()
    return sorted(p.relative_to(root) for pattern in SAMPLE_PATTERNS for p in root.glob(pattern))


def seed_corpus(corpus_dir: Path) -> int:
    """Creates ``corpus_dir`` with the sample articles when it doesn't exist; returns the
    number of articles copied (0: the folder existed and was left alone).

    The copy is made beside it and renamed into place, so an interrupted copy never
    leaves a half corpus that a later start would take for the operator's own.
    """
    corpus_dir = Path(corpus_dir)
    if corpus_dir.exists():
        return 0
    source = samples_dir()
    corpus_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = corpus_dir.with_name(f".{corpus_dir.name}.seeding-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)  # left by a crash of a process with our pid
    staging.mkdir()
    try:
        for relative in sample_files(source):
            (staging / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / relative, staging / relative)
        try:
            os.rename(staging, corpus_dir)
        except OSError:
            if not corpus_dir.is_dir():  # not another process seeding it at the same time
                raise
            return 0
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return sum(1 for p in sample_files(source) if p.parts[0] == ARTICLES_DIR)
