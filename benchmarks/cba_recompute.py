"""How long one slider move in the redesign explorer takes: appraisal + 10,000-draw Monte Carlo.

Prints the median of repeated recomputes, and, side by side in the same run, the time of a
plain-Python loop over the same draws (the engine is vectorised; the ratio shows why).
Target: median recompute under 100 ms. Run: .venv/bin/python benchmarks/cba_recompute.py
"""

from __future__ import annotations

import contextlib
import io
import statistics
import time

import numpy as np

from totalplace_lib.data.places import load_place
from totalplace_lib.methods import cba
from totalplace_lib.report.widgets import redesign_explorer


def main(repeats: int = 30) -> None:
    s = cba.scenario_from_dict(load_place("croydon").scenarios["early_years"])
    box = redesign_explorer(s, draws=10_000, charts=False)  # the numbers; the charts are timed below
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        box.recompute()
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)

    rng = np.random.default_rng(1)
    draws = cba.sample_levers(s, 1_000, rng)
    t0 = time.perf_counter()
    for i in range(1_000):
        cba.evaluate(s, {k: float(v[i]) for k, v in draws.items()})
    loop_per_10k = (time.perf_counter() - t0) * 10

    with_charts = redesign_explorer(s, draws=10_000, charts=True)
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # outside a notebook, display() would print the charts
        for _ in range(5):
            with_charts.recompute()
    charts_med = (time.perf_counter() - t0) / 5
    print(f"recompute with the payback, tornado and NPV-distribution charts redrawn: {charts_med * 1000:.0f} ms a move "
          f"({charts_med / med:.1f}x the numbers alone)")
    print(f"recompute (appraisal + 10,000-draw Monte Carlo): median {med * 1000:.1f} ms over {repeats} runs "
          f"(target < 100 ms: {'met' if med < 0.1 else 'NOT met'})")
    print(f"per-draw Python loop, scaled to 10,000 draws: {loop_per_10k * 1000:.0f} ms "
          f"-> vectorised is {loop_per_10k / med:.0f}x faster")


if __name__ == "__main__":
    main()
