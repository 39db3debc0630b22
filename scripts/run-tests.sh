#!/bin/bash
# Runs every test and prints one closing line: "N passed, N failed".
#
# Unit tests are cmocka programs in $BUILD/tests/ (TAP output); integration
# tests are tests/integration/test_*.py, run with Debian's python3 (which has
# python3-zmq and python3-msgpack) against the binaries in $BUILD/bin.  Every
# test case prints "ok N - name" or "not ok N - name"; a program that dies
# without reporting counts as one failure under its own name.
#
# TESTS=pattern limits the run to test programs whose name matches.
set -u
BUILD=${BUILD:-build}
export CCHC_BIN="$PWD/$BUILD/bin"
export CCHC_ROOT="$PWD"
export CMOCKA_MESSAGE_OUTPUT=TAP
PY=/usr/bin/python3
pass=0; fail=0; failed_names=()
LOGDIR="$BUILD/test-logs"; mkdir -p "$LOGDIR"

run_one() { # name, command...
    local name=$1; shift
    local log="$LOGDIR/$name.log"
    timeout -k 5 ${TEST_TIMEOUT:-600} "$@" >"$log" 2>&1
    local rc=$?
    local ok nok
    ok=$(grep -cE '^ok [0-9]+' "$log")
    nok=$(grep -cE '^not ok [0-9]+' "$log")
    pass=$((pass + ok)); fail=$((fail + nok))
    grep -E '^not ok [0-9]+' "$log" | sed "s|^|  $name: |"
    if [ "$nok" -gt 0 ]; then failed_names+=("$name"); fi
    if [ $rc -ne 0 ] && [ "$nok" -eq 0 ]; then
        fail=$((fail + 1)); failed_names+=("$name")
        echo "  $name: exited with status $rc without reporting a failure (crash or timeout):"
        tail -n 30 "$log" | sed 's/^/    | /'
    fi
    printf '%-40s %3d ok %3d failed\n' "$name" "$ok" "$nok"
}

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    n=$(basename "$t")
    [[ -n "${TESTS:-}" && ! "$n" =~ ${TESTS} ]] && continue
    run_one "$n" "$t"
done
for t in tests/integration/test_*.py; do
    [ -f "$t" ] || continue
    n=$(basename "$t" .py)
    [[ -n "${TESTS:-}" && ! "$n" =~ ${TESTS} ]] && continue
    run_one "$n" $PY "$t"
done

# The generated part of docs/protocol.md must match proto/messages.def.
if [[ -z "${TESTS:-}" || "check_docs" =~ ${TESTS} ]]; then
    run_one check_docs bash -c 'if scripts/check-docs.sh; then echo "ok 1 - docs/protocol.md agrees with proto/messages.def";
        else echo "not ok 1 - docs/protocol.md agrees with proto/messages.def"; fi'
fi

# The libraries' layers point one way (scripts/check-layers.sh).
if [[ -z "${TESTS:-}" || "check_layers" =~ ${TESTS} ]]; then
    run_one check_layers bash -c 'if scripts/check-layers.sh; then echo "ok 1 - every include in lib/ and proto/ points down the layers";
        else echo "not ok 1 - every include in lib/ and proto/ points down the layers"; fi'
fi

if [ ${#failed_names[@]} -gt 0 ]; then
    echo "failed: ${failed_names[*]} (logs in $LOGDIR/)"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
