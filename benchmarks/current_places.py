"""Reports per second on current boundaries: the current upper tier against every current district, side by side.

Two runs of the place overview on ``public-current`` (the count shared down to current districts and unitaries),
each with ``--force`` into its own temporary reports folder, one after the other in this process:

1. **upper tier**: every current upper-tier authority (``--all-areas``: unitaries, metropolitan and London boroughs,
   and counties as the sum of their districts);
2. **districts**: every current district and unitary (``--all-districts``).

Prints, for each, reports produced, failed, wall seconds and reports per second, and the districts' rate as a ratio
of the upper tier's. ``--sample N`` runs only the first N places of each kind, interleaved in one batch so a busy
spell on this shared machine falls on both alike (a quick check; the national runs take tens of minutes).
Run: .venv/bin/python benchmarks/current_places.py [--sample 8] [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time


def _national(kind: str, jobs: int) -> tuple[int, int, float, list[str]]:
    from totalplace_lib.batch.runner import run_batch

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["TOTALPLACE_REPORTS_DIR"] = tmp
        t0 = time.perf_counter()
        summary = run_batch(None, ["place"], jobs=jobs, force=True, dataset="public-current", progress=False,
                            all_areas=kind == "upper tier", all_districts=kind == "districts")
        wall = time.perf_counter() - t0
    ok = sum(r.status == "ok" for r in summary.results)
    failed = [r.job.label for r in summary.results if r.status == "failed"]
    return ok, len(failed), wall, failed + summary.bad_inputs


def _sample(n: int, jobs: int) -> None:
    from totalplace_lib.batch.runner import plan, run_batch

    upper = [j.place.slug for j in plan(None, ["place"], "public-current", all_areas=True)[0]][:n]
    districts = [j.place.slug for j in plan(None, ["place"], "public-current", all_districts=True)[0]
                 if j.place.slug.startswith("e07")][:n]
    kind = {**{u: "upper tier" for u in upper}, **{d: "districts" for d in districts}}
    mixed = [s for pair in zip(upper, districts, strict=False) for s in pair]
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["TOTALPLACE_REPORTS_DIR"] = tmp
        summary = run_batch(mixed, ["place"], jobs=jobs, force=True, dataset="public-current", progress=False)
    secs: dict[str, list[float]] = {"upper tier": [], "districts": []}
    for r in summary.results:
        if r.status == "ok":
            secs[kind[r.job.place.slug]].append(r.seconds)
    failed = [r.job.label for r in summary.results if r.status == "failed"]
    print(f"{len(mixed)} place overviews interleaved, {jobs} job(s), {len(failed)} failed {failed or ''}")
    base = statistics.median(secs["upper tier"])
    print(f"{'kind':12s} {'reports':>8s} {'median s':>9s} {'reports/s':>10s} {'vs upper tier':>14s}")
    for k, v in secs.items():
        m = statistics.median(v)
        print(f"{k:12s} {len(v):8d} {m:9.2f} {1 / m:10.3f} {base / m:13.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=2, help="parallel reports (default 2)")
    ap.add_argument("--sample", type=int, default=0,
                    help="only the first N places of each kind, interleaved (default: the national runs)")
    a = ap.parse_args()
    if a.sample:
        _sample(a.sample, a.jobs)
        return
    rows = {kind: _national(kind, a.jobs) for kind in ("upper tier", "districts")}
    base = rows["upper tier"][0] / rows["upper tier"][2]
    print(f"national place overviews on public-current, {a.jobs} job(s), --force")
    print(f"{'run':12s} {'reports':>8s} {'failed':>7s} {'wall s':>8s} {'reports/s':>10s} {'vs upper tier':>14s}")
    for kind, (ok, failed, wall, bad) in rows.items():
        print(f"{kind:12s} {ok:8d} {failed:7d} {wall:8.1f} {ok / wall:10.3f} {ok / wall / base:13.2f}x")
        if bad:
            print(f"  failed or refused: {', '.join(bad[:10])}{' ...' if len(bad) > 10 else ''}")


if __name__ == "__main__":
    main()
