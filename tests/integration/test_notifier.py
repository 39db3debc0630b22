"""cchc-notifier against a real collector + aggregator, a real SMTP server
(aiosmtpd) and a real HTTP receiver (http.server), all on loopback.

The notifier runs with --once on a simulated clock (--now): each run is one
tick at that instant, so moving the clock is restarting it.  Its sent-log
lives in a directory per test (--set notifier.data_dir=...).  A recipient
gets one digest per channel: its e-mail carries X-CCHC-Reminder (the digest
id, UNIT/DAY/CHANNEL) and X-CCHC-Items (what it is about).

Three classes, each with its own stack: NotifierTest (notifier-it-1..7, the
quarter), DigestTest (notifier-it-8..11, digests at the end of the year and
their text), ConcurrentTest (notifier-it-12..13, delivery at volume).

Catalog (written per run): HP (city) > HP.SO.A, HP.SO.B > HP.SO.B.P, HP.SO.D
(webhook answering 503 then 200), HP.XA.C (webhook answering 400), HP.XA.E
(with targets).  HP.SO.B and HP.XA.E submitted 2025Q3; the others did not.
CCHC_Q 2025Q3 is due by the end of Tue 2025-09-09 (Sep 1-2 are holidays).
"""
import asyncio
import csv
import email
import email.policy
import json
import os
import re
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
from aiosmtpd.smtp import SMTP  # noqa: E402

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


class NotifierRun:
    """What the three classes share: running the notifier once at a simulated instant, reading its
    sent-log, and closing what setUpClass opened (stack, SMTP server, HTTP receiver, catalog)."""

    def notifier(self, at, *args, expect=0, once=True):
        cmd = [os.path.join(BIN, "cchc-notifier"), "--config", self.stack.config, "--now", at,
               "--set", "notifier.data_dir=" + self.data] + (["--once"] if once else []) + list(args)
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if expect is not None and p.returncode != expect:
            raise AssertionError("cchc-notifier %s exited %d (want %d):\n%s%s" % (
                " ".join(args), p.returncode, expect, p.stdout, p.stderr[-4000:]))
        return p

    def sent_log(self):
        p = self.notifier("2025-09-08T09:00:00+07:00", "--sent-log", once=False)
        return dict((line.split("\t")[0], line.split("\t")[1:]) for line in p.stdout.splitlines() if line)

    def mails_by_rcpt(self):
        """{recipient: [(subject, body, message)]} of what arrived since the last call."""
        out = {}
        for rcpts, m in self.sink.take():
            self.assertEqual(len(rcpts), 1, "one recipient per message")
            self.assertEqual(m["To"], rcpts[0])
            self.assertEqual(m.get_content_type(), "text/plain")
            self.assertEqual(m.get_content_charset(), "utf-8")
            out.setdefault(rcpts[0], []).append((str(m["Subject"]), m.get_content(), m))
        return out

    @classmethod
    def start_hooks(cls):
        """The HTTP receiver (Hooks); returns its base URL."""
        cls.http = ThreadingHTTPServer(("127.0.0.1", 0), Hooks)
        threading.Thread(target=cls.http.serve_forever, daemon=True).start()
        return "http://127.0.0.1:%d/hooks" % cls.http.server_address[1]

    @classmethod
    def make_catalog(cls, prefix, units, targets="unit,indicator,period_type,min,max,from,to,note\n"):
        """cls.catdir: the shipped indicators, datasets and holidays with these units and targets."""
        cls.catdir = tempfile.mkdtemp(prefix=prefix)
        for f in ("indicators.csv", "datasets.csv", "holidays.csv"):
            shutil.copy(os.path.join(CATALOG, f), cls.catdir)
        for name, text in (("units.csv", units), ("targets.csv", targets)):
            with open(os.path.join(cls.catdir, name), "w", encoding="utf-8") as f:
                f.write(text)

    @classmethod
    def start_stack(cls, **kw):
        cls.stack = Stack(curve=False, **kw)
        try:
            cls.stack.start_collector()
            cls.stack.start_aggregator()
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "stack", None):
            cls.stack.close()
        cls.smtp.stop()
        if getattr(cls, "http", None):
            cls.http.shutdown()
            cls.http.server_close()
        shutil.rmtree(cls.catdir, ignore_errors=True)

    def setUp(self):
        self.sink.take()
        with Hooks.lock:
            Hooks.seen.clear()
            Hooks.script.clear()
        self.data = os.path.join(self.stack.dir, "notifier-" + self.id().split(".")[-1])


