"""cchc-notifier against a real collector + aggregator, a real SMTP server
(aiosmtpd) and a real HTTP receiver (http.server), all on loopback.

The notifier runs with --once on a simulated clock (--now): each run is one
tick at that instant, so moving the clock is restarting it.  Its sent-log
lives in a directory per test (--set notifier.data_dir=...).

Catalog (written per run): HP (city) > HP.SO.A, HP.SO.B > HP.SO.B.P, HP.SO.D
(webhook answering 503 then 200), HP.XA.C (webhook answering 400), HP.XA.E
(with targets).  HP.SO.B and HP.XA.E submitted 2025Q3; the others did not.
CCHC_Q 2025Q3 is due by the end of Tue 2025-09-09 (Sep 1-2 are holidays).
"""
import email
import email.policy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BIN, CATALOG, Stack, free_port  # noqa: E402

from aiosmtpd.controller import Controller  # noqa: E402

UNITS = """code,name,kind,parent,opened,closed,email,webhook,parent_submits
HP,Thành phố Hải Phòng,thanh_pho,,,,vanphong@ubnd.hp.example,,no
HP.SO.A,Sở Nội vụ thử nghiệm,so,HP,2025-07-01,,so-a@hp.example,,no
HP.SO.B,"Sở Văn hóa, Thể thao và Du lịch",so,HP,2025-07-01,,so-b@hp.example,{hook}/b,no
HP.SO.B.P,Phòng Tổ chức - Hành chính,phong,HP.SO.B,2025-07-01,,phong@so-b.hp.example,,yes
HP.SO.D,Sở Xây dựng,so,HP,2025-07-01,,so-d@hp.example,{hook}/d,no
HP.XA.C,Xã Việt Khê,xa,HP,2025-07-01,,ubnd@xa-c.hp.example,{hook}/c,no
HP.XA.E,Phường Hồng Bàng,xa,HP,2025-07-01,,ubnd@xa-e.hp.example,,no
"""
TARGETS = """unit,indicator,period_type,min,max,from,to,note
HP.XA.E,PORTAL_POSTS,year,20,,2025,2025,tối thiểu 20 tin bài/năm
HP.XA.E,RADIO_ITEMS,month,2,,202507,202512,ít nhất 02 tin bài mỗi tháng
"""
Q3_LATE = {"so-a@hp.example", "phong@so-b.hp.example", "so-d@hp.example", "ubnd@xa-c.hp.example"}


