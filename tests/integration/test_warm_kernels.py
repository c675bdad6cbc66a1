"""A batch keeps one kernel per worker and clears it between reports (issue 18): a report run in a kernel
that has already run others must be the report a fresh kernel gives, and a kernel that failed is not reused."""

from __future__ import annotations

import json

import openpyxl
import pytest

from totalplace_lib.batch import kernels, runner

pytestmark = pytest.mark.slow


def _run(code: str, km) -> str:
    """Run ``code`` in the kernel; return what it printed."""
    out = []
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        kc.execute_interactive(code, timeout=60, output_hook=lambda m: out.append(m["content"].get("text", "")))
    finally:
        kc.stop_channels()
    return "".join(out).strip()


def test_a_warm_kernel_forgets_the_previous_report_and_a_retired_one_is_replaced():
    try:
        km = kernels.warm_kernel()
        _run("left_behind = 1\nfrom totalplace_lib.report import tables, widgets\ntables.SHOWN.append('a table')\n"
             "widgets._CHOSEN['choice'] = ('kent', 'sample', 2009)\nimport matplotlib.pyplot as plt\n"
             "plt.figure(); plt.rcParams['font.size'] = 30", km)
        assert kernels.warm_kernel() is km  # kept between reports ...
        state = _run("from totalplace_lib.report import tables, widgets\nimport matplotlib.pyplot as plt\n"
                     "print('left_behind' in globals(), len(tables.SHOWN), len(widgets._CHOSEN), "
                     "len(plt.get_fignums()), plt.rcParams['font.size'] == 30, get_ipython().execution_count)", km)
        assert state == "False 0 0 0 False 2", state  # ... with nothing left; counts as a new kernel counts
        kernels.retire_kernel()  # what a failed report does
        assert not km.is_alive() and kernels.warm_kernel() is not km
    finally:
        kernels.retire_all_kernels()
    assert not kernels.WARM


def test_a_warm_kernel_frees_each_reports_charts_before_freezing_what_it_keeps(tmp_path, monkeypatch):
    """What a reset freezes out of the garbage collector's scans is never collected, so a report's charts (cycles
    of objects) must be freed first: left frozen, a national run's kernels grew to 6 GB. After three reports in
    one kernel, unfreezing finds next to nothing to collect, and no chart is still alive."""
    from totalplace_lib.data.places import load_place

    monkeypatch.setenv("TOTALPLACE_REPORTS_DIR", str(tmp_path / "reports"))
    try:
        for _ in range(3):
            res = runner.run_job(runner.Job(load_place("croydon"), "alcohol", "sample"), force=True, warm=True)
            assert res.status == "ok", res.error
        km = kernels.warm_kernel()  # resets it, as before the next report
        state = _run("import gc\nfrom matplotlib.figure import Figure\ngc.unfreeze()\n"
                     "print(gc.collect(), sum(isinstance(o, Figure) for o in gc.get_objects()))", km)
    finally:
        kernels.retire_all_kernels()
    garbage, figures = map(int, state.split())
    assert figures == 0, state  # a report draws about ten: none outlives it
    assert garbage < 2_000, state  # a frozen report left about 30,000 objects of garbage


def _outputs(path) -> list:
    cells = json.loads(path.read_text())["cells"]
    return [(c.get("execution_count"), c.get("outputs")) for c in cells
            if "injected-parameters" not in c["metadata"].get("tags", [])]  # its staging folder differs


def test_a_report_from_a_warm_kernel_is_the_report_a_fresh_kernel_gives(tmp_path, monkeypatch):
    runs = {}
    for mode in ("warm", "fresh"):
        monkeypatch.setenv("TOTALPLACE_REPORTS_DIR", str(tmp_path / mode))
        summary = runner.run_batch(["croydon", "lewisham"], ["place"], jobs=1, progress=False, synthesis=False,
                                   fresh_kernels=mode == "fresh")  # one worker: the second report runs warm
        assert summary.exit_code == 0, [r.error for r in summary.results]
        runs[mode] = tmp_path / mode
    for slug in ("croydon", "lewisham"):
        warm, fresh = runs["warm"] / slug, runs["fresh"] / slug
        assert (warm / "place.json").read_bytes() == (fresh / "place.json").read_bytes()
        assert _outputs(warm / "place.ipynb") == _outputs(fresh / "place.ipynb")  # every chart and table
        sheets = [openpyxl.load_workbook(d / "place.xlsx").sheetnames for d in (warm, fresh)]
        assert sheets[0] == sheets[1] and sheets[0]  # the export holds this report's tables only
    assert not kernels.WARM  # the batch shut its kernels down