class NotifierTest(NotifierRun, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.make_catalog("cchc-notifier-cat-", UNITS.format(hook=cls.start_hooks()), TARGETS)
        cls.sink = Sink()
        cls.smtp_port = free_port()
        cls.smtp = Controller(cls.sink, hostname="127.0.0.1", port=cls.smtp_port)
        cls.smtp.start()
        # fetch_wait_ms: long polls expire rarely (the collector keeps an
        # expired FETCH waiter after answering it with an empty BATCH, and then
        # overflows its waiter array: a collector bug, reported)
        cls.start_stack(catalog=cls.catdir, lenient=True, now="2025-09-08T09:00:00+07:00", extra={
            "aggregator": {"fetch_wait_ms": "60000"}, "notifier": {
                # these scripts chase reports; the approvers' reminder (approve_after) is
                # tested in test_notifier_decisions.py
                "approve_after": "0",
                "smtp_url": "smtp://127.0.0.1:%d" % cls.smtp_port,
                "mail_from": "nhacviec@cchc.hp.example",
                "pub_endpoint": "tcp://127.0.0.1:%d" % free_port(),
                "webhook_timeout_ms": "3000",
                "webhook_attempts": "3",
                "webhook_backoff_ms": "100",
            }})
        for unit, values in (("HP.SO.B", {"PORTAL_POSTS": 4}), ("HP.XA.E", {"PORTAL_POSTS": 5, "RADIO_ITEMS": 6})):
            r = cls.stack.submit(unit, values, period="2025Q3")
            assert r and r["type"] == "ACK", r
        cls.stack.wait_applied(2)

    def mails(self):
        """[(recipient, subject, body, message)] of what arrived since the last call, one per recipient."""
        out = []
        for rcpt, msgs in self.mails_by_rcpt().items():
            self.assertEqual(len(msgs), 1, "one message per recipient")
            out.append((rcpt,) + msgs[0])
        return out

    # ---- tests ---------------------------------------------------------------
    def test_1_scripted_quarter(self):
        """notifier-it-1 scripted quarter: right messages to the right addresses, never twice, nothing to reporters"""
        self.notifier("2025-08-27T09:00:00+07:00")  # before-7
        got = self.mails()
        self.assertEqual({r for r, _, _, _ in got}, Q3_LATE)
        self.assertEqual(len(got), 4)
        for r, subj, body, m in got:
            self.assertEqual(subj, "Nhắc nộp báo cáo CCHC quý 3/2025 — hạn 09/09/2025")
            self.assertTrue(m["X-CCHC-Reminder"].endswith("/2025-08-27/email"))
            self.assertEqual(m["X-CCHC-Items"], "CCHC_Q/2025Q3/before-7")
            self.assertIn("còn 7 ngày làm việc", body)
            self.assertNotIn("English", body)
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
        items = {r: m["X-CCHC-Items"] for r, _, _, m in got}
        for r in Q3_LATE:
            self.assertEqual(items[r], "CCHC_Q/2025Q3/after-1")
        self.assertEqual(items["vanphong@ubnd.hp.example"], "sub:CCHC_Q/2025Q3/escalate(3)")
        self.assertEqual(items["so-b@hp.example"], "sub:CCHC_Q/2025Q3/escalate(1)")
        subj = {r: s for r, s, _, _ in got}
        body = {r: b for r, _, b, _ in got}
        self.assertEqual(subj["so-a@hp.example"], "Quá hạn nộp báo cáo CCHC quý 3/2025 — hạn 09/09/2025")
        # one escalation per parent listing all its late sub-units
        self.assertEqual(subj["vanphong@ubnd.hp.example"],
                         "Đơn vị trực thuộc chưa nộp báo cáo CCHC quý 3/2025 (3 đơn vị) — hạn 09/09/2025")
        hp, _, at_risk = body["vanphong@ubnd.hp.example"].partition("Đơn vị trực thuộc có chỉ tiêu chưa đạt tiến độ:")
        for name in ("Sở Nội vụ thử nghiệm (so-a@hp.example)", "Sở Xây dựng (so-d@hp.example)",
                     "Xã Việt Khê (ubnd@xa-c.hp.example)"):
            self.assertIn("   - " + name + "\n", hp)
        for name in ("Sở Văn hóa", "Phường Hồng Bàng", "Phòng Tổ chức"):
            self.assertNotIn(name, hp)
        # ... and the units at risk: HP.XA.E reported, but 5 of a yearly 20 is behind 15 by the end of Q3
        self.assertIn("* Phường Hồng Bàng:\n- Tin, bài CCHC trên Cổng thông tin điện tử của đơn vị: đạt 5, "
                      "cần ít nhất 15 đến hết quý 3/2025, còn thiếu 10", at_risk)
        self.assertIn("   - Phòng Tổ chức - Hành chính (phong@so-b.hp.example)\n", body["so-b@hp.example"])
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
        self.assertIn("# 0 message(s), 0 item(s)", p.stdout)
        self.notifier("2025-09-03T08:00:30+07:00")  # the next working hour: before-7 (before-3 is Sep 4)
        got = self.mails()
        self.assertEqual({r for r, _, _, _ in got}, Q3_LATE)
        self.assertTrue(all(m["X-CCHC-Items"] == "CCHC_Q/2025Q3/before-7" for _, _, _, m in got))

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
        self.assertTrue(all(m["X-CCHC-Items"].endswith("CCHC_Q/2025Q3/weekly-1" + ("(3)" if r.startswith("vanphong")
                            else "(1)" if r.startswith("so-b") else "")) for r, _, _, m in got))
        # the plan printed beforehand is what went out by e-mail
        planned = sorted(l[2] for l in lines if l[1] == "email")
        self.assertEqual(planned, sorted(rc))
        self.notifier("2025-09-19T11:00:00+07:00")
        self.assertEqual(self.mails(), [])

    def test_4_kill9(self):
        """notifier-it-4 one at a time (max_parallel 1), kill -9 between the SMTP 250 and the record repeats that one"""
        one = ("--set", "notifier.channels=email", "--set", "notifier.max_parallel=1")
        self.notifier("2025-09-08T09:00:00+07:00", *one, "--set", "notifier.test_kill_after_sends=2", expect=-9)
        first = [r for r, _, _, _ in self.mails()]
        self.assertEqual(len(first), 2)
        self.notifier("2025-09-08T09:05:00+07:00", *one)
        second = [r for r, _, _, _ in self.mails()]
        self.assertEqual(sorted(first + second), sorted(list(Q3_LATE) + [first[1]]))
        self.assertEqual(second[0], first[1], "the in-flight one is repeated, first")
        self.notifier("2025-09-08T10:00:00+07:00", *one)
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
        self.assertEqual({s[1] for s in d}, {"HP.SO.D/2025-09-08/webhook"})
        self.assertEqual(d[0][2]["id"], "HP.SO.D/2025-09-08/webhook")
        self.assertEqual([(i["dataset"], i["period"], i["stage"]) for i in d[0][2]["items"]],
                         [("CCHC_Q", "2025Q3", "before-1")])
        self.assertEqual(d[0][2]["stage"], "before-1")
        self.assertEqual(d[0][2]["unit_name"], "Sở Xây dựng")
        self.assertEqual(d[0][2]["subject"], "Nhắc nộp báo cáo CCHC quý 3/2025 — hạn 09/09/2025")
        self.assertEqual(len(c), 1, "no retry on 400")
        self.assertFalse([s for s in seen if s[0] == "/hooks/b"], "HP.SO.B reported")
        log = self.sent_log()
        self.assertEqual(log["HP.SO.D/2025-09-08/webhook"][:3], ["sent", "tries=1", "attempts=3"])
        self.assertEqual(log["HP.XA.C/2025-09-08/webhook"][0], "rejected")
        self.assertIn("HTTP 400", log["HP.XA.C/2025-09-08/webhook"][-1])
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
        self.assertEqual(len(got), 1, "one digest")
        self.assertTrue(got[0][3]["X-CCHC-Items"].startswith("CCHC_Q/2025Q4/before-1"))
        self.assertIn("Chỉ tiêu chưa đạt tiến độ:\n- Tin, bài CCHC trên Cổng thông tin điện tử của đơn vị: đạt 5, "
                      "cần ít nhất 20 đến hết quý 4/2025, còn thiếu 15", got[0][2])

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


# ---- digests at the end of the year, and their text -------------------------

DIGEST_UNITS = """code,name,kind,parent,opened,closed,email,webhook,parent_submits
HP,Thành phố Hải Phòng,thanh_pho,,,,vanphong@ubnd.hp.example,,no
HP.SO.NV,Sở Nội vụ,so,HP,2025-07-01,,so-nv@hp.example,,no
HP.SO.VH,"Sở Văn hóa, Thể thao và Du lịch",so,HP,2025-07-01,,so-vh@hp.example,,no
HP.SO.VH.TCHC,Phòng Tổ chức - Hành chính,phong,HP.SO.VH,2025-07-01,,tchc@so-vh.hp.example,,yes
HP.SO.YT,Sở Y tế,so,HP,2025-07-01,,so-yt@hp.example,,no
HP.SO.NGV,Sở Ngoại vụ,so,HP,2025-07-01,,so-ngv@hp.example,,no
HP.XA.VK,Xã Việt Khê,xa,HP,2025-07-01,,ubnd@vietkhe.hp.example,,no
"""
DIGEST_TARGETS = """unit,indicator,period_type,min,max,from,to,note
HP.SO.YT,CONTEST_PARTICIPATION_RATE,year,100,,2025,2025,100% CBCCVC tham gia cuộc thi
"""
WEB_URL = "https://baocao.cchc.haiphong.example/nop-bao-cao"
CONTACT = "Phòng Văn hóa - Xã hội, điện thoại 0225 3 842 123"


def catalog_codes(catdir):
    """Every unit, dataset and indicator code of a catalog: none may appear in a message body."""
    codes = set()
    for name in ("units.csv", "datasets.csv", "indicators.csv"):
        with open(os.path.join(catdir, name), encoding="utf-8") as f:
            codes |= {r["code"] for r in csv.DictReader(f)}
    return codes


class DigestTest(NotifierRun, unittest.TestCase):
    """End of 2025: CCHC_Q Q4, CCHC_S 2025S2 and CCHC_Y 2025 are all due by the end of Tue 2025-12-09 (L);
    Q3 (due 09/09) is still chased until that day.  HP.SO.VH reported Q3 and Q4; HP.XA.VK and HP.SO.YT Q3 only
    (Sở Y tế with 130 of 142 staff in the contest: 91.5493 %, behind its 100 % target); the others nothing."""

    @classmethod
    def setUpClass(cls):
        cls.make_catalog("cchc-notifier-digest-", DIGEST_UNITS, DIGEST_TARGETS)
        cls.codes = catalog_codes(cls.catdir)
        cls.sink = Sink()
        port = free_port()
        cls.smtp = Controller(cls.sink, hostname="127.0.0.1", port=port)
        cls.smtp.start()
        cls.start_stack(catalog=cls.catdir, now="2025-12-05T09:00:00+07:00", extra={
            "aggregator": {"fetch_wait_ms": "60000"}, "notifier": {
                # these scripts chase reports; the approvers' reminder (approve_after) is
                # tested in test_notifier_decisions.py
                "approve_after": "0",
                "smtp_url": "smtp://127.0.0.1:%d" % port, "mail_from": "nhacviec@cchc.hp.example",
                "pub_endpoint": "tcp://127.0.0.1:%d" % free_port(), "channels": "email",
                "web_url": WEB_URL, "contact": CONTACT, "english_units": "HP.SO.NGV"}})
        subs = [("HP.SO.VH", "2025Q3", {}), ("HP.SO.VH", "2025Q4", {}), ("HP.XA.VK", "2025Q3", {}),
                ("HP.SO.YT", "2025Q3", {"STAFF_TOTAL": 142, "CONTEST_PARTICIPANTS": 130})]
        for unit, period, values in subs:
            r = cls.stack.submit(unit, harness.report("CCHC_Q", catalog=cls.catdir, **values), period=period)
            assert r and r["type"] == "ACK", r
        cls.stack.wait_applied(len(subs))

    def test_8_one_digest(self):
        """notifier-it-8 a unit owing three reports (and an overdue one) gets one digest, not one e-mail each"""
        self.notifier("2025-12-08T09:00:00+07:00")
        got = self.mails_by_rcpt()
        for rcpt, msgs in got.items():
            self.assertEqual(len(msgs), 1, "one message to %s, not %d" % (rcpt, len(msgs)))
        subject, body, m = got["so-nv@hp.example"][0]
        self.assertEqual(m["X-CCHC-Items"], "CCHC_Q/2025Q3/weekly-12, CCHC_Q/2025Q4/before-1, "
                                            "CCHC_S/2025S2/before-1, CCHC_Y/2025/before-1")
        # the subject splits what is overdue from what is coming due, and never counts S2 and the year
        self.assertEqual(subject, "Quá hạn nộp báo cáo CCHC quý 3/2025 (hạn 09/09/2025); sắp đến hạn báo cáo quý 4/2025 (hạn 09/12/2025)")
        self.assertIn("   Kỳ báo cáo: quý 3/2025\n", body)
        self.assertIn("   Kỳ báo cáo: quý 4/2025\n   Hạn nộp: hết ngày 09/12/2025 (còn 1 ngày làm việc)\n"
                      "   Các báo cáo quý trên đồng thời là số liệu cho: Báo cáo kết quả tuyên truyền cải cách hành chính "
                      "06 tháng (6 tháng cuối năm 2025); Báo cáo kết quả tuyên truyền cải cách hành chính năm "
                      "(năm 2025) – không phải nộp riêng.\n", body)
        # the half-year and year reports are covered by the quarters: Sở Văn hóa has both, it is not chased
        self.assertNotIn("so-vh@hp.example", {r for r, msgs in got.items()
                                              if any("CCHC_S" in m["X-CCHC-Items"] for _, _, m in msgs)})

    def test_9_covered(self):
        """notifier-it-9 after the deadline, a unit with the quarters gets no 'Quá hạn' for the half-year or the year"""
        self.notifier("2025-12-10T09:00:00+07:00")
        got = self.mails_by_rcpt()
        self.assertNotIn("so-vh@hp.example", got, "Sở Văn hóa sent Q3 and Q4: S2 and the year are covered")
        self.assertEqual(got["ubnd@vietkhe.hp.example"][0][0], "Quá hạn nộp báo cáo CCHC quý 4/2025 — hạn 09/12/2025")
        self.assertEqual(got["ubnd@vietkhe.hp.example"][0][2]["X-CCHC-Items"],
                         "CCHC_Q/2025Q4/after-1, CCHC_S/2025S2/after-1, CCHC_Y/2025/after-1")
        # chase_covered: the old behaviour, every dataset on its own
        self.data += "-chase"
        self.notifier("2025-12-10T09:00:00+07:00", "--set", "notifier.chase_covered=yes")
        got = self.mails_by_rcpt()
        self.assertEqual(got["so-vh@hp.example"][0][2]["X-CCHC-Items"], "CCHC_S/2025S2/after-1, CCHC_Y/2025/after-1")

    def test_10_repeat(self):
        """notifier-it-10 an unchanged digest is not repeated within repeat_after; a changed one is, once a day"""
        rep = ("--set", "notifier.repeat_after=2")
        ids = []
        for at, want in (("2025-12-08T09:00:00+07:00", 1),   # before-1 (and Q3 weekly-12)
                         ("2025-12-08T15:00:00+07:00", 0),   # the same day: never twice
                         ("2025-12-09T09:00:00+07:00", 1),   # due: changed
                         ("2025-12-10T09:00:00+07:00", 1),   # after-1: changed (and Q3 closed)
                         ("2025-12-11T09:00:00+07:00", 0),   # unchanged, within 2 working days
                         ("2025-12-12T09:00:00+07:00", 1),   # unchanged, 2 working days on: repeated
                         ("2025-12-12T16:00:00+07:00", 0),
                         ("2025-12-15T09:00:00+07:00", 0)):  # unchanged again
            self.notifier(at, *rep)
            msgs = self.mails_by_rcpt().get("so-nv@hp.example", [])
            self.assertEqual(len(msgs), want, at)
            ids += [m["X-CCHC-Reminder"] for _, _, m in msgs]
        self.assertEqual(ids, ["HP.SO.NV/2025-12-08/email", "HP.SO.NV/2025-12-09/email",
                               "HP.SO.NV/2025-12-10/email", "HP.SO.NV/2025-12-12/email"])
        log = self.sent_log()
        self.assertEqual(sorted(k for k in log if k.startswith("HP.SO.NV/")), sorted(ids))

    def check_text(self, body):
        for code in self.codes:
            self.assertNotRegex(body, r"(?<![\w.])%s(?![\w.])" % re.escape(code), "a code in the body")
        # a raw decimal ("91.5493", "91.5"), not a Vietnamese thousands group ("4.200")
        self.assertNotRegex(body, r"\d\.(\d{1,2}|\d{4,})(?!\d)", "a raw decimal")
        self.assertNotIn("năm kỳ năm", body)
        self.assertIn("Nộp báo cáo tại: " + WEB_URL + "\n", body)
        self.assertIn("Cần hỗ trợ, xin liên hệ: " + CONTACT + "\n", body)

    def test_11_samples(self):
        """notifier-it-11 sample e-mails (reminder, overdue, escalation) decoded: names, link, percentages, no codes"""
        self.notifier("2025-12-08T09:00:00+07:00")
        dec8 = self.mails_by_rcpt()
        self.notifier("2025-12-12T09:00:00+07:00")
        dec12 = self.mails_by_rcpt()
        reminder = dec8["ubnd@vietkhe.hp.example"][0]
        overdue = dec8["so-nv@hp.example"][0]
        escalation = dec12["vanphong@ubnd.hp.example"][0]
        for subject, body, m in (reminder, overdue, escalation, dec8["so-yt@hp.example"][0],
                                 dec12["so-vh@hp.example"][0]):
            self.check_text(body)
            self.assertNotIn("English", body)
        self.assertEqual(reminder[0], "Nhắc nộp báo cáo CCHC quý 4/2025 — hạn 09/12/2025")
        self.assertIn("Kính gửi: Xã Việt Khê\n", reminder[1])
        self.assertEqual(overdue[0], "Quá hạn nộp báo cáo CCHC quý 3/2025 (hạn 09/09/2025); sắp đến hạn báo cáo quý 4/2025 (hạn 09/12/2025)")
        self.assertIn("Kính gửi: Sở Nội vụ\n", overdue[1])
        # 12 Dec: Q3's own window has closed, but the half-year and the year still lack it: Sở Nội vụ owes
        # Q3 and Q4, each its own item; S2 and the year are no reports of their own (folded, not counted)
        nv12 = dec12["so-nv@hp.example"][0]
        self.assertEqual(nv12[0], "Quá hạn nộp 2 báo cáo CCHC: quý 3/2025, quý 4/2025")
        self.assertEqual(nv12[2]["X-CCHC-Items"], "CCHC_Q/2025Q3/after-1, CCHC_Q/2025Q4/after-1, "
                                                  "CCHC_S/2025S2/after-1, CCHC_Y/2025/after-1")
        self.assertIn("1. Báo cáo kết quả tuyên truyền cải cách hành chính hàng quý\n   Kỳ báo cáo: quý 3/2025\n"
                      "   Hạn nộp: hết ngày 09/09/2025 (đã quá hạn ", nv12[1])
        self.assertNotIn("Số liệu kỳ này", nv12[1])
        self.assertNotIn("3. ", nv12[1])
        for (subject, body, m), in dec12.values():
            self.assertNotIn("--", body.split("\n--\n")[0], "an ASCII double dash in a sentence")
            self.assertNotIn("Quá hạn nộp 3", subject)
        # --plan now: everything went out; its summary counts agree
        p = self.notifier("2025-12-12T09:30:00+07:00", "--plan", "--at", "2025-12-12T09:30:00+07:00", once=False)
        self.assertRegex(p.stdout, r"(?m)^# 0 message\(s\), 0 item\(s\) at 2025-12-12T09:30:00\+07:00: 0 recipient\(s\); "
                                   r"\d+ other item\(s\) of \d+ recipient\(s\) not sent again now")
        # the parent is told its late sub-units by name
        self.assertIn("Kính gửi: Thành phố Hải Phòng\n", escalation[1])
        for name in ("Sở Nội vụ (so-nv@hp.example)", "Sở Y tế (so-yt@hp.example)", "Sở Ngoại vụ (so-ngv@hp.example)",
                     "Xã Việt Khê (ubnd@vietkhe.hp.example)"):
            self.assertIn("   - " + name, escalation[1])
        self.assertIn("   - Phòng Tổ chức - Hành chính (tchc@so-vh.hp.example)", dec12["so-vh@hp.example"][0][1])
        # a rate as a percentage: 130 / 142 = 91.5493 %
        yt = dec8["so-yt@hp.example"][0][1]
        self.assertIn("- Tỷ lệ cán bộ, công chức, viên chức tham gia cuộc thi tìm hiểu CCHC: đạt 91,5%, yêu cầu "
                      "ít nhất 100% đến hết", yt)
        self.assertNotIn("91.5", yt)
        # English only for the unit whose language is English
        ngv = dec8["so-ngv@hp.example"][0][1]
        self.assertIn("\n---\nEnglish\n\nTo: Sở Ngoại vụ\n\nReports not yet received from your unit:\n", ngv)
        self.check_text(ngv.split("\n---\nEnglish")[0])
        out = os.path.join(os.path.dirname(BIN), "test-logs", "notifier-samples.txt")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "w", encoding="utf-8") as f:
            for title, (subject, body, m) in (("reminder digest", reminder), ("overdue digest", overdue),
                                              ("escalation to the parent", escalation)):
                f.write("=== %s\nTo: %s\nSubject: %s\nX-CCHC-Items: %s\n\n%s\n" % (
                    title, m["To"], subject, m["X-CCHC-Items"], body))


