"""Ingest of the real public files (skipped, saying why, when ../shared/data/real is absent)."""

from __future__ import annotations

import pandas as pd
import pytest

from totalplace_lib.core import paths
from totalplace_lib.ingest import readers, run_ingest, vintage
from totalplace_lib.ingest.pipeline import reader_for

REAL = paths.real_data_dir()
pytestmark = pytest.mark.skipif(not (REAL / "geography" / "ltla14_lookup.csv").exists(),
                                reason=f"real public data not present at {REAL}")


@pytest.fixture(scope="module")
def public(tmp_path_factory):
    out = tmp_path_factory.mktemp("processed") / "public"
    manifest = run_ingest(REAL, out)
    tables = {t: pd.read_csv(out / f"{t}.csv", dtype={"period": str}) for t in
              ("areas", "spend", "activity", "population", "indicators")}
    return manifest, tables


def test_every_row_read_is_used_or_rejected_with_a_reason(public):
    manifest, _ = public
    data_files = [f for f in manifest["files"] if f["rows_read"]]
    assert len(data_files) >= 20
    for f in data_files:
        assert f["rows_read"] == f["rows_used"] + f["rows_rejected"], f["file"]
        assert sum(r["rows"] for r in f["rejected_reasons"].values()) == f["rows_rejected"], f["file"]
        assert len(f["sha256"]) == 64
    not_read = [f for f in manifest["files"] if not f["rows_read"]]
    assert all(f["note"] for f in not_read), "every file not ingested says why"


def test_luton_2009_10_real_values(public):
    _, t = public
    act, spend, ind, pop = t["activity"], t["spend"], t["indicators"], t["population"]
    luton = act[(act.area_code == "E06000032") & (act.year == 2009)].set_index("measure")["value"]
    assert luton["children looked after at 31 March"] == 339
    placements = [m for m in luton.index if m.startswith("children looked after: ")]
    assert sum(luton[m] for m in placements) == 339  # suppressed cells carried as their own group
    p = pop[(pop.area_code == "E06000032") & (pop.year == 2009)]
    assert (p["age"].iloc[0], p["age_to"].iloc[0], p["persons"].iloc[0]) == (0, 17, 48_500)
    yot = spend[(spend.area_code == "E06000032") & (spend.year == 2009)
                & (spend.service == "Youth justice: youth offending teams")]
    assert yot["amount_gbp"].tolist() == [1_342_197]
    lape = ind[(ind.area_code == "E06000032") & (ind.indicator.str.startswith("Alcohol-related admissions"))
               & (ind.period == "2009/10")]
    assert lape["value"].tolist() == [599]


def test_s52_subtotals_rejected_not_counted(public):
    manifest, t = public
    s52 = next(f for f in manifest["files"] if f["file"].endswith("outturn_2009_10.csv"))
    assert any(r.startswith("subtotal line 'Total Youth Justice'") and v["rows"] == 152
               for r, v in s52["rejected_reasons"].items())
    assert not t["spend"]["service"].str.contains("Total", case=False).any()


def test_sfr27_2010_placement_labels_corrected():
    """As labelled, England's foster placements would be 410; realigned they are 47,200 of 64,400."""
    r = readers.read_dfe_cla_sfr(REAL / "early_years" / "dfe_sfr27_cla_at_31_march_2010_by_placement.csv")
    eng = {x["measure"]: x["value"] for x in r.rows["activity"] if x.get("area_code") == "E92000001"}
    assert eng["children looked after: foster care"] == 47_200
    assert eng["children looked after at 31 March"] == 64_400


def test_vintage_rule():
    v = vintage.load(REAL)
    assert v.target("E06000060").code == "E10000002" and v.target("E06000060").whole  # Bucks 2020 = county
    north = v.target("E06000061")
    assert north.code == "E10000021" and not north.whole  # one part of Northamptonshire
    bcp = v.target("E06000058")
    assert bcp.code is None and "several 2014 authorities" in bcp.reason
    assert v.dfe("821").code == "E06000032" and v.dfe("835").code == "E10000009"
    assert v.dfe("820").code is None and "Bedford" in v.dfe("820").reason
    assert v.target("E23000001").code is None and "police" in v.target("E23000001").reason


