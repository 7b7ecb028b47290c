"""Article files, passages and sentences."""

from __future__ import annotations

import pytest

from bot.corpus import (
    Article,
    CorpusStore,
    article_id_of,
    parse_article,
    render_article,
    split_article,
    split_sentences,
)
from bot.errors import CorpusError


def make_article(body: str, **fields: str) -> Article:
    return Article(
        id=fields.pop("id", "a1"), title=fields.pop("title", "제목"), body=body, **fields
    )


def test_article_files_round_trip():
    article = make_article(
        "첫 문단입니다.\n\n둘째 문단: 값이 있다.",
        publisher="신문",
        published="2025-01-31",
        url="https://example.org/x",
        provenance="번역 원문: X",
    )
    assert parse_article(render_article(article)) == article


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no header", "starts with a '---' header"),
        ("---\nid: a\ntitle: t\n", "no closing"),
        ("---\nid: a\n---\nbody", "needs 'title:'"),
        ("---\nid: a b\ntitle: t\n---\nbody", "id must be"),
        ("---\nid: a\ntitle: t\n---\n   \n", "no text"),
        ("---\nthis is not a header line\n---\nbody", "expected 'key: value'"),
    ],
)
def test_malformed_article_files_are_explained(text, message):
    with pytest.raises(CorpusError, match=message):
        parse_article(text, source="x.txt")


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("하나다. 둘이다! 셋인가? 넷", ["하나다.", "둘이다!", "셋인가?", "넷"]),
        ("값은 3.5이다. 다음.", ["값은 3.5이다.", "다음."]),
        ('그는 "좋다."라고 말했다. 끝.', ['그는 "좋다."라고 말했다.', "끝."]),
        ("China vs. America, Ron Unz. 다음 문장.", ["China vs. America, Ron Unz.", "다음 문장."]),
        ("", []),
    ],
)
def test_sentences(text, sentences):
    assert split_sentences(text) == sentences


def test_passages_have_stable_ids_and_few_sentences():
    body = "\n\n".join(
        f"문단 {i}의 첫 문장이다. 둘째 문장이다. 셋째 문장이다. 넷째 문장이다." for i in range(4)
    )
    passages = split_article(make_article(body))
    assert [p.ordinal for p in passages] == list(range(len(passages)))
    assert all(len(p.sentences) <= 3 for p in passages)
    assert len({p.id for p in passages}) == len(passages)
    # Editing one paragraph keeps the other passages' ids (links keep working).
    edited = split_article(make_article(body.replace("문단 3의", "문단 셋의")))
    assert {p.id for p in passages[:-2]} <= {p.id for p in edited}


def test_passage_ids_are_safe_in_deep_links():
    article = make_article("문장이다. " * 50, id="abc-DEF_123")
    for passage in split_article(article):
        assert len(passage.id) <= 64
        assert all(c.isascii() and (c.isalnum() or c in "_-") for c in passage.id)


def test_a_passage_id_names_its_article_even_when_the_article_id_has_dashes():
    # The same paragraph twice gets a numbered id of its own.
    same = "첫 문장이 길게 이어진다. 둘째 문장도 길게 이어진다. 셋째 문장도 이어진다."
    other = same.replace("첫", "다른")
    article = make_article(f"{same}\n\n{other}\n\n{same}", id="abc-DEF-9")
    passages = split_article(article)
    assert len({p.id for p in passages}) == len(passages) == 3
    assert {article_id_of(p.id) for p in passages} == {"abc-DEF-9"}


def test_a_short_heading_joins_the_next_passage():
    body = "오픈 소스와 국가 보안은 양립할 수 있다.\n\n" + "본문 문장이 길게 이어진다. " * 2
    passages = split_article(make_article(body))
    assert passages[0].text.startswith("오픈 소스와 국가 보안은 양립할 수 있다. 본문")


def test_store_writes_atomically_and_reads_back(tmp_path):
    store = CorpusStore(tmp_path)
    store.save_article(make_article("본문입니다.", id="one"))
    store.save_article(make_article("두 번째 본문입니다.", id="two"))
    assert [a.id for a in store.load().articles] == ["one", "two"]
    assert not list(tmp_path.rglob("*.tmp"))
    assert store.remove_article("one") and not store.remove_article("one")
    assert [a.id for a in store.load().articles] == ["two"]


def test_fingerprint_changes_with_the_corpus(tmp_path):
    store = CorpusStore(tmp_path)
    store.save_article(make_article("본문입니다.", id="one"))
    before = store.load().fingerprint
    assert store.load().fingerprint == before
    store.save_article(make_article("바뀐 본문입니다.", id="one"))
    assert store.load().fingerprint != before


def test_a_missing_corpus_folder_is_explained(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        CorpusStore(tmp_path / "nope").load()
