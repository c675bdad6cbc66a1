"""Params files: the 13 pilots load; bad files give one line naming file, line and key."""

from __future__ import annotations

import pytest

from totalplace_lib.core.errors import ParamsError
from totalplace_lib.data.datasets import load_dataset
from totalplace_lib.data.places import list_slugs, load_place, parse_place

PILOTS = {
    "birmingham", "bradford", "central-bedfordshire-luton", "coventry-solihull-warwickshire", "croydon",
    "dorset-poole-bournemouth", "durham", "kent", "leicester-leicestershire", "lewisham",
    "manchester-warrington", "south-tyneside-gateshead-sunderland", "worcestershire",
}

GOOD = 'slug: "x"\nname: "X"\narea_codes: ["E06000032"]\n'


def test_the_13_pilots_have_params_files_that_load_and_match_the_data():
    assert set(list_slugs()) == PILOTS
    codes = set(load_dataset("sample").areas["area_code"])
    for slug in PILOTS:
        p = load_place(slug)
        assert p.slug == slug and p.area_codes and p.pilot_themes
        assert set(p.area_codes) <= codes
    assert load_place("central-bedfordshire-luton").area_codes == ("E06000056", "E06000032")


@pytest.mark.parametrize(
    "text, line, key, words",
    [
        (GOOD + "yeer: 2009\n", 4, "yeer", "unknown key"),
        ('slug: "x"\nname: "X"\narea_codes: [0123]\n', 3, "area_codes", "quote"),
        ('slug: "x"\nname: "X"\narea_codes: ["E0600003"]\n', 3, "area_codes", "GSS"),
        (GOOD + 'year: "2009"\n', 4, "year", "expected int"),
        (GOOD + "year: true\n", 4, "year", "expected int"),
        ('slug: "x"\nname: "X"\n', None, "area_codes", "required"),
        (GOOD + "scenarios: [1, 2]\n", 4, "scenarios", "expected dict"),
    ],
)
def test_bad_params_are_named(text, line, key, words):
    with pytest.raises(ParamsError) as err:
        parse_place(text, "params/x.yaml")
    assert (err.value.line, err.value.column) == (line, key)
    assert words in str(err.value) and "params/x.yaml" in str(err.value)


def test_yaml_syntax_error_gives_line():
    with pytest.raises(ParamsError, match="invalid YAML") as err:
        parse_place('slug: "x"\nname: [unclosed\n', "params/x.yaml")
    assert err.value.line is not None


def test_slug_must_match_file_name():
    with pytest.raises(ParamsError, match="equal the file name"):
        parse_place(GOOD, "params/other.yaml")


def test_unknown_area_lists_known_ones():
    with pytest.raises(ParamsError, match="known areas: birmingham"):
        load_place("luton")


def test_a_comma_and_space_in_an_area_name_does_not_split_it():
    from totalplace_lib.cli import _split

    assert _split(["E06000047,E09000023", "Bournemouth, Christchurch and Poole", "Herefordshire, County of"]) == [
        "E06000047", "E09000023", "Bournemouth, Christchurch and Poole", "Herefordshire, County of"]
    assert _split(["place,housing", "offenders"]) == ["place", "housing", "offenders"]
