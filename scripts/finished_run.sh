# Sourced by the scripts that run the CLI many times and can be resumed
# (reproduce-report.sh, spike-study.sh, sweep.sh, optimiser-study.sh).
# finished_run FILE EPOCHS: true when FILE is an mlp_train JSONL log that
# reached its final line after at least EPOCHS epochs (such a run is not run again).
finished_run() {
  [ -s "$1" ] && grep -q '"final":true' "$1" && [ "$(grep -c '"epoch":' "$1")" -ge "$2" ]
}
