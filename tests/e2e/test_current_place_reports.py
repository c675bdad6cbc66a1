"""The issue's places on current boundaries, each a real papermill run of the place overview rendered to HTML: a
count for every year 2009/10 -> 2024/25, what each place is made of, and a theme report for a district saying
what exists only at upper tier."""

from __future__ import annotations

import html
import json
import re

import pytest

PLACES = {  # as an analyst types them -> report folder, dataset it runs on, words its report must hold
    "E06000063": ("e06000063", "public-current", ["April 2023: formed from Allerdale, Carlisle and Copeland",
                                                  "the part of Cumbria (E10000006) that is Allerdale, Carlisle"]),
    "E06000065": ("e06000065", "public", []),
    "E06000058": ("e06000058", "public-current", ["the whole of Bournemouth (E06000028), Poole (E06000029)",
                                                  "the part of Dorset (E10000009) that is Christchurch"]),
    "E06000060": ("e06000060", "public", []),
    "Burnley": ("e07000117", "public-current", ["the part of Lancashire (E10000017) that is Burnley"]),
    "Burnley+Pendle+Rossendale": ("e07000117-e07000122-e07000125", "public-current", ["Pendle (E07000122)"]),
}


def _text(path) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))))


@pytest.fixture(scope="module")
def reports(public_data, tmp_path_factory):
    import os

    from totalplace_lib.batch.runner import run_batch

    out = tmp_path_factory.mktemp("current-reports")
    old = os.environ.get("TOTALPLACE_REPORTS_DIR")
    os.environ["TOTALPLACE_REPORTS_DIR"] = str(out)
    try:
        summary = run_batch(list(PLACES), ["place"], jobs=2, dataset="public", progress=False, year=2024)
        theme = run_batch(["Burnley"], ["early_years"], jobs=1, dataset="public", progress=False)
    finally:
        if old is None:
            os.environ.pop("TOTALPLACE_REPORTS_DIR", None)
        else:
            os.environ["TOTALPLACE_REPORTS_DIR"] = old
    assert summary.exit_code == 0, [r.error for r in summary.results] + summary.bad_inputs
    assert theme.exit_code == 0, [r.error for r in theme.results] + theme.bad_inputs
    return out


@pytest.mark.parametrize("given", list(PLACES))
def test_each_place_has_the_count_every_year_and_says_what_it_is_made_of(reports, given):
    folder, dataset, words = PLACES[given]
    rec = json.loads((reports / dataset / folder / "place.json").read_text())
    assert rec["dataset"] == dataset
    assert rec["figures"]["total_spend_gbp"]["value"] > 3e8 and rec["figures"]["total_spend_gbp"]["period"] == "2024/25"
    text = _text(reports / dataset / folder / "place.html")
    start = text.index("The count since 2009/10 The same count")  # the section, not the contents list
    series = text[start:text.index("Preventive or reactive? Each spend line")]
    years = re.findall(r"(20\d\d/\d\d) £[\d.,]+(?:bn|m) £[\d.,]+(?:bn|m) £[\d,]+", series)
    assert [f"{y}/{(y + 1) % 100:02d}" for y in range(2009, 2025)] == years[:16]
    assert all(w in text for w in words), [w for w in words if w not in text]
    assert "Traceback" not in text and " nan " not in text.lower()


def test_a_district_theme_report_says_what_exists_only_at_upper_tier(reports):
    text = _text(reports / "public-current" / "e07000117" / "early_years.html")
    assert "On current boundaries : Burnley holds part of Lancashire (E10000017)" in text  # (bold heading)
    assert "published only for the upper tier (Lancashire (E10000017)) are not shared down" in text
    assert "published for upper-tier authorities only: this place is part of Lancashire (E10000017)" in text


def test_the_index_lists_places_by_region(reports):
    page = (reports / "public-current" / "index.html").read_text(encoding="utf-8")
    regions = re.findall(r'<tr class="region"><th colspan="\d+">([^<]+)</th>', page)
    assert regions == sorted(regions) and {"North West", "South West"} <= set(regions)
