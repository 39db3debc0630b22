#!/usr/bin/python3
"""Runs the benchmarks and writes the report (called by scripts/bench.sh).

    bench.py --mode full|quick --build DIR --tools DIR --out FILE

full:  100,000 units, every measurement 3 times (median, min-max), report in
       docs/benchmarks.md;
quick: 5,000 units, once, report in build/bench/benchmarks-quick.md.

Every service and tool runs on this machine, on loopback, one measurement at
a time.  Nothing here is timed by the CI; see docs/benchmarks.md.
"""
import argparse
import csv
import datetime
import http.client
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NOW = "2025-09-08T09:00:00+07:00"   # the collector's clock: two days before the 2025Q3 deadline
PLAN_AT = NOW                        # the notifier's plan: one working day before the last day (before-1)
DEADLINE = "2025-09-10T00:00:00+07:00"
PGBIN = "/usr/lib/postgresql/15/bin"

MODES = {
    "full": {"units": 100000, "runs": 3, "query_reps": 1000, "pg_query_reps": 200, "pg_query_seconds": 4.0,
             "pg_txn_split": True, "web_reps": 200, "web_big_reps": 3, "delay_units": 10000,
             "slow_units": 2000},
    "delivery": {"units": 100000, "runs": 0, "delay_units": 10000, "slow_units": 2000},
    "quick": {"units": 5000, "runs": 1, "query_reps": 200, "pg_query_reps": 50, "pg_query_seconds": 2.0,
              "pg_txn_split": False, "web_reps": 50, "web_big_reps": 2, "delay_units": 1000,
              "slow_units": 300},
}


def log(msg):
    print("bench: " + msg, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, proc, name, timeout=60):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None:
            raise SystemExit("%s exited with status %s" % (name, proc.returncode))
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("%s does not listen on %d" % (name, port))


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        raise SystemExit("command failed (%d): %s\n%s%s" % (p.returncode, " ".join(map(str, cmd)), p.stdout[-3000:],
                                                          p.stderr[-3000:]))
    return p


def run_json(cmd, **kw):
    """Runs a tool that prints one JSON object; returns it with the child's CPU seconds."""
    t0 = time.monotonic()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    out, err = p.communicate()
    wall = time.monotonic() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise SystemExit("command failed (%d): %s\n%s%s" % (p.returncode, " ".join(map(str, cmd)), out[-3000:],
                                                          err[-3000:]))
    j = json.loads(out.strip().splitlines()[-1])
    j["_wall_s"] = wall
    j["_ru"] = ru.ru_utime + ru.ru_stime - ru0.ru_utime - ru0.ru_stime
    return j


DISKS = []  # block devices holding the work directory and the temporary directory (PostgreSQL)


def block_device(path):
    src = subprocess.run(["findmnt", "-n", "-o", "SOURCE", "-T", path], capture_output=True,
                         text=True).stdout.strip()
    name = os.path.basename(src.split("[")[0])
    return name if src.startswith("/dev/") and os.path.exists("/sys/class/block/%s/stat" % name) else None


def disk_written():
    """Bytes written to the DISKS so far (sectors of 512 bytes, /sys/class/block/DEV/stat)."""
    total = 0
    for d in DISKS:
        with open("/sys/class/block/%s/stat" % d) as f:
            total += int(f.read().split()[6]) * 512
    return total


def cpu_stat():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v + [disk_written()]  # user nice system idle iowait irq softirq steal ... + disk bytes


def cpu_diff(a, b):
    d = [y - x for x, y in zip(a, b)]
    tot = sum(d[:8]) or 1
    hz = os.sysconf("SC_CLK_TCK")
    return {"busy_pct": 100.0 * (d[0] + d[1] + d[2] + d[5] + d[6]) / tot, "idle_pct": 100.0 * d[3] / tot,
            "iowait_pct": 100.0 * d[4] / tot, "steal_pct": 100.0 * d[7] / tot,
            "busy_cpu_s": (d[0] + d[1] + d[2] + d[5] + d[6]) / hz,
            "disk_written_mib": d[-1] / 2**20 if DISKS else None}


