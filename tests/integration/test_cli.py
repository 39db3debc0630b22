"""Integration tests of the `cchc` command-line tool against real services.

One collector (CURVE) and one aggregator on loopback, on a simulated clock
(2025-09-05 09:00 +07: 2025Q3 is current, before its deadline).  The tests
run build/bin/cchc as an officer would and check what it prints: the
configuration overrides (--set) and indicator values (--value), that every
question the aggregator answers can be asked, that an error blames what is
wrong, the language of the messages (Vietnamese unless English is asked
for), and the template round trip (cchc template -> fill -> cchc submit
--file).  Reports submitted here are complete (every non-rate indicator of
CCHC_Q), as the collector may require.
"""
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

import msgpack  # noqa: E402

NOW = "2025-09-05T09:00:00+07:00"
DS = "CCHC_Q"
SO = "HP.SO.Y_TE"          # a department that must report CCHC_Q
SO2 = "HP.SO.XAY_DUNG"
ROOT = "HP"
LOCALE_VARS = ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")


def read_catalog(name):
    with open(os.path.join(harness.CATALOG, name), encoding="utf-8") as f:
        return list(csv.DictReader(f))


INDICATORS = {r["code"]: r for r in read_catalog("indicators.csv")}
DATASET_INDS = {r["code"]: r["indicators"].split("|") for r in read_catalog("datasets.csv")}
FILLED = [c for c in DATASET_INDS[DS] if INDICATORS[c]["kind"] != "rate"]
RATES = [c for c in DATASET_INDS[DS] if INDICATORS[c]["kind"] == "rate"]


def complete_report(base=3):
    """Every non-rate indicator of CCHC_Q: {code: (text for the CLI, value on the wire)}."""
    out = {}
    for k, code in enumerate(FILLED):
        kind = INDICATORS[code]["kind"]
        if kind == "bool":
            out[code] = ("có", True) if k % 2 else ("không", False)
        elif kind == "tags":
            tags = INDICATORS[code]["tags"].split("|")[:2]
            out[code] = ("|".join(tags), tags)
        else:  # count or stock; a numerator never above its denominator
            n = base + k
            if any(r["numerator"] == code for r in INDICATORS.values()):
                n = base
            out[code] = (str(n), n)
    return out


def value_args(report):
    args = []
    for code, (text, _) in report.items():
        args += ["--value", "%s=%s" % (code, text)]
    return args


def cli(*args, lang="en", env_extra=None, stdin=None):
    """Runs build/bin/cchc with a locale: lang "en" (LANG=en_US.UTF-8),
    "vi" (LANG=vi_VN.UTF-8), None (no locale variable at all), or whatever
    env_extra sets.  Output is decoded as strict UTF-8."""
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARS}
    if lang == "en":
        env["LANG"] = "en_US.UTF-8"
    elif lang == "vi":
        env["LANG"] = "vi_VN.UTF-8"
    env.update(env_extra or {})
    p = subprocess.run([os.path.join(harness.BIN, "cchc")] + [str(a) for a in args], capture_output=True,
                       env=env, input=stdin, timeout=60)
    p.stdout = p.stdout.decode("utf-8", errors="strict")
    p.stderr = p.stderr.decode("utf-8", errors="strict")
    return p


def said(p):
    return "rc=%d\nstdout: %s\nstderr: %s" % (p.returncode, p.stdout, p.stderr)


class CliCase(unittest.TestCase):
    """A collector and an aggregator shared by the tests of the class, with
    one complete report of SO for 2025Q3 already applied."""

    @classmethod
    def setUpClass(cls):
        cls.st = harness.Stack(now=NOW, extra={"client": {"timeout_ms": "1000", "retries": "1"}})
        try:
            for u in (SO, SO2):
                cls.st.keygen(u)
            cls.st.start_collector()
            cls.st.start_aggregator()
            r = cls.st.submit(SO, {c: v for c, (_, v) in complete_report().items()}, sid="cli-setup-1")
            assert r and r["type"] == "ACK", r
            cls.st.wait_applied(r["seq"])
        except BaseException:
            cls.st.close()
            raise
        cls.n = 0

    @classmethod
    def tearDownClass(cls):
        cls.st.close()

    def key(self, unit=SO):
        return os.path.join(self.st.keys, unit + ".key")

    def submit_args(self, unit=SO, period="2025Q3", dataset=DS, config=None):
        a = ["submit", "--config", config or self.st.config, "--key", self.key(unit), "--unit", unit]
        if dataset:
            a += ["--dataset", dataset]
        if period:
            a += ["--period", period]
        type(self).n += 1
        return a + ["--id", "cli-%s-%d" % (self._testMethodName[5:14], self.n)]

    def journal_values(self, sid):
        recs = [r for r in self.st.fetch_journal() if r["id"] == sid]
        self.assertEqual(len(recs), 1, sid)
        return recs[0]["values"]


