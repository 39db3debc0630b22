"""Integration tests of the Excel round trip (lib/app/sheet.h) through the CLI.

One collector (CURVE) and one aggregator on loopback, on a simulated clock
(2025-09-05 09:00 +07: 2025Q3 is current).  `cchc template --xlsx` writes
the template, openpyxl fills it as an officer's spreadsheet program would,
`cchc submit --file` sends every row, and the aggregator's stored values
must be exactly those of the sheet.  A broken sheet (text in a number cell,
a changed or deleted header, a unit the uploader may not submit for) must
be refused with every problem as Sheet!Cell and nothing stored: the
journal's head does not move.
"""
import csv
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

import openpyxl  # noqa: E402

from test_cli import cli, said  # noqa: E402

NOW = "2025-09-05T09:00:00+07:00"
DS = "CCHC_Q"
SO = "HP.SO.XAY_DUNG"
XA = "HP.XA.VIET_KHE"  # a commune that submits for its four sub-units
XA_SUBS = ["HP.XA.VIET_KHE.VHXH", "HP.XA.VIET_KHE.VP", "HP.XA.VIET_KHE.KINH_TE", "HP.XA.VIET_KHE.MTTQ"]


def read_catalog(name):
    with open(os.path.join(harness.CATALOG, name), encoding="utf-8") as f:
        return list(csv.DictReader(f))


INDICATORS = {r["code"]: r for r in read_catalog("indicators.csv")}
FILLED = [c for c in next(r for r in read_catalog("datasets.csv") if r["code"] == DS)["indicators"].split("|")
          if INDICATORS[c]["kind"] != "rate"]


TAG_LABELS = {"mang_xa_hoi": "Mạng xã hội", "thong_tin_co_so": "Thông tin cơ sở", "truc_quan": "Tuyên truyền trực quan",
              "van_hoa_van_nghe": "Văn hóa, văn nghệ", "sinh_hoat_doan_the": "Sinh hoạt đoàn thể",
              "hop_giao_ban": "Họp giao ban", "tiep_xuc_cu_tri": "Tiếp xúc cử tri", "khac": "Khác"}


def values_for(base):
    """{code: (what the officer types in the cell, the value on the wire)} for every non-rate indicator."""
    out = {}
    for k, code in enumerate(FILLED):
        kind = INDICATORS[code]["kind"]
        if kind == "bool":
            out[code] = ("Có", True) if (base + k) % 2 else ("Không", False)
        elif kind == "tags":
            tags = INDICATORS[code]["tags"].split("|")[1:3]
            out[code] = ("; ".join(tags), tags)
        elif code in ("STAFF_TOTAL", "TTHC_TOTAL"):
            out[code] = (500 + base, 500 + base)
        else:
            out[code] = (base + k, base + k)
    return out


class SheetCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.st = harness.Stack(now=NOW, extra={"client": {"timeout_ms": "1500", "retries": "1"}})
        try:
            for u in (SO, XA):
                cls.st.keygen(u)
            cls.st.start_collector()
            cls.st.start_aggregator()
        except BaseException:
            cls.st.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.st.close()

    def path(self, name):
        return os.path.join(self.st.dir, name)

    def template(self, unit, name, *extra, lang="vi"):
        out = self.path(name)
        p = cli("template", "--config", self.st.config, "--unit", unit, "--dataset", DS, "--period", "2025Q3",
                "--xlsx", "-o", out, *extra, lang=lang)
        self.assertEqual(p.returncode, 0, said(p))
        return out

    def submit(self, unit, path, *extra, lang="vi"):
        return cli("submit", "--config", self.st.config, "--key", os.path.join(self.st.keys, unit + ".key"),
                   "--unit", unit, "--file", path, *extra, lang=lang)

    def codes(self, ws):
        """{indicator code: column letter} from the hidden code row."""
        return {c.value: c.column_letter for c in ws[3] if c.value and c.column > 2}

    def fill(self, ws, row, vals):
        cols = self.codes(ws)
        for code, (text, _) in vals.items():
            ws["%s%d" % (cols[code], row)] = text

    def stored(self, unit):
        r = self.st.query("values", node=unit, dataset=DS, period="2025Q3")
        return r["data"]["values"] if r.get("ok") else None

    def head(self):
        recs = self.st.fetch_journal()
        return recs[-1]["seq"] if recs else 0


