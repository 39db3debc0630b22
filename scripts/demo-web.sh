#!/bin/bash
# make demo-web: the dashboard on the data `make demo` left in var/demo/.
# Starts the collector, the aggregator and cchc-web in the foreground with
# var/demo/cchc.ini; Ctrl-C stops them.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${CCHC_BIN:-build/bin}
CFG=var/demo/cchc.ini
[ -f "$CFG" ] || { echo "demo-web: run 'make demo' first" >&2; exit 1; }
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' INT TERM EXIT
for svc in collector aggregator web; do
    "$BIN/cchc-$svc" --config "$CFG" >>"var/demo/$svc.log" 2>&1 &
    pids+=("$!")
done
listen=$(awk -F' = ' '/^listen/ {print $2}' "$CFG")
echo "dashboard: http://$listen/login   (users: see the end of make demo; logs in var/demo/*.log; Ctrl-C stops)"
wait