# ---- delivery at volume ---------------------------------------------------------

N_UNITS = 120


class SlowSink(Sink):
    """Holds each 250 after DATA for 20 ms, as a mail server committing its queue, and counts how many
    messages it was holding at once: more than one only if e-mails are really sent concurrently."""

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.holding += 1
            self.most_holding = max(self.most_holding, self.holding)
        await asyncio.sleep(0.02)
        with self.lock:
            self.holding -= 1
        return await super().handle_DATA(server, session, envelope)


class CountingController(Controller):
    """aiosmtpd with the number of connections opened and the most open at once."""

    def factory(self):
        sink = self.handler

        class Counting(SMTP):
            def connection_made(self, transport):
                with sink.lock:
                    sink.opened += 1
                    sink.open_now += 1
                    sink.most_open = max(sink.most_open, sink.open_now)
                super().connection_made(transport)

            def connection_lost(self, exc):
                with sink.lock:
                    sink.open_now -= 1
                super().connection_lost(exc)

        return Counting(self.handler, **self.SMTP_kwargs)


class ConcurrentTest(NotifierRun, unittest.TestCase):
    """120 communes, nothing reported, one day before the Q3 deadline: 120 e-mails and 30 webhooks."""

    @classmethod
    def setUpClass(cls):
        hook = cls.start_hooks()
        cls.make_catalog("cchc-notifier-many-", "code,name,kind,parent,opened,closed,email,webhook,parent_submits\n"
                         "HP,Thành phố Hải Phòng,thanh_pho,,,,,,no\n" + "".join(
                             "HP.XA.X%03d,Xã số %d,xa,HP,2025-07-01,,xa%03d@hp.example,%s,no\n" % (
                                 i, i, i, "%s/x%03d" % (hook, i) if i % 4 == 0 else "") for i in range(N_UNITS)))
        cls.sink = SlowSink()
        cls.sink.opened = cls.sink.open_now = cls.sink.most_open = cls.sink.holding = cls.sink.most_holding = 0
        port = free_port()
        cls.smtp = CountingController(cls.sink, hostname="127.0.0.1", port=port)
        cls.smtp.start()
        cls.start_stack(catalog=cls.catdir, now="2025-09-08T09:00:00+07:00", extra={
            "notifier": {"smtp_url": "smtp://127.0.0.1:%d" % port, "mail_from": "nhacviec@cchc.hp.example",
                         "approve_after": "0", "pub_endpoint": "tcp://127.0.0.1:%d" % free_port(), "channels": "email,webhook",
                         "max_parallel": "8", "smtp_connections": "3", "webhook_connections": "2"}})

    def setUp(self):
        super().setUp()
        with self.sink.lock:
            self.sink.opened = self.sink.most_open = self.sink.most_holding = 0

    def delivered(self):
        """{digest id: times delivered} over e-mail and webhooks since the last call."""
        count = {}
        for rcpt, msgs in self.mails_by_rcpt().items():
            for _, _, m in msgs:
                count[m["X-CCHC-Reminder"]] = count.get(m["X-CCHC-Reminder"], 0) + 1
        with Hooks.lock:
            for path, key, body in Hooks.seen:
                self.assertEqual(body["id"], key)
                count[key] = count.get(key, 0) + 1
            Hooks.seen.clear()
        return count

    def expected(self):
        return {"HP.XA.X%03d/2025-09-08/email" % i for i in range(N_UNITS)} | \
               {"HP.XA.X%03d/2025-09-08/webhook" % i for i in range(0, N_UNITS, 4)}

    def test_12_concurrent(self):
        """notifier-it-12 concurrent delivery: each message exactly once, recorded; SMTP connections reused, bounded"""
        self.notifier("2025-09-08T09:00:00+07:00")
        got = self.delivered()
        self.assertEqual(set(got), self.expected())
        self.assertEqual(set(got.values()), {1}, "exactly once")
        with self.sink.lock:
            opened, most, holding = self.sink.opened, self.sink.most_open, self.sink.most_holding
        self.assertLessEqual(most, 3, "at most smtp_connections at once")
        self.assertGreaterEqual(holding, 2, "e-mails under way at the same time (the server holds each 250 20 ms)")
        self.assertLessEqual(opened, 6, "connections reused: %d opened for %d e-mails" % (opened, N_UNITS))
        log = self.sent_log()
        self.assertEqual({k for k, v in log.items() if v[0] == "sent"}, self.expected())
        self.notifier("2025-09-08T11:00:00+07:00")
        self.assertEqual(self.delivered(), {}, "nothing twice")

    def test_13_kill9(self):
        """notifier-it-13 kill -9 in the middle of concurrent delivery: every message at least once, none repeated twice"""
        self.notifier("2025-09-08T09:00:00+07:00", "--set", "notifier.test_kill_after_sends=60", expect=-9)
        first = self.delivered()
        self.assertGreaterEqual(sum(first.values()), 60)
        self.assertLess(len(first), len(self.expected()))
        self.notifier("2025-09-08T09:05:00+07:00")
        second = self.delivered()
        both = {k: first.get(k, 0) + second.get(k, 0) for k in set(first) | set(second)}
        self.assertEqual(set(both), self.expected())
        self.assertLessEqual(max(both.values()), 2, "at most one repeat of any message")
        repeated = [k for k, v in both.items() if v == 2]
        self.assertLessEqual(len(repeated), 8, "only those in flight or unrecorded (max_parallel 8): %s" % repeated)
        log = self.sent_log()
        self.assertEqual({k for k, v in log.items() if v[0] == "sent"}, self.expected())
        self.notifier("2025-09-08T10:00:00+07:00")
        self.assertEqual(self.delivered(), {})


if __name__ == "__main__":
    harness.main()
