"""Integration tests of cchc-collector: submit/ACK/NACK over CURVE, the
journal feed, crash safety, a full map, and the `cchc submit` CLI.

Every test talks to real binaries through harness.Stack; the clock is
simulated (--now 2025-09-05 09:00 +07, inside 2025Q3 and before its
deadline) so that 2025Q3 is current and 2025Q4 is in the future.
"""
import os
import random
import re
import signal
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

import msgpack  # noqa: E402
import zmq  # noqa: E402

NOW = "2025-09-05T09:00:00+07:00"
NOW_EPOCH = 1757037600  # NOW in Unix seconds
SO = "HP.SO.Y_TE"            # a department (so) that must report CCHC_Q
SO2 = "HP.SO.XAY_DUNG"
SUB = "HP.SO.Y_TE.CDC"       # a sub-unit of SO with parent_submits=yes
ROOT = "HP"                  # the city: does not report
UNITS = (SO, SO2, SUB, ROOT)
# codes of validate_submit(): the message was decoded, so the NACK carries its id
CATALOG_CODES = ("E_UNKNOWN_UNIT", "E_UNKNOWN_DATASET", "E_NOT_REQUIRED", "E_FORBIDDEN", "E_PERIOD", "E_FUTURE_PERIOD",
                 "E_UNKNOWN_INDICATOR", "E_NEGATIVE", "E_RATIO", "E_TAG", "E_EMPTY", "E_INCOMPLETE")


def packb(m):
    return msgpack.packb(m, use_bin_type=True)


def submit_msg(sid, unit=SO, values=None, period="2025Q3", dataset="CCHC_Q", **extra):
    m = {"v": 1, "type": "SUBMIT", "id": sid, "unit": unit, "dataset": dataset, "period": period,
         "values": {"PORTAL_POSTS": 1} if values is None else values}
    m.update(extra)
    return m


def full_msg(i):
    """The i-th report of TestMapFull: 1 KB of note, so a 1 MB map fills."""
    return submit_msg("full-%d" % i, values={"PORTAL_POSTS": i}, note="n" * 1000)


def ids_of(records):
    return [r["id"] for r in records]


def wait_log(st, text, count=1, timeout=5):
    """Waits until the collector's log holds `text` at least `count` times."""
    t0 = time.time()
    while st.log("collector").count(text) < count and time.time() - t0 < timeout:
        time.sleep(0.05)
    if st.log("collector").count(text) < count:
        raise AssertionError("%r not logged %d time(s):\n%s" % (text, count, st.log("collector")[-2000:]))


class CollectorCase(unittest.TestCase):
    """One collector (CURVE, keys for UNITS) shared by the tests of a class."""

    stack_kw = {}
    lenient = True  # most tests submit a few indicators: see harness.lenient_catalog

    @classmethod
    def setUpClass(cls):
        cls.st = harness.Stack(now=NOW, lenient=cls.lenient, **cls.stack_kw)
        try:
            for u in UNITS:
                cls.st.keygen(u)  # the keyring must exist before the collector starts
            cls.st.start_collector()
        except BaseException:
            cls.st.close()
            raise
        cls.n = 0

    @classmethod
    def tearDownClass(cls):
        cls.st.close()

    def sid(self, prefix="t"):
        type(self).n += 1
        return "%s-%s-%d" % (prefix, self._testMethodName[5:12], self.n)

    def send(self, sock, msg, timeout=5000):
        r = self.st.request(sock, msg if isinstance(msg, bytes) else packb(msg), timeout)
        self.assertIsNotNone(r, "no answer to %r" % (msg if isinstance(msg, bytes) else msg.get("id")))
        return r

    def accept(self, sock, msg):
        r = self.send(sock, msg)
        self.assertEqual(r.get("type"), "ACK", "expected an ACK for %s, got %r" % (msg.get("id"), r))
        self.assertEqual(r["status"], "accepted", r)
        self.assertEqual(r["id"], msg["id"])
        return r

    def nack(self, sock, msg, code):
        r = self.send(sock, msg)
        self.assertEqual(r.get("type"), "NACK", "expected %s, got %r" % (code, r))
        self.assertEqual(r["code"], code, r)
        self.assertTrue(r["message"], r)
        return r

    def journal_by_id(self):
        recs = self.st.fetch_journal()
        ids = ids_of(recs)
        self.assertEqual(len(ids), len(set(ids)), "an id is stored twice")
        self.assertEqual([r["seq"] for r in recs], list(range(1, len(recs) + 1)), "journal seqs are not 1..n")
        return {r["id"]: r for r in recs}

    def assert_alive(self):
        self.assertIsNone(self.st.procs["collector"].poll(), "the collector died:\n" + self.st.log("collector")[-2000:])


