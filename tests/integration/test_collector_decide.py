"""Integration tests of decisions through cchc-collector: DECIDE (approve,
return, extend, silence, unsilence) over CURVE, who may decide what, every
check and its sentence, idempotence, the journal feed, kill -9 and SIGTERM.

The clock is simulated as in test_collector.py (--now 2025-09-05 09:00 +07:
2025Q3 is current, 2025Q4 in the future).  Units: the city HP (does not
report), its departments SO and SO2 (siblings), SO's sub-unit SUB.
"""
import os
import re
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_collector import (NOW, NOW_EPOCH, ROOT, SO, SO2, SUB, UNITS, CollectorCase, OwnStackCase,  # noqa: E402
                            packb, submit_msg)

import msgpack  # noqa: E402

NOBODY = "HP.SO.KHONG_CO"  # not in the catalog


def decide_msg(did, decision, unit=SO, version=None, due=None, note=None, period="2025Q3", dataset="CCHC_Q",
               **extra):
    m = {"v": 1, "type": "DECIDE", "id": did, "unit": unit, "dataset": dataset, "period": period,
         "decision": decision}
    for k, v in (("version", version), ("due", due), ("note", note)):
        if v is not None:
            m[k] = v
    m.update(extra)
    return m


class DecideCase(CollectorCase):
    """One collector with keys for UNITS and a gateway key of SO."""

    @classmethod
    def setUpClass(cls):
        cls.st = harness.Stack(now=NOW, lenient=True)
        try:
            for u in UNITS:
                cls.st.keygen(u)
            cls.gw_keys = cls.st.keygen(SO, gateway=True)
            cls.st.start_collector()
        except BaseException:
            cls.st.close()
            raise
        cls.n = 0
        cls.socks = {}

    @classmethod
    def tearDownClass(cls):
        for s in cls.socks.values():
            s.close()
        cls.st.close()

    def sock(self, unit):
        """A kept connection with the key of `unit` ("gateway": SO's gateway key)."""
        if unit not in self.socks:
            if unit == "gateway":
                self.socks[unit] = self.st.dealer(public=self.gw_keys[0], secret=self.gw_keys[1])
            else:
                self.socks[unit] = self.st.dealer(unit)
        return self.socks[unit]

    def report(self, unit, key=None):
        """Submits a report of `unit` for CCHC_Q 2025Q3; returns the ACK."""
        return self.accept(self.sock(key or unit), submit_msg(self.sid("rep"), unit=unit))

    def stored(self):
        return len(self.st.fetch_journal())


