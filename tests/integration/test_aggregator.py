"""Integration tests of cchc-aggregator: QUERY answers with exact numbers,
EVENTs, corrections, crash recovery (kill -9, compared with a fresh recount
and with an independent recount in Python), and life without the collector.

The model is the one of lib/store/rollup.h: a unit value combines the
unit's latest reports inside a period across time (count: sum; stock: the
latest; bool: any / latest; tags: union); a node value sums the unit values
of its subtree; rates are num/den of the sums.
"""
import csv
import os
import random
import shutil
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

import msgpack  # noqa: E402
import zmq  # noqa: E402

NOW = "2025-09-05T09:00:00+07:00"      # in 2025Q3, before its deadline
DEADLINE_Q3 = 1757437200               # 2025-09-10T00:00:00+07:00
DS = "CCHC_Q"
VK = "HP.XA.VIET_KHE"                  # a commune with four sub-units (parent_submits=yes)
VK_SUBS = ["HP.XA.VIET_KHE.VHXH", "HP.XA.VIET_KHE.VP", "HP.XA.VIET_KHE.KINH_TE", "HP.XA.VIET_KHE.MTTQ"]
AN_LAO = "HP.XA.AN_LAO"
Y_TE = "HP.SO.Y_TE"
CDC = "HP.SO.Y_TE.CDC"


def packb(m):
    return msgpack.packb(m, use_bin_type=True)


# ---------------------------------------------------------------------------
# An independent recount, from deploy/catalog and the values we submitted
# ---------------------------------------------------------------------------

class Catalog:
    def __init__(self, d=harness.CATALOG):
        def rows(name):
            with open(os.path.join(d, name), encoding="utf-8") as f:
                return list(csv.DictReader(f))
        self.units = {r["code"]: r for r in rows("units.csv")}
        self.children = {c: [] for c in self.units}
        for r in self.units.values():
            if r["parent"]:
                self.children[r["parent"]].append(r["code"])
        self.inds = {r["code"]: r for r in rows("indicators.csv")}
        self.datasets = {r["code"]: r for r in rows("datasets.csv")}

    def ds_inds(self, ds):
        return self.datasets[ds]["indicators"].split("|")

    def subtree(self, node):
        out, todo = [], [node]
        while todo:
            u = todo.pop()
            out.append(u)
            todo += self.children[u]
        return out

    def must_report(self, ds, unit):
        d = self.datasets[ds]
        return self.units[unit]["kind"] in d["kinds"].split("|") or unit in d["units"].split("|")

    def reporting_units(self, ds):
        return [u for u in self.units if self.must_report(ds, u)]


def quarters_in(period):
    y = period[:4]
    if "Q" in period:
        return [period]
    if "S" in period:
        h = int(period[5])
        return ["%sQ%d" % (y, q) for q in ((1, 2) if h == 1 else (3, 4))]
    return ["%sQ%d" % (y, q) for q in (1, 2, 3, 4)]


def unit_value(cat, ds, leaves):
    """leaves: the unit's latest values for each quarter, chronological.
    Returns {indicator: value or None (absent)} for the non-rate ones;
    tags give a set."""
    out = {}
    for code in cat.ds_inds(ds):
        ind = cat.inds[code]
        kind = ind["kind"]
        if kind == "rate":
            continue
        v = None
        for lv in leaves:
            if code not in lv:
                continue
            x = lv[code]
            if kind == "tags":
                v = (v or set()) | set(x)
            elif ind["across_time"] == "sum":
                v = (v or 0) + x
            elif ind["across_time"] == "any":
                v = bool(v) or bool(x)
            else:  # last
                v = x
        out[code] = v
    return out


def recount(cat, ds, reports, node, period):
    """The rollup indicators of (node, ds, period) from reports
    {(unit, quarter): values of the latest version}."""
    qs = quarters_in(period)
    acc = {}
    for code in cat.ds_inds(ds):
        acc[code] = {"sum": 0, "units": 0, "tags": {}}
    for u in cat.subtree(node):
        leaves = [reports[(u, q)] for q in qs if (u, q) in reports]
        if not leaves:
            continue
        for code, v in unit_value(cat, ds, leaves).items():
            if v is None:
                continue
            a = acc[code]
            a["units"] += 1
            if isinstance(v, set):
                for t in v:
                    a["tags"][t] = a["tags"].get(t, 0) + 1
            else:
                a["sum"] += int(v)
    out = {}
    for code in cat.ds_inds(ds):
        ind = cat.inds[code]
        a = acc[code]
        kind = ind["kind"]
        if kind == "rate":
            n, d = acc[ind["numerator"]], acc[ind["denominator"]]
            out[code] = {"num": n["sum"], "den": d["sum"], "units": min(n["units"], d["units"]),
                         "value": n["sum"] / d["sum"] if d["units"] and d["sum"] else None}
        elif kind == "tags":
            out[code] = {"value": a["units"] or None, "units": a["units"],
                         "tags": {t: a["tags"].get(t, 0) for t in ind["tags"].split("|")}}
        elif kind == "bool":
            out[code] = {"value": a["sum"] if a["units"] else None, "units": a["units"],
                         "share": a["sum"] / a["units"] if a["units"] else None}
        else:
            out[code] = {"value": a["sum"] if a["units"] else None, "units": a["units"]}
    return out