class TestSubmit(CollectorCase):
    def test_1_ack(self):
        """collector-1.1 submit is acknowledged with a journal seq, version 1 and the receive time"""
        s = self.st.dealer(SO)
        try:
            vals = {"PORTAL_POSTS": 4, "STAFF_TOTAL": 50, "PORTAL_CCHC_COLUMN": True, "OTHER_FORMS": ["khac"]}
            msg = submit_msg(self.sid(), values=vals, note="Ghi chú: thử nghiệm")
            r = self.accept(s, msg)
            self.assertGreaterEqual(r["seq"], 1)
            self.assertEqual(r["version"], 1)
            self.assertEqual(r["received_at"], NOW_EPOCH)
            rec = self.journal_by_id()[msg["id"]]
            self.assertEqual(rec["seq"], r["seq"])
            self.assertEqual((rec["unit"], rec["submitter"], rec["dataset"], rec["period"]), (SO, SO, "CCHC_Q", "2025Q3"))
            self.assertEqual(rec["values"], vals)
            self.assertEqual(rec["note"], "Ghi chú: thử nghiệm")
            self.assertEqual(rec["version"], 1)
        finally:
            s.close()

    def test_2_duplicate(self):
        """collector-1.2 same id and content is a duplicate with the same seq, also with the values map re-ordered"""
        s = self.st.dealer(SO2)
        try:
            vals = {"PORTAL_POSTS": 2, "WEBSITE_POSTS": 3, "OTHER_FORMS": ["truc_quan", "khac"], "PLAN_ISSUED": False}
            msg = submit_msg(self.sid(), unit=SO2, values=vals)
            first = self.accept(s, msg)
            again = self.send(s, msg)
            self.assertEqual((again["type"], again["status"], again["seq"], again["version"]),
                             ("ACK", "duplicate", first["seq"], first["version"]), again)
            self.assertEqual(again["received_at"], first["received_at"])
            reordered = dict(msg, values=dict(reversed(list(vals.items()))))
            self.assertNotEqual(packb(reordered), packb(msg))
            r = self.send(s, reordered)
            self.assertEqual((r["type"], r["status"], r["seq"]), ("ACK", "duplicate", first["seq"]), r)
            # a retry from a fresh connection (what a Lazy Pirate client does)
            r = self.st.submit(SO2, vals, sid=msg["id"], for_unit=SO2)
            self.assertEqual((r["type"], r["status"], r["seq"]), ("ACK", "duplicate", first["seq"]), r)
            stored = [x for x in self.st.fetch_journal() if x["id"] == msg["id"]]
            self.assertEqual(len(stored), 1)
        finally:
            s.close()

    def test_3_conflict(self):
        """collector-1.3 same id with other content is refused with E_CONFLICT and nothing is stored"""
        s = self.st.dealer(SO)
        try:
            msg = submit_msg(self.sid(), values={"PORTAL_POSTS": 7})
            first = self.accept(s, msg)
            before = len(self.st.fetch_journal())
            self.nack(s, dict(msg, values={"PORTAL_POSTS": 8}), "E_CONFLICT")
            self.nack(s, dict(msg, values={"PORTAL_POSTS": 7, "WEBSITE_POSTS": 0}), "E_CONFLICT")
            self.nack(s, dict(msg, note="other note"), "E_CONFLICT")
            r = self.nack(s, dict(msg, unit=SUB), "E_CONFLICT")
            self.assertEqual(r["id"], msg["id"])
            recs = self.st.fetch_journal()
            self.assertEqual(len(recs), before)
            self.assertEqual([x["values"] for x in recs if x["id"] == msg["id"]], [{"PORTAL_POSTS": 7}])
            r = self.send(s, msg)  # the original is still a duplicate
            self.assertEqual((r["status"], r["seq"]), ("duplicate", first["seq"]))
        finally:
            s.close()

    def test_4_correction(self):
        """collector-1.4 a correction (new id, same unit/dataset/period) gets the next version and a new seq"""
        s = self.st.dealer(SO)
        try:
            # SUB's 2025Q3 report is used by no other test of this class
            a = self.accept(s, submit_msg(self.sid(), unit=SUB, values={"PORTAL_POSTS": 1}))
            b = self.accept(s, submit_msg(self.sid(), unit=SUB, values={"PORTAL_POSTS": 2}))
            self.assertEqual(a["version"], 1)
            self.assertEqual(b["version"], 2)
            self.assertGreater(b["seq"], a["seq"])
            # another period or dataset of the same unit starts at version 1
            c = self.accept(s, submit_msg(self.sid(), unit=SUB, dataset="CCHC_Y", period="2025"))
            self.assertEqual(c["version"], 1)
            j = self.journal_by_id()
            self.assertEqual([j[i]["version"] for i in (a["id"], b["id"])], [1, 2])
            self.assertEqual(j[b["id"]]["values"], {"PORTAL_POSTS": 2})
        finally:
            s.close()

    def test_5_zero(self):
        """collector-1.5 an explicit 0 (and false, an empty tag list) is accepted and stored as given"""
        s = self.st.dealer(SO)
        try:
            vals = {"PORTAL_POSTS": 0, "STAFF_TOTAL": 0, "CONTEST_PARTICIPANTS": 0, "HOTLINE_PUBLISHED": False,
                    "OTHER_FORMS": []}
            r = self.accept(s, submit_msg(self.sid(), values=vals))
            self.assertEqual(self.journal_by_id()[r["id"]]["values"], vals)
        finally:
            s.close()

    def test_6_bad_inputs(self):
        """collector-1.6 every bad input is answered by its NACK code and a good submission still succeeds after each"""
        st = self.st
        s = st.dealer(SO)
        accepted = set(self.journal_by_id())
        sid = self.sid("bad")
        base = submit_msg(sid)

        def without(field):
            return {k: v for k, v in base.items() if k != field}

        def vals(v):
            return dict(base, values=v)

        cases = [
            ("malformed msgpack bytes", b"\xc1\x00\xff garbage", "E_MALFORMED"),
            ("truncated map", b"\x86\xa1v\x01\xa4type", "E_MALFORMED"),
            ("empty frame", b"", "E_MALFORMED"),
            ("msgpack array, not a map", packb([1, 2, 3]), "E_MALFORMED"),
            ("msgpack string, not a map", packb("SUBMIT"), "E_MALFORMED"),
            ("v = 2", dict(base, v=2), "E_VERSION"),
            ("no v", without("v"), "E_VERSION"),
            ("unknown type", dict(base, type="HELLO"), "E_TYPE"),
            ("FETCH on the submit socket", {"v": 1, "type": "FETCH", "after": 0, "max": 10}, "E_TYPE"),
            ("ACK on the submit socket", {"v": 1, "type": "ACK", "id": "x", "status": "accepted", "seq": 1,
                                          "version": 1, "received_at": 1}, "E_TYPE"),
            ("missing dataset", without("dataset"), "E_FIELD"),
            ("missing values", without("values"), "E_FIELD"),
            ("missing id", without("id"), "E_FIELD"),
            ("id with a space", dict(base, id="a b"), "E_FIELD"),
            ("values not a map", dict(base, values=[1]), "E_FIELD"),
            ("note over 1024 bytes", dict(base, note="x" * 1025), "E_FIELD"),
            ("message over 65536 bytes", dict(base, note="x" * 70000), "E_TOO_LARGE"),
            ("unknown unit", dict(base, unit="HP.SO.KHONG_CO"), "E_FORBIDDEN"),
            ("unknown dataset", dict(base, dataset="CCHC_X"), "E_UNKNOWN_DATASET"),
            ("2025S2 for a quarterly dataset", dict(base, period="2025S2"), "E_PERIOD"),
            ("month for a quarterly dataset", dict(base, period="202508"), "E_PERIOD"),
            ("quarter 5", dict(base, period="2025Q5"), "E_PERIOD"),
            ("not a period", dict(base, period="abcd"), "E_PERIOD"),
            ("future quarter", dict(base, period="2025Q4"), "E_FUTURE_PERIOD"),
            ("future year", dict(base, dataset="CCHC_Y", period="2026"), "E_FUTURE_PERIOD"),
            ("unknown indicator", vals({"PORTAL_POSTS": 1, "KHONG_CO": 1}), "E_UNKNOWN_INDICATOR"),
            ("a rate", vals({"CONTEST_PARTICIPATION_RATE": 1}), "E_UNKNOWN_INDICATOR"),
            ("float count", vals({"PORTAL_POSTS": 1.5}), "E_VALUE"),
            ("float 2.0 count", vals({"PORTAL_POSTS": 2.0}), "E_VALUE"),
            ("string count", vals({"PORTAL_POSTS": "3"}), "E_VALUE"),
            ("bool count", vals({"PORTAL_POSTS": True}), "E_VALUE"),
            ("int for a yes/no", vals({"PORTAL_CCHC_COLUMN": 1}), "E_VALUE"),
            ("string for tags", vals({"OTHER_FORMS": "khac"}), "E_VALUE"),
            ("above the maximum", vals({"PORTAL_POSTS": 1000001}), "E_VALUE"),
            ("negative count", vals({"PORTAL_POSTS": -1}), "E_NEGATIVE"),
            ("negative stock", vals({"STAFF_TOTAL": -5}), "E_NEGATIVE"),
            ("participants > staff", vals({"CONTEST_PARTICIPANTS": 11, "STAFF_TOTAL": 10}), "E_RATIO"),
            ("listed > total", vals({"TTHC_LISTED": 3, "TTHC_TOTAL": 2}), "E_RATIO"),
            ("unknown tag", vals({"OTHER_FORMS": ["khac", "khong_co"]}), "E_TAG"),
            ("repeated tag", vals({"OTHER_FORMS": ["khac", "truc_quan", "khac"]}), "E_TAG"),
            ("for another unit", dict(base, unit=SO2), "E_FORBIDDEN"),
            ("no values", vals({}), "E_EMPTY"),
        ]
        try:
            for i, (what, msg, code) in enumerate(cases):
                r = self.send(s, msg)
                self.assertEqual((r.get("type"), r.get("code")), ("NACK", code), "%s: %r" % (what, r))
                self.assertTrue(r["message"], what)
                if code in CATALOG_CODES:  # decoded, refused by the catalog rules: the id is echoed
                    self.assertEqual(r["id"], msg["id"], what)
                # the same connection still works, and nothing was lost
                good = submit_msg("%s-ok%d" % (sid, i), values={"PORTAL_POSTS": i})
                r = self.send(s, good)
                self.assertEqual((r.get("type"), r.get("status")), ("ACK", "accepted"), "after %s: %r" % (what, r))
                accepted.add(good["id"])
                self.assertEqual(set(self.journal_by_id()), accepted, "after %s" % what)
            self.assertNotIn(sid, self.journal_by_id(), "a refused submission was stored")
            self.assert_alive()
        finally:
            s.close()

    def test_7_forbidden(self):
        """collector-1.7 a unit may not submit for another (E_FORBIDDEN); a parent may for a parent_submits=yes sub-unit"""
        st = self.st
        cases = [(SO, SO2), (SO2, SUB), (SUB, SO), (ROOT, SO), (ROOT, SUB), (SO2, SO)]
        for key, unit in cases:
            r = st.submit(key, {"PORTAL_POSTS": 1}, for_unit=unit, sid=self.sid())
            self.assertEqual((r["type"], r.get("code")), ("NACK", "E_FORBIDDEN"), "%s for %s: %r" % (key, unit, r))
            self.assertIn(key, r["message"])
        # the city itself reports nothing
        r = st.submit(ROOT, {"PORTAL_POSTS": 1}, sid=self.sid())
        self.assertEqual(r.get("code"), "E_NOT_REQUIRED", r)
        # SUB has parent_submits=yes in deploy/catalog/units.csv: SO may submit for it, SUB for itself
        sid1, sid2 = self.sid(), self.sid()
        r = st.submit(SO, {"PORTAL_POSTS": 5}, for_unit=SUB, period="2025", dataset="CCHC_Y", sid=sid1)
        self.assertEqual((r["type"], r["status"]), ("ACK", "accepted"), r)
        r = st.submit(SUB, {"PORTAL_POSTS": 6}, period="2025S2", dataset="CCHC_S", sid=sid2)
        self.assertEqual((r["type"], r["status"]), ("ACK", "accepted"), r)
        j = self.journal_by_id()
        self.assertEqual((j[sid1]["unit"], j[sid1]["submitter"]), (SUB, SO))
        self.assertEqual((j[sid2]["unit"], j[sid2]["submitter"]), (SUB, SUB))

    def test_7b_no_probing(self):
        """collector-1.13 a key learns nothing about units it may not submit for: an unknown unit and another
        unit's code get the same E_FORBIDDEN sentence, before any other check"""
        st = self.st
        answers = {}
        for unit in (SO2, "HP.SO.KHONG_CO"):
            # also with a dataset and period that would be refused for other reasons
            for extra in ({}, {"dataset": "CCHC_X"}, {"period": "2031Q1"}):
                m = submit_msg(self.sid("probe"), unit=unit, **extra)
                r = st.request(st.dealer(SO), m)
                self.assertEqual((r["type"], r["code"]), ("NACK", "E_FORBIDDEN"), (unit, extra, r))
                answers.setdefault(unit, set()).add(r["message"].replace(unit, "<unit>"))
        self.assertEqual(answers[SO2], answers["HP.SO.KHONG_CO"])
        self.assertNotIn("Xây dựng", "".join(answers[SO2]))  # nor the other unit's name

    def test_8_unknown_key(self):
        """collector-1.8 a client with an unknown CURVE key or without CURVE gets no answer at all, and it is logged"""
        st = self.st
        pub, sec = zmq.curve_keypair()
        s = st.dealer(public=pub.decode(), secret=sec.decode())
        try:
            s.send(packb(submit_msg(self.sid())))
            self.assertEqual(s.poll(1500), 0, "an unknown key got an answer")
        finally:
            s.close()
        wait_log(st, pub.decode())
        log = st.log("collector")
        self.assertRegex(log, r"refused a CURVE connection .*unknown key " + re.escape(pub.decode()))
        # a plain-text client (no CURVE at all)
        plain = zmq.Context.instance().socket(zmq.DEALER)
        plain.linger = 0
        plain.connect("tcp://127.0.0.1:%d" % st.ports["submit"])
        try:
            plain.send(packb(submit_msg(self.sid())))
            self.assertEqual(plain.poll(1500), 0, "a plain-text client got an answer")
        finally:
            plain.close()
        # a known unit key but the wrong server key: the handshake fails, no answer
        other_pub, _ = zmq.curve_keypair()
        upub, usec = st.keygen(SO)
        w = zmq.Context.instance().socket(zmq.DEALER)
        w.linger = 0
        w.curve_serverkey, w.curve_publickey, w.curve_secretkey = other_pub, upub.encode(), usec.encode()
        w.connect("tcp://127.0.0.1:%d" % st.ports["submit"])
        try:
            w.send(packb(submit_msg(self.sid())))
            self.assertEqual(w.poll(1000), 0, "a client with the wrong server key got an answer")
        finally:
            w.close()
        # a key in the keyring (reloaded on SIGHUP) whose unit is not in the catalog
        gpub, gsec = st.keygen("HP.SO.KHONG_CO")
        st.procs["collector"].send_signal(signal.SIGHUP)
        wait_log(st, "keyring reloaded")
        g = st.dealer(public=gpub, secret=gsec)
        try:
            g.send(packb(submit_msg(self.sid(), unit="HP.SO.KHONG_CO")))
            self.assertEqual(g.poll(1000), 0, "a key of a unit outside the catalog got an answer")
        finally:
            g.close()
        self.assert_alive()
        s = st.dealer(SO)
        try:
            self.accept(s, submit_msg(self.sid()))
        finally:
            s.close()

    def test_9_flood(self):
        """collector-1.9 a flood of 2,000 garbage frames (and raw TCP garbage) does not stop it"""
        st = self.st
        before = self.journal_by_id()
        rnd = random.Random(42)
        # raw bytes that are not ZMTP at all, on both ports
        for port in (st.ports["submit"], st.ports["feed"]):
            for _ in range(5):
                c = socket.create_connection(("127.0.0.1", port), 2)
                try:
                    c.sendall(bytes(rnd.getrandbits(8) for _ in range(4096)))
                except OSError:
                    pass
                c.close()
        s = st.dealer(SO)
        answers = 0
        try:
            for i in range(2000):
                n = rnd.choice((0, 1, 7, 100, 3000))
                frame = bytes(rnd.getrandbits(8) for _ in range(n))
                if i % 10 == 9:
                    s.send_multipart([frame, b"x", frame])  # several frames
                else:
                    s.send(frame)
            deadline = time.time() + 20
            while time.time() < deadline and answers < 2000:
                if s.poll(500):
                    s.recv_multipart()
                    answers += 1
                elif answers >= 1800:
                    break
            self.assertGreaterEqual(answers, 1800, "the collector stopped answering garbage")
            # garbage on the journal feed too
            f = zmq.Context.instance().socket(zmq.DEALER)
            f.linger = 0
            f.connect("tcp://127.0.0.1:%d" % st.ports["feed"])
            for i in range(200):
                f.send(bytes(rnd.getrandbits(8) for _ in range(rnd.choice((0, 5, 50)))))
            f.close()
            self.assert_alive()
            s2 = st.dealer(SO)
            try:
                self.accept(s2, submit_msg(self.sid()))
            finally:
                s2.close()
            after = self.journal_by_id()
            self.assertEqual(len(after), len(before) + 1)
            self.assertTrue(set(before) <= set(after))
        finally:
            s.close()

    def test_b_nack_names_id(self):
        """collector-1.11 a NACK names the submission even when its values could not be decoded"""
        s = self.st.dealer(SO)
        try:
            sid = self.sid("float")
            r = self.nack(s, submit_msg(sid, values={"PORTAL_POSTS": 2.5}), "E_VALUE")
            self.assertEqual(r["id"], sid)
            r = self.nack(s, dict(submit_msg(self.sid("v"), values={}), v="1"), "E_VERSION")
            self.assertIn("unsigned integer", r["message"])
        finally:
            s.close()

    def test_a_pipelined(self):
        """collector-1.10 pipelined submissions (one commit group) get consecutive seqs and versions; a repeated id is a duplicate"""
        st = self.st
        s = st.dealer(SO2)
        try:
            base = len(self.st.fetch_journal())
            sent, prev = [], None
            kinds = [("2025Q3", "CCHC_Q"), ("2025S2", "CCHC_S"), ("2025", "CCHC_Y")]
            for i in range(300):
                if i % 50 == 49:
                    msg = prev  # the same message again, while the first may still be in the commit group
                else:
                    period, ds = kinds[i % 3]
                    msg = submit_msg("pipe-%d" % i, unit=SO2, values={"PORTAL_POSTS": i}, period=period, dataset=ds)
                s.send(packb(msg))
                sent.append(msg["id"])
                prev = msg
            answers = []
            for _ in sent:
                self.assertTrue(s.poll(10000), "only %d of %d answered" % (len(answers), len(sent)))
                answers.append(msgpack.unpackb(s.recv(), raw=False))
            self.assertEqual([a["id"] for a in answers], sent, "answers out of order")
            self.assertEqual([a["type"] for a in answers], ["ACK"] * len(sent), [a for a in answers if a["type"] != "ACK"][:3])
            first = {}
            for a in answers:
                if a["status"] == "accepted":
                    self.assertNotIn(a["id"], first)
                    first[a["id"]] = a
                else:
                    self.assertEqual((a["status"], a["seq"], a["version"]),
                                     ("duplicate", first[a["id"]]["seq"], first[a["id"]]["version"]), a)
            seqs = sorted(a["seq"] for a in first.values())
            self.assertEqual(seqs, list(range(base + 1, base + 1 + len(first))))
            j = self.journal_by_id()
            for ds in ("CCHC_Q", "CCHC_S", "CCHC_Y"):
                vs = sorted(r["version"] for r in j.values() if r["unit"] == SO2 and r["dataset"] == ds
                            and r["id"].startswith("pipe-"))
                offset = sum(1 for r in j.values() if r["unit"] == SO2 and r["dataset"] == ds
                             and not r["id"].startswith("pipe-"))
                self.assertEqual(vs, list(range(offset + 1, offset + 1 + len(vs))), ds)
        finally:
            s.close()

    def test_c_frames(self):
        """collector-1.12 a SUBMIT is one frame (after an optional empty delimiter): other framings get one NACK E_MALFORMED and nothing is stored"""
        s = self.st.dealer(SO)
        try:
            a, b = submit_msg(self.sid("fa")), submit_msg(self.sid("fb"))
            pa, pb = packb(a), packb(b)
            cases = [
                ("two SUBMITs", [pa, pb]),
                ("a SUBMIT and an empty frame", [pa, b""]),
                ("a SUBMIT, an empty frame and a SUBMIT", [pb, b"", pa]),
                ("a delimiter and two SUBMITs", [b"", pa, pb]),
                ("two delimiters and a SUBMIT", [b"", b"", pa]),
                ("ten frames", [pa] * 10),
            ]
            for what, frames in cases:
                s.send_multipart(frames)
                self.assertTrue(s.poll(5000), "%s: no answer" % what)
                reply = s.recv_multipart()
                # the delimiter of a REQ-style envelope is echoed, nothing else is
                expect_env = [b""] if frames[0] == b"" else []
                self.assertEqual(reply[:-1], expect_env, "%s: the answer's envelope" % what)
                r = msgpack.unpackb(reply[-1], raw=False)
                self.assertEqual((r.get("type"), r.get("code")), ("NACK", "E_MALFORMED"), "%s: %r" % (what, r))
                self.assertIn("frame", r["message"], what)
            stored = self.journal_by_id()
            self.assertNotIn(a["id"], stored)
            self.assertNotIn(b["id"], stored)
            # one frame after an empty delimiter (what a REQ socket sends) is fine
            s.send_multipart([b"", pa])
            self.assertTrue(s.poll(5000))
            reply = s.recv_multipart()
            self.assertEqual(reply[0], b"")
            r = msgpack.unpackb(reply[1], raw=False)
            self.assertEqual((r["type"], r["status"], r["id"]), ("ACK", "accepted", a["id"]), r)
            self.assert_alive()
        finally:
            s.close()


