#!/usr/bin/env bash
# Measures origami and its peers side by side, one after the other on a quiet
# machine, and prints a markdown table (origami's figure, each peer's, and
# origami's ratio to the best peer) to paste into BENCHMARKS.md.
#
#   bash bench/compare.sh            # full run: ~17 min (peers ~6, origami ~7)
#   ONLY="gemm torch" bash bench/compare.sh   # a subset of the Python peers
#   RUST_PEERS=0 bash bench/compare.sh         # without burn and candle
#
# Everything is written under BENCH_OUT (default ./bench-out, git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=../shared/bench/peers
OUT=${BENCH_OUT:-$PWD/bench-out}
mkdir -p "$OUT"
export BENCH_OUT=$OUT
cargo build --release -q -p origami-cli
if [ ! -x "$OUT/venv/bin/python" ]; then
  bash "$PEERS/run.sh" --setup
fi
date -u +"%Y-%m-%dT%H:%M:%SZ" > "$OUT/date.txt"
lscpu | grep -E "Model name" | sed 's/  */ /g' > "$OUT/cpu.txt"
: > "$OUT/peers.jsonl"
bash "$PEERS/run.sh" "$OUT/peers.jsonl"
# burn and candle, on the same workloads (bench/rust-peers, a workspace of
# its own; ~25 min to build from clean on 2 cores, cached under BENCH_OUT;
# RUST_PEERS=0 skips them).
if [ "${RUST_PEERS:-1}" = 1 ]; then
  (cd bench/rust-peers && CARGO_TARGET_DIR="$OUT/rust-peers-target" cargo build --release -q --features candle,burn)
  for fw in candle burn; do
    MNIST_DIR=$PWD/data/mnist RAYON_NUM_THREADS=2 "$OUT/rust-peers-target/release/rust-peers" $fw all \
      | tee -a "$OUT/peers.jsonl"
  done
fi
# The harness reports no memory: PyTorch's peak RSS on W1 (b32 and b256, the
# whole process, as origami's bench reports its own), one repetition.
BENCH_REPEATS=1 /usr/bin/time -f '%M' -o "$OUT/torch_w1_rss_kb.txt" \
  "$OUT/venv/bin/python" "$PEERS/torch_bench.py" mlp > /dev/null 2> "$OUT/torch_w1_rss.log" || true
./target/release/origami --threads 2 bench all | tee "$OUT/origami.jsonl"
ORIGAMI_NUM_THREADS=1 ./target/release/origami bench overhead | tee -a "$OUT/origami.jsonl"
# 1 -> 2 thread scaling: three back-to-back pairs, so that a pair shares the
# VM's speed of the moment (it swings by 30% within minutes); the table takes
# the median of the pairs' ratios.
for pair in 1 2 3; do
  for t in 1 2; do
    ./target/release/origami --threads $t bench W1-mlp \
      | sed "s/\"workload\":\"W1-mlp\"/\"workload\":\"W1-mlp-scaling\",\"pair\":$pair/" | tee -a "$OUT/origami.jsonl"
  done
done
python3 bench/table.py "$OUT/origami.jsonl" "$OUT/peers.jsonl" "$OUT/date.txt" "$OUT/cpu.txt" \
  "$OUT/torch_w1_rss_kb.txt" | tee "$OUT/table.md"