def close_enough(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(a - b) < 1e-9
    return a == b


class AggregatorCase(unittest.TestCase):
    cat = Catalog()

    def rollup(self, node, period, st=None, port=None, ds=DS):
        st = st or self.st
        r = st.query_at(port, "rollup", node=node, dataset=ds, period=period) if port else \
            st.query("rollup", node=node, dataset=ds, period=period)
        self.assertTrue(r["ok"], r)
        return r["data"]

    def status(self, node, period, st=None, ds=DS):
        r = (st or self.st).query("status", node=node, dataset=ds, period=period)
        self.assertTrue(r["ok"], r)
        return r["data"]

    def assert_matches_recount(self, data, reports, node, period, ds=DS, children=True):
        """The rollup answer equals the Python recount, indicator by indicator."""
        want = recount(self.cat, ds, reports, node, period)
        got = {i["code"]: i for i in data["indicators"]}
        self.assertEqual(list(got), self.cat.ds_inds(ds))
        for code, w in want.items():
            g = got[code]
            for k, wv in w.items():
                self.assertTrue(close_enough(g.get(k), wv),
                                "%s %s %s.%s: aggregator %r, recount %r" % (node, period, code, k, g.get(k), wv))
        if children:
            kids = [c["code"] for c in data["children"]]
            self.assertEqual(sorted(kids), sorted(self.cat.children[node]))
            for c in data["children"]:
                cw = recount(self.cat, ds, reports, c["code"], period)
                for code, w in cw.items():
                    self.assertTrue(close_enough(c["values"][code], w["value"]),
                                    "%s %s child %s %s: %r, recount %r" % (node, period, c["code"], code,
                                                                        c["values"][code], w["value"]))

    def assert_status_sane(self, s):
        self.assertLessEqual(s["received"], s["expected"], s)
        self.assertEqual(s["on_time"] + s["late"], s["received"], s)
        self.assertEqual(s["received"] + s["missing"] + s["pending"], s["expected"], s)
        for k in ("expected", "received", "on_time", "late", "missing", "pending"):
            self.assertGreaterEqual(s[k], 0, s)


# ---------------------------------------------------------------------------

class TestRoundTrip(AggregatorCase):
    """Submissions of a commune, its sub-units and others; queries with exact numbers."""

    SUBMISSIONS = [  # (key, unit, values)
        (VK, VK, {"PORTAL_POSTS": 10, "STAFF_TOTAL": 40, "CONTEST_PARTICIPANTS": 30, "TTHC_LISTED": 50,
                  "TTHC_TOTAL": 80, "PORTAL_CCHC_COLUMN": True, "PLAN_ISSUED": True,
                  "OTHER_FORMS": ["mang_xa_hoi", "khac"]}),
        (VK, VK_SUBS[0], {"PORTAL_POSTS": 3, "STAFF_TOTAL": 10, "CONTEST_PARTICIPANTS": 10,
                          "PORTAL_CCHC_COLUMN": False, "OTHER_FORMS": ["khac"]}),
        (VK, VK_SUBS[1], {"PORTAL_POSTS": 0, "STAFF_TOTAL": 5, "CONTEST_PARTICIPANTS": 1, "PLAN_ISSUED": False,
                          "OTHER_FORMS": ["truc_quan", "khac"]}),
        (VK, VK_SUBS[2], {"WEBSITE_POSTS": 7, "PORTAL_CCHC_COLUMN": True, "OTHER_FORMS": []}),
        (AN_LAO, AN_LAO, {"PORTAL_POSTS": 5, "STAFF_TOTAL": 20, "CONTEST_PARTICIPANTS": 4, "PORTAL_CCHC_COLUMN": True}),
        (Y_TE, Y_TE, {"PORTAL_POSTS": 2, "STAFF_TOTAL": 100, "CONTEST_PARTICIPANTS": 100,
                      "OTHER_FORMS": ["hop_giao_ban"]}),
        (Y_TE, CDC, {"PORTAL_POSTS": 1, "STAFF_TOTAL": 30, "CONTEST_PARTICIPANTS": 0}),
    ]

    @classmethod
    def setUpClass(cls):
        cls.st = harness.Stack(now=NOW, lenient=True)
        try:
            for u in (VK, AN_LAO, Y_TE):
                cls.st.keygen(u)
            cls.st.start_collector()
            cls.st.start_aggregator()
            cls.reports = {}
            cls.acks = {}
            for i, (key, unit, vals) in enumerate(cls.SUBMISSIONS):
                r = cls.st.submit(key, vals, for_unit=unit, sid="rt-%d" % i)
                assert r and r["type"] == "ACK" and r["status"] == "accepted", r
                cls.reports[(unit, "2025Q3")] = vals
                cls.acks[unit] = r
            cls.st.wait_applied(len(cls.SUBMISSIONS))
        except BaseException:
            cls.st.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.st.close()

    def test_1_rollup_commune(self):
        """aggregator-1.1 rollup of a commune: sums over it and its sub-units, rates from sums, bool share, tag counts"""
        for period in ("2025Q3", "2025S2", "2025"):
            d = self.rollup(VK, period)
            self.assertEqual((d["node"]["code"], d["dataset"], d["period"]), (VK, DS, period))
            ind = {i["code"]: i for i in d["indicators"]}
            self.assertEqual((ind["PORTAL_POSTS"]["value"], ind["PORTAL_POSTS"]["units"]), (13, 3))
            self.assertEqual((ind["WEBSITE_POSTS"]["value"], ind["WEBSITE_POSTS"]["units"]), (7, 1))
            self.assertEqual((ind["STAFF_TOTAL"]["value"], ind["STAFF_TOTAL"]["units"]), (55, 3))
            self.assertEqual((ind["CONTEST_PARTICIPANTS"]["value"], ind["CONTEST_PARTICIPANTS"]["units"]), (41, 3))
            r = ind["CONTEST_PARTICIPATION_RATE"]
            self.assertEqual((r["num"], r["den"]), (41, 55))
            self.assertAlmostEqual(r["value"], 41 / 55)
            r = ind["TTHC_LISTED_RATE"]
            self.assertEqual((r["num"], r["den"]), (50, 80))
            self.assertAlmostEqual(r["value"], 0.625)
            b = ind["PORTAL_CCHC_COLUMN"]
            self.assertEqual((b["value"], b["units"]), (2, 3))
            self.assertAlmostEqual(b["share"], 2 / 3)
            b = ind["PLAN_ISSUED"]
            self.assertEqual((b["value"], b["units"]), (1, 2))
            self.assertAlmostEqual(b["share"], 0.5)
            self.assertEqual((ind["HOTLINE_PUBLISHED"]["value"], ind["HOTLINE_PUBLISHED"]["units"]), (None, 0))
            self.assertIsNone(ind["HOTLINE_PUBLISHED"]["share"])
            self.assertEqual((ind["RADIO_ITEMS"]["value"], ind["RADIO_ITEMS"]["units"]), (None, 0))
            t = ind["OTHER_FORMS"]
            self.assertEqual((t["value"], t["units"]), (4, 4))  # an empty tag list is an answer
            self.assertEqual({k: v for k, v in t["tags"].items() if v},
                             {"khac": 3, "mang_xa_hoi": 1, "truc_quan": 1})
            self.assertEqual(set(t["tags"]), set(self.cat.inds["OTHER_FORMS"]["tags"].split("|")))
            kids = {c["code"]: c["values"] for c in d["children"]}
            self.assertEqual(sorted(kids), sorted(VK_SUBS))
            self.assertEqual(kids[VK_SUBS[0]]["PORTAL_POSTS"], 3)
            self.assertAlmostEqual(kids[VK_SUBS[0]]["CONTEST_PARTICIPATION_RATE"], 1.0)
            self.assertEqual(kids[VK_SUBS[1]]["PORTAL_POSTS"], 0)  # an explicit 0 is a value
            self.assertEqual(kids[VK_SUBS[2]]["WEBSITE_POSTS"], 7)
            self.assertTrue(all(v is None for v in kids[VK_SUBS[3]].values()), kids[VK_SUBS[3]])
            self.assert_matches_recount(d, self.reports, VK, period)

    def test_2_rollup_city(self):
        """aggregator-1.2 rollup of the city and a department equal the recount of everything submitted"""
        d = self.rollup("HP", "2025Q3")
        ind = {i["code"]: i for i in d["indicators"]}
        if not any(k[0] == AN_LAO and self.reports[k] != self.SUBMISSIONS[4][2] for k in self.reports):
            self.assertEqual((ind["PORTAL_POSTS"]["value"], ind["PORTAL_POSTS"]["units"]), (21, 6))
            self.assertEqual((ind["STAFF_TOTAL"]["value"], ind["STAFF_TOTAL"]["units"]), (205, 6))
            self.assertEqual((ind["CONTEST_PARTICIPATION_RATE"]["num"], ind["CONTEST_PARTICIPATION_RATE"]["den"]),
                             (145, 205))
            self.assertEqual((ind["PORTAL_CCHC_COLUMN"]["value"], ind["PORTAL_CCHC_COLUMN"]["units"]), (3, 4))
            self.assertAlmostEqual(ind["PORTAL_CCHC_COLUMN"]["share"], 0.75)
            self.assertEqual(ind["OTHER_FORMS"]["tags"]["hop_giao_ban"], 1)
        for node in ("HP", Y_TE, CDC, AN_LAO):
            for period in ("2025Q3", "2025S2", "2025"):
                self.assert_matches_recount(self.rollup(node, period), self.reports, node, period)

    def test_3_status(self):
        """aggregator-1.3 status counts received, on time and pending against the expected obligations"""
        s = self.status(VK, "2025Q3")
        self.assertEqual(s["deadline"], DEADLINE_Q3)
        self.assertEqual({k: s[k] for k in ("expected", "received", "on_time", "late", "missing", "pending")},
                         {"expected": 5, "received": 4, "on_time": 4, "late": 0, "missing": 0, "pending": 1})
        self.assertAlmostEqual(s["share_on_time"], 4 / 5)
        # the year: units opened 2025-07-01 owe only 2025Q3 so far
        s = self.status(VK, "2025")
        self.assertEqual((s["expected"], s["received"]), (5, 4))
        city = self.status("HP", "2025Q3")
        n = len(self.cat.reporting_units(DS))
        self.assertEqual((city["expected"], city["received"], city["on_time"]), (n, 7, 7))
        for node in ("HP", VK, Y_TE, CDC, VK_SUBS[3]):
            for period in ("2025Q3", "2025S2", "2025"):
                self.assert_status_sane(self.status(node, period))
        s = self.status(VK_SUBS[3], "2025Q3")
        self.assertEqual((s["expected"], s["received"], s["pending"]), (1, 0, 1))

    def test_4_values(self):
        """aggregator-1.4 values of one unit: exactly what was submitted, with version, seq, submitter and on_time"""
        r = self.st.query("values", node=VK_SUBS[1], dataset=DS, period="2025Q3")
        self.assertTrue(r["ok"], r)
        d = r["data"]
        ack = self.acks[VK_SUBS[1]]
        self.assertEqual(d["values"], self.SUBMISSIONS[2][2])
        self.assertEqual((d["unit"], d["dataset"], d["period"], d["version"], d["seq"], d["id"], d["submitter"]),
                         (VK_SUBS[1], DS, "2025Q3", 1, ack["seq"], ack["id"], VK))
        self.assertEqual((d["received_at"], d["first_received_at"]), (ack["received_at"], ack["received_at"]))
        self.assertIs(d["on_time"], True)
        r = self.st.query("values", node=VK_SUBS[3], dataset=DS, period="2025Q3")
        self.assertEqual((r["ok"], r.get("code")), (False, "E_NOT_FOUND"), r)

    def test_5_correction(self):
        """aggregator-1.5 a correction changes the city rollup by exactly the difference; history lists both versions"""
        before = {i["code"]: i for i in self.rollup("HP", "2025Q3")["indicators"]}
        status_before = self.status("HP", "2025Q3")
        old = self.reports[(AN_LAO, "2025Q3")]
        new = {"PORTAL_POSTS": 9, "STAFF_TOTAL": 25, "CONTEST_PARTICIPANTS": 4, "HOTLINE_PUBLISHED": True}
        r = self.st.submit(AN_LAO, new, sid="rt-corr")
        self.assertEqual((r["type"], r["status"], r["version"]), ("ACK", "accepted", 2), r)
        self.st.wait_applied(r["seq"])
        type(self).reports[(AN_LAO, "2025Q3")] = new
        after = {i["code"]: i for i in self.rollup("HP", "2025Q3")["indicators"]}
        diff = {"PORTAL_POSTS": (4, 0), "STAFF_TOTAL": (5, 0), "PORTAL_CCHC_COLUMN": (-1, -1),
                "HOTLINE_PUBLISHED": (1, 1)}
        for code, b in before.items():
            a = after[code]
            if code in diff:
                dv, du = diff[code]
                self.assertEqual(((a["value"] or 0) - (b["value"] or 0), a["units"] - b["units"]), (dv, du), code)
            elif b["kind"] == "rate":
                num, den = a["num"] - b["num"], a["den"] - b["den"]
                self.assertEqual((num, den), (0, 5) if code == "CONTEST_PARTICIPATION_RATE" else (0, 0), code)
            else:
                self.assertEqual(a, b, code)
        st_after = self.status("HP", "2025Q3")
        self.assertEqual(st_after, status_before, "a correction is not a new report")
        self.assert_matches_recount(self.rollup("HP", "2025Q3"), self.reports, "HP", "2025Q3", children=False)
        h = self.st.query("history", node=AN_LAO, dataset=DS, period="2025Q3")
        self.assertTrue(h["ok"], h)
        vs = h["data"]["versions"]
        self.assertEqual([(v["version"], v["id"]) for v in vs], [(2, "rt-corr"), (1, self.acks[AN_LAO]["id"])])
        self.assertEqual([v["values"] for v in vs], [new, old])
        v = self.st.query("values", node=AN_LAO, dataset=DS, period="2025Q3")["data"]
        self.assertEqual((v["version"], v["values"], v["first_received_at"]), (2, new, self.acks[AN_LAO]["received_at"]))

    def test_6_unknown(self):
        """aggregator-1.6 an unknown node is answered ok=false with E_UNKNOWN_UNIT (and other bad queries with a code)"""
        for what in ("rollup", "status", "values", "history"):
            r = self.st.query(what, node="HP.KHONG_CO", dataset=DS, period="2025Q3")
            self.assertEqual((r["ok"], r.get("code")), (False, "E_UNKNOWN_UNIT"), r)
            self.assertTrue(r.get("message"), r)
        r = self.st.query("rollup", node="HP", dataset="CCHC_X", period="2025Q3")
        self.assertEqual((r["ok"], r.get("code")), (False, "E_UNKNOWN_DATASET"), r)
        r = self.st.query("rollup", node="HP", dataset=DS, period="2025Q9")
        self.assertEqual((r["ok"], r.get("code")), (False, "E_PERIOD"), r)
        r = self.st.query("nonsense", node="HP", dataset=DS, period="2025Q3")
        self.assertFalse(r["ok"], r)
        s = zmq.Context.instance().socket(zmq.DEALER)
        s.linger = 0
        s.connect("tcp://127.0.0.1:%d" % self.st.ports["query"])
        try:
            r = self.st.request(s, b"\xc1not msgpack")
            self.assertEqual((r["type"], r["ok"], r["code"]), ("RESULT", False, "E_MALFORMED"), r)
        finally:
            s.close()
        self.assertTrue(self.st.query("info")["ok"])

    def test_7_info(self):
        """aggregator-1.7 info has the documented fields; RESULT envelopes as defined, also through a REQ socket"""
        applied = len(self.SUBMISSIONS) + 1  # the correction of test 5
        d0 = self.st.wait_applied(applied)
        r = self.st.query("rollup", node="HP.NOPE", dataset=DS, period="2025Q3")
        self.assertEqual(sorted(r), ["code", "message", "ok", "qid", "type", "v"], r)
        r = self.st.query("info")
        self.assertEqual(sorted(r), ["data", "ok", "qid", "type", "v"], r)
        self.assertEqual((r["v"], r["type"], r["qid"], r["ok"]), (1, "RESULT", 7, True), r)
        d = r["data"]
        self.assertEqual(sorted(d), sorted(["applied", "head", "lag", "units", "datasets", "records_applied",
                                            "queries", "failed_queries"]), d)
        self.assertEqual(d["applied"], applied, d)
        self.assertEqual(d["lag"], d["head"] - d["applied"], d)
        self.assertGreaterEqual(d["head"], d["applied"], d)
        self.assertEqual(d["records_applied"], applied, d)  # a fresh store: every record applied in this run
        self.assertEqual(d["units"], len(self.cat.units), d)
        self.assertEqual(sorted(d["datasets"]), sorted(self.cat.datasets), d)
        self.assertEqual(d["queries"], d0["queries"] + 2, (d0, d))
        self.assertEqual(d["failed_queries"], d0["failed_queries"] + 1, (d0, d))
        # a REQ client's route has an empty delimiter frame: three frames to send back
        s = zmq.Context.instance().socket(zmq.REQ)
        s.linger = 0
        s.connect("tcp://127.0.0.1:%d" % self.st.ports["query"])
        try:
            for what in ("info", "rollup"):
                r = self.st.request(s, {"v": 1, "type": "QUERY", "qid": 9, "what": what, "node": VK, "dataset": DS,
                                        "period": "2025Q3"})
                self.assertEqual((r["type"], r["qid"], r["ok"]), ("RESULT", 9, True), r)
            self.assertEqual(r["data"]["node"]["code"], VK, r)
        finally:
            s.close()


class TestEvents(AggregatorCase):
    def setUp(self):
        self.st = harness.Stack(now=NOW, lenient=True)

    def tearDown(self):
        self.st.close()

    def next_event(self, sub, timeout=5000):
        self.assertTrue(sub.poll(timeout), "no EVENT within %d ms" % timeout)
        topic, body = sub.recv_multipart()
        ev = msgpack.unpackb(body, raw=False)
        self.assertEqual(ev["type"], "EVENT")
        self.assertEqual(topic.decode(), ev["unit"])
        return ev

    def test_events(self):
        """aggregator-2.1 one EVENT per applied submission, on_time true before the deadline and false after"""
        st = self.st
        for u in (VK, AN_LAO, Y_TE):
            st.keygen(u)
        # 10 s before the 2025Q3 deadline
        st.start_collector(now="2025-09-09T23:59:50+07:00")
        st.start_aggregator()
        sub = st.subscriber()
        only = st.subscriber(topic=AN_LAO.encode())
        try:
            a = st.submit(VK, {"PORTAL_POSTS": 1}, sid="ev-1")
            b = st.submit(VK, {"PORTAL_POSTS": 2}, for_unit=VK_SUBS[0], sid="ev-2")
            for ack, unit in ((a, VK), (b, VK_SUBS[0])):
                self.assertEqual(ack["status"], "accepted", ack)
                ev = self.next_event(sub)
                self.assertEqual((ev["seq"], ev["unit"], ev["submitter"], ev["dataset"], ev["period"], ev["version"],
                                  ev["received_at"], ev["on_time"]),
                                 (ack["seq"], unit, VK, DS, "2025Q3", 1, ack["received_at"], True))
                self.assertLess(ev["received_at"], DEADLINE_Q3)
            # the deadline has passed
            st.stop("collector")
            st.start_collector(now="2025-09-10T00:00:00+07:00")
            c = st.submit(AN_LAO, {"PORTAL_POSTS": 3}, sid="ev-3")
            d = st.submit(VK, {"PORTAL_POSTS": 4}, sid="ev-4")  # a late correction of an on-time report
            e = st.submit(Y_TE, {"PORTAL_POSTS": 5}, sid="ev-5")
            self.assertEqual([x["status"] for x in (c, d, e)], ["accepted"] * 3)
            got = [self.next_event(sub, 10000) for _ in range(3)]
            self.assertEqual([(g["seq"], g["unit"], g["version"], g["on_time"]) for g in got],
                             [(c["seq"], AN_LAO, 1, False), (d["seq"], VK, 2, True), (e["seq"], Y_TE, 1, False)])
            self.assertGreaterEqual(got[0]["received_at"], DEADLINE_Q3)
            self.assertFalse(sub.poll(300), "an extra EVENT")
            # the topic is the unit code: a subscriber to one unit hears only it
            ev = self.next_event(only)
            self.assertEqual((ev["unit"], ev["seq"]), (AN_LAO, c["seq"]))
            self.assertFalse(only.poll(300))
            s = self.status("HP", "2025Q3")
            self.assertEqual((s["received"], s["on_time"], s["late"]), (4, 2, 2))
            self.assert_status_sane(s)
            v = st.query("values", node=VK, dataset=DS, period="2025Q3")["data"]
            self.assertEqual((v["version"], v["on_time"], v["first_received_at"]), (2, True, a["received_at"]))
            # duplicates and refusals publish nothing
            st.submit(AN_LAO, {"PORTAL_POSTS": 3}, sid="ev-3")
            st.submit(AN_LAO, {"PORTAL_POSTS": -3}, sid="ev-6")
            self.assertFalse(sub.poll(800), "an EVENT for a duplicate or a refusal")
        finally:
            sub.close()
            only.close()


class TestCrashRecount(AggregatorCase):
    NOW = "2025-10-20T09:00:00+07:00"  # 2025Q3 is late, 2025Q4 is open

    def setUp(self):
        self.st = harness.Stack(curve=False, now=self.NOW, lenient=True)

    def tearDown(self):
        self.st.close()

    @staticmethod
    def random_values(rnd, cat):
        vals = {}
        for code in cat.ds_inds(DS):
            ind = cat.inds[code]
            if ind["kind"] == "rate" or rnd.random() < 0.35:
                continue
            if ind["kind"] == "bool":
                vals[code] = rnd.random() < 0.5
            elif ind["kind"] == "tags":
                vals[code] = rnd.sample(ind["tags"].split("|"), rnd.randint(0, 3))
            else:
                vals[code] = rnd.randint(0, 60)
        for num, den in (("CONTEST_PARTICIPANTS", "STAFF_TOTAL"), ("TTHC_LISTED", "TTHC_TOTAL")):
            if num in vals and den in vals and vals[num] > vals[den]:
                vals[num], vals[den] = vals[den], vals[num]
        return vals

    def test_kill9_recount(self):
        """aggregator-3.1 kill -9 mid-stream of 1,000 submissions: rollups equal a fresh recount and a Python recount"""
        st = self.st
        cat = self.cat
        st.start_collector("--insecure")
        st.start_aggregator()
        rnd = random.Random(20250905)
        units = cat.reporting_units(DS)
        reports = {}   # (unit, quarter) -> (version, values)
        firsts = {}    # (unit, quarter) -> received_at of version 1
        versions = {}  # (unit, quarter) -> every version ACKed
        sock = st.dealer()
        n, chunk = 1000, 50
        kills = 0
        try:
            for c in range(n // chunk):
                msgs = {}
                for i in range(chunk):
                    sid = "s-%04d" % (c * chunk + i)
                    unit, q = rnd.choice(units), rnd.choice(("2025Q3", "2025Q4"))
                    msgs[sid] = {"v": 1, "type": "SUBMIT", "id": sid, "unit": unit, "dataset": DS, "period": q,
                                 "values": self.random_values(rnd, cat)}
                    sock.send(packb(msgs[sid]))
                for _ in range(chunk):
                    self.assertTrue(sock.poll(10000), "the collector stopped answering")
                    r = msgpack.unpackb(sock.recv(), raw=False)
                    self.assertEqual((r["type"], r.get("status")), ("ACK", "accepted"), r)
                    m = msgs[r["id"]]
                    key = (m["unit"], m["period"])
                    versions.setdefault(key, []).append(r["version"])
                    if r["version"] == 1:
                        firsts[key] = r["received_at"]
                    if r["version"] > reports.get(key, (0, None))[0]:
                        reports[key] = (r["version"], m["values"])
                # kill the aggregator while it is pulling/applying what was just stored; restart it
                # two chunks later, while the stream goes on
                if c in (4, 11):
                    st.kill9("aggregator")
                    kills += 1
                if c in (6, 13):
                    st.start_aggregator()
        finally:
            sock.close()
        self.assertEqual(kills, 2)
        for key, vs in versions.items():  # group commit numbers the versions of a report 1..k
            self.assertEqual(sorted(vs), list(range(1, len(vs) + 1)), key)
        head = len(st.fetch_journal())
        self.assertEqual(head, n)
        st.wait_applied(head, timeout=30)
        self.assertGreaterEqual(st.log("aggregator").count("rollups "), 3)

        # a second aggregator on a fresh data_dir recounts the same journal
        qport, eport = harness.free_port(), harness.free_port()
        cfg = st.write_variant_config("recount", {"aggregator": {
            "data_dir": os.path.join(st.dir, "aggregator2"),
            "query_endpoint": "tcp://127.0.0.1:%d" % qport,
            "event_endpoint": "tcp://127.0.0.1:%d" % eport}})
        st.start_as("aggregator2", "aggregator", cfg, wait_port=qport)
        t0 = time.time()
        while st.query_at(qport, "info")["data"]["applied"] < head:
            self.assertLess(time.time() - t0, 30, "the fresh aggregator did not catch up")
            time.sleep(0.1)

        latest = {k: v[1] for k, v in reports.items()}
        nodes = ["HP", VK, Y_TE, "HP.DAC_KHU.CAT_HAI", "HP.SO.XAY_DUNG.VP", "HP.PHUONG.LE_CHAN", AN_LAO]
        for node in nodes:
            for period in ("2025Q3", "2025Q4", "2025S2", "2025"):
                a = self.rollup(node, period)
                b = self.rollup(node, period, port=qport)
                self.assertEqual(a, b, "rollup %s %s: the crashed aggregator differs from a fresh recount" % (node, period))
                self.assert_matches_recount(a, latest, node, period, children=(node in ("HP", VK, "HP.DAC_KHU.CAT_HAI")))
                s1 = self.status(node, period)
                s2 = st.query_at(qport, "status", node=node, dataset=DS, period=period)["data"]
                self.assertEqual(s1, s2, "status %s %s" % (node, period))
                self.assert_status_sane(s1)
                # completeness from the submissions: first versions before/after each deadline
                sub = set(cat.subtree(node))
                got = [k for k in firsts if k[0] in sub and k[1] in quarters_in(period)]
                self.assertEqual(s1["received"], len(got), "status %s %s" % (node, period))
                self.assertEqual(s1["late"], sum(1 for k in got if k[1] == "2025Q3"), "status %s %s" % (node, period))
        # each unit's values are its latest version
        for key in list(latest)[:40]:
            r = st.query("values", node=key[0], dataset=DS, period=key[1])
            self.assertEqual((r["data"]["version"], r["data"]["values"]), reports[key], key)


class TestDecisions(AggregatorCase):
    """Decisions journaled by the collector (DECIDE through a gateway key)
    and applied by the aggregator: approval state, approved-only rollups,
    an extension, a silence, the history; no EVENT for a decision; a rebuild
    from the journal gives the same answers."""

    def setUp(self):
        self.st = harness.Stack(now=NOW, lenient=True)

    def tearDown(self):
        self.st.close()

    def decide(self, sock, did, decision, unit, **kw):
        m = {"v": 1, "type": "DECIDE", "id": did, "unit": unit, "dataset": DS, "period": "2025Q3",
             "decision": decision, "entered_by": "tran.thi.b"}
        m.update(kw)
        r = self.st.request(sock, m)
        if r and r["type"] == "NACK" and r["code"] == "E_TYPE":
            # a collector built before DECIDE (branch i12-decide): nothing to test yet
            self.fail("the collector does not accept DECIDE")
        self.assertTrue(r and r["type"] == "ACK", r)
        return r

    def answers(self, now_status=True):
        st, out = self.st, []
        for what, kw in (("status", {"node": "HP"}), ("units", {"node": "HP"}), ("values", {"node": VK}),
                         ("values", {"node": AN_LAO}), ("history", {"node": AN_LAO}),
                         ("rollup", {"node": "HP", "approved": True}), ("rollup", {"node": "HP"})):
            r = st.query(what, dataset=DS, period="2025Q3", **kw)
            self.assertTrue(r["ok"], r)
            out.append(r["data"])
        return out

    def test_decisions(self):
        """aggregator-5.1 approve/return/extend/silence through the collector: approval counters, approved-only rollup, pending until the extension, silenced; no EVENT; the same answers after a rebuild from the journal"""
        st = self.st
        for u in (VK, AN_LAO, Y_TE):
            st.keygen(u)
        gw = st.keygen("HP", gateway=True)
        st.start_collector()
        st.start_aggregator()
        sub = st.subscriber()
        gws = st.dealer(public=gw[0], secret=gw[1])
        try:
            va = {"PORTAL_POSTS": 10, "STAFF_TOTAL": 40}
            vb = {"PORTAL_POSTS": 5, "STAFF_TOTAL": 20}
            a = st.submit(VK, va, sid="dc-1")
            b = st.submit(AN_LAO, vb, sid="dc-2")
            self.assertEqual([a["status"], b["status"]], ["accepted"] * 2)
            for _ in range(2):
                self.assertTrue(sub.poll(5000))
                sub.recv_multipart()
            self.decide(gws, "dc-a", "approve", VK, version=1, note="Đồng ý")
            self.decide(gws, "dc-r", "return", AN_LAO, version=1, note="Thiếu số cán bộ")
            self.decide(gws, "dc-e", "extend", Y_TE, due="2025-09-20", note="Dịch bệnh")
            last = self.decide(gws, "dc-s", "silence", CDC)
            st.wait_applied(last["seq"])
            self.assertFalse(sub.poll(800), "an EVENT for a decision")

            s = self.status("HP", "2025Q3")
            self.assertEqual((s["received"], s["approved"], s["awaiting"], s["returned"], s["extended"], s["silenced"]),
                             (2, 1, 0, 1, 1, 1))
            self.assert_status_sane(s)
            v = st.query("values", node=VK, dataset=DS, period="2025Q3")["data"]
            self.assertEqual((v["approval"], v["approved_version"], v["decided_by"], v["decision_note"]),
                             ("approved", 1, "tran.thi.b", "Đồng ý"))
            v = st.query("values", node=AN_LAO, dataset=DS, period="2025Q3")["data"]
            self.assertEqual((v["approval"], v["decision_note"]), ("returned", "Thiếu số cán bộ"))
            self.assertNotIn("approved_version", v)
            # the approval queue: units with status=awaiting; returned ones
            r = st.query("units", node="HP", dataset=DS, period="2025Q3", status="returned")["data"]
            self.assertEqual([u["code"] for u in r["units"]], [AN_LAO])
            self.assertEqual(st.query("units", node="HP", dataset=DS, period="2025Q3", status="awaiting")["data"]
                             ["matched"], 0)
            units = {u["code"]: u for u in st.query("units", node="HP", dataset=DS, period="2025Q3")["data"]["units"]}
            self.assertEqual((units[Y_TE]["due"], units[Y_TE]["due_reason"]), (1758387600, "Dịch bệnh"))
            self.assertTrue(units[CDC]["silenced"])
            self.assertEqual(units[VK]["approval"], "approved")
            # approved-only rollup: VK's report only; the ordinary one both
            self.assert_matches_recount(self.rollup("HP", "2025Q3"), {(VK, "2025Q3"): va, (AN_LAO, "2025Q3"): vb},
                                        "HP", "2025Q3", children=False)
            appr = st.query("rollup", node="HP", dataset=DS, period="2025Q3", approved=True)
            self.assertTrue(appr["ok"], appr)
            self.assert_matches_recount(appr["data"], {(VK, "2025Q3"): va}, "HP", "2025Q3")
            # history: the decision with its author
            h = st.query("history", node=AN_LAO, dataset=DS, period="2025Q3")["data"]
            self.assertEqual([(d["decision"], d["version"], d["entered_by"], d["submitter"]) for d in h["decisions"]],
                             [("return", 1, "tran.thi.b", "HP")])
            # a correction awaits again
            c = st.submit(AN_LAO, {"PORTAL_POSTS": 6, "STAFF_TOTAL": 20}, sid="dc-3")
            st.wait_applied(c["seq"])
            s = self.status("HP", "2025Q3")
            self.assertEqual((s["approved"], s["awaiting"], s["returned"]), (1, 1, 0))
            before = self.answers()

            # after the deadline, before the extension: Y_TE pending, the rest missing
            st.stop("aggregator")
            st.start_aggregator(now="2025-09-15T09:00:00+07:00")
            s = self.status(Y_TE, "2025Q3")
            units = {u["code"]: u for u in st.query("units", node=Y_TE, dataset=DS, period="2025Q3")["data"]["units"]}
            self.assertEqual(units[Y_TE]["status"], "pending")
            self.assertEqual(units[CDC]["status"], "missing")
            self.assertEqual(s["pending"], 1)
            self.assert_status_sane(s)

            # a rebuild from the journal: the same answers
            st.stop("aggregator")
            shutil.rmtree(os.path.join(st.dir, "aggregator"))
            st.start_aggregator()
            st.wait_applied(c["seq"])
            self.assertEqual(self.answers(), before)
        finally:
            sub.close()
            gws.close()


class TestCollectorDown(AggregatorCase):
    def setUp(self):
        self.st = harness.Stack(curve=False, now=NOW, lenient=True)

    def tearDown(self):
        self.st.close()

    def test_collector_down(self):
        """aggregator-4.1 the aggregator keeps answering queries while the collector is down and catches up after"""
        st = self.st
        st.start_collector("--insecure")
        st.start_aggregator()
        for i, u in enumerate((VK, AN_LAO, Y_TE)):
            r = st.submit(None, {"PORTAL_POSTS": i + 1}, for_unit=u, sid="down-%d" % i)
            self.assertEqual(r["status"], "accepted", r)
        st.wait_applied(3)
        st.kill9("collector")
        t0 = time.time()
        while time.time() - t0 < 5:  # beyond the aggregator's FETCH timeout (wait_ms + 3 s)
            q0 = time.time()
            d = self.rollup("HP", "2025Q3")
            self.assertLess(time.time() - q0, 1.0, "a query took more than a second while the collector is down")
            self.assertEqual({i["code"]: i["value"] for i in d["indicators"]}["PORTAL_POSTS"], 6)
            self.assertEqual(st.query("info")["data"]["applied"], 3)
            time.sleep(0.2)
        self.assertIsNone(st.procs["aggregator"].poll())
        st.start_collector("--insecure")
        for i, u in enumerate((CDC, VK_SUBS[0])):
            r = st.submit(None, {"PORTAL_POSTS": 10}, for_unit=u, sid="up-%d" % i)
            self.assertEqual((r["status"], r["seq"]), ("accepted", 4 + i), r)
        st.wait_applied(5, timeout=15)
        d = self.rollup("HP", "2025Q3")
        self.assertEqual({i["code"]: (i["value"], i["units"]) for i in d["indicators"]}["PORTAL_POSTS"], (26, 5))
        s = self.status("HP", "2025Q3")
        self.assertEqual(s["received"], 5)
        self.assert_status_sane(s)


if __name__ == "__main__":
    harness.main()
