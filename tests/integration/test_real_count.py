"""The real Total Place count on the publishers' files, every year 2009/10 to the latest, against the figures
the pilots published.

Published figures (typed in with their citation):
- the 13 pilots: "£82bn" of public spending for "more than 11 million people" in 2009-10 (HM Treasury & CLG,
  *Total Place: a whole area approach to public services*, March 2010; seeds 001/003), "around 20% of the
  national total" (HM Treasury's Total Place page), which puts the national total near £410bn: current spending;
- Birmingham: "£7.5bn" of public money a year (publicnet, 30 October 2009);
- social protection, education and health: 70-80% of the pilots' counts (the same final report).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from totalplace_lib.core import paths
from totalplace_lib.data.places import load_places

REAL = paths.real_data_dir()
pytestmark = pytest.mark.skipif(not (REAL / "spending" / "hmt_cra2018_database_2013_14_to_2017_18.xlsx").exists(),
                                reason=f"real public data (CRA workbooks) not present at {REAL}")
PILOTS_GBP, BIRMINGHAM_GBP = 82e9, 7.5e9


@pytest.fixture(scope="module")
def public(public_data):
    folder = public_data
    spend = pd.read_csv(folder / "spend.csv", dtype={"area_code": str}, low_memory=False)
    return {"spend": spend[spend["area_code"] != "E92000001"], "folder": folder,
            "manifest": json.loads((folder / "manifest.json").read_text()),
            "regional": pd.read_csv(folder / "regional_spend.csv", dtype={"region_code": str}, low_memory=False),
            "reconciliation": pd.read_csv(folder / "reconciliation.csv", dtype={"area_code": str}),
            "apportionment": pd.read_csv(folder / "apportionment.csv", dtype={"area_code": str}),
            "outturn": pd.read_csv(folder / "body_outturn.csv", dtype=str),
            "areas": pd.read_csv(folder / "areas.csv", dtype={"area_code": str})}


def _pilot_codes() -> list[str]:
    return [c for p in load_places() for c in p.area_codes]


def test_every_year_of_every_edition_is_read_and_the_latest_edition_gives_each_year(public):
    count = public["manifest"]["count"]
    assert count["cra_years"] == [f"{y}/{str(y + 1)[-2:]}" for y in range(2009, 2025)]
    assert count["edition_of_year"]["2009/10"] == "Country and Regional Analysis 2014"
    assert count["edition_of_year"]["2013/14"] == "Country and Regional Analysis 2018"  # 2014 and 2018 both cover it
    assert count["edition_of_year"]["2018/19"] == "Country and Regional Analysis 2019"
    assert count["edition_of_year"]["2019/20"] == "Country and Regional Analysis 2024"
    assert count["edition_of_year"]["2024/25"] == "Country and Regional Analysis 2025"
    assert count["superseded"]["Country and Regional Analysis 2024"]["superseded_by"] == \
        "Country and Regional Analysis 2025"
    rs = count["revenue_outturn"]
    assert rs["years"] == [f"{y}/{str(y + 1)[-2:]}" for y in range(2007, 2024)]  # 2021/22 from the CSV
    assert rs["source_of_year"]["2021/22"] == "Revenue Outturn multi-year CSV"
    assert rs["source_of_year"]["2023/24"] == "Revenue Outturn Summary workbook"
    outturn = public["outturn"]
    years = set(outturn["year"].astype(int))
    assert years == set(range(2007, 2024))
    kinds = outturn["name"]
    for body in ("Police Authority", "Police and Crime Commissioner", "Fire", "Greater London Authority",
                 "Combined Authority", "Waste", "National Park", "Transport Authority"):
        assert kinds.str.contains(body).any(), body


def test_each_regions_authorities_add_up_to_its_cra_figure_to_the_penny(public):
    """Apportioned lines kept, plus the apportioned amounts that bodies' own accounts (or ICB allocations)
    replaced, sum exactly to each region's CRA identifiable total, every year: replaced, never added."""
    from totalplace_lib.ingest.count import Classification

    cls = Classification.load()
    spend, rec, cra = public["spend"], public["reconciliation"], public["regional"]
    region_of = public["apportionment"].drop_duplicates("area_code").set_index("area_code")["region_code"]
    cra = cra[cra["identifiable"] & cra["region_code"].str.startswith("E12", na=False)].copy()
    cra["agency"] = [cls.agency(d, b, s) for d, b, s in zip(cra["department"], cra["body"], cra["subfunction"],
                                                              strict=True)]
    lines = cra.groupby(["region_code", "year", "agency", "subfunction", "capital_current", "body", "edition"])[
        "amount_gbp"].sum()
    expected = (lines * 100).round().astype("int64").groupby(level=["region_code", "year"]).sum()
    kept = spend[spend["level"] == "region"]
    got = (kept["amount_gbp"] * 100).round().astype("int64").groupby([kept["area_code"].map(region_of),
                                                                       kept["year"]]).sum()
    replaced = (rec["apportioned_gbp"] * 100).round().astype("int64").groupby([rec["area_code"].map(region_of),
                                                                             rec["year"]]).sum()
    got = got.add(replaced, fill_value=0)
    assert len(expected) == 9 * 16  # nine regions, 2009/10 to 2024/25
    diff = (got.reindex(expected.index) - expected).abs()
    print(f"\nlargest region-year difference: {diff.max()} pence over {len(expected)} region-years")
    assert diff.max() == 0