# ---------------------------------------------------------------------------
# 1. --set SECTION.KEY=VALUE everywhere, --value INDICATOR=VALUE in submit
# ---------------------------------------------------------------------------

class TestOverrides(CliCase):
    def test_set_in_query_commands(self):
        """cli-1.1 cchc info/status/report take --set SECTION.KEY=VALUE (here: the aggregator's address)"""
        dead = self.st.write_variant_config("dead-aggregator", {"client": {"aggregator": "tcp://127.0.0.1:%d"
                                                                           % harness.free_port()}})
        live = "client.aggregator=tcp://127.0.0.1:%d" % self.st.ports["query"]
        p = cli("info", "--config", dead, "--set", live, "--set", "client.timeout_ms=900", "--format", "json")
        self.assertEqual(p.returncode, 0, said(p))
        self.assertGreaterEqual(json.loads(p.stdout)["applied"], 1)
        p = cli("status", "--config", dead, "--set", live, "--node", ROOT, "--dataset", DS, "--period", "2025Q3")
        self.assertEqual(p.returncode, 0, said(p))
        p = cli("report", "--config", dead, "--set", live, "--node", ROOT, "--from", "2025Q3", "--format", "csv")
        self.assertEqual(p.returncode, 0, said(p))
        p = cli("info", "--config", dead, "--set", "client.timeout_ms=300")  # without the override: no answer
        self.assertEqual(p.returncode, 1, said(p))

    def test_set_and_value_in_submit(self):
        """cli-1.2 cchc submit: --set is a configuration override, --value an indicator; a --set that is not S.K=V is refused"""
        dead = self.st.write_variant_config("dead-collector", {"client": {"collector": "tcp://127.0.0.1:%d"
                                                                          % harness.free_port()}})
        rep = complete_report(base=5)
        a = self.submit_args(period="2025Q3", config=dead)
        sid = a[-1]
        p = cli(*(a + ["--set", "client.collector=tcp://127.0.0.1:%d" % self.st.ports["submit"]] + value_args(rep)))
        self.assertEqual(p.returncode, 0, said(p))
        self.assertRegex(p.stdout, r"^accepted seq=\d+ ")
        self.assertEqual(self.journal_values(sid), {c: v for c, (_, v) in rep.items()})
        # The old spelling of an indicator value is not taken for one, nor sent.
        p = cli(*(self.submit_args() + ["--set", "PORTAL_POSTS=3"]))
        self.assertEqual(p.returncode, 2, said(p))
        self.assertIn("--value PORTAL_POSTS=3", p.stderr)
        self.assertNotIn("accepted", p.stdout)


# ---------------------------------------------------------------------------
# 2. What the aggregator answers, the CLI asks
# ---------------------------------------------------------------------------

class TestQueries(CliCase):
    def test_status_of_coarser_periods(self):
        """cli-2.1 cchc status of a half-year and a year of the quarterly dataset: the aggregator's counts"""
        for period in ("2025S2", "2025", "2026"):
            with self.subTest(period=period):
                r = self.st.query("status", node=ROOT, dataset=DS, period=period)
                self.assertTrue(r["ok"], r)
                p = cli("status", "--config", self.st.config, "--node", ROOT, "--dataset", DS, "--period", period,
                        "--format", "json")
                self.assertEqual(p.returncode, 0, said(p))
                got = json.loads(p.stdout)
                for k in ("expected", "received", "on_time", "late", "missing", "pending"):
                    self.assertEqual(got[k], r["data"][k], k)
                p = cli("status", "--config", self.st.config, "--node", ROOT, "--dataset", DS, "--period", period)
                self.assertEqual(p.returncode, 0, said(p))
                self.assertRegex(p.stdout, r"(?m)^total\s+%d\b" % r["data"]["expected"])

    def test_every_answered_query_is_asked(self):
        """cli-2.2 for every subcommand, node and period type: the CLI succeeds exactly when the aggregator answers"""
        for what in ("rollup", "status", "units", "values", "history", "targets"):
            for node in (ROOT, SO):
                for period in ("202508", "2025Q3", "2025S2", "2025"):
                    with self.subTest(what=what, node=node, period=period):
                        r = self.st.query(what, node=node, dataset=DS, period=period)
                        p = cli(what, "--config", self.st.config, "--node", node, "--dataset", DS,
                                "--period", period, "--format", "json")
                        if r["ok"]:
                            self.assertEqual(p.returncode, 0, said(p))
                            if what != "status":  # status adds the units' breakdown
                                self.assertEqual(json.loads(p.stdout), r["data"])
                        else:
                            self.assertEqual(p.returncode, 1, said(p))
                            self.assertIn(r["code"], p.stderr)


