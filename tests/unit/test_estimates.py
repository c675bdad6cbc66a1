"""Estimates from published aggregates (issue 16), on hand-made aggregates worked by hand; the local
layer's precedence and validation; the template an analyst fills."""

from __future__ import annotations

import csv
import shutil
import uuid

import numpy as np
import pandas as pd
import pytest

from totalplace_lib.core import basis, paths
from totalplace_lib.core.errors import DataValidationError, TotalPlaceInputError
from totalplace_lib.ingest import estimates
from totalplace_lib.themes import offenders


def _pop(rows):
    """Single-year population rows: (area, year, age, persons)."""
    return pd.DataFrame([{"area_code": a, "year": y, "age": g, "persons": p, "age_to": np.nan} for a, y, g, p in rows])


def _ind(rows):
    return pd.DataFrame([{"area_code": a, "indicator": i, "period": p, "value": v} for a, i, p, v in rows])


# ---- offenders ----------------------------------------------------------------------------------

def test_recorded_crime_is_rate_per_1000_times_residents_and_a_county_sums_its_districts():
    pop = _pop([("E06000099", 2020, 30, 200_000)])
    ind = _ind([("E06000099", estimates.PERSONAL, "2017", 50.0), ("E06000099", estimates.LOW_LEVEL, "2017", 10.0)])
    dind = pd.DataFrame([{"area_code": "E10000099", "district": d, "indicator": estimates.PERSONAL, "period": "2017",
                          "value": v} for d, v in (("E07000001", 20.0), ("E07000002", 40.0))])
    dpop = pd.DataFrame([{"area_code": "E10000099", "district": d, "year": 2020, "age": 30, "persons": p,
                          "age_to": np.nan} for d, p in (("E07000001", 100_000), ("E07000002", 50_000))])
    out = estimates.recorded_crime(ind, pop, (dind, dpop)).set_index(["area_code", "measure"])["value"]
    assert out[("E06000099", "recorded offences: personal crime")] == 10_000  # 50 / 1,000 x 200,000
    assert out[("E06000099", "recorded offences: low-level crime")] == 2_000
    assert out[("E10000099", "recorded offences: personal crime")] == 4_000  # 20 x 100 + 40 x 50


def test_a_county_with_a_district_missing_gets_no_estimate():
    dind = pd.DataFrame([{"area_code": "E10000099", "district": "E07000001", "indicator": estimates.PERSONAL,
                          "period": "2017", "value": 20.0}])
    dpop = pd.DataFrame([{"area_code": "E10000099", "district": d, "year": 2020, "age": 30, "persons": 1000,
                          "age_to": np.nan} for d in ("E07000001", "E07000002")])
    out = estimates.rate_counts(_ind([]), _pop([]), estimates.PERSONAL, 1000, (dind, dpop))
    assert out.empty


def test_prolific_cohort_at_the_pilots_ratio_and_its_cost():
    crime = pd.DataFrame([{"area_code": a, "year": 2017, "measure": "recorded offences: personal crime", "value": v}
                          for a, v in (("E06000032", 6_000), ("E06000056", 4_000), ("E06000099", 20_000))])
    out = estimates.prolific_cohort(crime).set_index(["area_code", "measure"])["value"]
    assert out[("E06000099", "prolific offenders (estimated)")] == 500  # 250 x 20,000 / 10,000
    assert out[("E06000099", "offences by prolific offenders (estimated)")] == 5_000  # a quarter of 20,000
    act = pd.DataFrame([{"area_code": "E06000099", "year": 2017, "theme": "offenders", "measure": m, "value": v,
                         "unit": "x", "source": "estimated: test", "basis": "estimated"}
                        for m, v in (("recorded offences: personal crime", 20_000),
                                     ("prolific offenders (estimated)", 500),
                                     ("offences by prolific offenders (estimated)", 5_000))])
    pc = offenders.prolific_cost(offenders.Missing("no events"), act, 30, "2017/18")
    per_offence = offenders.crime_costs(act, "2017/18")["unit_cost_gbp"].iloc[0]  # violence without injury
    assert pc.basis == "estimated" and pc.cohort == 500
    assert pc.per_offender_gbp == pytest.approx(10 * per_offence)  # 5,000 offences / 500 people
    fiscal = pc.fiscal_per_desister()  # police, CJS and health shares of the cost per offence, no contacts
    assert sum(fiscal.values()) == pytest.approx(10 * per_offence * (0.18 + 0.14 + 0.06))


# ---- alcohol ------------------------------------------------------------------------------------

