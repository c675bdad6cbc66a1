"""A theme defined in a file: what a file must say, and the one-line errors when it says something else."""

from __future__ import annotations

import shutil

import pytest
import yaml

from totalplace_lib.core import paths
from totalplace_lib.core.catalogue import all_themes, is_file_theme, notebook_for, theme_files, theme_title
from totalplace_lib.core.errors import ParamsError
from totalplace_lib.themes import defined

SHIPPED = ("older_people", "housing", "worklessness")


@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_theme_is_complete_and_cited(name):
    t = defined.load(name)
    assert t.title and t.question and t.pilot
    assert set(t.definition) == {"in", "out", "why"} and all(len(v) > 60 for v in t.definition.values())
    assert t.sources and all(ln.reason for ln in t.lines) and len(t.indicators) >= 3
    assert notebook_for(name).name == "theme.ipynb" and is_file_theme(name)
    assert theme_title(name) == t.title


def test_the_catalogue_lists_notebook_themes_then_file_themes():
    names = all_themes()
    assert names[:4] == ["place", "offenders", "early_years", "alcohol"]
    assert set(SHIPPED) <= set(names[4:])
    assert not is_file_theme("place")  # a notebook's own theme is never shadowed by a file


def _write(tmp_path, doc: dict, name: str = "mine") -> str:
    p = tmp_path / f"{name}.yaml"
    p.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return str(p)


def _doc() -> dict:
    return yaml.safe_load((paths.params_dir() / "themes" / "housing.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("change", "key", "words"), [
    (lambda d: d["spend"][0].update(stage="curative"), "spend[1].stage", "unknown stage 'curative'; allowed"),
    (lambda d: d["spend"][1].pop("reason"), "spend[2].reason", "missing"),
    (lambda d: d["spend"][0].update(colour="red"), "spend[1].colour", "unknown key"),
    (lambda d: d["indicators"][0].update(polarity="up"), "indicators[1].polarity", "unknown polarity 'up'"),
    (lambda d: d.pop("definition"), "definition", "missing or empty"),
    (lambda d: d["definition"].pop("why"), "definition", "'in', 'out' and 'why'"),
    (lambda d: d.update(population={"ages": [65, 200], "label": "x"}), "population.ages", "[from, to]"),
    (lambda d: d.update(colour="red"), "colour", "unknown key; allowed"),
])
def test_a_bad_theme_file_fails_in_one_line_naming_the_file_and_key(tmp_path, change, key, words):
    d = _doc()
    change(d)
    path = _write(tmp_path, d)
    with pytest.raises(ParamsError) as err:
        defined.load(path)
    msg = str(err.value)
    assert "\n" not in msg and "mine.yaml" in msg and f"column '{key}'" in msg and words in msg


def test_an_unknown_theme_name_suggests_the_close_ones():
    with pytest.raises(ParamsError, match=r"unknown theme 'housign' \(did you mean housing"):
        defined.find("housign")


def test_a_theme_file_beside_local_data_is_found_and_wins(tmp_path, monkeypatch):
    root = tmp_path / "proj"
    shutil.copytree(paths.project_root() / "params", root / "params")
    (root / "pyproject.toml").write_text("")
    local = root / "data" / "mine" / "themes"
    local.mkdir(parents=True)
    d = _doc()
    d["title"] = "Housing, as my council counts it"
    _write(local, d, "housing")
    _write(local, d, "my_housing")
    monkeypatch.setenv("TOTALPLACE_ROOT", str(root))
    assert set(theme_files("public+mine")) >= {"housing", "my_housing", "older_people"}
    assert theme_files("public+mine")["housing"].parent == local
    assert defined.load("housing", "public+mine").title == "Housing, as my council counts it"
    assert "my_housing" not in theme_files("public")


SCENARIO = {"name": "Employment support", "years": 5, "price_year": "2009/10", "cost_confidence": 3,
            "costs": {"Council": ["from data: preventive_spend_gbp", 0, 0]},
            "outcomes": [{"name": "into_work", "cohort": "from data: population_in_scope", "engagement": 0.5,
                          "success": 0.1, "deadweight": 0.3, "attribution": 0.8, "confidence": 3,
                          "persistence": [1.0, 0.8, 0.6, 0.5, 0.4], "fiscal": {"DWP / Jobcentre Plus": 3344},
                          "cashable": 0.8}]}


def test_a_theme_scenario_is_appraised_with_its_figures_from_the_places_data(tmp_path):
    import pandas as pd

    from totalplace_lib.data.places import Place
    from totalplace_lib.methods import cba
    from totalplace_lib.themes import generic

    d = _doc()
    d["scenario"] = SCENARIO
    t = defined.load(_write(tmp_path, d))
    spend = pd.DataFrame({"amount_gbp": [1_000_000.0, 4_000_000.0], "stage": ["preventive", "reactive"]})
    place = Place(slug="x", name="X", area_codes=("E06000047",))
    sc, origin = generic.redesign(place, 2023, t, spend, 2000)
    assert sc.price_year == "2023/24" and "params/themes" not in origin and "2023/24 prices" in origin
    assert sum(sc.costs["Council"]) == 1_000_000.0 and sc.outcomes[0].cohort == 2000
    a = cba.appraise(sc)
    assert a.price_year == "2023/24" and a.pv_costs > 0 and a.pv_fiscal > 0
    gap, _ = generic.redesign(place, 2023, defined.load("housing"), spend, 2000)
    assert "gives no redesign scenario" in gap.reason


