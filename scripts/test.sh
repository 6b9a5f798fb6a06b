#!/usr/bin/env bash
# The README's test command: sets up, builds everything, runs every test.
#  0. formatting and lint (scripts/lint.sh)
#  1. native Catch2 tests under AddressSanitizer + UBSan (ctest), then a
#     30-second run of each fuzz target (tests/fuzz, scripts/fuzz.sh)
#  2. native release build (CLI, benchmark), whose CLI the wasm tests compare
#     with, the report's reproduction on real MNIST, and the interoperability
#     tests (Debian's Python: the numpy script, onnx's checker, PyTorch files)
#  3. the WebAssembly module and the site
#  4. JS tests under node --test: the wasm module (Node; its ONNX export run by
#     ONNX Runtime), the server under hostile requests and the page (headless
#     Chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs
jobs=${JOBS:-2}

scripts/setup.sh
scripts/lint.sh   # clang-format, Prettier and ESLint: formatting and lint, nothing changed
cmake --preset native-debug
cmake --build --preset native-debug -j "$jobs"
ctest --preset native-debug -j "$jobs"
SECONDS_EACH=${FUZZ_SECONDS:-30} scripts/fuzz.sh   # a short smoke of each libFuzzer target (clang, ASan + UBSan)

cmake --preset native-release >/dev/null
cmake --build --preset native-release -j "$jobs"
ctest --preset native-release -L 'report|interop' --output-on-failure   # the report's 90.25 %; numpy, onnx, PyTorch files

cmake --preset wasm-release >/dev/null
cmake --build --preset wasm-release -j "$jobs"
node scripts/build-site.mjs

node --test --test-concurrency=1 tests/web/ tests/wasm/ tests/server/ tests/browser/
