#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz one after another, at low priority,
# under AddressSanitizer + UBSan, and fails on the first finding.
#
#   scripts/fuzz.sh                          each target for 10,000,000 executions
#   RUNS=100000 scripts/fuzz.sh fuzz_idx     one target, 100,000 executions
#   SECONDS_EACH=30 scripts/fuzz.sh          each target for 30 s (scripts/test.sh's smoke)
#
# Builds the `fuzz` preset first. The corpus grows in build/fuzz/corpus/TARGET
# (seeded from the valid files make_fuzz_seeds writes); a crashing, leaking,
# timing-out or over-allocating input is saved in build/fuzz/findings/TARGET/,
# with the log in build/fuzz/logs/TARGET.log. Reproduce it with
#   build/fuzz/tests/fuzz/TARGET FILE
# and turn it into a regression test: a model file (for fuzz_model_header,
# FUZZ_MODEL_HEADER_WRITE=DIR writes the file it generates) goes into
# tests/fuzz/regressions/, which tests/core/hostile_input_test.cpp loads.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}
runs=${RUNS:-10000000}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_idx fuzz_model_file fuzz_model_header)

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs"

bin=build/fuzz/tests/fuzz
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for target in "${targets[@]}"; do
  corpus=build/fuzz/corpus/$target findings=build/fuzz/findings/$target
  mkdir -p "$corpus" "$findings"
  seeds=() dict=() max_len=4096
  case $target in
    fuzz_idx) seeds=("$bin/seeds/idx") dict=(-dict=tests/fuzz/fuzz_idx.dict) ;;
    fuzz_model_file) seeds=("$bin/seeds/model_file" tests/fuzz/regressions) dict=(-dict=tests/fuzz/fuzz_model_file.dict) max_len=16384 ;;
    fuzz_model_header) ;;
    *) echo "fuzz: unknown target '$target'" >&2; exit 2 ;;
  esac
  if [ -n "${SECONDS_EACH:-}" ]; then
    limit=(-max_total_time="$SECONDS_EACH") what="${SECONDS_EACH} s"
  else
    limit=(-runs="$runs") what="$runs runs"
  fi
  echo "fuzz: $target ($what)" >&2
  # -malloc_limit_mb: one allocation above 256 MB is a finding (no input this
  # small may make the core allocate that); -timeout: a stall of 10 s is one.
  log=build/fuzz/logs/$target.log
  mkdir -p "$(dirname "$log")"
  if ! nice -n 10 "$bin/$target" "${limit[@]}" "${dict[@]}" -max_len=$max_len -timeout=10 -rss_limit_mb=2048 \
      -malloc_limit_mb=256 -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" "${seeds[@]}" 2>"$log"; then
    tail -n 60 "$log" >&2
    echo "fuzz: $target found a problem (input in $findings/, log in $log)" >&2
    exit 1
  fi
  grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" | sed "s/^/fuzz: $target: /" >&2
done