class TestCompleteReports(CollectorCase):
    """The real catalog: a report carries every indicator its dataset requires."""

    lenient = False

    def test_complete(self):
        """collector-1.14 no values is E_EMPTY; missing required indicators is E_INCOMPLETE naming them; a complete
        report is accepted; a correction must be complete too; nothing refused is stored"""
        st = self.st
        full = harness.report("CCHC_Q", PORTAL_POSTS=4, STAFF_TOTAL=10, CONTEST_PARTICIPANTS=3)
        self.assertEqual(len(full), 22)
        cases = [
            ({}, "E_EMPTY", []),
            ({"PORTAL_POSTS": 4}, "E_INCOMPLETE", ["21 indicators", "WEBSITE_POSTS", "more"]),
            ({k: v for k, v in full.items() if k != "OTHER_FORMS"}, "E_INCOMPLETE",
             ["1 indicator of dataset CCHC_Q is missing: OTHER_FORMS"]),
            ({k: v for k, v in full.items() if k not in ("RADIO_ITEMS", "PLAN_ISSUED")}, "E_INCOMPLETE",
             ["2 indicators", "RADIO_ITEMS, PLAN_ISSUED"]),
        ]
        refused = []
        for values, code, words in cases:
            sid = self.sid("inc")
            r = st.submit(SO, values, sid=sid)
            self.assertEqual((r["type"], r.get("code"), r.get("id")), ("NACK", code, sid), r)
            for w in words:
                self.assertIn(w, r["message"])
            refused.append(sid)
        r = st.submit(SO, full, sid=self.sid("inc"))
        self.assertEqual((r["type"], r["status"], r["version"]), ("ACK", "accepted", 1), r)
        # a correction replaces the whole report: sending only what changed is refused
        r = st.submit(SO, {"PORTAL_POSTS": 5}, sid=self.sid("inc"))
        self.assertEqual(r.get("code"), "E_INCOMPLETE", r)
        r = st.submit(SO, dict(full, PORTAL_POSTS=5), sid=self.sid("inc"))
        self.assertEqual((r["type"], r["version"]), ("ACK", 2), r)
        stored = self.journal_by_id()
        for sid in refused:
            self.assertNotIn(sid, stored)


