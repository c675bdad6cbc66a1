"""Time per file-defined theme report against the place overview's, measured side by side in one run.

Runs the place overview and every file-defined theme (params/themes/*.yaml) for the same places on the public
dataset, in one warm batch with ``--force``, interleaved place by place so a busy spell on this shared machine
falls on every theme alike. Prints each theme's median seconds per report and its ratio to the place overview's,
and reports a second for each.
Run: .venv/bin/python benchmarks/file_themes.py [--areas E06000047,E09000023,...] [--jobs 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from collections import defaultdict

DEFAULT_AREAS = "E06000047,E09000023,E08000025,E10000016,E06000032,E08000021"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--areas", default=DEFAULT_AREAS, help="comma-separated GSS codes (default: six authorities)")
    ap.add_argument("--jobs", type=int, default=1, help="parallel reports (default 1: times are per report)")
    a = ap.parse_args()
    from totalplace_lib.batch.runner import run_batch
    from totalplace_lib.core.catalogue import theme_files

    themes = ["place", *theme_files()]
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["TOTALPLACE_REPORTS_DIR"] = tmp
        summary = run_batch(a.areas.split(","), themes, jobs=a.jobs, force=True, dataset="public", progress=False)
    secs: dict[str, list[float]] = defaultdict(list)
    for r in summary.results:
        if r.status == "ok":
            secs[r.job.theme].append(r.seconds)
    failed = [r.job.label for r in summary.results if r.status == "failed"]
    base = statistics.median(secs["place"])
    print(f"{len(a.areas.split(','))} places x {len(themes)} reports, {len(failed)} failed {failed or ''}")
    print(f"{'report':14s} {'median s':>9s} {'reports/s':>10s} {'vs place':>9s}")
    for t in themes:
        m = statistics.median(secs[t])
        print(f"{t:14s} {m:9.2f} {1 / m:10.2f} {m / base:8.2f}x")


if __name__ == "__main__":
    main()
