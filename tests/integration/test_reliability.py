"""Interrupted runs, determinism and hostile strings (issue: reliability and security)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from papermill.translators import PythonTranslator

from totalplace_lib.batch import runner
from totalplace_lib.core.errors import ParamsError
from totalplace_lib.data.places import parse_place

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def valid_report(folder: Path, theme: str) -> None:
    """Every file of a finished report is complete: JSON parses, the notebook reads, the HTML is whole."""
    rec = json.loads((folder / f"{theme}.json").read_text())
    assert rec["figures"]
    nb = nbformat.read(folder / f"{theme}.ipynb", as_version=4)
    assert not nb.metadata["papermill"].get("exception")
    html = (folder / f"{theme}.html").read_text()
    assert html.rstrip().endswith("</html>")


def test_a_killed_batch_leaves_nothing_torn_and_a_rerun_completes(project_copy):
    env = {**os.environ, "TOTALPLACE_ROOT": str(project_copy),
           "TOTALPLACE_REPORTS_DIR": str(project_copy / "reports")}
    areas = "croydon,lewisham,durham"
    cmd = [sys.executable, "-m", "totalplace_lib.cli", "run", "--area", areas, "--theme", "place", "--jobs", "2",
           "--no-progress", "--no-synthesis"]
    proc = subprocess.Popen(cmd, env=env, cwd=project_copy, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    reports = project_copy / "reports"
    deadline = time.time() + 120
    while time.time() < deadline:  # kill once kernels are running and something is being staged
        if list(reports.glob("*/.place-*")):
            break
        time.sleep(0.2)
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGKILL)  # the runner and its kernels, no chance to clean up
    proc.wait()
    for slug in areas.split(","):
        folder = reports / slug
        if (folder / ".place.hash").exists():  # claimed finished: must really be finished
            valid_report(folder, "place")
    rerun = subprocess.run(cmd, env=env, cwd=project_copy, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    for slug in areas.split(","):
        valid_report(reports / slug, "place")
        assert not list((reports / slug).glob(".place-*")), "staging folders must not survive a rerun"


def strip_volatile(nb: dict) -> dict:
    """A notebook without what legitimately changes between runs: timestamps, durations, temp paths."""
    nb = json.loads(json.dumps(nb))
    nb["metadata"].pop("papermill", None)
    for cell in nb["cells"]:
        cell["metadata"].pop("papermill", None)
        cell["metadata"].pop("execution", None)
        if "injected-parameters" in cell["metadata"].get("tags", []):
            cell.pop("id", None)  # papermill gives the injected cell a fresh random id
            cell["source"] = re.sub(r'output_dir = ".*"', 'output_dir = "<stage>"', "".join(cell["source"]))
    return nb


def test_two_runs_give_identical_figures_and_notebooks(tmp_path, monkeypatch):
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        monkeypatch.setenv("TOTALPLACE_REPORTS_DIR", str(out))
        summary = runner.run_batch(["croydon"], ["place", "early_years"], jobs=2, progress=False, force=True,
                                   synthesis=False)
        assert summary.exit_code == 0
        outs.append(out)
    a, b = outs
    for theme in ("place", "early_years"):
        ra = json.loads((a / "croydon" / f"{theme}.json").read_text())
        rb = json.loads((b / "croydon" / f"{theme}.json").read_text())
        assert ra["figures"] == rb["figures"], theme
        na = strip_volatile(json.loads((a / "croydon" / f"{theme}.ipynb").read_text()))
        nb = strip_volatile(json.loads((b / "croydon" / f"{theme}.ipynb").read_text()))
        assert na == nb, theme


HOSTILE_NAME = 'Evil <script>alert("x")</script> & "quoted" \'place\'\nwith a newline ' + "very long " * 40


def test_hostile_place_name_is_escaped_in_every_html_output(project_copy):
    params = project_copy / "params" / "croydon.yaml"
    params.write_text(params.read_text().replace('name: "Croydon"', f"name: {json.dumps(HOSTILE_NAME)}"))
    spend = project_copy / "data" / "sample" / "spend.csv"
    spend.write_text(spend.read_text().replace("Sure Start children's centres",
                                               '<img src=x onerror=alert(1)> centres'))
    summary = runner.run_batch(["croydon", "lewisham"], ["place", "early_years"], jobs=2, progress=False)
    assert summary.exit_code == 0, [r.error for r in summary.results]
    reports = project_copy / "reports"
    pages = [reports / "index.html", reports / "synthesis.html", *reports.glob("*/*.html")]
    assert len(pages) >= 6
    for page in pages:
        body = page.read_text().split("<body", 1)[1]
        assert "<script>alert" not in body, page
        assert "<img src=x" not in body, page
        assert "onerror=alert(1)>" not in body or "&lt;img" in body, page
    assert "&lt;script&gt;" in (reports / "index.html").read_text()
    report = (reports / "croydon" / "place.html").read_text()
    assert "&lt;script&gt;alert" in report  # shown as text, not run


def test_parameter_injection_cannot_run_code(tmp_path):
    evil = {"area": 'x"; import os; os.system("touch PWNED"); "', "dataset": "sample'\nraise SystemExit\n#",
            "year": 2009, "output_dir": str(tmp_path / 'a"b')}
    code = PythonTranslator.codify(evil)
    scope: dict = {}
    exec(compile(code, "<injected-parameters>", "exec"), scope)  # what papermill puts in the notebook
    assert {k: scope[k] for k in evil} == evil
    assert not Path("PWNED").exists()


def test_params_slug_cannot_carry_code_and_yaml_is_loaded_safely(tmp_path):
    with pytest.raises(ParamsError, match="slug"):
        parse_place('slug: "a\\"; import os"\nname: "x"\narea_codes: ["E09000008"]\n', "params/a.yaml")
    marker = tmp_path / "pwned"
    with pytest.raises(ParamsError, match="invalid YAML"):
        parse_place(f"slug: !!python/object/apply:os.system ['touch {marker}']\n", "params/a.yaml")
    assert not marker.exists()
    assert not re.search(r"yaml\.(load|unsafe_load|full_load)\(", "".join(
        p.read_text() for p in (ROOT / "totalplace_lib").glob("*.py")))


def test_reports_and_records_are_readable_like_any_written_file(tmp_path):
    """Atomic writes go through tempfile (0600); what lands must have the usual 0666 less the umask,
    or a web server or colleague cannot read the published reports."""
    import os
    import stat

    from totalplace_lib.core.files import atomic_write_text

    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "report.html", "<p>ok</p>")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "report.html").stat().st_mode) == 0o644


def test_an_interactive_run_never_publishes_into_reports(tmp_path, monkeypatch):
    """A notebook run by hand (JupyterLab, papermill without the runner) has no output_dir: its key figures
    are kept out of reports/, so the index and the synthesis only ever show what a batch produced."""
    from totalplace_lib.core import paths
    from totalplace_lib.report import record

    monkeypatch.setenv("TOTALPLACE_REPORTS_DIR", str(tmp_path / "reports"))
    receipt = record.write("croydon", "place", {"x": record.figure(1.0, "GBP", "2009/10", "test")}, "sample", "")
    try:
        assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").rglob("*.json"))
        assert record.interactive_dir() in receipt.path.parents and receipt.path.exists()
        assert "not published to reports/" in repr(receipt)
        batch = record.write("croydon", "place", {}, "sample", str(tmp_path / "stage"))
        assert batch.path == tmp_path / "stage" / "place.json" and "interactive" not in repr(batch)
    finally:
        receipt.path.unlink(missing_ok=True)
    assert paths.reports_dir() == tmp_path / "reports"
