#!/bin/bash
# scripts/doc-template-shot.sh [OUT.png] -- redraws docs/img/template.png, the
# picture of the Excel template in docs/web.md: a real rendering of what
# `cchc template --xlsx --prefill` writes for a consolidating office (Xã Việt
# Khê and the four offices it submits for, parent_submits), pre-filled with
# the latest values of `make demo` for 2025Q4.
#
# Only for making the picture; no test runs it.  It needs, besides the build:
#   apt-get install -y --no-install-recommends libreoffice-calc poppler-utils python3-pil
# (LibreOffice draws the sheet into a PDF, pdftoppm makes it a PNG, PIL cuts it.)
#
# Steps: `scripts/demo.sh` when var/demo/ does not exist yet (it is not
# touched otherwise); the demo's aggregator started alone on var/demo/ (it
# answers from its own store); the template written; LibreOffice headless
# converts it to PDF with every sheet on one page ("SinglePageSheets", so the
# columns are not cut into pages); page 1 (sheet "Báo cáo") at 110 dpi; the
# left part up to the column border nearest 1700 px (codes, names and the
# first indicators: the sheet has 22 indicator columns, too wide for a page),
# with a white margin.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${CCHC_BIN:-build/bin}
CFG=var/demo/cchc.ini
OUT=${1:-docs/img/template.png}
for tool in soffice pdftoppm; do
    command -v "$tool" >/dev/null || { echo "doc-template-shot: $tool is missing (see the top of this script)" >&2; exit 1; }
done
/usr/bin/python3 -c "import PIL" 2>/dev/null || { echo "doc-template-shot: python3-pil is missing" >&2; exit 1; }
[ -x "$BIN/cchc" ] || { echo "doc-template-shot: build first (make)" >&2; exit 1; }
[ -f "$CFG" ] || scripts/demo.sh >/dev/null

tmp=$(mktemp -d)
agg=""
cleanup() {
    if [ -n "$agg" ]; then kill "$agg" 2>/dev/null || true; wait "$agg" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT

port=$(awk -F'[:= ]+' '/^query_endpoint/ {print $NF}' "$CFG")
"$BIN/cchc-aggregator" --config "$CFG" >"$tmp/aggregator.log" 2>&1 &
agg=$!
for _ in $(seq 100); do
    (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break
    kill -0 "$agg" 2>/dev/null || { cat "$tmp/aggregator.log" >&2; exit 1; }
    sleep 0.1
done

"$BIN/cchc" template --config "$CFG" --unit HP.XA.VIET_KHE --dataset CCHC_Q --period 2025Q4 --xlsx --prefill \
    -o "$tmp/mau-bao-cao.xlsx"
soffice -env:UserInstallation="file://$tmp/lo" --headless \
    --convert-to 'pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}' \
    --outdir "$tmp" "$tmp/mau-bao-cao.xlsx" >/dev/null
pdftoppm -png -r 110 -f 1 -l 1 -singlefile "$tmp/mau-bao-cao.pdf" "$tmp/sheet"

/usr/bin/python3 - "$tmp/sheet.png" "$OUT" <<'PY'
import sys
from PIL import Image, ImageOps

src, out = sys.argv[1:]
im = Image.open(src).convert("RGB")
grey = im.convert("L")
w, h = im.size
px = grey.load()
# the table's rows: from the first dark horizontal rule to the bottom
top = next(y for y in range(h) if sum(px[x, y] < 128 for x in range(0, w, 4)) > w // 8)
# column borders: x where (nearly) every pixel of the table's height is dark
borders = [x for x in range(w) if sum(px[x, y] < 128 for y in range(top, h)) >= 0.95 * (h - top)]
cut = max((x for x in borders if x <= 1700), default=min(w, 1700)) + 1
part = im.crop((0, 0, cut, h))
box = ImageOps.invert(part.convert("L")).getbbox()  # the drawn part, without white around it
part = part.crop(box)
ImageOps.expand(part, border=14, fill="white").save(out, optimize=True)
print("%s: %dx%d (of the sheet's %d px width)" % (out, part.size[0] + 28, part.size[1] + 28, w))
PY
