"""Real papermill runs of the three theme notebooks for two pilots, the synthesis, and a Dask cluster run."""

from __future__ import annotations

import json
import re

import pytest

from totalplace_lib.batch import runner

pytestmark = pytest.mark.slow
PILOTS = ["croydon", "central-bedfordshire-luton"]
REQUIRED = {
    "offenders": ("top2pct_share_of_offences", "prolific_offenders", "cost_per_prolific_offender_gbp",
                  "cost_of_crime_gbp", "cba_npv_gbp", "cba_bcr", "cba_prob_benefit_exceeds_cost"),
    "early_years": ("children_0_5", "spend_per_child_0_5_gbp", "children_looked_after", "cla_rate_per_10k",
                    "cohort_cost_to_18_gbp", "cba_npv_gbp", "cba_bcr", "cba_payback_year",
                    "cba_prob_benefit_exceeds_cost"),
    "alcohol": ("alcohol_spend_gbp", "drugs_spend_gbp", "alcohol_share_of_substance_spend",
                "alcohol_share_of_substance_harm", "alcohol_admissions_rate_per_100k", "cost_of_alcohol_harm_gbp",
                "frequent_attenders_share_of_admissions", "frequent_attenders_share_of_cost",
                "cba_npv_gbp", "cba_bcr", "cba_prob_benefit_exceeds_cost"),
}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    mp = pytest.MonkeyPatch()
    mp.setenv("TOTALPLACE_REPORTS_DIR", str(out))
    summary = runner.run_batch(PILOTS, ["place", *REQUIRED], jobs=2, progress=False)
    yield out, summary
    mp.undo()


def figures(out, slug, theme):
    return json.loads((out / slug / f"{theme}.json").read_text())["figures"]


def test_every_theme_report_records_its_figures_with_provenance(batch):
    out, summary = batch
    assert summary.exit_code == 0, [r.error for r in summary.results]
    for slug in PILOTS:
        for theme, names in REQUIRED.items():
            figs = figures(out, slug, theme)
            for name in names:
                f = figs[name]
                assert {"value", "unit", "period", "source"} <= set(f), (theme, name)
                assert f["source"], (theme, name)
            for share in [n for n in names if "share" in n or n.startswith("cba_prob")]:
                assert 0 <= figs[share]["value"] <= 1, (theme, share)


def test_luton_offenders_report_reproduces_the_pilot(batch):
    out, _ = batch
    figs = figures(out, "central-bedfordshire-luton", "offenders")
    assert figs["prolific_offenders"]["value"] == pytest.approx(250, rel=0.1)
    assert figs["cost_per_prolific_offender_gbp"]["value"] == pytest.approx(448_000, rel=0.02)
    assert 0.25 <= figs["top2pct_share_of_offences"]["value"] <= 0.34


def test_croydon_early_years_report_uses_its_published_scenario(batch):
    out, _ = batch
    figs = figures(out, "croydon", "early_years")
    assert "params/croydon.yaml" in figs["cba_npv_gbp"]["source"]
    assert figs["cba_npv_gbp"]["value"] > 50e6
    assert figs["cba_payback_year"]["value"] == 1  # 2011/12, the second year
    assert figs["cla_rate_per_10k"]["value"] == pytest.approx(
        figs["children_looked_after"]["value"] / 88_000 * 1e4, rel=0.25)  # ~88k children 0-17 in Croydon


def test_theme_html_is_a_reviewer_report(batch):
    out, _ = batch
    for theme in REQUIRED:
        html = (out / "croydon" / f"{theme}.html").read_text()
        body = html.split("<body", 1)[1]
        assert "Key findings" in html and "Sources and method" in html and "Illustrative data" in html
        caveat = body.find("labelled default percentages")  # optimism bias: said in the header, not only in docs
        assert 0 < caveat < body.find("<h2>Key findings")
        assert "What the engine assumed or adjusted" in html  # and under the scenario
        assert "validate_run(" not in body and "jp-CodeMirrorEditor" not in body
        assert html.count("data:image/png;base64") >= 6
        assert "No description has been provided" not in html
        assert "widgets.redesign_explorer" not in html


def test_synthesis_reads_every_record_and_is_linked_from_the_index(batch):
    out, summary = batch
    assert summary.synthesis == "ok"
    html = (out / "synthesis.html").read_text()
    assert "Is 2% realistic?" in html and "Key findings" in html
    for name in ("Croydon", "Central Bedfordshire &amp; Luton"):
        assert name in html
    index = (out / "index.html").read_text()
    assert 'href="synthesis.html"' in index
    for href in re.findall(r'href="([^"#]+)"', index):
        assert (out / href).exists(), href
    # nothing changed: the rerun skips every report and the synthesis
    again = runner.run_batch(PILOTS, ["place", *REQUIRED], jobs=2, progress=False)
    assert {r.status for r in again.results} == {"skipped"} and again.synthesis == "skipped"


def test_reports_run_on_a_dask_cluster(tmp_path, monkeypatch):
    from distributed import LocalCluster

    monkeypatch.setenv("TOTALPLACE_REPORTS_DIR", str(tmp_path))
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None) as cluster:
        summary = runner.run_batch(["croydon", "lewisham"], ["place"], progress=False,
                                   scheduler=cluster.scheduler_address, synthesis=False)
    assert summary.exit_code == 0, [r.error for r in summary.results]
    for slug in ("croydon", "lewisham"):
        assert json.loads((tmp_path / slug / "place.json").read_text())["figures"]["total_spend_gbp"]["value"] > 0
