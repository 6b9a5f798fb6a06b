#!/usr/bin/env bash
# Reproduces the report's experiments with the native CLI: widths 20/40/80,
# depth 784-80-40-20-10 and learning rates 1e-3/1e-4/1e-5, each with the
# gradient averaged and summed over the batch (sigmoid, BCE, SGD, batch 128,
# 100 epochs, seed 1). Writes build/reproduction/<run>.jsonl and prints the
# Markdown table of the README.
#   scripts/reproduce-report.sh [EPOCHS]      (MLP_TRAIN overrides the binary)
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-100}
bin=${MLP_TRAIN:-build/native-release/core/mlp_train}
out=build/reproduction
mkdir -p "$out"
[ -x "$bin" ] || { echo "build the CLI first: cmake --workflow --preset native-release" >&2; exit 1; }
for layers in 784-20-10 784-40-10 784-80-10 784-80-40-20-10; do
  for lr in 0.001 0.0001 0.00001; do
    for grad in mean sum; do
      name="$layers-lr$lr-$grad"
      if [ -s "$out/$name.jsonl" ] && grep -q '"final":true' "$out/$name.jsonl" &&
         [ "$(grep -c '"epoch":' "$out/$name.jsonl")" -ge "$epochs" ]; then continue; fi
      echo "running $name" >&2
      "$bin" --layers "$layers" --lr "$lr" --"$grad" --epochs "$epochs" --batch 128 --seed 1 --no-progress \
        > "$out/$name.jsonl.tmp"
      mv "$out/$name.jsonl.tmp" "$out/$name.jsonl"
    done
  done
done
node scripts/reproduction-table.mjs "$out" "$epochs"
