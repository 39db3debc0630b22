"""Integration test harness: real services on loopback, in a temporary directory.

Each test case starts the binaries from $CCHC_BIN (build/bin by default) with
a configuration written into a fresh temporary directory, talks to them with
independent clients (python3-zmq with CURVE, python3-msgpack), and stops them
by PID.  Results are printed as TAP ("ok N - name" / "not ok N - name") for
scripts/run-tests.sh.
"""
import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import unittest
import uuid

import msgpack
import zmq

ROOT = os.environ.get("CCHC_ROOT", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BIN = os.environ.get("CCHC_BIN", os.path.join(ROOT, "build", "bin"))
CATALOG = os.path.join(ROOT, "deploy", "catalog")


def _catalog_rows(name, catalog=CATALOG):
    with open(os.path.join(catalog, name), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def report(dataset="CCHC_Q", catalog=CATALOG, **values):
    """A complete report of `dataset`: every indicator the dataset requires,
    0 / false / no tags unless given in `values` (rates are left out: they are
    computed, never submitted)."""
    kinds = {r["code"]: r["kind"] for r in _catalog_rows("indicators.csv", catalog)}
    ds = next(r for r in _catalog_rows("datasets.csv", catalog) if r["code"] == dataset)
    optional = set(filter(None, (ds.get("optional") or "").split("|")))
    out = {}
    for code in ds["indicators"].split("|"):
        kind = kinds[code]
        if kind == "rate" or code in optional:
            continue
        out[code] = False if kind == "bool" else [] if kind == "tags" else 0
    out.update(values)
    return out


def lenient_catalog(into, source=CATALOG):
    """A copy of the catalog in directory `into` where every indicator of every
    dataset is optional, for tests about how partial reports (an older
    journal's, or a catalog's optional indicators) roll up.  Returns `into`."""
    os.makedirs(into, exist_ok=True)
    for f in os.listdir(source):
        if f.endswith(".csv") and f != "datasets.csv":
            shutil.copy(os.path.join(source, f), into)
    rows = _catalog_rows("datasets.csv", source)
    fields = list(rows[0].keys()) + (["optional"] if "optional" not in rows[0] else [])
    with open(os.path.join(into, "datasets.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        for r in rows:
            r["optional"] = r["indicators"]
            w.writerow(r)
    return into


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run_cli(*args, check=True, cwd=None, timeout=60):
    """Runs build/bin/cchc with args; returns CompletedProcess (text)."""
    p = subprocess.run([os.path.join(BIN, "cchc")] + [str(a) for a in args], capture_output=True, text=True,
                       cwd=cwd, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError("cchc %s failed (%d):\n%s%s" % (" ".join(map(str, args)), p.returncode, p.stdout, p.stderr))
    return p


class Stack:
    """A collector (+ optionally an aggregator) in a temporary directory."""

    def __init__(self, catalog=CATALOG, curve=True, now=None, extra=None, lenient=False):
        """lenient: run on a copy of `catalog` where every indicator is
        optional (see lenient_catalog), for tests that submit partial reports."""
        self.dir = tempfile.mkdtemp(prefix="cchc-it-")
        self.catalog = lenient_catalog(os.path.join(self.dir, "catalog"), catalog) if lenient else catalog
        self.curve = curve
        self.now = now
        self.ports = {k: free_port() for k in ("submit", "feed", "query", "events")}
        self.procs = {}
        self.keys = os.path.join(self.dir, "keys")
        os.makedirs(self.keys)
        if curve:
            run_cli("keygen", "--server", "--dir", self.keys)
            self.server_public = self.read_key(os.path.join(self.keys, "collector.key"))[0]
        self.config = os.path.join(self.dir, "cchc.ini")
        self.write_config(extra or {})

    def write_config(self, extra):
        sections = {
            "catalog": {"dir": self.catalog},
            "collector": {
                "endpoint": "tcp://127.0.0.1:%d" % self.ports["submit"],
                "journal_endpoint": "tcp://127.0.0.1:%d" % self.ports["feed"],
                "data_dir": os.path.join(self.dir, "collector"),
                "server_key": os.path.join(self.keys, "collector.key"),
                "keyring": os.path.join(self.keys, "keyring.csv"),
                "curve": "yes" if self.curve else "no",
            },
            "aggregator": {
                "journal_endpoint": "tcp://127.0.0.1:%d" % self.ports["feed"],
                "query_endpoint": "tcp://127.0.0.1:%d" % self.ports["query"],
                "event_endpoint": "tcp://127.0.0.1:%d" % self.ports["events"],
                "data_dir": os.path.join(self.dir, "aggregator"),
                "fetch_wait_ms": "500",
            },
            "client": {
                "collector": "tcp://127.0.0.1:%d" % self.ports["submit"],
                "aggregator": "tcp://127.0.0.1:%d" % self.ports["query"],
                "server_key": os.path.join(self.keys, "collector.key"),
                "curve": "yes" if self.curve else "no",
                "timeout_ms": "1500",
                "retries": "3",
            },
        }
        for sec, kv in extra.items():
            sections.setdefault(sec, {}).update(kv)
        with open(self.config, "w") as f:
            for sec, kv in sections.items():
                f.write("[%s]\n" % sec)
                for k, v in kv.items():
                    f.write("%s = %s\n" % (k, v))

    @staticmethod
    def read_key(path):
        kv = {}
        for line in open(path):
            if "=" in line and not line.startswith("#"):
                k, v = line.split("=", 1)
                kv[k.strip()] = v.strip()
        return kv.get("public"), kv.get("secret")

    def keygen(self, unit, gateway=False):
        name = unit + (".gateway" if gateway else "") + ".key"
        if not os.path.exists(os.path.join(self.keys, name)):
            run_cli("keygen", "--unit", unit, "--dir", self.keys, *(["--gateway"] if gateway else []))
        return self.read_key(os.path.join(self.keys, name))

    # ---- processes -------------------------------------------------------
    def start(self, name, *args, wait_port=None, now=None):
        return self.start_as(name, name, self.config, *args, wait_port=wait_port, now=now)

    def wait_listening(self, port, p, name, timeout=10):
        t0 = time.time()
        while time.time() - t0 < timeout:
            if p.poll() is not None:
                raise AssertionError("%s exited with %s:\n%s" % (name, p.returncode, self.log(name)))
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("%s does not listen on %d" % (name, port))

    def start_collector(self, *args, now=None):
        return self.start("collector", *args, wait_port=self.ports["submit"], now=now)

    def start_aggregator(self, *args, now=None):
        return self.start("aggregator", *args, wait_port=self.ports["query"], now=now)

    def stop(self, name, sig=signal.SIGTERM, timeout=10):
        p = self.procs.pop(name, None)
        if not p:
            return None
        if p.poll() is None:
            p.send_signal(sig)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                raise AssertionError("%s did not stop on signal %d" % (name, sig))
        return p.returncode

    def kill9(self, name):
        return self.stop(name, signal.SIGKILL)

    def log(self, name):
        try:
            return open(os.path.join(self.dir, name + ".log"), encoding="utf-8", errors="replace").read()
        except OSError:
            return ""

    def close(self):
        for name in list(self.procs):
            rc = self.stop(name)
            # A sanitizer report makes the service exit non-zero at the end.
            if rc not in (0, None, -signal.SIGKILL):
                raise AssertionError("%s exited with %s:\n%s" % (name, rc, self.log(name)[-3000:]))
        shutil.rmtree(self.dir, ignore_errors=True)

    # ---- clients ---------------------------------------------------------
    def dealer(self, unit=None, public=None, secret=None, endpoint=None):
        ctx = zmq.Context.instance()
        s = ctx.socket(zmq.DEALER)
        s.linger = 0
        if self.curve:
            if unit and not public:
                public, secret = self.keygen(unit)
            s.curve_serverkey = self.server_public.encode()
            s.curve_publickey = public.encode()
            s.curve_secretkey = secret.encode()
        s.connect(endpoint or "tcp://127.0.0.1:%d" % self.ports["submit"])
        return s

    def request(self, sock, payload, timeout=5000):
        sock.send(payload if isinstance(payload, bytes) else msgpack.packb(payload, use_bin_type=True))
        if not sock.poll(timeout):
            return None
        return msgpack.unpackb(sock.recv(), raw=False)

    def submit(self, unit, values, period="2025Q3", dataset="CCHC_Q", for_unit=None, sid=None, sock=None, **extra):
        own = sock is None
        sock = sock or self.dealer(unit)
        msg = {"v": 1, "type": "SUBMIT", "id": sid or "t-" + uuid.uuid4().hex[:16], "unit": for_unit or unit,
               "dataset": dataset, "period": period, "values": values}
        msg.update(extra)
        try:
            return self.request(sock, msg)
        finally:
            if own:
                sock.close()

    def query(self, what, timeout=5000, **kw):
        s = zmq.Context.instance().socket(zmq.DEALER)
        s.linger = 0
        s.connect("tcp://127.0.0.1:%d" % self.ports["query"])
        q = {"v": 1, "type": "QUERY", "qid": 7, "what": what}
        q.update(kw)
        try:
            r = self.request(s, q, timeout)
        finally:
            s.close()
        if r is None:
            raise AssertionError("no RESULT for %r" % q)
        return r

    def wait_applied(self, seq, timeout=10):
        t0 = time.time()
        while time.time() - t0 < timeout:
            r = self.query("info")
            if r.get("ok") and r["data"]["applied"] >= seq:
                return r["data"]
            time.sleep(0.05)
        raise AssertionError("aggregator did not apply seq %d; log:\n%s" % (seq, self.log("aggregator")[-2000:]))

    # ---- more clients: the journal feed, events, second instances -------
    def fetch_journal(self, after=0, timeout=5000, endpoint=None):
        """Every RECORD with seq > after, read from the collector's journal
        feed (FETCH without long polling, BATCH after BATCH up to the head).
        Raises when the feed does not answer."""
        s = zmq.Context.instance().socket(zmq.DEALER)
        s.linger = 0
        s.connect(endpoint or "tcp://127.0.0.1:%d" % self.ports["feed"])
        records = []
        try:
            while True:
                r = self.request(s, {"v": 1, "type": "FETCH", "after": after, "max": 10000, "wait_ms": 0}, timeout)
                if r is None:
                    raise AssertionError("no BATCH from the journal feed; collector log:\n%s" % self.log("collector")[-2000:])
                if r.get("type") != "BATCH":
                    raise AssertionError("the journal feed answered %r" % r)
                records += r["records"]
                if not r["records"] or r["records"][-1]["seq"] >= r["head"]:
                    return records
                after = r["records"][-1]["seq"]
        finally:
            s.close()

    def subscriber(self, topic=b"", port=None, settle=0.3):
        """A SUB socket on the aggregator's events (frames: unit code, EVENT)."""
        s = zmq.Context.instance().socket(zmq.SUB)
        s.linger = 0
        s.setsockopt(zmq.SUBSCRIBE, topic)
        s.connect("tcp://127.0.0.1:%d" % (port or self.ports["events"]))
        time.sleep(settle)  # the slow joiner: let the subscription reach the PUB
        return s

    def write_variant_config(self, name, extra):
        """Writes DIR/name.ini: the stack's configuration with `extra`
        ({section: {key: value}}) applied; returns its path."""
        path = os.path.join(self.dir, name + ".ini")
        saved = self.config
        self.config = path
        try:
            self.write_config(extra)
        finally:
            self.config = saved
        return path

    def start_as(self, name, program, config, *args, wait_port=None, now=None):
        """Starts build/bin/cchc-<program> with another configuration under
        its own name (log DIR/name.log; stopped by close() like the others)."""
        log = open(os.path.join(self.dir, name + ".log"), "ab")
        cmd = [os.path.join(BIN, "cchc-" + program), "--config", config] + list(args)
        if now or self.now:
            cmd += ["--now", now or self.now]
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        self.procs[name] = p
        if wait_port:
            self.wait_listening(wait_port, p, name)
        return p

    def query_at(self, port, what, timeout=5000, **kw):
        """QUERY to the aggregator listening on `port`."""
        saved = self.ports["query"]
        self.ports["query"] = port
        try:
            return self.query(what, timeout=timeout, **kw)
        finally:
            self.ports["query"] = saved


class TapResult(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.n = 0

    def _line(self, ok, test, extra=""):
        self.n += 1
        print("%s %d - %s%s" % ("ok" if ok else "not ok", self.n, test.shortDescription() or test.id(), extra), flush=True)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(True, test)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._line(False, test)
        print("# " + "".join(traceback.format_exception(*err)).replace("\n", "\n# "), flush=True)

    def addError(self, test, err):
        super().addError(test, err)
        self._line(False, test)
        print("# " + "".join(traceback.format_exception(*err)).replace("\n", "\n# "), flush=True)

    def addSubTest(self, test, subtest, err):
        # a failing subTest gets its own "not ok" line (passing ones are part of the test's "ok")
        super().addSubTest(test, subtest, err)
        if err is not None:
            self.n += 1
            print("not ok %d - %s %s" % (self.n, test.shortDescription() or test.id(), subtest._subDescription()),
                  flush=True)
            print("# " + "".join(traceback.format_exception(*err)).replace("\n", "\n# "), flush=True)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, test.shortDescription() or test.id(), reason), flush=True)


def main():
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules["__main__"])
    result = TapResult()
    suite.run(result)
    print("1..%d" % result.n)
    sys.exit(0 if result.wasSuccessful() else 1)
