"""Batch generation speed, measured side by side in one run on the same reports.

(a) the naive way: for each report, the papermill CLI then ``jupyter nbconvert --no-input`` CLI,
    one after the other (a fresh Python, imports and kernel every time);
(b) ``totalplace run --force`` on the same reports (one process, parallel kernels over IPC,
    HTML rendered in-process);
(c) ``totalplace run`` again with nothing changed (the content hashes skip every report).

Prints the times and the ratios. Targets: (a)/(b) at least 3; (c) under 1 s (issue 18).
Both sides write to throw-away folders; the project's reports/ is untouched.
Run: .venv/bin/python benchmarks/batch.py [--areas croydon,lewisham,...] [--themes place,...]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def naive(areas: list[str], themes: list[str], out: Path) -> float:
    t0 = time.perf_counter()
    for area in areas:
        for theme in themes:
            nb = out / f"{area}-{theme}.ipynb"
            subprocess.run([str(BIN / "papermill"), str(ROOT / "notebooks" / f"{theme}.ipynb"), str(nb),
                            "-p", "area", area, "-p", "output_dir", str(out / area), "-k", "python3",
                            "--no-progress-bar"], check=True, cwd=ROOT, capture_output=True)
            subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(nb)],
                           check=True, cwd=ROOT, capture_output=True)
    return time.perf_counter() - t0


def ours(areas: list[str], themes: list[str], out: Path, force: bool) -> float:
    env = {**os.environ, "TOTALPLACE_REPORTS_DIR": str(out)}
    cmd = [str(BIN / "totalplace"), "run", "--area", ",".join(areas), "--theme", ",".join(themes),
           "--no-progress", "--no-synthesis"] + (["--force"] if force else [])
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, env=env, capture_output=True)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--areas", default="croydon,lewisham,durham,kent")
    ap.add_argument("--themes", default="place,offenders")
    args = ap.parse_args()
    areas, themes = args.areas.split(","), args.themes.split(",")
    n = len(areas) * len(themes)
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        t_naive = naive(areas, themes, Path(a))
        t_run = ours(areas, themes, Path(b), force=True)
        t_rerun = ours(areas, themes, Path(b), force=False)
    print(f"{n} reports ({', '.join(themes)} for {', '.join(areas)}) on {os.cpu_count()} CPUs")
    print(f"(a) naive papermill CLI + nbconvert CLI per report: {t_naive:7.1f} s  ({t_naive / n:.1f} s a report)")
    print(f"(b) totalplace run --force:                         {t_run:7.1f} s  ({t_run / n:.1f} s a report)")
    print(f"(c) totalplace run, nothing changed:                {t_rerun:7.1f} s")
    print(f"ratio (a)/(b): {t_naive / t_run:.1f}x  (target >= 3x)")
    print(f"rerun (c): {t_rerun:.2f} s  (target < 2 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