class TestInsecure(unittest.TestCase):
    def setUp(self):
        # the config asks for CURVE and names key files that do not exist: --insecure overrides it
        self.st = harness.Stack(curve=False, now=NOW, lenient=True, extra={"collector": {"curve": "yes"}})

    def tearDown(self):
        self.st.close()

    def test_insecure(self):
        """collector-2.1 --insecure runs without keys; any client submits; the submitter is the unit itself"""
        st = self.st
        self.assertFalse(os.path.exists(os.path.join(st.keys, "collector.key")))
        st.start_collector("--insecure")
        self.assertIn("INSECURE", st.log("collector"))
        r = st.submit(None, {"PORTAL_POSTS": 3}, for_unit=SUB, sid="ins-1")
        self.assertEqual((r["type"], r["status"], r["seq"]), ("ACK", "accepted", 1), r)
        r = st.submit(None, {"PORTAL_POSTS": -3}, for_unit=SO, sid="ins-2")
        self.assertEqual(r.get("code"), "E_NEGATIVE", r)
        recs = st.fetch_journal()
        self.assertEqual([(x["id"], x["unit"], x["submitter"]) for x in recs], [("ins-1", SUB, SUB)])


class TestStartup(unittest.TestCase):
    def setUp(self):
        self.st = harness.Stack(now=NOW, lenient=True)

    def tearDown(self):
        self.st.close()

    def test_missing_server_key(self):
        """collector-2.2 the collector refuses to start without its server key (non-zero exit, clear log line)"""
        st = self.st
        st.keygen(SO)
        key = os.path.join(st.keys, "collector.key")
        os.unlink(key)
        p = st.start("collector")
        try:
            rc = p.wait(10)
        finally:
            st.procs.pop("collector", None)
        self.assertNotEqual(rc, 0)
        log = st.log("collector")
        self.assertIn(key, log)
        self.assertRegex(log, r"ERROR .*collector\.key.*keygen --server")
        self.assertNotIn("Sanitizer", log)  # the early exit path frees what it opened (asan build)
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", st.ports["submit"]), 0.5).close()


