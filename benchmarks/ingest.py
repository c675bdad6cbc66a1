"""Ingest speed against its floor, measured side by side in one run on the same folder.

(a) the floor: only reading every file the ingest reads -- each workbook's every sheet with python-calamine
    (the reader the ingest uses) and each CSV's every row with the csv module -- and nothing else;
(b) ``run_ingest`` on the same folder into a throw-away dataset folder: reading, code mapping, the count
    (apportionment, every body's accounts, the NHS by need), estimates, validation and writing.

Prints both (the minimum of ``--repeat`` runs each, alternating, since single timings on a shared machine
swing by a quarter) and the ratio (b)/(a). Target (issue 28): at most 2x.
Run: .venv/bin/python benchmarks/ingest.py [--raw ../shared/data/real] [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def floor(raw: Path) -> tuple[float, int]:
    """Seconds to read every data file's rows (no parsing of meaning), and how many cells were read."""
    from python_calamine import CalamineWorkbook

    from totalplace_lib.ingest.readers import read_text

    t0 = time.perf_counter()
    cells = 0
    for path in sorted(raw.rglob("*")):
        suffix = path.suffix.lower()
        if suffix in (".xlsx", ".xls", ".xlsm"):
            wb = CalamineWorkbook.from_path(str(path))
            for name in wb.sheet_names:
                for row in wb.get_sheet_by_name(name).to_python():
                    cells += len(row)
        elif suffix == ".csv":
            text, _ = read_text(path)
            for row in csv.reader(io.StringIO(text)):
                cells += len(row)
    return time.perf_counter() - t0, cells


def ingest(raw: Path) -> float:
    from totalplace_lib.ingest import run_ingest

    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        run_ingest(raw, Path(out) / "public")
        return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--raw", default=str(ROOT.parent / "shared" / "data" / "real"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    raw = Path(args.raw)
    floors, ingests, cells = [], [], 0
    for _ in range(args.repeat):
        t, cells = floor(raw)
        floors.append(t)
        ingests.append(ingest(raw))
    f, i = min(floors), min(ingests)
    print(f"raw folder: {raw} ({cells:,} cells in its tables)")
    print(f"(a) floor, only reading every sheet and CSV:  {f:6.1f} s  (runs: {', '.join(f'{x:.1f}' for x in floors)})")
    print(f"(b) totalplace ingest:                        {i:6.1f} s  (runs: {', '.join(f'{x:.1f}' for x in ingests)})")
    print(f"ratio (b)/(a): {i / f:.1f}x  (target <= 2x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