def test_the_13_pilots_2009_10_count_is_near_the_published_82bn(public):
    s = public["spend"]
    pilots = s[(s["year"] == 2009) & s["area_code"].isin(_pilot_codes())]
    total = pilots["amount_gbp"].sum()
    current = pilots.loc[pilots["spend_type"] == "current", "amount_gbp"].sum()
    print(f"\n13 pilots 2009/10: current £{current / 1e9:.1f}bn ({current / PILOTS_GBP - 1:+.1%}), capital "
          f"£{(total - current) / 1e9:.1f}bn, total £{total / 1e9:.1f}bn ({total / PILOTS_GBP - 1:+.1%}) vs £82bn")
    assert len(set(_pilot_codes())) == 31
    assert abs(current / PILOTS_GBP - 1) <= 0.20
    assert abs(total / PILOTS_GBP - 1) <= 0.20


def test_birmingham_2009_10_is_near_its_published_7_5bn_a_year(public):
    """The published figure is a year's spending: current spending is compared (capital, £0.8bn, is shown
    apart). Birmingham's own 2009/10 accounts exceed its population share of the West Midlands' local
    government by about £0.57bn, which a count built on population shares alone had hidden."""
    s = public["spend"]
    b = s[(s["year"] == 2009) & (s["area_code"] == "E08000025")]
    total = b["amount_gbp"].sum()
    current = b.loc[b["spend_type"] == "current", "amount_gbp"].sum()
    print(f"\nBirmingham 2009/10: current £{current / 1e9:.2f}bn ({current / BIRMINGHAM_GBP - 1:+.1%}), total "
          f"£{total / 1e9:.2f}bn ({total / BIRMINGHAM_GBP - 1:+.1%}) vs £7.5bn published")
    assert abs(current / BIRMINGHAM_GBP - 1) <= 0.25
    assert abs(total / BIRMINGHAM_GBP - 1) <= 0.30


def test_social_protection_education_and_health_are_about_three_quarters_of_the_pilots_count(public):
    s = public["spend"]
    pilots = s[(s["year"] == 2009) & s["area_code"].isin(_pilot_codes())]
    share = pilots.loc[pilots["function"].isin(["Social protection", "Education", "Health"]), "amount_gbp"].sum() \
        / pilots["amount_gbp"].sum()
    print(f"\nsocial protection + education + health: {share:.1%} of the pilots' 2009/10 count")
    assert 0.68 <= share <= 0.85


def _shares(spend: pd.DataFrame, codes: tuple[str, ...], year: int) -> tuple[float, float, int]:
    x = spend[(spend["year"] == year) & spend["area_code"].isin(codes)]
    total = x["amount_gbp"].sum()
    reported = x.loc[x["level"].eq("council") & x["basis"].eq("reported"), "amount_gbp"].sum() / total
    local = x.loc[x["level"].isin(["council", "local body", "carried forward"]), "amount_gbp"].sum() / total
    return reported, local, x.loc[x["amount_gbp"] > 0, "agency"].nunique()


def test_every_pilot_rests_on_its_own_accounts_and_counts_every_agency(public):
    """2009/10: at least 15% of each pilot's count is its own councils' accounts; 2023/24: at least 25% is its
    councils' and the local bodies' serving it (police, fire, ICB); 8 agencies or more in 2009/10 and 2024/25."""
    s = public["spend"]
    print()
    for p in load_places():
        rep09, _, ag09 = _shares(s, p.area_codes, 2009)
        _, loc23, _ = _shares(s, p.area_codes, 2023)
        _, _, ag24 = _shares(s, p.area_codes, 2024)
        print(f"{p.slug:40s} reported 2009/10 {rep09:.1%}  local 2023/24 {loc23:.1%}  agencies {ag09}/{ag24}")
        assert rep09 >= 0.15, p.slug
        assert loc23 >= 0.25, p.slug
        assert ag09 >= 8 and ag24 >= 8, p.slug


def test_every_authority_has_a_count_every_year_2009_10_to_2024_25(public):
    s = public["spend"]
    areas = set(public["areas"]["area_code"]) - {"E92000001"}
    held = s.groupby("year")["area_code"].nunique()
    assert list(held.index[held.index >= 2009]) == list(range(2009, 2025))
    for year in range(2009, 2025):
        assert held[year] == len(areas), year


