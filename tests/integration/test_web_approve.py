"""cchc-web's approval (issue 12, "Approval"): the head of a commune sees the
reports awaiting approval, reviews one beside its previous version, approves
it or returns it with a comment; each decision is a DECIDE through the web's
gateway key to the real collector (CURVE), lands in the journal and changes
the aggregator's answers.  Only the unit's approver may decide (403 for
another commune's head, a reporter, a viewer); a return needs a comment; a
POST without the CSRF token is refused; a collector killed during a decision
gives a page that says so, and pressing again after the restart records the
decision once.

Then the same in Debian's chromium driven by Selenium (tests 5-7; skipped
when python3-selenium or chromium-driver is missing): a reporter submits
through the /entry form, the head logs in on the login page, opens the queue,
reviews the report beside its previous version and approves it with a
comment; another head returns a report (not without a comment); a viewer and
a reporter get 403.  Test 5 saves build/approve-queue.png and
build/approve-report.png (copied to docs/img/ for docs/web.md)."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Stack, free_port, BIN  # noqa: E402
from test_web_accounts import Client, PASSWORD  # noqa: E402
import test_web_entry as entry  # noqa: E402  (its browser helpers; not `from`: its tests must not run here)

NOW = "2025-12-05T09:00:00+07:00"
XA1 = "HP.XA.NAM_SACH"
XA2 = "HP.XA.HOP_TIEN"
XA3 = "HP.XA.TRAN_PHU"   # the browser's approval (test 5)
XA4 = "HP.XA.THAI_TAN"   # the browser's return (test 6)
XA5 = "HP.XA.AN_LAO"     # extended for 2025Q3 (test 8)
XA6 = "HP.XA.AN_TRUONG"  # reminders silenced for 2025Q3 (test 8)
XA7 = "HP.XA.AN_QUANG"   # late for 2025Q3, no extension (test 8)
XA8 = "HP.XA.NINH_GIANG" # approved version 1, awaiting version 2 (test 9)
XA9 = "HP.XA.AN_PHU"     # the same tags in another order (test 11)
PERIOD = "2025Q4"
ROOT = entry.ROOT
if entry.HAVE_SELENIUM:
    from selenium.webdriver.common.by import By


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
        for unit in ("HP", XA1, XA2, XA3, XA4, XA5, XA6, XA7, XA8, XA9):
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
        add_user(cls.s, "truong3", "approver", XA3)
        add_user(cls.s, "truong4", "approver", XA4)
        add_user(cls.s, "nhap3", "reporter", XA3)
        add_user(cls.s, "xem3", "viewer", XA3)
        add_user(cls.s, "quantri", "admin")
        cls.s.start("web", wait_port=cls.port, now=NOW)
        cls.tmp = tempfile.mkdtemp(prefix="cchc-approve-")

    @classmethod
    def tearDownClass(cls):
        cls.s.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def login(self, who):
        c = Client(self.port)
        st, _, _ = c.login(who)
        self.assertEqual(st, 303)
        return c

    def send(self, unit, sid=None, period=PERIOD, dataset="CCHC_Q", **values):
        a = self.s.submit(unit, harness.report(dataset=dataset, **values), period=period, dataset=dataset, sid=sid)
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
        for blank in ("", "   \r\n\t "):  # spaces are no comment either
            fields.update(decision="return", note=blank)
            st, _, body = c.req("POST", "/approve", fields)
            self.assertEqual(st, 400, repr(blank))
            self.assertIn("Hãy ghi nhận xét", body)
        self.assertEqual(self.decisions(XA2), [])
        fields["note"] = "  Số tin bài chưa khớp sổ theo dõi \n"
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

    # ---- the browser (Debian's chromium driven by Selenium) --------------------

    def browser(self, width=1280, height=900):
        return entry.WebEntryTest.browser(self, width, height)

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    press = staticmethod(entry.WebEntryTest.press)
    login_in = entry.WebEntryTest.login   # (d, login): the real login page
    fill = entry.WebEntryTest.fill        # (d, **values): the /entry form

    @staticmethod
    def status(d):
        """The HTTP status of the page the browser shows (the navigation's
        response, after any redirect)."""
        return d.execute_script("return performance.getEntriesByType('navigation')[0].responseStatus")

    @staticmethod
    def queue(d):
        """The queue on the page: (unit name, dataset name, period label,
        version, received, the link's unit, period) per row."""
        rows = []
        for tr in d.find_elements(By.CSS_SELECTOR, "#queue tbody tr"):
            td = [x.text for x in tr.find_elements(By.TAG_NAME, "td")]
            href = tr.find_element(By.TAG_NAME, "a").get_attribute("href")
            q = dict(re.findall(r"[?&](\w+)=([^&]*)", href))
            rows.append((td[0], td[1], td[2], td[3], td[4], q.get("unit"), q.get("dataset"), q.get("period")))
        return rows

    @staticmethod
    def shown(v):
        """A value as the approval page writes it in Vietnamese (value_cell)."""
        if isinstance(v, bool):
            return "Có" if v else "Không"
        if isinstance(v, list):
            return ", ".join(TAG_VI[t] for t in v)
        return "{:,}".format(v).replace(",", ".")

    def screenshot(self, d, name):
        """build/NAME: the whole page at the window's width."""
        d.set_window_size(d.get_window_size()["width"], 400)  # smaller than the page: scrollHeight is the page's
        for _ in range(2):  # the window's height is the viewport's plus the (headless) frame
            want = min(max(d.execute_script("return document.documentElement.scrollHeight"), 400), 2400)
            frame = d.get_window_size()["height"] - d.execute_script("return window.innerHeight")
            d.set_window_size(d.get_window_size()["width"], want + frame)
        d.execute_script("window.scrollTo(0, 0)")
        os.makedirs(os.path.join(ROOT, "build"), exist_ok=True)
        d.save_screenshot(os.path.join(ROOT, "build", name))

    def history_cli(self, unit, period=PERIOD):
        """`cchc history --format json`: the answer's data (versions, decisions)."""
        p = harness.run_cli("history", "--config", self.s.config, "--node", unit, "--dataset", "CCHC_Q",
                            "--period", period, "--format", "json")
        return json.loads(p.stdout)

    def journal_decisions(self, unit):
        return [r for r in self.s.fetch_journal() if r["unit"] == unit and r.get("decision")]

    def test_5_browser_approve(self):
        """approve-2.1 browser: a reporter submits through /entry (and a correction); the head logs in, sees
        the queue, reviews version 2 beside version 1, approves with a comment; the queue drops it, the
        completeness page says approved, the journal and `cchc history` hold the head's login; screenshots"""
        v1 = dict(PORTAL_POSTS=14, WEBSITE_POSTS=3, CITY_PAGE_POSTS=2, MASS_MEDIA_ITEMS=1, RADIO_ITEMS=8,
                  SOCIAL_POSTS=6, VIDEO_REPORTS=1, CONFERENCES=2, CONFERENCE_ATTENDEES=85, CONTEST_PARTICIPANTS=20,
                  STAFF_TOTAL=25, VISUAL_ITEMS=4, PRINTED_MATERIALS=150, STAFF_TRAINED=3, TTHC_LISTED=1210,
                  TTHC_TOTAL=1215, HOTLINE_PUBLISHED=True, PORTAL_CCHC_COLUMN=True, OTHER_FORMS=["mang_xa_hoi"])
        v2 = dict(v1, PORTAL_POSTS=16, WEBSITE_POSTS=5, PLAN_ISSUED=True)
        # two more reports of the commune await: its third quarter and its half-year (through its own key)
        q3 = self.send(XA3, period="2025Q3", PORTAL_POSTS=9)
        s2 = self.send(XA3, period="2025S2", dataset="CCHC_S", PORTAL_POSTS=23)
        # the commune's reporter, in the browser: version 1, then a correction
        d = self.browser()
        self.login_in(d, "nhap3")
        for values, n in ((v1, 1), (v2, 2)):
            d.get(self.url("/entry?unit=%s&dataset=CCHC_Q&period=%s" % (XA3, PERIOD)))
            self.fill(d, **values)
            self.press(d, By.ID, "submit")
            box = d.find_element(By.ID, "outcome")
            self.assertEqual(box.get_attribute("data-outcome"), "accepted", box.text)
            self.assertIn("Đã nhận, phiên bản %d" % n, box.text)
        t0 = time.time()
        while self.values(XA3).get("data", {}).get("version") != 2 and time.time() - t0 < 10:
            time.sleep(0.1)
        self.assertEqual(self.values(XA3)["data"]["approval"], "awaiting")

        # the head, in another browser: the login page, then the menu's link to the queue
        d = self.browser()
        self.login_in(d, "truong3")
        self.assertNotIn("/login", d.current_url)
        d.find_element(By.CSS_SELECTOR, "nav a[href^='/approve']").click()
        self.assertEqual(self.status(d), 200)
        self.assertIn("Báo cáo chờ duyệt", d.find_element(By.ID, "title").text)
        rows = self.queue(d)
        mine = {(r[6], r[7]): r for r in rows}
        self.assertEqual(set(mine), {("CCHC_Q", PERIOD), ("CCHC_Q", "2025Q3"), ("CCHC_S", "2025S2")}, rows)
        self.assertEqual({r[5] for r in rows}, {XA3})          # only the head's own commune
        self.assertEqual(mine[("CCHC_Q", PERIOD)][0], "Xã Trần Phú")
        self.assertEqual(mine[("CCHC_Q", PERIOD)][3], "2")     # the latest version awaits
        self.assertEqual(mine[("CCHC_Q", "2025Q3")][3], str(q3["version"]))
        self.assertEqual(mine[("CCHC_S", "2025S2")][3], str(s2["version"]))
        self.assertIn("4", mine[("CCHC_Q", PERIOD)][2])       # Quý 4 ...
        self.screenshot(d, "approve-queue.png")

        # the report: state, who entered it, version 2's values beside version 1's, changes marked
        link = [a for a in d.find_elements(By.CSS_SELECTOR, "#queue a")
                if "period=%s" % PERIOD in a.get_attribute("href") and "CCHC_Q" in a.get_attribute("href")]
        self.assertEqual(len(link), 1)
        link[0].click()
        self.assertEqual(self.status(d), 200)
        self.assertEqual(d.find_element(By.ID, "state").text, "Chờ duyệt")
        self.assertIn("nhap3", d.find_element(By.TAG_NAME, "main").text)   # entered by the reporter
        heads = [th.text for th in d.find_elements(By.CSS_SELECTOR, "#values thead th")]
        self.assertEqual(heads[1:], ["Phiên bản 2", "Phiên bản 1"])
        want2, want1 = harness.report(**v2), harness.report(**v1)
        seen = {}
        for tr in d.find_elements(By.CSS_SELECTOR, "#values tbody tr"):
            td = [x.text for x in tr.find_elements(By.TAG_NAME, "td")]
            seen[tr.get_attribute("data-ind")] = (td[1], td[2], "changed" in (tr.get_attribute("class") or ""))
        for code in want2:
            self.assertEqual(seen[code][:2], (self.shown(want2[code]), self.shown(want1[code])), code)
        self.assertEqual({c for c, x in seen.items() if x[2]}, {c for c in want2 if want2[c] != want1[c]})
        self.assertEqual({c for c, x in seen.items() if x[2]}, {"PORTAL_POSTS", "WEBSITE_POSTS", "PLAN_ISSUED"})
        bg = {code: d.execute_script("return getComputedStyle(arguments[0]).backgroundColor",
                                     d.find_element(By.CSS_SELECTOR, "#values tr[data-ind='%s'] td" % code))
              for code in ("PORTAL_POSTS", "STAFF_TOTAL")}
        self.assertNotEqual(bg["PORTAL_POSTS"], bg["STAFF_TOTAL"])   # a changed row is highlighted, as the page says

        # approve with a comment
        comment = "Số liệu khớp sổ theo dõi. Đồng ý."
        d.find_element(By.NAME, "note").send_keys(comment)
        self.screenshot(d, "approve-report.png")
        self.press(d, By.ID, "approve")
        self.assertEqual(self.status(d), 200)
        self.assertIn("done=approve", d.current_url)
        self.assertIn("Đã ghi nhận: báo cáo được duyệt", d.find_element(By.ID, "done").text)
        left = {(r[6], r[7]) for r in self.queue(d)}
        self.assertEqual(left, {("CCHC_Q", "2025Q3"), ("CCHC_S", "2025S2")})   # the approved one left the queue
        v = self.wait_approval(XA3, "approved")
        self.assertEqual((v["data"]["decided_by"], v["data"]["version"]), ("truong3", 2))
        # the completeness page, in the head's browser: approved (đã duyệt)
        d.get(self.url("/completeness?dataset=CCHC_Q&period=%s" % PERIOD))
        self.assertEqual(self.status(d), 200)
        row = d.find_element(By.CSS_SELECTOR, "#units tr[data-unit='%s']" % XA3)
        self.assertEqual(row.get_attribute("data-approval"), "approved")
        self.assertIn("Đã duyệt", row.find_element(By.CSS_SELECTOR, ".appr").text)
        # the decision in the history (`cchc history`) and in the collector's journal, by the head's login
        h = self.history_cli(XA3)
        self.assertEqual([(x["decision"], x["version"], x.get("entered_by"), x.get("note")) for x in h["decisions"]],
                         [("approve", 2, "truong3", comment)])
        self.assertEqual([(r["decision"], r["version"], r.get("entered_by")) for r in self.journal_decisions(XA3)],
                         [("approve", 2, "truong3")])
        self.assertEqual([x["entered_by"] for x in h["versions"]], ["nhap3", "nhap3"])

    def test_6_browser_return(self):
        """approve-2.2 browser: a return without a comment is refused with its sentence (400, nothing recorded);
        with a comment the report is returned: the queue drops it, the completeness page says returned,
        the history holds the return by the head"""
        a = self.send(XA4, PORTAL_POSTS=4, STAFF_TOTAL=12)
        d = self.browser()
        self.login_in(d, "truong4")
        d.get(self.url("/approve"))
        link = [x for x in d.find_elements(By.CSS_SELECTOR, "#queue a")
                if "unit=%s" % XA4 in x.get_attribute("href") and "period=%s" % PERIOD in x.get_attribute("href")]
        self.assertEqual(len(link), 1, self.queue(d))
        link[0].click()
        self.assertEqual(d.find_element(By.ID, "state").text, "Chờ duyệt")
        cells = {tr.get_attribute("data-ind"): tr.find_elements(By.TAG_NAME, "td")[1].text
                 for tr in d.find_elements(By.CSS_SELECTOR, "#values tbody tr")}
        self.assertEqual((cells["PORTAL_POSTS"], cells["STAFF_TOTAL"]), ("4", "12"))
        # no comment: refused on the page, the form kept, nothing sent
        self.press(d, By.ID, "return")
        self.assertEqual(self.status(d), 400)
        self.assertEqual(d.find_element(By.ID, "problem").text, "Hãy ghi nhận xét: đơn vị cần biết phải sửa gì.")
        self.assertTrue(d.find_element(By.ID, "return").is_displayed())
        self.assertEqual(self.journal_decisions(XA4), [])
        self.assertEqual(self.values(XA4)["data"]["approval"], "awaiting")
        # with a comment: returned
        comment = "Số cán bộ chưa khớp danh sách; đề nghị rà soát lại."
        d.find_element(By.NAME, "note").send_keys(comment)
        self.press(d, By.ID, "return")
        self.assertEqual(self.status(d), 200)
        self.assertIn("done=return", d.current_url)
        self.assertIn("trả lại để sửa", d.find_element(By.ID, "done").text)
        self.assertNotIn(XA4, {r[5] for r in self.queue(d)})
        v = self.wait_approval(XA4, "returned")
        self.assertEqual((v["data"]["decision_note"], v["data"]["decided_by"]), (comment, "truong4"))
        d.get(self.url("/completeness?dataset=CCHC_Q&period=%s" % PERIOD))
        row = d.find_element(By.CSS_SELECTOR, "#units tr[data-unit='%s']" % XA4)
        self.assertEqual(row.get_attribute("data-approval"), "returned")
        self.assertIn("Bị trả lại để sửa", row.find_element(By.CSS_SELECTOR, ".appr").text)
        h = self.history_cli(XA4)
        self.assertEqual([(x["decision"], x["version"], x.get("entered_by"), x.get("note")) for x in h["decisions"]],
                         [("return", a["version"], "truong4", comment)])

    def test_7_browser_403(self):
        """approve-2.3 browser: a viewer and a reporter of the commune get 403 on the queue and on a report
        (nothing of it shown, no menu link); another commune's head gets 403 on the report"""
        for login in ("xem3", "nhap3"):
            d = self.browser()
            self.login_in(d, login)
            self.assertNotIn("/login", d.current_url)
            self.assertEqual(d.find_elements(By.CSS_SELECTOR, "nav a[href^='/approve']"), [], login)
            d.get(self.url("/approve"))
            self.assertEqual(self.status(d), 403, login)
            self.assertEqual(d.find_element(By.CSS_SELECTOR, "h1[data-status]").get_attribute("data-status"), "403")
            self.assertEqual(d.find_element(By.ID, "error").text,
                             "Chỉ lãnh đạo đơn vị (người duyệt) mới duyệt được báo cáo.")
            self.assertEqual(d.find_elements(By.ID, "queue"), [])
            d.get(self.url("/approve?unit=%s&dataset=CCHC_Q&period=%s" % (XA3, PERIOD)))
            self.assertEqual(self.status(d), 403, login)
            self.assertEqual(d.find_elements(By.ID, "values"), [])
            self.assertEqual(d.find_elements(By.NAME, "decision"), [])
        d = self.browser()
        self.login_in(d, "truong4")
        d.get(self.url("/approve?unit=%s&dataset=CCHC_Q&period=%s" % (XA3, PERIOD)))
        self.assertEqual(self.status(d), 403)
        self.assertEqual(d.find_element(By.ID, "error").text, "Bạn không duyệt báo cáo của đơn vị này.")
        self.assertNotIn("Trần Phú", d.page_source)

    # ---- the central office's decisions on the completeness page ---------------

    def office_decides(self, action, unit, *extra):
        p = harness.run_cli("decide", action, "--config", self.s.config, "--key",
                            os.path.join(self.s.keys, "HP.key"), "--unit", unit, "--dataset", "CCHC_Q",
                            "--period", "2025Q3", *extra)
        return int(re.search(r"seq=(\d+)", p.stdout).group(1))

    def completeness_row(self, c, unit):
        st, _, body = c.req("GET", "/completeness?dataset=CCHC_Q&period=2025Q3&q=%s" % unit.split(".")[-1])
        self.assertEqual(st, 200, body[-2000:])
        m = re.search(r'<tr data-unit="%s"[^>]*>.*?</tr>' % re.escape(unit), body, re.S)
        self.assertTrue(m, "no row for %s" % unit)
        return m.group(0)

    def test_10_queue_reaches_old_periods(self):
        """approve-1.5 a year later (the web's clock at 2026-12-07), a report of 2025Q3 still awaiting
        approval is in its head's queue, as are this quarter's; the head opens it from there"""
        self.send(XA2, period="2025Q3")
        port = free_port()
        cfg = self.s.write_variant_config("web-later", {"web": {
            "listen": "127.0.0.1:%d" % port, "accounts": "yes", "users_dir": os.path.join(self.s.dir, "web"),
            "gateway_key": os.path.join(self.s.keys, "HP.gateway.key"), "query_timeout_ms": "1000"}})
        self.s.start_as("web-later", "web", cfg, wait_port=port, now="2026-12-07T09:00:00+07:00")
        c = Client(port)
        self.assertEqual(c.login("truong2")[0], 303)
        st, _, body = c.req("GET", "/approve")
        self.assertEqual(st, 200)
        queue = re.search(r'<table id="queue">(.*?)</table>', body, re.S).group(1)
        self.assertIn("unit=%s&amp;dataset=CCHC_Q&amp;period=2025Q3" % XA2, queue)
        self.assertIn("Quý 3/2025", queue)
        st, _, body = c.req("GET", "/approve?unit=%s&dataset=CCHC_Q&period=2025Q3" % XA2)
        self.assertEqual(st, 200)
        self.assertIn("Chờ duyệt", body)

    def test_11_tags_are_a_set(self):
        """approve-2.4 the same tags in another order are no change: not marked on /approve nor on /unit,
        and shown in the catalog's order in every version; a real change beside them is marked"""
        self.send(XA9, OTHER_FORMS=["truc_quan", "mang_xa_hoi"], PORTAL_POSTS=1)
        self.send(XA9, OTHER_FORMS=["mang_xa_hoi", "truc_quan"], PORTAL_POSTS=2)
        c = self.login("quantri")
        body, _ = self.form(c, XA9)
        rows = dict(re.findall(r'<tr data-ind="([A-Z_]+)"( class="changed")?', body))
        self.assertEqual(rows["OTHER_FORMS"], "")
        self.assertEqual(rows["PORTAL_POSTS"], ' class="changed"')
        row = re.search(r'<tr data-ind="OTHER_FORMS".*?</tr>', body, re.S).group(0)
        self.assertEqual(row.count("Mạng xã hội, Tuyên truyền trực quan"), 2, row)
        st, _, body = c.req("GET", "/unit?code=%s&dataset=CCHC_Q&period=%s" % (XA9, PERIOD))
        row = re.search(r'<tr data-ind="OTHER_FORMS".*?</tr>', body, re.S).group(0)
        self.assertNotIn("background", row)
        self.assertEqual(row.count("Mạng xã hội, Tuyên truyền trực quan"), 2, row)

    def test_8_extension_and_silence_shown(self):
        """approve-3.1 the city office extends one commune and silences another (cchc decide with the city's key):
        the completeness page shows the new last day with its reason and the silence; a report sent after the
        catalog's deadline but within the extension counts on time, one without an extension late"""
        seq = self.office_decides("extend", XA5, "--due", "2025-12-20", "--note", "Sáp nhập đơn vị hành chính")
        self.s.wait_applied(seq)
        seq = self.office_decides("silence", XA6)
        self.s.wait_applied(seq)
        c = self.login("quantri")
        row = self.completeness_row(c, XA5)
        self.assertIn('data-due="20/12/2025"', row)
        self.assertIn('data-status="pending"', row)   # not due yet: the extension runs to 20/12
        self.assertIn("Được gia hạn đến hết ngày 20/12/2025: Sáp nhập đơn vị hành chính", row)
        row = self.completeness_row(c, XA6)
        self.assertIn('data-silenced="1"', row)
        self.assertIn("Đã tạm dừng nhắc nộp cho kỳ này", row)
        self.assertIn('data-status="missing"', row)   # a silence stops reminders, not the deadline
        self.assertNotIn("data-silenced", self.completeness_row(c, XA5))
        # today (5/12) is after 10/9: on time only within an extension
        for unit in (XA5, XA7):
            self.send(unit, period="2025Q3")
        self.assertIn('data-status="on_time"', self.completeness_row(c, XA5))
        self.assertIn('data-status="late"', self.completeness_row(c, XA7))
        v = self.s.query("values", node=XA5, dataset="CCHC_Q", period="2025Q3")
        self.assertTrue(v["data"]["on_time"])
        st, _, body = c.req("GET", "/unit?code=%s&dataset=CCHC_Q&period=2025Q3" % XA5)
        row = re.search(r'<tr data-decision="extend" data-version="0">(.*?)</tr>', body, re.S)
        self.assertTrue(row, body[-3000:])
        self.assertIn("Gia hạn đến hết ngày 20/12/2025", row.group(1))
        self.assertIn("Sáp nhập đơn vị hành chính", row.group(1))
        # the English page says it in English
        st, _, body = c.req("GET", "/completeness?dataset=CCHC_Q&period=2025Q3&lang=en&q=AN_TRUONG")
        self.assertIn("Reminders silenced for this period", body)

    def test_9_overview_approved_only(self):
        """approve-3.2 the overview over every report received or over approved reports only (approved=1): a
        correction awaiting approval counts in the first, its approved version 1 in the second, for the commune and
        in its row under the city; the approval counts; every link keeps the choice; /api says which; a bad value 400"""
        a = self.send(XA8, period="2025Q3", PORTAL_POSTS=5)
        seq = self.office_decides("approve", XA8, "--version", str(a["version"]))
        self.s.wait_applied(seq)
        self.send(XA8, period="2025Q3", PORTAL_POSTS=9)
        c = self.login("quantri")
        base = "/overview?dataset=CCHC_Q&period=2025Q3&ind=PORTAL_POSTS&node="

        def value(body, attr):
            m = re.search(r'<tr data-%s="%s">.*?<td class="n val" data-value="([^"]*)"' % attr[:2], body, re.S)
            return m.group(1) if m else None

        st, _, body = c.req("GET", base + XA8)
        self.assertEqual(st, 200)
        self.assertEqual(re.search(r'data-ind="PORTAL_POSTS">.*?data-value="([^"]*)"', body, re.S).group(1), "9")
        self.assertEqual(re.search(r'id="c-approved" data-count="(\d+)"', body).group(1), "0")
        self.assertEqual(re.search(r'id="c-awaiting" data-count="(\d+)"', body).group(1), "1")
        self.assertIn('data-approved-only="0"', body)
        self.assertIn("approved=1", re.search(r'<a id="figures-approved" href="([^"]+)"', body).group(1))
        st, _, body = c.req("GET", base + XA8 + "&approved=1")
        self.assertEqual(st, 200)
        self.assertIn('data-approved-only="1"', body)
        self.assertEqual(re.search(r'data-ind="PORTAL_POSTS">.*?data-value="([^"]*)"', body, re.S).group(1), "5")
        for href in re.findall(r'<a href="(/overview\?[^"]+)"', body):
            self.assertIn("approved=1", href)
        self.assertIn('name="approved" value="1"', body)  # the period selector keeps it
        st, _, body = c.req("GET", base + "HP&approved=1")
        row = re.search(r'<tr data-unit="%s">.*?data-value="([^"]*)"' % XA8, body, re.S)
        self.assertEqual(row.group(1), "5")
        self.assertIn("approved=1", re.search(r'<a class="drill" href="([^"]*%s[^"]*)"' % XA8, body).group(1))
        st, _, body = c.req("GET", base + "HP")
        self.assertEqual(re.search(r'<tr data-unit="%s">.*?data-value="([^"]*)"' % XA8, body, re.S).group(1), "9")
        st, _, body = c.req("GET", "/api" + base + XA8 + "&approved=1")
        j = json.loads(body)
        self.assertTrue(j["approved_only"])
        self.assertEqual(next(i["value"] for i in j["indicators"] if i["code"] == "PORTAL_POSTS"), 5)
        # the unit's audit trail lists the city's approval of version 1
        st, _, body = c.req("GET", "/unit?code=%s&dataset=CCHC_Q&period=2025Q3&lang=en" % XA8)
        row = re.search(r'<tr data-decision="approve" data-version="1">(.*?)</tr>', body, re.S)
        self.assertTrue(row, body[-3000:])
        self.assertIn("Approved version 1", row.group(1))
        self.assertIn("<td>Thành phố Hải Phòng</td>", row.group(1))  # decided with the city's key: the unit, no user
        st, _, body = c.req("GET", base + XA8 + "&approved=yes")
        self.assertEqual(st, 400)
        self.assertIn("Tham số approved chỉ nhận 1", body)


TAG_VI = {"mang_xa_hoi": "Mạng xã hội"}   # view.c's label of the one tag these tests send


if __name__ == "__main__":
    harness.main()
