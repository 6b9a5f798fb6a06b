#!/usr/bin/env bash
# The benchmark command (figures, not tests: nothing is asserted).
#
#   scripts/bench.sh [driver options]        e.g. scripts/bench.sh --quick
#
# 1. builds the native-release preset (mlp_bench, mlp_train), the
#    wasm-release preset (build/wasm/dist, and dist-bench with the GEMM probe) and the site (build/site);
# 2. runs tests/benchmarks/browser_bench.mjs, which assembles build/bench-site,
#    serves it with scripts/serve.mjs (cross-origin isolated), and in one headless
#    Chromium session (Debian's, via playwright-core) measures, interleaved run
#    by run, training and inference of 784-20-10, 784-80-10 and 784-800-10 for:
#    ours (threaded module on 1 and N threads, single-threaded module),
#    TensorFlow.js wasm (SIMD, 1 thread; threaded SIMD, setThreadsCount(N),
#    hardwareConcurrency overridden through CDP so its pool is not capped at
#    half the cores), TensorFlow.js cpu, jax-js wasm (1 thread and N); our GEMM
#    beside tf.matMul and jax-js's matmul at every product of a training step;
#    predict() on 1000 images; the fast preset's time to 98 %; a per-phase
#    profile; then the native mlp_bench at 1 and N threads;
# 3. prints Markdown tables (figures, ratios against the targets, an Amdahl
#    projection to 4-16 cores) and writes build/bench/browser-bench.md and
#    build/bench/browser-bench.json.
#
# Driver options: --runs N (5), --archs 20,80,800, --train-ms MS, --infer-ms MS,
# --backends wasm,cpu, --threads N, --no-profile, --no-native, --no-time-to-98, --quick
# (see the driver's --help). BENCH_SKIP_BUILD=1 skips step 1. Takes ~15 minutes on 2 cores (--quick ~6).
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