def test_a_bad_theme_scenario_names_the_file_and_the_scenario_key(tmp_path):
    d = _doc()
    d["scenario"] = {**SCENARIO, "outcomes": [{**SCENARIO["outcomes"][0], "success": 1.7}]}
    with pytest.raises(ParamsError) as err:
        defined.load(_write(tmp_path, d))
    assert "mine.yaml" in str(err.value) and "scenario." in str(err.value) and "success" in str(err.value)
    d["scenario"] = {**SCENARIO, "costs": {"Council": ["from data: moon_spend_gbp", 0, 0]}}
    with pytest.raises(ParamsError, match="moon_spend_gbp"):
        defined.load(_write(tmp_path, d))


def test_key_figures_record_a_missing_case_as_missing_with_its_reason():
    import json

    from totalplace_lib.core.gaps import Missing
    from totalplace_lib.themes import generic

    h = {"total_gbp": 5e6, "per_head_gbp": 50.0, "population": 100_000, "population_how": "all, mid-2023",
         "preventive_share": 0.2, "agencies": 4, "reported_share": 0.5, "apportioned_share": 0.5,
         "estimated_share": 0.0, "price_year": "2023/24"}
    figs = generic.key_figures(h, defined.load("housing"), "public", Missing("no case here."))
    json.dumps(figs)  # a record is JSON
    assert figs["cba_npv_gbp"]["value"] is None and figs["cba_npv_gbp"]["missing_reason"] == "No case here."
    assert figs["theme_spend_gbp"]["value"] == 5e6 and figs["theme_spend_gbp"]["basis"] == "apportioned"


def test_the_spine_chart_counts_indicators_better_than_england_by_their_polarity():
    import pandas as pd

    from totalplace_lib.core.gaps import Missing
    from totalplace_lib.report import charts

    inds = pd.DataFrame({"indicator": ["Rough sleeping", "Private outdoor space", "Air pollution"],
                         "period": ["2021"] * 3, "polarity": ["lower is better", "higher is better", "neither"],
                         "value": [2.0, 80.0, 7.0], "england": [4.0, 88.0, 7.3]})
    spread = pd.DataFrame({"indicator": inds["indicator"], "min": [0.0, 50.0, 3.0], "q1": [1.0, 80.0, 6.0],
                           "median": [3.0, 88.0, 7.0], "q3": [5.0, 92.0, 8.0], "max": [40.0, 99.0, 12.0]})
    c = charts.spine_chart(inds, spread, "Durham", "test")
    assert c.title == "Durham is better than England on 1 of 2 indicators"
    one = pd.DataFrame({"slug": ["durham", "england"], "place": ["Durham", "England"], "per_head_gbp": [500.0, 520.0]})
    assert isinstance(charts.theme_peers_chart(one, "Durham", "residents", "2024/25", "test"), Missing)


def test_the_series_chart_shows_totals_when_a_place_has_no_population():
    """Bournemouth alone has no population in the public files after 2019: the chart is of £ a year, and says so."""
    import pandas as pd

    from totalplace_lib.report import charts

    ser = pd.DataFrame({"year": [2009, 2024], "real_gbp": [100e6, 120e6], "per_head_real_gbp": [None, None],
                        "england_per_head_real_gbp": [900.0, 950.0]})
    ser.attrs["price_year"] = "2024/25"
    c = charts.theme_series_chart(ser, "Bournemouth", "residents", "test")
    assert c.title == "Spend on the theme in Bournemouth rose 20% in real terms, 2009/10 to 2024/25"
    assert "no population for this place alone" in c.alt


def test_a_theme_line_takes_the_parts_of_a_line_on_current_boundaries():
    """On current boundaries a district holds its own accounts under the line's name, its share of the county
    council's as '<service> (county council's, shared)', and parts of different bases apart: a theme naming the
    service takes all of them, and no other service."""
    from totalplace_lib.core.basis import COUNTY_SHARE, base_service, part_suffix
    from totalplace_lib.themes.defined import Line

    line = Line(service="Adult social care", label="Adult social care", stage="reactive", reason="r")
    for s in ("Adult social care", "Adult social care" + COUNTY_SHARE,
              "Adult social care" + COUNTY_SHARE + part_suffix("apportioned"), "Adult social care (reported part)"):
        assert line.matches(s, "Council") and base_service(s) == "Adult social care"
    assert not line.matches("Adult social care: older people", "Council")
    assert base_service("Police (Lancashire Police and Crime Commissioner)") == \
        "Police (Lancashire Police and Crime Commissioner)"  # a body's own name in brackets is kept
