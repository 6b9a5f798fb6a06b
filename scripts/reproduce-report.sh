#!/usr/bin/env bash
# Reproduces the report's experiments with the native CLI, in the report's
# own reading (its code: --preset report-code) and with each of that code's
# choices undone one at a time, 5 seeds each, 100 epochs, the training
# images evaluated after every epoch (the report's training curves).
#   experiments: 784-20-10, 784-40-10, 784-80-10 (width), 784-80-40-10 and
#                784-80-40-20-10 (depth) at η = 1e-3; 784-20-10 at η = 1e-4, 1e-5
#   readings:    code, full-data, shuffled, mean, sum, uniform-init (each one
#                factor of the code undone), proper-mean, proper-sum (all of them)
# The code's slices on all 50,000 images visit about n²/6B = 3.3 M samples an
# epoch (a slice averages n/6 images): full-data runs only the default
# network, with 2 seeds (about 50 s an epoch here: 100 epochs take over an hour).
# Writes build/reproduction/<reading>/<experiment>-seed<N>.jsonl (a finished
# run is not run again) and prints the README's tables.
#   scripts/reproduce-report.sh [EPOCHS] [SEEDS]   (MLP_TRAIN overrides the binary, JOBS the parallel runs)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/finished_run.sh
epochs=${1:-100}
seeds=${2:-5}
bin=${MLP_TRAIN:-build/native-release/core/mlp_train}
out=build/reproduction
[ -x "$bin" ] || { echo "build the CLI first: cmake --workflow --preset native-release" >&2; exit 1; }

experiments=("784-20-10 0.001" "784-40-10 0.001" "784-80-10 0.001" "784-80-40-10 0.001" "784-80-40-20-10 0.001"
             "784-20-10 0.0001" "784-20-10 0.00001")
declare -A readings=(
  [code]="--preset report-code"
  [full-data]="--preset report-code --train-limit 0"
  [shuffled]="--preset report-code --batching shuffled"
  [mean]="--preset report-code --gradient mean"
  [sum]="--preset report-code --gradient sum"
  [uniform-init]="--preset report-code --init uniform"
  [proper-mean]="--preset proper-mean"
  [proper-sum]="--preset proper-sum"
)

jobs=()
for reading in code shuffled mean sum uniform-init proper-mean proper-sum full-data; do
  mkdir -p "$out/$reading"
  for e in "${experiments[@]}"; do
    read -r layers lr <<<"$e"
    n=$seeds
    if [ "$reading" = full-data ]; then
      [ "$e" = "784-20-10 0.001" ] || continue
      n=$((seeds < 2 ? seeds : 2))
    fi
    for seed in $(seq 1 "$n"); do
      file="$out/$reading/$layers-lr$lr-seed$seed.jsonl"
      if finished_run "$file" "$epochs"; then continue; fi
      jobs+=("$bin ${readings[$reading]} --layers $layers --lr $lr --seed $seed --epochs $epochs --eval-train --no-progress > $file.tmp 2>/dev/null && mv $file.tmp $file")
    done
  done
done
echo "reproduce-report: ${#jobs[@]} runs to do" >&2
printf '%s\n' "${jobs[@]}" | xargs -P "${JOBS:-2}" -I{} sh -c '{}'
node scripts/reproduction-table.mjs "$out" "$epochs"
