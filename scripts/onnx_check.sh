#!/usr/bin/env bash
# ONNX check: small models trained by `origami train` (an MLP on a CSV with
# standardisation and every activation, the MNIST CNN, a BatchNorm /
# LayerNorm / Dropout model, an attention model, a recurrent model) are
# exported with `origami export --onnx`; `onnx.checker` must accept each
# file and onnxruntime's outputs on 100 inputs must equal `origami predict`'s
# within 1e-5 relative, 1e-6 absolute (numpy.allclose). Installs onnx,
# onnxruntime and numpy into a venv of its own (kept between runs).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${ORIGAMI_ONNX_VENV:-target/onnx-check-venv}"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -c "import onnx, onnxruntime, numpy" 2>/dev/null ||
    "$VENV/bin/pip" install --quiet --disable-pip-version-check onnx onnxruntime numpy
PY="$VENV/bin/python"

cargo build --release -q -p origami-cli
BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/origami"
MNIST="$PWD/data/mnist"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Data: 12 features read as sequences [4 steps, 3 features] (3 classes), and
# 100 inputs of each kind for the comparisons.
"$PY" - "$WORK" "$PWD/examples/data/springs.csv" "$MNIST/t10k-images-idx3-ubyte.gz" <<'PY'
import gzip, sys
import numpy as np
work, springs, images = sys.argv[1:]
rng = np.random.default_rng(3)
x = rng.normal(size=(600, 12)).astype(np.float32) * 2 + 1
y = (x[:, :6].sum(1) > 6).astype(int) + (x[:, 6:].sum(1) > 6).astype(int)
with open(f"{work}/seq.csv", "w") as f:
    f.write(",".join(f"f{i}" for i in range(12)) + ",label\n")
    for row, label in zip(x, y):
        f.write(",".join(f"{v:.5f}" for v in row) + f",c{label}\n")
with open(f"{work}/seq_inputs.csv", "w") as f:
    f.write(",".join(f"f{i}" for i in range(12)) + "\n")
    for row in rng.normal(size=(100, 12)) * 2 + 1:
        f.write(",".join(f"{v:.5f}" for v in row) + "\n")
t = rng.integers(0, 10, size=(500, 6))
with open(f"{work}/tokens.csv", "w") as f:
    f.write(",".join(f"t{i}" for i in range(6)) + ",label\n")
    for row in t:
        f.write(",".join(map(str, row)) + f",{'hi' if row[:3].sum() > row[3:].sum() else 'lo'}\n")
with open(f"{work}/tokens_inputs.csv", "w") as f:
    f.write(",".join(f"t{i}" for i in range(6)) + "\n")
    for row in rng.integers(0, 10, size=(100, 6)):
        f.write(",".join(map(str, row)) + "\n")
rows = open(springs).read().splitlines()
with open(f"{work}/springs_inputs.csv", "w") as f:
    f.write(",".join(rows[0].split(",")[:4]) + "\n")
    for r in rows[1:101]:
        f.write(",".join(r.split(",")[:4]) + "\n")
raw = gzip.open(images).read()
n, h, w = 100, 28, 28
header = np.array([0x803, n, h, w], dtype=">u4").tobytes()
open(f"{work}/images_100.idx", "wb").write(header + raw[16:16 + n * h * w])
PY

common_training() {
    cat <<TOML
[optimizer]
type = "adam"
learning_rate = 0.01
TOML
}

cat > "$WORK/mlp.toml" <<TOML
name = "onnx-mlp"
seed = 1
[data]
kind = "csv"
path = "$PWD/examples/data/springs.csv"
target = "period_s"
task = "regression"
standardize = true
[[model.layers]]
type = "Dense"
units = 16
activation = "gelu"
[[model.layers]]
type = "Dense"
units = 16
activation = "silu"
[[model.layers]]
type = "Dense"
units = 12
activation = "elu(0.7)"
[[model.layers]]
type = "Dense"
units = 12
activation = "selu"
[[model.layers]]
type = "Dense"
units = 10
activation = "softplus"
[[model.layers]]
type = "Dense"
units = 10
activation = "leaky_relu(0.1)"
[[model.layers]]
type = "Dense"
units = 8
activation = "tanh"
[[model.layers]]
type = "Dense"
units = 8
activation = "sigmoid"
[[model.layers]]
type = "Dense"
units = 8
activation = "relu"
[[model.layers]]
type = "Activation"
activation = "softmax"
[[model.layers]]
type = "Dense"
units = 1
[training]
loss = "mse"
epochs = 3
batch_size = 32
$(common_training)
TOML

