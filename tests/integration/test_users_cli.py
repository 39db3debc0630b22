"""Integration tests of `cchc user`: the web's accounts, managed from the CLI.

Each test has its own configuration in a fresh temporary directory ([web]
users_dir there, [catalog] dir the shipped catalog) and runs build/bin/cchc
as an operator would: the password on standard input (or typed on a
terminal, through a pseudo-terminal), the messages in Vietnamese by default
and in English with --lang en / LANG=en_US.UTF-8.  No service is needed.
"""
import json
import os
import pty
import pwd
import select
import shutil
import signal
import stat
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_cli import cli, said  # noqa: E402

PW_ADMIN = "mật khẩu quản trị 2025"
PW_A = "mật khẩu của A 123"
PW_NEW = "một mật khẩu mới 456"
UNIT = "HP.XA.VIET_KHE"
NAME_A = "Nguyễn Văn A"
OPERATOR = "cli:" + pwd.getpwuid(os.geteuid()).pw_name


class UserCase(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="cchc-users-")
        self.store = os.path.join(self.dir, "web")
        self.config = os.path.join(self.dir, "cchc.ini")
        with open(self.config, "w", encoding="utf-8") as f:
            f.write("[catalog]\ndir = %s\n[web]\nusers_dir = %s\n" % (harness.CATALOG, self.store))

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def user(self, *args, password=None, lang="vi"):
        """cchc user ARGS --config ..., with `password` as a line on stdin."""
        stdin = None if password is None else (password + "\n").encode()
        return cli("user", *args, "--config", self.config, lang=lang, stdin=stdin)

    def ok(self, *args, **kw):
        p = self.user(*args, **kw)
        self.assertEqual(p.returncode, 0, said(p))
        return p

    def add_admin(self):
        return self.ok("add", "admin", "--name", "Quản trị viên", "--role", "admin", password=PW_ADMIN)

    def add_a(self, lang="vi"):
        return self.ok("add", "NguyenVanA", "--name", NAME_A, "--unit", UNIT, "--role", "reporter,approver",
                       password=PW_A, lang=lang)

    def listed(self):
        return {u["login"]: u for u in json.loads(self.ok("list", "--format", "json").stdout)}

    def audit(self, *extra):
        return json.loads(self.ok("audit", "--format", "json", *extra).stdout)


