#!/bin/bash
# make demo: the whole flow on an embedded default under var/demo/.
#
# Starts the collector and the aggregator on loopback, makes a CURVE key for
# every unit of the Hai Phong catalog, and submits realistic reports for
# 2025Q3 and 2025Q4 with the `cchc` CLI on a simulated clock: most units on
# time, some late, some missing, one correction and one rejected bad report.
# The data are derived from the unit codes, so every run prints the same.
# Then it prints the city rollup and the completeness by unit kind, stops the
# services and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${CCHC_BIN:-build/bin}
DEMO=var/demo
CATALOG=deploy/catalog
PORT=${CCHC_DEMO_PORT:-17100}
rm -rf "$DEMO"
mkdir -p "$DEMO/keys" "$DEMO/reports"

cat > "$DEMO/cchc.ini" <<INI
; written by scripts/demo.sh -- the embedded demo configuration
[catalog]
dir = $CATALOG
[collector]
endpoint = tcp://127.0.0.1:$PORT
journal_endpoint = tcp://127.0.0.1:$((PORT + 1))
data_dir = $DEMO/collector
server_key = $DEMO/keys/collector.key
keyring = $DEMO/keys/keyring.csv
[aggregator]
journal_endpoint = tcp://127.0.0.1:$((PORT + 1))
query_endpoint = tcp://127.0.0.1:$((PORT + 2))
event_endpoint = tcp://127.0.0.1:$((PORT + 3))
data_dir = $DEMO/aggregator
fetch_wait_ms = 500
[notifier]
aggregator = tcp://127.0.0.1:$((PORT + 2))
event_endpoint = tcp://127.0.0.1:$((PORT + 3))
pub_endpoint = tcp://127.0.0.1:$((PORT + 4))
data_dir = $DEMO/notifier
smtp_url = smtp://127.0.0.1:$((PORT + 5))
mail_from = cchc-notifier@haiphong.example
channels = email,pub
; the form and the approval page every e-mail links to: the demo web below
; (make demo-web); approve_url defaults to this address's /approve
web_url = http://127.0.0.1:$((PORT + 10))/entry
[web]
listen = 127.0.0.1:$((PORT + 10))
aggregator = tcp://127.0.0.1:$((PORT + 2))
events = tcp://127.0.0.1:$((PORT + 3))
collector = tcp://127.0.0.1:$((PORT + 1))
; accounts and data entry: people sign in; reports entered at /entry go to
; the collector through the web's gateway key (docs/web.md)
accounts = yes
users_dir = $DEMO/web
gateway_key = $DEMO/keys/HP.gateway.key
[client]
collector = tcp://127.0.0.1:$PORT
aggregator = tcp://127.0.0.1:$((PORT + 2))
server_key = $DEMO/keys/collector.key
timeout_ms = 3000
retries = 2
INI
CFG="$DEMO/cchc.ini"

