"""cchc-web data entry (issue 12, "Entry"): /entry with [web] accounts = yes and
the web's gateway key.  A real stack (collector with CURVE, aggregator, web);
plain HTTP for every error path, and Debian's chromium driven by Selenium for
what a commune officer does: log in, fill the form, save a draft, submit, see
the ACK and the overview change; the collector killed during a submission and
the same submission accepted once after its restart; screenshots of the form
at a desktop's and a phone's width (build/entry-*.png).  The browser tests
skip cleanly when python3-selenium or chromium-driver is missing."""
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
from test_web_accounts import Client, add_user, PASSWORD  # noqa: E402

NOW = "2025-12-05T09:00:00+07:00"   # 2025Q4 is open (due 9 December)
XA1 = "HP.XA.VIET_KHE"              # a commune with parent_submits offices
XA1_VP = "HP.XA.VIET_KHE.VP"        # one of them
XA1_VH = "HP.XA.VIET_KHE.VHXH"      # another (units exist from 2025-07-01: 2025Q3 and 2025Q4 only)
XA2 = "HP.XA.HOP_TIEN"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM = "/usr/bin/chromium"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    from selenium.common.exceptions import WebDriverException
    HAVE_SELENIUM = True
except ImportError:
    HAVE_SELENIUM = False


def field(code, tag=None):
    name = "v_" + re.sub(r"[^a-z0-9]", "_", code.lower())
    return name + ("__" + re.sub(r"[^a-z0-9]", "_", tag.lower()) if tag else "")


def full_form(csrf, unit=XA1, period="2025Q4", action="submit", **values):
    """The form a browser posts for a complete report (harness.report's
    values, overridden by `values`)."""
    f = {"csrf": csrf, "unit": unit, "dataset": "CCHC_Q", "period": period, "action": action, "note": ""}
    for code, v in harness.report(**values).items():
        if v is True:
            f[field(code)] = "1"
        elif isinstance(v, list):
            for t in v:
                f[field(code, t)] = "1"
        elif v is not False:
            f[field(code)] = str(v)
    return f


def outcome(body):
    m = re.search(r'data-outcome="([a-z_]+)"', body)
    return m.group(1) if m else None


def field_errors(body):
    return set(re.findall(r'class="ferr" role="alert" data-error="([A-Z_]+)"', body))


class WebEntryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Stack(now=NOW)
        cls.gw = cls.s.keygen("HP", gateway=True)
        cls.s.keygen(XA2)  # XA2 also reports with its own key (cchc submit)
        cls.s.start_collector()
        cls.s.start_aggregator()
        cls.port = free_port()
        users_dir = os.path.join(cls.s.dir, "web")
        cls.s.write_config({"web": {"listen": "127.0.0.1:%d" % cls.port, "accounts": "yes", "users_dir": users_dir,
                                    "gateway_key": os.path.join(cls.s.keys, "HP.gateway.key"),
                                    "submit_timeout_ms": "700", "submit_retries": "1",
                                    "query_timeout_ms": "400"}})
        add_user(cls.s, "nhap1", "reporter", XA1)
        add_user(cls.s, "duyet1", "approver", XA1)
        add_user(cls.s, "xem1", "viewer", XA1)
        add_user(cls.s, "xem2", "viewer", XA2)
        add_user(cls.s, "nhap2", "reporter", XA2)
        add_user(cls.s, "quantri", "admin")
        add_user(cls.s, "saimk", "reporter", XA1)
        cls.s.start("web", wait_port=cls.port)
        # the same store with accounts off, and accounts on without a gateway key
        cls.port_off, cls.port_nogw = free_port(), free_port()
        off = cls.s.write_variant_config("web-off", {"web": {"listen": "127.0.0.1:%d" % cls.port_off}})
        nogw = cls.s.write_variant_config("web-nogw", {"web": {"listen": "127.0.0.1:%d" % cls.port_nogw,
                                                               "accounts": "yes", "users_dir": users_dir}})
        cls.s.start_as("web-off", "web", off, wait_port=cls.port_off)
        cls.s.start_as("web-nogw", "web", nogw, wait_port=cls.port_nogw)
        cls.tmp = tempfile.mkdtemp(prefix="cchc-entry-")

    @classmethod
    def tearDownClass(cls):
        cls.s.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def client(self, login=None, port=None):
        c = Client(port or self.port)
        if login:
            st, _, _ = c.login(login)
            self.assertEqual(st, 303, "login %s" % login)
        return c

    def csrf(self, c, path="/entry"):
        token = c.csrf(path)
        self.assertTrue(token)
        return token

    def history(self, unit, period="2025Q4", n=None):
        """The aggregator's versions of the report, newest first (waiting up
        to 10 s for n of them to be applied)."""
        t0 = time.time()
        while True:
            r = self.s.query("history", node=unit, dataset="CCHC_Q", period=period)
            vs = r["data"]["versions"] if r.get("ok") else []
            if n is None or len(vs) >= n or time.time() - t0 > 10:
                return vs
            time.sleep(0.1)

    def stored(self, unit, period="2025Q4"):
        """What the collector's journal holds for the report (the judge of
        "nothing doubled": the aggregator may lag)."""
        return [r for r in self.s.fetch_journal() if r["unit"] == unit and r["period"] == period
                and not r.get("decision")]

    def journal_head(self):
        return len(self.s.fetch_journal())

    def audit(self):
        out = subprocess.run([os.path.join(BIN, "cchc"), "user", "audit", "--format", "json", "--config",
                              self.s.config], capture_output=True, text=True, check=True, timeout=30).stdout
        return json.loads(out)

    # ---- plain HTTP: the page and who may open it -----------------------------

    def test_01_form_from_catalog(self):
        """entry-1.1 the form: every submitted indicator with its Vietnamese name, measure and help, in groups; yes/no and tags as checkboxes; no rate; open period first"""
        st, _, body = self.client("nhap1").req("GET", "/entry")
        self.assertEqual(st, 200)
        self.assertIn('data-period="2025Q4"', body)
        rows = harness._catalog_rows("indicators.csv")
        for r in rows:
            if r["kind"] == "rate":
                self.assertNotIn('name="%s"' % field(r["code"]), body)
                continue
            if r["kind"] == "tags":
                for t in r["tags"].split("|"):
                    self.assertIn('type="checkbox" name="%s"' % field(r["code"], t), body)
                continue
            self.assertIn('name="%s"' % field(r["code"]), body, r["code"])
            if r["kind"] == "bool":
                self.assertIn('type="checkbox" id="%s" name="%s"' % ((field(r["code"]),) * 2), body)
            self.assertIn(r["name_vi"].replace('"', "&quot;"), body)
            if r["unit_vi"] and r["kind"] in ("count", "stock"):  # a checkbox needs no unit of measure
                self.assertIn("(%s)" % r["unit_vi"], body)
            self.assertIn(r["help_vi"], body)
        for g in {r["group_vi"] for r in rows}:
            self.assertEqual(body.count("<legend>%s</legend>" % g), 1, g)
        self.assertIn("Mạng xã hội", body)               # a tag's Vietnamese label
        self.assertIn("Lưu nháp", body)
        self.assertIn("Gửi báo cáo", body)
        opts = re.findall(r'<option value="(20\d\dQ\d)"', body)
        self.assertEqual(opts[0], "2025Q4")                # the open period first
        self.assertIn("2025Q3", opts)
        self.assertIn('<option value="%s"' % XA1_VP, body)  # a parent_submits office
        self.assertNotIn('<option value="%s"' % XA2, body)

    def test_02_accounts_off_no_entry(self):
        """entry-1.2 with accounts off /entry is 404 with a sentence; without a gateway key a submission says so (503) and keeps the draft"""
        st, _, body = Client(self.port_off).req("GET", "/entry")
        self.assertEqual(st, 404)
        self.assertIn("accounts", body)
        self.assertEqual(Client(self.port_off).req("POST", "/entry", {"unit": XA1})[0], 405)
        c = self.client("nhap1", port=self.port_nogw)
        st, _, body = c.req("POST", "/entry", full_form(self.csrf(c), unit=XA1_VH, period="2025Q3"))
        self.assertEqual(st, 503)
        self.assertEqual(outcome(body), "not_sent")
        self.assertIn("gateway_key", body)

    def test_03_no_session(self):
        """entry-1.3 without a session /entry redirects to /login and a POST is refused"""
        c = self.client()
        st, h, _ = c.req("GET", "/entry")
        self.assertEqual(st, 303)
        self.assertTrue(h["location"].startswith("/login"))
        self.assertIn(c.req("POST", "/entry", {"unit": XA1})[0], (303, 403))

    def test_04_only_the_units_reporter(self):
        """entry-1.4 403 for a viewer, an approver, an admin and a reporter of another commune; never their data"""
        for login in ("xem1", "duyet1", "quantri"):
            st, _, body = self.client(login).req("GET", "/entry?unit=%s" % XA1)
            self.assertEqual(st, 403, login)
            self.assertNotIn('name="v_portal_posts"', body)
        c = self.client("nhap2")
        st, _, body = c.req("GET", "/entry?unit=%s" % XA1)
        self.assertEqual(st, 403)
        self.assertNotIn("Việt Khê", body)
        st, _, body = c.req("POST", "/entry", full_form(self.csrf(c), unit=XA1))
        self.assertEqual(st, 403)
        self.assertEqual(c.req("GET", "/entry?unit=%s" % XA1_VP)[0], 403)
        # the reporter of Việt Khê opens its office's form (parent_submits), not the city's
        c = self.client("nhap1")
        self.assertEqual(c.req("GET", "/entry?unit=%s" % XA1_VP)[0], 200)
        self.assertEqual(c.req("GET", "/entry?unit=HP")[0], 403)

    def test_05_viewer_403_elsewhere(self):
        """entry-1.5 a viewer of one commune gets 403 on another commune's page and API"""
        c = self.client("xem2")
        self.assertEqual(c.req("GET", "/overview?node=%s&period=2025Q4" % XA1)[0], 403)
        self.assertEqual(c.req("GET", "/api/unit?code=%s&period=2025Q4" % XA1)[0], 403)
        self.assertEqual(c.req("GET", "/api/overview?node=%s" % XA2)[0], 200)

    def test_06_bad_parameters(self):
        """entry-1.6 unknown unit 404, unknown dataset, a period of another type or not begun 400"""
        c = self.client("nhap1")
        self.assertEqual(c.req("GET", "/entry?unit=HP.XA.KHONG_CO")[0], 404)
        self.assertEqual(c.req("GET", "/entry?dataset=NOPE")[0], 400)
        st, _, body = c.req("GET", "/entry?period=2025")
        self.assertEqual(st, 400)
        self.assertIn("không phải là kỳ", body)
        self.assertEqual(c.req("GET", "/entry?period=2026Q1")[0], 400)
        self.assertEqual(c.req("GET", "/entry?period=2025Q9")[0], 400)

    def test_07_csrf(self):
        """entry-1.7 a POST without or with a wrong CSRF token is 403 and saves nothing"""
        c = self.client("nhap1")
        f = full_form("0" * 64, unit=XA1_VH, period="2025Q4", action="save")
        self.assertEqual(c.req("POST", "/entry", f)[0], 403)
        del f["csrf"]
        self.assertEqual(c.req("POST", "/entry", f)[0], 403)
        st, _, body = c.req("GET", "/entry?unit=%s&period=2025Q4" % XA1_VH)
        self.assertEqual(st, 200)
        self.assertNotIn("data-draft", body)

    def test_08_precheck_not_sent(self):
        """entry-1.8 a value that is not a whole number: 422 beside its field, the draft kept, nothing sent"""
        c = self.client("nhap1")
        head = self.journal_head()
        st, _, body = c.req("POST", "/entry", full_form(self.csrf(c), unit=XA1_VH, period="2025Q3", PORTAL_POSTS="12a"))
        self.assertEqual(st, 422)
        self.assertEqual(outcome(body), "invalid")
        self.assertEqual(field_errors(body), {"PORTAL_POSTS"})
        self.assertIn("số nguyên", body)
        self.assertIn('value="12a"', body)
        self.assertEqual(self.journal_head(), head)

    def test_09_nack_by_field(self):
        """entry-1.9 the collector's NACK beside the field it names: E_NEGATIVE, E_VALUE (above max), E_INCOMPLETE"""
        c = self.client("nhap1")
        st, _, body = c.req("POST", "/entry", full_form(self.csrf(c), unit=XA1_VH, period="2025Q3", RADIO_ITEMS=-3))
        self.assertEqual((st, outcome(body)), (422, "refused"))
        self.assertIn("E_NEGATIVE", body)
        self.assertEqual(field_errors(body), {"RADIO_ITEMS"})
        self.assertIn("Không được nhập số âm", body)
        st, _, body = c.req("POST", "/entry", full_form(self.csrf(c), unit=XA1_VH, period="2025Q3", CONTESTS_ORGANIZED=5000))
        self.assertEqual(field_errors(body), {"CONTESTS_ORGANIZED"})
        self.assertIn("E_VALUE", body)
        f = full_form(self.csrf(c), unit=XA1_VH, period="2025Q3")
        del f["v_staff_total"], f["v_dialogues"]
        st, _, body = c.req("POST", "/entry", f)
        self.assertEqual(st, 422)
        self.assertIn("E_INCOMPLETE", body)
        self.assertEqual(field_errors(body), {"STAFF_TOTAL", "DIALOGUES"})
        self.assertEqual(self.stored(XA1_VH, "2025Q3"), [])

    def test_10_draft_submit_idempotent_correction(self):
        """entry-1.10 draft kept and shown again; submit ACKed; the same content again is the same id (duplicate, one version); a change is version 2 with its changes marked; audited"""
        c = self.client("nhap1")
        f = full_form(self.csrf(c), period="2025Q3", action="save", PORTAL_POSTS=7, PLAN_ISSUED=True,
                      OTHER_FORMS=["truc_quan"])
        f["note"] = "Ghi chú: số liệu quý 3"
        st, _, body = c.req("POST", "/entry", f)
        self.assertEqual((st, outcome(body)), (200, "saved"))
        st, _, body = c.req("GET", "/entry?period=2025Q3")
        self.assertIn('name="v_portal_posts" inputmode="numeric" autocomplete="off" value="7"', body)
        self.assertRegex(body, r'name="v_other_forms__truc_quan" value="1" checked')
        self.assertIn("data-draft=", body)
        self.assertIn("Ghi chú: số liệu quý 3", body)
        f["action"] = "submit"
        st, _, body = c.req("POST", "/entry", f)
        self.assertEqual((st, outcome(body)), (200, "accepted"), body[-3000:])
        self.assertIn("Đã nhận, phiên bản 1", body)
        sid = re.search(r'<code id="sid">([^<]+)</code>', body).group(1)
        st, _, body = c.req("POST", "/entry", f)
        self.assertEqual(outcome(body), "duplicate")
        self.assertIn(sid, body)
        self.assertEqual([r["id"] for r in self.stored(XA1, "2025Q3")], [sid])
        vs = self.history(XA1, "2025Q3", n=1)
        self.assertEqual([v["id"] for v in vs], [sid])
        self.assertEqual(vs[0]["entered_by"], "nhap1")
        self.assertEqual(vs[0]["values"]["PORTAL_POSTS"], 7)
        # a correction starts from the latest version; a change shows what it was
        st, _, body = c.req("GET", "/entry?period=2025Q3")
        self.assertIn('data-version="1"', body)
        f2 = dict(f, v_portal_posts="9", action="save")
        st, _, body = c.req("POST", "/entry", f2)
        self.assertIn('data-changed="PORTAL_POSTS"', body)
        self.assertNotIn('data-changed="WEBSITE_POSTS"', body)
        f2["action"] = "submit"
        st, _, body = c.req("POST", "/entry", f2)
        self.assertEqual(outcome(body), "accepted")
        self.assertIn("Đã nhận, phiên bản 2", body)
        self.assertEqual([v["version"] for v in self.history(XA1, "2025Q3", n=2)], [2, 1])
        subs = [e for e in self.audit() if e["action"] == "submit" and e["login"] == "nhap1"]
        self.assertTrue(any(e["unit"] == XA1 and "period=2025Q3" in e["detail"] and "version=2" in e["detail"]
                            for e in subs), subs)

    def test_11_collector_down_http(self):
        """entry-1.11 collector stopped: 503 "may not have been received", the draft kept; after its restart the same press is accepted once"""
        c = self.client("nhap1")
        f = full_form(self.csrf(c), unit=XA1_VH, period="2025Q4", PORTAL_POSTS=3)
        self.s.kill9("collector")
        try:
            st, _, body = c.req("POST", "/entry", f)
            self.assertEqual((st, outcome(body)), (503, "no_answer"))
            self.assertIn("Chưa chắc báo cáo đã được nhận", body)
            self.assertIn("data-draft=", body)
            sid = re.search(r'<code id="sid">([^<]+)</code>', body)
        finally:
            self.s.start_collector()
        st, _, body = c.req("POST", "/entry", f)
        self.assertEqual(outcome(body), "accepted", body[-2000:])
        self.assertEqual(len(self.stored(XA1_VH, "2025Q4")), 1)
        self.assertIsNone(sid)  # no answer: no id shown as received

    def test_12_comments_and_return(self):
        """entry-1.12 a comment beside a value: too long refused by field (nothing stored), kept in the draft, sent as SUBMIT.comments, shown again and on /approve; the head returns the report and the reporter's page says so with his comment"""
        c = self.client("nhap1")
        note = "Gồm 3 tin đăng lại từ cổng thông tin thành phố"
        f = full_form(self.csrf(c), unit=XA1_VP, period="2025Q3", PORTAL_POSTS=11)
        f["c_portal_posts"] = "  " + note + " "
        f["c_radio_items"] = "ư" * 161
        st, _, body = c.req("POST", "/entry", f)
        self.assertEqual((st, outcome(body)), (422, "invalid"))
        self.assertEqual(field_errors(body), {"RADIO_ITEMS"})
        self.assertIn("Ghi chú quá dài: tối đa 160 ký tự", body)
        self.assertIn('<details class="cmt" open>', body)
        self.assertIn('value="%s"' % note, body)  # kept (trimmed) in the draft
        self.assertEqual(self.stored(XA1_VP, "2025Q3"), [])
        f["c_radio_items"] = "ư" * 160  # 160 characters, 320 bytes: fits
        f["c_website_posts"] = "   "     # blank: no comment
        st, _, body = c.req("POST", "/entry", f)
        self.assertEqual((st, outcome(body)), (200, "accepted"), body[-2000:])
        vs = self.history(XA1_VP, "2025Q3", n=1)
        self.assertEqual(vs[0]["comments"], {"PORTAL_POSTS": note, "RADIO_ITEMS": "ư" * 160})
        self.assertEqual(self.stored(XA1_VP, "2025Q3")[0]["comments"], vs[0]["comments"])
        st, _, body = c.req("GET", "/entry?unit=%s&period=2025Q3" % XA1_VP)
        self.assertIn('id="c_portal_posts" name="c_portal_posts"', body)
        self.assertIn('value="%s"' % note, body)  # a correction starts from the latest version's comments
        self.assertIn('data-approval="awaiting"', body)
        # the head sees the comment beside the value and returns the report
        head = self.client("duyet1")
        q = "/approve?unit=%s&dataset=CCHC_Q&period=2025Q3" % XA1_VP
        st, _, body = head.req("GET", q)
        self.assertEqual(st, 200, body[-2000:])
        self.assertRegex(body, r'data-comment="PORTAL_POSTS">%s</small>' % re.escape(note))
        fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', body))
        fields.update(decision="return", note="Số tin bài chưa khớp sổ theo dõi")
        st, _, _ = head.req("POST", "/approve", fields)
        self.assertEqual(st, 303)
        t0 = time.time()
        while time.time() - t0 < 10:
            st, _, body = c.req("GET", "/entry?unit=%s&period=2025Q3" % XA1_VP)
            if 'data-approval="returned"' in body:
                break
            time.sleep(0.1)
        self.assertIn('data-approval="returned"', body)
        self.assertIn("Bị trả lại để sửa", body)
        self.assertIn("Số tin bài chưa khớp sổ theo dõi", body)
        self.assertIn("duyet1", body)
        # the unit's audit trail (/unit): who entered it, the comment beside the value, the head's return
        st, _, body = self.client("xem1").req("GET", "/unit?code=%s&dataset=CCHC_Q&period=2025Q3" % XA1_VP)
        self.assertEqual(st, 200)
        self.assertIn("Người dùng nhap1 <small class=\"by\" data-key=\"HP\">(nhập trên web)</small>", body)
        self.assertRegex(body, r'data-comment="PORTAL_POSTS">%s</small>' % re.escape(note))
        row = re.search(r'<tr data-decision="return" data-version="1">(.*?)</tr>', body, re.S)
        self.assertTrue(row, body[-3000:])
        self.assertIn("Trả lại để sửa phiên bản 1", row.group(1))
        self.assertIn("duyet1", row.group(1))
        self.assertIn("Số tin bài chưa khớp sổ theo dõi", row.group(1))
        st, _, body = self.client("xem1").req("GET", "/api/unit?code=%s&dataset=CCHC_Q&period=2025Q3" % XA1_VP)
        j = json.loads(body)
        self.assertEqual([(d["decision"], d["version"], d.get("entered_by")) for d in j["decisions"]],
                         [("return", 1, "duyet1")])
        self.assertEqual(j["versions"][0]["comments"]["PORTAL_POSTS"], note)

    # ---- the browser -----------------------------------------------------------

    def browser(self, width=1280, height=1000):
        if not HAVE_SELENIUM:
            self.skipTest("python3-selenium is missing (scripts/deps.sh installs it)")
        if not (os.path.exists(CHROMEDRIVER) and os.path.exists(CHROMIUM)):
            self.skipTest("chromium-driver is missing (scripts/deps.sh installs it)")
        o = Options()
        o.binary_location = CHROMIUM
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--user-data-dir=" + tempfile.mkdtemp(dir=self.tmp), "--window-size=%d,%d" % (width, height),
                  "--hide-scrollbars", "--lang=vi"):
            o.add_argument(a)
        if width < 500:  # below chromium's smallest window: a phone's screen, emulated
            o.add_experimental_option("mobileEmulation", {"deviceMetrics": {"width": width, "height": height,
                                                                              "pixelRatio": 1.0}})
        try:
            d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=o)
        except Exception as e:  # noqa: BLE001 -- a browser that cannot start here is a skip, not a failure
            self.skipTest("chromium cannot start here: %s" % str(e)[:200])
        self.addCleanup(d.quit)
        d.set_page_load_timeout(30)
        return d

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    @staticmethod
    def press(d, how, what):
        """Clicks a button that posts a form and waits for the answer's page
        (a mark set on this page is gone, and the new one is loaded)."""
        d.execute_script("window.cchcOld = true")
        d.find_element(how, what).click()
        WebDriverWait(d, 60, ignored_exceptions=(WebDriverException,)).until(
            lambda x: x.execute_script("return window.cchcOld !== true && document.readyState === 'complete'"))

    def login(self, d, login, password=PASSWORD):
        d.get(self.url("/login"))
        d.find_element(By.NAME, "login").send_keys(login)
        d.find_element(By.NAME, "password").send_keys(password)
        self.press(d, By.CSS_SELECTOR, "main form button[type=submit]")

    def fill(self, d, **values):
        for code, v in harness.report(**values).items():
            if isinstance(v, bool):
                box = d.find_element(By.NAME, field(code))
                if box.is_selected() != v:
                    box.click()
            elif isinstance(v, list):
                for t in v:
                    box = d.find_element(By.NAME, field(code, t))
                    if not box.is_selected():
                        box.click()
            else:
                e = d.find_element(By.NAME, field(code))
                e.clear()
                e.send_keys(str(v))

    def overview_value(self, code, node=XA1):
        st, _, body = self.client("xem1").req("GET", "/overview?node=%s&period=2025Q4" % node)
        m = re.search(r'<tr data-ind="%s">.*?data-value="([^"]*)"' % code, body, re.S)
        return m.group(1) if m else None

    def test_13_report_sent_with_the_units_key(self):
        """entry-1.13: a report sent with the unit's own key (cchc submit, no
        web user) opens on the reporter's /entry as submitted, with no
        "entered by" and no crash; a web correction then names its user."""
        r = self.s.submit(XA2, harness.report(), period="2025Q3")
        self.assertEqual(r["type"], "ACK", r)
        self.history(XA2, "2025Q3", n=1)
        c = self.client("nhap2")
        st, _, body = c.req("GET", "/entry?unit=%s&dataset=CCHC_Q&period=2025Q3" % XA2)
        self.assertEqual(st, 200, body[:300])
        state = re.search(r'<p class="note" id="state">(.*?)</p>', body, re.S).group(1)
        self.assertIn('data-version="1"', state)
        self.assertNotIn("nhap2", state)
        token = self.csrf(c, "/entry?unit=%s&dataset=CCHC_Q&period=2025Q3" % XA2)
        st, _, body = c.req("POST", "/entry", full_form(token, unit=XA2, period="2025Q3", PORTAL_POSTS=9))
        self.assertEqual(outcome(body), "accepted", body[:500])
        self.history(XA2, "2025Q3", n=2)
        st, _, body = c.req("GET", "/entry?unit=%s&dataset=CCHC_Q&period=2025Q3" % XA2)
        self.assertEqual(st, 200)
        state = re.search(r'<p class="note" id="state">(.*?)</p>', body, re.S).group(1)
        self.assertIn('data-version="2"', state)
        self.assertIn("nhap2", state)

    def test_14_numbers_notes_and_refusals_as_people_write_them(self):
        """entry-1.14 "1.234" is 1234 in Vietnamese ("1,234" in English), a fraction, a misplaced group and a
        20-digit number each get their own sentence; a note too long for the protocol is refused beside the
        note with what was typed kept (not a bare 400); a value and its comment both wrong show both
        sentences; a NACK shows no English on a Vietnamese page; the draft names its author; the page links
        this report's Excel template"""
        c = self.client("nhap1")
        path = "/entry?unit=%s&period=2025Q4" % XA1_VH
        cases = [("1,5", "phần thập phân"), ("12.34", "Nhóm chữ số"), ("9" * 20, "Số quá lớn"),
                 ("mười", "chỉ gồm chữ số")]
        for typed, sentence in cases:
            st, _, body = c.req("POST", "/entry", full_form(self.csrf(c, path), unit=XA1_VH, action="save",
                                                            PORTAL_POSTS=typed))
            self.assertEqual((st, outcome(body)), (422, "invalid"), typed)
            self.assertEqual(field_errors(body), {"PORTAL_POSTS"}, typed)
            self.assertIn(sentence, body, typed)
        st, _, body = c.req("POST", "/entry", full_form(self.csrf(c, path), unit=XA1_VH, action="save",
                                                        PORTAL_POSTS="1.234", RADIO_ITEMS=" 2 000 "))
        self.assertEqual((st, outcome(body)), (200, "saved"), body[-2000:])
        self.assertIn('name="v_portal_posts" inputmode="numeric" autocomplete="off" value="1234"', body)
        self.assertIn('name="v_radio_items" inputmode="numeric" autocomplete="off" value="2000"', body)
        self.assertIn("Người dùng nhap1", re.search(r'<span data-draft="\d+">(.*?)</span>', body, re.S).group(1))
        ce = self.client("nhap1")
        st, _, body = ce.req("POST", "/entry?lang=en", full_form(self.csrf(ce, path + "&lang=en"), unit=XA1_VH,
                                                                 action="save", PORTAL_POSTS="1,234"))
        self.assertEqual((st, outcome(body)), (200, "saved"))
        self.assertIn('value="1234"', body)
        # a note of 781 Vietnamese characters (over 1024 bytes): beside the note, the values kept
        f = full_form(self.csrf(c, path), unit=XA1_VH, action="submit", PORTAL_POSTS=6)
        f["note"] = "Ghi chú dài về tình hình tuyên truyền ở địa phương. " * 16
        self.assertGreater(len(f["note"].encode()), 1024)
        head = self.journal_head()
        st, _, body = c.req("POST", "/entry", f)
        self.assertEqual((st, outcome(body)), (422, "invalid"))
        self.assertIn('data-error="NOTE"', body)
        self.assertIn("Ghi chú quá dài", body)
        self.assertIn('value="6"', body)
        self.assertIn("tình hình tuyên truyền", body)
        self.assertEqual(self.journal_head(), head)
        # a note of several lines, as a textarea sends it (CR LF): kept, line ends as LF
        f = full_form(self.csrf(c, path), unit=XA1_VH, action="save", PORTAL_POSTS=6)
        f["note"] = "Dòng một\r\nDòng hai\tcó tab"
        st, _, body = c.req("POST", "/entry", f)
        self.assertEqual((st, outcome(body)), (200, "saved"), body[-1500:])
        self.assertIn(">Dòng một\nDòng hai\tcó tab</textarea>", body)
        # a bad value and a too-long comment on the same field: both said
        f = full_form(self.csrf(c, path), unit=XA1_VH, action="save", PORTAL_POSTS="12a")
        f["c_portal_posts"] = "x" * 200
        st, _, body = c.req("POST", "/entry", f)
        err = re.search(r'data-error="PORTAL_POSTS">(.*?)</p>', body, re.S).group(1)
        self.assertIn("chỉ gồm chữ số", err)
        self.assertIn("Ghi chú quá dài", err)
        # a part above its total: each side says which other field it concerns, by name
        st, _, body = c.req("POST", "/entry", full_form(self.csrf(c, path), unit=XA1_VH, TTHC_LISTED=500,
                                                        TTHC_TOTAL=80))
        self.assertEqual((st, outcome(body)), (422, "refused"))
        self.assertEqual(field_errors(body), {"TTHC_LISTED", "TTHC_TOTAL"})
        part = re.search(r'data-error="TTHC_LISTED">(.*?)</p>', body, re.S).group(1)
        whole = re.search(r'data-error="TTHC_TOTAL">(.*?)</p>', body, re.S).group(1)
        self.assertIn("Lớn hơn “Tổng số thủ tục hành chính", part)
        self.assertIn("Nhỏ hơn “Thủ tục hành chính được niêm yết", whole)
        # a refusal: the Vietnamese sentence, the code as data, no English words of the collector
        st, _, body = c.req("POST", "/entry", full_form(self.csrf(c, path), unit=XA1_VH, RADIO_ITEMS=-3))
        self.assertEqual((st, outcome(body)), (422, "refused"))
        self.assertIn('data-code="E_NEGATIVE"', body)
        self.assertNotIn("cannot be negative", body)
        st, _, body = ce.req("POST", "/entry?lang=en", full_form(self.csrf(ce, path + "&lang=en"), unit=XA1_VH,
                                                                 RADIO_ITEMS=-3))
        self.assertIn("cannot be negative", body)
        self.assertRegex(body, r'id="xlsx" href="/entry/template\.xlsx\?unit=%s&amp;dataset=CCHC_Q&amp;period=2025Q4'
                         % re.escape(XA1_VH))

    def test_20_browser_fill_save_submit(self):
        """entry-2.1 browser: log in, fill the form, save a draft, reload it, submit, see the ACK and the overview's rollup change; screenshots"""
        d = self.browser()
        before = self.overview_value("PORTAL_POSTS")
        self.login(d, "nhap1")
        d.get(self.url("/entry"))
        self.assertIn("Nhập báo cáo", d.title)
        self.fill(d, PORTAL_POSTS=11, STAFF_TOTAL=40, HOTLINE_PUBLISHED=True, OTHER_FORMS=["mang_xa_hoi", "truc_quan"])
        d.find_element(By.NAME, "note").send_keys("Đã rà soát số liệu")
        os.makedirs(os.path.join(ROOT, "build"), exist_ok=True)
        d.execute_script("window.scrollTo(0, 0)")
        d.save_screenshot(os.path.join(ROOT, "build", "entry-desktop.png"))
        self.press(d, By.ID, "save")
        self.assertEqual(d.find_element(By.ID, "outcome").get_attribute("data-outcome"), "saved")
        d.get(self.url("/entry"))  # opened again: the draft
        self.assertEqual(d.find_element(By.NAME, "v_portal_posts").get_attribute("value"), "11")
        self.assertTrue(d.find_element(By.NAME, "v_hotline_published").is_selected())
        self.assertTrue(d.find_element(By.NAME, "v_other_forms__truc_quan").is_selected())
        self.press(d, By.ID, "submit")
        box = d.find_element(By.ID, "outcome")
        self.assertEqual(box.get_attribute("data-outcome"), "accepted", box.text)
        self.assertIn("Đã nhận, phiên bản 1", box.text)
        want = str(int(before or 0) + 11)
        t0 = time.time()
        while self.overview_value("PORTAL_POSTS") != want and time.time() - t0 < 10:
            time.sleep(0.2)
        self.assertEqual(self.overview_value("PORTAL_POSTS"), want)
        self.assertEqual(self.history(XA1, n=1)[0]["values"]["OTHER_FORMS"], ["mang_xa_hoi", "truc_quan"])

    def test_21_browser_phone_width(self):
        """entry-2.2 browser at 390 px: the form fits the screen (no sideways scroll), a NACK shows beside its field; screenshot"""
        d = self.browser(390, 844)
        self.login(d, "nhap1")
        d.get(self.url("/entry?unit=%s&period=2025Q3" % XA1_VP))
        self.assertEqual(d.execute_script("return window.innerWidth"), 390)
        self.assertLessEqual(d.execute_script("return document.documentElement.scrollWidth"), 390)
        d.save_screenshot(os.path.join(ROOT, "build", "entry-phone.png"))
        self.fill(d, RADIO_ITEMS=-2)
        self.press(d, By.ID, "submit")
        self.assertEqual(d.find_element(By.ID, "outcome").get_attribute("data-outcome"), "refused")
        err = d.find_element(By.CSS_SELECTOR, '#f_v_radio_items .ferr')
        self.assertIn("Không được nhập số âm", err.text)
        self.assertTrue(err.is_displayed())
        self.assertLessEqual(d.execute_script("return document.documentElement.scrollWidth"), 390)
        d.execute_script("arguments[0].scrollIntoView()", d.find_element(By.ID, "f_v_radio_items"))
        d.save_screenshot(os.path.join(ROOT, "build", "entry-phone-nack.png"))

    def test_22_browser_rate_limit(self):
        """entry-2.3 browser: a wrong password five times, then the rate-limit sentence (429)"""
        d = self.browser()
        for _ in range(5):
            self.login(d, "saimk", "sai-mat-khau-0")
            self.assertIn("Sai tên đăng nhập hoặc mật khẩu", d.page_source)
        self.login(d, "saimk", "sai-mat-khau-0")
        self.assertIn("Đăng nhập sai quá nhiều lần", d.find_element(By.CSS_SELECTOR, "[data-error=login]").text)

    def test_23_browser_collector_killed(self):
        """entry-2.4 browser: the collector killed (SIGKILL) during a submission -> the page says so; restarted, the same press is accepted once"""
        d = self.browser()
        self.login(d, "nhap1")
        d.get(self.url("/entry?unit=%s&period=2025Q4" % XA1_VP))
        self.fill(d, PORTAL_POSTS=4)
        pid = self.s.procs["collector"].pid
        try:
            os.kill(pid, 9)
            self.s.procs.pop("collector").wait(10)
            self.press(d, By.ID, "submit")
            box = d.find_element(By.ID, "outcome")
            self.assertEqual(box.get_attribute("data-outcome"), "no_answer")
            self.assertIn("Chưa chắc báo cáo đã được nhận", box.text)
            self.assertIn("Gửi báo cáo", box.text)
        finally:
            self.s.start_collector()
        self.press(d, By.ID, "submit")  # the page kept the values: press again
        box = d.find_element(By.ID, "outcome")
        self.assertIn(box.get_attribute("data-outcome"), ("accepted", "duplicate"), box.text)
        self.assertEqual(len(self.stored(XA1_VP)), 1)
        self.press(d, By.ID, "submit")  # and once more: the same id, nothing doubled
        self.assertEqual(d.find_element(By.ID, "outcome").get_attribute("data-outcome"), "duplicate")
        self.assertEqual(len(self.stored(XA1_VP)), 1)
        self.assertEqual(len(self.history(XA1_VP, n=1)), 1)


if __name__ == "__main__":
    harness.main()
