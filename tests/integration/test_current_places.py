"""Places on current boundaries, by code or by name: counted on the 2014 dataset wherever they are a whole of the
2014 geography, else on its companion on current boundaries (``public-current``); without that companion a part of
a 2014 authority is refused naming what would make it whole."""

from __future__ import annotations

import json

import pytest

from totalplace_lib.core import paths
from totalplace_lib.core.errors import ParamsError

REAL = paths.real_data_dir()
pytestmark = pytest.mark.skipif(not (REAL / "geography" / "uk_lad_2023.hexjson").exists(),
                                reason=f"real public data not at {REAL}")


@pytest.fixture(scope="module")
def areas(public_data):
    from totalplace_lib.data.datasets import load_table

    return load_table("areas", "public")


@pytest.mark.parametrize(("given", "codes", "name"), [
    ("E06000060", ("E10000002",), "Buckinghamshire"),
    ("E06000065", ("E10000023",), "North Yorkshire"),
    ("E06000066", ("E10000027",), "Somerset"),
    ("E06000063+E06000064", ("E10000006",), "Cumberland & Westmorland and Furness"),
    ("E06000061+E06000062", ("E10000021",), "North Northamptonshire & West Northamptonshire"),
    ("E06000058+E06000059", ("E06000028", "E06000029", "E10000009"), "Bournemouth, Christchurch and Poole & Dorset"),
    ("E07000244+E07000245+E07000200+E07000202+E07000203", ("E10000029",), None),  # Suffolk's 2023 districts
])
def test_current_authorities_that_are_a_whole_of_the_2014_geography(areas, given, codes, name):
    from totalplace_lib.data.places import code_place

    p = code_place(given, areas, "public", 2024)
    assert p.area_codes == codes and p.slug == given.lower().replace("+", "-")
    if name:
        assert p.name == name


@pytest.mark.parametrize(("given", "words"), [
    ("E06000063", ["Cumberland is part of Cumbria (E10000006)", "add Westmorland and Furness (E06000064)",
                   "--area E06000063+E06000064"]),
    ("E06000058", ["part of Bournemouth (E06000028), Poole (E06000029), Dorset (E10000009)", "Dorset (E06000059)"]),
    ("E07000117", ["Burnley is part of Lancashire (E10000017)", "Pendle (E07000122)"]),
])
def test_without_current_boundaries_a_part_of_a_2014_authority_is_refused_naming_what_makes_it_whole(
        areas, given, words):
    from totalplace_lib.data.places import _current_place, current_areas

    with pytest.raises(ParamsError) as err:  # a dataset whose ingest wrote no companion on current boundaries
        _current_place(tuple(given.split("+")), current_areas("public"), "public-without-companion", 2024)
    msg = str(err.value)
    assert "\n" not in msg and all(w in msg for w in words), msg
    assert "public-without-companion-current" in msg


@pytest.mark.parametrize(("given", "codes"), [
    ("E06000063", ("E06000063",)),
    ("E06000058", ("E06000058",)),
    ("E07000117", ("E07000117",)),
    ("E07000117+E07000122+E07000125", ("E07000117", "E07000122", "E07000125")),
])
def test_a_part_of_a_2014_authority_is_a_place_on_current_boundaries(areas, given, codes):
    from totalplace_lib.data.places import code_place

    p = code_place(given, areas, "public", 2024)
    assert p.dataset == "public-current" and p.area_codes == codes


def test_on_current_boundaries_counties_and_2014_authorities_are_their_current_districts(public_data):
    from totalplace_lib.data.datasets import load_table
    from totalplace_lib.data.places import code_place

    areas = load_table("areas", "public-current")
    lancs = code_place("E10000017", areas, "public-current", 2024)
    assert lancs.name == "Lancashire" and len(lancs.area_codes) == 12 and "E07000117" in lancs.area_codes
    assert code_place("E10000006", areas, "public-current", 2024).area_codes == ("E06000063", "E06000064")
    with pytest.raises(ParamsError, match=r"Bournemouth is part of Bournemouth, Christchurch and Poole \(E06000058\)"):
        code_place("E06000028", areas, "public-current", 2024)


