"""The real Total Place count on the publishers' files, against the figures the pilots published.

Published figures (typed in with their citation):
- the 13 pilots: "£82bn" of public spending for "more than 11 million people" in 2009-10 (HM Treasury &
  CLG, *Total Place: a whole area approach to public services*, March 2010; seeds 001/003);
- Birmingham: "£7.5bn" of public money a year (publicnet, 30 October 2009);
- social protection, education and health: 70-80% of the pilots' counts (the same final report).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from totalplace_lib import paths
from totalplace_lib.params import load_places

REAL = paths.real_data_dir()
pytestmark = pytest.mark.skipif(not (REAL / "spending" / "hmt_cra2018_database_2013_14_to_2017_18.xlsx").exists(),
                                reason=f"real public data (CRA workbooks) not present at {REAL}")
PILOTS_GBP, BIRMINGHAM_GBP = 82e9, 7.5e9


@pytest.fixture(scope="module")
def public():
    from totalplace_lib.ingest import run_ingest

    folder = paths.data_dir("public")
    if not (folder / "regional_spend.csv").exists():
        run_ingest(REAL)
    spend = pd.read_csv(folder / "spend.csv", dtype={"area_code": str})
    return {"spend": spend, "folder": folder,
            "regional": pd.read_csv(folder / "regional_spend.csv", dtype={"region_code": str}),
            "reconciliation": pd.read_csv(folder / "reconciliation.csv", dtype={"area_code": str}),
            "areas": pd.read_csv(folder / "areas.csv", dtype={"area_code": str})}


def test_each_regions_authorities_add_up_to_its_cra_figure_to_the_penny(public):
    """Apportioned lines (kept or replaced by a council's outturn) sum exactly to the region's CRA total."""
    from totalplace_lib.ingest.cra import region_key, region_lookup
    from totalplace_lib.ingest.topdown import Classification

    cls = Classification.load()
    regions = region_lookup()
    region_of = {r.area_code: regions[region_key(r.region)].code for r in public["areas"].itertuples()
                 if r.area_code != "E92000001"}
    spend, rec, cra = public["spend"], public["reconciliation"], public["regional"]
    cra = cra[cra["identifiable"] & cra["region_code"].str.startswith("E12", na=False)].copy()
    last = cra.groupby("edition")["year"].max()  # a year both editions cover is the later edition's
    owner = cra[["year", "edition"]].drop_duplicates().assign(last=lambda d: d["edition"].map(last))
    owner = owner.sort_values("last").drop_duplicates("year", keep="last").set_index("year")["edition"]
    cra = cra[cra["edition"] == cra["year"].map(owner)]
    cra["agency"] = [cls.agency(d, b, s) for d, b, s in zip(cra["department"], cra["body"], cra["subfunction"],
                                                              strict=True)]
    lines = cra.groupby(["region_code", "year", "agency", "subfunction", "capital_current", "body"])["amount_gbp"].sum()
    expected = (lines * 100).round().astype("int64").groupby(level=["region_code", "year"]).sum()
    top = spend[spend["source"].str.startswith("HM Treasury")].copy()
    top["region_code"] = top["area_code"].map(region_of)
    got = (top["amount_gbp"] * 100).round().astype("int64").groupby([top["region_code"], top["year"]]).sum()
    rep = rec[rec["counted"] == "reported"].copy()
    rep["region_code"] = rep["area_code"].map(region_of)
    rep = rep[~rep["reported_from"].str.contains("police")]  # PCC outturn replaced apportioned LG police too
    police = rec[(rec["counted"] == "reported") & rec["reported_from"].str.contains("police")].copy()
    police["region_code"] = police["area_code"].map(region_of)
    replaced = pd.concat([rep, police])
    got = got.add((replaced["apportioned_gbp"] * 100).round().astype("int64").groupby(
        [replaced["region_code"], replaced["year"]]).sum(), fill_value=0)
    years = sorted(cra["year"].unique())
    assert years[0] == 2009 and years == list(range(2009, years[-1] + 1)), years  # every year, none skipped
    assert len(expected) == 9 * len(years)  # nine regions, every year the editions cover
    diff = (got.reindex(expected.index) - expected).abs()
    print(f"\nlargest region-year difference: {diff.max()} pence over {len(expected)} region-years")
    assert diff.max() == 0


def _pilot_codes() -> list[str]:
    return [c for p in load_places() for c in p.area_codes]


def test_the_13_pilots_top_down_count_for_2009_10_is_near_the_published_82bn(public):
    s = public["spend"]
    pilots = s[(s["year"] == 2009) & s["area_code"].isin(_pilot_codes())]
    total = pilots["amount_gbp"].sum()
    current = pilots.loc[pilots["spend_type"] == "current", "amount_gbp"].sum()
    capital = total - current
    print(f"\n13 pilots 2009/10: current £{current / 1e9:.1f}bn ({current / PILOTS_GBP - 1:+.1%}), capital "
          f"£{capital / 1e9:.1f}bn, total £{total / 1e9:.1f}bn ({total / PILOTS_GBP - 1:+.1%}) vs £82bn published")
    assert len(set(_pilot_codes())) == 31
    assert abs(current / PILOTS_GBP - 1) <= 0.20
    assert abs(total / PILOTS_GBP - 1) <= 0.20


def test_birmingham_is_near_its_published_7_5bn_a_year(public):
    s = public["spend"]
    b = s[(s["year"] == 2009) & (s["area_code"] == "E08000025")]
    total = b["amount_gbp"].sum()
    current = b.loc[b["spend_type"] == "current", "amount_gbp"].sum()
    print(f"\nBirmingham 2009/10: current £{current / 1e9:.2f}bn ({current / BIRMINGHAM_GBP - 1:+.1%}), total "
          f"£{total / 1e9:.2f}bn ({total / BIRMINGHAM_GBP - 1:+.1%}) vs £7.5bn published")
    assert abs(current / BIRMINGHAM_GBP - 1) <= 0.25
    assert abs(total / BIRMINGHAM_GBP - 1) <= 0.25


def test_social_protection_education_and_health_are_about_three_quarters_of_the_pilots_count(public):
    s = public["spend"]
    pilots = s[(s["year"] == 2009) & s["area_code"].isin(_pilot_codes())]
    share = pilots.loc[pilots["function"].isin(["Social protection", "Education", "Health"]), "amount_gbp"].sum() \
        / pilots["amount_gbp"].sum()
    print(f"\nsocial protection + education + health: {share:.1%} of the pilots' 2009/10 count")
    assert 0.68 <= share <= 0.85


def test_luton_is_counted_across_agencies_and_nothing_is_counted_twice(public):
    s = public["spend"]
    luton = s[(s["year"] == 2017) & (s["area_code"] == "E06000032")]
    agencies = set(luton.loc[luton["amount_gbp"] > 0, "agency"])
    assert len(agencies) >= 8, agencies
    assert {"NHS", "Police", "Council", "DWP and Jobcentre Plus", "Prisons and probation"} <= agencies
    # the council's own outturn replaced the apportioned LG current lines of the same services
    rec = public["reconciliation"]
    mine = rec[(rec["area_code"] == "E06000032") & (rec["year"] == 2017) & (rec["counted"] == "reported")]
    assert {"Education", "Adult social care", "Children's social care", "Police"} <= set(mine["group"])
    assert not luton.duplicated(["theme", "agency", "service", "spend_type"]).any()
    council_csc = luton[(luton["service"] == "Children's social care") & (luton["agency"] == "Council")
                        & (luton["spend_type"] == "current")]
    assert list(council_csc["basis"]) == ["reported"]  # the apportioned LG current share is gone


def test_the_place_overview_counts_every_agency_for_luton_kent_and_the_13_pilots(public, tmp_path, monkeypatch):
    from totalplace_lib.runner import run_batch

    monkeypatch.setenv("TOTALPLACE_REPORTS_DIR", str(tmp_path))
    areas = ["E06000032", *(p.slug for p in load_places())]
    summary = run_batch(areas, ["place"], jobs=2, dataset="public", progress=False)
    assert summary.exit_code == 0, [r.error for r in summary.results] + summary.bad_inputs
    for slug in ["e06000032", *(p.slug for p in load_places())]:
        figures = json.loads((tmp_path / "public" / slug / "place.json").read_text())["figures"]
        assert figures["total_spend_gbp"]["period"] == "2017/18"
        assert figures["agencies_counted"]["value"] >= 8, slug
        assert 0.5 < figures["apportioned_share"]["value"] < 1, slug
        assert 0.68 <= figures["social_protection_education_health_share"]["value"] <= 0.9, slug
        html = (tmp_path / "public" / slug / "place.html").read_text()
        assert "Top-down against bottom-up" in html and "apportioned" in html and "Traceback" not in html
    luton = json.loads((tmp_path / "public" / "e06000032" / "place.json").read_text())["figures"]
    assert luton["population"]["period"] == "2020"  # per head uses the nearest population year, and says so
    assert "mid-2020 population" in (tmp_path / "public" / "e06000032" / "place.html").read_text()
    dorset = json.loads((tmp_path / "public" / "dorset-poole-bournemouth" / "place.json").read_text())["figures"]
    assert dorset["total_spend_gbp"]["value"] > 0 and dorset["spend_per_head_gbp"]["value"] is None