class TestMapFull(unittest.TestCase):
    def setUp(self):
        self.st = harness.Stack(now=NOW, lenient=True, extra={"collector": {"map_size_mb": "1"}})

    def tearDown(self):
        self.st.close()

    def fill(self, s):
        """Submits 1 KB reports until the map is full; returns ({id: seq} of
        those accepted, the E_STORAGE NACK)."""
        st = self.st
        acked = {}
        for i in range(5000):
            msg = full_msg(i)
            r = st.request(s, packb(msg))
            self.assertIsNotNone(r, "no answer to submission %d; log:\n%s" % (i, st.log("collector")[-1500:]))
            if r["type"] == "NACK":
                self.assertEqual(r["code"], "E_STORAGE", r)
                return acked, r
            acked[msg["id"]] = r["seq"]
        self.fail("5000 submissions fit in a 1 MB map?")

    def test_map_full(self):
        """collector-2.3 a full LMDB map answers E_STORAGE, keeps running and keeps what it accepted readable"""
        st = self.st
        st.keygen(SO)
        st.start_collector()
        s = st.dealer(SO)
        try:
            acked, storage = self.fill(s)
            self.assertGreater(len(acked), 10)
            self.assertIsNone(st.procs["collector"].poll(), "the collector died on MDB_MAP_FULL")
            self.assertIn("MDB_MAP_FULL", st.log("collector"))
            # it stays full but answering, and a retry of an accepted id is still a duplicate
            r = st.request(s, packb(submit_msg("full-more", note="m" * 1000)))
            self.assertEqual(r.get("code"), "E_STORAGE", r)
            r = st.request(s, packb(full_msg(0)))
            self.assertEqual((r["type"], r.get("status"), r.get("seq")), ("ACK", "duplicate", acked["full-0"]), r)
            recs = st.fetch_journal()
            self.assertEqual({x["id"]: x["seq"] for x in recs}, acked)
            self.assertNotIn(storage["id"], ids_of(recs))
        finally:
            s.close()
        # and after a restart everything accepted is still there
        st.stop("collector")
        st.start_collector()
        self.assertEqual({x["id"]: x["seq"] for x in st.fetch_journal()}, acked)

    def test_map_full_duplicates(self):
        """collector-2.5 with the map full, a retry of a stored id is ACK duplicate (and a reuse E_CONFLICT) even in the same commit group as new submissions"""
        st = self.st
        st.keygen(SO)
        st.start_collector()
        s = st.dealer(SO)
        try:
            acked, _ = self.fill(s)
            # pipelined: while one group commits the others queue, so retries and new ones share groups
            sent = []
            for i in range(120):
                if i % 3 == 0:
                    msg, expect = submit_msg("full-new-%d" % i, note="m" * 1000), ("NACK", "E_STORAGE")
                elif i % 3 == 1:
                    k = i % len(acked)
                    msg, expect = full_msg(k), ("ACK", "duplicate", acked["full-%d" % k])
                else:
                    msg, expect = dict(full_msg(i % len(acked)), note="other"), ("NACK", "E_CONFLICT")
                s.send(packb(msg))
                sent.append((msg["id"], expect))
            for sid, expect in sent:
                self.assertTrue(s.poll(10000), "no answer to %s" % sid)
                r = msgpack.unpackb(s.recv(), raw=False)
                self.assertEqual(r["id"], sid)
                got = (r["type"], r["status"], r["seq"]) if r["type"] == "ACK" else (r["type"], r["code"])
                self.assertEqual(got, expect, r)
            self.assertEqual({x["id"]: x["seq"] for x in st.fetch_journal()}, acked)
        finally:
            s.close()


