#!/usr/bin/env bash
# What better gradient descent buys (issue 18), with the native CLI: SGD,
# momentum, Nesterov and Adam on the report's default network (784-20-10)
# and its deep one (784-80-40-20-10), each at its own learning rate: first
# a learning-rate range test (mlp_train --lr-find: η rising geometrically
# from 1e-6 to 10 over at most 200 batches, the pick where the smoothed loss
# falls fastest) on the seed's fresh network, then training at that pick
# with the training images evaluated after every epoch (--eval-train: the
# report's training curves, whose jumps are the spikes), 5 seeds, in the
# report's code (--preset report-code: where the spikes live; 100 epochs,
# the report's, as its spikes came after epoch 70) and done properly
# (--preset proper-mean: all images, shuffled batches, the mean gradient;
# 30 epochs, each 17 times the images of one of the code's, and most of the
# learning done by then). One thread per run, JOBS runs at a time. Writes
# build/optimiser-study/<reading>/<layers>-<optimiser>-seed<N>.lrfind.json
# and .jsonl (what is finished is not run again) and prints the README's
# table (scripts/optimiser-study-table.mjs).
#   scripts/optimiser-study.sh [CODE_EPOCHS] [PROPER_EPOCHS] [SEEDS]   (100 30 5)
#   MLP_TRAIN: the binary; JOBS: runs at a time (2); READINGS: "code proper-mean"
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/finished_run.sh
bin=${MLP_TRAIN:-build/native-release/core/mlp_train}
out=build/optimiser-study
declare -A presets=([code]=report-code [proper-mean]=proper-mean)

# One run: scripts/optimiser-study.sh --one EPOCHS READING LAYERS OPTIMISER SEED
if [ "${1:-}" = --one ]; then
  read -r epochs reading layers opt seed <<<"${*:2}"
  base="$out/$reading/$layers-$opt-seed$seed"
  common=(--preset "${presets[$reading]}" --layers "$layers" --optimizer "$opt" --seed "$seed" --threads 1)
  if [ ! -s "$base.lrfind.json" ]; then
    "$bin" "${common[@]}" --lr-find --lr-find-start 1e-6 --lr-find-end 10 --lr-find-batches 200 >"$base.lrfind.tmp"
    mv "$base.lrfind.tmp" "$base.lrfind.json"
  fi
  pick=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).pick)' "$base.lrfind.json")
  "$bin" "${common[@]}" --lr "$pick" --epochs "$epochs" --eval-train --no-progress >"$base.tmp" 2>/dev/null
  mv "$base.tmp" "$base.jsonl"
  exit 0
fi

declare -A epochs=([code]=${1:-100} [proper-mean]=${2:-30})
seeds=${3:-5}
[ -x "$bin" ] || { echo "build the CLI first: cmake --workflow --preset native-release" >&2; exit 1; }
"$bin" --help | grep -q -- --lr-find || { echo "$bin has no --lr-find: build the current core" >&2; exit 1; }

runs=()
# Seed-major, as the page queues them: every variant's first seed before any second one.
for seed in $(seq 1 "$seeds"); do
  for reading in ${READINGS:-code proper-mean}; do
    mkdir -p "$out/$reading"
    for layers in 784-20-10 784-80-40-20-10; do
      for opt in sgd momentum nesterov adam; do
        file="$out/$reading/$layers-$opt-seed$seed.jsonl"
        n=${epochs[$reading]}
        if finished_run "$file" "$n"; then continue; fi
        runs+=("$n $reading $layers $opt $seed")
      done
    done
  done
done
echo "optimiser-study: ${#runs[@]} runs to do" >&2
[ "${#runs[@]}" -eq 0 ] || printf '%s\n' "${runs[@]}" | xargs -P "${JOBS:-2}" -L 1 "$0" --one
node scripts/optimiser-study-table.mjs "$out"