pids=()
cleanup() {
    for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

wait_port() { # port [pid of the process that must be the one listening]
    for _ in $(seq 100); do
        if [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null; then
            echo "demo: the service meant to listen on port $1 exited; see $DEMO/*.log" \
                "(is the port taken? set CCHC_DEMO_PORT to use other ports)" >&2
            exit 1
        fi
        (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && { sleep 0.1; [ -z "${2:-}" ] || kill -0 "$2" 2>/dev/null; } &&
            return 0
        sleep 0.1
    done
    echo "demo: nothing listens on port $1; see $DEMO/*.log" >&2
    exit 1
}

collector_pid=""
start_collector() { # simulated time
    if [ -n "$collector_pid" ]; then
        kill "$collector_pid"; wait "$collector_pid" || true
    fi
    "$BIN/cchc-collector" --config "$CFG" --now "$1" >>"$DEMO/collector.log" 2>&1 &
    collector_pid=$!
    pids+=("$collector_pid")
    wait_port "$PORT" "$collector_pid"
    echo "· collector clock set to $1"
}

echo "== CCHC demo: Hải Phòng, quarterly CCHC propaganda reports, 2025Q3 and 2025Q4"
"$BIN/cchc" catalog check "$CATALOG"
"$BIN/cchc" period due --catalog "$CATALOG" 2025Q3 | sed 's/^/· 2025Q3 deadline: /'
"$BIN/cchc" period due --catalog "$CATALOG" 2025Q4 | sed 's/^/· 2025Q4 deadline: /'

"$BIN/cchc" keygen --server --dir "$DEMO/keys" >/dev/null
# Reporting units: everything but the city itself.
"$BIN/cchc" catalog units "$CATALOG" | awk -F'\t' '$2 != "thanh_pho" {print $1 "\t" $2}' >"$DEMO/units.tsv"
while IFS=$'\t' read -r code kind; do
    "$BIN/cchc" keygen --config "$CFG" --unit "$code" --dir "$DEMO/keys" >/dev/null
done <"$DEMO/units.tsv"
echo "· $(wc -l <"$DEMO/units.tsv") unit keys made in $DEMO/keys"
# cchc-web's gateway key: submits for any unit of the city, naming its user
"$BIN/cchc" keygen --config "$CFG" --unit HP --gateway --dir "$DEMO/keys" >/dev/null
echo "· the web's gateway key: $DEMO/keys/HP.gateway.key (keyring role gateway)"
# the city's own key: the central office's decisions on any unit's deadline
"$BIN/cchc" keygen --config "$CFG" --unit HP --dir "$DEMO/keys" >/dev/null
echo "· the central office's key: $DEMO/keys/HP.key (cchc decide extend|silence --key $DEMO/keys/HP.key ...)"

# A unit's numbers for a quarter, from a hash of its code (same every run).
write_report() { # code kind quarter(3|4) bump file
    local h q=$3 bump=$4
    h=$(printf '%s%s' "$1" "$q" | cksum | cut -d' ' -f1)
    local staff=$((20 + h % 80)) tthc=$((40 + h % 60))
    local radio=0
    case $2 in xa|phuong|dac_khu) radio=$((5 + h % 5)) ;; esac
    local conf=$((h % 3))
    {
        echo "indicator,value"
        echo "PORTAL_POSTS,$((2 + h % 6 + bump))"
        echo "WEBSITE_POSTS,$((h % 5))"
        echo "CITY_PAGE_POSTS,$((h % 3))"
        echo "MASS_MEDIA_ITEMS,$((1 + h % 3))"
        echo "RADIO_ITEMS,$radio"
        echo "SOCIAL_POSTS,$((h % 9))"
        echo "VIDEO_REPORTS,$((h % 2))"
        echo "CONFERENCES,$conf"
        echo "CONFERENCE_ATTENDEES,$((conf * (30 + h % 40)))"
        echo "CONTESTS_ORGANIZED,$((h % 7 == 0 ? 1 : 0))"
        echo "CONTEST_PARTICIPANTS,$((staff - h % 7))"
        echo "STAFF_TOTAL,$staff"
        echo "VISUAL_ITEMS,$((h % 12))"
        echo "PRINTED_MATERIALS,$((h % 4 * 50))"
        echo "DIALOGUES,$((h % 3 == 0 ? 1 : 0))"
        echo "STAFF_TRAINED,$((h % 5))"
        echo "TTHC_LISTED,$((tthc - h % 3))"
        echo "TTHC_TOTAL,$tthc"
        echo "HOTLINE_PUBLISHED,yes"
        echo "PLAN_ISSUED,yes"
        echo "PORTAL_CCHC_COLUMN,$([ $((h % 4)) -ne 0 ] && echo yes || echo no)"
        echo "OTHER_FORMS,mang_xa_hoi$([ $((h % 2)) -eq 0 ] && echo '|truc_quan')$([ "$radio" -gt 0 ] && echo '|thong_tin_co_so')"
    } >"$5"
}

# Which group a unit falls in for a quarter: on time (0-6), late (7-8), missing (9).
group_of() { # code quarter
    local h
    h=$(printf '%s#%s' "$1" "$2" | cksum | cut -d' ' -f1)
    local g=$((h % 10))
    if [ "$g" -le 6 ]; then echo ontime; elif [ "$g" -le 8 ]; then echo late; else echo missing; fi
}

# Waits until the aggregator has applied every submission made so far.
wait_applied() {
    local head applied
    head=$(grep -o 'seq=[0-9]*' "$DEMO/submissions.log" | cut -d= -f2 | sort -n | tail -1)
    for _ in $(seq 100); do
        applied=$("$BIN/cchc" info --config "$CFG" --format json | awk -F': ' '/"applied"/ {gsub(",","",$2); print $2}')
        [ "${applied:-0}" -ge "${head:-0}" ] && return 0
        sleep 0.1
    done
    echo "demo: the aggregator did not catch up; see $DEMO/aggregator.log" >&2
    exit 1
}

submit_group() { # quarter group
    local n=0 out
    while IFS=$'\t' read -r code kind; do
        [ "$(group_of "$code" "$1")" = "$2" ] || continue
        local f="$DEMO/reports/$code.2025Q$1.csv"
        write_report "$code" "$kind" "$1" 0 "$f"
        out=$("$BIN/cchc" submit --config "$CFG" --key "$DEMO/keys/$code.key" --unit "$code" --dataset CCHC_Q \
            --period "2025Q$1" --id "$code.2025Q$1.v1" "$f")
        n=$((n + 1))
        echo "$code $out" >>"$DEMO/submissions.log"
    done <"$DEMO/units.tsv"
    echo "· 2025Q$1: $n reports submitted ($2)"
}

"$BIN/cchc-aggregator" --config "$CFG" --now 2025-12-22T09:00:00+07:00 >>"$DEMO/aggregator.log" 2>&1 &
pids+=("$!")
wait_port $((PORT + 2)) "$!"

start_collector 2025-09-04T09:00:00+07:00
submit_group 3 ontime
start_collector 2025-09-16T10:00:00+07:00
submit_group 3 late
start_collector 2025-12-03T09:00:00+07:00
submit_group 4 ontime

# A correction: Sở Xây dựng resubmits its Q4 report with 3 more portal posts.
if [ "$(group_of HP.SO.XAY_DUNG 4)" != "missing" ]; then
    write_report HP.SO.XAY_DUNG so 4 3 "$DEMO/reports/HP.SO.XAY_DUNG.2025Q4.v2.csv"
    out=$("$BIN/cchc" submit --config "$CFG" --key "$DEMO/keys/HP.SO.XAY_DUNG.key" --unit HP.SO.XAY_DUNG \
        --dataset CCHC_Q --period 2025Q4 --id HP.SO.XAY_DUNG.2025Q4.v2 --note "Bổ sung 3 tin bài" \
        "$DEMO/reports/HP.SO.XAY_DUNG.2025Q4.v2.csv")
    echo "HP.SO.XAY_DUNG $out" >>"$DEMO/submissions.log"
    echo "· correction by HP.SO.XAY_DUNG for 2025Q4: $out"
fi
# A bad report, refused by the collector: a negative count.
echo "· a bad report from HP.XA.VIET_KHE: $("$BIN/cchc" submit --config "$CFG" --key "$DEMO/keys/HP.XA.VIET_KHE.key" \
    --unit HP.XA.VIET_KHE --dataset CCHC_Q --period 2025Q4 --value PORTAL_POSTS=-4 || true)"
# And a unit trying to report for another one, refused too.
echo "· HP.SO.Y_TE reporting for HP.SO.XAY_DUNG: $("$BIN/cchc" submit --config "$CFG" --key "$DEMO/keys/HP.SO.Y_TE.key" \
    --unit HP.SO.XAY_DUNG --dataset CCHC_Q --period 2025Q4 --value PORTAL_POSTS=1 || true)"

# Friday 12 December 2025, 09:00: the Q4 deadline (before 10 December) has
# passed.  The notifier reminds every unit that has not reported (after-1,
# caught up after "downtime") and escalates to the parent units, listing
# their late sub-units in one message each.
wait_applied
/usr/bin/python3 scripts/smtp-sink.py $((PORT + 5)) "$DEMO/mail" >>"$DEMO/smtp.log" 2>&1 &
smtp_pid=$!
pids+=("$smtp_pid")
wait_port $((PORT + 5)) "$smtp_pid"
if [ -x "$BIN/cchc-notifier" ]; then
    "$BIN/cchc-notifier" --config "$CFG" --now 2025-12-12T09:00:00+07:00 --once >>"$DEMO/notifier.log" 2>&1
    echo "· notifier at 2025-12-12T09:00+07:00: $(ls "$DEMO/mail" 2>/dev/null | wc -l) e-mail(s) delivered to the loopback SMTP server"
fi

start_collector 2025-12-16T14:00:00+07:00
submit_group 4 late

wait_applied

# A section of the results: its title, then what `cchc COMMAND` answers.
section() { # title command node period
    echo
    echo "== $1"
    "$BIN/cchc" "$2" --config "$CFG" --node "$3" --dataset CCHC_Q --period "$4"
}
section "City rollup by indicator, 2025Q3" rollup HP 2025Q3
section "City rollup by indicator, second half of 2025 (Q3 + Q4)" rollup HP 2025S2
section "Completeness by unit kind, 2025Q3" status HP 2025Q3
section "Completeness by unit kind, 2025Q4" status HP 2025Q4
section "Audit trail of Sở Xây dựng, 2025Q4" history HP.SO.XAY_DUNG 2025Q4 || true
section "Targets, 2025Q4" targets HP 2025Q4 || true

if [ -x "$BIN/cchc-notifier" ]; then
    echo
    echo "== Reminders of 2025-12-12 09:00: one digest per recipient and channel (from the notifier's sent-log)"
    "$BIN/cchc-notifier" --config "$CFG" --sent-log 2>/dev/null >"$DEMO/sent-log.tsv"
    echo "   by channel and outcome:"
    awk -F'\t' '{split($1, p, "/"); n[p[3] " " $2]++} END {for (k in n) print "     " k ": " n[k]}' \
        "$DEMO/sent-log.tsv" | sort
    echo "   ($(wc -l <"$DEMO/sent-log.tsv") digests in all; a unit owing 2025Q4 is chased for it once, the" \
        "6-month and yearly reports being covered by the quarters; e-mails in $DEMO/mail/)"
    echo "   some of the e-mails:"
    /usr/bin/python3 -c 'import email, os, sys
from email import policy
d = sys.argv[1]
for f in sorted(os.listdir(d))[:6]:
    m = email.message_from_binary_file(open(os.path.join(d, f), "rb"), policy=policy.default)
    print("     %-45s %s" % (m["To"], m["Subject"]))' "$DEMO/mail"
    first=$(ls "$DEMO/mail" | head -1)
    if [ -n "$first" ]; then
        echo "   one of them, decoded:"
        /usr/bin/python3 -c 'import email,sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
print("     To:     ", m["To"]); print("     Subject:", m["Subject"])
for line in m.get_content().splitlines()[:8]: print("     |", line)' "$DEMO/mail/$first"
    fi
fi

cleanup
trap - EXIT
pids=()
# Demo users of cchc-web (passwords printed: this is a demo).
demo_user() { # login password role unit name
    printf '%s\n' "$2" | "$BIN/cchc" user add "$1" --name "$5" --role "$3" ${4:+--unit "$4"} --config "$CFG" \
        >/dev/null
    printf '   %-16s %-20s %-9s %s\n' "$1" "$2" "$3" "${4:-(cả thành phố)}"
}
echo
echo "== web users (cchc user list --config $CFG)"
printf '   %-16s %-20s %-9s %s\n' login password role unit
demo_user quantri demo-quantri-2025 admin "" "Quản trị viên"
demo_user nhap.vietkhe demo-nhap-2025 reporter HP.XA.VIET_KHE "Nguyễn Thị Lan"
demo_user duyet.vietkhe demo-duyet-2025 approver HP.XA.VIET_KHE "Trần Văn Minh"
demo_user xem.vietkhe demo-xem-2025 viewer HP.XA.VIET_KHE "Phạm Thu Hà"

echo
echo "demo done: data in $DEMO/ (collector.log, aggregator.log, notifier.log, submissions.log, mail/, web/)"
if [ -x "$BIN/cchc-web" ]; then
    echo "Dashboard and data entry on this data: run   make demo-web   (Ctrl-C stops it), sign in as one of"
    echo "  the users above (nhap.vietkhe enters Việt Khê's reports at /entry), at the login page:"
    echo "  http://127.0.0.1:$((PORT + 10))/login"
fi
