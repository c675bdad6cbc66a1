"""The cross-pilot synthesis: every report's recorded figures side by side.

It reads only the JSON records the theme reports wrote (``reports/<slug>/<theme>.json``), so it
compares exactly what the reviewers saw. The Total Place final report judged that savings of
about 2% were realistically achievable *across each theme's spend* (seed 004, §3.4); the test
here divides each redesign's net *cashable* saving a year (cashable fiscal benefits less costs, as an
equivalent annual amount: money that can leave budgets, not freed capacity) by the spend of its
theme in that place.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from totalplace_lib.core import fmt, paths

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

SAVINGS_TARGET = 0.02
SAVINGS_TARGET_SOURCE = ("HM Treasury & CLG (2010) Total Place final report, as summarised in seed 004 §3.4: "
                         "'2% savings would be realistically achievable', across each pilot's theme")
THEME_SPEND = {"offenders": "offenders_spend_gbp", "early_years": "early_years_spend_gbp",
               "alcohol": "substance_spend_gbp"}
"""Which recorded figure is each theme's spend (the base for the 2% test)."""
HEADLINES = {
    "offenders": ("cost_per_prolific_offender_gbp", "top2pct_share_of_offences"),
    "early_years": ("spend_per_child_0_5_gbp", "cla_rate_per_10k", "cohort_cost_to_18_gbp"),
    "alcohol": ("alcohol_share_of_substance_spend", "alcohol_share_of_substance_harm", "cost_of_alcohol_harm_gbp"),
}


def load_records(reports_dir: Path | None = None) -> pd.DataFrame:
    """Every recorded figure as one long table.

    Returns
    -------
    DataFrame
        area, place, theme, dataset, illustrative, figure, value, unit, period, source, label.
        Unreadable records are skipped with a warning (the index shows those reports as failed).
    """
    import pandas as pd  # not at import: a batch with nothing to do never needs it

    base = Path(reports_dir) if reports_dir else paths.reports_dir()
    rows = []
    for path in sorted(base.glob("*/*.json")):
        try:
            rec = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            logger.warning("skipping %s: %s", path, exc)
            continue
        for name, f in rec.get("figures", {}).items():
            rows.append({"area": rec["area"], "place": rec.get("place", rec["area"]), "theme": rec["theme"],
                         "dataset": rec.get("dataset"), "illustrative": rec.get("illustrative"), "figure": name,
                         "value": f.get("value"), "unit": f.get("unit"), "period": f.get("period"),
                         "source": f.get("source"), "label": f.get("label", name)})
    cols = ["area", "place", "theme", "dataset", "illustrative", "figure", "value", "unit", "period", "source", "label"]
    out = pd.DataFrame(rows, columns=cols)
    if out.empty:
        raise ValueError(f"no recorded figures under {paths.relative(base)}: run the theme reports first")
    return out


def wide(records: pd.DataFrame, theme: str, figures: tuple[str, ...] | None = None) -> pd.DataFrame:
    """One theme's figures, one row per place (columns: place, area, then the figures)."""
    r = records[records["theme"] == theme]
    if figures:
        r = r[r["figure"].isin(figures)]
    out = r.pivot_table(index=["area", "place"], columns="figure", values="value", aggfunc="first").reset_index()
    out.columns.name = None
    for f in figures or ():  # a figure every place recorded as missing is still a column (of n/a)
        if f not in out.columns and len(out):
            out[f] = float("nan")
    return out


def place_overview(records: pd.DataFrame) -> pd.DataFrame:
    """Spend per head and preventive share of each pilot (place overview records), highest per head first."""
    w = wide(records, "place", ("total_spend_gbp", "spend_per_head_gbp", "population", "preventive_share"))
    return w.sort_values("spend_per_head_gbp", ascending=False).reset_index(drop=True)


def redesigns(records: pd.DataFrame) -> pd.DataFrame:
    """Every redesign case: NPV, BCR, P(benefit > cost), net fiscal saving a year and theme spend.

    ``saving_share_of_theme_spend`` is the net fiscal saving a year ÷ the theme's spend in the place;
    ``meets_2pct`` compares it with the Total Place 2% benchmark.
    """
    frames = []
    for theme, spend_fig in THEME_SPEND.items():
        w = wide(records, theme, ("cba_npv_gbp", "cba_bcr", "cba_prob_benefit_exceeds_cost",
                                  "cba_annual_fiscal_saving_gbp", "cba_annual_cashable_saving_gbp",
                                  "cba_pv_costs_gbp", spend_fig))
        if w.empty:
            continue
        frames.append(w.rename(columns={spend_fig: "theme_spend_gbp"}).assign(theme=theme))
    if not frames:
        raise ValueError("no redesign cases recorded yet: run the theme reports first")
    import pandas as pd

    out = pd.concat(frames, ignore_index=True)
    out["saving_share_of_theme_spend"] = out["cba_annual_cashable_saving_gbp"] / out["theme_spend_gbp"]
    out["meets_2pct"] = out["saving_share_of_theme_spend"] >= SAVINGS_TARGET
    return out[["place", "theme", "cba_npv_gbp", "cba_bcr", "cba_prob_benefit_exceeds_cost", "cba_pv_costs_gbp",
                "cba_annual_fiscal_saving_gbp", "cba_annual_cashable_saving_gbp", "theme_spend_gbp",
                "saving_share_of_theme_spend", "meets_2pct"]] \
        .sort_values(["theme", "cba_npv_gbp"], ascending=[True, False]).reset_index(drop=True)


