"""The top-down count on hand-made data: exact apportionment, the CRA reader's editions and units, and the
reconciliation of apportioned local-government spend with a council's own outturn (no real files needed)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from totalplace_lib.apportion import split_pence
from totalplace_lib.ingest import cra, topdown
from totalplace_lib.ingest.readers import FormatError
from totalplace_lib.ingest.vintage import Vintage


def test_split_conserves_every_amount_to_the_penny_including_receipts():
    rng = np.random.default_rng(7)
    pence = rng.integers(-10**9, 10**13, size=500)
    weights = rng.uniform(1, 1e6, size=17)
    out = split_pence(pence, weights)
    assert (out.sum(axis=1) == pence).all()
    # each place within a penny of its exact proportional share
    exact = pence[:, None] * (weights / weights.sum())[None, :]
    assert np.abs(out - exact).max() < 1.0


def test_split_by_hand_largest_remainder():
    # 100p over weights 1:1:1 -> 33.33 each; the penny left goes to the first largest remainder
    assert split_pence(np.array([100]), np.array([1.0, 1.0, 1.0])).tolist() == [[34, 33, 33]]
    assert split_pence(np.array([-100]), np.array([1.0, 1.0, 1.0])).tolist() == [[-34, -33, -33]]
    with pytest.raises(ValueError, match="positive sum"):
        split_pence(np.array([5]), np.array([0.0, 0.0]))


def _workbook(path: Path, header: list[str], rows: list[list], units: str | None, sheet: str = "Database") -> Path:
    wb = openpyxl.Workbook()
    meta = wb.active
    meta.title = "Metadata"
    meta.append(["Country and Regional Analysis"])
    if units:
        meta.append([None, units])
    ws = wb.create_sheet(sheet)
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


OLD_HEADER = ["Dept Name", "HMT Function", "HMT Subfunction", "ID/non-ID", "CAP or CUR", "CG, LG or PC",
              "NUTS 1 region", "2007-08", "2008-09"]


def test_an_older_edition_in_millions_with_other_column_names_reads_into_pounds(tmp_path):
    path = _workbook(tmp_path / "pesa_2009_whatever_name.xlsx", OLD_HEADER, [
        ["Local Government", "7. Health", "7.C Central and other health services", "ID", "CUR", "LA",
         "ENGLAND_YORKSHIRE AND THE HUMBER", 1.5, 2.25],
        ["Department of Health", "7. Health", "7.A Medical services", "ID", "CAP", "CG", "north east", 10, None],
        ["Department of Health", "7. Health", "7.A Medical services", "ID", "CUR", "CG", "Atlantis", 1, 1],
        ["Department of Health", "7. Health", "7.A Medical services", "non-ID", "CUR", "CG", "Not identifiable", 3, 4],
    ], units="All figures are in £ million, nominal")
    r = cra.read_cra(path)
    rows = r.rows[cra.TABLE]
    lg = [x for x in rows if x["body"] == "LG"]
    assert {x["year"]: x["amount_gbp"] for x in lg} == {2007: 1_500_000.0, 2008: 2_250_000.0}
    assert lg[0]["region_code"] == "E12000003"  # the label's case and 'the' do not matter
    assert [x["region_code"] for x in rows if x["body"] == "CG" and x["identifiable"]] == ["E12000001"]
    assert r.rows_read == 4 and len(r.used_lines) == 3 and len(r.rejected) == 1
    assert "Atlantis" in next(iter(r.rejected.values()))
    assert "£ million" in r.note


def test_a_workbook_that_does_not_say_its_units_or_lacks_a_column_is_refused_in_one_line(tmp_path):
    no_units = _workbook(tmp_path / "cra_thousands.xlsx", OLD_HEADER, [
        ["DfT", "4. Economic affairs", "4.5 of which: railway", "ID", "CUR", "CG", "London", 1, 1]], units=None)
    with pytest.raises(FormatError, match="units"):  # the file name says thousands: never trusted
        cra.read_cra(no_units)
    no_body = _workbook(tmp_path / "cra.xlsx", [h for h in OLD_HEADER if h != "CG, LG or PC"], [
        ["DfT", "4. Economic affairs", "4.5 of which: railway", "ID", "CUR", "London", 1, 1]], units="£'000s")
    with pytest.raises(FormatError, match="no body column .*'CG, LG or PC'"):
        cra.read_cra(no_body)


def test_the_later_edition_wins_a_year_both_cover():
    rows = [{"edition": "CRA 2014", "year": 2013, "v": "old"}, {"edition": "CRA 2014", "year": 2012, "v": "old"},
            {"edition": "CRA 2018", "year": 2013, "v": "new"}, {"edition": "CRA 2018", "year": 2017, "v": "new"}]
    kept, lost = cra.latest_edition_wins(rows)
    assert sorted((r["year"], r["v"]) for r in kept) == [(2012, "old"), (2013, "new"), (2017, "new")]
    assert lost == {"CRA 2014": {"years": ["2013/14"], "values": 1, "superseded_by": "CRA 2018"}}


# ---------------------------------------------------------------------------------------------------
# A two-region toy England: North East = A, B; London = C.


def _vintage() -> Vintage:
    v = Vintage()
    for code, name, region in (("E06000001", "A", "North East"), ("E06000002", "B", "North East"),
                               ("E09000001", "C", "London")):
        v.county_of[code] = code
        v.names[code] = name
        v.regions[code] = region
    return v


def _cra(region: str, subfunction: str, body: str, cap: str, amount: float, dept="Local Government England") -> dict:
    return {"region_code": region, "year": 2017, "identifiable": True, "department": dept, "body": body,
            "subfunction": subfunction, "capital_current": cap, "amount_gbp": amount, "edition": "CRA test"}


def _population(ages_a: int, ages_b: int, ages_c: int) -> topdown.Populations:
    rows = []
    for code, n in (("E06000001", ages_a), ("E06000002", ages_b), ("E09000001", ages_c)):
        rows += [{"area_code": code, "year": 2020, "age": a, "persons": n} for a in range(91)]
    return topdown.Populations.build(rows, {})


def test_apportioned_lines_conserve_each_region_and_a_councils_outturn_replaces_its_share_once(tmp_path):
    cra_rows = [
        _cra("E12000001", "7.A Medical services", "CG", "CUR", 1_000_000.01, dept="Department of Health"),
        _cra("E12000001", "10.4 Family and children; of which: personal social services", "LG", "CUR", 300_000.0),
        _cra("E12000001", "10.4 Family and children; of which: personal social services", "LG", "CAP", 30_000.0),
        _cra("E12000001", "4.2 of which: forestry", "LG", "CAP", -999.99),  # a published net receipt
        _cra("E12000007", "7.A Medical services", "CG", "CUR", 500.0, dept="Department of Health"),
    ]
    pops = _population(1, 2, 5)  # A:B = 1:2 in the North East
    reported = [{"area_code": "E06000001", "year": 2017, "theme": "children", "agency": "Council",
                 "service": "Children's social care", "stage": "reactive", "amount_gbp": 120_000.0,
                 "price_year": "2017/18", "source": "RO", "discretionary": False, "_group": "RO:Children_Social_Care"}]
    built = topdown.build(cra_rows, pops, _vintage(), reported, [], None)
    lines = built.spend.to_dict("records")
    apportioned = [x for x in lines if x["basis"] == "apportioned"]
    ne = sum(x["amount_gbp"] for x in apportioned if x["area_code"] != "E09000001")
    replaced = sum(r["apportioned_gbp"] for r in built.reconciliation)
    assert round(ne + replaced, 2) == round(1_000_000.01 + 300_000 + 30_000 - 999.99, 2)  # to the penny
    assert [x["amount_gbp"] for x in apportioned if x["area_code"] == "E09000001"] == [500.0]
    nhs = {x["area_code"]: x["amount_gbp"] for x in apportioned
           if x["agency"] == "NHS" and x["area_code"] != "E09000001"}
    assert nhs == {"E06000001": pytest.approx(333_333.34, abs=0.01), "E06000002": pytest.approx(666_666.67, abs=0.01)}
    # A's own children's social care replaces A's apportioned LG current share (£100,000), not B's, not capital
    (rec,) = built.reconciliation
    assert (rec["area_code"], rec["apportioned_gbp"], rec["reported_gbp"], rec["difference_gbp"]) == \
        ("E06000001", 100_000.0, 120_000.0, 20_000.0)
    a_csc = [x for x in lines if x["area_code"] == "E06000001" and x["theme"] == "children"]
    assert sorted((x["basis"], x["spend_type"], x["amount_gbp"]) for x in a_csc) == [
        ("apportioned", "capital", 10_000.0), ("reported", "current", 120_000.0)]
    b_csc = [x for x in lines if x["area_code"] == "E06000002" and x["theme"] == "children"]
    assert sorted(x["amount_gbp"] for x in b_csc) == [20_000.0, 200_000.0]
    assert all(x["driver"].startswith("children and young people aged 0-17, mid-2020") for x in b_csc)


def test_police_bodies_are_shared_among_their_force_areas_councils_by_population(tmp_path):
    lookup = tmp_path / "pfa.csv"
    with open(lookup, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["LAD17CD", "LAD17NM", "CSP17CD", "CSP17NM", "PFA17CD", "PFA17NM", "FID"])
        w.writerow(["E06000001", "A", "E22000001", "A", "E23000099", "Toyshire", 1])
        w.writerow(["E06000002", "B", "E22000002", "B", "E23000099", "Toyshire", 2])
    police = [{"pfa_code": "E23000099", "year": 2019, "amount_gbp": 300.0, "source": "RO police body"}]
    built = topdown.build([], _population(1, 2, 5), _vintage(), [], police, lookup)
    lines = built.spend.to_dict("records")
    assert {x["area_code"]: x["amount_gbp"] for x in lines} == {"E06000001": 100.0, "E06000002": 200.0}
    assert all("Toyshire police force area" in x["driver"] and x["basis"] == "apportioned" for x in lines)


def test_a_subfunction_the_reference_table_has_not_seen_is_classified_by_its_cofog_code():
    cls = topdown.Classification.load()
    row = cls.subfunction("4.5 of which: trams")
    assert row["driver"] == "population" and "classified as" in row["service"]
    assert cls.agency("Local Government England", "LG", "3.1 of which: other police services") == "Police"
    assert cls.agency("Department for Work and Pensions", "CG", "10.5 Unemployment") == "DWP and Jobcentre Plus"
