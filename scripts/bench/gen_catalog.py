#!/usr/bin/python3
"""Synthetic national catalog and one quarter of submissions for the benchmarks.

    gen_catalog.py --units N --out DIR [--seed S] [--corrections 0.05]

Writes, deterministically for a given N and seed:

  DIR/catalog/units.csv        N units in a 4-level tree: the country (quoc_gia),
                               34 provinces (tinh), communes (xa/phuong/dac_khu)
                               and departments (so/co_quan) of each province,
                               and sub-units (phong/don_vi/to_chuc) under those,
                               with parent_submits=yes (the parent's office
                               consolidates them, as in the Hai Phong catalog)
  DIR/catalog/indicators.csv   20 indicators: 11 counts, 4 stocks, 2 yes/no,
                               1 tags, 2 rates
  DIR/catalog/datasets.csv     one quarterly dataset, NAT_Q, due before day 10
                               of the quarter's last month, reported by every
                               kind below the provinces
  DIR/catalog/targets.csv      one target per province (CONTESTS_ORGANIZED >= 1 a year)
  DIR/catalog/holidays.csv     header only
  DIR/work.tsv                 the submissions in sending order, one a line:
                               phase, office (the unit whose key sends it), unit,
                               submission id, values (CODE=v;CODE=v;...; tags a|b)
                               phase 1: every reporting unit once, grouped by
                               office, offices in random order; phase 2: a
                               correction (new id, changed values) for a random
                               `corrections` share of the units
  DIR/pg/units.csv             code, parent, depth, kind, reports (COPY for PostgreSQL)
  DIR/pg/unit_tree.csv         closure table: ancestor, unit, depth of the ancestor
  DIR/meta.json                counts and the codes the queries use
"""
import argparse
import csv
import json
import os
import random

PROVINCES = 34
DATASET = "NAT_Q"
PERIOD = "2025Q3"
OPENED = "2025-07-01"  # every unit opens with the quarter: one obligation per unit, no earlier periods

COUNTS = ["PORTAL_POSTS", "WEBSITE_POSTS", "CITY_PAGE_POSTS", "MASS_MEDIA_ITEMS", "RADIO_ITEMS", "SOCIAL_POSTS",
          "VIDEO_REPORTS", "CONFERENCES", "CONFERENCE_ATTENDEES", "CONTESTS_ORGANIZED", "STAFF_TRAINED"]
STOCKS = ["STAFF_TOTAL", "CONTEST_PARTICIPANTS", "TTHC_LISTED", "TTHC_TOTAL"]
BOOLS = [("PORTAL_CCHC_COLUMN", "last"), ("PLAN_ISSUED", "any")]
TAGS = ("OTHER_FORMS", ["mang_xa_hoi", "thong_tin_co_so", "truc_quan", "van_hoa_van_nghe", "sinh_hoat_doan_the",
                        "hop_giao_ban", "tiep_xuc_cu_tri", "khac"])
RATES = [("CONTEST_PARTICIPATION_RATE", "CONTEST_PARTICIPANTS", "STAFF_TOTAL"),
         ("TTHC_LISTED_RATE", "TTHC_LISTED", "TTHC_TOTAL")]
REPORTING_KINDS = ["so", "co_quan", "xa", "phuong", "dac_khu", "phong", "don_vi", "to_chuc"]