def test_alcohol_counts_by_hand():
    pop = _pop([("E06000099", 2020, 10, 50_000), ("E06000099", 2020, 40, 150_000),
                ("E06000098", 2020, 40, 100_000)])
    ind = _ind([("E06000099", estimates.ADMISSIONS, "2017/18", 800.0), ("E06000098", estimates.ADMISSIONS, "2017/18",
                                                                         400.0),
                ("E92000001", estimates.ADMISSIONS, "2017/18", 600.0)])
    crime = pd.DataFrame([{"area_code": "E06000099", "year": 2017, "measure": "recorded offences: personal crime",
                           "value": 10_000.0}])
    out = estimates.alcohol_counts(ind, pop, crime).set_index(["area_code", "measure"])["value"]
    assert out[("E06000099", "alcohol-related admissions (narrow)")] == 1_600  # 800 / 100,000 x 200,000
    assert out[("E92000001", "alcohol-related admissions (narrow)")] == 1_800  # 600 x 300,000 (all authorities)
    assert out[("E06000099", "alcohol-related crimes")] == 3_900  # 39% of 10,000 personal crimes
    ratio = (1_600 / 200_000) / (1_800 / 300_000)
    assert out[("E06000099", "dependent drinkers (estimated)")] == round(150_000 * 0.0139 * ratio)


def test_public_health_split_by_englands_ro3_shares_adds_up_to_the_penny():
    def line(area, service, amount, theme="general"):
        return {"area_code": area, "year": 2017, "theme": theme, "agency": "Council", "service": service,
                "stage": "preventive", "amount_gbp": amount, "price_year": "2017/18", "source": "RO", "basis": None}
    spend = pd.DataFrame([line("E92000001", "Public health", 1_000_000.0),
                          line("E92000001", "Alcohol: treatment for alcohol misuse in adults", 100_000.0, "alcohol"),
                          line("E92000001", "Drugs: treatment for drug misuse in adults", 150_000.0, "alcohol"),
                          line("E06000099", "Public health", 12_345.67)])
    out = estimates.substance_lines(spend)
    mine = out[out["area_code"] == "E06000099"].set_index("service")
    assert mine["amount_gbp"].sum() == pytest.approx(12_345.67, abs=1e-9)
    assert mine.at["Alcohol: treatment for alcohol misuse in adults", "amount_gbp"] == pytest.approx(1_234.57)
    assert mine.at["Drugs: treatment for drug misuse in adults", "basis"] == "estimated"
    assert mine.at["Public health (other than substance misuse)", "amount_gbp"] == pytest.approx(9_259.25)


# ---- early years --------------------------------------------------------------------------------

def test_births_proxy_and_placements_by_the_authoritys_own_mix():
    births = estimates.births_proxy(_pop([("E06000099", 2020, 0, 3_244), ("E06000099", 2020, 1, 3_300)]))
    assert births[["measure", "value", "basis"]].values.tolist() == [["births", 3_244.0, "estimated"]]
    act = pd.DataFrame([{"area_code": "E06000099", "year": y, "measure": m, "value": v}
                        for y, m, v in ((2009, "children looked after: foster care", 300),
                                        (2009, "children looked after: residential care", 100),
                                        (2020, estimates.CLA_TOTAL, 201))])
    out = estimates.placements(act).set_index("measure")["value"]
    assert out.sum() == 201 and out["children looked after: foster care"] == 151  # 75% of 201, largest remainder


def test_education_split_by_the_regions_cra_under_fives_share():
    spend = pd.DataFrame([{"area_code": "E06000099", "year": 2020, "theme": "children", "agency": "Council",
                           "service": estimates.EDUCATION, "stage": "preventive", "amount_gbp": 1_000_000.0,
                           "price_year": "2020/21", "source": "RO", "basis": "reported"}])
    regional = pd.DataFrame([{"region_code": "E12000001", "year": 2017, "body": "LG", "capital_current": "CUR",
                              "function": "9. Education", "subfunction": s, "amount_gbp": v}
                             for s, v in ((estimates.UNDER_FIVES, 100.0), ("9.2 Secondary education", 300.0))])
    app = pd.DataFrame([{"area_code": "E06000099", "region_code": "E12000001"}])
    out = estimates.early_years_lines(spend, regional, app).set_index("theme")
    assert out.at["early_years", "amount_gbp"] == 250_000  # 25% of the line, by the latest CRA year (2017/18)
    assert "latest CRA year" in out.at["early_years", "driver"] and out.at["children", "amount_gbp"] == 750_000


