#!/usr/bin/env bash
# The benchmark command (figures, not tests: nothing is asserted).
#
#   scripts/bench.sh [driver options]        e.g. scripts/bench.sh --quick
#
# 1. builds the native-release preset (mlp_bench, mlp_train), the
#    wasm-release preset (build/wasm/dist, and dist-bench with the GEMM probe) and the site (build/site);
# 2. runs tests/benchmarks/browser_bench.mjs, which assembles build/bench-site,
#    serves it with scripts/serve.mjs, and in one headless Chromium session
#    (Debian's, via playwright-core) measures ours vs TensorFlow.js (wasm
#    backend, SIMD; cpu backend) training and inference for 784-20-10,
#    784-80-10 and 784-800-10, the GEMM ceiling of our build and a per-phase
#    profile of our training step; then runs the native mlp_bench;
# 3. prints a Markdown table and writes build/bench/browser-bench.md and
#    build/bench/browser-bench.json.
#
# Driver options: --runs N (5), --archs 20,80,800, --train-ms MS, --infer-ms MS,
# --backends wasm,cpu, --no-profile, --no-native, --quick (see the driver's --help).
# BENCH_SKIP_BUILD=1 skips step 1. Takes ~5-10 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs
jobs=${JOBS:-2}

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
  cmake --preset native-release >/dev/null
  cmake --build --preset native-release -j "$jobs"
  cmake --preset wasm-release >/dev/null
  cmake --build --preset wasm-release -j "$jobs"
  node scripts/build-site.mjs
fi

node tests/benchmarks/browser_bench.mjs "$@"