class TestUsers(UserCase):
    def test_first_admin(self):
        """user-cli-1.1 the first admin from an empty store, password on stdin; listed; audited"""
        p = self.user("list")
        self.assertEqual(p.returncode, 0, said(p))
        self.assertIn("chưa có người dùng nào", p.stderr)  # with the way to make the first admin
        self.assertIn("--role admin", p.stderr)
        p = self.add_admin()
        self.assertEqual(p.stdout, "Đã thêm người dùng admin (Quản trị viên), vai trò admin, đơn vị —\n")
        u = self.listed()["admin"]
        self.assertEqual((u["name"], u["unit"], u["roles"], u["enabled"]), ("Quản trị viên", "", ["admin"], True))
        (e,) = self.audit()
        self.assertEqual((e["seq"], e["login"], e["source"], e["action"], e["detail"]),
                         (1, OPERATOR, "cli", "user_add", "admin roles=admin unit="))

    def test_add_reporter_vi_en(self):
        """user-cli-1.2 a reporter and approver of a commune, Vietnamese name kept exactly; table, CSV, JSON"""
        p = self.add_a(lang="en")
        self.assertEqual(p.stdout, "added user nguyenvana (%s), roles reporter,approver, unit %s\n" % (NAME_A, UNIT))
        u = self.listed()["nguyenvana"]  # the login is folded to lower case
        self.assertEqual((u["name"], u["unit"], u["roles"]), (NAME_A, UNIT, ["reporter", "approver"]))
        self.assertRegex(u["created"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$")
        table = self.ok("list").stdout.splitlines()
        self.assertEqual(table[0].split(), ["tên", "đăng", "nhập", "họ", "tên", "đơn", "vị", "vai", "trò",
                                            "trạng", "thái", "thay", "đổi", "lúc"])
        self.assertIn(NAME_A, table[2])
        self.assertIn("hoạt động", table[2])
        table = self.ok("list", lang="en").stdout.splitlines()
        self.assertEqual(table[0].split(), ["login", "name", "unit", "roles", "state", "changed"])
        self.assertIn("enabled", table[2])
        csv = self.ok("list", "--format", "csv", "--lang", "en").stdout.splitlines()
        self.assertTrue(csv[1].startswith('"nguyenvana","%s","%s","reporter,approver","enabled"' % (NAME_A, UNIT)))

    def test_refusals(self):
        """user-cli-1.3 refused, naming why, in vi and en: unknown unit, no unit, bad role, duplicate, weak or no password, bad login"""
        self.add_a()
        before = self.audit()
        cases = [
            (["add", "b", "--name", "B", "--unit", "HP.XA.KHONG_CO", "--role", "reporter"], PW_A, 1,
             "đơn vị HP.XA.KHONG_CO không có trong danh mục", "unit HP.XA.KHONG_CO is not in the catalog"),
            (["add", "b", "--name", "B", "--role", "reporter"], PW_A, 2,
             "vai trò reporter cần --unit", "the role reporter needs --unit"),
            (["add", "b", "--name", "B", "--unit", UNIT, "--role", "boss"], PW_A, 2,
             "vai trò 'boss' không hợp lệ", "'boss' is not a list of roles"),
            (["add", "b", "--unit", UNIT, "--role", "reporter"], PW_A, 2, "thiếu --name", "missing --name"),
            (["add", "b", "--name", "B\x01", "--unit", UNIT, "--role", "reporter"], PW_A, 2,
             "họ tên phải là văn bản UTF-8", "the name must be UTF-8 text"),
            # asked before any password: nobody types one for nothing
            (["add", "nguyenvana", "--name", "B", "--unit", UNIT, "--role", "viewer"], None, 1,
             "đã có người dùng nguyenvana", "user nguyenvana exists already"),
            (["add", "b", "--name", "B", "--unit", UNIT, "--role", "reporter"], "ngắn quá", 1,
             "mật khẩu quá ngắn: cần ít nhất 10 ký tự", "the password is too short: it needs at least 10 characters"),
            (["add", "b", "--name", "B", "--unit", UNIT, "--role", "reporter"], None, 1,
             "không có mật khẩu ở đầu vào chuẩn", "no password on standard input"),
            (["add", "Nguyễn", "--name", "B", "--unit", UNIT, "--role", "reporter"], PW_A, 2,
             "'Nguyễn' không phải là tên đăng nhập", "'Nguyễn' is not a login"),
            (["add", "x" * 65, "--name", "B", "--unit", UNIT, "--role", "reporter"], PW_A, 2,
             "không phải là tên đăng nhập", "is not a login"),
            (["passwd", "nobody"], PW_NEW, 1, "không có người dùng nobody", "there is no user nobody"),
            (["disable", "nobody"], None, 1, "không có người dùng nobody", "there is no user nobody"),
            (["passwd", "nguyenvana"], "x" * 2000, 1, "mật khẩu quá dài", "the password is too long"),
        ]
        for args, pw, rc, vi, en in cases:
            for lang, text in (("vi", vi), ("en", en)):
                with self.subTest(args=args[:2], lang=lang):
                    p = self.user(*args, password=pw, lang=lang)
                    self.assertEqual(p.returncode, rc, said(p))
                    self.assertIn(text, p.stderr)
                    self.assertEqual(p.stdout, "")
        self.assertEqual(list(self.listed()), ["nguyenvana"])
        self.assertEqual(self.audit(), before)  # nothing was changed, so nothing was audited

    def test_disable_enable_passwd_roles(self):
        """user-cli-1.4 disable, enable, passwd and roles change the account and are audited, newest first"""
        self.add_admin()
        self.add_a()
        p = self.ok("disable", "NguyenVanA")
        self.assertEqual(p.stdout, "Đã khóa tài khoản nguyenvana; các phiên đăng nhập của người này bị từ chối ngay\n")
        self.assertFalse(self.listed()["nguyenvana"]["enabled"])
        self.assertIn("đã khóa", self.ok("list").stdout)
        p = self.ok("enable", "nguyenvana", lang="en")
        self.assertEqual(p.stdout, "enabled nguyenvana\n")
        self.assertTrue(self.listed()["nguyenvana"]["enabled"])
        before = self.listed()["nguyenvana"]["password_changed"]
        p = self.ok("passwd", "nguyenvana", password=PW_NEW)
        self.assertIn("Đã đổi mật khẩu của nguyenvana", p.stdout)
        self.assertGreaterEqual(self.listed()["nguyenvana"]["password_changed"], before)
        p = self.ok("roles", "nguyenvana", "--role", "viewer", "--unit", "HP", lang="en")
        self.assertEqual(p.stdout, "nguyenvana now has roles viewer, unit HP\n")
        self.assertEqual(self.listed()["nguyenvana"]["roles"], ["viewer"])
        events = self.audit()
        self.assertEqual([e["action"] for e in events],
                         ["user_roles", "password", "user_enable", "user_disable", "user_add", "user_add"])
        self.assertEqual([e["seq"] for e in events], [6, 5, 4, 3, 2, 1])
        self.assertTrue(all(e["login"] == OPERATOR and e["source"] == "cli" for e in events))
        self.assertEqual(events[0]["detail"],
                         "nguyenvana roles=viewer unit=HP (was roles=reporter,approver unit=%s)" % UNIT)
        self.assertEqual([e["seq"] for e in self.audit("--limit", "2")], [6, 5])
        table = self.ok("audit", "--limit", "3", lang="en").stdout.splitlines()
        self.assertEqual(table[0].split(), ["seq", "time", "login", "source", "action", "unit", "detail"])
        self.assertEqual(len(table), 2 + 3)
        self.assertIn("thao tác", self.ok("audit").stdout.splitlines()[0])

    def test_password_never_shown_or_stored(self):
        """user-cli-1.5 the password is in no output, not in the store (argon2id only), not in the audit; the store is 0600"""
        outputs = [self.add_a(), self.ok("passwd", "nguyenvana", password=PW_NEW), self.ok("list"),
                   self.ok("audit", "--format", "json")]
        for p in outputs:
            for pw in (PW_A, PW_NEW):
                self.assertNotIn(pw, p.stdout + p.stderr)
        data = open(os.path.join(self.store, "data.mdb"), "rb").read()
        self.assertIn(b"$argon2id$v=19$m=65536,t=3,p=1$", data)
        for pw in (PW_A, PW_NEW):
            self.assertNotIn(pw.encode(), data)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.store, "data.mdb")).st_mode), 0o600)

    def terminal(self, args, answers):
        """Runs cchc with a pseudo-terminal as stdin/stdout/stderr, answering
        each prompt (a line ending in ':') with the next of `answers`.
        Returns (exit status, everything the terminal showed)."""
        pid, fd = pty.fork()
        if pid == 0:
            env = dict(os.environ, LANG="vi_VN.UTF-8")
            os.execve(os.path.join(harness.BIN, "cchc"), ["cchc", "user"] + args + ["--config", self.config], env)
        shown = b""

        def more():
            # a prompt that never comes fails the test instead of hanging the suite
            if not select.select([fd], [], [], 30)[0]:
                os.kill(pid, signal.SIGKILL)
                raise AssertionError("no prompt within 30 s; the terminal showed: %r" % shown)
            return os.read(fd, 1024)

        try:
            for a in answers:
                while not shown.rstrip().endswith(b":"):
                    shown += more()
                os.write(fd, a.encode() + b"\n")
                shown += b"|"
            while True:
                chunk = more()
                if not chunk:
                    break
                shown += chunk
        except OSError:  # the child closed the terminal
            pass
        finally:
            os.close(fd)
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status), shown.decode()

    def test_terminal_prompts_twice_without_echo(self):
        """user-cli-1.6 on a terminal the password is asked twice, not echoed; two different ones change nothing"""
        rc, shown = self.terminal(["add", "admin", "--name", "Quản trị", "--role", "admin"], [PW_ADMIN, PW_ADMIN])
        self.assertEqual(rc, 0, shown)
        self.assertIn("Mật khẩu mới của admin:", shown)
        self.assertIn("Nhập lại mật khẩu:", shown)
        self.assertIn("Đã thêm người dùng admin", shown)
        self.assertNotIn(PW_ADMIN, shown)
        rc, shown = self.terminal(["passwd", "admin"], [PW_NEW, PW_NEW + "x"])
        self.assertEqual(rc, 1, shown)
        self.assertIn("hai lần nhập mật khẩu không giống nhau", shown)
        self.assertEqual([e["action"] for e in self.audit()], ["user_add"])

    def test_audit_by_unit(self):
        """user-cli-1.7 audit --unit shows the events of a unit's subtree; an unknown unit is refused"""
        self.add_admin()
        self.add_a()
        self.ok("add", "vp", "--name", "Văn phòng", "--unit", UNIT + ".VP", "--role", "reporter", password=PW_A)
        self.ok("add", "yte", "--name", "Sở Y tế", "--unit", "HP.SO.Y_TE", "--role", "viewer", password=PW_A)
        self.assertEqual([e["detail"].split()[0] for e in self.audit("--unit", UNIT)], ["vp", "nguyenvana"])
        self.assertEqual(len(self.audit("--unit", "HP")), 3)  # the admin has no unit
        p = self.user("audit", "--unit", "HP.KHONG_CO", lang="en")
        self.assertEqual(p.returncode, 1, said(p))
        self.assertIn("unit HP.KHONG_CO is not in the catalog", p.stderr)

    def test_usage(self):
        """user-cli-1.8 usage: an option of another action, a missing LOGIN, an unknown action, --help in vi and en"""
        for args, text in ((["list", "--name", "x"], "unknown option: --name"),
                           (["add"], "missing LOGIN"),
                           (["frob"], "unknown action 'frob'"),
                           (["audit", "--limit", "0"], "--limit takes a positive whole number"),
                           (["list", "--format", "xml"], "format 'xml' is not one of")):
            with self.subTest(args=args):
                p = self.user(*args, lang="en")
                self.assertEqual(p.returncode, 2, said(p))
                self.assertIn(text, p.stderr)
        self.assertIn("reporter (nhập và gửi báo cáo của đơn vị)", self.ok("--help").stdout)
        self.assertIn("at least 10 characters", self.ok("add", "--help", lang="en").stdout)
        self.assertIn("cchc user add|passwd", cli("help", lang="en").stdout)


if __name__ == "__main__":
    harness.main()
