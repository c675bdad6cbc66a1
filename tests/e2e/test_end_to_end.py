"""Real papermill runs and real nbconvert HTML, through the runner and the CLI."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from totalplace_lib.batch import runner
from totalplace_lib.core import catalogue
from totalplace_lib.data.datasets import load_dataset
from totalplace_lib.data.places import load_place
from totalplace_lib.methods import count

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def test_place_reports_for_two_pilots(reports_tmp):
    summary = runner.run_batch(["croydon", "central-bedfordshire-luton"], ["place"], jobs=2, progress=False)
    assert summary.exit_code == 0, [r.error for r in summary.results]
    ds = load_dataset("sample")
    for slug in ("croydon", "central-bedfordshire-luton"):
        rec = json.loads((reports_tmp / slug / "place.json").read_text())
        assert rec["illustrative"] is True and rec["area"] == slug
        figs = rec["figures"]
        for key in ("total_spend_gbp", "spend_per_head_gbp", "population", "preventive_share"):
            assert {"value", "unit", "period", "source"} <= set(figs[key]), key
        expected = count.high_level_count(ds, load_place(slug), 2009)
        assert figs["total_spend_gbp"]["value"] == pytest.approx(expected.total_gbp)
        assert figs["spend_per_head_gbp"]["value"] == pytest.approx(
            figs["total_spend_gbp"]["value"] / figs["population"]["value"])
        assert 0 < figs["preventive_share"]["value"] < 1
        assert figs["spend_per_head_gbp"]["period"] == "2009/10"

        html = (reports_tmp / slug / "place.html").read_text()
        body = html.split("<body", 1)[1]
        assert "jp-CodeMirrorEditor" not in body and "validate_run(" not in body, "code visible in HTML"
        assert "Key findings" in html and "Illustrative data" in html
        assert html.count("<img") >= 4 and "data:image/png;base64" in html
        assert "No description has been provided" not in html  # every chart has alt text
        assert not re.search(r"<script[^>]+src=\"https?://", html), "HTML must not need a CDN"
        assert 'href="#section-1"' in html  # table of contents
        title = re.search(r"<title>(.*?)</title>", html).group(1)
        assert title.endswith("Place overview: the high-level count") and title != "Notebook"  # the browser tab
        sources = html.split("Sources and method")[-1]
        assert ">Price year<" in sources and ">price_year<" not in sources and "…" not in sources  # readable

    index = (reports_tmp / "index.html").read_text()
    for slug in ("croydon", "central-bedfordshire-luton"):
        assert f'href="{slug}/place.html"' in index
    for href in re.findall(r'href="([^"#]+)"', index):
        if (reports_tmp / href).parent.name in ("croydon", "central-bedfordshire-luton"):
            assert (reports_tmp / href).exists(), href

    # A rerun with nothing changed skips both reports.
    again = runner.run_batch(["croydon", "central-bedfordshire-luton"], ["place"], jobs=2, progress=False)
    assert {r.status for r in again.results} == {"skipped"}


def test_failing_report_is_isolated_and_shown(project_copy, monkeypatch):
    nb = nbformat.read(project_copy / "notebooks" / "place.ipynb", as_version=4)
    nb.cells.insert(4, nbformat.v4.new_code_cell("raise RuntimeError('deliberate failure for the test')"))
    nbformat.write(nb, project_copy / "notebooks" / "broken.ipynb")
    monkeypatch.setitem(catalogue.THEMES, "broken", "A deliberately broken notebook")
    summary = runner.run_batch(["croydon"], ["place", "broken"], jobs=2, progress=False)
    status = {r.job.theme: r.status for r in summary.results}
    assert status == {"place": "ok", "broken": "failed"}
    assert summary.exit_code == 1
    failed = next(r for r in summary.results if r.status == "failed")
    assert "deliberate failure" in failed.error
    out = project_copy / "reports" / "croydon"
    assert (out / "broken.ipynb").exists() and (out / "broken.html").exists()
    assert not (out / "broken.json").exists()
    assert "failed to run to the end" in (out / "broken.html").read_text()
    index = (project_copy / "reports" / "index.html").read_text()
    assert 'class="failed"' in index and "deliberate failure" in index
    assert not list(out.glob(".broken-*")), "temporary staging left behind"


def _cli(args, env_root: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, TOTALPLACE_ROOT=str(env_root), TOTALPLACE_REPORTS_DIR=str(env_root / "reports"))
    return subprocess.run([sys.executable, "-m", "totalplace_lib.cli", *args], capture_output=True, text=True,
                          env=env, timeout=300)


def test_cli_bad_data_file_exits_2_with_one_line(project_copy):
    spend = project_copy / "data" / "sample" / "spend.csv"
    lines = spend.read_text().splitlines()
    cols = lines[0].split(",")
    row = lines[5].split(",")
    row[cols.index("amount_gbp")] = "-100"
    lines[5] = ",".join(row)
    spend.write_text("\n".join(lines) + "\n")
    res = _cli(["run", "--area", "croydon", "--theme", "place", "--no-progress"], project_copy)
    assert res.returncode == 2
    err = [line for line in res.stderr.splitlines() if line.startswith("error:")]
    assert err == ["error: data/sample/spend.csv, line 6, column 'amount_gbp': -100 is negative; "
                   "money must be zero or more"]


def test_cli_bad_params_file_exits_2_and_others_still_run(project_copy):
    p = project_copy / "params" / "durham.yaml"
    p.write_text(p.read_text().replace('year: 2009', 'yeer: 2009'))
    res = _cli(["run", "--area", "durham,croydon", "--theme", "place", "--no-progress"], project_copy)
    assert res.returncode == 2
    assert "params/durham.yaml, line" in res.stderr and "column 'yeer'" in res.stderr
    assert (project_copy / "reports" / "croydon" / "place.html").exists()


def test_cli_usage_errors_exit_2(project_copy):
    assert _cli(["run", "--theme", "nosuch"], project_copy).returncode == 2
    assert _cli(["frobnicate"], project_copy).returncode == 2
    helptext = _cli(["run", "--help"], project_copy)
    assert helptext.returncode == 0 and "--jobs" in helptext.stdout and "--force" in helptext.stdout


def test_unknown_notebook_parameter_is_rejected():
    with pytest.raises(ValueError, match="unknown parameter"):
        runner.check_parameters("place", {"area": "croydon", "yeer": 2009})


def test_changing_one_params_file_reruns_only_that_area(project_copy):
    first = runner.run_batch(["croydon", "lewisham"], ["place"], jobs=2, progress=False, synthesis=False)
    assert {r.status for r in first.results} == {"ok"}
    params = project_copy / "params" / "croydon.yaml"
    params.write_text(params.read_text() + "# reviewed\n")
    again = {r.job.place.slug: r.status for r in runner.run_batch(["croydon", "lewisham"], ["place"], jobs=2,
                                                                   progress=False, synthesis=False).results}
    assert again == {"croydon": "ok", "lewisham": "skipped"}


def _recording_then_blocking_notebook(path: Path) -> Path:
    """A notebook that records its key figures and then never finishes (a report stuck after record.write)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = nbformat.read(catalogue.notebook_path("place"), as_version=4).metadata
    params = nbformat.v4.new_code_cell('area: str = "croydon"\ndataset: str = "sample"\nyear: int = 2009\n'
                                       'output_dir: str = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params,
                nbformat.v4.new_code_cell("from pathlib import Path\n"
                                          "Path(output_dir, 'place.json').write_text('{\"figures\": {}}')"),
                nbformat.v4.new_code_cell("import time\ntime.sleep(600)")]
    nbformat.write(nb, path)
    return path


def test_a_report_that_runs_too_long_is_stopped_and_never_publishes_its_figures(reports_tmp, tmp_path, monkeypatch):
    # The record is written before the block, so the only thing between it and the index is the publish step:
    # the outcome cannot depend on how fast the machine is.
    blocking = _recording_then_blocking_notebook(tmp_path / "place.ipynb")
    monkeypatch.setattr(runner, "notebook_path", lambda theme: blocking)
    summary = runner.run_batch(["croydon"], ["place"], jobs=1, progress=False, force=True, synthesis=False,
                               report_timeout=5)
    assert summary.exit_code == 1
    (res,) = summary.results
    assert res.status == "failed" and "timed out" in res.error and "5 s" in res.error
    assert not (reports_tmp / "croydon" / "place.json").exists()
    assert (reports_tmp / "croydon" / "place.html").exists()  # the failure is shown, not hidden
    assert "FAILED" in (reports_tmp / "index.html").read_text()