class TestDecide(DecideCase):
    def test_1_approve(self):
        """decide-1.1 an approval is ACKed with its seq and the version decided, stored as a RECORD with empty values; the report's version is unchanged by it"""
        rep = self.report(SUB)
        d = decide_msg(self.sid(), "approve", unit=SUB, version=rep["version"], note="Đồng ý")
        ack = self.accept(self.sock(SO), d)
        self.assertEqual((ack["version"], ack["received_at"]), (rep["version"], NOW_EPOCH))
        self.assertEqual(ack["seq"], rep["seq"] + 1)
        rec = self.journal_by_id()[d["id"]]
        self.assertEqual((rec["seq"], rec["unit"], rec["submitter"], rec["dataset"], rec["period"]),
                         (ack["seq"], SUB, SO, "CCHC_Q", "2025Q3"))
        self.assertEqual((rec["decision"], rec["version"], rec["values"], rec["note"]),
                         ("approve", rep["version"], {}, "Đồng ý"))
        self.assertNotIn("due", rec)
        self.assertNotIn("entered_by", rec)
        # extend / silence / unsilence: version 0
        for what, extra in (("extend", {"due": "2025-10-25", "note": "mưa bão"}), ("silence", {}), ("unsilence", {})):
            a = self.accept(self.sock(SO), decide_msg(self.sid(), what, unit=SUB, **extra))
            self.assertEqual(a["version"], 0, what)
        rec = self.journal_by_id()
        ext = [r for r in rec.values() if r.get("decision") == "extend"][-1]
        self.assertEqual((ext["due"], ext["note"], ext["version"], ext["values"]), ("2025-10-25", "mưa bão", 0, {}))
        # a correction after the decisions is the next version, not more
        corr = self.report(SUB)
        self.assertEqual(corr["version"], rep["version"] + 1)

    def test_2_rights(self):
        """decide-1.2 approve/return: the unit's own key or an ancestor's; extend/silence/unsilence: only an ancestor's; a sibling's key and an unknown unit get the same sentence"""
        self.report(SO)
        latest = max(r["version"] for r in self.st.fetch_journal() if r["unit"] == SO and not r.get("decision"))
        before = self.stored()
        # refused: child -> parent, sibling, sibling on an unknown unit; extend of one's own deadline
        r_child = self.nack(self.sock(SUB), decide_msg(self.sid(), "approve", unit=SO, version=latest), "E_FORBIDDEN")
        r_sib = self.nack(self.sock(SO2), decide_msg(self.sid(), "approve", unit=SO, version=latest), "E_FORBIDDEN")
        r_none = self.nack(self.sock(SO2), decide_msg(self.sid(), "approve", unit=NOBODY, version=1), "E_FORBIDDEN")
        self.assertEqual(r_sib["message"].replace(SO, "X"), r_none["message"].replace(NOBODY, "X"))
        self.assertIn(SUB, r_child["message"])
        for what, extra in (("extend", {"due": "2025-10-20", "note": "lý do"}), ("silence", {}), ("unsilence", {})):
            own = self.nack(self.sock(SO), decide_msg(self.sid(), what, unit=SO, **extra), "E_FORBIDDEN")
            self.assertIn("own deadline", own["message"])
            sib = self.nack(self.sock(SO2), decide_msg(self.sid(), what, unit=SO, **extra), "E_FORBIDDEN")
            none = self.nack(self.sock(SO2), decide_msg(self.sid(), what, unit=NOBODY, **extra), "E_FORBIDDEN")
            self.assertEqual(sib["message"].replace(SO, "X"), none["message"].replace(NOBODY, "X"))
            self.nack(self.sock(SUB), decide_msg(self.sid(), what, unit=SO, **extra), "E_FORBIDDEN")
        # a unit's key may not name a user
        r = self.nack(self.sock(ROOT), decide_msg(self.sid(), "silence", unit=SO, entered_by="a.b"), "E_FORBIDDEN")
        self.assertIn("gateway", r["message"])
        self.assertEqual(self.stored(), before, "a refused decision was stored")
        # accepted: own key approves, the city returns, the city extends and silences its department
        self.accept(self.sock(SO), decide_msg(self.sid(), "approve", unit=SO, version=latest))
        self.accept(self.sock(ROOT), decide_msg(self.sid(), "return", unit=SO, version=latest, note="Thiếu phụ lục"))
        self.accept(self.sock(ROOT), decide_msg(self.sid(), "extend", unit=SO, due="2025-10-31", note="Sáp nhập"))
        self.accept(self.sock(ROOT), decide_msg(self.sid(), "silence", unit=SO))
        self.accept(self.sock(SO), decide_msg(self.sid(), "unsilence", unit=SUB))
        self.assertEqual(self.stored(), before + 5)

    def test_3_gateway(self):
        """decide-1.3 a gateway key decides for any unit of its subtree and must name the user (entered_by), which the journal keeps"""
        rep = self.report(SUB)
        gw = self.sock("gateway")
        r = self.nack(gw, decide_msg(self.sid(), "approve", unit=SUB, version=rep["version"]), "E_FORBIDDEN")
        self.assertIn("entered_by", r["message"])
        sib = self.nack(gw, decide_msg(self.sid(), "silence", unit=SO2, entered_by="pho.gd"), "E_FORBIDDEN")
        none = self.nack(gw, decide_msg(self.sid(), "silence", unit=NOBODY, entered_by="pho.gd"), "E_FORBIDDEN")
        self.assertEqual(sib["message"].replace(SO2, "X"), none["message"].replace(NOBODY, "X"))
        a = self.accept(gw, decide_msg(self.sid(), "approve", unit=SUB, version=rep["version"], entered_by="pho.gd"))
        # the web checks the user's role; the collector lets the gateway extend within its subtree, SO included
        b = self.accept(gw, decide_msg(self.sid(), "extend", unit=SO, due="2025-10-15", note="Đề nghị của Sở",
                                       entered_by="van.phong"))
        j = self.journal_by_id()
        self.assertEqual((j[a["id"]]["entered_by"], j[a["id"]]["submitter"]), ("pho.gd", SO))
        self.assertEqual((j[b["id"]]["entered_by"], j[b["id"]]["decision"]), ("van.phong", "extend"))

    def test_4_checks(self):
        """decide-1.4 every check of a DECIDE has its code and sentence, and a refused decision stores nothing"""
        rep = self.report(SO2)
        v = rep["version"]
        before = self.stored()
        cases = [
            (decide_msg(self.sid(), "accept", unit=SO2, version=v), "E_FIELD", "unknown decision 'accept'"),
            (decide_msg(self.sid(), "approve", unit=SO2, version=v, dataset="KHONG_CO"), "E_UNKNOWN_DATASET", "KHONG_CO"),
            (decide_msg(self.sid(), "approve", unit=ROOT, version=1), "E_NOT_REQUIRED", "does not report"),
            (decide_msg(self.sid(), "approve", unit=SO2, version=v, period="2025"), "E_PERIOD", "per quarter"),
            (decide_msg(self.sid(), "approve", unit=SO2, version=v, period="2025Q4"), "E_FUTURE_PERIOD", "not begun"),
            (decide_msg(self.sid(), "silence", unit=SO2, period="2025Q2"), "E_UNIT_CLOSED", "did not exist"),
            (decide_msg(self.sid(), "approve", unit=SO2), "E_FIELD", "needs the version"),
            (decide_msg(self.sid(), "approve", unit=SO2, version=v, due="2025-10-20"), "E_FIELD", "takes no due"),
            (decide_msg(self.sid(), "return", unit=SO2, version=v), "E_FIELD", "needs a note"),
            (decide_msg(self.sid(), "return", unit=SO2, version=v, note="  \n"), "E_FIELD", "needs a note"),
            (decide_msg(self.sid(), "extend", unit=SO2, note="lý do"), "E_FIELD", "needs the new last day"),
            (decide_msg(self.sid(), "extend", unit=SO2, due="2025-02-30", note="x"), "E_FIELD", "not a date"),
            (decide_msg(self.sid(), "extend", unit=SO2, due="20251020", note="x"), "E_FIELD", "not a date"),
            (decide_msg(self.sid(), "extend", unit=SO2, due="2025-10-200", note="x"), "E_FIELD", "length"),
            (decide_msg(self.sid(), "extend", unit=SO2, due="2025-06-30", note="x"), "E_FIELD",
             "before period 2025Q3 begins (2025-07-01)"),
            (decide_msg(self.sid(), "extend", unit=SO2, due="2025-10-20"), "E_FIELD", "reason"),
            (decide_msg(self.sid(), "extend", unit=SO2, due="2025-10-20", note="x", version=1), "E_FIELD",
             "takes no version"),
            (decide_msg(self.sid(), "silence", unit=SO2, version=1), "E_FIELD", "takes no version"),
            (decide_msg(self.sid(), "approve", unit=SO2, version=v + 4), "E_DECISION",
             "has no version %d; the latest is %d" % (v + 4, v)),
            (decide_msg(self.sid(), "approve", unit=SUB, version=1, dataset="CCHC_Y", period="2025"), "E_DECISION",
             "nothing received yet"),
            # decoding: the field kinds of messages.def
            (decide_msg(self.sid(), 7, unit=SO2), "E_FIELD", "'decision'"),
            (decide_msg(self.sid(), "approve", unit=SO2, version=-1), "E_FIELD", "'version'"),
            (decide_msg(self.sid(), "return", unit=SO2, version=v, note="x" * 1025), "E_FIELD", "'note'"),
            (decide_msg(self.sid(), "approve", unit=SO2, version=v, entered_by="có dấu"), "E_FIELD", "'entered_by'"),
            (decide_msg(self.sid(), "approve", unit=SO2, version=v, pad="x" * 5000), "E_TOO_LARGE", "4096"),
        ]
        for msg, code, text in cases:
            with self.subTest(code=code, text=text):
                r = self.nack(self.sock(ROOT), msg, code)  # the city may decide anything for SO2
                self.assertIn(text, r["message"])
                self.assertEqual(r["id"], msg["id"])
        missing = decide_msg(self.sid(), "approve", unit=SO2, version=v)
        del missing["dataset"]
        r = self.nack(self.sock(ROOT), missing, "E_FIELD")
        self.assertIn("missing field 'dataset'", r["message"])
        self.assertEqual(self.stored(), before, "a refused decision was stored")
        self.assert_alive()

    def test_5_latest_and_repeat(self):
        """decide-1.5 approve/return must name the latest version: a replaced version is refused; approving the approved version again (new id) is E_DECISION, a return after it is stored"""
        first = self.report(SO2, key=SO2)
        second = self.report(SO2, key=SO2)
        s = self.sock(SO2)
        r = self.nack(s, decide_msg(self.sid(), "approve", unit=SO2, version=first["version"]), "E_DECISION")
        self.assertIn("replaced by a correction; the latest is %d" % second["version"], r["message"])
        self.accept(s, decide_msg(self.sid(), "approve", unit=SO2, version=second["version"]))
        r = self.nack(s, decide_msg(self.sid(), "approve", unit=SO2, version=second["version"]), "E_DECISION")
        self.assertIn("already approved", r["message"])
        self.accept(s, decide_msg(self.sid(), "return", unit=SO2, version=second["version"], note="Sai số liệu"))
        r = self.nack(s, decide_msg(self.sid(), "return", unit=SO2, version=second["version"], note="lần nữa"),
                      "E_DECISION")
        self.assertIn("already returned", r["message"])
        third = self.report(SO2, key=SO2)
        self.assertEqual(third["version"], second["version"] + 1)
        self.accept(s, decide_msg(self.sid(), "approve", unit=SO2, version=third["version"]))

    def test_6_idempotent(self):
        """decide-1.6 a retried DECIDE (same id, same content) is ACKed duplicate with its seq; other content under that id, or a SUBMIT under it, is E_CONFLICT"""
        s = self.sock(ROOT)
        d = decide_msg(self.sid(), "extend", unit=SO2, due="2025-10-20", note="Lũ lụt")
        first = self.accept(s, d)
        before = self.stored()
        again = self.send(s, d)
        self.assertEqual((again["type"], again["status"], again["seq"], again["version"], again["received_at"]),
                         ("ACK", "duplicate", first["seq"], 0, first["received_at"]))
        # from a new connection, fields in another order
        fresh = self.st.dealer(ROOT)
        try:
            r = self.send(fresh, dict(reversed(list(d.items()))))
            self.assertEqual((r["status"], r["seq"]), ("duplicate", first["seq"]))
        finally:
            fresh.close()
        for change in ({"due": "2025-10-21"}, {"note": "khác"}, {"decision": "silence", "due": None, "note": None},
                       {"unit": SO}):
            other = {k: v for k, v in dict(d, **change).items() if v is not None}
            r = self.nack(s, other, "E_CONFLICT")
            self.assertIn("seq %d" % first["seq"], r["message"])
        # a SUBMIT under a decision's id (SO's key may do both for SUB)
        sd = decide_msg(self.sid(), "silence", unit=SUB)
        self.accept(self.sock(SO), sd)
        r = self.nack(self.sock(SO), submit_msg(sd["id"], unit=SUB), "E_CONFLICT")
        self.assertIn("already used", r["message"])
        self.assertEqual(self.stored(), before + 1)

    def test_7_feed_order(self):
        """decide-1.7 the journal feed carries decision RECORDs among the reports in seq order"""
        a = self.report(SO)
        d1 = self.accept(self.sock(ROOT), decide_msg(self.sid(), "silence", unit=SO))
        b = self.report(SO)
        d2 = self.accept(self.sock(ROOT), decide_msg(self.sid(), "approve", unit=SO, version=b["version"]))
        recs = self.st.fetch_journal(after=a["seq"] - 1)
        self.assertEqual([r["seq"] for r in recs], list(range(a["seq"], a["seq"] + len(recs))))
        mine = [(r["id"], r.get("decision", ""), r["version"]) for r in recs if r["id"] in
                (a["id"], d1["id"], b["id"], d2["id"])]
        self.assertEqual(mine, [(a["id"], "", a["version"]), (d1["id"], "silence", 0), (b["id"], "", b["version"]),
                                (d2["id"], "approve", b["version"])])