# ---------------------------------------------------------------------------
# 3. Errors blame the right thing
# ---------------------------------------------------------------------------

class TestErrors(CliCase):
    def test_bad_period_is_not_a_bad_id(self):
        """cli-3.1 --period Q4/2025 is reported as a bad period, and nothing is said to be maybe stored"""
        p = cli(*(self.submit_args(period="Q4/2025")[:-2] + value_args(complete_report())))
        self.assertNotEqual(p.returncode, 0, said(p))
        out = p.stdout + p.stderr
        self.assertIn("Q4/2025", out)
        self.assertIn("period", out)
        self.assertNotIn("'id'", out)
        self.assertNotIn("may or may not", out)

    def test_unparsable_collector_address(self):
        """cli-3.2 a collector address that cannot be parsed is named; "may or may not be stored" only after a silent send"""
        p = cli(*(self.submit_args() + ["--set", "client.collector=tcp://no such host"] +
                  value_args(complete_report())))
        self.assertEqual(p.returncode, 1, said(p))
        out = p.stdout + p.stderr
        self.assertIn("tcp://no such host", out)
        self.assertNotIn("may or may not", out)
        self.assertIn("not sent", out)
        # A collector that does not answer: the SUBMIT left, the outcome is unknown.
        p = cli(*(self.submit_args() + ["--set", "client.collector=tcp://127.0.0.1:%d" % harness.free_port(),
                                        "--set", "client.timeout_ms=200"] + value_args(complete_report())))
        self.assertEqual(p.returncode, 3, said(p))
        self.assertIn("may or may not be stored", p.stdout)

    def test_value_sentences(self):
        """cli-3.3 a decimal where a whole number is expected says so (CLI with and without a catalog, and the decoder)"""
        for extra in ([], ["--set", "catalog.dir=" + os.path.join(self.st.dir, "no-catalog")]):
            with self.subTest(extra=extra):
                p = cli(*(self.submit_args() + extra + ["--value", "PORTAL_POSTS=3.0"]))
                self.assertEqual(p.returncode, 2, said(p))
                self.assertIn("PORTAL_POSTS", p.stderr)
                self.assertIn("whole number", p.stderr)
                self.assertIn("3.0", p.stderr)
        sub = {"v": 1, "type": "SUBMIT", "id": "a", "unit": SO, "dataset": DS, "period": "2025Q3",
               "values": {"PORTAL_POSTS": 3.0}}
        p = cli("proto", "decode", "-", stdin=msgpack.packb(sub, use_bin_type=True))
        self.assertEqual(p.returncode, 1, said(p))
        self.assertIn("E_VALUE", p.stdout + p.stderr)
        self.assertIn("whole number", p.stdout + p.stderr)
        self.assertNotRegex(p.stdout + p.stderr, r"not 3\b")

    def test_wrong_type_sentence(self):
        """cli-3.4 a message whose 'type' is not a string is said to have the wrong type, not a missing one"""
        p = cli("proto", "decode", "-", stdin=msgpack.packb({"v": 1, "type": 7}))
        self.assertEqual(p.returncode, 1, said(p))
        self.assertIn("E_TYPE", p.stdout + p.stderr)
        self.assertNotIn("missing", p.stdout + p.stderr)
        self.assertIn("string", p.stdout + p.stderr)
        p = cli("proto", "decode", "-", stdin=msgpack.packb({"v": 1}))
        self.assertIn("missing", p.stdout + p.stderr)

    def test_missing_options_are_named(self):
        """cli-3.5 a missing --dataset (--unit, --period) is named, not just the usage line"""
        for missing in ("--dataset", "--unit", "--period"):
            with self.subTest(missing=missing):
                a = ["submit", "--config", self.st.config, "--unit", SO, "--dataset", DS, "--period", "2025Q3",
                     "--value", "PORTAL_POSTS=1"]
                i = a.index(missing)
                del a[i:i + 2]
                p = cli(*a)
                self.assertEqual(p.returncode, 2, said(p))
                self.assertIn("missing " + missing, p.stderr)

    def test_keygen_refuses_unknown_unit(self):
        """cli-3.6 cchc keygen --unit refuses a unit that is not in the catalog (--catalog or the configuration)"""
        for how in (["--catalog", harness.CATALOG], ["--config", self.st.config]):
            with self.subTest(how=how[0]):
                d = tempfile.mkdtemp(prefix="cchc-keygen-", dir=self.st.dir)
                p = cli("keygen", "--unit", "HP.SO.KHONG_CO", "--dir", d, *how)
                self.assertEqual(p.returncode, 1, said(p))
                self.assertIn("HP.SO.KHONG_CO", p.stderr)
                self.assertFalse(os.path.exists(os.path.join(d, "HP.SO.KHONG_CO.key")))
                self.assertFalse(os.path.exists(os.path.join(d, "keyring.csv")))
                p = cli("keygen", "--unit", SO2, "--dir", d, *how)
                self.assertEqual(p.returncode, 0, said(p))
                self.assertTrue(os.path.exists(os.path.join(d, SO2 + ".key")))


