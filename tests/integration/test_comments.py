"""Integration tests of per-value comments (SUBMIT.comments): a short text
beside an indicator's value, from the officer's SUBMIT through the journal
and the feed (BATCH) to the aggregator's values and history answers, the
checks and idempotence, and `cchc submit --comment` / the CSV's comment
column.  Same simulated clock as test_collector.py.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_collector import NOW, SO, SO2, SUB, UNITS, CollectorCase, submit_msg  # noqa: E402

VI = "gồm 3 tin đăng lại"  # "includes 3 reposted items"


class TestComments(CollectorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.st.start_aggregator()
        except BaseException:
            cls.st.close()
            raise

    def test_1_round_trip(self):
        """comments-1.1 comments travel SUBMIT -> journal -> BATCH -> values and history answers; a version without them has none"""
        s = self.st.dealer(SUB)
        try:
            comments = {"PORTAL_POSTS": VI, "STAFF_TOTAL": "x" * 509 + "ệ"}  # 512 bytes: the limit
            a = self.accept(s, submit_msg(self.sid(), unit=SUB, values={"PORTAL_POSTS": 5, "STAFF_TOTAL": 40},
                                          comments=comments))
            rec = self.journal_by_id()[a["id"]]
            self.assertEqual(rec["comments"], comments)
            self.assertEqual(rec["values"], {"PORTAL_POSTS": 5, "STAFF_TOTAL": 40})
            self.st.wait_applied(a["seq"])
            vals = self.st.query("values", node=SUB, dataset="CCHC_Q", period="2025Q3")["data"]
            self.assertEqual((vals["version"], vals["comments"]), (a["version"], comments))
            # a correction without comments: the latest has none, history keeps the first's
            b = self.accept(s, submit_msg(self.sid(), unit=SUB, values={"PORTAL_POSTS": 6}))
            self.assertNotIn("comments", self.journal_by_id()[b["id"]])
            self.st.wait_applied(b["seq"])
            vals = self.st.query("values", node=SUB, dataset="CCHC_Q", period="2025Q3")["data"]
            self.assertNotIn("comments", vals)
            hist = self.st.query("history", node=SUB, dataset="CCHC_Q", period="2025Q3")["data"]["versions"]
            by_version = {v["version"]: v for v in hist}
            self.assertEqual(by_version[a["version"]]["comments"], comments)
            self.assertNotIn("comments", by_version[b["version"]])
        finally:
            s.close()

    def test_2_same_content(self):
        """comments-1.2 comments are part of the content: in another order a duplicate; changed, added or removed an E_CONFLICT"""
        s = self.st.dealer(SO2)
        try:
            msg = submit_msg(self.sid(), unit=SO2, comments={"PORTAL_POSTS": VI, "WEBSITE_POSTS": "ước tính"},
                             values={"PORTAL_POSTS": 3, "WEBSITE_POSTS": 1})
            first = self.accept(s, msg)
            again = self.send(s, dict(msg, comments=dict(reversed(list(msg["comments"].items())))))
            self.assertEqual((again["status"], again["seq"]), ("duplicate", first["seq"]), again)
            for other in ({"PORTAL_POSTS": VI}, {"PORTAL_POSTS": VI, "WEBSITE_POSTS": "khác"},
                          dict(msg["comments"], STAFF_TOTAL="thêm")):
                self.nack(s, dict(msg, comments=other), "E_CONFLICT")
            m = dict(msg)
            del m["comments"]
            self.nack(s, m, "E_CONFLICT")
        finally:
            s.close()

    def test_3_refusals(self):
        """comments-1.3 a comment on a code that is not an indicator of the dataset, too long, empty, not UTF-8, too many: refused with its code and sentence, nothing stored"""
        s = self.st.dealer(SO)
        before = len(self.st.fetch_journal())
        try:
            cases = [
                ({"KHONG_CO": "x"}, "E_UNKNOWN_INDICATOR", "a comment is given for KHONG_CO"),
                ({"CCHC_Q": "x"}, "E_UNKNOWN_INDICATOR", "CCHC_Q, which is not an indicator of dataset CCHC_Q"),
                ({"PORTAL_POSTS": "x" * 513}, "E_FIELD", "513 bytes"),
                ({"PORTAL_POSTS": ""}, "E_FIELD", "0 bytes"),
                ({"PORTAL POSTS": "x"}, "E_FIELD", "'comments'"),
                ({"PORTAL_POSTS": 3}, "E_FIELD", "'comments'"),
                ({"I%d" % i: "x" for i in range(257)}, "E_FIELD", "more than 256"),
                (["PORTAL_POSTS", "x"], "E_FIELD", "'comments'"),
            ]
            for comments, code, text in cases:
                with self.subTest(code=code, text=text):
                    r = self.nack(s, submit_msg(self.sid(), values={"PORTAL_POSTS": 1}, comments=comments), code)
                    self.assertIn(text, r["message"])
            good = harness.msgpack.packb(submit_msg("c-utf8", values={"PORTAL_POSTS": 1}), use_bin_type=True)
            self.assertEqual(good[0], 0x87)  # a fixmap of 7 pairs: one more is the comments, not UTF-8
            bad = b"\x88" + good[1:] + b"\xa8comments\x81\xacPORTAL_POSTS\xa2\xc3\x28"
            r = self.send(s, bad)
            self.assertEqual((r["type"], r["code"]), ("NACK", "E_FIELD"), r)
            self.assertIn("UTF-8", r["message"])
            self.assertEqual(len(self.st.fetch_journal()), before, "a refused report was stored")
        finally:
            s.close()
        self.assert_alive()


class TestCommentsCli(unittest.TestCase):
    def setUp(self):
        self.st = harness.Stack(now=NOW, lenient=True)
        for u in UNITS:
            self.st.keygen(u)
        self.st.start_collector()

    def tearDown(self):
        self.st.close()

    def cli(self, *args, sid):
        return harness.run_cli("submit", "--lang", "en", "--config", self.st.config, "--unit", SO, "--dataset",
                               "CCHC_Q", "--period", "2025Q3", "--key", os.path.join(self.st.keys, SO + ".key"),
                               "--id", sid, *args, check=False)

    def test_cli_comments(self):
        """comments-2.1 cchc submit --comment IND=TEXT and the CSV's comment column send comments; a long or repeated one is refused before sending"""
        p = self.cli("--value", "PORTAL_POSTS=3", "--comment", "PORTAL_POSTS=" + VI, sid="cc-1")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        path = os.path.join(self.st.dir, "r.csv")
        with open(path, "w", encoding="utf-8") as f:
            f.write("indicator,value,comment\nPORTAL_POSTS,4,\"gồm 1 tin, đăng lại\"\nSTAFF_TOTAL,50,\n"
                    "WEBSITE_POSTS,,chưa thống kê\n")
        p = self.cli("--file", path, sid="cc-2")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        recs = {r["id"]: r for r in self.st.fetch_journal()}
        self.assertEqual(recs["cc-1"]["comments"], {"PORTAL_POSTS": VI})
        self.assertEqual(recs["cc-2"]["values"], {"PORTAL_POSTS": 4, "STAFF_TOTAL": 50})
        self.assertEqual(recs["cc-2"]["comments"], {"PORTAL_POSTS": "gồm 1 tin, đăng lại",
                                                    "WEBSITE_POSTS": "chưa thống kê"})
        for args, text in ((("--comment", "PORTAL_POSTS=" + "y" * 513), "513 bytes, more than 512"),
                           (("--comment", "PORTAL_POSTS=a", "--comment", "PORTAL_POSTS=b"), "has two comments"),
                           (("--comment", "PORTAL_POSTS"), "--comment wants INDICATOR=TEXT")):
            p = self.cli("--value", "PORTAL_POSTS=3", *args, sid="cc-x")
            self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
            self.assertIn(text, p.stderr)
        p = self.cli("--value", "PORTAL_POSTS=3", "--comment", "KHONG_CO=x", sid="cc-3")
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertRegex(p.stdout, r"^rejected E_UNKNOWN_INDICATOR: ")
        self.assertEqual(len(self.st.fetch_journal()), 2)


if __name__ == "__main__":
    harness.main()
