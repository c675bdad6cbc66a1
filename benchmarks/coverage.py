"""How much of each theme report real data can answer: key figures known / total, by basis.

Runs the three theme reports on the public dataset for each authority (and, with ``--overlay``, on
``public+<overlay>`` too) into a throw-away reports folder, then prints, per authority and theme, the
key figures known out of the total and how many rest on each basis (reported, apportioned, estimated,
local), and the share known over the three themes. Goal (issue 16): at least 75% over the three
themes, no theme below 60%, for Luton, Birmingham and Kent; 100% for Luton with the synthetic overlay.

Needs the public dataset (``totalplace ingest --raw ../shared/data/real``).
Run: .venv/bin/python benchmarks/coverage.py [--areas E06000032,E08000025,E10000016] [--example-overlay]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

THEMES = ("offenders", "early_years", "alcohol")


def coverage(areas: list[str], dataset: str, out: Path) -> dict[str, dict[str, dict]]:
    """Run the theme reports and read each one's recorded coverage: {area: {theme: coverage}}."""
    from totalplace_lib.batch import runner

    os.environ["TOTALPLACE_REPORTS_DIR"] = str(out)
    summary = runner.run_batch(areas, list(THEMES), jobs=os.cpu_count() or 1, dataset=dataset, progress=False,
                               synthesis=False)
    if summary.failed:
        raise SystemExit(f"reports failed: {[(r.job.label, r.error) for r in summary.failed]}")
    result: dict[str, dict[str, dict]] = {}
    for area in areas:
        folder = out / dataset / area.lower()
        result[area] = {t: json.loads((folder / f"{t}.json").read_text(encoding="utf-8"))["coverage"] for t in THEMES}
    return result


def table(result: dict[str, dict[str, dict]], dataset: str) -> list[str]:
    """Printable lines: one per authority and theme, and the total per authority."""
    lines = [f"dataset {dataset}", f"{'authority':12s} {'theme':12s} {'known':>9s}  by basis"]
    for area, themes in result.items():
        known = sum(c["known"] for c in themes.values())
        total = sum(c["total"] for c in themes.values())
        for t, c in themes.items():
            by = ", ".join(f"{b} {n}" for b, n in sorted(c["by_basis"].items()))
            lines.append(f"{area:12s} {t:12s} {c['known']:>3d}/{c['total']:<3d} {c['known'] / c['total']:4.0%}  {by}")
        lowest = min(c["known"] / c["total"] for c in themes.values())
        lines.append(f"{area:12s} {'ALL THREE':12s} {known:>3d}/{total:<3d} {known / total:4.0%}  "
                     f"(lowest theme {lowest:.0%})")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--areas", default="E06000032,E08000025,E10000016", help="GSS codes, comma-separated")
    ap.add_argument("--example-overlay", action="store_true",
                    help="also run public+<synthetic overlay> for the first authority (made by 'template --example')")
    args = ap.parse_args()
    from totalplace_lib.core import paths
    from totalplace_lib.sample.overlay import write_example

    areas = [a.strip() for a in args.areas.split(",") if a.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        for line in table(coverage(areas, "public", Path(tmp)), "public"):
            print(line)
        if args.example_overlay:
            name = ".coverage-example-overlay"
            folder = paths.project_root() / "data" / name
            try:
                write_example([areas[0]], folder)
                print()
                for line in table(coverage(areas[:1], f"public+{name}", Path(tmp)), f"public+{name} (synthetic)"):
                    print(line)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