# ---------------------------------------------------------------------------
# 4. The officers' language, and the template round trip
# ---------------------------------------------------------------------------

class TestLanguage(CliCase):
    def test_vietnamese_by_default(self):
        """cli-4.1 messages are Vietnamese by default (and with LANG=C), English with LANG/LC_ALL=en* or --lang en"""
        a = ["submit", "--config", self.st.config, "--unit", SO, "--period", "2025Q3", "--value", "PORTAL_POSTS=1"]
        vi = "thiếu --dataset"
        en = "missing --dataset"
        cases = [(None, None, vi), ("vi", None, vi), (None, {"LANG": "C.UTF-8"}, vi), ("en", None, en),
                 (None, {"LC_ALL": "en_GB.UTF-8", "LANG": "vi_VN.UTF-8"}, en),
                 (None, {"LC_ALL": "vi_VN.UTF-8", "LANG": "en_US.UTF-8"}, vi)]
        for lang, env, want in cases:
            with self.subTest(lang=lang, env=env):
                p = cli(*a, lang=lang, env_extra=env)
                self.assertEqual(p.returncode, 2, said(p))
                self.assertIn(want, p.stderr)
        p = cli("--lang", "en", *a, lang="vi")
        self.assertIn(en, p.stderr)
        p = cli(*(a + ["--lang", "vi"]), lang="en")
        self.assertIn(vi, p.stderr)

    def test_refusals_explained(self):
        """cli-4.2 a NACK or a refused query: the code, its explanation from the table and the server's sentence"""
        rep = complete_report()
        rep["PORTAL_POSTS"] = ("-1", -1)
        p = cli(*(self.submit_args() + value_args(rep)), lang="vi")
        self.assertEqual(p.returncode, 1, said(p))
        self.assertIn("E_NEGATIVE", p.stdout)
        self.assertIn("không được âm", p.stdout)                   # the table's Vietnamese explanation
        self.assertRegex(p.stdout, r"— máy chủ: indicator PORTAL_POSTS .*negative")  # the collector's own sentence
        p = cli(*(self.submit_args() + value_args(rep)), lang="en")
        self.assertRegex(p.stdout, r"^rejected E_NEGATIVE: \S")
        p = cli("values", "--config", self.st.config, "--node", SO2, "--dataset", DS, "--period", "2025Q3", lang="vi")
        self.assertEqual(p.returncode, 1, said(p))
        self.assertIn("E_NOT_FOUND", p.stderr)
        self.assertIn("chưa có dữ liệu", p.stderr)

    def test_message_table(self):
        """cli-4.3 the message table: vi and en of each entry take the same arguments; every error code is explained"""
        src = open(os.path.join(harness.ROOT, "services", "cli", "msg.def"), encoding="utf-8").read()
        entries = re.findall(r'^\s*X\((\w+),\s*("(?:[^"\\]|\\.)*"(?:\s*"(?:[^"\\]|\\.)*")*),\s*'
                             r'("(?:[^"\\]|\\.)*"(?:\s*"(?:[^"\\]|\\.)*")*)\)', src, re.M)
        self.assertGreater(len(entries), 20)
        spec = re.compile(r"%[-+ #0]*[0-9*]*(?:\.[0-9*]+)?(?:hh|h|ll|l|z|j|t)?[diouxXeEfgGcsp%]")
        for name, vi, en in entries:
            self.assertEqual(spec.findall(vi), spec.findall(en), name)
            self.assertNotEqual(vi, en, name)
        names = {e[0] for e in entries}
        defined = re.findall(r'E\(\w+, "(E_\w+)"', open(os.path.join(harness.ROOT, "proto", "messages.def")).read())
        for code in defined + ["E_EMPTY", "E_INCOMPLETE"]:
            self.assertIn(code, names)


