"""Where a report's time goes, phase by phase, against the floor of any report on this machine.

The *floor* is a notebook that only starts a kernel and imports the library: no report can cost less.
Each theme notebook is then run the same way (papermill, one at a time, the same kernel spec), and its
time is split by papermill's own per-cell timings into phases:

- kernel start: the run's wall time not spent in any cell (start-up, shut-down, papermill's own work);
- import + data: the cell that imports the library and validates the parameters (loads the dataset);
- analysis: cells whose outputs are text, tables or findings;
- charts: cells whose outputs are images;
- render: nbconvert of the executed notebook to reviewer HTML (timed separately, in this process).

Prints each report's phases and its ratio to the floor, measured side by side in one run (the machine is
shared: compare the ratios, not the seconds). Then each theme as a serial batch runs it: ``runner.run_job``
in the worker's warm kernel (after one report has warmed it), from parameters to published HTML, JSON and
workbooks, against the same floor. Issue 18's goal is a theme report in a serial batch at <= 2x the floor.
Run: .venv/bin/python benchmarks/reports.py [--themes offenders,alcohol] [--repeats 3] [--serial-only]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FLOOR_SOURCE = ("import totalplace_lib\nfrom totalplace_lib.methods import count\n"
                "from totalplace_lib.report import charts, tables")
THEMES = {"place": "central-bedfordshire-luton", "offenders": "central-bedfordshire-luton",
          "early_years": "croydon", "alcohol": "leicester-leicestershire"}


def floor_notebook(folder: Path) -> Path:
    """A notebook that starts a kernel and imports the library, nothing else."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(FLOOR_SOURCE)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "floor.ipynb"
    nbformat.write(nb, path)
    return path


def run(notebook: Path, out: Path, params: dict) -> tuple[float, list[tuple[float, str]]]:
    """Execute with papermill; return the wall time and each cell's (seconds, kind of output)."""
    import papermill as pm

    t0 = time.perf_counter()
    pm.execute_notebook(str(notebook), str(out), parameters=params, progress_bar=False, log_output=False,
                        kernel_name="python3")
    return time.perf_counter() - t0, cell_times(out)


def cell_times(executed: Path) -> list[tuple[float, str]]:
    """Each code cell's (seconds, kind of output) from papermill's timings in an executed notebook."""
    cells = []
    for cell in json.loads(executed.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        d = cell.get("metadata", {}).get("papermill", {}).get("duration") or 0.0
        kinds = {k for o in cell.get("outputs", []) for k in o.get("data", {})}
        source = "".join(cell.get("source", ""))
        kind = "setup" if "validate_run(" in source else "chart" if "image/png" in kinds else "cell"
        cells.append((float(d), kind))
    return cells


def phases(wall: float, cells: list[tuple[float, str]], render_s: float) -> dict[str, float]:
    """Split one run into phases (seconds)."""
    code = cells
    setup = sum(d for d, k in code if k == "setup")  # the cell that imports the library and loads the data
    charts = sum(d for d, k in code if k == "chart")
    analysis = sum(d for d, k in code if k == "cell")
    return {"kernel start": max(0.0, wall - sum(d for d, _ in code)), "import + data": setup,
            "analysis": analysis, "charts": charts, "render": render_s}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3, help="runs of each notebook (the median is shown)")
    ap.add_argument("--themes", default=",".join(THEMES), help="comma-separated")
    ap.add_argument("--serial-only", action="store_true", help="the floor and the serial batch only")
    args = ap.parse_args()
    from totalplace_lib.core.catalogue import notebook_path
    from totalplace_lib.report import render

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        floor_nb = floor_notebook(tmp)
        floors = [run(floor_nb, tmp / "floor-out.ipynb", {})[0] for _ in range(args.repeats)]
        floor = statistics.median(floors)
        print(f"floor (kernel start + import totalplace_lib): {floor:.2f} s (median of {args.repeats})")
        themes = [] if args.serial_only else args.themes.split(",")
        if themes:
            print(f"{'report':12s} {'total':>7s} {'x floor':>8s}  " + "  ".join(
                f"{p:>13s}" for p in ("kernel start", "import + data", "analysis", "charts", "render")))
        for theme in themes:
            area = THEMES[theme]
            results = []
            for i in range(args.repeats):
                out = tmp / f"{theme}-{i}.ipynb"
                wall, cells = run(notebook_path(theme), out, {"area": area, "dataset": "sample", "year": 2009,
                                                                  "output_dir": str(tmp)})
                t0 = time.perf_counter()
                render.render_report(out, tmp / f"{theme}-{i}.html", area, theme, "sample")
                results.append(phases(wall, cells, time.perf_counter() - t0))
            med = {k: statistics.median(r[k] for r in results) for k in results[0]}
            total = sum(med.values())
            print(f"{theme:12s} {total:6.2f}s {total / floor:7.1f}x  "
                  + "  ".join(f"{v:12.2f}s" for v in med.values()))
        serial_batch(args, floor, tmp)
    return 0


def serial_batch(args, floor: float, tmp: Path) -> None:
    """Each theme report as a serial batch runs it (warm kernel, publish included), against the floor."""
    import os

    from totalplace_lib.batch import kernels, runner
    from totalplace_lib.data.places import load_place

    os.environ["TOTALPLACE_REPORTS_DIR"] = str(tmp / "reports")
    print("in a serial batch (one warm kernel; parameters to published HTML, JSON and workbooks):")
    print(f"{'report':12s} {'total':>7s} {'x floor':>8s}  " + "  ".join(
        f"{p:>13s}" for p in ("outside cells", "setup", "analysis", "charts")))
    try:
        runner.run_job(runner.Job(load_place("croydon"), "place", "sample"), force=True, warm=True)  # warms it
        for theme in args.themes.split(","):
            results = []
            for _ in range(args.repeats):
                job = runner.Job(load_place(THEMES[theme]), theme, "sample")
                res = runner.run_job(job, force=True, warm=True)
                assert res.status == "ok", res.error
                cells = cell_times(job.out_dir / f"{theme}.ipynb")
                split = phases(res.seconds, cells, 0.0)
                results.append({"total": res.seconds, **{k: v for k, v in split.items() if k != "render"}})
            med = {k: statistics.median(r[k] for r in results) for k in results[0]}
            total = med.pop("total")
            print(f"{theme:12s} {total:6.2f}s {total / floor:7.1f}x  "
                  + "  ".join(f"{v:12.2f}s" for v in med.values()))
    finally:
        kernels.retire_all_kernels()


if __name__ == "__main__":
    sys.exit(main())
