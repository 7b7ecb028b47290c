"""One bad item in the articles folder is skipped with its reason; the rest is read.

Each case is a real item in a temporary folder: FIFOs, symlinks (dangling, loops,
to /dev/zero, out of the corpus), names that aren't UTF-8. Reading runs in a
thread with a time limit and under a memory limit, so a regression fails the
test instead of hanging it (a FIFO) or exhausting the machine (/dev/zero).
"""

from __future__ import annotations

import contextlib
import os
import resource
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.corpus import Article, Corpus, CorpusStore, render_article
from bot.corpus import store as corpus_store
from bot.corpus.limits import MAX_TITLE_CHARS

GOOD = Article(id="good", title="좋은 기사", body="누리시는 해상 풍력 발전소를 세웠다.")
OTHER = Article(id="other", title="다른 기사", body="바다 목장에는 전복이 자란다.")


def write(path: Path | bytes, data: bytes) -> None:
    with open(path, "wb") as file:
        file.write(data)


def article_bytes(article: Article) -> bytes:
    return render_article(article).encode("utf-8")


# name in the folder -> (how to make it, part of the reason given)
BAD_ITEMS: dict[str, tuple[Callable[[Path], None], str]] = {
    "empty": (lambda d: write(d / "empty.txt", b""), "empty"),
    "binary": (lambda d: write(d / "bin.txt", b"\x7fELF\x02\x01\x01\x00" * 40), "binary"),
    "invalid utf-8": (
        lambda d: write(d / "bad.txt", b"---\nid: bad\ntitle: t\n---\n\xff\xfe text\n"),
        "not UTF-8",
    ),
    "header without text": (
        lambda d: write(d / "notext.txt", b"---\nid: notext\ntitle: t\n---\n\n"),
        "no text",
    ),
    "duplicate id": (
        lambda d: write(d / "zz-copy.txt", article_bytes(GOOD)),
        "already used by good.txt",
    ),
    "directory": (lambda d: (d / "dir.txt").mkdir(), "directory"),
    "dangling symlink": (lambda d: (d / "dangling.txt").symlink_to(d / "gone"), "dangling"),
    "symlink loop": (lambda d: (d / "loop.txt").symlink_to(d / "loop.txt"), "loop"),
    "non-UTF-8 name": (
        lambda d: write(os.fsencode(d) + b"/bad\xff.txt", article_bytes(OTHER)),
        "name is not UTF-8",
    ),
    "FIFO": (lambda d: os.mkfifo(d / "x.txt"), "FIFO"),
    "symlink to /dev/zero": (
        lambda d: (d / "zero.txt").symlink_to("/dev/zero"),
        "out of the corpus folder",
    ),
    "symlink out of the corpus": (
        lambda d: (d / "out.txt").symlink_to(d.parent.parent / "outside.txt"),
        "out of the corpus folder",
    ),
}


@pytest.fixture
def store(tmp_path: Path) -> CorpusStore:
    store = CorpusStore(tmp_path / "corpus")
    store.save_article(GOOD)
    write(tmp_path / "outside.txt", article_bytes(OTHER))  # a readable file, out of bounds
    return store


