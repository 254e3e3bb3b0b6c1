"""Writes the ONNX fixtures of crates/origami/tests/onnx_import.rs.

Each is a graph in the form PyTorch's torch.onnx.export (opset 17) gives the
equivalent module — an MLP (Gemm with transB=1, as nn.Linear), a CNN on NCHW
input (Conv, MaxPool, Flatten of NCHW, Gemm), an LSTM with batch_first
(Transpose, LSTM with three outputs, Gather of h_n[-1], Gemm) — built with
onnx.helper from seeded numpy weights, since torch itself is too large a
download for CI; the expected outputs are onnxruntime's on seeded inputs.
Run: python3 scripts/make_onnx_fixtures.py (needs onnx, onnxruntime, numpy:
scripts/onnx_check.sh's venv has them).
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "origami", "tests", "fixtures", "onnx")
rng = np.random.default_rng(0)


def w(*shape):
    return (rng.normal(size=shape) * 0.5).astype(np.float32)


def save(name, nodes, inits, in_shape, out_shape, x):
    graph = helper.make_graph(
        nodes, "torch_jit",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch"] + in_shape)],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch"] + out_shape)],
        [numpy_helper.from_array(v, k) for k, v in inits.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="pytorch")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    path = os.path.join(OUT, f"{name}.onnx")
    onnx.save(model, path)
    (y,) = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"input": x})
    json.dump({"input_shape": list(x.shape), "input": x.ravel().tolist(), "output_shape": list(y.shape),
               "output": y.ravel().tolist()}, open(os.path.join(OUT, f"{name}.json"), "w"))
    print(f"{path}: output {y.shape}")


os.makedirs(OUT, exist_ok=True)
# nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 6), nn.Tanh(), nn.Linear(6, 3))
save("torch_mlp", [
    helper.make_node("Gemm", ["input", "fc1.weight", "fc1.bias"], ["h1"], alpha=1.0, beta=1.0, transB=1),
    helper.make_node("Relu", ["h1"], ["a1"]),
    helper.make_node("Gemm", ["a1", "fc2.weight", "fc2.bias"], ["h2"], alpha=1.0, beta=1.0, transB=1),
    helper.make_node("Tanh", ["h2"], ["a2"]),
    helper.make_node("Gemm", ["a2", "fc3.weight", "fc3.bias"], ["output"], alpha=1.0, beta=1.0, transB=1),
], {"fc1.weight": w(8, 4), "fc1.bias": w(8), "fc2.weight": w(6, 8), "fc2.bias": w(6),
    "fc3.weight": w(3, 6), "fc3.bias": w(3)}, [4], [3], rng.normal(size=(5, 4)).astype(np.float32))
# Conv2d(2, 3, 3, padding=1), ReLU, MaxPool2d(2), Conv2d(3, 4, 2, stride=2), Flatten, Linear(16, 3) on 2×9×8
save("torch_cnn", [
    helper.make_node("Conv", ["input", "conv1.weight", "conv1.bias"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                     strides=[1, 1], dilations=[1, 1], group=1),
    helper.make_node("Relu", ["c1"], ["r1"]),
    helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2], pads=[0, 0, 0, 0], ceil_mode=0),
    helper.make_node("Conv", ["p1", "conv2.weight", "conv2.bias"], ["c2"], kernel_shape=[2, 2], strides=[2, 2],
                     pads=[0, 0, 0, 0]),
    helper.make_node("Flatten", ["c2"], ["f"], axis=1),
    helper.make_node("Gemm", ["f", "fc.weight", "fc.bias"], ["output"], alpha=1.0, beta=1.0, transB=1),
], {"conv1.weight": w(3, 2, 3, 3), "conv1.bias": w(3), "conv2.weight": w(4, 3, 2, 2), "conv2.bias": w(4),
    "fc.weight": w(3, 16), "fc.bias": w(3)}, [2, 9, 8], [3], rng.normal(size=(4, 2, 9, 8)).astype(np.float32))
# nn.LSTM(3, 5, batch_first=True); h_n[-1] → nn.Linear(5, 2), on sequences of 6 steps
u = 5
save("torch_lstm", [
    helper.make_node("Transpose", ["input"], ["xt"], perm=[1, 0, 2]),
    helper.make_node("LSTM", ["xt", "W", "R", "B"], ["y", "y_h", "y_c"], hidden_size=u),
    helper.make_node("Gather", ["y_h", "last"], ["h"], axis=0),
    helper.make_node("Gemm", ["h", "fc.weight", "fc.bias"], ["output"], alpha=1.0, beta=1.0, transB=1),
], {"W": w(1, 4 * u, 3), "R": w(1, 4 * u, u), "B": w(1, 8 * u), "last": np.array(-1, dtype=np.int64),
    "fc.weight": w(2, u), "fc.bias": w(2)}, [6, 3], [2], rng.normal(size=(3, 6, 3)).astype(np.float32))
sys.exit(0)
