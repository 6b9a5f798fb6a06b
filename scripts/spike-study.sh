#!/usr/bin/env bash
# Why the deep network spikes (issue 18), natively: 784-80-40-20-10 in the
# report's code reading (--preset report-code, η = 0.001) and with one factor
# changed at a time — the interventions of web/page/report/spike_study.js
# (INTERVENTIONS: their CLI flags are read from there) — 5 seeds, 100 epochs,
# the training images evaluated after every epoch (--eval-train: the final
# line carries the engine's detected spikes) and every step recorded
# (--record-steps, --record-every 1). --validation 0: the hold-out is the
# last 10,000 training images and the code trains on the first 3,000, so
# nothing trained changes; it only skips 10,000 evaluations an epoch.
# Writes build/spike-study/<intervention>/seed<N>.jsonl and .steps.jsonl (a
# finished run is not run again) and prints the README's table
# (scripts/spike-study-table.mjs).
#   scripts/spike-study.sh [EPOCHS] [SEEDS]   (MLP_TRAIN overrides the binary, JOBS the parallel runs: 2)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/finished_run.sh
epochs=${1:-100}
seeds=${2:-5}
bin=${MLP_TRAIN:-build/native-release/core/mlp_train}
out=build/spike-study
[ -x "$bin" ] || { echo "build the CLI first: cmake --workflow --preset native-release" >&2; exit 1; }

mapfile -t interventions < <(node --input-type=module -e "
  const { INTERVENTIONS } = await import('./web/page/report/spike_study.js');
  for (const i of INTERVENTIONS) console.log(i.key + '\t' + i.native);")

# One run: its epochs and final line to seed<N>.jsonl, its steps to seed<N>.steps.jsonl; a run that
# diverges (the CLI stops with "training diverged") leaves seed<N>.diverged.jsonl (its epochs until then).
run_one() {
  local file=$1; shift
  local stem=${file%.jsonl}
  if "$@" --record-steps "$stem.steps.tmp" > "$file.tmp" 2> "$stem.err"; then
    mv "$stem.steps.tmp" "$stem.steps.jsonl" && mv "$file.tmp" "$file"
  elif grep -q 'diverged' "$stem.err"; then
    mv "$file.tmp" "$stem.diverged.jsonl"; rm -f "$stem.steps.tmp"
  else
    echo "spike-study: $file failed: $(tail -1 "$stem.err")" >&2
  fi
}
export -f run_one

jobs=()
for line in "${interventions[@]}"; do
  IFS=$'\t' read -r key flags <<<"$line"
  mkdir -p "$out/$key"
  for seed in $(seq 1 "$seeds"); do
    file="$out/$key/seed$seed.jsonl"
    [ -s "$out/$key/seed$seed.diverged.jsonl" ] && continue
    if finished_run "$file" "$epochs"; then continue; fi
    jobs+=("run_one $file $bin --preset report-code --layers 784-80-40-20-10 --lr 0.001 $flags --seed $seed --epochs $epochs --eval-train --record-every 1 --threads 1 --validation 0 --no-progress")
  done
done
echo "spike-study: ${#jobs[@]} runs to do" >&2
printf '%s\n' "${jobs[@]}" | xargs -P "${JOBS:-2}" -I{} bash -c '{}'
node scripts/spike-study-table.mjs "$out"
