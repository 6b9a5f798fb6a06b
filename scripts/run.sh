#!/usr/bin/env bash
# The README's main command: sets up, builds the WebAssembly module and the
# site (with real MNIST, compressed), and serves the page on localhost.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs
scripts/setup.sh
cmake --preset wasm-release >/dev/null
cmake --build --preset wasm-release -j "${JOBS:-2}"
node scripts/build-site.mjs
exec node scripts/serve.mjs "$@"
