#!/usr/bin/env bash
# The project's test command (README.md): formatting, lints, every test in
# release mode (heavy end-to-end tests included), and a smoke run of the
# benchmark command so that it cannot rot. Non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --release -- -D warnings

echo "== cargo test (release, including the slow end-to-end tests)"
cargo test --workspace --release -- --include-ignored

echo "== docs/config.md is the output of origami config --reference"
if ! diff -u docs/config.md <(cargo run --release -q -p origami-cli -- config --reference); then
  echo "docs/config.md is stale: run cargo run --release -q -p origami-cli -- config --reference > docs/config.md" >&2
  exit 1
fi

echo "== bench/WORKLOADS.md is ../shared/bench/WORKLOADS.md (where that exists)"
if [ -f ../shared/bench/WORKLOADS.md ] && ! diff -u ../shared/bench/WORKLOADS.md bench/WORKLOADS.md; then
  echo "bench/WORKLOADS.md differs from ../shared/bench/WORKLOADS.md: copy it over" >&2
  exit 1
fi

echo "== origami bench all --quick (every line must be JSON with a figure)"
cargo run --release -q -p origami-cli -- --threads 2 bench all --quick | tee /tmp/origami-bench-quick.jsonl
python3 - /tmp/origami-bench-quick.jsonl <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
assert lines, "bench printed nothing"
for l in lines:
    d = json.loads(l)
    assert any(k in d for k in ("gflops", "steps_per_s", "samples_per_s", "accuracy", "latency_us")), l
    assert d["framework"] == "origami" and len(d["runs"]) >= 1, l
print(f"{len(lines)} bench lines parsed")
PY
echo "== playground in headless Chromium"
scripts/browser_test.sh

echo "== python interop: safetensors + numpy reproduce origami predict"
bash scripts/python_interop.sh

echo "== onnx: exports accepted by onnx.checker, onnxruntime reproduces origami predict"
bash scripts/onnx_check.sh

echo "== all checks passed"