class TestDecideRevocation(OwnStackCase):
    def test_revocation(self):
        """decide-1.9 a DECIDE's key is looked up per message: after SIGHUP a key deleted from the keyring gets E_FORBIDDEN on an open connection, a key moved to another unit decides as that unit"""
        st = self.st
        st.start_collector()
        keys = {u: st.keygen(u)[0] for u in (ROOT, SO)}
        hp, so = st.dealer(ROOT), st.dealer(SO)
        try:
            self.accept(hp, decide_msg("rv-1", "silence", unit=SO))
            self.accept(so, decide_msg("rv-2", "silence", unit=SUB))
            # HP's key deleted; SO's key now belongs to SO2 (a sibling of SO, not above SUB)
            self.write_keyring([(SO2, keys[SO])])
            self.sighup()
            r = self.nack(hp, decide_msg("rv-3", "unsilence", unit=SO), "E_FORBIDDEN")
            self.assertIn("keyring", r["message"])
            r = self.nack(so, decide_msg("rv-4", "unsilence", unit=SUB), "E_FORBIDDEN")
            self.assertIn("key of %s" % SO2, r["message"])
            self.assertEqual(sorted(x["id"] for x in st.fetch_journal()), ["rv-1", "rv-2"])
        finally:
            hp.close()
            so.close()