@contextlib.contextmanager
def memory_limit(extra: int = 512 << 20) -> Iterator[None]:
    """Limits this process' address space to what it uses now plus ``extra``."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as statm:
        used = int(statm.read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (used + extra, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def load_soon(store: CorpusStore, seconds: float = 20) -> Corpus:
    """``store.load()``, failing (not hanging) if it blocks."""
    result: list[Corpus | BaseException] = []

    def load() -> None:
        try:
            result.append(store.load())
        except BaseException as error:  # reported below, in the test's thread
            result.append(error)

    with memory_limit():
        thread = threading.Thread(target=load, daemon=True)
        thread.start()
        thread.join(seconds)
    assert not thread.is_alive(), "reading the corpus blocked"
    (outcome,) = result
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


@pytest.mark.parametrize("case", list(BAD_ITEMS))
def test_a_bad_item_is_skipped_with_its_reason_and_the_rest_is_read(store, case, caplog):
    make, reason = BAD_ITEMS[case]
    before = store.scan()
    make(store.articles_dir)
    corpus = load_soon(store)
    assert [a.id for a in corpus.articles] == ["good"]
    (skipped,) = corpus.skipped
    assert reason in skipped.reason
    assert skipped.name in caplog.text and reason in caplog.text  # a warning names both
    assert store.scan() != before  # the listing sees what loading skips


def test_a_non_utf8_name_is_shown_escaped(store):
    BAD_ITEMS["non-UTF-8 name"][0](store.articles_dir)
    (skipped,) = load_soon(store).skipped
    assert skipped.name == "bad\\xff.txt"


def test_a_duplicate_id_keeps_the_first_file_by_name(store):
    write(store.articles_dir / "aa.txt", article_bytes(GOOD.with_changes(title="먼저")))
    corpus = load_soon(store)
    assert [a.title for a in corpus.articles] == ["먼저"]
    assert [(s.name, s.reason) for s in corpus.skipped] == [
        ("good.txt", "id good is already used by aa.txt")
    ]


def test_a_symlink_inside_the_corpus_is_followed(store):
    (store.root / "kept").mkdir()
    write(store.root / "kept" / "other.txt", article_bytes(OTHER))
    (store.articles_dir / "other.txt").symlink_to(store.root / "kept" / "other.txt")
    assert {a.id for a in load_soon(store).articles} == {"good", "other"}


def test_every_bad_item_at_once_leaves_the_good_article(store):
    for make, _ in BAD_ITEMS.values():
        make(store.articles_dir)
    corpus = load_soon(store)
    assert [a.id for a in corpus.articles] == ["good"]
    assert len(corpus.skipped) == len(BAD_ITEMS)


def test_a_file_over_the_size_limit_is_not_read(tmp_path, monkeypatch):
    store = CorpusStore(tmp_path, max_chars=1_000)
    store.save_article(GOOD)
    write(store.articles_dir / "huge.txt", article_bytes(OTHER) + "가".encode() * 10_000)
    opened: list[str] = []
    real = corpus_store.read_listed_file
    monkeypatch.setattr(
        corpus_store, "read_listed_file", lambda f, n: opened.append(f.name) or real(f, n)
    )
    (skipped,) = load_soon(store).skipped
    assert skipped.name == "huge.txt" and "too large" in skipped.reason
    assert opened == ["good.txt"]


def test_an_article_over_the_limit_is_cut_at_a_paragraph_and_reported(tmp_path):
    store = CorpusStore(tmp_path, max_chars=1_000)
    paragraphs = [f"{n}번째 문단은 이렇게 끝난다." * 5 for n in range(40)]
    store.save_article(GOOD.with_changes(body="\n\n".join(paragraphs)))
    corpus = load_soon(store)
    (article,) = corpus.articles
    assert len(article.body) <= 1_000
    assert article.body.endswith("끝난다.") and "\n\n".join(paragraphs).startswith(article.body)
    (cut,) = corpus.truncated
    assert cut.source == "good.txt" and cut.kept == len(article.body)
    assert "cut to" in cut.reason


def test_a_broken_synonyms_file_is_skipped(store):
    (store.root / "synonyms.txt").symlink_to(store.root / "synonyms.txt")
    corpus = load_soon(store)
    assert [a.id for a in corpus.articles] == ["good"]
    assert [s.name for s in corpus.skipped] == ["synonyms.txt"]
    assert store.scan()


def test_a_title_as_long_as_a_paragraph_is_cut_at_a_word(tmp_path: Path) -> None:
    store = CorpusStore(tmp_path / "corpus")
    title = " ".join(["아주 긴 제목"] * 2000)
    store.save_article(Article(id="long", title=title, body="누리시 이야기."))
    (article,) = store.load().articles
    assert 0 < len(article.title) <= MAX_TITLE_CHARS
    assert title.startswith(article.title) and title[len(article.title)] == " "  # a whole word
    assert article.body == "누리시 이야기."