def proc_cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        s = f.read()
    fields = s[s.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_mem(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmHWM", "VmRSS", "RssAnon", "RssFile", "RssShmem"):
                out[k] = int(v.split()[0]) / 1024.0  # MiB
    return out


def med(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return None
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


# --------------------------------------------------------------------------
# our stack


class Stack:
    def __init__(self, bindir, workdir, catalog, keys, name):
        self.bindir = bindir
        self.dir = os.path.join(workdir, name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.ports = {k: free_port() for k in ("submit", "feed", "query", "events", "npub", "web")}
        self.procs = {}
        self.config = os.path.join(self.dir, "cchc.ini")
        ep = lambda k: "tcp://127.0.0.1:%d" % self.ports[k]
        with open(self.config, "w") as f:
            f.write("[catalog]\ndir = %s\n" % catalog)
            f.write("[collector]\nendpoint = %s\njournal_endpoint = %s\ndata_dir = %s\nserver_key = %s\n"
                    "keyring = %s\ncurve = yes\n" % (ep("submit"), ep("feed"), os.path.join(self.dir, "collector"),
                                                     os.path.join(keys, "collector.key"),
                                                     os.path.join(keys, "keyring.csv")))
            f.write("[aggregator]\njournal_endpoint = %s\nquery_endpoint = %s\nevent_endpoint = %s\ndata_dir = %s\n"
                    % (ep("feed"), ep("query"), ep("events"), os.path.join(self.dir, "aggregator")))
            f.write("[notifier]\naggregator = %s\nevent_endpoint = %s\npub_endpoint = %s\ndata_dir = %s\n"
                    "query_timeout_ms = 120000\n" % (ep("query"), ep("events"), ep("npub"),
                                                     os.path.join(self.dir, "notifier")))
            f.write("[web]\nlisten = 127.0.0.1:%d\naggregator = %s\nevents = %s\nquery_timeout_ms = 120000\n"
                    "timeout_s = 120\n" % (self.ports["web"], ep("query"), ep("events")))

    def endpoint(self, k):
        return "tcp://127.0.0.1:%d" % self.ports[k]

    def start(self, name, port, extra=()):
        logf = open(os.path.join(self.dir, name + ".log"), "ab")
        cmd = [os.path.join(self.bindir, "cchc-" + name), "--config", self.config, "--now", NOW] + list(extra)
        p = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT)
        self.procs[name] = p
        wait_port(self.ports[port], p, name)
        return p

    def stop(self, name):
        p = self.procs.pop(name, None)
        if p and p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def close(self, keep=False):
        for n in list(self.procs):
            self.stop(n)
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)


def notifier_plan(bindir, stack, expected):
    exe = os.path.join(bindir, "cchc-notifier")
    if not os.access(exe, os.X_OK):
        return {"measured": False, "reason": "%s is not built" % os.path.relpath(exe, ROOT)}
    out_path = os.path.join(stack.dir, "plan.out")
    err_path = os.path.join(stack.dir, "plan.err")
    t0 = time.monotonic()
    with open(out_path, "w") as out, open(err_path, "w") as err:
        p = subprocess.Popen([exe, "--config", stack.config, "--plan", "--at", PLAN_AT], stdout=out, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    tail = open(err_path, errors="replace").read()[-600:]
    if p.returncode != 0:
        return {"measured": False, "reason": "`cchc-notifier --plan` exited with status %d: %s" % (
            p.returncode, tail.strip().splitlines()[-1] if tail.strip() else "no message")}
    n = None
    with open(out_path, errors="replace") as f:
        for line in f:
            m = re.match(r"# (\d+) message\(s\), \d+ item\(s\) at", line)
            if m:
                n = int(m.group(1))
    if n is None:
        return {"measured": False, "reason": "`cchc-notifier --plan` printed no '# N message(s), M item(s)' line"}
    return {"measured": True, "seconds": wall, "reminders": n, "obligations": expected,
            "peak_rss_mib": ru.ru_maxrss / 1024.0, "cpu_s": ru.ru_utime + ru.ru_stime}


def web_requests(meta):
    """(name, path, big) of what the web benchmark asks for."""
    q = "dataset=%s&period=%s" % (meta["dataset"], meta["period"])
    out = []
    for name, node in (("country", meta["root"]), ("province", meta["province"]), ("commune", meta["commune"])):
        out.append(("overview page, " + name, "/overview?node=%s&%s" % (node, q), False))
        out.append(("/api/overview, " + name, "/api/overview?node=%s&%s" % (node, q), False))
    out.append(("completeness page, province", "/completeness?node=%s&%s" % (meta["province"], q), False))
    out.append(("/api/completeness, province", "/api/completeness?node=%s&%s" % (meta["province"], q), False))
    out.append(("completeness page, country", "/completeness?node=%s&%s" % (meta["root"], q), True))
    out.append(("/api/completeness, country", "/api/completeness?node=%s&%s" % (meta["root"], q), True))
    out.append(("report.xlsx, country, one quarter", "/report.xlsx?node=%s&dataset=%s&from=%s&to=%s" % (
        meta["root"], meta["dataset"], meta["period"], meta["period"]), True))
    return out


def web_bench(cfg, meta, stack):
    """cchc-web on the aggregator's national store: one keep-alive HTTP client, one request at a time."""
    stack.start("web", "web")
    pid = stack.procs["web"].pid
    conn = http.client.HTTPConnection("127.0.0.1", stack.ports["web"], timeout=300)
    res = {}
    try:
        for name, path, big in web_requests(meta):
            reps = cfg["web_big_reps"] if big else cfg["web_reps"]
            ts, size = [], 0
            for _ in range(reps + 1):  # the first is not timed: it warms the aggregator's caches
                t0 = time.perf_counter()
                conn.request("GET", path)
                r = conn.getresponse()
                body = r.read()
                ts.append((time.perf_counter() - t0) * 1e3)
                if r.status != 200:
                    raise SystemExit("web: GET %s answered %d: %s" % (path, r.status, body[:300]))
                size = len(body)
            ts = sorted(ts[1:])
            res[name] = {"p50_ms": ts[len(ts) // 2], "p99_ms": ts[min(len(ts) - 1, int(len(ts) * 0.99))],
                         "max_ms": ts[-1], "bytes": size, "reps": reps}
        res["_mem"] = proc_mem(pid)
    finally:
        conn.close()
        stack.stop("web")
    return res


def run_ours(a, cfg, meta, workdir, catalog, keys, work, r):
    """One run: plan, ingest, queries, memory; then the aggregator's catch-up."""
    res = {}
    st = Stack(a.bindir, workdir, catalog, keys, "ours-%d" % r)
    try:
        st.start("collector", "submit")
        st.start("aggregator", "query")
        res["notifier"] = notifier_plan(a.bindir, st, meta["reporting"])
        col, agg = st.procs["collector"].pid, st.procs["aggregator"].pid
        c0, a0, s0 = proc_cpu(col), proc_cpu(agg), cpu_stat()
        ing = run_json([os.path.join(a.tools, "loadgen"), "ingest", "--work", work, "--keys", keys,
                        "--endpoint", st.endpoint("submit"), "--aggregator", st.endpoint("query"),
                        "--clients", "64", "--dataset", meta["dataset"], "--period", meta["period"]])
        s1 = cpu_stat()
        ing["cpu"] = {"collector_s": proc_cpu(col) - c0, "aggregator_s": proc_cpu(agg) - a0,
                      "loadgen_s": ing["_ru"], "machine": cpu_diff(s0, s1)}
        res["ingest"] = ing
        # the ingest leaves hundreds of MiB of dirty pages that the kernel writes back for tens of seconds;
        # measured during that writeback a query's p99 is 2-3x higher (docs/benchmarks.md): write it now
        t_sync = time.monotonic()
        os.sync()
        res["sync_s"] = time.monotonic() - t_sync
        time.sleep(2)
        q = run_json([os.path.join(a.tools, "loadgen"), "query", "--endpoint", st.endpoint("query"),
                      "--reps", str(cfg["query_reps"]), "--dataset", meta["dataset"], "--period", meta["period"],
                      "country:rollup:" + meta["root"], "province:rollup:" + meta["province"],
                      "commune:rollup:" + meta["commune"], "completeness:status:" + meta["root"]])
        res["queries"] = {k: v for k, v in q.items() if not k.startswith("_")}
        res["echo"] = run_json([os.path.join(a.tools, "loadgen"), "echo", "--reps", str(cfg["query_reps"]),
                                "--port", str(free_port()), "--size", "200"])
        res["web"] = web_bench(cfg, meta, st)
        res["mem"] = {"collector": proc_mem(col), "aggregator": proc_mem(agg)}
        st.stop("aggregator")
        ql = run_json([os.path.join(a.tools, "loadgen"), "query-local", "--catalog", catalog, "--data",
                       os.path.join(st.dir, "aggregator"), "--reps", str(cfg["query_reps"]), "--now", NOW,
                       "--dataset", meta["dataset"], "--period", meta["period"],
                       "country:rollup:" + meta["root"], "province:rollup:" + meta["province"],
                       "commune:rollup:" + meta["commune"], "completeness:status:" + meta["root"]])
        res["queries_local"] = {k: v for k, v in ql.items() if not k.startswith("_")}
        du = lambda d: sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d)) / 2**20
        res["disk_mib"] = {"collector": du(os.path.join(st.dir, "collector")),
                           "aggregator": du(os.path.join(st.dir, "aggregator"))}
        # catch-up: a fresh aggregator applies the whole journal
        shutil.rmtree(os.path.join(st.dir, "aggregator"))
        st.start("aggregator", "query")
        t_listen = time.monotonic()
        agg2 = st.procs["aggregator"].pid
        a0, s0 = proc_cpu(agg2), cpu_stat()
        cu = run_json([os.path.join(a.tools, "loadgen"), "wait-applied", "--aggregator", st.endpoint("query"),
                       "--seq", str(ing["max_seq"]), "--timeout", "600"])
        cu["seconds"] = time.monotonic() - t_listen
        cu["records"] = ing["max_seq"]
        cu["records_per_s"] = ing["max_seq"] / cu["seconds"]
        cu["cpu_s"] = proc_cpu(agg2) - a0
        cu["machine"] = cpu_diff(s0, cpu_stat())
        cu["mem"] = proc_mem(agg2)
        res["catchup"] = cu
    finally:
        st.close()
    return res


# --------------------------------------------------------------------------
# the notifier's delivery: every reporting unit owed one reminder, sent to a local SMTP sink and webhook
# receiver (scripts/bench/sink.c), concurrently (the defaults) and one at a time, in the same run

ONE_AT_A_TIME = {"max_parallel": "1", "smtp_connections": "1", "webhook_connections": "1"}
DELIVERY_CASES = [  # name, units with an address (None: all), the sink's delay (µs), [notifier] settings, sent-log
    ("concurrent", None, 0, {}, "disk"),
    ("one at a time", None, 0, ONE_AT_A_TIME, "disk"),
    ("concurrent, sent-log in memory", None, 0, {}, "tmpfs"),
    ("one at a time, sent-log in memory", None, 0, ONE_AT_A_TIME, "tmpfs"),
    ("concurrent, server 2 ms", "delay_units", 2000, {}, "disk"),
    ("one at a time, server 2 ms", "delay_units", 2000, ONE_AT_A_TIME, "disk"),
    ("concurrent, server 20 ms", "slow_units", 20000, {}, "disk"),
    ("one at a time, server 20 ms", "slow_units", 20000, ONE_AT_A_TIME, "disk"),
]
TMPFS = "/dev/shm"


def address_catalog(catalog, out, n, http_port):
    """A copy of the catalog where the first n reporting units (those that owe NAT_Q) have an address: every
    fifth a webhook on the receiver, the others an e-mail.  Returns (e-mails, webhooks)."""
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(catalog, out)
    with open(os.path.join(catalog, "units.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    emails = hooks = 0
    for r in rows:
        if r["kind"] in ("quoc_gia", "tinh") or emails + hooks >= n:
            continue
        if (emails + hooks) % 5 == 4:
            r["webhook"] = "http://127.0.0.1:%d/h/%s" % (http_port, r["code"])
            hooks += 1
        else:
            r["email"] = "%s@bench.example" % r["code"].lower()
            emails += 1
    with open(os.path.join(out, "units.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return emails, hooks


def delivery_case(a, st, catdir, expect, delay_us, settings, ports, n, where):
    exe = os.path.join(a.bindir, "cchc-notifier")
    sink = subprocess.Popen([os.path.join(a.tools, "sink"), "--smtp", str(ports[0]), "--http", str(ports[1]),
                             "--delay-us", str(delay_us)], stdout=subprocess.PIPE, text=True)
    data = os.path.join(st.dir if where == "disk" else TMPFS, "cchc-bench-notifier-%d-%d" % (os.getpid(), n))
    shutil.rmtree(data, ignore_errors=True)
    try:
        wait_port(ports[0], sink, "sink")
        cmd = [exe, "--config", st.config, "--now", PLAN_AT, "--once", "--set", "catalog.dir=" + catdir,
               "--set", "notifier.data_dir=" + data, "--set", "notifier.channels=email,webhook",
               "--set", "notifier.smtp_url=smtp://127.0.0.1:%d" % ports[0], "--set", "notifier.smtp_timeout_ms=60000",
               "--set", "notifier.webhook_timeout_ms=60000"]
        for k, v in settings.items():
            cmd += ["--set", "notifier.%s=%s" % (k, v)]
        err_path = os.path.join(st.dir, "delivery-%d.err" % n)
        t0 = time.monotonic()
        with open(err_path, "w") as err:
            p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
            _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit("cchc-notifier (delivery) exited with %d: %s" % (
                os.waitstatus_to_exitcode(status), open(err_path, errors="replace").read()[-600:]))
    finally:
        sink.send_signal(signal.SIGTERM)
        out, _ = sink.communicate(timeout=60)
    got = json.loads(out.strip().splitlines()[-1])
    log_out = run([exe, "--config", st.config, "--sent-log", "--set", "notifier.data_dir=" + data]).stdout
    recorded = sum(1 for line in log_out.splitlines() if line.split("\t")[1:2] == ["sent"])
    shutil.rmtree(data, ignore_errors=True)
    msgs = got["smtp_messages"] + got["http_messages"]
    span = got["last"] - got["first"]
    return {"expected": expect, "messages": msgs, "distinct": got["distinct"], "repeats": got["repeats"],
            "recorded": recorded, "wall_s": wall, "first_s": got["first"] - t0, "last_s": got["last"] - t0,
            "per_s": msgs / span if span > 0 else None, "smtp_connections": got["smtp_connections"],
            "http_connections": got["http_connections"], "most_open": got["most_open"],
            "peak_rss_mib": ru.ru_maxrss / 1024.0, "cpu_s": ru.ru_utime + ru.ru_stime}


def notifier_delivery(a, cfg, meta, workdir, catalog, keys):
    """The delivery cases of DELIVERY_CASES against one collector and aggregator that hold nothing (every
    obligation is owed); the notifier plans at PLAN_AT (before-1) and delivers once (--once)."""
    if not os.access(os.path.join(a.tools, "sink"), os.X_OK):
        return {"measured": False, "reason": "the sink is not built"}
    st = Stack(a.bindir, workdir, catalog, keys, "delivery")
    ports = (free_port(), free_port())
    res = {"measured": True, "cases": {}}
    try:
        st.start("collector", "submit")
        st.start("aggregator", "query")
        cats = {}
        tmpfs = subprocess.run(["stat", "-f", "-c", "%T", TMPFS], capture_output=True,
                               text=True).stdout.strip() == "tmpfs"
        only = [x.strip() for x in os.environ.get("BENCH_CASES", "").split(",") if x.strip()]
        for i, (name, units, delay_us, settings, where) in enumerate(DELIVERY_CASES):
            if only and name not in only:
                continue
            if where == "tmpfs" and not tmpfs:
                log("  delivery, %s: skipped, %s is not a tmpfs" % (name, TMPFS))
                continue
            n = meta["reporting"] if units is None else min(cfg[units], meta["reporting"])
            if n not in cats:
                cats[n] = (os.path.join(st.dir, "catalog-%d" % n),) + address_catalog(
                    catalog, os.path.join(st.dir, "catalog-%d" % n), n, ports[1])
            catdir, emails, hooks = cats[n]
            c = delivery_case(a, st, catdir, emails + hooks, delay_us, settings, ports, i, where)
            c.update({"emails": emails, "webhooks": hooks, "delay_us": delay_us, "settings": settings,
                      "sent_log": where})
            res["cases"][name] = c
            log("  delivery, %s: %d messages (%d e-mails, %d webhooks) in %.1f s, %.0f/s, %d repeated, %d recorded" % (
                name, c["messages"], emails, hooks, c["last_s"], c["per_s"] or 0, c["repeats"], c["recorded"]))
            if c["distinct"] != c["expected"] or c["repeats"] or c["recorded"] != c["expected"]:
                raise SystemExit("delivery %s: %d distinct of %d expected, %d repeats, %d recorded" % (
                    name, c["distinct"], c["expected"], c["repeats"], c["recorded"]))
    finally:
        st.close()
    return res


# --------------------------------------------------------------------------
# ceilings


def run_ceiling(a, meta, workdir, work, r, closed):
    d = os.path.join(workdir, "ceiling-%s-%d" % ("closed" if closed else "open", r))
    shutil.rmtree(d, ignore_errors=True)
    s0 = cpu_stat()
    cmd = [os.path.join(a.tools, "loadgen"), "ceiling-closed" if closed else "ceiling", "--work", work, "--dir", d,
           "--port", str(free_port()), "--dataset", meta["dataset"], "--period", meta["period"]]
    cmd += ["--clients", "64"] if closed else ["--per-txn", "1000"]
    j = run_json(cmd)
    j["machine"] = cpu_diff(s0, cpu_stat())
    shutil.rmtree(d, ignore_errors=True)
    return j


# --------------------------------------------------------------------------
# PostgreSQL


class Postgres:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="cchc-bench-pg-")
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self.root = os.geteuid() == 0
        if self.root:
            shutil.chown(self.dir, "postgres", "postgres")
            os.chmod(self.dir, 0o700)
        self.conninfo = "host=127.0.0.1 port=%d user=postgres dbname=postgres" % self.port

    def _as_pg(self, cmd):
        return (["runuser", "-u", "postgres", "--"] + cmd) if self.root else cmd

    def start(self):
        run(self._as_pg([os.path.join(PGBIN, "initdb"), "-D", self.data, "-A", "trust", "-U", "postgres",
                         "-E", "UTF8", "--no-instructions"]))
        run(self._as_pg([os.path.join(PGBIN, "pg_ctl"), "-D", self.data, "-l", os.path.join(self.dir, "log"), "-w",
                         "-t", "120", "-o", "-p %d -k %s -c listen_addresses=127.0.0.1" % (self.port, self.dir),
                         "start"]))

    def psql(self, *args):
        return run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", self.conninfo] + list(args))

    def settings(self):
        out = run(["psql", "-X", "-At", self.conninfo, "-c",
                   "select version(); show synchronous_commit; show fsync; show wal_sync_method; "
                   "show shared_buffers; show work_mem; show max_connections"]).stdout.strip().splitlines()
        keys = ["version", "synchronous_commit", "fsync", "wal_sync_method", "shared_buffers", "work_mem",
                "max_connections"]
        return dict(zip(keys, out))

    def stop(self):
        subprocess.run(self._as_pg([os.path.join(PGBIN, "pg_ctl"), "-D", self.data, "-m", "fast", "-w", "stop"]),
                       capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def split_work(work, parts, workdir):
    """work.tsv cut into `parts` consecutive slices (corrections in the last)."""
    lines = open(work).read().splitlines(True)
    ph1 = [l for l in lines if l.startswith("1\t")]
    ph2 = [l for l in lines if l.startswith("2\t")]
    out = []
    for i in range(parts):
        sl = ph1[len(ph1) * i // parts:len(ph1) * (i + 1) // parts] + (ph2 if i == parts - 1 else [])
        p = os.path.join(workdir, "work-part%d.tsv" % (i + 1))
        with open(p, "w") as f:
            f.writelines(sl)
        out.append(p)
    return out


def run_pg(a, cfg, meta, workdir, work, pgdir):
    res = {"txn": [], "batch": [], "queries": []}
    pg = Postgres()
    try:
        pg.start()
        res["settings"] = pg.settings()
        pg.psql("-f", os.path.join(ROOT, "scripts", "bench", "pg_schema.sql"))
        pg.psql("-c", "\\copy unit FROM '%s' CSV" % os.path.join(pgdir, "units.csv"),
                "-c", "\\copy unit_tree FROM '%s' CSV" % os.path.join(pgdir, "unit_tree.csv"),
                "-c", "VACUUM ANALYZE unit", "-c", "VACUUM ANALYZE unit_tree")
        pgload = os.path.join(a.tools, "pgload")
        common = ["--conninfo", pg.conninfo, "--dataset", meta["dataset"], "--period", meta["period"]]
        # a transaction per submission, 64 connections
        parts = split_work(work, cfg["runs"], workdir) if cfg["pg_txn_split"] else [work] * cfg["runs"]
        for r, part in enumerate(parts):
            if not cfg["pg_txn_split"]:
                pg.psql("-c", "TRUNCATE submission, report, value")
            log("PostgreSQL, a transaction per submission, run %d/%d" % (r + 1, len(parts)))
            s0 = cpu_stat()
            j = run_json([pgload, "ingest", "--work", part, "--batch", "1", "--clients", "64"] + common)
            j["machine"] = cpu_diff(s0, cpu_stat())
            res["txn"].append(j)
        # batches of 1,000, then the queries on what they loaded
        for r in range(cfg["runs"]):
            pg.psql("-c", "TRUNCATE submission, report, value")
            pg.psql("-c", "CHECKPOINT")
            log("PostgreSQL, batches of 1,000, run %d/%d" % (r + 1, cfg["runs"]))
            s0 = cpu_stat()
            j = run_json([pgload, "ingest", "--work", work, "--batch", "1000", "--clients", "2"] + common)
            j["machine"] = cpu_diff(s0, cpu_stat())
            res["batch"].append(j)
            pg.psql("-c", "VACUUM ANALYZE submission", "-c", "VACUUM ANALYZE report", "-c", "VACUUM ANALYZE value")
            log("PostgreSQL, queries, run %d/%d" % (r + 1, cfg["runs"]))
            q = run_json([pgload, "query", "--reps", str(cfg["pg_query_reps"]), "--max-seconds",
                          str(cfg["pg_query_seconds"]), "--deadline", DEADLINE] + common +
                         ["country:rollup:" + meta["root"], "province:rollup:" + meta["province"],
                          "commune:rollup:" + meta["commune"], "completeness:status:" + meta["root"]])
            res["queries"].append({k: v for k, v in q.items() if not k.startswith("_")})
        out = run(["psql", "-X", "-At", pg.conninfo, "-c",
                   "select pg_size_pretty(pg_database_size('postgres'))"]).stdout.strip()
        res["db_size"] = out
    finally:
        pg.stop()
    return res


# --------------------------------------------------------------------------
# the machine


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=20).stdout.strip()
    except Exception:
        return ""


def machine(workdir, tools):
    m = {}
    ls = sh("lscpu")
    g = lambda k: (re.search(r"^%s:\s*(.*)$" % re.escape(k), ls, re.M) or [None, ""])[1]
    m["cpu"] = g("Model name")
    m["cpus"] = g("CPU(s)")
    m["threads_per_core"] = g("Thread(s) per core")
    m["hypervisor"] = g("Hypervisor vendor")
    m["l2"] = g("L2 cache")
    m["l3"] = g("L3 cache")
    mem = sh("grep MemTotal /proc/meminfo").split()
    m["memory"] = "%.1f GiB" % (int(mem[1]) / 2**20) if len(mem) > 1 else ""
    m["kernel"] = sh("uname -sr")
    m["os"] = sh(". /etc/os-release && echo $PRETTY_NAME")
    src = sh("findmnt -n -o SOURCE,FSTYPE,OPTIONS -T '%s'" % workdir)
    m["filesystem"] = src
    dev = src.split()[0] if src else ""
    if dev.startswith("/dev/"):
        f = sh("lsblk -dn -o NAME,SIZE,ROTA,MODEL %s" % dev).split(None, 3)
        if len(f) >= 3:
            m["disk"] = "%s, %s%s, %s" % (f[0], f[1], (" " + f[3]) if len(f) > 3 else "",
                                          "reported rotational" if f[2] == "1" else "reported non-rotational")
    m["fsync"] = json.loads(run([os.path.join(tools, "loadgen"), "fsync-probe", workdir, "300"]).stdout)
    m["libzmq"] = sh("pkg-config --modversion libzmq")
    m["lmdb"] = sh("pkg-config --modversion lmdb")
    m["libsodium"] = sh("pkg-config --modversion libsodium")
    m["gcc"] = sh("gcc -dumpfullversion")
    m["loadavg_start"] = open("/proc/loadavg").read().split()[:3]
    return m


def git_info():
    rev = sh("git -C '%s' rev-parse --short HEAD" % ROOT)
    dirty = sh("git -C '%s' status --porcelain --untracked-files=no" % ROOT)
    return rev + (" (with uncommitted changes)" if dirty else "")


# --------------------------------------------------------------------------
# the report


def fmt(x, unit="", digits=None):
    if x is None:
        return "—"
    if digits is None:
        digits = 0 if abs(x) >= 100 else (1 if abs(x) >= 10 else (2 if abs(x) >= 1 else 3))
    s = "{:,.{d}f}".format(x, d=digits)
    return s + unit


def cell(st, unit="", digits=None):
    if st is None:
        return "—"
    if st["n"] == 1:
        return fmt(st["median"], unit, digits)
    return "%s (%s–%s)" % (fmt(st["median"], unit, digits), fmt(st["min"], "", digits), fmt(st["max"], "", digits))


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def verdict(ok):
    return "**met**" if ok else "**not met**"


ANALYSIS_BEGIN = "<!-- analysis: kept when the report is regenerated -->"
ANALYSIS_END = "<!-- /analysis -->"


def delivery_report(w, d):
    """The notifier's delivery: a table of DELIVERY_CASES and the ratios to one at a time."""
    w("#### Delivery")
    w("")
    if not d.get("measured"):
        w("**Not measured**: %s." % d.get("reason"))
        return
    cases = d["cases"]
    if not cases:
        w("**Not measured**: no case ran.")
        return
    w("| case | messages (e-mails + webhooks) | reminders/s | × one at a time | first / last message after start | "
      "connections SMTP + HTTP (most open at once) | recorded, repeated | notifier CPU, peak RSS |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, c in cases.items():
        base = cases.get(name.replace("concurrent", "one at a time")) if name.startswith("concurrent") else None
        w("| %s | %s (%s + %s) | **%s** | %s | %s / **%s** | %s + %s (%s) | %s, %s | %s, %s |" % (
            name, "{:,}".format(c["messages"]), "{:,}".format(c["emails"]), "{:,}".format(c["webhooks"]),
            fmt(c["per_s"]), fmt(ratio(c["per_s"], base["per_s"]), "×", 2) if base else "",
            fmt(c["first_s"], " s", 2), fmt(c["last_s"], " s", 1), c["smtp_connections"], c["http_connections"],
            c["most_open"], "{:,}".format(c["recorded"]), c["repeats"], fmt(c["cpu_s"], " s", 1),
            fmt(c["peak_rss_mib"], " MiB")))
    w("")
    first = next(iter(cases.values()))
    w("`cchc-notifier --once` at %s with a collector and an aggregator that hold nothing, so every reporting unit "
      "owes its before-1 reminder: one digest each, an e-mail for four units in five and a webhook for the fifth, "
      "to `scripts/bench/sink.c` (one process: an SMTP server and an HTTP receiver on loopback, answering 250 / "
      "200 at once; *server 2 ms*: each answer held 2 ms, as a mail server that commits its queue file first; "
      "*server 20 ms*: 20 ms, a relay further away). "
      "*Concurrent* is the default configuration (max_parallel 16, smtp_connections 4, webhook_connections 2); "
      "*one at a time* is max_parallel 1 with one connection each: the same messages, one in flight, the next "
      "started only after the previous one is recorded, as before digests. The sent-log is in the work directory "
      "(*disk*: one committed LMDB transaction, two synchronous writes, per message) or, to see what the delivery "
      "itself does when the sent-log is not the limit, in %s (*in memory*: tmpfs, where a sync costs nothing). "
      "Each case is measured once, in the same run; reminders/s is messages ÷ (last − first message at the "
      "sink); the times are from starting the notifier (catalog, QUERY, plan and sent-log lookups: %s before the "
      "first message). The sink counts each message by its id: in every case each message arrived once and the "
      "sent-log holds each one as sent." % (PLAN_AT, TMPFS, fmt(first["first_s"], " s", 2)))


def write_report(path, a, cfg, meta, mach, git, results, started, finished, command):
    runs = results["ours"]
    R = lambda f: med([f(x) for x in runs])
    ing_rate = R(lambda x: x["ingest"]["subs_per_s"])
    ing_vals = R(lambda x: x["ingest"]["values_per_s"])
    ing_p50 = R(lambda x: x["ingest"]["ack_p50_ms"])
    ing_p99 = R(lambda x: x["ingest"]["ack_p99_ms"])
    lag = R(lambda x: x["ingest"]["agg_lag_s"])
    backlog = R(lambda x: x["ingest"]["agg_backlog_at_last_ack"])
    cu_rate = R(lambda x: x["catchup"]["records_per_s"])
    cu_time = R(lambda x: x["catchup"]["seconds"])
    ceil = med([x["subs_per_s"] for x in results["ceiling"]])
    ceil_v = med([x["values_per_s"] for x in results["ceiling"]])
    ceilc = med([x["subs_per_s"] for x in results["ceiling_closed"]])
    ceilc_v = med([x["values_per_s"] for x in results["ceiling_closed"]])
    ceilc_p50 = med([x["ack_p50_ms"] for x in results["ceiling_closed"]])
    ceilc_p99 = med([x["ack_p99_ms"] for x in results["ceiling_closed"]])
    ceilc_pc = med([x["per_commit"] for x in results["ceiling_closed"]])
    pg = results.get("pg") or {}
    pgt = med([x["subs_per_s"] for x in pg.get("txn", [])])
    pgt_v = med([x["values_per_s"] for x in pg.get("txn", [])])
    pgt_p50 = med([x["txn_p50_ms"] for x in pg.get("txn", [])])
    pgt_p99 = med([x["txn_p99_ms"] for x in pg.get("txn", [])])
    pgb = med([x["subs_per_s"] for x in pg.get("batch", [])])
    pgb_v = med([x["values_per_s"] for x in pg.get("batch", [])])
    pgb_p50 = med([x["txn_p50_ms"] for x in pg.get("batch", [])])
    pgb_p99 = med([x["txn_p99_ms"] for x in pg.get("batch", [])])
    m = lambda st: st["median"] if st else None
    nsub = meta["submissions"]
    L = []
    w = L.append
    w("# Benchmarks")
    w("")
    w("National scale on one machine: %s units, one quarter of submissions, our pipeline side by side with "
      "PostgreSQL 15 and with the raw ceiling of ZeroMQ + LMDB, all measured in **one run** of `%s`." %
      ("{:,}".format(meta["units"]), command))
    w("")
    w("- **Run**: %s → %s (%.1f min), commit `%s`, mode `%s`: every figure is the **median of %d runs "
      "(min–max)**%s." % (started.strftime("%Y-%m-%d %H:%M"), finished.strftime("%H:%M %Z"),
                          (finished - started).total_seconds() / 60, git, a.mode, cfg["runs"],
                          "" if cfg["runs"] > 1 else " (one run: no spread)"))
    w("- **Reproduce**: `%s` on Debian 12 (it installs PostgreSQL 15 and libpq-dev with apt-get when they are "
      "missing, builds the tools in `scripts/bench/` against `build/libcchc.a`, and rewrites this file; "
      "`make bench-quick` is the one-minute version with %s units, written to `build/bench/benchmarks-quick.md`). "
      "Raw results: `%s`." % (command, "{:,}".format(MODES["quick"]["units"]), os.path.relpath(a.results, ROOT)))
    w("")
    w("## The machine")
    w("")
    w("| | |")
    w("|---|---|")
    w("| CPU | %s, %s CPU(s), %s thread(s) per core%s |" % (mach["cpu"], mach["cpus"], mach["threads_per_core"],
                                                              ", virtualised (%s)" % mach["hypervisor"]
                                                              if mach.get("hypervisor") else ""))
    w("| memory | %s |" % mach["memory"])
    w("| OS, kernel | %s, %s |" % (mach["os"], mach["kernel"]))
    w("| disk | %s; `%s` |" % (mach.get("disk", "?"), mach["filesystem"]))
    w("| durable write | 4 KiB `pwrite` + `fdatasync`: p50 %s ms, p99 %s ms (%d samples) |" % (
        fmt(mach["fsync"]["fdatasync_p50_ms"]), fmt(mach["fsync"]["fdatasync_p99_ms"]), mach["fsync"]["n"]))
    w("| software | libzmq %s, libsodium %s, LMDB %s, gcc %s, %s |" % (
        mach["libzmq"], mach["libsodium"], mach["lmdb"], mach["gcc"],
        (pg.get("settings") or {}).get("version", "PostgreSQL: not run").split(" on ")[0]))
    steal = R(lambda x: x["ingest"]["cpu"]["machine"]["steal_pct"])
    busy = R(lambda x: x["ingest"]["cpu"]["machine"]["busy_pct"])
    other = R(lambda x: x["ingest"]["cpu"]["machine"]["busy_cpu_s"] - x["ingest"]["cpu"]["collector_s"] -
              x["ingest"]["cpu"]["aggregator_s"] - x["ingest"]["cpu"]["loadgen_s"])
    other_pct = R(lambda x: max(0.0, 100.0 * (x["ingest"]["cpu"]["machine"]["busy_cpu_s"] -
                                              x["ingest"]["cpu"]["collector_s"] - x["ingest"]["cpu"]["aggregator_s"] -
                                              x["ingest"]["cpu"]["loadgen_s"])
                                  / (x["ingest"]["elapsed_s"] * int(mach["cpus"] or 1))))
    w("| conditions | load average at the start %s; during our ingest the CPUs were %s %% busy, %s %% stolen by "
      "the hypervisor, and other processes used %s %% of the CPU time |" % (
          " ".join(mach["loadavg_start"]), cell(busy, digits=0), cell(steal, digits=0), cell(other_pct, digits=0)))
    w("")
    w("## The data")
    w("")
    w("`scripts/bench/gen_catalog.py` (deterministic): **%s units** in a 4-level tree — the country, %d provinces, "
      "%s communes and departments (level 2), %s offices and subordinate units (level 3, `parent_submits=yes`: the "
      "level-2 office consolidates them); **%d indicators** of every kind (11 counts, 4 stocks, 2 yes/no, 1 tags, "
      "2 rates: %d values submitted per report); one quarterly dataset (%s, %s, due before day 10 of the last "
      "month). **%s submissions**: every one of the %s reporting units once, then %s corrections (5 %%, new id, "
      "changed values) — %s values in all. All units are open from 2025-07-01, so there is exactly one obligation "
      "per reporting unit." % (
          "{:,}".format(meta["units"]), meta["provinces"], "{:,}".format(meta["level2"]),
          "{:,}".format(meta["level3"]), meta["indicators"], meta["submitted_values"], meta["dataset"],
          meta["period"], "{:,}".format(nsub), "{:,}".format(meta["reporting"]), "{:,}".format(meta["corrections"]),
          "{:,}".format(nsub * meta["submitted_values"])))
    w("")
    w("## Results")
    w("")
    w("### 1. Durable ingest")
    w("")
    w("| system | submissions/s | values/s | latency p50 | latency p99 | machine CPU per submission | "
      "written to disk per submission |")
    w("|---|---:|---:|---:|---:|---:|---:|")
    per = lambda xs, key: med([1e6 * x["machine"]["busy_cpu_s"] / x["submissions"] for x in xs]) if key == "cpu" \
        else med([1024.0 * x["machine"]["disk_written_mib"] / x["submissions"] for x in xs
                  if x["machine"].get("disk_written_mib") is not None])
    ours_m = [dict(x["ingest"]["cpu"], submissions=x["ingest"]["submissions"]) for x in runs]
    w("| **ours**: 64 clients, CURVE, validation, journal, ACK after fsync, aggregator running | **%s** | %s | "
      "%s | %s | %s | %s |" % (cell(ing_rate), cell(ing_vals), cell(ing_p50, " ms"), cell(ing_p99, " ms"),
                               cell(per(ours_m, "cpu"), " µs", 0), cell(per(ours_m, "disk"), " KiB", 1)))
    w("| PostgreSQL: a transaction per submission, 64 connections | %s | %s | %s | %s | %s | %s |" % (
        cell(pgt), cell(pgt_v), cell(pgt_p50, " ms"), cell(pgt_p99, " ms"), cell(per(pg.get("txn", []), "cpu"), " µs", 0),
        cell(per(pg.get("txn", []), "disk"), " KiB", 1)))
    w("| PostgreSQL: 1,000 submissions per transaction, 2 connections | %s | %s | %s | %s | %s | %s |" % (
        cell(pgb), cell(pgb_v), cell(pgb_p50, " ms"), cell(pgb_p99, " ms"),
        cell(per(pg.get("batch", []), "cpu"), " µs", 0), cell(per(pg.get("batch", []), "disk"), " KiB", 1)))
    w("| raw ceiling: PUSH → PULL → LMDB, commit per 1,000 | %s | %s | — | — | %s | %s |" % (
        cell(ceil), cell(ceil_v), cell(per(results["ceiling"], "cpu"), " µs", 0),
        cell(per(results["ceiling"], "disk"), " KiB", 1)))
    w("| raw ceiling, closed loop: 64 DEALERs → ROUTER → LMDB, group commit (%s per commit) | %s | %s | %s | %s | "
      "%s | %s |" % (cell(ceilc_pc, digits=0), cell(ceilc), cell(ceilc_v), cell(ceilc_p50, " ms"),
                     cell(ceilc_p99, " ms"), cell(per(results["ceiling_closed"], "cpu"), " µs", 0),
                     cell(per(results["ceiling_closed"], "disk"), " KiB", 1)))
    w("")
    w("*Machine CPU per submission*: the busy CPU time of the whole machine during the measurement (server, "
      "load generator and kernel; `/proc/stat`) ÷ submissions. *Written to disk*: sectors written to the "
      "block device during the measurement (`/sys/class/block/%s/stat`) ÷ submissions; a submission is about "
      "%s bytes encoded." % ("+".join(DISKS) or "?", "{:,}".format(round(meta.get("avg_bytes", 0))) if
                              meta.get("avg_bytes") else "700"))
    w("")
    r_ceil, r_ceilc = ratio(m(ing_rate), m(ceil)), ratio(m(ing_rate), m(ceilc))
    r_pgt, r_pgb = ratio(m(ing_rate), m(pgt)), ratio(m(ing_rate), m(pgb))
    w("Latency is from sending a SUBMIT to receiving its ACK (ours), or of one transaction (PostgreSQL). Our "
      "first SUBMIT of a session includes the TCP connect, the CURVE handshake and the ZAP lookup: p50 %s, p99 %s; "
      "the others p50 %s, p99 %s. Ratios (medians): " % (
          cell(R(lambda x: x["ingest"]["first_p50_ms"]), " ms"), cell(R(lambda x: x["ingest"]["first_p99_ms"]), " ms"),
          cell(R(lambda x: x["ingest"]["next_p50_ms"]), " ms"), cell(R(lambda x: x["ingest"]["next_p99_ms"]), " ms")) +
      "ours ÷ ceiling **%s**, ours ÷ closed-loop ceiling **%s**, ours ÷ PostgreSQL per submission **%s**, "
      "ours ÷ PostgreSQL batched **%s**." % (
          fmt(r_ceil, digits=3), fmt(r_ceilc, digits=2), fmt(r_pgt, "×", 2), fmt(r_pgb, "×", 2)))
    w("")
    w("How each is driven: `loadgen ingest` runs 64 DEALER sockets in one process, each with one SUBMIT "
      "outstanding (closed loop). A client takes the next level-2 office from a shared list, connects with that "
      "office's CURVE key (the collector's ZAP handler looks it up in a keyring of all %s unit keys), sends the "
      "office's own report and those of its sub-units one after another, disconnects and takes the next office "
      "(%s sessions). Corrections of an office start after its first reports are acknowledged. "
      "`pgload ingest` sends the same submissions from a pool of connections, one statement outstanding per "
      "connection: a single statement (autocommit: its own transaction) that inserts the submission (jsonb values, "
      "idempotent on the id), upserts the report row (version + 1 on a correction) and upserts one row per value "
      "(%s rows); for the per-submission figure the %d runs each send a consecutive third of the submissions "
      "to a table that keeps growing (the last third with the corrections), for the batched figure every run "
      "loads everything into emptied tables. The ceilings send the very same encoded SUBMIT bytes." % (
          "{:,}".format(meta["units"]), cell(R(lambda x: x["ingest"]["sessions"]), digits=0),
          "{:,}".format(nsub * meta["submitted_values"]), cfg["runs"]) if cfg["pg_txn_split"] else
      "How each is driven: `loadgen ingest` runs 64 DEALER sockets in one process, each with one SUBMIT "
      "outstanding (closed loop), one CURVE session per level-2 office; `pgload ingest` sends the same "
      "submissions from a pool of connections; the ceilings send the very same encoded SUBMIT bytes.")
    w("")
    cpu_col = R(lambda x: 1e6 * x["ingest"]["cpu"]["collector_s"] / x["ingest"]["submissions"])
    cpu_agg = R(lambda x: 1e6 * x["ingest"]["cpu"]["aggregator_s"] / x["ingest"]["submissions"])
    cpu_lg = R(lambda x: 1e6 * x["ingest"]["cpu"]["loadgen_s"] / x["ingest"]["submissions"])
    w("CPU time per submission during our ingest: collector %s µs, aggregator %s µs, load generator %s µs "
      "(the CPU time each process used during the ingest ÷ submissions)." % (
          cell(cpu_col, digits=0), cell(cpu_agg, digits=0), cell(cpu_lg, digits=0)))
    w("")
    w("### 2. Aggregator")
    w("")
    w("| | |")
    w("|---|---:|")
    w("| last rollup applied after the last ACK | **%s** |" % cell(lag, " s", 3))
    w("| records not yet applied when the last ACK arrived | %s |" % cell(backlog, digits=0))
    w("| apply rate, catching up from empty on the whole journal (%s records) | %s records/s (%s) |" % (
        "{:,}".format(nsub), cell(cu_rate), cell(cu_time, " s")))
    w("")
    w("The lag is measured by the load generator: after the last ACK it asks the aggregator `info` every "
      "millisecond until `applied` reaches the highest acknowledged seq. The catch-up starts a fresh aggregator "
      "next to the collector's full journal and times it from the moment it listens until everything is applied.")
    w("")
    w("### 3. Queries")
    w("")
    w("| query | ours p50 | ours p99 | ours cold | in-process p50 / p99 | PostgreSQL p50 | PostgreSQL p99 | "
      "PostgreSQL ÷ ours (p50) |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|")
    names = [("country", "rollup of the country (%s, %d provinces)" % (meta["root"], meta["provinces"])),
             ("province", "rollup of a province (%s, %d children)" % (meta["province"], meta["province_children"])),
             ("commune", "rollup of a commune (%s, %d sub-units)" % (meta["commune"], meta["commune_children"])),
             ("completeness", "completeness of the country (%s units)" % "{:,}".format(meta["reporting"]))]
    qres = {}
    for k, label in names:
        o50 = R(lambda x: x["queries"][k]["p50_ms"])
        o99 = R(lambda x: x["queries"][k]["p99_ms"])
        ocold = R(lambda x: x["queries"][k]["cold_ms"])
        l50 = R(lambda x: x["queries_local"][k]["p50_ms"])
        l99 = R(lambda x: x["queries_local"][k]["p99_ms"])
        p50 = med([x[k]["p50_ms"] for x in pg.get("queries", [])])
        p99 = med([x[k]["p99_ms"] for x in pg.get("queries", [])])
        qres[k] = (o50, o99, p50, p99, l50, l99)
        w("| %s | %s | **%s** | %s | %s / %s | %s | %s | **%s** |" % (
            label, cell(o50, " ms", 3), cell(o99, " ms", 3), cell(ocold, " ms", 2), fmt(m(l50), " ms", 4),
            fmt(m(l99), " ms", 4), cell(p50, " ms"), cell(p99, " ms"), fmt(ratio(m(p50), m(o50)), "×", 0)))
    e50, e99 = R(lambda x: x["echo"]["p50_ms"]), R(lambda x: x["echo"]["p99_ms"])
    w("| *floor: a bare ZeroMQ DEALER → ROUTER echo of 200 bytes, same loopback* | *%s* | *%s* | | | | | |" % (
        cell(e50, " ms", 3), cell(e99, " ms", 3)))
    w("")
    reps_pg = [x[k]["reps"] for x in pg.get("queries", []) for k, _ in names]
    w("Ours: `loadgen query`, after the ingest's dirty pages are written (`sync`, %s s, then 2 s of rest), one "
      "DEALER on loopback, one QUERY at a time, the first answer (cold: the expected "
      "counts of the completeness query are computed then and cached) and %d timed repetitions per run; the "
      "time includes the ZeroMQ round trip and decoding the RESULT (%s, %s, %s and %s bytes). *In-process*: "
      "`loadgen query-local` calls `rollup_query()` on the same store after the aggregator has stopped — what "
      "answering costs without the socket. The *floor* row is the same client against a server that only "
      "echoes: no query can be answered faster than that through a socket on this machine. "
      "PostgreSQL: the same questions as prepared "
      "statements (`scripts/bench/pgload.c`) — the rollup is `GROUP BY GROUPING SETS ((indicator), (child, "
      "indicator))` over the value table joined to the closure table of the unit tree (the node's totals and "
      "each child's, like our answer), the completeness a count of the subtree's reporting units left-joined to "
      "the report table — after `VACUUM ANALYZE`, with the default settings (work_mem %s), a cold run and "
      "%s–%s timed repetitions per run (at most %s s per query per run)." % (
          cell(R(lambda x: x.get("sync_s")), "", 1), cfg["query_reps"],
          *["{:,}".format(runs[0]["queries"][k]["bytes"]) for k, _ in names],
          (pg.get("settings") or {}).get("work_mem", "?"),
          min(reps_pg) if reps_pg else "?", max(reps_pg) if reps_pg else "?", cfg["pg_query_seconds"]))
    w("")
    w("### 4. Notifier")
    w("")
    nt = [x["notifier"] for x in runs]
    if all(n["measured"] for n in nt):
        w("| | |")
        w("|---|---:|")
        w("| `cchc-notifier --plan --at %s` (nothing received yet) | **%s** |" % (
            PLAN_AT, cell(med([n["seconds"] for n in nt]), " s", 2)))
        w("| messages planned (one per recipient; PUB only: the catalog has no addresses) / obligations | %s / %s |" % (
            "{:,}".format(nt[0]["reminders"]), "{:,}".format(nt[0]["obligations"])))
        w("| peak RSS | %s |" % cell(med([n["peak_rss_mib"] for n in nt]), " MiB"))
        w("")
        w("The time of the whole process: loading the catalog, asking the aggregator (`units` for the root: "
          "every unit's status in one RESULT), planning, composing and printing every reminder.")
    else:
        w("**Not measured**: %s." % next(n["reason"] for n in nt if not n["measured"]))
    w("")
    delivery_report(w, results.get("delivery") or {"measured": False, "reason": "not run"})
    w("")
    w("### 5. Web")
    w("")
    w("| request | bytes | p50 | p99 | slowest |")
    w("|---|---:|---:|---:|---:|")
    for name, req, _ in web_requests(meta):
        w("| `%s` %s | %s | %s | %s | %s |" % (
            req.split("?")[0], name.split(", ", 1)[1] if ", " in name else "", "{:,}".format(runs[0]["web"][name]["bytes"]),
            cell(R(lambda x: x["web"][name]["p50_ms"]), " ms"), cell(R(lambda x: x["web"][name]["p99_ms"]), " ms"),
            cell(R(lambda x: x["web"][name]["max_ms"]), " ms")))
    w("")
    w("`cchc-web` in front of the aggregator holding the national store, after the queries above: one HTTP/1.1 "
      "keep-alive client (Python's `http.client`, whose own cost is included) asks for each document %d times "
      "(the country's completeness and the XLSX report %d times) after one untimed request, one at a time; the "
      "time is until the last byte. A page's time includes the QUERYs it sends the aggregator (the overview "
      "also asks for the trend of the year's quarters), turning the answers into HTML or JSON, and the transfer; "
      "not a browser's rendering or its requests for assets. The country's completeness lists every one of its "
      "%s reporting units." % (cfg["web_reps"], cfg["web_big_reps"], "{:,}".format(meta["reporting"])))
    w("")
    w("### 6. Memory")
    w("")
    w("| process | peak RSS (VmHWM) | of which file-backed at the end (LMDB map) | anonymous at the end | "
      "data file |")
    w("|---|---:|---:|---:|---:|")
    for p in ("collector", "aggregator"):
        w("| %s | **%s** | %s | %s | %s |" % (
            p, cell(R(lambda x: x["mem"][p]["VmHWM"]), " MiB"), cell(R(lambda x: x["mem"][p]["RssFile"]), " MiB"),
            cell(R(lambda x: x["mem"][p]["RssAnon"]), " MiB"), cell(R(lambda x: x["disk_mib"][p]), " MiB")))
    w("| cchc-web, after the requests of section 5 | **%s** | %s | %s | |" % (
        cell(R(lambda x: x["web"]["_mem"]["VmHWM"]), " MiB"), cell(R(lambda x: x["web"]["_mem"]["RssFile"]), " MiB"),
        cell(R(lambda x: x["web"]["_mem"]["RssAnon"]), " MiB")))
    w("| aggregator, catching up from empty | %s | %s | %s | |" % (
        cell(R(lambda x: x["catchup"]["mem"]["VmHWM"]), " MiB"),
        cell(R(lambda x: x["catchup"]["mem"]["RssFile"]), " MiB"),
        cell(R(lambda x: x["catchup"]["mem"]["RssAnon"]), " MiB")))
    if pg.get("db_size"):
        w("| PostgreSQL database after loading everything | | | | %s |" % pg["db_size"])
    w("")
    w("Read from `/proc/PID/status` after the queries and the web's requests (the aggregator's peak includes "
      "answering the web's completeness of the whole country). LMDB maps its file, so the pages a process has read or "
      "written count in its RSS as file-backed pages: they are the kernel's page cache, shared and reclaimable, "
      "and grow with the data; the anonymous part is the process's own memory.")
    w("")
    w("## The bar")
    w("")
    w("| aim | measured | |")
    w("|---|---|---|")
    w("| ingest ≥ 75 %% of the raw ceiling | %s × ceiling (%s vs %s /s) | %s |" % (
        fmt(r_ceil, digits=3), fmt(m(ing_rate)), fmt(m(ceil)), verdict(r_ceil is not None and r_ceil >= 0.75)))
    w("| ingest ≥ 3× PostgreSQL batched | %s | %s |" % (fmt(r_pgb, "×", 2),
                                                        verdict(r_pgb is not None and r_pgb >= 3)))
    w("| ingest ≥ 10× PostgreSQL per-submission transactions | %s | %s |" % (
        fmt(r_pgt, "×", 2), verdict(r_pgt is not None and r_pgt >= 10)))
    w("| last rollup applied within 1 s of the last ACK | %s | %s |" % (
        fmt(m(lag), " s", 3), verdict(lag is not None and m(lag) <= 1.0)))
    worst99 = max((m(v[1]) for v in qres.values() if v[1]), default=None)
    worstl = max((m(v[5]) for v in qres.values() if v[5]), default=None)
    w("| rollup and completeness p99 < 1 ms for any node | through the socket: worst p99 %s (echo floor p99 %s); "
      "in-process: worst p99 %s | %s through the socket, %s in-process |" % (
          fmt(worst99, " ms", 3), fmt(m(e99), " ms", 3), fmt(worstl, " ms", 3),
          verdict(worst99 is not None and worst99 < 1.0), verdict(worstl is not None and worstl < 1.0)))
    rmin = min((ratio(m(v[2]), m(v[0])) for v in qres.values() if v[2] and v[0]), default=None)
    w("| ≥ 100× faster than the PostgreSQL GROUP BY | smallest ratio %s (%s) | %s |" % (
        fmt(rmin, "×", 0), ", ".join("%s %s" % (k, fmt(ratio(m(v[2]), m(v[0])), "×", 0)) for k, v in qres.items()),
        verdict(rmin is not None and rmin >= 100)))
    for p in ("collector", "aggregator"):
        hwm = R(lambda x: x["mem"][p]["VmHWM"])
        anon = R(lambda x: x["mem"][p]["RssAnon"])
        w("| %s peak RSS < 256 MiB | %s (anonymous %s) | %s |" % (
            p, fmt(m(hwm), " MiB"), fmt(m(anon), " MiB"), verdict(hwm is not None and m(hwm) < 256)))
    w("")
    old = ""
    if os.path.exists(path):
        txt = open(path, encoding="utf-8").read()
        i, j = txt.find(ANALYSIS_BEGIN), txt.find(ANALYSIS_END)
        if i >= 0 and j > i:
            old = txt[i:j + len(ANALYSIS_END)]
    if not old:
        old = ANALYSIS_BEGIN + "\n## What limits it\n\n(to be written from a profile of this run)\n" + ANALYSIS_END
    w(old)
    w("")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(L))


# --------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=MODES, default="quick")
    ap.add_argument("--bindir", required=True)
    ap.add_argument("--tools", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--command", default="make bench")
    ap.add_argument("--no-pg", action="store_true")
    a = ap.parse_args()
    cfg = MODES[a.mode]
    started = datetime.datetime.now().astimezone()
    t_start = time.monotonic()
    shutil.rmtree(a.workdir, ignore_errors=True)
    os.makedirs(a.workdir)
    for d in (block_device(a.workdir), block_device(tempfile.gettempdir())):
        if d and d not in DISKS:
            DISKS.append(d)
    log("mode %s: %d units, %d run(s) of each measurement" % (a.mode, cfg["units"], cfg["runs"]))
    mach = machine(a.workdir, a.tools)
    data = os.path.join(a.workdir, "data")
    meta = json.loads(run([sys.executable, os.path.join(ROOT, "scripts", "bench", "gen_catalog.py"), "--units",
                           str(cfg["units"]), "--out", data]).stdout.strip().splitlines()[-1])
    catalog, work, keys = os.path.join(data, "catalog"), os.path.join(data, "work.tsv"), os.path.join(data, "keys")
    run([os.path.join(a.tools, "loadgen"), "keygen", os.path.join(catalog, "units.csv"), keys])
    log("catalog: %d units, %d submissions; keys for every unit" % (meta["units"], meta["submissions"]))
    results = {"ours": [], "ceiling": [], "ceiling_closed": []}
    for r in range(cfg["runs"]):
        log("our pipeline, run %d/%d (notifier plan, ingest, queries, catch-up)" % (r + 1, cfg["runs"]))
        res = run_ours(a, cfg, meta, a.workdir, catalog, keys, work, r + 1)
        i = res["ingest"]
        log("  %.0f submissions/s, ACK p50 %.1f ms p99 %.1f ms, aggregator lag %.3f s; catch-up %.0f records/s" % (
            i["subs_per_s"], i["ack_p50_ms"], i["ack_p99_ms"], i["agg_lag_s"], res["catchup"]["records_per_s"]))
        if i["nacks"]:
            raise SystemExit("the collector refused %d submissions" % i["nacks"])
        results["ours"].append(res)
        log("raw ceilings, run %d/%d" % (r + 1, cfg["runs"]))
        results["ceiling"].append(run_ceiling(a, meta, a.workdir, work, r + 1, False))
        results["ceiling_closed"].append(run_ceiling(a, meta, a.workdir, work, r + 1, True))
        log("  open %.0f/s, closed loop %.0f/s" % (results["ceiling"][-1]["subs_per_s"],
                                                   results["ceiling_closed"][-1]["subs_per_s"]))
    log("the notifier's delivery (once): every reporting unit owed a reminder, to a local SMTP sink and webhook "
        "receiver, concurrently and one at a time")
    results["delivery"] = notifier_delivery(a, cfg, meta, a.workdir, catalog, keys)
    if a.mode == "delivery":  # that section alone (make bench-delivery)
        with open(a.out, "w", encoding="utf-8") as f:
            delivery_report(lambda line: f.write(line + "\n"), results["delivery"])
        with open(a.results, "w") as f:
            json.dump(results["delivery"], f, indent=1, default=str)
        shutil.rmtree(a.workdir, ignore_errors=True)
        log("done: %s" % os.path.relpath(a.out, ROOT))
        return
    if not a.no_pg:
        results["pg"] = run_pg(a, cfg, meta, a.workdir, work, os.path.join(data, "pg"))
    finished = datetime.datetime.now().astimezone()
    meta["avg_bytes"] = results["ours"][0]["ingest"]["avg_bytes"]
    results["meta"], results["machine"], results["elapsed_s"] = meta, mach, time.monotonic() - t_start
    os.makedirs(os.path.dirname(a.results), exist_ok=True)
    with open(a.results, "w") as f:
        json.dump(results, f, indent=1, default=str)
    write_report(a.out, a, cfg, meta, mach, git_info(), results, started, finished, a.command)
    shutil.rmtree(a.workdir, ignore_errors=True)
    log("done in %.1f min: %s (raw results %s)" % ((time.monotonic() - t_start) / 60, os.path.relpath(a.out, ROOT),
                                                  os.path.relpath(a.results, ROOT)))


if __name__ == "__main__":
    main()
