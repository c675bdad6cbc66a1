"""The national public-data run, side by side with the same run at an earlier commit, on this machine.

Both sides run ``totalplace run --dataset public --all-areas --jobs N --force`` (every English upper-tier
authority x the place overview and the three themes) into throw-away report folders, each on a dataset its
own code ingested from the same raw folder. The earlier commit is checked out as a git worktree and run with
``PYTHONPATH`` pointing at it, so its kernels import its own package. The two runs alternate (earlier, now,
earlier, now... for ``--repeat`` rounds) so that a busy spell on this shared machine falls on both.

Prints, per side, the reports produced and failed, the wall time and reports a second, and the ratio.
Target (issue 28): the run now no slower than at the commit before the count's rework.
Run: .venv/bin/python benchmarks/national.py [--before 5a007c7] [--jobs 2] [--repeat 1]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BEFORE = "5a007c7"
"""The last commit before the count's rework (issue 28): 2009/10-2017/18, councils and police after."""


def worktree(commit: str, where: Path) -> Path:
    subprocess.run(["git", "worktree", "add", "--detach", str(where), commit], cwd=ROOT, check=True,
                   capture_output=True)
    return where


def env_for(code: Path, reports: Path) -> dict:
    return {**os.environ, "TOTALPLACE_ROOT": str(code), "TOTALPLACE_REPORTS_DIR": str(reports),
            "PYTHONPATH": str(code)}


def cli(code: Path, reports: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "python"), "-m", "totalplace_lib.cli", *args], cwd=code,
                          env=env_for(code, reports), capture_output=True, text=True)


def national(code: Path, reports: Path, jobs: int) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    p = cli(code, reports, "run", "--dataset", "public", "--all-areas", "--jobs", str(jobs), "--force",
            "--no-progress", "--no-synthesis")
    seconds = time.perf_counter() - t0
    m = re.search(r"(\d+) report\(s\) produced, \d+ up to date, (\d+) failed", p.stdout)
    if m is None:
        raise RuntimeError(f"{code}: {p.stdout[-500:]} {p.stderr[-2000:]}")
    return seconds, int(m.group(1)), int(m.group(2))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", default=BEFORE, help="the earlier commit to compare with")
    ap.add_argument("--raw", default=str(ROOT.parent / "shared" / "data" / "real"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        before = worktree(args.before, tmp / "before")
        try:
            sides = {"before": before, "now": ROOT}
            for name, code in sides.items():  # each side's own dataset, from the same raw files
                if name == "now" and (ROOT / "data" / "processed" / "public" / "manifest.json").exists():
                    continue
                p = cli(code, tmp / f"reports-{name}", "ingest", "--raw", args.raw)
                if p.returncode:
                    raise RuntimeError(f"ingest failed at {name}: {p.stderr[-2000:]}")
            runs: dict[str, list[tuple[float, int, int]]] = {"before": [], "now": []}
            for _ in range(args.repeat):
                for name, code in sides.items():
                    runs[name].append(national(code, tmp / f"reports-{name}", args.jobs))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(before)], cwd=ROOT, capture_output=True)
    print(f"national public run, --all-areas, --jobs {args.jobs}, {os.cpu_count()} CPUs, {args.repeat} round(s)")
    best = {}
    for name, rs in runs.items():
        s, n, failed = min(rs)
        best[name] = (s, n)
        label = f"at {args.before}" if name == "before" else "now"
        times = ", ".join(f"{r[0] / 60:.1f} min" for r in rs)
        print(f"{label:>12}: {n} reports, {failed} failed, {s / 60:5.1f} min ({n / s:.2f} reports a second; "
              f"runs {times})")
    (sb, nb), (sn, nn) = best["before"], best["now"]
    print(f"ratio now/before, wall time: {sn / sb:.2f}x; reports a second: {(nn / sn) / (nb / sb):.2f}x "
          "(target: no slower)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