class TestRoundTrip(SheetCase):
    def test_one_unit(self):
        """sheet-1.1 a unit's template: title, hidden codes, headers; filled with openpyxl, submitted, stored exactly"""
        path = self.template(SO, "so.xlsx")
        wb = openpyxl.load_workbook(path)
        self.assertEqual(wb.sheetnames, ["Báo cáo", "Hướng dẫn"])
        ws = wb["Báo cáo"]
        self.assertIn("Báo cáo kết quả tuyên truyền cải cách hành chính hàng quý", ws["A1"].value)
        self.assertIn("Quý 3/2025", ws["A2"].value)
        self.assertIn("Sở Xây dựng", ws["A2"].value)
        self.assertTrue(ws.row_dimensions[3].hidden)
        self.assertEqual((ws["A3"].value, ws["B3"].value), (DS, "2025Q3"))
        self.assertEqual(list(self.codes(ws)), FILLED + ["NOTE"])
        cols = self.codes(ws)
        for code in FILLED:
            self.assertTrue(ws["%s4" % cols[code]].value.startswith(INDICATORS[code]["name_vi"]), code)
        lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
        self.assertTrue(any('"Có,Không"' == dv.formula1 for dv in lists))
        self.assertEqual([ws["A5"].value, ws["A6"].value, ws["A7"].value], [SO, SO + ".VP", None])
        self.assertEqual(ws.freeze_panes, "C5")
        vals = values_for(3)
        self.fill(ws, 5, vals)
        ws["%s5" % cols["NOTE"]] = "Số liệu quý III"
        wb.save(path)
        before = self.head()
        p = self.submit(SO, path)
        self.assertEqual(p.returncode, 0, said(p))
        self.assertIn("1 dòng để trống, không gửi.", p.stdout)
        self.assertIn("Báo cáo!A5, đơn vị %s:" % SO, p.stdout)
        self.assertIn("Đã tiếp nhận báo cáo", p.stdout)
        self.assertEqual(self.head(), before + 1)
        self.st.wait_applied(self.head())
        self.assertEqual(self.stored(SO), {c: v for c, (_, v) in vals.items()})
        rec = self.st.fetch_journal(after=before)[0]
        self.assertEqual(rec.get("note"), "Số liệu quý III")
        # The same file again: a duplicate (same stable id), nothing new stored.
        p = self.submit(SO, path)
        self.assertEqual(p.returncode, 0, said(p))
        self.assertIn("đã được tiếp nhận trước đó", p.stdout)
        self.assertEqual(self.head(), before + 1)
        # --prefill: a new template holds the stored values.
        path2 = self.template(SO, "so-prefilled.xlsx", "--prefill")
        ws2 = openpyxl.load_workbook(path2)["Báo cáo"]
        for code, (text, value) in vals.items():  # tags as the web form's labels, which the reader takes back
            want = "; ".join(TAG_LABELS[t] for t in value) if INDICATORS[code]["kind"] == "tags" else text
            self.assertEqual(ws2["%s5" % cols[code]].value, want, code)

    def test_consolidating_office(self):
        """sheet-1.2 a commune fills its sub-units' rows in one file: one SUBMIT per filled row, each stored exactly"""
        path = self.template(XA, "xa.xlsx")
        wb = openpyxl.load_workbook(path)
        ws = wb["Báo cáo"]
        self.assertEqual([ws["A%d" % r].value for r in range(5, 10)], [XA] + XA_SUBS)
        filled = {XA: values_for(10), XA_SUBS[0]: values_for(20), XA_SUBS[3]: values_for(30)}
        for row in range(5, 10):
            unit = ws["A%d" % row].value
            if unit in filled:
                self.fill(ws, row, filled[unit])
        wb.save(path)
        before = self.head()
        p = self.submit(XA, path)
        self.assertEqual(p.returncode, 0, said(p))
        self.assertIn("2 dòng để trống, không gửi.", p.stdout)
        self.assertIn("Đã gửi 3 báo cáo: 3 được tiếp nhận, 0 bị từ chối, 0 chưa rõ kết quả.", p.stdout)
        self.assertEqual(self.head(), before + 3)
        self.st.wait_applied(self.head())
        for unit, vals in filled.items():
            self.assertEqual(self.stored(unit), {c: v for c, (_, v) in vals.items()}, unit)
        for unit in (XA_SUBS[1], XA_SUBS[2]):
            self.assertIsNone(self.stored(unit), unit)


