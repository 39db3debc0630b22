"""The notifier against decisions on the real stack: a collector taking
DECIDE through a gateway key and an aggregator filling the units answer's
due / silenced / approval (proto/answers.def).  Skipped, and said so, while
the collector answers DECIDE with E_TYPE (branch i12-decide) or the
aggregator leaves those fields out (branch i12-approve); the same rules are
tested on hand-built answers in tests/unit/test_notifier_policy.c
(notifier-2.7, 3.4, 3.5).

Q3 2025 of CCHC_Q: the last day is Tue 9 September; the city escalates on
Fri 12 September.  Sở Y tế is extended to Fri 19 September (its escalation:
Wed 24 September), its CDC is silenced, Xã Việt Khê's report (5 September)
awaits its head's approval."""
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BIN  # noqa: E402

NOW = "2025-09-05T09:00:00+07:00"
DS = "CCHC_Q"
VK = "HP.XA.VIET_KHE"
Y_TE = "HP.SO.Y_TE"
CDC = "HP.SO.Y_TE.CDC"


class NotifierDecisions(unittest.TestCase):
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
            self.fail("the collector does not accept DECIDE")
        self.assertTrue(r and r["type"] == "ACK", r)
        return r

    def plan(self, at):
        p = subprocess.run([os.path.join(BIN, "cchc-notifier"), "--config", self.st.config, "--now", at,
                            "--set", "notifier.data_dir=" + os.path.join(self.st.dir, "notifier"),
                            "--set", "notifier.web_url=https://baocao.example/nop-bao-cao",
                            "--plan", "--at", at, "--messages"], capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        heads = {}
        for line in p.stdout.splitlines():
            f = line.split("\t")
            if len(f) >= 6 and f[1] == "email":
                heads[f[0]] = f
        return heads, p.stdout

    def test_extension_silence_approval(self):
        """notifier-it-14 an extension moves a unit's reminders and its escalation, a silenced unit gets nothing,
        a report awaiting approval 2 working days gives the approver line (real collector and aggregator)"""
        st = self.st
        st.keygen(VK)
        gw = st.keygen("HP", gateway=True)
        st.start_collector()
        st.start_aggregator()
        gws = st.dealer(public=gw[0], secret=gw[1])
        a = st.submit(VK, {"PORTAL_POSTS": 10, "STAFF_TOTAL": 40}, sid="nd-1")
        self.assertEqual(a["type"], "ACK", a)
        self.decide(gws, "nd-e", "extend", Y_TE, due="2025-09-19", note="Dịch bệnh")
        last = self.decide(gws, "nd-s", "silence", CDC)
        st.wait_applied(last["seq"])
        units = {u["code"]: u for u in st.query("units", node="HP", dataset=DS, period="2025Q3")["data"]["units"]}
        if "due" not in units[Y_TE] or "approval" not in units[VK]:
            self.fail("the aggregator does not fill due/silenced/approval")

        # Who approves: the web's approver accounts ([notifier] approvers = web, the default).
        # With accounts on and nobody to approve Việt Khê's report, nobody is reminded.
        with open(st.config, "a") as f:
            f.write("\n[web]\naccounts = yes\nusers_dir = %s\n" % os.path.join(st.dir, "web"))
        heads, text = self.plan("2025-09-10T09:00:00+07:00")
        self.assertNotIn("approve:", heads.get(VK, [""] * 6)[4])
        self.assertNotIn("chờ duyệt", text)
        u = subprocess.run([os.path.join(BIN, "cchc"), "user", "add", "duyet.vietkhe", "--name", "Trần Văn Minh",
                            "--role", "approver", "--unit", VK, "--config", st.config],
                           input="mat-khau-duyet-2025\n", capture_output=True, text=True, timeout=60)
        self.assertEqual(u.returncode, 0, u.stderr)

        heads, text = self.plan("2025-09-10T09:00:00+07:00")
        # Sở Y tế: 7 working days before its own last day, not "after-1" with the others
        self.assertIn("CCHC_Q/2025Q3/before-7", heads[Y_TE][4])
        self.assertIn("Hạn nộp (đã được gia hạn): hết ngày 19/09/2025", text)
        self.assertNotIn(CDC, heads)                       # silenced: nothing
        self.assertIn("approve:CCHC_Q/2025Q3/awaiting-2", heads[VK][4])
        self.assertIn("1 báo cáo CCHC đang chờ duyệt", heads[VK][5])
        self.assertIn("Duyệt hoặc trả lại báo cáo tại: https://baocao.example/approve", text)

        def escalated(heads):
            return int(re.search(r"escalate\((\d+)\)", heads["HP"][4]).group(1))
        heads, text = self.plan("2025-09-12T09:00:00+07:00")
        before = escalated(heads)
        city = text[text.index("HP/2025-09-12/email"):]
        city = city[:city.index("\n--\n")]
        self.assertNotIn("Sở Y tế (", city)                # not escalated before its own deadline
        heads, text = self.plan("2025-09-24T09:00:00+07:00")
        self.assertEqual(escalated(heads), before + 1)     # its own escalation day: now it is
        self.assertNotIn(CDC, heads)


if __name__ == "__main__":
    harness.main()