class TestInsecureDecide(unittest.TestCase):
    def test_insecure(self):
        """decide-1.8 without CURVE (--insecure) a DECIDE is trusted, as a SUBMIT is: the submitter is its unit"""
        st = harness.Stack(curve=False, now=NOW, lenient=True)
        try:
            st.start_collector("--insecure")
            s = st.dealer()
            try:
                r = st.request(s, submit_msg("i-1", unit=SO))
                r = st.request(s, decide_msg("i-2", "approve", unit=SO, version=r["version"]))
                self.assertEqual(r["type"], "ACK", r)
                rec = {x["id"]: x for x in st.fetch_journal()}["i-2"]
                self.assertEqual((rec["submitter"], rec["decision"]), (SO, "approve"))
            finally:
                s.close()
        finally:
            st.close()


class TestDecideCrash(unittest.TestCase):
    def setUp(self):
        self.st = harness.Stack(now=NOW, lenient=True)
        for u in UNITS:
            self.st.keygen(u)

    def tearDown(self):
        self.st.close()

    def test_kill9(self):
        """decide-2.1 decisions survive a kill -9 of the collector: every ACKed decision is in the journal once, at its seq, after a restart; retries are duplicates; versions are unchanged"""
        st = self.st
        st.start_collector()
        s = st.dealer(ROOT)
        rep = st.submit(SO, {"PORTAL_POSTS": 1}, sid="k9-rep")
        self.assertEqual(rep["type"], "ACK", rep)
        msgs = [decide_msg("k9-%03d" % i, "silence" if i % 2 == 0 else "unsilence", unit=SO) for i in range(300)]
        msgs.append(decide_msg("k9-approve", "approve", unit=SO, version=rep["version"]))
        acks = {}
        try:
            for m in msgs:
                s.send(packb(m))
            # kill -9 once some are answered: the others may or may not be stored
            while len(acks) < 40 and s.poll(5000):
                r = msgpack.unpackb(s.recv(), raw=False)
                acks[r["id"]] = r
            st.kill9("collector")
        finally:
            s.close()
        self.assertGreaterEqual(len(acks), 40)
        st.start_collector()
        s = st.dealer(ROOT)
        try:
            for m in msgs:  # every client retries what it sent (Lazy Pirate), same ids
                r = st.request(s, m)
                self.assertEqual(r["type"], "ACK", r)
                if m["id"] in acks:
                    self.assertEqual((r["status"], r["seq"]), ("duplicate", acks[m["id"]]["seq"]), m["id"])
                acks[m["id"]] = r
        finally:
            s.close()
        recs = st.fetch_journal()
        self.assertEqual([r["seq"] for r in recs], list(range(1, len(recs) + 1)))
        self.assertEqual(len(recs), 1 + len(msgs))
        by_id = {r["id"]: r for r in recs}
        for m in msgs:
            self.assertEqual(by_id[m["id"]]["seq"], acks[m["id"]]["seq"])
            self.assertEqual(by_id[m["id"]]["decision"], m["decision"])
        self.assertEqual(by_id["k9-approve"]["version"], rep["version"])
        # the report's version counter did not move: a correction is version 2
        r = st.submit(SO, {"PORTAL_POSTS": 2}, sid="k9-rep2")
        self.assertEqual(r["version"], rep["version"] + 1)
        # and the approval stands after the restart (index rebuilt from the journal)
        s = st.dealer(ROOT)
        try:
            r = st.request(s, decide_msg("k9-approve2", "approve", unit=SO, version=rep["version"]))
            self.assertEqual((r["type"], r["code"]), ("NACK", "E_DECISION"), r)
        finally:
            s.close()

    def test_sigterm(self):
        """decide-2.2 SIGTERM in the middle of pipelined decisions: every decision in the journal was ACKed with its seq, exit 0"""
        st = self.st
        st.start_collector()
        p = st.procs["collector"]
        s = st.dealer(ROOT)
        answers = {}
        try:
            self.assertEqual(st.request(s, decide_msg("t-warm", "silence", unit=SO))["type"], "ACK")
            for i in range(1500):
                s.send(packb(decide_msg("t-%d" % i, "silence" if i % 2 else "unsilence", unit=SO)))
            self.assertTrue(s.poll(10000), "no answer to the stream")
            p.send_signal(signal.SIGTERM)
            while s.poll(1000):
                r = msgpack.unpackb(s.recv(), raw=False)
                answers[r["id"]] = r
            self.assertEqual(p.wait(15), 0, st.log("collector")[-2000:])
        finally:
            s.close()
        st.procs.pop("collector")
        queued = re.findall(r"signal 15: storing (\d+) queued", st.log("collector"))
        self.assertTrue(queued, st.log("collector")[-2000:])
        st.start_collector()
        recs = [r for r in st.fetch_journal() if r["id"] != "t-warm"]
        unanswered = [x["id"] for x in recs if answers.get(x["id"], {}).get("seq") != x["seq"]]
        self.assertEqual(unanswered, [], "%d of %d stored decisions got no ACK" % (len(unanswered), len(recs)))
        refused = {r.get("code") for r in answers.values() if r["type"] == "NACK"}
        self.assertLessEqual(refused, {"E_BUSY"})


if __name__ == "__main__":
    harness.main()
