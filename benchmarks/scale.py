"""Does the count and the concentration analysis scale to a large place's own records?

Builds, in memory, 1 million spend lines (a whole county's ledger lines across agencies, services and
stages) and 1 million person-level events (a county's offending or admissions records), then times the
library's own functions on them, the same calls the notebooks make:

- the count: ``count.count_of`` (total, per head, preventive share, council and discretionary spend,
  basis shares), ``count.spend_by`` by agency and by service, ``count.stage_split``;
- concentration: ``concentration.per_person`` (events to one value per person), the Pareto curve,
  ``concentration_table`` (top 1/2/5/10%) and the Gini coefficient.

Issue 18's goal is under 1 s for each on 1 million rows. Printed beside each time, measured in the same run,
is the time of the same sums done row by row in plain Python over the first 100,000 rows, scaled up: the
ratio is what vectorising buys (compare ratios, not seconds: the machine is shared).
Run: .venv/bin/python benchmarks/scale.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from totalplace_lib.core.schema import STAGES, UNIVERSAL  # noqa: E402
from totalplace_lib.methods import concentration, count  # noqa: E402

AGENCIES = ("Council", "NHS / PCT", "Police", "Probation", "Fire and rescue", "Jobcentre Plus", "Courts",
            "Prison service", "Youth offending", "Housing")


def spend_lines(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """``n`` spend lines shaped like the spend table (one authority, one year, 2009/10 prices)."""
    stages = np.array([*STAGES, UNIVERSAL])
    return pd.DataFrame({
        "area_code": "E10000016", "year": 2009, "theme": rng.choice(["offenders", "early_years", "alcohol", "all"], n),
        "agency": pd.Categorical(rng.choice(AGENCIES, n)),
        "service": pd.Categorical([f"service {i}" for i in rng.integers(0, 400, n)]),
        "stage": pd.Categorical(stages[rng.integers(0, stages.size, n)]),
        "amount_gbp": rng.lognormal(8, 2, n).round(2), "price_year": "2009/10",
        "source": "ledger", "discretionary": rng.random(n) < 0.3,
        "basis": pd.Categorical(rng.choice(["reported", "apportioned", "local"], n, p=[0.6, 0.3, 0.1])),
    })


def events(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """``n`` person-level events shaped like the events table: 200,000 people, a few very active."""
    people = np.minimum((rng.pareto(1.1, n) * 2_000).astype(int), 199_999)  # heavy-tailed: a few people, many events
    return pd.DataFrame({"area_code": "E10000016", "theme": "offenders",
                         "person_id": pd.Categorical([f"P{p:06d}" for p in people]),
                         "event": "offences", "agency": "Police", "count": rng.integers(1, 4, n)})


def timed(fn, repeats: int = 3) -> tuple[float, object]:
    """Median wall time (s) of ``fn()`` over ``repeats`` runs, and its last result."""
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def the_count(spend: pd.DataFrame) -> tuple:
    c = count.count_of(spend, "Kent", 2009, 1_400_000)
    return c, count.spend_by(spend, "agency"), count.spend_by(spend, "service"), count.stage_split(spend)


def the_concentration(ev: pd.DataFrame) -> tuple:
    per = concentration.per_person(ev, "offences")
    return per, concentration.concentration_table(per), concentration.gini(per)


def count_by_hand(spend: pd.DataFrame, rows: int) -> float:
    """Seconds for the count's sums done row by row in plain Python over ``rows`` rows, scaled to all."""
    part = spend.head(rows)
    records = list(zip(part["agency"], part["service"], part["stage"], part["amount_gbp"], strict=True))
    t0 = time.perf_counter()
    by_agency, by_service, by_stage, total = defaultdict(float), defaultdict(float), defaultdict(float), 0.0
    for agency, service, stage, amount in records:
        by_agency[agency] += amount
        by_service[service] += amount
        by_stage[stage] += amount
        total += amount
    return (time.perf_counter() - t0) * len(spend) / rows


def concentration_by_hand(ev: pd.DataFrame, rows: int) -> float:
    """Seconds for per-person totals and a sorted top share in plain Python over ``rows`` rows, scaled."""
    part = ev.head(rows)
    records = list(zip(part["person_id"], part["count"], strict=True))
    t0 = time.perf_counter()
    per: dict = defaultdict(int)
    for person, n in records:
        per[person] += n
    ranked = sorted(per.values(), reverse=True)
    sum(ranked[: max(1, len(ranked) // 100)]) / sum(ranked)
    return (time.perf_counter() - t0) * len(ev) / rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="spend lines and events to build (default 1m)")
    args = ap.parse_args()
    rng = np.random.default_rng(2010)
    spend, ev = spend_lines(args.rows, rng), events(args.rows, rng)
    sample = min(100_000, args.rows)
    t_count, (c, by_agency, _, stages) = timed(lambda: the_count(spend))
    t_conc, (per, table, g) = timed(lambda: the_concentration(ev))
    hand_count, hand_conc = count_by_hand(spend, sample), concentration_by_hand(ev, sample)
    goal = "met" if max(t_count, t_conc) < 1 else "NOT met"
    print(f"{args.rows:,} spend lines: count, by agency, by service and by stage in {t_count:.2f} s "
          f"(£{c.total_gbp / 1e9:.2f}bn, {len(by_agency)} agencies, preventive {c.preventive_share:.0%}); "
          f"row by row in Python {hand_count:.2f} s -> {hand_count / t_count:.1f}x")
    print(f"{args.rows:,} person-level events: per person, top 1/2/5/10% and Gini in {t_conc:.2f} s "
          f"({len(per):,} people; top 1% hold {table['total_share'].iloc[0]:.0%}; Gini {g:.2f}); "
          f"row by row in Python {hand_conc:.2f} s -> {hand_conc / t_conc:.1f}x")
    print(f"goal (each under 1 s on 1 million rows): {goal}")


if __name__ == "__main__":
    main()