def build_tree(n):
    """[(code, name, kind, parent, depth)] in pre-order, exactly n units."""
    if n < 1 + PROVINCES * 2:
        raise SystemExit("at least %d units" % (1 + PROVINCES * 2))
    # Vietnam after 1 July 2025: 34 provinces, 3,321 communes, ~15 departments
    # each; the rest are offices and subordinate units (~25 per level-2 unit).
    n2 = max(PROVINCES, round(n * 0.0384))
    n3 = n - 1 - PROVINCES - n2
    units = [("VN", "Cả nước", "quoc_gia", "", 0)]
    l2_per_prov = [n2 // PROVINCES + (1 if i < n2 % PROVINCES else 0) for i in range(PROVINCES)]
    l2_total = sum(l2_per_prov)
    l3_each = [n3 // l2_total + (1 if i < n3 % l2_total else 0) for i in range(l2_total)]
    k2 = 0
    for p in range(PROVINCES):
        pcode = "VN.T%02d" % (p + 1)
        units.append((pcode, "Tỉnh số %d" % (p + 1), "tinh", "VN", 1))
        m = l2_per_prov[p]
        ndept = max(1, round(m * 15 / 113))
        for j in range(m):
            if j < ndept:
                kind = "so" if j < ndept - 2 or ndept < 3 else "co_quan"
                code = "%s.S%03d" % (pcode, j + 1)
                name = "Sở số %d, tỉnh %d" % (j + 1, p + 1)
            else:
                kind = ("xa", "xa", "phuong", "xa", "phuong", "dac_khu")[j % 6] if j % 40 else "dac_khu"
                code = "%s.X%04d" % (pcode, j - ndept + 1)
                name = "Xã/phường số %d, tỉnh %d" % (j - ndept + 1, p + 1)
            units.append((code, name, kind, pcode, 2))
            for s in range(l3_each[k2]):
                skind = ("phong", "phong", "don_vi", "phong", "to_chuc")[s % 5]
                units.append(("%s.U%02d" % (code, s + 1), "Đơn vị %d thuộc %s" % (s + 1, code), skind, code, 3))
            k2 += 1
    assert len(units) == n, (len(units), n)
    return units


def values_for(rng, unit_depth):
    v = []
    for c in COUNTS:
        hi = 5000 if c == "CONFERENCE_ATTENDEES" else 40
        v.append((c, rng.randint(0, hi)))
    staff = rng.randint(5, 200)
    ttot = rng.randint(10, 400)
    v.append(("STAFF_TOTAL", staff))
    v.append(("CONTEST_PARTICIPANTS", rng.randint(0, staff)))
    v.append(("TTHC_LISTED", rng.randint(0, ttot)))
    v.append(("TTHC_TOTAL", ttot))
    for c, _ in BOOLS:
        v.append((c, "true" if rng.random() < 0.7 else "false"))
    tags = [t for t in TAGS[1] if rng.random() < 0.3] or [TAGS[1][0]]
    v.append((TAGS[0], "|".join(tags)))
    return v


def fmt_values(v):
    return ";".join("%s=%s" % (c, x) for c, x in v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=100000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=20250908)
    ap.add_argument("--corrections", type=float, default=0.05)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    units = build_tree(a.units)
    cat = os.path.join(a.out, "catalog")
    pgd = os.path.join(a.out, "pg")
    os.makedirs(cat, exist_ok=True)
    os.makedirs(pgd, exist_ok=True)

    with open(os.path.join(cat, "units.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "kind", "parent", "opened", "closed", "email", "webhook", "parent_submits"])
        for code, name, kind, parent, depth in units:
            w.writerow([code, name, kind, parent, OPENED, "", "", "", "yes" if depth == 3 else "no"])

    with open(os.path.join(cat, "indicators.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name_vi", "name_en", "kind", "numerator", "denominator", "across_units", "across_time",
                    "tags", "max"])
        for c in COUNTS:
            w.writerow([c, "Chỉ tiêu " + c, c.lower(), "count", "", "", "sum", "sum", "", 100000000])
        for c in STOCKS:
            w.writerow([c, "Chỉ tiêu " + c, c.lower(), "stock", "", "", "sum", "last", "", 1000000])
        for c, t in BOOLS:
            w.writerow([c, "Chỉ tiêu " + c, c.lower(), "bool", "", "", "count_yes", t, "", ""])
        w.writerow([TAGS[0], "Hình thức khác", "other forms", "tags", "", "", "count_tags", "union",
                    "|".join(TAGS[1]), ""])
        for c, num, den in RATES:
            w.writerow([c, "Tỷ lệ " + c, c.lower(), "rate", num, den, "ratio", "ratio", "", ""])
    inds = COUNTS + STOCKS + [c for c, _ in BOOLS] + [TAGS[0]] + [c for c, _, _ in RATES]
    assert len(inds) == 20

    with open(os.path.join(cat, "datasets.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "period_type", "indicators", "due_day", "roll_forward", "kinds", "units"])
        w.writerow([DATASET, "Báo cáo CCHC hàng quý (toàn quốc, tổng hợp)", "quarter", "|".join(inds), 10, "yes",
                    "|".join(REPORTING_KINDS), ""])
    with open(os.path.join(cat, "targets.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["unit", "indicator", "period_type", "min", "max", "from", "to", "note"])
        for code, _, kind, _, _ in units:
            if kind == "tinh":
                w.writerow([code, "CONTESTS_ORGANIZED", "year", 1, "", "", "", "synthetic"])
    with open(os.path.join(cat, "holidays.csv"), "w", newline="") as f:
        f.write("date,name,working\n")

    # --- PostgreSQL side: the unit table and its closure table
    parent = {u[0]: u[3] for u in units}
    depth = {u[0]: u[4] for u in units}
    with open(os.path.join(pgd, "units.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        for code, _, kind, par, d in units:
            w.writerow([code, par, d, kind, "t" if kind in REPORTING_KINDS else "f"])
    with open(os.path.join(pgd, "unit_tree.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        for code, _, _, _, _ in units:
            anc = code
            while anc:
                w.writerow([anc, code, depth[anc]])
                anc = parent[anc]

    # --- the submissions: each office (depth 2) sends its own report and its sub-units'
    subs_of = {}
    for code, _, kind, par, d in units:
        if d == 3:
            subs_of.setdefault(par, []).append(code)
    offices = [u[0] for u in units if u[4] == 2]
    rng.shuffle(offices)
    reporting = [u[0] for u in units if u[2] in REPORTING_KINDS]
    nsub = 0
    with open(os.path.join(a.out, "work.tsv"), "w") as f:
        for o in offices:
            for u in [o] + subs_of.get(o, []):
                f.write("1\t%s\t%s\t%s-%s-v1\t%s\n" % (o, u, u, PERIOD, fmt_values(values_for(rng, depth[u]))))
                nsub += 1
        ncorr = round(len(reporting) * a.corrections)
        corr = set(rng.sample(reporting, ncorr))
        for o in offices:
            for u in [o] + subs_of.get(o, []):
                if u in corr:
                    f.write("2\t%s\t%s\t%s-%s-v2\t%s\n" % (o, u, u, PERIOD, fmt_values(values_for(rng, depth[u]))))
    assert nsub == len(reporting)

    prov = "VN.T01"
    commune = next(u[0] for u in units if u[3] == prov and u[2] in ("xa", "phuong"))
    meta = {
        "units": len(units), "provinces": PROVINCES, "level2": len(offices),
        "level3": sum(1 for u in units if u[4] == 3), "reporting": len(reporting), "corrections": ncorr,
        "submissions": len(reporting) + ncorr, "indicators": len(inds), "submitted_values": len(inds) - len(RATES),
        "dataset": DATASET, "period": PERIOD, "root": "VN", "province": prov, "commune": commune,
        "commune_children": len(subs_of.get(commune, [])), "province_children": sum(1 for u in units if u[3] == prov),
    }
    with open(os.path.join(a.out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
