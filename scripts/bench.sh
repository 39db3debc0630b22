#!/bin/bash
# Benchmarks at national scale (docs/benchmarks.md), called by `make bench`
# (full) and `make bench-quick` (quick); both expect `make all` to have run.
#
#   full   100,000 units, every measurement 3 times; rewrites docs/benchmarks.md
#          (about 6 minutes on 2 cores)
#   quick  5,000 units, once; writes build/bench/benchmarks-quick.md (< 1 minute)
#   apart  the ingest taken apart (CURVE on/off, with/without the aggregator,
#          libsodium's guarded allocations replaced); writes
#          build/bench/apart.md (about 5 minutes; no PostgreSQL)
#   delivery  only the notifier's delivery section, on the full catalog
#          (100,000 units), once; writes build/bench/delivery.md.
#          BENCH_CASES="concurrent,one at a time" limits the cases (names of
#          the table's first column); BENCH_BINDIR another build's bin/ (a
#          before/after comparison)
#
# Needs PostgreSQL 15 and libpq-dev, for the baseline only: they are installed
# here when missing (by scripts/deps.sh, with apt-get, through sudo when not
# root), and are deliberately not in its list -- CI never runs the benchmarks.
# BENCH_NO_PG=1 skips the PostgreSQL baseline (its figures then read "—").
# shellcheck disable=SC2086,SC2046  # flag lists are meant to be split into words
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-quick}
case "$MODE" in full|quick|apart|delivery) ;; *) echo "usage: scripts/bench.sh full|quick|apart|delivery" >&2; exit 2 ;; esac
[ "$MODE" = apart ] || [ "$MODE" = delivery ] && BENCH_NO_PG=1
BUILD=${BUILD:-build}
PY=/usr/bin/python3
for f in "$BUILD/libcchc.a" "$BUILD/bin/cchc-collector" "$BUILD/bin/cchc-aggregator"; do
    [ -e "$f" ] || { echo "bench: $f is missing: run make first (make bench does)" >&2; exit 1; }
done

# --- PostgreSQL 15 (server, psql) and libpq-dev, only when missing
if [ -z "${BENCH_NO_PG:-}" ]; then
    missing=""
    [ -x /usr/lib/postgresql/15/bin/postgres ] && [ -x /usr/lib/postgresql/15/bin/initdb ] || missing="$missing postgresql-15"
    command -v psql >/dev/null || missing="$missing postgresql-client-15"
    pkg-config --exists libpq 2>/dev/null || missing="$missing libpq-dev"
    if [ -n "$missing" ]; then
        echo "bench: installing for the PostgreSQL baseline:$missing"
        scripts/deps.sh $missing
    fi
fi

# --- the tools, with the Makefile's flags and libraries, against libcchc.a
PKGS=$(sed -n 's/^PKGS *:= *//p' Makefile)
CFLAGS="-O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
        -Ilib/base -Ilib/model -Ilib/store -Ilib/net -Ilib/app -Iproto $(pkg-config --cflags $PKGS)"
LIBS="$(pkg-config --libs $PKGS) -lcsv -lm -lpthread"
TOOLS="$BUILD/bench"
mkdir -p "$TOOLS"
${CC:-gcc} $CFLAGS scripts/bench/loadgen.c scripts/bench/work.c "$BUILD/libcchc.a" -o "$TOOLS/loadgen" $LIBS
# the notifier's delivery benchmark: a loopback SMTP server and HTTP receiver that count what they get
${CC:-gcc} -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow scripts/bench/sink.c -o "$TOOLS/sink"
if [ -z "${BENCH_NO_PG:-}" ]; then
    ${CC:-gcc} $CFLAGS $(pkg-config --cflags libpq) scripts/bench/pgload.c scripts/bench/work.c "$BUILD/libcchc.a" \
        -o "$TOOLS/pgload" $LIBS $(pkg-config --libs libpq)
fi

if [ "$MODE" = apart ]; then
    ${CC:-gcc} -O2 -shared -fPIC -Wall -Wextra -Werror scripts/bench/plain_alloc.c -o "$TOOLS/plain_alloc.so"
    exec $PY scripts/bench/apart.py --bindir "$BUILD/bin" --tools "$TOOLS" --plain "$TOOLS/plain_alloc.so" \
        --workdir "$TOOLS/work-apart" --out "$TOOLS/apart.md"
fi
if [ "$MODE" = delivery ]; then
    exec $PY scripts/bench/bench.py --mode "$MODE" --bindir "${BENCH_BINDIR:-$BUILD/bin}" --tools "$TOOLS" \
        --workdir "$TOOLS/work-delivery" --out "$TOOLS/delivery.md" --results "$TOOLS/results-delivery.json" \
        --command "make bench-delivery" --no-pg
fi
if [ "$MODE" = full ]; then
    OUT=docs/benchmarks.md
    CMD="make bench"
else
    OUT="$TOOLS/benchmarks-quick.md"
    CMD="make bench-quick"
fi
exec $PY scripts/bench/bench.py --mode "$MODE" --bindir "$BUILD/bin" --tools "$TOOLS" \
    --workdir "$TOOLS/work-$MODE" --out "$OUT" --results "$TOOLS/results-$MODE.json" --command "$CMD" \
    ${BENCH_NO_PG:+--no-pg}
