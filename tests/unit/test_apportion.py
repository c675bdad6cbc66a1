"""The top-down count on hand-made data: exact apportionment, the CRA reader's editions and units, and the
reconciliation of apportioned local-government spend with a council's own outturn (no real files needed)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from totalplace_lib.core.money import split_pence
from totalplace_lib.ingest import count, cra
from totalplace_lib.ingest.bodies import Bodies
from totalplace_lib.ingest.drivers import Populations
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
        ["Department of Health", "7. Health", "7.A Medical services", "non-ID", "CUR", "CG", "Not identifiable", 3, 4],
    ], units="All figures are in £ million, nominal")
    r = cra.read_cra(path)
    rows = r.rows[cra.TABLE].to_dict("records")
    lg = [x for x in rows if x["body"] == "LG"]
    assert {x["year"]: x["amount_gbp"] for x in lg} == {2007: 1_500_000.0, 2008: 2_250_000.0}
    assert lg[0]["region_code"] == "E12000003"  # the label's case and 'the' do not matter
    assert [x["region_code"] for x in rows if x["body"] == "CG" and x["identifiable"]] == ["E12000001"]
    assert r.rows_read == 3 and len(r.used_lines) == 3 and not r.rejected
    assert "£ million" in r.note


def test_a_region_or_sector_the_reference_tables_do_not_know_refuses_the_edition_naming_sheet_and_row(tmp_path):
    rows = [["Department of Health", "7. Health", "7.A Medical services", "ID", "CUR", "CG", "north east", 1, 1],
            ["Department of Health", "7. Health", "7.A Medical services", "ID", "CUR", "CG", "Atlantis", 1, 1]]
    path = _workbook(tmp_path / "cra.xlsx", OLD_HEADER, rows, units="£'000s")
    with pytest.raises(FormatError, match=r"cra.xlsx, sheet 'Database', row 3: region 'Atlantis'"):
        cra.read_cra(path)
    rows[1][5], rows[1][6] = "XYZ", "north east"
    path = _workbook(tmp_path / "cra2.xlsx", OLD_HEADER, rows, units="£'000s")
    with pytest.raises(FormatError, match=r"row 3: spending sector 'XYZ'"):
        cra.read_cra(path)


def test_a_workbook_that_does_not_say_its_units_or_lacks_a_column_is_refused_in_one_line(tmp_path):
    no_units = _workbook(tmp_path / "cra_thousands.xlsx", OLD_HEADER, [
        ["DfT", "4. Economic affairs", "4.5 of which: railway", "ID", "CUR", "CG", "London", 1, 1]], units=None)
    with pytest.raises(FormatError, match="units"):  # the file name says thousands: never trusted
        cra.read_cra(no_units)
    no_body = _workbook(tmp_path / "cra.xlsx", [h for h in OLD_HEADER if h != "CG, LG or PC"], [
        ["DfT", "4. Economic affairs", "4.5 of which: railway", "ID", "CUR", "London", 1, 1]], units="£'000s")
    with pytest.raises(FormatError, match=r"no spending sector \(CG, LG...\) column"):
        cra.read_cra(no_body)


def test_the_later_edition_wins_a_year_both_cover():
    rows = [{"edition": "CRA 2014", "year": 2013, "v": "old"}, {"edition": "CRA 2014", "year": 2012, "v": "old"},
            {"edition": "CRA 2018", "year": 2013, "v": "new"}, {"edition": "CRA 2018", "year": 2017, "v": "new"}]
    kept, lost = cra.latest_edition_wins(rows)
    assert sorted((r["year"], r["v"]) for r in kept.to_dict("records")) == [(2012, "old"), (2013, "new"), (2017, "new")]
    assert lost == {"CRA 2014": {"years": ["2013/14"], "values": 1, "superseded_by": "CRA 2018"}}


# ---------------------------------------------------------------------------------------------------
# A two-region toy England: North East = A, B; London = C (the City) and D.

NE, LONDON = "E12000001", "E12000007"
A, B, C, D = "E06000001", "E06000002", "E09000001", "E09000002"


def _vintage() -> Vintage:
    v = Vintage()
    for code, name, region in ((A, "A", "North East"), (B, "B", "North East"), (C, "City of London", "London"),
                               (D, "D", "London")):
        v.county_of[code] = code
        v.names[code] = name
        v.regions[code] = region
    return v


def _cra(region: str, subfunction: str, body: str, cap: str, amount: float, dept="Local Government England",
         year: int = 2017) -> dict:
    return {"region_code": region, "year": year, "identifiable": True, "department": dept, "body": body,
            "subfunction": subfunction, "capital_current": cap, "amount_gbp": amount, "edition": "CRA test"}


def _population(a: int, b: int, c: int, d: int = 1) -> Populations:
    rows = []
    for code, n in ((A, a), (B, b), (C, c), (D, d)):
        rows += [{"area_code": code, "year": 2020, "age": age, "persons": n} for age in range(91)]
    return Populations.build(rows, {})


def _outturn(*rows: tuple) -> pd.DataFrame:
    """Revenue Outturn body rows: (ons code, name, class, year, service, £, status)."""
    return pd.DataFrame([{"ecode": "", "ons_code": code, "name": name, "body_class": klass, "detailed_class": "",
                          "year": year, "service": service, "amount_gbp": amount, "status": status, "source": "RO test"}
                         for code, name, klass, year, service, amount, status in rows])


def _build(cra_rows, pops, outturn=None, lookup=None, council_lines=(), icb=None, practices=None) -> count.Count:
    v = _vintage()
    o = outturn if outturn is not None else _outturn()
    return count.build(count.Inputs(cra_rows, o, pops, v, Bodies(v, lookup, o.to_dict("records")), list(council_lines),
                                    icb if icb is not None else pd.DataFrame(),
                                    practices if practices is not None else pd.DataFrame()))


def _identity(built: count.Count, cra_rows: list[dict]) -> None:
    """Kept apportioned lines plus the apportioned amounts replaced equal the CRA, to the penny."""
    s = built.spend
    kept = s.loc[s["level"] == "region", "amount_gbp"].sum()
    replaced = built.reconciliation["apportioned_gbp"].sum() if len(built.reconciliation) else 0.0
    assert round(kept + replaced, 2) == round(sum(r["amount_gbp"] for r in cra_rows), 2)


def test_apportioned_lines_conserve_each_region_and_a_councils_outturn_replaces_its_share_once():
    cra_rows = [
        _cra(NE, "7.A Medical services", "CG", "CUR", 1_000_000.01, dept="Department of Health"),
        _cra(NE, "10.4 Family and children; of which: personal social services", "LG", "CUR", 300_000.0),
        _cra(NE, "10.4 Family and children; of which: personal social services", "LG", "CAP", 30_000.0),
        _cra(NE, "4.2 of which: forestry", "LG", "CAP", -999.99),  # a published net receipt
        _cra(LONDON, "7.A Medical services", "CG", "CUR", 500.0, dept="Department of Health"),
    ]
    o = _outturn((A, "A", "UA", 2017, "Children_Social_Care", 120_000.0, "reported"))
    built = _build(cra_rows, _population(1, 2, 5), o)
    _identity(built, cra_rows)
    lines = built.spend.to_dict("records")
    nhs = {x["area_code"]: x["amount_gbp"] for x in lines if x["agency"] == "NHS" and x["area_code"] in (A, B)}
    assert nhs == {A: pytest.approx(333_333.34, abs=0.01), B: pytest.approx(666_666.67, abs=0.01)}
    # A's own children's social care replaces A's apportioned LG current share (£100,000), not B's, not capital
    (rec,) = built.reconciliation.to_dict("records")
    assert (rec["area_code"], rec["apportioned_gbp"], rec["reported_gbp"], rec["difference_gbp"]) == \
        (A, 100_000.0, 120_000.0, 20_000.0)
    a_csc = [x for x in lines if x["area_code"] == A and x["theme"] == "children"]
    assert sorted((x["basis"], x["level"], x["spend_type"], x["amount_gbp"]) for x in a_csc) == [
        ("apportioned", "region", "capital", 10_000.0), ("reported", "council", "current", 120_000.0)]
    b_csc = [x for x in lines if x["area_code"] == B and x["theme"] == "children"]
    assert sorted(x["amount_gbp"] for x in b_csc) == [20_000.0, 200_000.0]
    assert all(x["driver"].startswith("children and young people aged 0-17, mid-2020") for x in b_csc)


def test_police_bodies_are_shared_among_their_force_areas_councils_by_population(tmp_path):
    lookup = tmp_path / "pfa.csv"
    with open(lookup, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["LAD17CD", "LAD17NM", "CSP17CD", "CSP17NM", "PFA17CD", "PFA17NM", "FID"])
        w.writerow([A, "A", "E22000001", "A", "E23000099", "Toyshire", 1])
        w.writerow([B, "B", "E22000002", "B", "E23000099", "Toyshire", 2])
    cra_rows = [_cra(NE, "3.1 of which: other police services", "LG", "CUR", 900.0, year=2019)]
    # before 2012 a police authority has no ONS code: found by its name in the force-area lookup
    o = _outturn(("", "Toyshire Police Authority", "O", 2019, "Police", 300.0, "reported"))
    built = _build(cra_rows, _population(1, 2, 5), o, lookup)
    lines = built.spend[built.spend["area_code"].isin([A, B])].to_dict("records")
    assert {x["area_code"]: x["amount_gbp"] for x in lines} == {A: 100.0, B: 200.0}
    assert all("Toyshire" in x["service"] and "population" in x["driver"] and x["basis"] == "apportioned"
               and x["level"] == "local body" for x in lines)
    _identity(built, cra_rows)


def test_the_glas_police_serve_every_london_borough_but_the_city_which_has_its_own():
    cra_rows = [_cra(LONDON, "3.1 of which: other police services", "LG", "CUR", 1_000.0),
                _cra(LONDON, "8.2 Cultural services", "LG", "CUR", 600.0)]
    o = _outturn(("E12000007", "Greater London Authority", "O", 2017, "Police", 800.0, "reported"),
                 ("E12000007", "Greater London Authority", "O", 2017, "Culture", 60.0, "reported"),
                 (C, "City of London", "L", 2017, "Police", 50.0, "reported"))
    built = _build(cra_rows, _population(1, 1, 1, 3), o)
    s = built.spend.set_index(["area_code", "service"])["amount_gbp"]
    assert s[(D, "Police (Greater London Authority)")] == 800.0  # all the Met's spending is D's: the City has its own
    assert (C, "Police (Greater London Authority)") not in s.index
    assert s[(C, "Police")] == 50.0
    assert s[(C, "Cultural and related services (Greater London Authority)")] == 15.0  # 1:3 by population
    _identity(built, cra_rows)


def test_a_missing_return_is_carried_forward_by_englands_change_never_zero():
    cra_rows = [_cra(NE, "9.2 Secondary education", "LG", "CUR", 1_000.0, year=y) for y in (2016, 2017)]
    o = _outturn((A, "A", "UA", 2016, "Education", 100.0, "reported"),
                 (B, "B", "UA", 2016, "Education", 200.0, "reported"),
                 (A, "A", "UA", 2017, "", None, "missing"),
                 (B, "B", "UA", 2017, "Education", 220.0, "reported"))
    built = _build(cra_rows, _population(1, 1, 1), o)
    a = built.spend[(built.spend["area_code"] == A) & (built.spend["year"] == 2017)].iloc[0]
    assert (a["basis"], a["level"], a["amount_gbp"]) == ("estimated", "carried forward", pytest.approx(110.0))
    assert "carried forward" in a["driver"] and "x1.100" in a["driver"]
    (entry,) = built.missing_accounts
    assert entry["body"] == "A" and entry["year"] == "2017/18"
    assert "2016/17 accounts carried forward" in entry["fallback"]
    _identity(built, cra_rows)


def test_a_year_after_the_latest_outturn_shares_the_regions_cra_total_by_the_latest_shares():
    cra_rows = [_cra(NE, "9.2 Secondary education", "LG", "CUR", 1_000.0, year=2023),
                _cra(NE, "9.2 Secondary education", "LG", "CUR", 1_200.0, year=2024)]
    o = _outturn((A, "A", "UA", 2023, "Education", 300.0, "reported"),
                 (B, "B", "UA", 2023, "Education", 900.0, "reported"))
    built = _build(cra_rows, _population(1, 1, 1), o)
    y24 = built.spend[built.spend["year"] == 2024].set_index("area_code")
    assert y24.loc[A, "amount_gbp"] == 300.0 and y24.loc[B, "amount_gbp"] == 900.0  # 1:3, the 2023/24 shares
    assert set(y24["basis"]) == {"estimated"} and set(y24["level"]) == {"carried forward"}
    assert "2023/24" in y24.loc[A, "driver"]
    _identity(built, cra_rows)


def test_icb_allocations_are_shared_by_need_and_replace_the_same_amount_of_the_regions_nhs_line():
    cra_rows = [_cra(NE, "7.A Medical services", "CG", "CUR", 1_000.0, dept="Department of Health", year=2023)]
    icb = pd.DataFrame([{"icb_code": "QAA", "icb_name": "NHS Toy ICB", "year": 2023, "component": "core services",
                         "shared_by": "weighted", "amount_gbp": 600.0, "source": "allocations test"}])
    practices = pd.DataFrame([{"year": 2023, "icb_code": "QAA", "area_code": A, "weighted": 3.0, "registered": 1.0,
                               "pmc_weighted": 3.0, "_unit": (A,)},
                              {"year": 2023, "icb_code": "QAA", "area_code": B, "weighted": 1.0, "registered": 1.0,
                               "pmc_weighted": 1.0, "_unit": (B,)}])
    built = _build(cra_rows, _population(1, 1, 1), icb=icb, practices=practices)
    s = built.spend.set_index(["area_code", "service"])["amount_gbp"]
    assert s[(A, "NHS: Toy ICB, core services")] == 450.0 and s[(B, "NHS: Toy ICB, core services")] == 150.0
    rest = "NHS medical services (hospital and primary care) (outside ICB allocations)"
    assert s[(A, rest)] + s[(B, rest)] == pytest.approx(400.0)  # the region's NHS line less the allocations
    _identity(built, cra_rows)


def _county_vintage() -> Vintage:
    v = _vintage()
    for d in ("E07000901", "E07000902"):
        v.county_of[d] = "E10000099"
        v.names[d] = d
    v.names["E10000099"], v.regions["E10000099"] = "Toyshire", "North East"
    return v


def test_a_county_areas_own_lines_are_its_council_and_districts_netted_and_net_income_is_left_out_at_zero():
    """A district's income above its spending on a service nets against its county council's and other districts'
    spending; only where a whole area's line is net income is it left out at £0, and listed."""
    v = _county_vintage()
    cra_rows = [_cra(NE, "6.1 of which: local authority housing", "LG", "CUR", 500.0),
                _cra(NE, "6.2 Community development", "LG", "CUR", 500.0)]
    o = _outturn(("E10000099", "Toyshire CC", "SC", 2017, "Housing", 50.0, "reported"),
                 ("E07000901", "D1", "SD", 2017, "Housing", -8.0, "reported"),
                 ("E07000902", "D2", "SD", 2017, "Housing", 100.0, "reported"),
                 (A, "A", "UA", 2017, "Planning", -5.0, "reported"))
    rows = []
    for code in (A, B, "E10000099"):
        rows += [{"area_code": code, "year": 2020, "age": age, "persons": 1} for age in range(91)]
    pops = Populations.build(rows, {})
    built = count.build(count.Inputs(cra_rows, o, pops, v, Bodies(v, None, o.to_dict("records"))))
    s = built.spend.set_index(["area_code", "service"])["amount_gbp"]
    assert s[("E10000099", "Housing services (General Fund)")] == 142.0
    assert not [k for k in s.index if k[0] == A and k[1].startswith("Planning")]
    assert any(k.startswith("Planning and development (council): net income") for k in built.left_out)