def test_places_by_name_and_close_names_for_a_misspelling(public_data):
    from totalplace_lib.data.places import codes_for_names

    assert codes_for_names("Cumberland", "public") == "E06000063"
    assert codes_for_names("north yorkshire", "public") == "E06000065"  # the current unitary, not the 2014 county
    assert codes_for_names("Cumberland+Westmorland and Furness", "public") == "E06000063+E06000064"
    with pytest.raises(ParamsError, match=r"'Cumberlnd'; did you mean Cumberland \(E06000063, unitary, North West\)"):
        codes_for_names("Cumberlnd", "public")
    with pytest.raises(ParamsError, match=r"Westminster \(E09000033"):
        codes_for_names("Westminstr", "public")


def test_a_current_place_by_name_runs_the_place_overview(public_data, tmp_path, monkeypatch):
    from totalplace_lib.batch.runner import run_batch

    monkeypatch.setenv("TOTALPLACE_REPORTS_DIR", str(tmp_path))
    summary = run_batch(["Buckinghamshire", "Cumberland+Westmorland and Furness"], ["place"], jobs=1,
                        dataset="public", progress=False, year=2024)
    assert summary.exit_code == 0, [r.error for r in summary.results] + summary.bad_inputs
    bucks = json.loads((tmp_path / "public" / "e06000060" / "place.json").read_text())
    assert bucks["place"] == "Buckinghamshire" and bucks["figures"]["total_spend_gbp"]["value"] > 1e9
    cumbria = json.loads((tmp_path / "public" / "e06000063-e06000064" / "place.json").read_text())
    assert cumbria["place"] == "Cumberland & Westmorland and Furness"
    part = run_batch(["Cumberland"], ["place"], jobs=1, dataset="public", progress=False, year=2024)
    assert part.exit_code == 0, [r.error for r in part.results] + part.bad_inputs
    alone = json.loads((tmp_path / "public-current" / "e06000063" / "place.json").read_text())
    assert alone["dataset"] == "public-current" and alone["place"] == "Cumberland"
    together = cumbria["figures"]["total_spend_gbp"]["value"]
    assert 0.4 * together < alone["figures"]["total_spend_gbp"]["value"] < 0.7 * together


def test_the_readme_defines_a_place_of_current_districts_in_one_small_yaml_file(public_data):
    """The README's params file, as printed, is a place of current districts read on current boundaries."""
    import re

    from totalplace_lib.data.datasets import load_dataset
    from totalplace_lib.data.places import on_boundaries, parse_place
    from totalplace_lib.report.notebook import check_run

    readme = (paths.project_root() / "README.md").read_text(encoding="utf-8")
    text = re.search(r"`params/pennine-lancashire\.yaml`.*?```yaml\n(.*?)```", readme, re.S).group(1)
    place = parse_place(text, "params/pennine-lancashire.yaml")
    public = load_dataset("public")
    found = on_boundaries(place, public.areas, "public")
    assert found.dataset == "public-current" and found.name == "Pennine Lancashire"
    assert set(found.area_codes) == {"E07000117", "E07000122", "E07000125", "E07000120", "E06000008"}
    check_run(found, load_dataset(found.dataset), found.year)  # raises if the data cannot report on it
    one_line = re.search(r"--area \"(Burnley\+[^\"]*Hyndburn[^\"]*)\"", readme).group(1)
    from totalplace_lib.data.places import codes_for_names

    assert codes_for_names(one_line, "public").split("+") == list(found.area_codes)


def test_combined_authorities_are_named_unions(public_data):
    from totalplace_lib.data.datasets import load_table
    from totalplace_lib.data.places import code_place, codes_for_names

    assert codes_for_names("Greater Manchester", "public") == "E47000001"
    assert codes_for_names("Lancashire", "public") == "E10000017"  # the county, before the combined authority
    gm = code_place("E47000001", load_table("areas", "public"), "public", 2024)
    assert gm.dataset == "public" and len(gm.area_codes) == 10 and gm.name == "Greater Manchester"
    ne = code_place("E47000014", load_table("areas", "public-current"), "public-current", 2024)
    assert set(ne.area_codes) == {"E06000047", "E06000057", "E08000021", "E08000022", "E08000023", "E08000024",
                                  "E08000037"}  # North of Tyne and the 2018 North East, merged in 2024
