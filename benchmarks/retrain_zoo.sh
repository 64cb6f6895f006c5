#!/usr/bin/env bash
# Retrain zoo recipes on every corpus in ../shared/data/corpora, one after the other, each with its
# own log; `ser train` writes models/NAME/ only once it has finished (so a cut run loses one job).
#   benchmarks/retrain_zoo.sh svm random_forest      # the cheap ones
#   benchmarks/retrain_zoo.sh                        # the whole shipped zoo except the default (hours on 2 cores)
#   SER_PROTOCOLS=ravdess_6fold,loco benchmarks/retrain_zoo.sh lstm   # fewer protocols ('auto' when unset)
# Each recipe's finished evaluation splits are kept in benchmarks/results/zoo-splits/NAME/ (SER_SPLITS),
# inside the project, so they can be committed: a run cut short (a session ends, the machine is
# replaced) resumes from them on any machine with the same code, libraries and corpora. The folder is
# removed once the model has landed in models/NAME/.
set -uo pipefail
cd "$(dirname "$0")/.."
data=${SER_DATA:-../shared/data/corpora}
protocols=${SER_PROTOCOLS:-auto}
recipes=("$@")
[ ${#recipes[@]} -eq 0 ] && recipes=(svm random_forest whisper_head lstm cnn cnn_lstm cnn_bilstm_attention)
mkdir -p benchmarks/results/logs
for name in "${recipes[@]}"; do
  log=benchmarks/results/logs/train-$name.log
  start=$(date +%s)
  splits=benchmarks/results/zoo-splits/$name
  mkdir -p "$splits"
  if SER_SPLITS="$splits" .venv/bin/ser train "$name" --data "$data" --protocols "$protocols" >"$log" 2>&1; then
    echo "$name: trained in $(( $(date +%s) - start )) s" | tee -a benchmarks/results/logs/retrain_zoo.txt
    rm -rf "$splits"
  else
    echo "$name: FAILED after $(( $(date +%s) - start )) s, see $log" | tee -a benchmarks/results/logs/retrain_zoo.txt
  fi
done
