#!/usr/bin/env bash
# End-to-end test of `origami playground` in real headless Chromium.
# Installs what is missing (Debian's chromium, playwright-core from the
# lockfile), builds the release binary, starts the server on a free port,
# runs tests/browser/playground.test.mjs (screenshots to docs/screenshots/)
# and stops the server. Non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [ ! -d tests/browser/node_modules/playwright-core ]; then
  echo "== npm ci (playwright-core)"
  (cd tests/browser && npm ci --no-audit --no-fund)
fi

echo "== building the release binary"
cargo build --release -q -p origami-cli

log=$(mktemp)
./target/release/origami --threads 2 playground --port 0 >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -f "$log"' EXIT
url=""
for _ in $(seq 1 100); do
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$log" | head -n1 || true)
  [ -n "$url" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$log"; echo "the server exited"; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { cat "$log"; echo "no URL printed"; exit 1; }
echo "== browser test against $url"
PLAYGROUND_URL="$url" SCREENSHOT_DIR="$PWD/docs/screenshots" node tests/browser/playground.test.mjs
