"""cchc-web's approval (issue 12, "Approval"): the head of a commune sees the
reports awaiting approval, reviews one beside its previous version, approves
it or returns it with a comment; each decision is a DECIDE through the web's
gateway key to the real collector (CURVE), lands in the journal and changes
the aggregator's answers.  Only the unit's approver may decide (403 for
another commune's head, a reporter, a viewer); a return needs a comment; a
POST without the CSRF token is refused; a collector killed during a decision
gives a page that says so, and pressing again after the restart records the
decision once."""
import json
import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Stack, free_port, BIN  # noqa: E402
from test_web_accounts import Client, PASSWORD  # noqa: E402

NOW = "2025-12-05T09:00:00+07:00"
XA1 = "HP.XA.NAM_SACH"
XA2 = "HP.XA.HOP_TIEN"
PERIOD = "2025Q4"


def add_user(s, login, role, unit=None):
    args = [os.path.join(BIN, "cchc"), "user", "add", login, "--name", "Người dùng " + login, "--role", role,
            "--config", s.config]
    if unit:
        args += ["--unit", unit]
    subprocess.run(args, input=PASSWORD + "\n", text=True, check=True, capture_output=True, timeout=60)


class WebApproveTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Stack(now=NOW)
        cls.s.keygen("HP", gateway=True)
        for unit in (XA1, XA2):
            cls.s.keygen(unit)  # the keyring is read when the collector starts
        cls.s.start_collector(now=NOW)
        cls.s.start_aggregator(now=NOW)
        cls.port = free_port()
        cls.s.write_config({"web": {"listen": "127.0.0.1:%d" % cls.port, "accounts": "yes",
                                    "users_dir": os.path.join(cls.s.dir, "web"),
                                    "gateway_key": os.path.join(cls.s.keys, "HP.gateway.key"),
                                    "submit_timeout_ms": "700", "submit_retries": "0",
                                    "query_timeout_ms": "1000"}})
        add_user(cls.s, "truong1", "approver", XA1)
        add_user(cls.s, "truong2", "approver", XA2)
        add_user(cls.s, "nhap1", "reporter", XA1)
        cls.s.start("web", wait_port=cls.port, now=NOW)

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def login(self, who):
        c = Client(self.port)
        st, _, _ = c.login(who)
        self.assertEqual(st, 303)
        return c

    def send(self, unit, sid=None, **values):
        a = self.s.submit(unit, harness.report(**values), period=PERIOD, sid=sid)
        self.assertEqual(a["type"], "ACK", a)
        self.s.wait_applied(a["seq"])
        return a

    def values(self, unit):
        return self.s.query("values", node=unit, dataset="CCHC_Q", period=PERIOD)

    def decisions(self, unit):
        h = self.s.query("history", node=unit, dataset="CCHC_Q", period=PERIOD)
        return h["data"]["decisions"]

    def form(self, c, unit):
        st, _, body = c.req("GET", "/approve?unit=%s&dataset=CCHC_Q&period=%s" % (unit, PERIOD))
        self.assertEqual(st, 200, body)
        fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', body))
        return body, fields

    def wait_approval(self, unit, state, timeout=10):
        t0 = time.time()
        while time.time() - t0 < timeout:
            v = self.values(unit)
            if v["data"]["approval"] == state:
                return v
            time.sleep(0.1)
        self.fail("approval of %s never became %s: %s" % (unit, state, v))

    def test_1_queue_review_approve(self):
        """the queue lists the report; approving it records a DECIDE (entered_by = the head) and the state"""
        a = self.send(XA1)
        c = self.login("truong1")
        st, _, body = c.req("GET", "/approve")
        self.assertEqual(st, 200)
        self.assertIn("Báo cáo chờ duyệt", body)
        self.assertIn("unit=%s" % XA1, body)
        body, fields = self.form(c, XA1)
        self.assertIn("Chờ duyệt", body)
        self.assertEqual(fields["version"], str(a["version"]))
        fields["decision"] = "approve"
        fields["note"] = "Đồng ý"
        st, h, body = c.req("POST", "/approve", fields)
        self.assertEqual(st, 303, body)
        self.assertIn("done=approve", h["location"])
        v = self.wait_approval(XA1, "approved")
        self.assertEqual(v["data"]["decided_by"], "truong1")
        d = self.decisions(XA1)
        self.assertEqual([(x["decision"], x["version"], x.get("entered_by")) for x in d],
                         [("approve", a["version"], "truong1")])
        st, _, body = c.req("GET", "/approve")
        self.assertNotIn("unit=%s" % XA1, body)  # left the queue
        out = subprocess.run([os.path.join(BIN, "cchc"), "user", "audit", "--format", "json", "--config",
                              self.s.config], capture_output=True, text=True, check=True, timeout=30).stdout
        self.assertIn(("truong1", "approve", XA1), {(e["login"], e["action"], e.get("unit")) for e in json.loads(out)})

    def test_2_return_needs_a_comment_and_shows_changes(self):
        """a return without a comment is refused on the page (nothing sent); with one, the state is returned;
        a correction is awaiting again and shows what changed"""
        self.send(XA2, PORTAL_POSTS=5)
        c = self.login("truong2")
        _, fields = self.form(c, XA2)
        fields.update(decision="return", note="")
        st, _, body = c.req("POST", "/approve", fields)
        self.assertEqual(st, 400)
        self.assertIn("Hãy ghi nhận xét", body)
        self.assertEqual(self.decisions(XA2), [])
        fields["note"] = "Số tin bài chưa khớp sổ theo dõi"
        st, _, _ = c.req("POST", "/approve", fields)
        self.assertEqual(st, 303)
        v = self.wait_approval(XA2, "returned")
        self.assertEqual(v["data"]["decision_note"], "Số tin bài chưa khớp sổ theo dõi")
        self.send(XA2, PORTAL_POSTS=7)
        self.wait_approval(XA2, "awaiting")
        body, fields = self.form(c, XA2)
        self.assertRegex(body, r'<tr data-ind="PORTAL_POSTS" class="changed">')
        self.assertEqual(fields["version"], "2")

    def test_3_only_the_units_head(self):
        """another commune's head, a reporter, a request without CSRF: refused, nothing recorded"""
        self.send(XA1, PORTAL_POSTS=11)  # a new version: awaiting
        other = self.login("truong2")
        st, _, body = other.req("GET", "/approve?unit=%s&dataset=CCHC_Q&period=%s" % (XA1, PERIOD))
        self.assertEqual(st, 403)
        self.assertNotIn("PORTAL_POSTS", body)
        st, _, _ = other.req("GET", "/approve?unit=HP.XA.KHONG_CO&dataset=CCHC_Q&period=%s" % PERIOD)
        self.assertEqual(st, 403)  # an unknown unit answers as another's
        before = len(self.decisions(XA1))
        st, _, _ = other.req("POST", "/approve", {"csrf": other.csrf("/approve"), "unit": XA1, "dataset": "CCHC_Q",
                                                  "period": PERIOD, "version": "2", "decision": "approve"})
        self.assertEqual(st, 403)
        rep = self.login("nhap1")
        self.assertEqual(rep.req("GET", "/approve")[0], 403)
        head = self.login("truong1")
        _, fields = self.form(head, XA1)
        fields.pop("csrf")
        fields["decision"] = "approve"
        self.assertEqual(head.req("POST", "/approve", fields)[0], 403)
        self.assertEqual(len(self.decisions(XA1)), before)

    def test_4_collector_killed(self):
        """the collector dies: the page says the decision may not be recorded; pressing again after the
        restart records it once"""
        self.send(XA1, PORTAL_POSTS=12)
        head = self.login("truong1")
        _, fields = self.form(head, XA1)
        fields.update(decision="approve", note="")
        self.s.kill9("collector")
        try:
            st, _, body = head.req("POST", "/approve", fields)
            self.assertEqual(st, 503, body)
            self.assertIn("bấm lại", body)
        finally:
            self.s.start_collector(now=NOW)
        t0 = time.time()
        while True:
            st, _, body = head.req("POST", "/approve", fields)
            if st == 303 or time.time() - t0 > 15:
                break
            time.sleep(0.3)
        self.assertEqual(st, 303, body)
        self.wait_approval(XA1, "approved")
        st, _, _ = head.req("POST", "/approve", fields)  # once more: the same DECIDE, a duplicate
        approvals = [x for x in self.decisions(XA1) if x["decision"] == "approve"
                     and x["version"] == int(fields["version"])]
        self.assertEqual(len(approvals), 1, approvals)


if __name__ == "__main__":
    harness.main()
