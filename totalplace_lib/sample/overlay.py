"""A small *synthetic* local overlay (``totalplace template --example``): what an analyst's own records add.

Person-level offending and admission records and the harm counts the public files lack, made by the sample's
seeded generator: it shows what the layer adds, and the tests use it. Its numbers are not any place's records.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

EXAMPLE_HARMS = ("alcohol-related admissions (broad)", "alcohol-specific deaths", "drug-related admissions",
                 "drug-related crimes", "drug misuse deaths", "problem drug users (estimated)")
"""Harm counts the public files lack, which the synthetic example supplies."""


def write_example(codes: list[str], out: Path, year: int = 2017, seed: int = 7) -> list[Path]:
    """A small synthetic local overlay (events and harm counts) for ``codes``; returns the files written.

    Made by the sample's seeded generator (offenders' and admitted patients' person-level records, and
    the alcohol and drug harm counts); each value is synthetic, not the place's records.
    """
    import pandas as pd

    from totalplace_lib.sample import themes as sample_themes
    from totalplace_lib.sample.generator import LA

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    src = "SYNTHETIC local overlay made by 'totalplace template --example' (not real records)"
    events, activity = [], []
    for code in codes:
        la = LA(code, code, "", "", 200_000, 1.1, 0.14)
        persons = np.full(91, 200_000 / 91)
        act, _, ev, recorded = sample_themes.offenders(rng, la, persons, src)
        events += ev
        act2, _, ev2 = sample_themes.alcohol(rng, la, persons, recorded, src)
        events += ev2
        activity += [r for r in act2 if r[3] in EXAMPLE_HARMS]
    ev_cols = ["area_code", "theme", "person_id", "event", "agency", "count"]
    act_cols = ["area_code", "year", "theme", "measure", "value", "unit", "source"]
    ev_df = pd.DataFrame(events, columns=ev_cols)
    act_df = pd.DataFrame(activity, columns=act_cols).assign(year=year)
    (out / "README.md").write_text(
        f"# Synthetic local overlay for {', '.join(codes)}\n\nMade by `totalplace template --example` with the "
        "sample's seeded generator. **Every value is synthetic**: it shows what your own records add to the public "
        "data (person-level offending and admission records, harm counts the public files lack). Replace it with "
        "your own records before drawing any conclusion.\n", encoding="utf-8")
    ev_df.to_csv(out / "events.csv", index=False)
    act_df.to_csv(out / "activity.csv", index=False)
    return [out / "events.csv", out / "activity.csv", out / "README.md"]