class Sink:
    """aiosmtpd handler: keeps every message (envelope recipients + parsed)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.msgs = []

    async def handle_DATA(self, server, session, envelope):
        m = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.lock:
            self.msgs.append((list(envelope.rcpt_tos), m))
        return "250 OK queued"

    def take(self):
        with self.lock:
            out, self.msgs = self.msgs, []
        return out


class Hooks(BaseHTTPRequestHandler):
    script = {}   # path -> list of statuses to answer, then 200
    seen = []     # (path, idempotency key, json body)
    lock = threading.Lock()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with Hooks.lock:
            Hooks.seen.append((self.path, self.headers.get("Idempotency-Key"), json.loads(body.decode("utf-8"))))
            statuses = Hooks.script.get(self.path, [])
            status = statuses.pop(0) if statuses else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *a):
        pass


class NotifierTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.http = ThreadingHTTPServer(("127.0.0.1", 0), Hooks)
        threading.Thread(target=cls.http.serve_forever, daemon=True).start()
        hook = "http://127.0.0.1:%d/hooks" % cls.http.server_address[1]
        cls.catdir = tempfile.mkdtemp(prefix="cchc-notifier-cat-")
        for f in ("indicators.csv", "datasets.csv", "holidays.csv"):
            shutil.copy(os.path.join(CATALOG, f), cls.catdir)
        with open(os.path.join(cls.catdir, "units.csv"), "w", encoding="utf-8") as f:
            f.write(UNITS.format(hook=hook))
        with open(os.path.join(cls.catdir, "targets.csv"), "w", encoding="utf-8") as f:
            f.write(TARGETS)
        cls.sink = Sink()
        cls.smtp_port = free_port()
        cls.smtp = Controller(cls.sink, hostname="127.0.0.1", port=cls.smtp_port)
        cls.smtp.start()
        # fetch_wait_ms: long polls expire rarely (the collector keeps an
        # expired FETCH waiter after answering it with an empty BATCH, and then
        # overflows its waiter array: a collector bug, reported)
        cls.stack = Stack(catalog=cls.catdir, curve=False, lenient=True, now="2025-09-08T09:00:00+07:00", extra={
            "aggregator": {"fetch_wait_ms": "60000"}, "notifier": {
            "smtp_url": "smtp://127.0.0.1:%d" % cls.smtp_port,
            "mail_from": "nhacviec@cchc.hp.example",
            "pub_endpoint": "tcp://127.0.0.1:%d" % free_port(),
            "webhook_timeout_ms": "3000",
            "webhook_attempts": "3",
            "webhook_backoff_ms": "100",
        }})
        try:
            cls.stack.start_collector()
            cls.stack.start_aggregator()
            for unit, values in (("HP.SO.B", {"PORTAL_POSTS": 4}), ("HP.XA.E", {"PORTAL_POSTS": 5, "RADIO_ITEMS": 6})):
                r = cls.stack.submit(unit, values, period="2025Q3")
                assert r and r["type"] == "ACK", r
            cls.stack.wait_applied(2)
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.stack.close()
        cls.smtp.stop()
        cls.http.shutdown()
        cls.http.server_close()
        shutil.rmtree(cls.catdir, ignore_errors=True)

    def setUp(self):
        self.sink.take()
        with Hooks.lock:
            Hooks.seen.clear()
            Hooks.script.clear()
        self.data = os.path.join(self.stack.dir, "notifier-" + self.id().split(".")[-1])

    # ---- helpers -----------------------------------------------------------
    def notifier(self, at, *args, expect=0, once=True):
        cmd = [os.path.join(BIN, "cchc-notifier"), "--config", self.stack.config, "--now", at,
               "--set", "notifier.data_dir=" + self.data] + (["--once"] if once else []) + list(args)
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if expect is not None and p.returncode != expect:
            raise AssertionError("cchc-notifier %s exited %d (want %d):\n%s%s" % (
                " ".join(args), p.returncode, expect, p.stdout, p.stderr[-4000:]))
        return p

    def mails(self):
        """[(recipient, subject, body)] of what arrived since the last call."""
        out = []
        for rcpts, m in self.sink.take():
            self.assertEqual(len(rcpts), 1, "one message per recipient")
            self.assertEqual(m["To"], rcpts[0])
            self.assertEqual(m.get_content_type(), "text/plain")
            self.assertEqual(m.get_content_charset(), "utf-8")
            out.append((rcpts[0], str(m["Subject"]), m.get_content(), m))
        return out

    def sent_log(self):
        p = self.notifier("2025-09-08T09:00:00+07:00", "--sent-log", once=False)
        return dict((line.split("\t")[0], line.split("\t")[1:]) for line in p.stdout.splitlines() if line)

    # ---- tests ---------------------------------------------------------------
    def test_1_scripted_quarter(self):
        """notifier-it-1 scripted quarter: right messages to the right addresses, never twice, nothing to reporters"""
        self.notifier("2025-08-27T09:00:00+07:00")  # before-7
        got = self.mails()
        self.assertEqual({r for r, _, _, _ in got}, Q3_LATE)
        self.assertEqual(len(got), 4)
        for r, subj, body, m in got:
            self.assertEqual(subj, "Nhắc nộp báo cáo CCHC quý 3/2025 — hạn 09/09/2025")
            self.assertIn("X-CCHC-Reminder", m)
            self.assertTrue(m["X-CCHC-Reminder"].endswith("/CCHC_Q/2025Q3/before-7/email"))
            self.assertIn("còn 7 ngày làm việc", body)
            self.assertIn("English: Reminder", body)
        byrcpt = {r: body for r, _, body, _ in got}
        self.assertIn("Kính gửi: Xã Việt Khê", byrcpt["ubnd@xa-c.hp.example"])
        self.assertIn("Kính gửi: Phòng Tổ chức - Hành chính", byrcpt["phong@so-b.hp.example"])

        self.notifier("2025-08-27T15:00:00+07:00")  # same stage: never twice
        self.assertEqual(self.mails(), [])
        self.notifier("2025-09-04T09:00:00+07:00")  # before-3
        got = self.mails()
        self.assertEqual(sorted(r for r, _, _, _ in got), sorted(Q3_LATE))
        self.assertTrue(all("còn 3 ngày làm việc" in b for _, _, b, _ in got))

        # down from Sep 4 to Sep 12: before-1, due, after-1 were never sent;
        # only after-1 (the latest unit stage) and the escalation go out
        self.notifier("2025-09-12T09:00:00+07:00")
        got = self.mails()
        rc = sorted(r for r, _, _, _ in got)
        self.assertEqual(rc, sorted(Q3_LATE | {"vanphong@ubnd.hp.example", "so-b@hp.example"}))
        stages = {r: m["X-CCHC-Reminder"].split("/")[3] for r, _, _, m in got}
        for r in Q3_LATE:
            self.assertEqual(stages[r], "after-1")
        self.assertEqual(stages["vanphong@ubnd.hp.example"], "escalate")
        self.assertEqual(stages["so-b@hp.example"], "escalate")
        subj = {r: s for r, s, _, _ in got}
        body = {r: b for r, _, b, _ in got}
        self.assertEqual(subj["so-a@hp.example"], "Quá hạn nộp báo cáo CCHC quý 3/2025 — hạn 09/09/2025")
        # one escalation per parent listing all its late sub-units
        self.assertEqual(subj["vanphong@ubnd.hp.example"],
                         "Đơn vị trực thuộc chưa nộp báo cáo CCHC quý 3/2025 (3 đơn vị) — hạn 09/09/2025")
        hp, _, at_risk = body["vanphong@ubnd.hp.example"].partition("Đơn vị có chỉ tiêu chưa đạt tiến độ:")
        for code in ("HP.SO.A", "HP.SO.D", "HP.XA.C"):
            self.assertIn("(%s)" % code, hp)
        for code in ("HP.SO.B)", "HP.XA.E", "HP.SO.B.P"):
            self.assertNotIn(code, hp)
        # ... and the units at risk: HP.XA.E reported, but 5 of a yearly 20 is behind 15 by the end of Q3
        self.assertIn("* Phường Hồng Bàng (HP.XA.E):", at_risk)
        self.assertIn("(PORTAL_POSTS): đạt 5, cần ít nhất 15 đến hết quý 3/2025, còn thiếu 10", at_risk)
        self.assertIn("- Phòng Tổ chức - Hành chính (HP.SO.B.P)", body["so-b@hp.example"])
        self.assertIn("đã quá hạn 3 ngày làm việc", hp)
        # nothing ever for the units that reported
        self.assertNotIn("ubnd@xa-e.hp.example", rc)

    def test_2_hours_and_holiday(self):
        """notifier-it-2 working hours and a holiday: nothing outside them, sent at the next working hour"""
        for at in ("2025-09-02T10:00:00+07:00",   # Quốc khánh
                   "2025-09-01T09:00:00+07:00",   # its adjacent day off
                   "2025-09-06T10:00:00+07:00",   # Saturday
                   "2025-09-08T07:59:00+07:00", "2025-09-08T17:00:00+07:00"):
            self.notifier(at)
            self.assertEqual(self.mails(), [], at)
        p = self.notifier("2025-09-02T10:00:00+07:00", "--plan", "--at", "2025-09-02T10:00:00+07:00", once=False)
        self.assertIn("outside working hours: nothing goes out before 2025-09-03T08:00:00+07:00", p.stdout)
        self.assertIn("# 0 reminder(s)", p.stdout)
        self.notifier("2025-09-03T08:00:30+07:00")  # the next working hour: before-7 (before-3 is Sep 4)
        got = self.mails()
        self.assertEqual({r for r, _, _, _ in got}, Q3_LATE)
        self.assertTrue(all(m["X-CCHC-Reminder"].endswith("/before-7/email") for _, _, _, m in got))

    def test_3_catch_up(self):
        """notifier-it-3 catch-up after downtime: each obligation once, only its latest stage"""
        p = self.notifier("2025-09-19T09:00:00+07:00", "--plan", "--at", "2025-09-19T09:00:00+07:00", once=False)
        lines = [l.split("\t") for l in p.stdout.splitlines() if l and not l.startswith("#")]
        self.assertTrue(lines)
        self.assertEqual(self.mails(), [], "--plan sends nothing")
        self.notifier("2025-09-19T09:00:00+07:00")
        got = self.mails()
        rc = [r for r, _, _, _ in got]
        self.assertEqual(sorted(rc), sorted(Q3_LATE | {"vanphong@ubnd.hp.example", "so-b@hp.example"}))
        self.assertTrue(all(m["X-CCHC-Reminder"].split("/")[3] == "weekly-1" for _, _, _, m in got))
        # the plan printed beforehand is what went out by e-mail
        planned = sorted(l[5] for l in lines if l[4] == "email" and l[1] == "CCHC_Q")
        self.assertEqual(planned, sorted(rc))
        self.notifier("2025-09-19T11:00:00+07:00")
        self.assertEqual(self.mails(), [])

    def test_4_kill9(self):
        """notifier-it-4 kill -9 between the SMTP 250 and the sent-log record repeats exactly that one"""
        self.notifier("2025-09-08T09:00:00+07:00", "--set", "notifier.channels=email",
                      "--set", "notifier.test_kill_after_sends=2", expect=-9)
        first = [r for r, _, _, _ in self.mails()]
        self.assertEqual(len(first), 2)
        self.notifier("2025-09-08T09:05:00+07:00", "--set", "notifier.channels=email")
        second = [r for r, _, _, _ in self.mails()]
        self.assertEqual(sorted(first + second), sorted(list(Q3_LATE) + [first[1]]))
        self.assertEqual(second[0], first[1], "the in-flight one is repeated, first")
        self.notifier("2025-09-08T10:00:00+07:00", "--set", "notifier.channels=email")
        self.assertEqual(self.mails(), [])
        log = self.sent_log()
        self.assertEqual(sum(1 for k, v in log.items() if v[0] == "sent"), 4)

    def test_5_webhooks(self):
        """notifier-it-5 webhooks: retry on 503 with the same Idempotency-Key, no retry on 400, recorded"""
        Hooks.script.update({"/hooks/d": [503, 503], "/hooks/c": [400, 400, 400]})
        self.notifier("2025-09-08T09:00:00+07:00", "--set", "notifier.channels=webhook")
        with Hooks.lock:
            seen = list(Hooks.seen)
        d = [s for s in seen if s[0] == "/hooks/d"]
        c = [s for s in seen if s[0] == "/hooks/c"]
        self.assertEqual(len(d), 3)
        self.assertEqual({s[1] for s in d}, {"HP.SO.D/CCHC_Q/2025Q3/before-1/webhook"})
        self.assertEqual(d[0][2]["stage"], "before-1")
        self.assertEqual(d[0][2]["unit_name"], "Sở Xây dựng")
        self.assertEqual(d[0][2]["subject"], "Nhắc nộp báo cáo CCHC quý 3/2025 — hạn 09/09/2025")
        self.assertEqual(len(c), 1, "no retry on 400")
        self.assertFalse([s for s in seen if s[0] == "/hooks/b"], "HP.SO.B reported")
        log = self.sent_log()
        self.assertEqual(log["HP.SO.D/CCHC_Q/2025Q3/before-1/webhook"][:3], ["sent", "tries=1", "attempts=3"])
        self.assertEqual(log["HP.XA.C/CCHC_Q/2025Q3/before-1/webhook"][0], "rejected")
        self.assertIn("HTTP 400", log["HP.XA.C/CCHC_Q/2025Q3/before-1/webhook"][-1])
        self.notifier("2025-09-08T11:00:00+07:00", "--set", "notifier.channels=webhook")
        with Hooks.lock:
            self.assertEqual(len(Hooks.seen), len(seen), "neither the sent nor the rejected one is sent again")
        # the parent's escalation reaches HP.SO.B's webhook with the late list
        self.notifier("2025-09-12T09:00:00+07:00", "--set", "notifier.channels=webhook")
        with Hooks.lock:
            b = [s for s in Hooks.seen if s[0] == "/hooks/b"]
        self.assertEqual(len(b), 1)
        self.assertEqual(b[0][2]["stage"], "escalate")
        self.assertEqual([u["code"] for u in b[0][2]["late_units"]], ["HP.SO.B.P"])

    def test_6_targets(self):
        """notifier-it-6 a unit behind a pro-rated target is told which and by how much"""
        self.notifier("2025-12-08T09:00:00+07:00", "--set", "notifier.channels=email")
        got = [(r, s, b, m) for r, s, b, m in self.mails() if r == "ubnd@xa-e.hp.example"]
        q4 = [b for r, s, b, m in got if "/CCHC_Q/2025Q4/" in m["X-CCHC-Reminder"]]
        self.assertEqual(len(q4), 1, [m["X-CCHC-Reminder"] for _, _, _, m in got])
        self.assertIn("Chỉ tiêu chưa đạt tiến độ", q4[0])
        self.assertIn("(PORTAL_POSTS): đạt 5, cần ít nhất 20 đến hết quý 4/2025, còn thiếu 15", q4[0])

    def test_7_running_service(self):
        """notifier-it-7 the running service: waits for 08:00, EVENTs, REMINDER on PUB per unit topic, SIGTERM"""
        import msgpack
        import zmq
        import time
        pub = self.stack.config_pub = None
        for line in open(self.stack.config, encoding="utf-8"):
            if line.startswith("pub_endpoint"):
                pub = line.split("=", 1)[1].strip()
        sub = zmq.Context.instance().socket(zmq.SUB)
        sub.linger = 0
        sub.setsockopt(zmq.SUBSCRIBE, b"HP.SO.D")
        sub.connect(pub)
        try:
            self.stack.start("notifier", "--set", "notifier.data_dir=" + self.data, "--set", "notifier.tick_ms=300",
                             now="2025-09-08T07:59:57+07:00")
            time.sleep(0.8)
            # HP.SO.A reports before 08:00: the EVENT (and the aggregator) spare it
            r = self.stack.submit("HP.SO.A", {"PORTAL_POSTS": 1}, period="2025Q3")
            self.assertEqual(r["type"], "ACK")
            self.assertEqual(self.mails(), [], "nothing before 08:00")
            self.assertTrue(sub.poll(8000), "a REMINDER on the HP.SO.D topic")
            topic, payload = sub.recv_multipart()
            self.assertEqual(topic, b"HP.SO.D")
            m = msgpack.unpackb(payload, raw=False)
            self.assertEqual((m["type"], m["unit"], m["dataset"], m["period"], m["stage"]),
                             ("REMINDER", "HP.SO.D", "CCHC_Q", "2025Q3", "before-1"))
            self.assertEqual(m["subject"], "Nhắc nộp báo cáo CCHC quý 3/2025 — hạn 09/09/2025")
            self.assertEqual(m["id"], "HP.SO.D:CCHC_Q:2025Q3:before-1")
            t0 = time.time()
            got = []
            while time.time() - t0 < 5 and len(got) < 3:
                got += self.mails()
                time.sleep(0.1)
            time.sleep(1.0)  # a few more ticks: nothing is sent twice
            got += self.mails()
            self.assertEqual(sorted(r for r, _, _, _ in got), sorted(Q3_LATE - {"so-a@hp.example"}))
        finally:
            sub.close()
            rc = self.stack.stop("notifier")
        self.assertEqual(rc, 0, self.stack.log("notifier")[-3000:])
        self.assertRegex(self.stack.log("notifier"), r"stopped: 8 sent, 0 rejected, 0 failed, [1-9]\d* events")


if __name__ == "__main__":
    harness.main()