def test_luton_is_counted_across_agencies_and_nothing_is_counted_twice(public):
    s = public["spend"]
    luton = s[(s["year"] == 2017) & (s["area_code"] == "E06000032")]
    agencies = set(luton.loc[luton["amount_gbp"] > 0, "agency"])
    assert len(agencies) >= 8, agencies
    assert {"NHS", "Police", "Council", "DWP and Jobcentre Plus", "Prisons and probation",
            "Fire and rescue"} <= agencies
    rec = public["reconciliation"]
    mine = rec[(rec["area_code"] == "E06000032") & (rec["year"] == 2017)]
    groups = set(mine["group"])
    assert {"Education", "Adult social care", "Children's social care", "Police", "Fire and rescue"} <= groups
    assert not luton.duplicated(["theme", "agency", "service", "spend_type"]).any()
    council_csc = luton[(luton["service"] == "Children's social care") & (luton["agency"] == "Council")
                        & (luton["spend_type"] == "current")]
    assert list(council_csc["basis"]) == ["reported"]  # the apportioned LG current share is gone
    police = luton[luton["service"].str.startswith("Police (") & luton["level"].eq("local body")]
    assert police["driver"].str.contains("Bedfordshire").all()  # the force's own accounts, shared in its area


def test_birminghams_missing_2023_24_accounts_are_carried_forward_and_said_so(public):
    missing = {e["year"]: e for e in public["manifest"]["count"]["missing_accounts"] if e["body"] == "Birmingham"}
    assert set(missing) == {"2022/23", "2023/24"}  # '[x]' in both workbooks: its latest own accounts are 2021/22
    assert "2021/22 accounts carried forward" in missing["2023/24"]["fallback"]
    s = public["spend"]
    b = s[(s["year"] == 2023) & (s["area_code"] == "E08000025") & s["agency"].eq("Council")]
    own = b[b["level"] == "carried forward"]
    assert own["amount_gbp"].sum() > 1e9 and set(own["basis"]) == {"estimated"}
    assert own["driver"].str.contains("return is missing").all()


def test_the_nhs_is_shared_by_need_from_the_icb_allocations(public):
    s = public["spend"]
    icb = s[s["service"].str.contains(" ICB, ", regex=False)]
    assert set(icb["year"]) == {2023, 2024}
    england_2023 = icb.loc[icb["year"] == 2023, "amount_gbp"].sum()
    assert 115e9 < england_2023 < 125e9  # core, primary medical and other primary care allocations, 2023/24
    assert icb["driver"].str.contains("needs-weighted").all() and set(icb["level"]) == {"local body"}
    older = s[(s["year"] == 2015) & s["agency"].eq("NHS") & s["service"].str.startswith("NHS medical services")]
    assert older["driver"].str.contains("weighted by NHS need").all()


def test_the_place_overview_opens_on_the_latest_year_with_an_honest_title_and_the_series(public, tmp_path,
                                                                                        monkeypatch):
    from totalplace_lib.batch.runner import run_batch

    monkeypatch.setenv("TOTALPLACE_REPORTS_DIR", str(tmp_path))
    areas = ["E06000032", *(p.slug for p in load_places())]
    summary = run_batch(areas, ["place"], jobs=2, dataset="public", progress=False)
    assert summary.exit_code == 0, [r.error for r in summary.results] + summary.bad_inputs
    for slug in ["e06000032", *(p.slug for p in load_places())]:
        figures = json.loads((tmp_path / "public" / slug / "place.json").read_text())["figures"]
        assert figures["total_spend_gbp"]["period"] == "2024/25"
        assert figures["agencies_counted"]["value"] >= 8, slug
        assert 0.25 <= figures["local_share"]["value"] < 1, slug
        assert 0.68 <= figures["social_protection_education_health_share"]["value"] <= 0.9, slug
        html = (tmp_path / "public" / slug / "place.html").read_text()
        assert "The Total Place count for" in html and "The count since 2009/10" in html and "Traceback" not in html
        assert "2009/10" in html and "Per resident (real)" in html
    luton = tmp_path / "public" / "e06000032"
    assert "mid-2023 population" in (luton / "place.html").read_text()  # per head: the nearest year, said so
    from openpyxl import load_workbook

    sheets = load_workbook(luton / "place.xlsx", read_only=True).sheetnames
    assert any("Year" in s for s in sheets)  # the series is in the report's workbook


def test_a_year_the_cra_does_not_cover_is_not_titled_the_count(public, tmp_path, monkeypatch):
    from totalplace_lib.batch.runner import run_batch

    monkeypatch.setenv("TOTALPLACE_REPORTS_DIR", str(tmp_path))
    summary = run_batch(["E06000032"], ["place"], jobs=1, dataset="public", year=2008, progress=False)
    assert summary.exit_code == 0, [r.error for r in summary.results] + summary.bad_inputs
    html = (tmp_path / "public" / "e06000032" / "place.html").read_text()
    assert "The Total Place count for" not in html and "not the whole count" in html
