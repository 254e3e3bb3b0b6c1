#!/usr/bin/env bash
# Real tables (issue #16): `origami train --csv` alone against scikit-learn's
# hand-built pipeline (median-impute + scale numbers, mode-impute + one-hot
# strings, ID dropped -> MLPClassifier/MLPRegressor) and HistGradientBoosting,
# over 5 seeded 80/20 splits. The tables ship inside Python packages (ISLP,
# palmerpenguins, plotnine); they are fetched into target/tables-data, never
# committed. Usage: bash bench/tables.sh [SEEDS]   (prints a Markdown table)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=target/tables-venv
DATA=target/tables-data
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q scikit-learn pandas
fi
if [ ! -f "$DATA/.done" ]; then
    rm -rf "$DATA" && mkdir -p "$DATA/wheels"
    "$VENV/bin/pip" download -q --no-deps -d "$DATA/wheels" ISLP==0.6.0 palmerpenguins==0.1.6 plotnine==0.15.9
    for w in "$DATA"/wheels/*.whl; do
        "$VENV/bin/python" -c "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); [z.extract(n, sys.argv[2]) for n in z.namelist() if '/data/' in n and n.endswith('.csv')]" "$w" "$DATA"
    done
    touch "$DATA/.done"
fi
cargo build --release -q -p origami-cli
ORIGAMI="${CARGO_TARGET_DIR:-target}/release/origami"
"$VENV/bin/python" bench/tables.py "$DATA" "$ORIGAMI" "${1:-5}"
