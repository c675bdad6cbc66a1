"""File-defined themes on the real public data: the issue's own places, a copied theme, bad lines, and the
population-weighted values of places made of whole districts."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
import yaml

from totalplace_lib.core import paths
from totalplace_lib.core.errors import ParamsError
from totalplace_lib.core.schema import ENGLAND_CODE

REAL = paths.real_data_dir()
pytestmark = pytest.mark.skipif(not (REAL / "health_index").exists(), reason=f"real public data not at {REAL}")
CASES = [("dorset-poole-bournemouth", "older_people"), ("durham", "housing"), ("lewisham", "worklessness")]


@pytest.fixture(scope="module")
def ds(public_data):
    from totalplace_lib.data.datasets import load_dataset

    return load_dataset("public")


@pytest.mark.parametrize(("slug", "name"), CASES)
@pytest.mark.parametrize("year", [2009, 2024])
def test_the_pilots_own_themes_on_public_data(ds, slug, name, year):
    """Spend from at least 4 agencies, basis shares that add up, at least 3 indicators with England's value,
    and a series from 2009/10 to the latest year."""
    from totalplace_lib.data.places import load_place
    from totalplace_lib.themes import defined, generic

    t, place = defined.load(name), load_place(slug)
    defined.check_against(t, ds)
    h = generic.headline(ds, place, year, t)
    assert h["total_gbp"] > 1e8 and h["agencies"] >= 4
    assert h["reported_share"] + h["apportioned_share"] + h["estimated_share"] == pytest.approx(1.0)
    assert 0 < h["per_head_gbp"] < 50_000  # £ per head of the people in scope
    inds = generic.indicators(ds, place, year, t)
    with_england = inds.dropna(subset=["value", "england"])
    assert len(with_england) >= 3, inds[["indicator", "how", "england_basis"]]
    ser = generic.series(ds, place, t)
    assert ser["year"].min() == 2009 and ser["year"].max() == 2024 and ser["per_head_real_gbp"].notna().all()


def test_a_union_of_whole_districts_is_their_population_weighted_mean(ds):
    """Dorset, Poole & Bournemouth is BCP and Dorset (2019) exactly; Dorset's 2014 county alone is not."""
    from totalplace_lib.methods import district_values

    t = district_values.table(ds)
    rows = t[(t["indicator"] == "Health Index: Frailty") & (t["period"] == "2021")]
    two = rows[rows["area_code"].isin(["E06000058", "E06000059"])]
    want = (two["value"] * two["weight"]).sum() / two["weight"].sum()
    got = district_values.weighted(ds, ("E10000009", "E06000029", "E06000028"), "Health Index: Frailty", "2021")
    assert got["value"] == pytest.approx(want) and got["districts"] == 2
    alone = district_values.weighted(ds, ("E10000009",), "Health Index: Frailty", "2021")
    assert "E06000058" in alone.reason and "partly" in alone.reason
    england = district_values.weighted(ds, (ENGLAND_CODE,), "Health Index: Frailty", "2021")
    assert england["districts"] == len(rows) > 300
    assert rows["value"].min() < england["value"] < rows["value"].max()


def test_residents_of_a_union_come_from_its_districts(ds):
    from totalplace_lib.methods import district_values

    pop, year = district_values.population_nearest(ds, ("E10000009", "E06000029", "E06000028"), 2023, (65, 90))
    pop_all, _ = district_values.population_nearest(ds, ("E10000009", "E06000029", "E06000028"), 2023)
    assert year == 2023 and 150_000 < pop < 300_000 and 700_000 < pop_all < 900_000


