"""The bundled sample articles start a corpus folder that doesn't exist, and only then."""

from __future__ import annotations

from pathlib import Path

from bot.corpus import CorpusStore
from bot.corpus.samples import sample_files, samples_dir, seed_corpus
from tests.conftest import PROJECT


def test_from_a_checkout_the_samples_are_its_corpus_folder():
    assert samples_dir() == PROJECT / "corpus"
    assert [str(p) for p in sample_files()] == [
        "articles/c75d16148f19.txt",
        "articles/f145e3cc02f9.txt",
        "synonyms.txt",
    ]


def test_a_missing_corpus_folder_is_created_with_a_copy_of_the_samples(tmp_path: Path):
    corpus = tmp_path / "work" / "corpus"

    assert seed_corpus(corpus) == 2

    assert sample_files(corpus) == sample_files()
    for relative in sample_files():
        assert (corpus / relative).read_bytes() == (samples_dir() / relative).read_bytes()
    assert len(CorpusStore(corpus).load().articles) == 2
    assert [p.name for p in corpus.parent.iterdir()] == ["corpus"]  # no staging folder left


def test_an_existing_folder_is_never_touched_even_when_empty(tmp_path: Path):
    (tmp_path / "corpus").mkdir()
    assert seed_corpus(tmp_path / "corpus") == 0
    assert not any((tmp_path / "corpus").iterdir())
