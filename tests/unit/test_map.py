"""The place among England's authorities: per-head spend of every authority and the hex map (issue 19)."""

from __future__ import annotations

import json

import pytest

from totalplace_lib.core import paths
from totalplace_lib.core.gaps import Missing
from totalplace_lib.data import geography
from totalplace_lib.data import places as params
from totalplace_lib.methods import comparison, count
from totalplace_lib.report import charts, notebook


def test_per_head_of_every_authority_agrees_with_the_place_count():
    place, ds = notebook.validate_run("croydon", "sample", 2009)
    v = comparison.per_head_by_area(ds, 2009).set_index("area_code")
    assert len(v) == len(set(ds.spend["area_code"]) - {"E92000001"})
    own = count.high_level_count(ds, place, 2009).per_head_gbp
    assert v.at[place.area_codes[0], "per_head_gbp"] == pytest.approx(own)


def test_hex_map_outlines_the_place_and_ranks_it(tmp_path, monkeypatch):
    hexes = {"E09000008": {"n": "Croydon", "q": 1, "r": 0}, "E09000023": {"n": "Lewisham", "q": 2, "r": 0},
             "E06000001": {"n": "Hartlepool", "q": 1, "r": 1}}
    (tmp_path / "geography").mkdir()
    (tmp_path / "geography" / "uk_utla.hexjson").write_text(json.dumps({"layout": "odd-r", "hexes": hexes}))
    monkeypatch.setenv("TOTALPLACE_REAL_DATA", str(tmp_path))
    geography._read.cache_clear()
    place, ds = notebook.validate_run("croydon", "sample", 2009)
    values = comparison.per_head_by_area(ds, 2009)
    chart = charts.hex_map_chart(geography.hex_layout(), values, place.area_codes, place.name, "Public spend",
                                "2009/10", "test")
    rank = int(values.sort_values("per_head_gbp", ascending=False)["area_code"].tolist().index("E09000008")) + 1
    assert chart.title.startswith(f"Croydon ranks {rank}")
    ax = chart.fig.axes[0]
    hexagons = {float(c.get_linewidth()[0]): len(c.get_paths()) for c in ax.collections}
    assert hexagons == {3.0: 1, 0.6: 2}  # the place outlined, the other two not
    assert "1 with no figure" in chart.alt  # Hartlepool is not in the sample


def test_no_layout_is_a_stated_gap(tmp_path, monkeypatch):
    monkeypatch.setenv("TOTALPLACE_REAL_DATA", str(tmp_path))
    gap = geography.hex_layout()
    assert isinstance(gap, Missing) and "uk_utla.hexjson" in gap.reason and paths.real_data_dir() == tmp_path


def test_two_places_side_by_side():
    """Issue 19: compare two places; by default the most similar (the pilot closest in population here)."""
    from totalplace_lib.core.errors import ParamsError

    place, ds = notebook.validate_run("croydon", "sample", 2009)
    other = comparison.pair_for(place, ds)
    pop = ds.population.groupby("area_code")["persons"].sum()
    gaps = {p.slug: abs(pop[list(p.area_codes)].sum() - pop[list(place.area_codes)].sum())
            for p in comparison.comparators(place, ds)[1:]}
    assert other.slug == min(gaps, key=gaps.get)
    assert comparison.pair_for(place, ds, "birmingham").name == "Birmingham"
    with pytest.raises(ParamsError, match="compare_with"):
        comparison.pair_for(place, ds, "atlantis")
    t = comparison.side_by_side(ds, place, params.load_place("birmingham"), 2009)
    total = t.iloc[-1]
    assert total["agency"] == "All agencies"
    assert total["Croydon"] == pytest.approx(count.high_level_count(ds, place, 2009).per_head_gbp)
    assert (t["difference"] == t["Croydon"] - t["Birmingham"]).all()
    assert t.iloc[:-1]["Croydon"].sum() == pytest.approx(total["Croydon"])  # agencies add up to the total