def test_a_subfunction_the_reference_table_has_not_seen_is_classified_by_its_cofog_code():
    cls = count.Classification.load()
    row = cls.subfunction("4.5 of which: trams")
    assert row["driver"] == "population" and "classified as" in row["service"]
    assert cls.agency("Local Government England", "LG", "3.1 of which: other police services") == "Police"
    assert cls.agency("Department for Work and Pensions", "CG", "10.5 Unemployment") == "DWP and Jobcentre Plus"


def test_split_pence_rows_shares_each_amount_by_its_own_weights_exactly():
    from totalplace_lib.core.money import split_pence_rows

    rng = np.random.default_rng(7)
    pence = rng.integers(-10**9, 10**9, size=200)
    weights = rng.random((200, 7)) * rng.integers(0, 2, size=(200, 7)) + 1e-9
    out = split_pence_rows(pence, weights)
    assert (out.sum(axis=1) == pence).all()  # every amount conserved to the penny
    share = weights / weights.sum(axis=1, keepdims=True)
    assert (np.abs(out - pence[:, None] * share) < 1).all()  # each part within a penny of its exact share
    for i in (0, 17, 199):  # the same answer as sharing one amount at a time
        assert (out[i] == split_pence(pence[i:i + 1], weights[i])[0]).all()
    with pytest.raises(ValueError, match="positive sum in every row"):
        split_pence_rows(np.array([100, 5]), np.array([[1.0, 2.0], [0.0, 0.0]]))