class TestBroken(SheetCase):
    def broken(self, name, edit, lang="vi"):
        """A filled template of the commune, `edit`ed, then submitted: returns the result."""
        path = self.template(XA, name)
        wb = openpyxl.load_workbook(path)
        ws = wb["Báo cáo"]
        self.fill(ws, 5, values_for(1))
        self.fill(ws, 6, values_for(2))
        edit(ws)
        wb.save(path)
        before = self.head()
        p = self.submit(XA, path, lang=lang)
        self.assertEqual(self.head(), before, "nothing may be stored:\n" + said(p))
        self.assertEqual(p.returncode, 2, said(p))
        self.assertIn("không gửi báo cáo nào" if lang == "vi" else "nothing was sent", p.stderr)
        self.assertNotIn("Đã tiếp nhận", p.stdout)
        return p

    def test_every_problem_at_its_cell(self):
        """sheet-2.1 text in a number cell, a changed header, a foreign unit: each as Sheet!Cell, nothing stored"""
        def edit(ws):
            cols = self.codes(ws)
            ws["%s6" % cols["WEBSITE_POSTS"]] = "mười"
            ws["%s4" % cols["RADIO_ITEMS"]] = None  # the header deleted
            ws["A6"] = "HP.SO.Y_TE"  # a unit the commune may not submit for
            ws["%s5" % cols["OTHER_FORMS"]] = "truc_quan; bao_chi"
            ws["%s5" % cols["PORTAL_POSTS"]] = -2
        p = self.broken("broken.xlsx", edit)
        for line in ('Báo cáo!D6: "mười" không phải là số nguyên',
                     "Báo cáo!G4: tiêu đề cột đã bị sửa",
                     "Báo cáo!A6: bạn không được nộp báo cáo thay cho đơn vị HP.SO.Y_TE",
                     'Báo cáo!X5: nhãn "bao_chi" không có trong danh sách được phép',
                     'Báo cáo!C5: "-2": số liệu không được âm'):
            self.assertIn(line, p.stderr)
        self.assertIn("có 5 lỗi", p.stderr)

    def test_deleted_column_and_english(self):
        """sheet-2.2 a deleted column is named at the header row; the problems in English with --lang en"""
        p = self.broken("deleted.xlsx", lambda ws: ws.delete_cols(4), lang="en")
        self.assertIn("Báo cáo!A4: no column for the required indicator WEBSITE_POSTS", p.stderr)

    def test_wrong_dataset_or_period(self):
        """sheet-2.3 --dataset/--period other than the file's: refused at A3/B3, nothing stored"""
        path = self.template(SO, "so-wrong.xlsx")
        wb = openpyxl.load_workbook(path)
        self.fill(wb["Báo cáo"], 5, values_for(5))
        wb.save(path)
        before = self.head()
        p = self.submit(SO, path, "--dataset", "CCHC_S", "--period", "2025Q4")
        self.assertEqual(p.returncode, 2, said(p))
        self.assertIn("Báo cáo!A3: tệp là mẫu báo cáo CCHC_Q, không phải CCHC_S", p.stderr)
        self.assertIn("Báo cáo!B3: tệp là của kỳ 2025Q3, không phải kỳ 2025Q4", p.stderr)
        self.assertEqual(self.head(), before)
        with open(self.path("not.xlsx"), "wb") as f:
            f.write(b"PK\x03\x04 not really a zip")
        p = self.submit(SO, self.path("not.xlsx"))
        self.assertEqual(p.returncode, 2, said(p))
        self.assertIn("not.xlsx: tệp .xlsx bị hỏng", p.stderr)


if __name__ == "__main__":
    harness.main()
