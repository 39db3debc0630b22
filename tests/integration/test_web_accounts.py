"""cchc-web with [web] accounts = yes (issue 12, steps 1-2): the login form,
the session cookie and its flags, failed logins limited per login name and
address, pages and /api/ without a session, a viewer of one commune refused
another's page and API (403), a POST without the CSRF token (403), logout,
the bearer token still opening /api/ for machines, and the audit log."""
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Stack, free_port, BIN  # noqa: E402

NOW = "2025-12-05T09:00:00+07:00"
XA1 = "HP.XA.NAM_SACH"
XA2 = "HP.XA.HOP_TIEN"
PASSWORD = "mat-khau-dai-1"
TOKEN = "machine-token-123"


class Client:
    """One browser: keeps the session cookie, and the login page's own
    (its CSRF token) for /login."""

    def __init__(self, port):
        self.port = port
        self.cookie = None
        self.login_cookie = None

    def req(self, method, path, form=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        h = dict(headers or {})
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        jar = []
        if self.cookie:
            jar.append("cchc_session=" + self.cookie)
        if self.login_cookie and path.startswith("/login"):
            jar.append("cchc_login=" + self.login_cookie)
        if jar and "Cookie" not in h:
            h["Cookie"] = "; ".join(jar)
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read().decode("utf-8", "replace")
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        c.close()
        m = re.match(r"cchc_login=([0-9a-f]+);", hdrs.get("set-cookie", ""))
        if m:
            self.login_cookie = m.group(1)
        return r.status, hdrs, data

    def login_csrf(self):
        """The login form's CSRF token (GET /login, which sets its cookie)."""
        st, _, body = self.req("GET", "/login")
        m = re.search(r'name="csrf" value="([0-9a-f]+)"', body)
        return m.group(1) if m else None

    def login(self, login, password=PASSWORD):
        st, h, body = self.req("POST", "/login", {"login": login, "password": password,
                                                  "csrf": self.login_csrf() or ""})
        m = re.match(r"cchc_session=([0-9a-f]+);", h.get("set-cookie", ""))
        if m:
            self.cookie = m.group(1)
        return st, h, body

    def csrf(self, path="/overview"):
        st, _, body = self.req("GET", path)
        m = re.search(r'name="csrf" value="([0-9a-f]+)"', body)
        return m.group(1) if m else None


def add_user(s, login, role, unit=None):
    args = [os.path.join(BIN, "cchc"), "user", "add", login, "--name", "Người dùng " + login, "--role", role,
            "--config", s.config]
    if unit:
        args += ["--unit", unit]
    subprocess.run(args, input=PASSWORD + "\n", text=True, check=True, capture_output=True, timeout=60)


class WebAccountsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Stack(curve=False, now=NOW)
        cls.s.start_collector("--insecure")
        cls.s.start_aggregator()
        cls.port = free_port()
        cls.s.write_config({"web": {"listen": "127.0.0.1:%d" % cls.port, "accounts": "yes",
                                    "users_dir": os.path.join(cls.s.dir, "web"), "token": TOKEN,
                                    "query_timeout_ms": "400"}})
        add_user(cls.s, "xem1", "viewer", XA1)
        add_user(cls.s, "nhap1", "reporter", XA1)
        add_user(cls.s, "quantri", "admin")
        add_user(cls.s, "khoa", "viewer", XA2)
        cls.s.start("web", wait_port=cls.port)

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def client(self):
        return Client(self.port)

    def test_login_form_vietnamese_and_english(self):
        """GET /login is a Vietnamese form (English with lang=en)"""
        st, _, body = self.client().req("GET", "/login")
        self.assertEqual(st, 200)
        self.assertIn("Đăng nhập", body)
        self.assertIn('name="password"', body)
        st, _, body = self.client().req("GET", "/login?lang=en")
        self.assertIn("Sign in", body)

    def test_no_session(self):
        """without a session a page redirects to /login and /api/ is 401; /healthz stays open"""
        c = self.client()
        st, h, _ = c.req("GET", "/overview")
        self.assertEqual(st, 303)
        self.assertTrue(h["location"].startswith("/login"))
        st, _, body = c.req("GET", "/api/overview?node=HP")
        self.assertEqual(st, 401)
        self.assertIn("error", json.loads(body))
        self.assertEqual(c.req("GET", "/healthz")[0], 200)
        c.cookie = "0" * 64
        self.assertEqual(c.req("GET", "/overview")[0], 303)

    def test_bearer_token_for_machines(self):
        """the bearer token still opens /api/ without a session"""
        st, _, _ = self.client().req("GET", "/api/info", headers={"Authorization": "Bearer " + TOKEN})
        self.assertEqual(st, 200)

    def test_login_cookie_flags(self):
        """a right password: 303, cookie cchc_session with HttpOnly, SameSite=Strict, Path=/ (no Secure by default)"""
        c = self.client()
        st, h, _ = c.login("xem1")
        self.assertEqual(st, 303, h)
        ck = h["set-cookie"]
        for flag in ("HttpOnly", "SameSite=Strict", "Path=/"):
            self.assertIn(flag, ck)
        self.assertNotIn("Secure", ck)
        st, _, body = c.req("GET", "/overview")
        self.assertEqual(st, 200)
        self.assertIn('data-node="%s"' % XA1, body)  # the default node is the user's unit

    def test_wrong_password_rate_limited(self):
        """five wrong passwords for a login, then even the right one is refused with a Vietnamese message"""
        c = self.client()
        for _ in range(5):
            st, _, body = c.login("khoa", "sai-mat-khau-0")
            self.assertEqual(st, 401)
            self.assertIn("Sai tên đăng nhập hoặc mật khẩu", body)
        st, _, body = c.login("khoa")
        self.assertEqual(st, 429)
        self.assertIn("Đăng nhập sai quá nhiều lần", body)
        self.assertIsNone(c.cookie)

    def test_login_csrf(self):
        """the login form carries a CSRF token bound to a cookie of its own: a POST without it, with
        another's, or without the cookie is 403 (no session, not counted as a failure); the page of a
        signed-out visitor has no dashboard links and no live-update script"""
        good = self.client()
        token = good.login_csrf()
        self.assertRegex(token or "", r"^[0-9a-f]{64}$")
        self.assertIsNotNone(good.login_cookie)
        other = self.client()
        other_token = other.login_csrf()
        self.assertNotEqual(token, other_token)
        for form, jar in (({"login": "xem1", "password": PASSWORD}, good.login_cookie),   # no field
                          ({"login": "xem1", "password": PASSWORD, "csrf": other_token}, good.login_cookie),
                          ({"login": "xem1", "password": PASSWORD, "csrf": token}, None)):  # no cookie
            st, h, body = self.client().req("POST", "/login", form,
                                            headers={"Cookie": "cchc_login=" + jar} if jar else None)
            self.assertEqual(st, 403, body[:300])
            self.assertNotIn("cchc_session", h.get("set-cookie", ""))
            self.assertIn("mã bảo mật", body)
            self.assertIn('name="csrf"', body)  # a fresh form to try again
        st, h, _ = good.req("POST", "/login", {"login": "xem1", "password": PASSWORD, "csrf": token})
        self.assertEqual(st, 303)
        self.assertIn("cchc_session=", h["set-cookie"])
        st, _, body = self.client().req("GET", "/login")
        self.assertNotIn("EventSource", body)
        self.assertNotIn('href="/overview', body.split("<main")[0])

    def test_login_goes_back(self):
        """a page opened without a session sends to /login?next=PAGE; signing in goes back to that page
        with its query; a next that leaves the site (//host, http:, a backslash) or loops to /login goes
        to the overview"""
        import urllib.parse
        c = self.client()
        st, h, _ = c.req("GET", "/completeness?node=%s&period=2025Q3&status=late" % XA1)
        self.assertEqual(st, 303)
        loc = h["location"]
        self.assertTrue(loc.startswith("/login?next="), loc)
        nxt = urllib.parse.parse_qs(urllib.parse.urlparse(loc).query)["next"][0]
        self.assertEqual(nxt, "/completeness?node=%s&period=2025Q3&status=late" % XA1)
        st, _, body = c.req("GET", loc)
        self.assertIn('name="next" value="/completeness?node=%s&amp;period=2025Q3&amp;status=late"' % XA1, body)
        self.assertIn('id="why"', body)  # the page says why the reader is here
        st, h, _ = c.req("POST", "/login", {"login": "xem1", "password": PASSWORD, "csrf": c.login_csrf(),
                                            "next": nxt})
        self.assertEqual((st, h["location"]), (303, nxt))
        # a form posted after the session ended: back to the same unit, dataset and period (values not replayed)
        st, h, _ = self.client().req("POST", "/entry", {"unit": XA1, "dataset": "CCHC_Q", "period": "2025Q3",
                                                        "v_portal_posts": "5", "csrf": "x"})
        self.assertEqual(st, 303)
        nxt = urllib.parse.parse_qs(urllib.parse.urlparse(h["location"]).query)["next"][0]
        self.assertEqual(nxt, "/entry?unit=%s&dataset=CCHC_Q&period=2025Q3" % XA1)
        for bad in ("//evil.example/x", "http://evil.example/", "/\\evil.example", "/login?next=/x", "overview"):
            c = self.client()
            st, h, _ = c.req("POST", "/login", {"login": "xem1", "password": PASSWORD, "csrf": c.login_csrf(),
                                                "next": bad})
            self.assertEqual((st, h["location"]), (303, "/overview"), bad)

    def test_viewer_sees_only_subtree(self):
        """a viewer of one commune: its pages 200, another commune's page and /api/ 403, the city 403"""
        c = self.client()
        c.login("xem1")
        st, _, body = c.req("GET", "/overview?node=%s&period=2025Q4" % XA1)
        self.assertEqual(st, 200)
        crumb = re.search(r'<p class="crumb">(.*?)</p>', body, re.S).group(1)
        self.assertNotIn('node=HP&', crumb)           # the city: its name, not a link the viewer cannot open
        self.assertIn("Thành phố Hải Phòng", crumb)
        self.assertIn('node=%s&' % XA1, crumb)
        self.assertEqual(c.req("GET", "/api/overview?node=%s&period=2025Q4" % XA1)[0], 200)
        self.assertEqual(c.req("GET", "/overview?node=%s&period=2025Q4" % XA2)[0], 403)
        self.assertEqual(c.req("GET", "/api/overview?node=%s&period=2025Q4" % XA2)[0], 403)
        self.assertEqual(c.req("GET", "/api/completeness?node=HP&period=2025Q4")[0], 403)
        self.assertEqual(c.req("GET", "/unit?code=%s&period=2025Q4" % XA2)[0], 403)
        self.assertEqual(c.req("GET", "/report?node=%s&period=2025Q4" % XA2)[0], 403)

    def test_api_units_and_info_filtered(self):
        """/api/units lists the user's subtree only; /api/info is for administrators and machines"""
        c = self.client()
        c.login("xem1")
        st, _, body = c.req("GET", "/api/units")
        self.assertEqual(st, 200)
        codes = [u["code"] for u in json.loads(body)["units"]]
        self.assertIn(XA1, codes)
        self.assertTrue(all(code == XA1 or code.startswith(XA1 + ".") for code in codes), codes)
        self.assertEqual(c.req("GET", "/api/info")[0], 403)
        a = self.client()
        a.login("quantri")
        st, _, body = a.req("GET", "/api/units")
        codes = [u["code"] for u in json.loads(body)["units"]]
        self.assertIn("HP", codes)
        self.assertIn(XA2, codes)
        self.assertEqual(a.req("GET", "/api/info")[0], 200)
        self.assertEqual(a.req("GET", "/api/info", headers={"Authorization": "Bearer " + TOKEN})[0], 200)

    def events(self, cookie):
        sk = socket.create_connection(("127.0.0.1", self.port), 10)
        sk.sendall(("GET /events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nCookie: cchc_session=%s"
                    "\r\n\r\n" % cookie).encode())
        sk.settimeout(10)
        data = b""
        while b"cchc-web events" not in data:
            chunk = sk.recv(4096)
            self.assertTrue(chunk, data)
            data += chunk
        return sk, data

    def read_until(self, sk, data, want, timeout=10):
        t0 = time.time()
        while want not in data and time.time() - t0 < timeout:
            try:
                chunk = sk.recv(4096)
            except socket.timeout:
                break
            if not chunk:
                return data, True
            data += chunk
        return data, False

    def test_events_filtered_and_ended_with_session(self):
        """/events: a viewer gets the events of its own subtree only; its stream ends once it logs out"""
        c = self.client()
        c.login("xem1")
        sk, data = self.events(c.cookie)
        other = self.s.submit(XA2, harness.report(), period="2025Q4")
        self.assertEqual(other["type"], "ACK", other)
        own = self.s.submit(XA1, harness.report(), period="2025Q4")
        self.assertEqual(own["type"], "ACK", own)
        data, _ = self.read_until(sk, data, ('"unit":"%s"' % XA1).encode())
        self.assertIn(('"unit":"%s"' % XA1).encode(), data)
        self.assertNotIn(XA2.encode(), data)  # applied before XA1's, never sent to this reader
        st, _, _ = c.req("POST", "/logout", {"csrf": c.csrf()})
        self.assertEqual(st, 303)
        again = self.s.submit(XA1, harness.report(PORTAL_POSTS=99), period="2025Q4")
        self.assertEqual(again["type"], "ACK", again)
        data, closed = self.read_until(sk, data, b"\r\n0\r\n\r\n")
        sk.close()
        self.assertTrue(closed or data.endswith(b"0\r\n\r\n"), data[-200:])
        self.assertEqual(data.count(('"unit":"%s"' % XA1).encode()), 1)  # the event after logout never came

    def test_post_only_to_forms(self):
        """a POST to a page that takes no form is 405, even with the CSRF token"""
        c = self.client()
        c.login("quantri")
        self.assertEqual(c.req("POST", "/overview", {"csrf": c.csrf()})[0], 405)

    def test_admin_sees_all(self):
        """an admin sees the city and every commune"""
        c = self.client()
        c.login("quantri")
        self.assertEqual(c.req("GET", "/overview?node=HP&period=2025Q4")[0], 200)
        self.assertEqual(c.req("GET", "/api/overview?node=%s&period=2025Q4" % XA2)[0], 200)

    def test_reporter_sees_own_unit(self):
        """a reporter sees its own unit only"""
        c = self.client()
        c.login("nhap1")
        self.assertEqual(c.req("GET", "/overview?node=%s&period=2025Q4" % XA1)[0], 200)
        self.assertEqual(c.req("GET", "/overview?node=HP&period=2025Q4")[0], 403)

    def test_csrf_and_logout(self):
        """POST /logout without or with a wrong CSRF token is 403; with it, the session ends; all audited"""
        c = self.client()
        st, _, _ = c.login("nhap1")
        self.assertEqual(st, 303)
        self.assertEqual(c.req("POST", "/logout", {})[0], 403)
        self.assertEqual(c.req("POST", "/logout", {"csrf": "0" * 64})[0], 403)
        token = c.csrf()
        self.assertTrue(token)
        st, h, _ = c.req("POST", "/logout", {"csrf": token})
        self.assertEqual(st, 303)
        self.assertIn("Max-Age=0", h["set-cookie"])
        self.assertEqual(c.req("GET", "/overview")[0], 303)  # the old cookie opens nothing
        out = subprocess.run([os.path.join(BIN, "cchc"), "user", "audit", "--format", "json", "--config",
                              self.s.config], capture_output=True, text=True, check=True, timeout=30).stdout
        actions = {(e["login"], e["action"]) for e in json.loads(out)}
        self.assertIn(("nhap1", "login"), actions)
        self.assertIn(("nhap1", "logout"), actions)


if __name__ == "__main__":
    harness.main()
