#!/bin/bash
# Checks that docs/protocol.md agrees with the code.
#
#   scripts/check-docs.sh            check; exit 1 on any difference
#   scripts/check-docs.sh --update   rewrite the generated section in place
#
# 1. The text between the lines "<!-- BEGIN GENERATED SPEC -->" and
#    "<!-- END GENERATED SPEC -->" must be exactly the output of
#    `cchc proto spec` (the field and error tables, from proto/messages.def).
# 2. Every example: a ```hex block must decode (`cchc proto decode --hex`),
#    and the ```json block that follows it, if any, must be exactly what
#    `cchc proto decode` prints for it.
#
# Uses $BUILD/bin/cchc (BUILD defaults to build), building it when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
CCHC=$BUILD/bin/cchc
DOC=docs/protocol.md
BEGIN='<!-- BEGIN GENERATED SPEC -->'
END='<!-- END GENERATED SPEC -->'

if [ ! -x "$CCHC" ]; then
    make --no-print-directory "$CCHC" >/dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$CCHC" proto spec >"$tmp/spec"

nb=$(grep -cxF "$BEGIN" "$DOC" || true)
ne=$(grep -cxF "$END" "$DOC" || true)
if [ "$nb" != 1 ] || [ "$ne" != 1 ]; then
    echo "check-docs: $DOC must hold each marker line exactly once ($BEGIN: $nb, $END: $ne)" >&2
    exit 1
fi

if [ "${1:-}" = "--update" ]; then
    awk -v b="$BEGIN" -v e="$END" -v spec="$tmp/spec" '
        $0 == b { print; while ((getline line < spec) > 0) print line; skip = 1; next }
        $0 == e { skip = 0 }
        !skip { print }' "$DOC" >"$tmp/doc"
    cp "$tmp/doc" "$DOC"
    echo "check-docs: updated the generated section of $DOC"
fi

fail=0
awk -v b="$BEGIN" -v e="$END" '$0 == e { inside = 0 } inside { print } $0 == b { inside = 1 }' "$DOC" >"$tmp/doc_spec"
if ! diff -u --label "cchc proto spec" --label "$DOC (generated section)" "$tmp/spec" "$tmp/doc_spec" >"$tmp/diff"; then
    echo "check-docs: the generated section of $DOC differs from \`cchc proto spec\`" \
        "(run scripts/check-docs.sh --update):" >&2
    head -40 "$tmp/diff" >&2
    fail=1
fi

# Examples: block N of kind hex or json, numbered by the hex block it follows.
awk -v dir="$tmp" '
    /^```hex[[:space:]]*$/  { n++; out = dir "/ex" n ".hex"; printf "" > out; next }
    /^```json[[:space:]]*$/ { if (n) { out = dir "/ex" n ".json"; printf "" > out } next }
    /^```/                  { out = ""; next }
    out != ""               { print >> out }' "$DOC"
nex=0
for hex in "$tmp"/ex*.hex; do
    [ -e "$hex" ] || continue
    nex=$((nex + 1))
    n=$(basename "$hex" .hex)
    if ! "$CCHC" proto decode --hex "$hex" >"$tmp/$n.out" 2>&1; then
        echo "check-docs: example ${n#ex} of $DOC does not decode: $(cat "$tmp/$n.out")" >&2
        fail=1
        continue
    fi
    if [ -e "$tmp/$n.json" ] && ! diff -u --label "cchc proto decode" --label "$DOC example ${n#ex}" \
        "$tmp/$n.out" "$tmp/$n.json" >&2; then
        echo "check-docs: the reading of example ${n#ex} differs from what it decodes to" >&2
        fail=1
    fi
done
if [ "$nex" -eq 0 ]; then
    echo "check-docs: no \`\`\`hex example in $DOC" >&2
    fail=1
fi

if [ "$fail" -ne 0 ]; then
    exit 1
fi
echo "check-docs: $DOC agrees with the code (generated spec, $nex examples)"