def savings_test(red: pd.DataFrame) -> pd.DataFrame:
    """By theme, across the pilots: theme spend, net fiscal saving a year, its share, and the 2% benchmark."""
    g = red.groupby("theme", as_index=False).agg(
        pilots=("place", "count"), theme_spend_gbp=("theme_spend_gbp", "sum"),
        annual_fiscal_saving_gbp=("cba_annual_fiscal_saving_gbp", "sum"),
        annual_cashable_saving_gbp=("cba_annual_cashable_saving_gbp", "sum"), npv_gbp=("cba_npv_gbp", "sum"),
        pilots_meeting_2pct=("meets_2pct", "sum"))
    g["saving_share"] = g["annual_cashable_saving_gbp"] / g["theme_spend_gbp"]
    g["two_pct_of_spend_gbp"] = SAVINGS_TARGET * g["theme_spend_gbp"]
    return g


def headlines(records: pd.DataFrame) -> pd.DataFrame:
    """Each theme's headline figures by place (one row per place)."""
    out = None
    for theme, figs in HEADLINES.items():
        w = wide(records, theme, figs)
        if w.empty:
            continue
        w = w.drop(columns="area")
        out = w if out is None else out.merge(w, on="place", how="outer")
    if out is None:
        raise ValueError("no theme reports recorded yet")
    return out.sort_values("place").reset_index(drop=True)


def findings(overview: pd.DataFrame, red: pd.DataFrame, test: pd.DataFrame) -> list[str]:
    """Key findings of the synthesis, each sentence built from the recorded figures."""
    total = overview["total_spend_gbp"].sum()
    pop = overview["population"].sum()
    hi, lo = overview.iloc[0], overview.iloc[-1]
    positive = int((red["cba_npv_gbp"] > 0).sum())
    lines = [
        f"The {len(overview)} pilots counted **{fmt.money(total)}** of public spend for {fmt.count(pop)} people: "
        f"**{fmt.money(total / pop)} a head**, from {fmt.money(hi['spend_per_head_gbp'])} in {hi['place']} to "
        f"{fmt.money(lo['spend_per_head_gbp'])} in {lo['place']}.",
        f"Preventive and early-intervention spend ranged from {fmt.share(overview['preventive_share'].min(), 0)} to "
        f"{fmt.share(overview['preventive_share'].max(), 0)} of all spend.",
        f"**{positive} of {len(red)} redesign cases** have benefits exceeding costs; together they are worth "
        f"**{fmt.money(red['cba_npv_gbp'].sum())}** in present value.",
    ]
    for _, r in test.iterrows():
        verdict = "above" if r["saving_share"] >= SAVINGS_TARGET else "below"
        lines.append(
            f"**{r['theme'].replace('_', ' ').capitalize()}**: the redesigns would save a net "
            f"{fmt.money(r['annual_cashable_saving_gbp'])} a year in cash (cashable savings less costs) across the "
            "pilots, "
            f"**{fmt.share(r['saving_share'])} of the theme's spend**, {verdict} the 2% Total Place judged realistic "
            f"({int(r['pilots_meeting_2pct'])} of {int(r['pilots'])} pilots reach it).")
    return lines


def banner(records: pd.DataFrame) -> str:
    """The data note at the top of the synthesis (illustrative sample or public data)."""
    if records["illustrative"].all():
        return ("> **Illustrative data.** Every report behind this synthesis ran on the project's synthetic sample, "
                "calibrated to published Total Place figures. The methods are real; the local numbers are not.")
    return "> Data: " + ", ".join(sorted(set(records["dataset"].astype(str)))) + "."


def ready(reports_dir: Path | None = None) -> str:
    """Empty if the synthesis can run; otherwise why not (it needs place overviews and a theme's redesigns)."""
    base = Path(reports_dir) if reports_dir else paths.reports_dir()
    themes = {p.stem for p in base.glob("*/*.json")}
    if "place" not in themes:
        return "no place overview records yet"
    if not themes & set(THEME_SPEND):
        return "no theme (redesign case) records yet"
    return ""


HEADLINE_LABELS = {
    "place": "Pilot",
    "cost_per_prolific_offender_gbp": "Cost per prolific offender",
    "top2pct_share_of_offences": "Offences by top 2% of offenders",
    "spend_per_child_0_5_gbp": "Spend per child 0-5",
    "cla_rate_per_10k": "Looked after per 10,000",
    "cohort_cost_to_18_gbp": "Birth cohort cost to 18 (PV)",
    "alcohol_share_of_substance_spend": "Alcohol share of intervention spend",
    "alcohol_share_of_substance_harm": "Alcohol share of the cost of harm",
    "cost_of_alcohol_harm_gbp": "Cost of alcohol harm",
}


def headline_table(records: pd.DataFrame):
    """:func:`headlines` formatted for the report (money as money, shares as per cent)."""
    from totalplace_lib.report import tables

    h = headlines(records)
    h = h[[c for c in HEADLINE_LABELS if c in h.columns]]
    money = tuple(c for c in h.columns if c.endswith("_gbp"))
    share = tuple(c for c in h.columns if "share" in c)
    return tables.styled(h, money=money, share=share, decimals={"cla_rate_per_10k": 0}, rename=HEADLINE_LABELS)