class TestTemplate(CliCase):
    def template(self, *extra, lang="vi"):
        return cli("template", "--config", self.st.config, "--unit", SO, "--dataset", DS, "--period", "2025Q3",
                   *extra, lang=lang)

    def test_template_round_trip(self):
        """cli-4.4 cchc template lists every non-rate indicator with its Vietnamese name; filled, submit --file takes it back"""
        p = self.template()
        self.assertEqual(p.returncode, 0, said(p))
        rows = list(csv.reader(p.stdout.splitlines()))
        head = rows[0]
        ci, vi = head.index("indicator"), head.index("value")
        self.assertEqual(vi, len(head) - 1, "the value column is the last one")
        body = [r for r in rows[1:] if r]
        self.assertEqual([r[ci] for r in body], FILLED)
        for r in body:
            self.assertIn(INDICATORS[r[ci]]["name_vi"], r, r[ci])
            self.assertEqual(r[vi], "")
        for code in RATES:
            self.assertNotIn(code, p.stdout)
        # Filled in place: each value appended at the end of its line.
        rep = complete_report(base=7)
        lines = p.stdout.splitlines(keepends=True)
        filled = [lines[0]]
        for line in lines[1:]:
            code = next(csv.reader([line]))[ci]
            filled.append(line.rstrip("\r\n") + rep[code][0] + "\n")
        path = os.path.join(self.st.dir, "filled.csv")
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(filled)
        a = self.submit_args()
        p = cli(*(a + ["--file", path]))
        self.assertEqual(p.returncode, 0, said(p))
        self.assertRegex(p.stdout, r"^accepted seq=\d+ ")
        self.assertEqual(self.journal_values(a[-1]), {c: v for c, (_, v) in rep.items()})
        # Left empty, a row is not reported (not 0); an empty template is refused before it is sent.
        path = os.path.join(self.st.dir, "empty.csv")
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.template().stdout)
        p = cli(*(self.submit_args() + ["--file", path]))
        self.assertEqual(p.returncode, 2, said(p))
        self.assertIn("no value", p.stderr)

    def test_template_refusals(self):
        """cli-4.5 cchc template refuses a unit, dataset or period the catalog does not have, naming it"""
        for opt, bad in (("--unit", "HP.SO.KHONG_CO"), ("--dataset", "CCHC_X"), ("--period", "2025")):
            with self.subTest(opt=opt):
                a = ["template", "--config", self.st.config, "--unit", SO, "--dataset", DS, "--period", "2025Q3"]
                a[a.index(opt) + 1] = bad
                p = cli(*a)
                self.assertEqual(p.returncode, 1, said(p))
                self.assertIn(bad, p.stderr)
                self.assertEqual(p.stdout, "")


# ---------------------------------------------------------------------------
# 6. cchc decide
# ---------------------------------------------------------------------------

