#!/usr/bin/env bash
# The width × depth sweep natively (issue 18, "the inflection point"): every
# network 784-w-10, 784-w-w-10, 784-w-w-w-10 for w in WIDTHS, the same epochs
# each, in READINGS (engine presets: report-code = the report's code,
# proper-sum / proper-mean = done properly; "NAME:EPOCHS" gives a reading
# epochs of its own), η = the report's 0.001, seeds 1 … SEEDS. Each run
# trains on one thread (JOBS runs in parallel), so that its "seconds" (the
# epochs' training time, evaluation excluded) compare.
# Writes build/sweep/<reading>/<layers>-seed<N>.jsonl; a finished run is not
# run again (resumable: stop it and start it again). The runs go seed-major
# (every network's seed 1 before any seed 2), the costliest first within a
# seed, so that a sweep cut short is a whole grid with fewer seeds.
# Then prints the README's table (node scripts/sweep-table.mjs).
#   scripts/sweep.sh [EPOCHS] [SEEDS]   (EPOCHS: for a reading without its own)
#   env: JOBS (2), READINGS ("report-code:20 proper-sum:10"), WIDTHS ("20 40 80 160 320"), DEPTHS ("1 2 3"),
#        MLP_TRAIN (the CLI), THRESHOLD (the knee's points per doubling, 0.5)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/finished_run.sh
epochs=${1:-20}
seeds=${2:-3}
bin=${MLP_TRAIN:-build/native-release/core/mlp_train}
out=build/sweep
readings=${READINGS:-report-code:20 proper-sum:10}
widths=${WIDTHS:-20 40 80 160 320}
depths=${DEPTHS:-1 2 3}
[ -x "$bin" ] || { echo "build the CLI first: cmake --workflow --preset native-release" >&2; exit 1; }

jobs=()
for seed in $(seq 1 "$seeds"); do
  for entry in $readings; do
    reading=${entry%%:*}
    e=$epochs
    [ "$entry" = "$reading" ] || e=${entry#*:}
    mkdir -p "$out/$reading"
    # Costliest first (the widest, deepest), so that two jobs end together.
    for w in $(printf '%s\n' $widths | sort -rn); do
      for d in $(printf '%s\n' $depths | sort -rn); do
        layers=784
        for _ in $(seq 1 "$d"); do layers="$layers-$w"; done
        layers="$layers-10"
        file="$out/$reading/$layers-seed$seed.jsonl"
        if finished_run "$file" "$e"; then continue; fi
        jobs+=("$bin --preset $reading --layers $layers --lr 0.001 --seed $seed --epochs $e --threads 1 --no-progress > $file.tmp 2>/dev/null && mv $file.tmp $file")
      done
    done
  done
done
echo "sweep: ${#jobs[@]} runs to do (seeds 1–$seeds; readings:epochs $readings)" >&2
printf '%s\n' "${jobs[@]}" | xargs -P "${JOBS:-2}" -I{} sh -c '{}'
node scripts/sweep-table.mjs "$out" "${THRESHOLD:-0.5}"
