#!/bin/bash
# make run: the stack in the foreground with deploy/cchc.example.ini (or
# $CCHC_CONFIG).  Makes the collector's key pair under var/keys on first use.
# Ctrl-C stops every service cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${CCHC_BIN:-build/bin}
CFG=${CCHC_CONFIG:-deploy/cchc.example.ini}
mkdir -p var/keys
[ -f var/keys/collector.key ] || "$BIN/cchc" keygen --server --dir var/keys
[ -f var/keys/keyring.csv ] || echo "unit,public_key" >var/keys/keyring.csv
echo "run: unit keys are made with: $BIN/cchc keygen --config $CFG --unit CODE --dir var/keys  (then kill -HUP the collector)"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' INT TERM EXIT
for svc in collector aggregator notifier web; do
    [ -x "$BIN/cchc-$svc" ] || continue
    "$BIN/cchc-$svc" --config "$CFG" &
    pids+=("$!")
done
wait