cat > "$WORK/cnn.toml" <<TOML
name = "onnx-cnn"
seed = 2
[data]
kind = "mnist"
path = "$MNIST"
train_limit = 512
test_limit = 100
[[model.layers]]
type = "Conv2D"
filters = 6
kernel_size = 3
padding = "same"
activation = "relu"
[[model.layers]]
type = "BatchNormalization"
[[model.layers]]
type = "MaxPool2D"
pool_size = 2
[[model.layers]]
type = "Conv2D"
filters = 8
kernel_size = [3, 2]
strides = [2, 1]
activation = "elu(1)"
[[model.layers]]
type = "AvgPool2D"
pool_size = 3
strides = 2
padding = "same"
[[model.layers]]
type = "Flatten"
[[model.layers]]
type = "Dropout"
rate = 0.25
[[model.layers]]
type = "Dense"
units = 10
[training]
loss = "sparse_categorical_crossentropy_from_logits"
metrics = ["accuracy"]
epochs = 1
batch_size = 64
$(common_training)
TOML

cat > "$WORK/cnn2.toml" <<TOML
name = "onnx-cnn2"
seed = 6
[data]
kind = "mnist"
path = "$MNIST"
train_limit = 256
test_limit = 100
[[model.layers]]
type = "Conv2D"
filters = 4
kernel_size = 5
strides = 3
activation = "softmax"
use_bias = false
[[model.layers]]
type = "BatchNormalization"
center = false
[[model.layers]]
type = "GlobalAveragePooling2D"
[[model.layers]]
type = "Dense"
units = 10
activation = "softmax"
[training]
loss = "sparse_categorical_crossentropy"
epochs = 1
batch_size = 64
$(common_training)
TOML

cat > "$WORK/embedding.toml" <<TOML
name = "onnx-embedding"
seed = 7
[data]
kind = "csv"
path = "$WORK/tokens.csv"
target = "label"
standardize = false
[[model.layers]]
type = "Embedding"
input_dim = 10
output_dim = 4
[[model.layers]]
type = "LSTM"
units = 3
activation = "relu"
return_sequences = true
[[model.layers]]
type = "GlobalAveragePooling1D"
[[model.layers]]
type = "Dense"
units = 1
[training]
loss = "binary_crossentropy_from_logits"
epochs = 3
batch_size = 32
$(common_training)
TOML

cat > "$WORK/norm.toml" <<TOML
name = "onnx-norm"
seed = 3
[data]
kind = "csv"
path = "$WORK/seq.csv"
target = "label"
[[model.layers]]
type = "Dense"
units = 24
activation = "relu"
[[model.layers]]
type = "BatchNormalization"
[[model.layers]]
type = "Dropout"
rate = 0.3
[[model.layers]]
type = "Dense"
units = 16
[[model.layers]]
type = "LayerNormalization"
[[model.layers]]
type = "AlphaDropout"
rate = 0.1
[[model.layers]]
type = "Dense"
units = 3
[training]
loss = "sparse_categorical_crossentropy_from_logits"
metrics = ["accuracy"]
epochs = 4
batch_size = 32
$(common_training)
TOML

cat > "$WORK/attention.toml" <<TOML
name = "onnx-attention"
seed = 4
[data]
kind = "csv"
path = "$WORK/seq.csv"
target = "label"
[[model.layers]]
type = "Reshape"
target_shape = [4, -1]
[[model.layers]]
type = "Dense"
units = 8
[[model.layers]]
type = "PositionalEncoding"
max_length = 6
[[model.layers]]
type = "MultiHeadAttention"
num_heads = 2
key_dim = 4
value_dim = 3
causal = true
[[model.layers]]
type = "LayerNormalization"
[[model.layers]]
type = "BatchNormalization"
[[model.layers]]
type = "MultiHeadAttention"
num_heads = 1
key_dim = 5
use_bias = false
[[model.layers]]
type = "GlobalAveragePooling1D"
[[model.layers]]
type = "Dense"
units = 3
[training]
loss = "sparse_categorical_crossentropy_from_logits"
epochs = 3
batch_size = 32
$(common_training)
TOML

cat > "$WORK/recurrent.toml" <<TOML
name = "onnx-recurrent"
seed = 5
[data]
kind = "csv"
path = "$WORK/seq.csv"
target = "label"
[[model.layers]]
type = "Reshape"
target_shape = [4, -1]
[[model.layers]]
type = "LSTM"
units = 6
return_sequences = true
[[model.layers]]
type = "GRU"
units = 5
return_sequences = true
go_backwards = true
[[model.layers]]
type = "GRU"
units = 5
reset_after = false
return_sequences = true
[[model.layers]]
type = "LSTM"
units = 4
go_backwards = true
return_sequences = true
[[model.layers]]
type = "GlobalMaxPooling1D"
[[model.layers]]
type = "Reshape"
target_shape = [2, 2]
[[model.layers]]
type = "SimpleRNN"
units = 4
[[model.layers]]
type = "Dense"
units = 3
[training]
loss = "sparse_categorical_crossentropy_from_logits"
epochs = 3
batch_size = 32
$(common_training)
TOML