def test_basis_of_a_figure_is_its_weakest_input():
    assert basis.of("reported", "estimated") == "estimated"
    assert basis.of("reported", "local") == "local" and basis.of("local", "apportioned") == "apportioned"
    assert basis.of(pd.DataFrame({"basis": ["reported", "illustrative"]})) == "illustrative"
    assert basis.of() is None


# ---- the analyst's own records ------------------------------------------------------------------

def test_template_writes_header_only_tables_and_a_readme_and_never_overwrites(tmp_path):
    from totalplace_lib.core.schema import TABLES
    from totalplace_lib.data.datasets import LOCAL_TABLES
    from totalplace_lib.data.local import write_template

    files = write_template(["E06000032"], tmp_path / "mine")
    assert {f.name for f in files} == {f"{t}.csv" for t in LOCAL_TABLES} | {"README.md"}
    for t in LOCAL_TABLES:
        rows = list(csv.reader(open(tmp_path / "mine" / f"{t}.csv", encoding="utf-8")))
        assert len(rows) == 1 and set(c.name for c in TABLES[t].columns if c.required) <= set(rows[0])
    readme = (tmp_path / "mine" / "README.md").read_text(encoding="utf-8")
    assert "E06000032,2017,offenders,Council,Youth offending team" in readme and "replaces" in readme
    with pytest.raises(TotalPlaceInputError, match="already holds"):
        write_template(["E06000032"], tmp_path / "mine")


@pytest.fixture
def local_layer():
    """A fresh data/<name>/ folder for a local layer, removed afterwards."""
    if not (paths.data_dir("public") / "manifest.json").exists():
        pytest.skip("the public dataset is not ingested here (needs ../shared/data/real)")
    name = f".test-local-{uuid.uuid4().hex[:8]}"
    folder = paths.project_root() / "data" / name
    folder.mkdir()
    yield name, folder
    shutil.rmtree(folder, ignore_errors=True)


def test_local_rows_replace_the_same_key_and_the_estimates_of_their_family(local_layer):
    from totalplace_lib.data.datasets import load_dataset

    name, folder = local_layer
    (folder / "activity.csv").write_text(
        "area_code,year,theme,measure,value,unit,source\n"
        "E06000032,2017,offenders,recorded offences: domestic burglary,812,offences,police force\n"
        "E06000032,2017,alcohol,alcohol-related crimes,1234,offences,police force\n", encoding="utf-8")
    (folder / "events.csv").write_text("area_code,theme,person_id,event,agency,count\n"
                                       "E06000032,offenders,P1,offences,Police,40\n", encoding="utf-8")
    base = load_dataset("public")
    ds = load_dataset(f"public+{name}")
    act = ds.rows("activity", ("E06000032",), 2017)
    rec = act[act["measure"].str.startswith("recorded offences: ")]
    assert rec["measure"].tolist() == ["recorded offences: domestic burglary"]  # the estimate is replaced
    crimes = act[act["measure"] == "alcohol-related crimes"]
    assert crimes["value"].tolist() == [1234] and crimes["basis"].tolist() == ["local"]
    births = act[act["measure"] == "births"]
    assert births.empty or (births["basis"] == "estimated").all()  # other estimates stay
    assert "events" not in ds.gaps and ds.events["basis"].eq("local").all() and "events" in base.gaps
    assert any(f.parent == folder for f in ds.files())  # a change to the records reruns the report


def test_a_bad_local_file_names_file_line_and_column(local_layer):
    from totalplace_lib.data.datasets import load_dataset

    name, folder = local_layer
    (folder / "activity.csv").write_text("area_code,year,theme,measure,value,unit,source\n"
                                         "E06000032,2017,offenders,arrests,lots,arrests,custody suite\n",
                                         encoding="utf-8")
    with pytest.raises(DataValidationError) as err:
        load_dataset(f"public+{name}")
    msg = str(err.value)
    assert "activity.csv" in msg and "line 2" in msg and "value" in msg


def test_the_templates_empty_tables_are_skipped_and_an_all_empty_layer_is_a_clear_error(local_layer, tmp_path):
    from totalplace_lib.data.datasets import load_dataset
    from totalplace_lib.data.local import write_template

    name, folder = local_layer
    write_template(["E06000032"], folder)
    with pytest.raises(DataValidationError, match="holds no rows"):
        load_dataset(f"public+{name}")
    (folder / "events.csv").write_text("area_code,theme,person_id,event,agency,count\n"
                                       "E06000032,alcohol,A1,alcohol-related admission,NHS / PCT,3\n",
                                       encoding="utf-8")
    ds = load_dataset(f"public+{name}")
    assert len(ds.events) == 1 and ds.local_files == [folder / "events.csv"]
