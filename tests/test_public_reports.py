"""Public-data reports for a real authority: real numbers where the files have them, honest gaps elsewhere."""

from __future__ import annotations

import json

import pytest

from totalplace_lib import paths

REAL = paths.real_data_dir()
pytestmark = pytest.mark.skipif(not (REAL / "geography" / "ltla14_lookup.csv").exists(),
                                reason=f"real public data not present at {REAL}")


@pytest.fixture(scope="module")
def public_dataset():
    from totalplace_lib.ingest import run_ingest

    if not (paths.data_dir("public") / "manifest.json").exists():
        run_ingest(REAL)
    return paths.data_dir("public")


def test_luton_early_years_and_place_on_public_data(public_dataset, tmp_path, monkeypatch):
    from totalplace_lib.runner import run_batch

    monkeypatch.setenv("TOTALPLACE_REPORTS_DIR", str(tmp_path))
    summary = run_batch(["E06000032"], ["early_years", "place"], jobs=2, dataset="public", progress=False)
    assert summary.exit_code == 0, [r.error for r in summary.results] + summary.bad_inputs
    ey = json.loads((tmp_path / "public" / "e06000032" / "early_years.json").read_text())["figures"]
    assert ey["cla_rate_per_10k"]["value"] == pytest.approx(339 / 48_500 * 1e4)
    assert ey["children_0_5"]["value"] is None and "no early_years spend" in ey["children_0_5"]["missing_reason"]
    place = json.loads((tmp_path / "public" / "e06000032" / "place.json").read_text())["figures"]
    assert place["population"]["value"] > 200_000  # Luton mid-2020, ONS
    html = (tmp_path / "public" / "e06000032" / "early_years.html").read_text()
    assert "Not available for this place" in html and "Luton" in html
    assert (tmp_path / "public" / "index.html").exists()


def test_code_places_need_public_data():
    from totalplace_lib.errors import TotalPlaceInputError
    from totalplace_lib.runner import plan

    with pytest.raises(TotalPlaceInputError, match="public dataset"):
        plan(["E06000032"], ["place"], "sample")


def test_all_areas_plans_every_upper_tier_authority(public_dataset):
    from totalplace_lib.runner import plan

    jobs, bad = plan(None, ["place", "early_years"], "public", all_areas=True)
    assert not bad and len(jobs) == 2 * 152
    assert {j.run_year for j in jobs if j.theme == "place"} == {2020}
    assert {j.run_year for j in jobs if j.theme == "early_years"} == {2009}