check() { # run config inputs [--probabilities]: trains the run once, then exports
    local run="$1" config="$2" inputs="$3" probs="${4:-}"
    local name="$run${probs:+-probabilities}"
    [ -d "$WORK/$run" ] || "$BIN" --threads 1 train "$config" --out "$WORK/$run" --quiet
    "$BIN" export "$WORK/$run" --onnx "$WORK/$name.onnx" $probs --quiet
    if [ -n "$probs" ]; then
        "$BIN" predict "$WORK/$run" "$inputs" -o "$WORK/$name.pred.csv"
    else
        "$BIN" predict "$WORK/$run" "$inputs" --raw -o "$WORK/$name.pred.csv"
    fi
    "$PY" - "$WORK/$name.onnx" "$inputs" "$WORK/$name.pred.csv" "$probs" <<'PY'
import gzip, sys
import numpy as np
import onnx, onnxruntime as ort
path, inputs, pred, probs = sys.argv[1:]
model = onnx.load(path)
onnx.checker.check_model(model, full_check=True)
sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
shape = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim[1:]]
if inputs.endswith(".idx"):
    raw = open(inputs, "rb").read()
    x = np.frombuffer(raw[16:], np.uint8).astype(np.float32) / np.float32(255)
else:
    x = np.loadtxt(inputs, delimiter=",", skiprows=1, dtype=np.float32)
x = x.reshape([-1] + shape)
(y,) = sess.run(["output"], {"input": x})
rows = [line.split(",") for line in open(pred).read().splitlines()[1:]]
if probs:
    rows = [r[1:] for r in rows]  # the predicted class, then one probability per class
want = np.array(rows, dtype=np.float64)
y = y.reshape(len(y), -1).astype(np.float64)
assert y.shape == want.shape, (y.shape, want.shape)
err = np.abs(y - want)
bad = err > 1e-6 + 1e-5 * np.abs(want)
name = path.rsplit("/", 1)[-1]
ops = sorted({n.op_type for n in model.graph.node})
print(f"onnx {name}: {x.shape[0]} inputs, max |onnxruntime - origami| = {err.max():.2e}; ops {' '.join(ops)}")
if bad.any():
    i, j = np.argwhere(bad)[0]
    sys.exit(f"onnx {name}: {bad.sum()} outputs differ, first at row {i} column {j}: onnxruntime {y[i, j]!r}, origami {want[i, j]!r}")
PY
}

check mlp "$WORK/mlp.toml" "$WORK/springs_inputs.csv"
check cnn "$WORK/cnn.toml" "$WORK/images_100.idx"
check cnn "$WORK/cnn.toml" "$WORK/images_100.idx" --probabilities
check cnn2 "$WORK/cnn2.toml" "$WORK/images_100.idx"
check embedding "$WORK/embedding.toml" "$WORK/tokens_inputs.csv" --probabilities
check norm "$WORK/norm.toml" "$WORK/seq_inputs.csv" --probabilities
check attention "$WORK/attention.toml" "$WORK/seq_inputs.csv"
check recurrent "$WORK/recurrent.toml" "$WORK/seq_inputs.csv"
# back into origami: the imported CNN and recurrent model predict as the originals
for run in cnn recurrent; do
    inputs="$WORK/seq_inputs.csv"; [ "$run" = cnn ] && inputs="$WORK/images_100.idx"
    "$BIN" import "$WORK/$run.onnx" "$WORK/$run-imported" --quiet
    "$BIN" predict "$WORK/$run-imported" "$inputs" --raw -o "$WORK/$run-imported.pred.csv"
    "$PY" - "$WORK/$run.pred.csv" "$WORK/$run-imported.pred.csv" <<'PY'
import sys
import numpy as np
a, b = (np.loadtxt(p, delimiter=",", skiprows=1, ndmin=2) for p in sys.argv[1:])
err = np.abs(a - b)
print(f"onnx import {sys.argv[2].rsplit('/', 1)[-1]}: max |imported - original| = {err.max():.2e}")
assert a.shape == b.shape and (err <= 1e-6 + 1e-5 * np.abs(a)).all(), "the imported model predicts differently"
PY
done
echo "onnx check: every export accepted by onnx.checker and equal to origami predict"