def test_a_copied_theme_runs_as_a_new_theme_and_a_bad_line_fails_naming_file_and_key(public_data, tmp_path,
                                                                                      monkeypatch):
    """Copy housing.yaml under a new name: it runs through the batch with no code change; the same file with a
    spend line the count lacks fails in one line. (A file beside local data is found too: tests/unit.)"""
    from totalplace_lib.batch.runner import run_batch
    from totalplace_lib.data.datasets import load_dataset
    from totalplace_lib.themes import defined

    copy = paths.params_dir() / "themes" / "homes_copy.yaml"
    try:
        shutil.copy(paths.params_dir() / "themes" / "housing.yaml", copy)
        monkeypatch.setenv("TOTALPLACE_REPORTS_DIR", str(tmp_path))
        summary = run_batch(["durham"], ["homes_copy"], jobs=1, dataset="public", progress=False,
                            year=2023)
        assert summary.exit_code == 0, [r.error for r in summary.results] + summary.bad_inputs
        out = tmp_path / "public" / "durham"
        rec = json.loads((out / "homes_copy.json").read_text())["figures"]
        assert rec["theme_spend_gbp"]["value"] > 1e8 and rec["theme_spend_gbp"]["period"] == "2023/24"
        html = (out / "homes_copy.html").read_text()
        assert "Housing and homelessness" in html and "Since 2009/10" in html
        assert (out / "homes_copy.xlsx").exists()

        doc = yaml.safe_load(copy.read_text())
        doc["spend"][2]["service"] = "Social housing for unicorns"
        copy.write_text(yaml.safe_dump(doc), encoding="utf-8")
        with pytest.raises(ParamsError) as err:
            defined.check_against(defined.load("homes_copy"), load_dataset("public"))
        msg = str(err.value)
        assert "homes_copy.yaml" in msg and "spend[3].service" in msg and "unknown spend line" in msg
        assert "\n" not in msg
    finally:
        copy.unlink(missing_ok=True)


def test_an_unknown_indicator_fails_naming_file_and_key(ds, tmp_path):
    from totalplace_lib.themes import defined

    doc = yaml.safe_load((paths.params_dir() / "themes" / "worklessness.yaml").read_text())
    doc["indicators"][1]["name"] = "Health Index: Unemploymnet"
    (tmp_path / "w.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(ParamsError, match=r"indicators\[2\]\.name.*unknown indicator.*closest: Health Index: Unemp"):
        defined.check_against(defined.load(str(tmp_path / "w.yaml")), ds)


def test_file_themes_need_the_public_count():
    from totalplace_lib.batch.runner import plan

    with pytest.raises(Exception, match="--dataset public"):
        plan(["durham"], ["housing"], "sample")


def test_the_index_lists_file_theme_reports(public_data, tmp_path, monkeypatch):
    from totalplace_lib.batch.runner import run_batch

    monkeypatch.setenv("TOTALPLACE_REPORTS_DIR", str(tmp_path))
    summary = run_batch(["E06000047"], ["place", "housing"], jobs=1, dataset="public", progress=False)
    assert summary.exit_code == 0, [r.error for r in summary.results]
    index = (tmp_path / "public" / "index.html").read_text()
    assert "Housing and homelessness" in index and "e06000047/housing.html" in index
    assert pd.notna(json.loads((tmp_path / "public" / "e06000047" / "housing.json").read_text())["figures"]
                    ["theme_per_head_gbp"]["value"])


def test_the_readme_worked_example_is_a_valid_theme(ds, tmp_path):
    """The README's 'Write your own theme' example, as printed, loads and selects lines and indicators held."""
    from totalplace_lib.data.places import load_place
    from totalplace_lib.themes import defined, generic

    text = (paths.project_root() / "README.md").read_text(encoding="utf-8")
    block = text.split("## Write your own theme", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "children_support.yaml").write_text(block, encoding="utf-8")
    t = defined.load(str(tmp_path / "children_support.yaml"))
    defined.check_against(t, ds)
    assert generic.headline(ds, load_place("lewisham"), 2023, t)["total_gbp"] > 1e7


def test_a_line_can_take_a_whole_cofog_function(ds, tmp_path):
    """`function:` selects every service of a COFOG function in the count (here housing and community amenities),
    the same pounds as the function's lines summed directly; an unknown function is named with the closest."""
    from totalplace_lib.data.places import load_place
    from totalplace_lib.themes import defined

    doc = yaml.safe_load((paths.params_dir() / "themes" / "housing.yaml").read_text())
    doc["spend"] = [{"function": "Housing and community amenities", "stage": "reactive", "reason": "all of it"}]
    (tmp_path / "f.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    t = defined.load(str(tmp_path / "f.yaml"))
    defined.check_against(t, ds)
    place = load_place("durham")
    lines = ds.rows("spend", place.area_codes, 2023)
    want = lines.loc[lines["function"] == "Housing and community amenities", "amount_gbp"].sum()
    assert defined.theme_spend(ds, place, 2023, t)["amount_gbp"].sum() == pytest.approx(want) and want > 1e7
    doc["spend"][0]["function"] = "Housing and comunity amenity"
    (tmp_path / "f.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(ParamsError, match=r"spend\[1\]\.function.*closest: Housing and community amenities"):
        defined.check_against(defined.load(str(tmp_path / "f.yaml")), ds)
