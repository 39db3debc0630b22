#!/usr/bin/python3
"""The ingest taken apart (`make bench-apart`, about 5 minutes on 2 cores).

The same national workload as `make bench` (gen_catalog.py, 100,000 units,
64 waiting clients), three times per configuration, to see what each part of the
stack costs: the collector alone or with the aggregator, CURVE on or off
(`curve = no` and `loadgen ingest --curve no`), and CURVE with libsodium's
guarded allocations replaced by malloc (scripts/bench/plain_alloc.c,
LD_PRELOADed into the collector and the load generator -- an experiment).
Prints a Markdown table and writes it to --out; docs/benchmarks.md quotes it.
"""
import argparse
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench as B  # noqa: E402

CONFIGS = [
    # name, aggregator, curve, plain allocations
    ("collector alone, CURVE off", False, False, False),
    ("collector alone, CURVE on", False, True, False),
    ("collector alone, CURVE on, sodium allocations replaced by malloc", False, True, True),
    ("collector + aggregator, CURVE off", True, False, False),
    ("collector + aggregator, CURVE on (what `make bench` measures)", True, True, False),
]


def one(a, meta, catalog, keys, work, name, with_agg, curve, plain):
    st = B.Stack(a.bindir, a.workdir, catalog, keys, "apart")
    if not curve:
        txt = open(st.config).read().replace("curve = yes", "curve = no")
        open(st.config, "w").write(txt)
    env_plain = {"LD_PRELOAD": a.plain} if plain else {}
    try:
        os.environ.update(env_plain)
        st.start("collector", "submit")
        os.environ.pop("LD_PRELOAD", None)
        if with_agg:
            st.start("aggregator", "query")
        col = st.procs["collector"].pid
        agg = st.procs["aggregator"].pid if with_agg else None
        c0, a0, s0 = B.proc_cpu(col), B.proc_cpu(agg) if agg else 0.0, B.cpu_stat()
        cmd = [os.path.join(a.tools, "loadgen"), "ingest", "--work", work, "--keys", keys, "--endpoint",
               st.endpoint("submit"), "--clients", "64", "--dataset", meta["dataset"], "--period", meta["period"]]
        if agg:
            cmd += ["--aggregator", st.endpoint("query")]
        if not curve:
            cmd += ["--curve", "no"]
        ing = B.run_json(cmd, env=dict(os.environ, **env_plain))
        s1 = B.cpu_stat()
        n = ing["submissions"]
        if ing["nacks"]:
            raise SystemExit("%s: the collector refused %d submissions" % (name, ing["nacks"]))
        return {"name": name, "subs_per_s": ing["subs_per_s"], "ack_p50_ms": ing["ack_p50_ms"],
                "collector_us": (B.proc_cpu(col) - c0) / n * 1e6,
                "aggregator_us": (B.proc_cpu(agg) - a0) / n * 1e6 if agg else None,
                "loadgen_us": ing["_ru"] / n * 1e6,
                "machine_us": B.cpu_diff(s0, s1)["busy_cpu_s"] / n * 1e6}
    finally:
        os.environ.pop("LD_PRELOAD", None)
        st.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bindir", required=True)
    ap.add_argument("--tools", required=True)
    ap.add_argument("--plain", required=True, help="plain_alloc.so")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--units", type=int, default=100000)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    shutil.rmtree(a.workdir, ignore_errors=True)
    os.makedirs(a.workdir)
    data = os.path.join(a.workdir, "data")
    meta = json.loads(B.run([sys.executable, os.path.join(B.ROOT, "scripts", "bench", "gen_catalog.py"), "--units",
                             str(a.units), "--out", data]).stdout.strip().splitlines()[-1])
    catalog, work, keys = os.path.join(data, "catalog"), os.path.join(data, "work.tsv"), os.path.join(data, "keys")
    B.run([os.path.join(a.tools, "loadgen"), "keygen", os.path.join(catalog, "units.csv"), keys])
    B.log("apart: %d units, %d submissions" % (meta["units"], meta["submissions"]))
    runs = {c[0]: [] for c in CONFIGS}
    for i in range(a.runs):  # interleaved, so that a slow spell of the machine hits every configuration
        for name, with_agg, curve, plain in CONFIGS:
            r = one(a, meta, catalog, keys, work, name, with_agg, curve, plain)
            B.log("  run %d/%d, %s: %.0f/s" % (i + 1, a.runs, name, r["subs_per_s"]))
            runs[name].append(r)

    def f(name, key, unit="", digits=0):
        st = B.med([r[key] for r in runs[name]])
        if st is None:
            return "—"
        n = lambda x: "{:,.{}f}".format(x, digits)
        if len(runs[name]) == 1:
            return n(st["median"]) + unit
        return "%s%s (%s–%s)" % (n(st["median"]), unit, n(st["min"]), n(st["max"]))

    out = ["| configuration (64 clients, %s units; median of %d runs, min–max) | submissions/s | ACK p50 | "
           "CPU per submission: collector | aggregator | load generator | whole machine |" % (
               "{:,}".format(meta["units"]), a.runs),
           "|---|---:|---:|---:|---:|---:|---:|"]
    for name, *_ in CONFIGS:
        out.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            name, f(name, "subs_per_s"), f(name, "ack_p50_ms", " ms", 1), f(name, "collector_us", " µs"),
            f(name, "aggregator_us", " µs"), f(name, "loadgen_us", " µs"), f(name, "machine_us", " µs")))
    text = "\n".join(out) + "\n"
    with open(a.out, "w", encoding="utf-8") as fh:
        fh.write(text)
    shutil.rmtree(a.workdir, ignore_errors=True)
    print(text)


if __name__ == "__main__":
    main()