def test_counties_summed_only_when_every_part_is_present(public):
    _, t = public
    pop = t["population"]
    n = pop[(pop.area_code == "E10000021") & (pop.year == 2020)]["persons"].sum()
    assert 740_000 < n < 770_000  # Northamptonshire = North + West Northamptonshire (mid-2020, ~757k)
    assert pop[(pop.area_code == "E10000009") & (pop.year == 2020)].empty  # Dorset: Christchurch went to BCP


def test_reader_tolerates_other_editions(tmp_path):
    """Renamed headers (LA / LA Name), a ReturnStatus column, Latin-1 bytes, a period column, £ thousands."""
    f = tmp_path / "s52_other_edition.csv"
    f.write_bytes("LA,LA Name,Period,S52 Line Reference,ReturnStatus,Net Current Expenditure (£000)\n"
                  "821,Luton,2009-10,Youth offender teams,Final,1342\n"
                  "821,Luton,2009-10,Total Youth Justice,Final,2000\n"
                  "821,Luton,2009-10,Fostering services,Final,x\n"
                  "821,Lut\xf3n,2009-10,Residential care,Final,5\n".encode("latin-1"))
    r = reader_for(f)(f)
    assert r.encoding in ("cp1252", "latin-1") and r.rows_read == 4
    amounts = [x["amount_gbp"] for x in r.rows["spend"]]
    assert amounts == [1_342_000, 5_000] and r.rows["spend"][0]["year"] == 2009
    assert "subtotal" in r.rejected[3] and "suppressed" in r.rejected[4]


def test_nearest_neighbours_are_similar_authorities(public, tmp_path, monkeypatch):
    from totalplace_lib.data.datasets import load_dataset
    from totalplace_lib.methods import neighbours

    monkeypatch.setenv("TOTALPLACE_ROOT", str(paths.project_root()))
    ds = load_dataset("public") if paths.data_dir("public").exists() else None
    if ds is None:
        pytest.skip("data/processed/public not built")
    near = neighbours.nearest(ds, ("E06000032",))
    assert len(near) == 5 and "E06000032" not in set(near["area_code"])
    assert near["distance"].is_monotonic_increasing


def test_unseen_s52_lines_are_classified_by_rule_or_kept_as_unclassified(tmp_path):
    """Nothing a publisher reports is dropped for want of a classification (issue 16)."""
    f = tmp_path / "s52_new_edition.csv"
    f.write_text("LA,LA Name,Period,S52 Line Reference,Net Current Expenditure (£000)\n"
                 "821,Luton,2010-11,Sure Start children's centres (new line),750\n"
                 "821,Luton,2010-11,Something the DfE added in 2011,120\n"
                 "821,Luton,2010-11,Total children's centres,750\n", encoding="utf-8")
    r = reader_for(f)(f)
    spend = {x["service"]: x for x in r.rows["spend"]}
    sure_start = spend["Early years: Sure Start children's centres (new line) (classified by rule)"]
    assert sure_start["theme"] == "early_years" and sure_start["amount_gbp"] == 750_000
    other = spend["Unclassified Section 52 line: Something the DfE added in 2011"]
    assert other["theme"] == "unclassified" and other["amount_gbp"] == 120_000 and other["stage"] == "universal"
    assert "subtotal" in r.rejected[4] and r.rows_read == 3


def test_an_unnamed_fingertips_indicator_is_kept_under_its_published_name(tmp_path):
    f = tmp_path / "fingertips_new.csv"
    f.write_text("area_code,area_name,period,value,indicator,count,denominator\n"
                 "E06000032,Luton,2019/20,12.5,Admission episodes for something new,25,200000\n", encoding="utf-8")
    r = reader_for(f)(f)
    (row,) = r.rows["indicators"]
    assert row["indicator"] == "Admission episodes for something new" and row["value"] == 12.5
    assert row["unit"] == "as published (Fingertips)" and not r.rejected
