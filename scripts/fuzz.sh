#!/bin/bash
# Fuzzes the protocol decoder (proto/fuzz/fuzz_decode.c) with libFuzzer.
#
#   scripts/fuzz.sh [SECONDS]        (make fuzz FUZZ_SECONDS=N)
#
# Builds the target with clang -fsanitize=fuzzer,address,undefined, compiling
# proto/proto.c directly (the codec needs nothing from lib/), and
# the seed generator proto/fuzz/gen_corpus.c.  Runs for SECONDS (default 60)
# on a working copy of the corpus in build/fuzz/corpus (the repository's
# proto/fuzz/corpus plus freshly generated seeds), inputs up to 70000 bytes
# (the largest SUBMIT is 65536).
#
# Exits 1 when libFuzzer found a crash, a leak, a sanitizer report, a failed
# check or a timeout: the input is in build/fuzz/artifacts/, replay it with
#   build/fuzz/fuzz_decode build/fuzz/artifacts/crash-...
#
# After a clean run, the corpus is minimized back into proto/fuzz/corpus
# (libFuzzer -merge=1): the named seeds stay, the hash-named inputs become the
# smallest set covering everything seen so far, kept under FUZZ_MAX_FILES (200)
# files and FUZZ_MAX_BYTES (1 MB), smallest first.  FUZZ_NO_MERGE=1 leaves
# the repository's corpus alone.
set -euo pipefail
cd "$(dirname "$0")/.."

SECS=${1:-60}
OUT=build/fuzz
CORPUS=proto/fuzz/corpus
MAX_FILES=${FUZZ_MAX_FILES:-200}
MAX_BYTES=${FUZZ_MAX_BYTES:-1048576}
CC=${FUZZ_CC:-clang}

if ! command -v "$CC" >/dev/null; then
    echo "fuzz: $CC not found (make deps installs clang)" >&2
    exit 2
fi
MP_CFLAGS=$(pkg-config --cflags msgpack)
MP_LIBS=$(pkg-config --libs msgpack)
CFLAGS="-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Wno-unused-parameter -Iproto $MP_CFLAGS"

rm -rf "$OUT/corpus" "$OUT/artifacts" "$OUT/merged"
mkdir -p "$OUT/corpus" "$OUT/artifacts" "$CORPUS"

echo "fuzz: building $OUT/fuzz_decode"
# shellcheck disable=SC2086
"$CC" $CFLAGS -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    proto/fuzz/fuzz_decode.c proto/proto.c -o "$OUT/fuzz_decode" $MP_LIBS
# shellcheck disable=SC2086
"$CC" $CFLAGS -fsanitize=address,undefined proto/fuzz/gen_corpus.c proto/proto.c -o "$OUT/gen_corpus" $MP_LIBS

# the working corpus: the repository's, then the generated seeds (which
# follow messages.def as it is now)
if compgen -G "$CORPUS/*" >/dev/null; then
    cp "$CORPUS"/* "$OUT/corpus/"
fi
"$OUT/gen_corpus" "$OUT/corpus" "$OUT/proto.dict"

echo "fuzz: running for ${SECS}s on $(ls "$OUT/corpus" | wc -l) inputs"
set +e
"$OUT/fuzz_decode" -max_total_time="$SECS" -max_len=70000 -timeout=10 -rss_limit_mb=2048 \
    -dict="$OUT/proto.dict" -artifact_prefix="$OUT/artifacts/" -print_final_stats=1 \
    "$OUT/corpus" >"$OUT/fuzz.log" 2>&1
rc=$?
set -e
grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' \
    "$OUT/fuzz.log" || true
ncrash=$(find "$OUT/artifacts" -type f | wc -l)
if [ "$rc" -ne 0 ] || [ "$ncrash" -gt 0 ]; then
    echo "fuzz: FAILED (libFuzzer exit $rc, $ncrash artifact(s) in $OUT/artifacts/); log: $OUT/fuzz.log" >&2
    grep -E 'ERROR|SUMMARY|check failed|Test unit written' "$OUT/fuzz.log" | head -20 >&2 || true
    exit 1
fi

if [ "${FUZZ_NO_MERGE:-0}" = 1 ]; then
    echo "fuzz: ok (corpus not merged: FUZZ_NO_MERGE=1)"
    exit 0
fi

# Merge: libFuzzer picks, from the repository's corpus and the working one,
# a smallest set of inputs that covers every feature seen (-merge=1 into an
# empty directory; files named by the SHA-1 of their content).  The named
# seeds (valid-*, invalid-*) always stay; the hash-named files of the
# repository are replaced by the new set, smallest first, within the limits.
mkdir -p "$OUT/merged"
"$OUT/fuzz_decode" -merge=1 -max_len=70000 "$OUT/merged" "$CORPUS" "$OUT/corpus" >"$OUT/merge.log" 2>&1
declare -A seed_sum=()
nfiles=0
nbytes=0
for f in "$CORPUS"/valid-* "$CORPUS"/invalid-*; do
    [ -e "$f" ] || continue
    seed_sum[$(sha1sum <"$f" | cut -c1-40)]=1
    nfiles=$((nfiles + 1))
    nbytes=$((nbytes + $(stat -c %s "$f")))
done
find "$CORPUS" -type f -regextype posix-extended -regex '.*/[0-9a-f]{40}' -delete
kept=0
skipped=0
while read -r size name; do
    [ -n "${seed_sum[$name]:-}" ] && continue
    if [ $((nfiles + 1)) -gt "$MAX_FILES" ] || [ $((nbytes + size)) -gt "$MAX_BYTES" ]; then
        skipped=$((skipped + 1))
        continue
    fi
    cp "$OUT/merged/$name" "$CORPUS/$name"
    nfiles=$((nfiles + 1)); nbytes=$((nbytes + size)); kept=$((kept + 1))
done < <(find "$OUT/merged" -type f -printf '%s %f\n' | sort -n)
echo "fuzz: ok; $CORPUS now holds the named seeds and $kept minimized input(s)" \
    "($nfiles files, $nbytes bytes; $skipped more left out by the limits)"