class TestCrash(unittest.TestCase):
    def setUp(self):
        self.st = harness.Stack(now=NOW, lenient=True)

    def tearDown(self):
        self.st.close()

    def test_kill9(self):
        """collector-2.4 kill -9 during a stream from retrying clients: every ACKed submission is stored exactly once"""
        st = self.st
        clients = [SO, SO2, "HP.XA.VIET_KHE", "HP.PHUONG.LE_CHAN", "HP.SO.NOI_VU", "HP.DAC_KHU.CAT_HAI"]
        for u in clients:
            st.keygen(u)
        st.start_collector()
        per_client = 80
        lock = threading.Lock()
        acks = {}         # id -> (status, seq)
        retries = [0]
        errors = []
        stop_at = time.time() + 45

        def client(unit, k):
            sock = st.dealer(unit)
            try:
                for i in range(per_client):
                    sid = "crash-%d-%03d" % (k, i)
                    msg = packb(submit_msg(sid, unit=unit, values={"PORTAL_POSTS": i, "STAFF_TOTAL": 100 + k}))
                    while True:
                        if time.time() > stop_at:
                            errors.append("%s never answered" % sid)
                            return
                        sock.send(msg)
                        if sock.poll(600):
                            r = msgpack.unpackb(sock.recv(), raw=False)
                            if r.get("type") != "ACK":
                                if r.get("code") in ("E_BUSY", "E_STORAGE"):
                                    time.sleep(0.1)
                                    continue
                                errors.append("%s: %r" % (sid, r))
                                return
                            with lock:
                                if sid in acks and acks[sid][1] != r["seq"]:
                                    errors.append("%s acknowledged with seq %d and %d" % (sid, acks[sid][1], r["seq"]))
                                acks[sid] = (r["status"], r["seq"])
                            break
                        # Lazy Pirate: a new socket, the same id
                        with lock:
                            retries[0] += 1
                        sock.close()
                        sock = st.dealer(unit)
            except Exception as e:  # noqa: BLE001 -- reported by the test
                errors.append("%s: %r" % (unit, e))
            finally:
                sock.close()

        threads = [threading.Thread(target=client, args=(u, k)) for k, u in enumerate(clients)]
        for t in threads:
            t.start()
        total = per_client * len(clients)
        kills = 0
        for target in (total // 4, total // 2):
            while len(acks) < target and any(t.is_alive() for t in threads):
                time.sleep(0.005)
            st.kill9("collector")
            kills += 1
            time.sleep(0.4)
            st.start_collector()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        self.assertEqual(kills, 2)
        self.assertEqual(len(acks), total)
        recs = st.fetch_journal()
        ids = ids_of(recs)
        self.assertEqual(len(ids), len(set(ids)), "an id is stored twice")
        self.assertEqual(set(ids), set(acks), "stored ids differ from ACKed ids")
        stored = {x["id"]: x["seq"] for x in recs}
        for sid, (status, seq) in acks.items():
            self.assertEqual(stored[sid], seq, "%s: ACKed seq %d, stored at %d" % (sid, seq, stored[sid]))
        # versions of each report are 1..n with no gap and no repeat
        for u in clients:
            vs = sorted(x["version"] for x in recs if x["unit"] == u)
            self.assertEqual(vs, list(range(1, per_client + 1)), u)
        self.assertGreater(retries[0], 0, "no client had to retry: the kill hit nothing")


class OwnStackCase(CollectorCase):
    """A collector of its own for each test: these tests change its keyring,
    reuse ids across units or stop it."""

    @classmethod
    def setUpClass(cls):
        cls.n = 0

    @classmethod
    def tearDownClass(cls):
        pass

    def setUp(self):
        self.st = harness.Stack(now=NOW, lenient=True)
        for u in UNITS:
            self.st.keygen(u)

    def tearDown(self):
        self.st.close()

    def sighup(self):
        reloads = self.st.log("collector").count("keyring reloaded")
        self.st.procs["collector"].send_signal(signal.SIGHUP)
        wait_log(self.st, "keyring reloaded", reloads + 1)

    def write_keyring(self, lines):
        """Replaces the keyring with `lines` ([(unit, public key)])."""
        path = os.path.join(self.st.keys, "keyring.csv")
        with open(path + ".new", "w") as f:
            f.write("unit,public_key\n")
            for unit, key in lines:
                f.write("%s,%s\n" % (unit, key))
        os.rename(path + ".new", path)


class TestKeysPerMessage(OwnStackCase):
    def test_revocation(self):
        """collector-4.1 after SIGHUP a key deleted from the keyring, or moved to another unit, gets NACK E_FORBIDDEN also on a connection opened before"""
        st = self.st
        st.start_collector()
        other = "HP.SO.NOI_VU"
        keys = {u: st.keygen(u)[0] for u in (SO, SO2, SUB)}
        a, b, c = st.dealer(SO), st.dealer(SO2), st.dealer(SUB)
        try:
            for sock, unit in ((a, SO), (b, SO2), (c, SUB)):
                self.accept(sock, submit_msg(self.sid(), unit=unit))
            before = self.journal_by_id()
            # SO's line deleted, SO2's key now belongs to another unit, SUB unchanged
            self.write_keyring([(SUB, keys[SUB]), (other, keys[SO2])])
            self.sighup()
            r = self.nack(a, submit_msg(self.sid()), "E_FORBIDDEN")
            self.assertIn("keyring", r["message"])
            self.nack(a, submit_msg(self.sid(), unit=SUB), "E_FORBIDDEN")
            self.nack(b, submit_msg(self.sid(), unit=SO2), "E_FORBIDDEN")
            self.assertEqual(self.journal_by_id(), before, "a refused submission was stored")
            # the moved key submits as its new unit, the unchanged one as before
            r = self.accept(b, submit_msg(self.sid(), unit=other))
            self.assertEqual(self.journal_by_id()[r["id"]]["submitter"], other)
            self.accept(c, submit_msg(self.sid(), unit=SUB))
            # a new connection with the deleted key is refused at the handshake, as before
            n = st.dealer(SO)
            try:
                n.send(packb(submit_msg(self.sid())))
                self.assertEqual(n.poll(1000), 0, "a revoked key got an answer on a new connection")
            finally:
                n.close()
            # the key back in the keyring: the old connection works again
            self.write_keyring([(SUB, keys[SUB]), (other, keys[SO2]), (SO, keys[SO])])
            self.sighup()
            self.accept(a, submit_msg(self.sid()))
        finally:
            for sock in (a, b, c):
                sock.close()


class TestIdScope(OwnStackCase):
    def test_ids_per_unit(self):
        """collector-4.2 submission ids are per submitting unit: another unit's id is a new submission, and no answer names another unit's record"""
        st = self.st
        st.start_collector()
        so, so2, sub = st.dealer(SO), st.dealer(SO2), st.dealer(SUB)
        try:
            mine = self.accept(so, submit_msg("shared-1", values={"PORTAL_POSTS": 1}))
            theirs = self.accept(so2, submit_msg("shared-1", unit=SO2, values={"PORTAL_POSTS": 2}))
            self.assertNotEqual(theirs["seq"], mine["seq"])
            # the same content under the same id, for the same unit, from another submitter
            parent = self.accept(so, submit_msg("shared-2", unit=SUB, values={"PORTAL_POSTS": 3}))
            own = self.accept(sub, submit_msg("shared-2", unit=SUB, values={"PORTAL_POSTS": 3}))
            self.assertEqual((parent["version"], own["version"]), (1, 2))

            def check_retries():
                # each unit's retry is its own duplicate; a reuse names only its own record
                for sock, unit, vals, first in ((so, SO, 1, mine), (so2, SO2, 2, theirs)):
                    r = self.send(sock, submit_msg("shared-1", unit=unit, values={"PORTAL_POSTS": vals}))
                    self.assertEqual((r["type"], r["status"], r["seq"]), ("ACK", "duplicate", first["seq"]), r)
                r = self.send(sub, submit_msg("shared-2", unit=SUB, values={"PORTAL_POSTS": 3}))
                self.assertEqual((r["type"], r["status"], r["seq"]), ("ACK", "duplicate", own["seq"]), r)
                r = self.nack(so2, submit_msg("shared-1", unit=SO2, values={"PORTAL_POSTS": 9}), "E_CONFLICT")
                self.assertIn("seq %d" % theirs["seq"], r["message"])
                self.assertNotIn("seq %d" % mine["seq"], r["message"])

            check_retries()
            recs = st.fetch_journal()
            self.assertEqual(sorted((x["submitter"], x["id"]) for x in recs),
                             sorted([(SO, "shared-1"), (SO, "shared-2"), (SO2, "shared-1"), (SUB, "shared-2")]))
            # the id map rebuilt from the journal scopes ids the same way
            st.stop("collector")
            st.start_collector()
            check_retries()
            self.assertEqual(len(st.fetch_journal()), 4)
        finally:
            for sock in (so, so2, sub):
                sock.close()


class TestGateway(OwnStackCase):
    def test_gateway(self):
        """collector-4.4 a gateway key (cchc-web's) submits for any unit under its own, naming the user who entered
        the report; the user is kept in the journal and in history; a unit's key may not name a user, a gateway
        must, and a gateway may not leave its subtree"""
        st = self.st
        gw_pub, gw_sec = st.keygen(SO, gateway=True)  # the gateway of the department SO
        ring = open(os.path.join(st.keys, "keyring.csv")).read()
        self.assertIn("%s,%s,gateway" % (SO, gw_pub), ring)
        self.assertIn("%s,%s," % (SO, st.keygen(SO)[0]), ring)  # the unit's own key stays beside it
        st.start_collector()
        st.start_aggregator()
        gw = st.dealer(public=gw_pub, secret=gw_sec)
        unit_key = st.dealer(SO2)
        try:
            a = self.accept(gw, submit_msg("web-1", unit=SUB, entered_by="nguyen.van.a"))
            b = self.accept(gw, submit_msg("web-2", unit=SO, entered_by="tran.thi.b"))
            # a retry by the same user is a duplicate; another user under the same id is another content
            r = self.send(gw, submit_msg("web-1", unit=SUB, entered_by="nguyen.van.a"))
            self.assertEqual((r["status"], r["seq"]), ("duplicate", a["seq"]), r)
            self.nack(gw, submit_msg("web-1", unit=SUB, entered_by="le.van.c"), "E_CONFLICT")
            # refusals: no user named, outside the subtree, a unit key naming a user
            r = self.nack(gw, submit_msg("web-3", unit=SUB), "E_FORBIDDEN")
            self.assertIn("entered_by", r["message"])
            self.nack(gw, submit_msg("web-4", unit=SO2, entered_by="nguyen.van.a"), "E_FORBIDDEN")
            r = self.nack(unit_key, submit_msg("k-1", unit=SO2, entered_by="nguyen.van.a"), "E_FORBIDDEN")
            self.assertIn("gateway", r["message"])
            recs = {x["id"]: x for x in st.fetch_journal()}
            self.assertEqual(sorted(recs), ["web-1", "web-2"])
            self.assertEqual((recs["web-1"]["entered_by"], recs["web-1"]["submitter"]), ("nguyen.van.a", SO))
            st.wait_applied(b["seq"])
            hist = st.query("history", node=SUB, dataset="CCHC_Q", period="2025Q3")
            self.assertEqual(hist["data"]["versions"][0]["entered_by"], "nguyen.van.a")
            vals = st.query("values", node=SO, dataset="CCHC_Q", period="2025Q3")
            self.assertEqual(vals["data"]["entered_by"], "tran.thi.b")
        finally:
            gw.close()
            unit_key.close()


def slow_io_thread(pid):
    """Puts every thread of process `pid` on one CPU and libzmq's I/O thread
    in SCHED_IDLE: it then runs only while the other threads wait, so a send
    followed at once by a close is always overtaken by the close (the race a
    loaded machine loses now and then, decided the same way every time)."""
    cpu = max(os.sched_getaffinity(0))
    for tid in os.listdir("/proc/%d/task" % pid):
        os.sched_setaffinity(int(tid), {cpu})
        with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
            if f.read().startswith("ZMQbg/IO"):
                os.sched_setscheduler(int(tid), os.SCHED_IDLE, os.sched_param(0))


class TestShutdown(OwnStackCase):
    def test_sigterm_answers_what_it_stored(self):
        """collector-4.3 SIGTERM in the middle of 1,500 pipelined submissions: every record in the journal was acknowledged, exit 0"""
        st = self.st
        answers = {}
        queued_at_signal = 0
        # The signal must find a commit running (its ACKs are sent just before
        # the close); when it comes between two commits, the stream is cut again.
        for rnd in range(5):
            st.start_collector()
            p = st.procs.pop("collector")
            slow_io_thread(p.pid)
            s = st.dealer(SO)
            try:
                r = self.accept(s, submit_msg("term-%d-warm" % rnd))  # the connection is up before the stream
                answers[r["id"]] = r
                for i in range(1500):
                    s.send(packb(submit_msg("term-%d-%d" % (rnd, i), values={"PORTAL_POSTS": i})))
                # the first answer: a commit of the stream is done, the next one runs
                self.assertTrue(s.poll(10000), "no answer to the stream")
                p.send_signal(signal.SIGTERM)
                while s.poll(1000):
                    r = msgpack.unpackb(s.recv(), raw=False)
                    answers[r["id"]] = r
                rc = p.wait(15)
                self.assertEqual(rc, 0, st.log("collector")[-2000:])
            finally:
                s.close()
                if p.poll() is None:
                    p.kill()
                    p.wait()
            queued_at_signal = int(re.findall(r"signal 15: storing (\d+) queued", st.log("collector"))[-1])
            if queued_at_signal:
                break
        self.assertGreater(queued_at_signal, 0, "no signal came while a commit was running")
        st.start_collector()
        recs = st.fetch_journal()
        self.assertLess(len(recs), 1501 * (rnd + 1), "the signals came after everything was stored")
        unanswered = [x["id"] for x in recs if answers.get(x["id"], {}).get("seq") != x["seq"]]
        self.assertEqual(unanswered, [], "%d of %d stored submissions got no ACK" % (len(unanswered), len(recs)))
        for x in recs:
            self.assertEqual((answers[x["id"]]["type"], answers[x["id"]]["status"]), ("ACK", "accepted"))


class TestCli(unittest.TestCase):
    def setUp(self):
        self.st = harness.Stack(now=NOW, lenient=True, extra={"client": {"timeout_ms": "400", "retries": "2"}})
        self.st.keygen(SO)

    def tearDown(self):
        self.st.close()

    def cli(self, *args, sid=None):
        a = ["submit", "--lang", "en", "--config", self.st.config, "--unit", SO, "--dataset", "CCHC_Q",
             "--period", "2025Q3", "--key", os.path.join(self.st.keys, SO + ".key")]
        if sid:
            a += ["--id", sid]
        return harness.run_cli(*(a + list(args)), check=False)

    def test_cli_submit(self):
        """collector-3.1 cchc submit prints accepted/duplicate/rejected with exit 0/0/1"""
        self.st.start_collector()
        p = self.cli("--value", "PORTAL_POSTS=3", "--value", "PORTAL_CCHC_COLUMN=yes", "--value", "OTHER_FORMS=khac|truc_quan",
                     sid="cli-1")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        m = re.match(r"accepted seq=(\d+) version=1\b", p.stdout)
        self.assertTrue(m, p.stdout)
        seq = int(m.group(1))
        p = self.cli("--value", "PORTAL_POSTS=3", "--value", "PORTAL_CCHC_COLUMN=yes", "--value", "OTHER_FORMS=khac|truc_quan",
                     sid="cli-1")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertRegex(p.stdout, r"^duplicate seq=%d\b" % seq)
        p = self.cli("--value", "PORTAL_POSTS=4", sid="cli-1")
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertRegex(p.stdout, r"^rejected E_CONFLICT: ")
        p = self.cli("--value", "PORTAL_POSTS=-1", sid="cli-2")
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertRegex(p.stdout, r"^rejected E_NEGATIVE: \S")
        p = self.cli("--value", "PORTAL_POSTS=5")  # no --id: one is made up
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertRegex(p.stdout, r"^accepted seq=%d version=2\b" % (seq + 1))
        recs = self.st.fetch_journal()
        self.assertEqual(recs[0]["values"], {"PORTAL_POSTS": 3, "PORTAL_CCHC_COLUMN": True,
                                             "OTHER_FORMS": ["khac", "truc_quan"]})
        self.assertEqual(len(recs), 2)

    def test_cli_no_collector(self):
        """collector-3.2 cchc submit retries when no collector answers, then exits 3"""
        t0 = time.time()
        p = self.cli("--value", "PORTAL_POSTS=3", sid="cli-x")
        self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
        self.assertIn("retrying", p.stderr)
        self.assertIn("cli-x", p.stdout)
        self.assertGreaterEqual(time.time() - t0, 1.0)  # 3 attempts of 400 ms


if __name__ == "__main__":
    harness.main()
