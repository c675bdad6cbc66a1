"""The issue's own file-defined theme reports, run by papermill and rendered, on the real public data."""

from __future__ import annotations

import json

import pytest

from totalplace_lib.core import paths

REAL = paths.real_data_dir()
pytestmark = pytest.mark.skipif(not (REAL / "health_index").exists(), reason=f"real public data not at {REAL}")


@pytest.mark.parametrize("year", [2009, 2024])
def test_older_people_housing_and_worklessness_for_their_pilots(public_data, tmp_path, monkeypatch, year):
    """Dorset, Poole & Bournemouth's older people, Durham's housing and Lewisham's worklessness in 2009/10 and the
    latest year: spend from at least 4 agencies, basis shares stated, the series chart, 3+ indicators with
    England's value, the same record, workbook and index entry as every report."""
    from totalplace_lib.batch.runner import run_batch

    monkeypatch.setenv("TOTALPLACE_REPORTS_DIR", str(tmp_path))
    cases = {"dorset-poole-bournemouth": "older_people", "durham": "housing", "lewisham": "worklessness"}
    for slug, theme in cases.items():
        summary = run_batch([slug], [theme], jobs=1, dataset="public", progress=False, year=year)
        assert summary.exit_code == 0, [r.error for r in summary.results] + summary.bad_inputs
        out = tmp_path / "public" / slug
        figs = json.loads((out / f"{theme}.json").read_text())["figures"]
        assert figs["agencies_counted"]["value"] >= 4
        assert figs["theme_spend_gbp"]["period"] == f"{year}/{(year + 1) % 100:02d}"
        assert figs["theme_per_head_gbp"]["value"] > 0
        html = (out / f"{theme}.html").read_text()
        assert "from the bodies' own accounts (reported)" in html and "apportioned" in html
        assert "in real terms, 2009/10 to 2024/25" in html  # the series chart's title
        assert html.count("against England&#x27;s") + html.count("against England's") >= 3
        assert "Traceback" not in html and (out / f"{theme}.xlsx").exists()
    index = (tmp_path / "public" / "index.html").read_text()
    assert all(f"{slug}/{theme}.html" in index for slug, theme in cases.items())
    assert "Older people: every agency" in index


def test_the_national_run_can_include_file_themes(public_data):
    from totalplace_lib.batch.runner import plan

    jobs, bad = plan(None, ["place", "housing"], "public", all_areas=True)
    assert not bad and {j.theme for j in jobs} == {"place", "housing"}
    assert len({j.place.slug for j in jobs}) > 140
    every, _ = plan(["E06000047"], ["all"], "public")
    assert {"place", "alcohol", "older_people", "housing", "worklessness"} <= {j.theme for j in every}