class TestDecide(CliCase):
    @classmethod
    def setUpClass(cls):
        cls.st = harness.Stack(now=NOW, extra={"client": {"timeout_ms": "1000", "retries": "1"}})
        try:
            for u in (SO, SO2, ROOT):
                cls.st.keygen(u)
            cls.st.start_collector()
            r = cls.st.submit(SO, {c: v for c, (_, v) in complete_report().items()}, sid="cli-decide-setup")
            assert r and r["type"] == "ACK", r
        except BaseException:
            cls.st.close()
            raise
        cls.n = 0

    def decide(self, action, *extra, unit=SO, key_unit=SO, sid=None, lang="en"):
        a = ["decide", action, "--config", self.st.config, "--key", self.key(key_unit), "--unit", unit,
             "--dataset", DS, "--period", "2025Q3"] + list(extra)
        if sid:
            a += ["--id", sid]
        return cli(*a, lang=lang)

    def test_approve(self):
        """cli-6.1 cchc decide approve: decided (exit 0), the same --id again a duplicate, a second approval refused E_DECISION (exit 1), in Vietnamese by default"""
        p = self.decide("approve", "--version", "1", "--note", "Đồng ý", sid="cli-dec-1")
        self.assertEqual(p.returncode, 0, said(p))
        m = re.match(r"decided approve seq=(\d+) version=1 id=cli-dec-1$", p.stdout.strip())
        self.assertTrue(m, said(p))
        p = self.decide("approve", "--version", "1", "--note", "Đồng ý", sid="cli-dec-1", lang="vi")
        self.assertEqual(p.returncode, 0, said(p))
        self.assertIn("Quyết định approve này đã được ghi trước đó: seq=%s" % m.group(1), p.stdout)
        p = self.decide("approve", "--version", "1", lang="vi")  # a new id is made up
        self.assertEqual(p.returncode, 1, said(p))
        self.assertIn("E_DECISION", p.stdout)
        self.assertIn("quyết định này không áp dụng được", p.stdout)
        self.assertIn("already approved", p.stdout)
        rec = {r["id"]: r for r in self.st.fetch_journal()}["cli-dec-1"]
        self.assertEqual((rec["decision"], rec["version"], rec["note"], rec["submitter"]), ("approve", 1, "Đồng ý", SO))

    def test_extend_and_rights(self):
        """cli-6.2 cchc decide extend by the office above is stored with its due date and reason; the unit's own key is refused E_FORBIDDEN, explained"""
        p = self.decide("extend", "--due", "2025-10-20", "--note", "Bão số 3", key_unit=ROOT, sid="cli-ext-1")
        self.assertEqual(p.returncode, 0, said(p))
        self.assertRegex(p.stdout, r"^decided extend seq=\d+ version=0 id=cli-ext-1")
        rec = {r["id"]: r for r in self.st.fetch_journal()}["cli-ext-1"]
        self.assertEqual((rec["due"], rec["note"], rec["submitter"]), ("2025-10-20", "Bão số 3", ROOT))
        p = self.decide("silence", lang="vi")
        self.assertEqual(p.returncode, 1, said(p))
        self.assertIn("E_FORBIDDEN", p.stdout)
        self.assertIn("quyết định thay cho đơn vị này", p.stdout)
        self.assertIn("own deadline", p.stdout)
        p = self.decide("return", "--version", "1", "--note", "Thiếu phụ lục", key_unit=SO2)
        self.assertEqual(p.returncode, 1, said(p))
        self.assertRegex(p.stdout, r"^rejected E_FORBIDDEN: ")

    def test_usage_errors(self):
        """cli-6.3 cchc decide says what is missing or wrong before sending anything (exit 2): the action, --version, --note, --due"""
        before = len(self.st.fetch_journal())
        cases = [
            (("accept",), {}, "the action is approve, return, extend, silence or unsilence, not 'accept'"),
            (("approve",), {}, "missing --version"),
            (("approve", "--version", "0"), {}, "--version takes a positive whole number, not '0'"),
            (("approve", "--version", "x1"), {}, "not 'x1'"),
            (("return", "--version", "1"), {}, "return needs --note: what to correct"),
            (("return", "--version", "1", "--note", "   "), {}, "return needs --note"),
            (("extend", "--note", "lý do"), {"key_unit": ROOT}, "missing --due"),
            (("extend", "--due", "2025-02-30", "--note", "x"), {"key_unit": ROOT}, "not '2025-02-30'"),
            (("extend", "--due", "2025-10-20"), {"key_unit": ROOT}, "extend needs --note: the reason"),
            (("silence", "--version", "1"), {"key_unit": ROOT}, "silence takes no --version"),
            (("approve", "--version", "1", "--due", "2025-10-20"), {}, "approve takes no --due"),
            (("approve", "--version", "1", "--period", "2025-3"), {}, "'2025-3' is not a period"),
        ]
        for args, kw, text in cases:
            with self.subTest(args=args):
                p = self.decide(*args, **kw)
                self.assertEqual(p.returncode, 2, said(p))
                self.assertIn(text, p.stderr)
        p = self.decide("approve", lang="vi")
        self.assertIn("thiếu --version", p.stderr)
        p = cli("decide", "--config", self.st.config, "--unit", SO, "--dataset", DS, "--period", "2025Q3")
        self.assertEqual(p.returncode, 2, said(p))
        self.assertIn("missing approve|return|extend|silence|unsilence", p.stderr)
        self.assertEqual(len(self.st.fetch_journal()), before, "a refused command sent something")


if __name__ == "__main__":
    harness.main()
