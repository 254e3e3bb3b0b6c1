#!/usr/bin/env bash
# Python interop check: a model trained by `origami train` is read with the
# `safetensors` package and numpy alone, and its forward pass recomputed from
# architecture.json reproduces `origami predict --raw` on 10 inputs within 1e-5.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${ORIGAMI_INTEROP_VENV:-target/python-interop-venv}"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check safetensors numpy

cargo build --release -q -p origami-cli
BIN="$PWD/target/release/origami"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cat > "$WORK/tiny.toml" <<'TOML'
name = "interop"
seed = 5
[data]
kind = "synthetic"
name = "spiral"
n = 300
noise = 0.1
[[model.layers]]
type = "Dense"
units = 12
activation = "tanh"
[[model.layers]]
type = "Dense"
units = 8
activation = "relu"
[[model.layers]]
type = "Dense"
units = 2
[training]
loss = "sparse_categorical_crossentropy_from_logits"
metrics = ["accuracy"]
epochs = 5
batch_size = 16
[optimizer]
type = "adam"
learning_rate = 0.01
TOML

"$BIN" --threads 1 train "$WORK/tiny.toml" --out "$WORK/model" --quiet
# 10 raw inputs (the model standardises them with the saved mean and std)
cat > "$WORK/inputs.csv" <<'CSV'
x1,x2
0.0,0.0
1.5,-2.0
-3.0,4.5
2.25,2.25
-0.5,-0.75
5.0,0.1
-4.0,-4.0
0.3,3.3
3.7,-1.2
-2.2,0.9
CSV
"$BIN" predict "$WORK/model" "$WORK/inputs.csv" --raw -o "$WORK/pred.csv"

"$VENV/bin/python" - "$WORK" <<'PY'
import json, sys
import numpy as np
from safetensors.numpy import load_file

work = sys.argv[1]
arch = json.load(open(f"{work}/model/architecture.json"))
w = load_file(f"{work}/model/weights.safetensors")
pre = arch["preprocessing"]
x = np.loadtxt(f"{work}/inputs.csv", delimiter=",", skiprows=1, dtype=np.float32)
if pre["mean"]:
    x = (x - np.array(pre["mean"], np.float32)) / np.array(pre["std"], np.float32)
acts = {"linear": lambda z: z, "relu": lambda z: np.maximum(z, 0), "tanh": np.tanh,
        "sigmoid": lambda z: 1 / (1 + np.exp(-z))}
h = x
for i, layer in enumerate(arch["model"]["layers"]):
    assert layer["type"] == "Dense", layer
    h = h @ w[f"layers.{i}.kernel"]
    if layer.get("use_bias", True):
        h = h + w[f"layers.{i}.bias"]
    h = acts[layer.get("activation", "linear")](h)
got = np.loadtxt(f"{work}/pred.csv", delimiter=",", skiprows=1, dtype=np.float64)
err = np.abs(got - h).max()
print(f"python interop: max |numpy - origami| = {err:.2e} over {got.shape[0]} inputs")
assert got.shape == (10, 2), got.shape
assert err <= 1e-5, err
PY
