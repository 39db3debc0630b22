"""cchc-web's Excel round trip (issue 12): a reporter downloads the template
of its commune (/entry/template.xlsx: one row per unit it reports for,
pre-filled with the latest values), fills it with openpyxl, uploads it
(/entry/upload, multipart/form-data); every row becomes a SUBMIT through the
web's gateway key (entered_by: the user) to the real collector (CURVE), and
the aggregator stores exactly the sheet's values.  A broken file shows every
problem as Sheet!Cell and stores nothing (the journal's head does not move);
a viewer, another unit, a POST without the CSRF token and an oversized body
are refused.  The same template saved as CSV UTF-8 (written here with
Python's csv module from the cells openpyxl reads, ';' or ',', with or
without a BOM) is accepted as the XLSX is: stored exactly, a re-upload is a
duplicate, a broken one stores nothing and names its cells as Sheet!Cell;
a CSV in another encoding is refused with a sentence saying "CSV UTF-8"."""
import csv
import io
import json
import os
import re
import subprocess
import sys
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Stack, free_port, BIN  # noqa: E402
from test_web_accounts import Client, add_user  # noqa: E402
from test_excel import INDICATORS, TAG_LABELS, values_for  # noqa: E402

import http.client  # noqa: E402
import openpyxl  # noqa: E402

NOW = "2025-09-05T09:00:00+07:00"
DS, PERIOD = "CCHC_Q", "2025Q3"
XA = "HP.XA.VIET_KHE"
XA_SUBS = ["HP.XA.VIET_KHE.VHXH", "HP.XA.VIET_KHE.VP", "HP.XA.VIET_KHE.KINH_TE", "HP.XA.VIET_KHE.MTTQ"]


def labels(code, text):
    """What the template pre-fills for a value typed as `text`: tags as the web form's labels."""
    if INDICATORS[code]["kind"] != "tags":
        return text
    return "; ".join(TAG_LABELS[t] for t in text.split("; "))


class Browser(Client):
    def get_bytes(self, path):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        c.request("GET", path, headers={"Cookie": "cchc_session=" + self.cookie})
        r = c.getresponse()
        data = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        c.close()
        return r.status, hdrs, data

    def upload(self, data, csrf, name="bao-cao.xlsx"):
        """POST /entry/upload as a browser's form would: csrf, then the file."""
        b = "----cchc" + uuid.uuid4().hex
        parts = []
        if csrf is not None:
            parts.append(('--%s\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n%s\r\n' % (b, csrf)).encode())
        parts.append(('--%s\r\nContent-Disposition: form-data; name="file"; filename="%s"\r\n'
                      'Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n'
                      % (b, name)).encode("utf-8") + data + b"\r\n")
        body = b"".join(parts) + ("--%s--\r\n" % b).encode()
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.request("POST", "/entry/upload", body=body, headers={"Cookie": "cchc_session=" + self.cookie,
                                                                "Content-Type": "multipart/form-data; boundary=" + b})
        r = c.getresponse()
        text = r.read().decode("utf-8", "replace")
        c.close()
        return r.status, text


class WebExcelTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Stack(now=NOW)
        cls.s.keygen("HP", gateway=True)
        cls.s.start_collector(now=NOW)
        cls.s.start_aggregator(now=NOW)
        cls.port = free_port()
        cls.s.write_config({"web": {"listen": "127.0.0.1:%d" % cls.port, "accounts": "yes",
                                    "users_dir": os.path.join(cls.s.dir, "web"),
                                    "gateway_key": os.path.join(cls.s.keys, "HP.gateway.key"),
                                    "submit_timeout_ms": "1500", "submit_retries": "1",
                                    "query_timeout_ms": "1000"}})
        add_user(cls.s, "nhapxa", "reporter", XA)
        add_user(cls.s, "xemxa", "viewer", XA)
        add_user(cls.s, "quantri", "admin")
        cls.s.start("web", wait_port=cls.port, now=NOW)

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def browser(self, who="nhapxa"):
        c = Browser(self.port)
        st, _, _ = c.login(who)
        self.assertEqual(st, 303)
        return c

    def head(self):
        recs = self.s.fetch_journal()
        return recs[-1]["seq"] if recs else 0

    def template(self, c):
        st, h, data = c.get_bytes("/entry/template.xlsx?unit=%s&dataset=%s&period=%s" % (XA, DS, PERIOD))
        self.assertEqual(st, 200, data[:500])
        self.assertEqual(h["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        self.assertIn("bao-cao-%s-%s-%s.xlsx" % (XA, DS, PERIOD), h["content-disposition"])
        return openpyxl.load_workbook(io.BytesIO(data))

    @staticmethod
    def codes(ws):
        return {c.value: c.column_letter for c in ws[3] if c.value and c.column > 2}

    def fill(self, ws, row, vals):
        cols = self.codes(ws)
        for code, (text, _) in vals.items():
            ws["%s%d" % (cols[code], row)] = text

    @staticmethod
    def save(wb):
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    def test_1_template_and_rights(self):
        """the reporter's template has its commune's five rows; a viewer and another unit get 403"""
        c = self.browser()
        ws = self.template(c)["Báo cáo"]
        self.assertEqual([ws["A%d" % r].value for r in range(5, 10)], [XA] + XA_SUBS)
        self.assertEqual(ws["A2"].value, "Kỳ báo cáo: Quý 3/2025 — Đơn vị: Xã Việt Khê")
        st, _, body = c.req("GET", "/entry/upload")
        self.assertEqual(st, 200)
        self.assertIn('enctype="multipart/form-data"', body)
        # the template form: the commune's datasets by name, the periods in words, the page's default selected
        form = re.search(r'<form class="f" method="get" action="/entry/template.xlsx" id="template">(.*?)</form>', body)
        self.assertTrue(form, body)
        form = form.group(1)
        self.assertIn('<input type="hidden" name="unit" value="%s">' % XA, form)
        self.assertIn('<option value="CCHC_Q">Báo cáo kết quả tuyên truyền cải cách hành chính hàng quý</option>', form)
        self.assertIn('<select name="period_quarter"><option value="2025Q3" selected>Quý 3/2025</option>', form)
        self.assertIn('<option value="2025S2" selected>6 tháng cuối năm 2025</option>', form)
        # what the form asks: another dataset, its period named by its type
        st, h, data = c.get_bytes("/entry/template.xlsx?unit=%s&dataset=CCHC_S&period_quarter=2025Q3"
                                  "&period_half=2025S2&period_year=2025" % XA)
        self.assertEqual(st, 200, data[:300])
        self.assertIn("bao-cao-%s-CCHC_S-2025S2.xlsx" % XA, h["content-disposition"])
        self.assertIn("6 tháng cuối năm 2025", openpyxl.load_workbook(io.BytesIO(data))["Báo cáo"]["A2"].value)
        st, _, _ = c.req("GET", "/entry/template.xlsx?unit=HP.SO.Y_TE&dataset=CCHC_Q&period=2025Q3")
        self.assertEqual(st, 403)
        for who in ("xemxa", "quantri"):  # a viewer and an admin enter nothing, as on /entry
            v = self.browser(who)
            for path in ("/entry/upload", "/entry/template.xlsx?unit=%s" % XA, "/entry"):
                st, _, _ = v.req("GET", path)
                self.assertEqual(st, 403, (who, path))
        # no template for a period the form would refuse: not begun, or before the unit existed
        for period in ("2025Q4", "2019Q1"):
            st, _, body = c.req("GET", "/entry/template.xlsx?unit=%s&dataset=%s&period=%s" % (XA, DS, period))
            self.assertEqual(st, 400, period)
            self.assertIn("Không nhập được báo cáo cho kỳ này", body)

    def test_2_upload_stores_every_row(self):
        """a filled template uploaded: one SUBMIT per filled row (entered_by the user), stored exactly, pre-filled next time"""
        c = self.browser()
        wb = self.template(c)
        ws = wb["Báo cáo"]
        filled = {XA: values_for(4), XA_SUBS[1]: values_for(9), XA_SUBS[3]: values_for(14)}
        for row in range(5, 10):
            if ws["A%d" % row].value in filled:
                self.fill(ws, row, filled[ws["A%d" % row].value])
        before = self.head()
        st, body = c.upload(self.save(wb), c.csrf("/entry/upload"))
        self.assertEqual(st, 200, body)
        outcomes = re.findall(r'<tr data-unit="([\w.]+)">.*?data-outcome="(\w+)" data-version="(\d+)"', body)
        self.assertEqual(sorted(u for u, o, _ in outcomes if o == "accepted"), sorted(filled))
        self.assertIn("3/3 báo cáo được tiếp nhận", body)
        recs = self.s.fetch_journal(after=before)
        self.assertEqual(len(recs), 3)
        self.assertEqual({r.get("entered_by") for r in recs}, {"nhapxa"})
        out = subprocess.run([os.path.join(BIN, "cchc"), "user", "audit", "--format", "json", "--config",
                              self.s.config], capture_output=True, text=True, check=True, timeout=30).stdout
        sent = [e for e in json.loads(out) if e["login"] == "nhapxa" and e["action"] == "submit"
                and "via=upload" in e.get("detail", "")]
        self.assertEqual(sorted(e["unit"] for e in sent), sorted(filled))  # every submission audited
        self.s.wait_applied(self.head())
        for unit, vals in filled.items():
            r = self.s.query("values", node=unit, dataset=DS, period=PERIOD)
            self.assertEqual(r["data"]["values"], {k: v for k, (_, v) in vals.items()}, unit)
        ws2 = self.template(c)["Báo cáo"]
        cols = self.codes(ws2)
        for code, (text, _) in filled[XA_SUBS[3]].items():
            self.assertEqual(ws2["%s9" % cols[code]].value, labels(code, text), code)
        # The same file again: unchanged from version 1, not sent, nothing new in the journal.
        head = self.head()
        st, body = c.upload(self.save(wb), c.csrf("/entry/upload"))
        self.assertEqual(st, 200, body)
        self.assertEqual(body.count('data-outcome="unchanged" data-version="1">Không thay đổi so với phiên bản 1'), 3)
        self.assertIn("3 báo cáo không thay đổi so với phiên bản mới nhất nên không gửi", body)
        self.assertEqual(self.head(), head)

    def test_3_broken_file_stores_nothing(self):
        """text in a number cell, a changed header, a foreign unit: each shown as Sheet!Cell, nothing stored"""
        c = self.browser()
        wb = self.template(c)
        ws = wb["Báo cáo"]
        self.fill(ws, 5, values_for(1))
        self.fill(ws, 6, values_for(2))
        cols = self.codes(ws)
        ws["%s6" % cols["WEBSITE_POSTS"]] = "mười"
        ws["%s4" % cols["RADIO_ITEMS"]] = "Đài"
        ws["A6"] = "HP.SO.Y_TE"
        before = self.head()
        st, body = c.upload(self.save(wb), c.csrf("/entry/upload"))
        self.assertEqual(st, 422, body)
        self.assertIn("Tệp có 3 lỗi; không báo cáo nào được gửi", body)
        self.assertIn("Báo cáo!D6: &quot;mười&quot; không phải là số nguyên", body)
        self.assertIn("Báo cáo!G4: tiêu đề cột đã bị sửa", body)
        self.assertIn("Báo cáo!A6: bạn không được nộp báo cáo thay cho đơn vị HP.SO.Y_TE", body)
        self.assertEqual(self.head(), before)
        st, body = c.upload(b"indicator,value\nPORTAL_POSTS,1\n", c.csrf("/entry/upload"), name="bao-cao.csv")
        self.assertEqual(st, 422, body)
        self.assertIn("bao-cao.csv: tệp là CSV một báo cáo (cột indicator, value) của lệnh cchc submit", body)
        self.assertEqual(self.head(), before)

    def test_4_refusals(self):
        """no CSRF token: 403; a body over the upload limit: 413; nothing stored"""
        c = self.browser()
        wb = self.template(c)
        self.fill(wb["Báo cáo"], 5, values_for(3))
        before = self.head()
        st, _ = c.upload(self.save(wb), None)
        self.assertEqual(st, 403)
        st, _ = c.upload(b"PK\x03\x04" + b"\0" * (9 << 20), c.csrf("/entry/upload"))
        self.assertEqual(st, 413)
        self.assertEqual(self.head(), before)

    @staticmethod
    def as_csv(ws, delimiter=",", encoding="utf-8"):
        """The sheet as "Save as CSV" writes it: every row, every cell as text, CRLF."""
        out = io.StringIO()
        w = csv.writer(out, delimiter=delimiter)
        for row in ws.iter_rows(values_only=True):
            w.writerow(["" if v is None else v for v in row])
        return out.getvalue().encode(encoding)

    def csv_template(self, c, filled):
        """The commune's template with only the rows of `filled` holding values (pre-filled ones emptied)."""
        wb = self.template(c)
        ws = wb["Báo cáo"]
        for row in range(5, 10):
            for cell in ws[row][2:]:
                cell.value = None
            if ws["A%d" % row].value in filled:
                self.fill(ws, row, filled[ws["A%d" % row].value])
        return ws

    def test_5_csv_upload(self):
        """the template saved as CSV UTF-8: stored exactly; again (';', BOM): unchanged; broken or not UTF-8: nothing stored"""
        c = self.browser()
        st, _, body = c.req("GET", "/entry/upload")
        self.assertEqual(st, 200)
        self.assertIn('accept=".xlsx,.csv"', body)
        self.assertIn("CSV UTF-8", body)
        filled = {XA_SUBS[0]: values_for(31), XA_SUBS[2]: values_for(37)}
        ws = self.csv_template(c, filled)
        before = self.head()
        st, body = c.upload(self.as_csv(ws), c.csrf("/entry/upload"), name="bao-cao.csv")
        self.assertEqual(st, 200, body)
        outcomes = re.findall(r'<tr data-unit="([\w.]+)">.*?data-outcome="(\w+)" data-version="(\d+)"', body)
        self.assertEqual(sorted(u for u, o, _ in outcomes if o == "accepted"), sorted(filled))
        self.assertIn("2/2 báo cáo được tiếp nhận", body)
        recs = self.s.fetch_journal(after=before)
        self.assertEqual(len(recs), 2)
        self.assertEqual({r.get("entered_by") for r in recs}, {"nhapxa"})
        self.s.wait_applied(self.head())
        for unit, vals in filled.items():
            r = self.s.query("values", node=unit, dataset=DS, period=PERIOD)
            self.assertEqual(r["data"]["values"], {k: v for k, (_, v) in vals.items()}, unit)
        # The same content again, as Excel in a Vietnamese locale saves it: unchanged, no new version.
        head = self.head()
        st, body = c.upload(self.as_csv(ws, ";", "utf-8-sig"), c.csrf("/entry/upload"), name="bao-cao.csv")
        self.assertEqual(st, 200, body)
        self.assertEqual(body.count('data-outcome="unchanged"'), 2, body)
        self.assertEqual(self.head(), head)
        # A broken CSV: every problem at its cell, nothing stored.
        cols = self.codes(ws)
        ws["%s6" % cols["WEBSITE_POSTS"]] = "mười"
        ws["%s8" % cols["PORTAL_POSTS"]] = "1.234"
        st, body = c.upload(self.as_csv(ws, ";"), c.csrf("/entry/upload"), name="bao-cao.csv")
        self.assertEqual(st, 422, body)
        self.assertIn("Tệp có 2 lỗi; không báo cáo nào được gửi", body)
        self.assertIn("Báo cáo!D6: &quot;mười&quot; không phải là số nguyên", body)
        self.assertIn("Báo cáo!C8: &quot;1.234&quot;: hãy viết số không có dấu phân cách hàng nghìn", body)
        self.assertEqual(self.head(), head)
        # Saved in Windows-1258 ("CSV" in an old Excel): refused, saying how to save it.
        ws["%s6" % cols["WEBSITE_POSTS"]] = 3
        ws["%s8" % cols["PORTAL_POSTS"]] = 3
        data = self.as_csv(ws).decode("utf-8").encode("cp1258", "replace")
        st, body = c.upload(data, c.csrf("/entry/upload"), name="bao-cao.csv")
        self.assertEqual(st, 422, body)
        self.assertIn("tệp CSV không ở bảng mã UTF-8", body)
        self.assertIn("CSV UTF-8", body)
        st, body = c.upload(self.as_csv(ws, "\t", "utf-16"), c.csrf("/entry/upload"), name="bao-cao.txt")
        self.assertEqual(st, 422, body)
        self.assertIn("tệp là văn bản UTF-16", body)
        self.assertEqual(self.head(), head)


    def rows(self, body):
        return re.findall(r'<tr data-unit="([\w.]+)">.*?data-outcome="(\w+)"(?: data-version="(\d+)")?', body)

    def latest(self, unit):
        return self.s.query("values", node=unit, dataset=DS, period=PERIOD)["data"]

    def test_6_one_cell_changed(self):
        """the pre-filled template with ONE cell changed: only that unit is sent (version named in its id), the others unchanged"""
        c = self.browser()
        self.s.wait_applied(self.head())
        before = {u: self.latest(u)["version"] for u in [XA] + XA_SUBS}
        wb = self.template(c)
        ws = wb["Báo cáo"]
        cols = self.codes(ws)
        ws["%s5" % cols["WEBSITE_POSTS"]] = ws["%s5" % cols["WEBSITE_POSTS"]].value + 100
        head = self.head()
        st, body = c.upload(self.save(wb), c.csrf("/entry/upload"))
        self.assertEqual(st, 200, body)
        rows = {u: (o, v) for u, o, v in self.rows(body)}
        self.assertEqual(rows[XA], ("accepted", str(before[XA] + 1)), body)
        for u in XA_SUBS:
            self.assertEqual(rows[u], ("unchanged", str(before[u])), u)
            self.assertIn("Không thay đổi so với phiên bản %d" % before[u], body)
        self.assertIn("1/1 báo cáo được tiếp nhận. 4 báo cáo không thay đổi", body)
        self.assertIn("Xã Việt Khê <small class=\"code\">%s</small>" % XA, body)  # units by name, code beside
        recs = self.s.fetch_journal(after=head)
        self.assertEqual([r["unit"] for r in recs], [XA])
        self.assertIn(".%s.r%d.x" % (PERIOD, before[XA]), recs[0]["id"])
        self.assertLessEqual(len(recs[0]["id"]), 64)
        self.s.wait_applied(self.head())
        for u in XA_SUBS:
            self.assertEqual(self.latest(u)["version"], before[u], u)

    def test_7_revert(self):
        """a file with a yes/no answer, then one with the other, then the first again: a new version, the first's values"""
        c = self.browser()
        unit, row = XA_SUBS[1], 7
        code = next(k for k in self.codes(self.template(c)["Báo cáo"]) if INDICATORS[k]["kind"] == "bool")
        files, versions = [], []
        for answer in ("Không", "Có"):
            self.s.wait_applied(self.head())
            wb = self.template(c)
            ws = wb["Báo cáo"]
            self.assertEqual(ws["A%d" % row].value, unit)
            ws["%s%d" % (self.codes(ws)[code], row)] = answer
            files.append(self.save(wb))
            st, body = c.upload(files[-1], c.csrf("/entry/upload"))
            self.assertEqual(st, 200, body)
            versions.append(int(dict((u, v) for u, o, v in self.rows(body) if o == "accepted").get(unit, 0)))
        self.assertTrue(versions[0] >= 1 and versions[1] == versions[0] + 1, versions)
        self.s.wait_applied(self.head())
        self.assertEqual(self.latest(unit)["values"][code], True)
        # the first file again: a correction back, not "already received"
        st, body = c.upload(files[0], c.csrf("/entry/upload"))
        self.assertEqual(st, 200, body)
        rows = {u: (o, v) for u, o, v in self.rows(body)}
        self.assertEqual(rows[unit], ("accepted", str(versions[1] + 1)), body)
        self.assertNotIn("Đã tiếp nhận trước đó", body)
        self.s.wait_applied(self.head())
        self.assertEqual(self.latest(unit)["version"], versions[1] + 1)
        self.assertEqual(self.latest(unit)["values"][code], False)

    def test_8_labels_and_messages(self):
        """tags typed as labels are stored as codes; the template pre-fills labels; a formula, an empty required cell and a cut file said in Vietnamese"""
        c = self.browser()
        self.s.wait_applied(self.head())
        wb = self.template(c)
        ws = wb["Báo cáo"]
        cols = self.codes(ws)
        ws["%s5" % cols["OTHER_FORMS"]] = "Mạng xã hội; Trực quan"
        st, body = c.upload(self.save(wb), c.csrf("/entry/upload"))
        self.assertEqual(st, 200, body)
        self.assertIn("1/1 báo cáo được tiếp nhận", body)
        self.s.wait_applied(self.head())
        self.assertEqual(self.latest(XA)["values"]["OTHER_FORMS"], ["mang_xa_hoi", "truc_quan"])
        wb = self.template(c)
        self.assertEqual(wb["Báo cáo"]["%s5" % cols["OTHER_FORMS"]].value, "Mạng xã hội; Tuyên truyền trực quan")
        kinds = [r[2] for r in wb["Hướng dẫn"].iter_rows(min_row=8, values_only=True)]
        self.assertIn("số lượng", kinds)
        self.assertIn("nhãn", kinds)
        self.assertIn("có/không", kinds)
        self.assertNotIn("count", kinds)
        # a formula openpyxl writes has no computed value; a required value emptied
        ws = wb["Báo cáo"]
        ws["%s5" % cols["PORTAL_POSTS"]] = "=1+2"
        ws["%s6" % cols["WEBSITE_POSTS"]] = None
        head = self.head()
        st, body = c.upload(self.save(wb), c.csrf("/entry/upload"))
        self.assertEqual(st, 422, body)
        self.assertIn("Báo cáo!%s5: ô có công thức nhưng chưa có giá trị tính sẵn: hãy mở tệp trong Excel và lưu lại"
                      % cols["PORTAL_POSTS"], body)
        self.assertIn("Báo cáo!%s6: thiếu số liệu của chỉ tiêu bắt buộc &quot;Tin, bài CCHC trên Trang thông tin "
                      "điện tử của đơn vị&quot;" % cols["WEBSITE_POSTS"], body)
        self.assertNotIn("WEBSITE_POSTS", re.search(r'<div class="err" id="problems">.*?</div>', body, re.S).group(0))
        # a file cut short (an interrupted download or save)
        data = self.save(self.template(c))
        st, body = c.upload(data[:len(data) // 2], c.csrf("/entry/upload"))
        self.assertEqual(st, 422, body)
        self.assertIn("tệp .xlsx bị hỏng hoặc không trọn vẹn", body)
        self.assertNotIn("zip archive", body)
        self.assertEqual(self.head(), head)

    def test_9_aggregator_down(self):
        """without the aggregator the latest versions are unknown: nothing is sent (503), and after it is back the file goes"""
        c = self.browser()
        self.s.wait_applied(self.head())
        wb = self.template(c)
        ws = wb["Báo cáo"]
        cols = self.codes(ws)
        ws["%s5" % cols["RADIO_ITEMS"]] = ws["%s5" % cols["RADIO_ITEMS"]].value + 1
        data = self.save(wb)
        head = self.head()
        self.s.stop("aggregator")
        try:
            st, body = c.upload(data, c.csrf("/entry/upload"))
            self.assertEqual(st, 503, body)
            self.assertIn("không hỏi được phiên bản mới nhất của các đơn vị", body)
            self.assertEqual(self.head(), head)
        finally:
            self.s.start_aggregator(now=NOW)
        for _ in range(30):  # the web waits a second after a failed QUERY
            st, body = c.upload(data, c.csrf("/entry/upload"))
            if st != 503:
                break
            time.sleep(0.2)
        self.assertEqual(st, 200, body)
        self.assertIn("1/1 báo cáo được tiếp nhận. 4 báo cáo không thay đổi", body)

if __name__ == "__main__":
    harness.main()
