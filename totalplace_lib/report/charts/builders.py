"""The general charts the others are made of: bars of £ amounts, a stage bar, places ranked on one
measure, stacked bars and estimates with confidence intervals."""

from __future__ import annotations

import pandas as pd
from matplotlib.ticker import FuncFormatter

from totalplace_lib.core import fmt
from totalplace_lib.core.gaps import passes_gaps
from totalplace_lib.report.charts.layout import (
    FOCUS,
    PALETTE,
    STAGE_COLOURS,
    Chart,
    finish,
    money_axis,
    new_figure,
    set_titles,
)


@passes_gaps
def hbar_money(table: pd.DataFrame, label: str, title: str, subtitle: str, source: str,
               top: int | None = None, highlight: str | None = None) -> Chart:
    """Horizontal bars of £ amounts (column ``amount_gbp``), largest at the top.

    Parameters
    ----------
    table : DataFrame
        Needs ``label`` and ``amount_gbp`` columns.
    highlight : str, optional
        A label drawn in the focus colour, the others grey.
    """
    t = table.sort_values("amount_gbp", ascending=False)
    if top:
        t = t.head(top)
    t = t.iloc[::-1]
    fig, ax = new_figure((8.5, max(3.0, 0.38 * len(t) + 1.6)))
    colours = [FOCUS[0] if (highlight is None or v == highlight) else FOCUS[1] for v in t[label]]
    ax.barh(t[label], t["amount_gbp"], color=colours)
    total = table["amount_gbp"].sum()
    for y, v in enumerate(t["amount_gbp"]):
        ax.text(v, y, f" {fmt.money(v)} ({fmt.share(v / total, 0)})", va="center", fontsize=8.5)
    money_axis(ax, "x")
    ax.set_xlim(0, t["amount_gbp"].max() * 1.3)
    ax.set_ylabel("")
    set_titles(ax, title, subtitle)
    return finish(fig, source)


@passes_gaps
def stage_bar(stages: pd.DataFrame, title: str, subtitle: str, source: str) -> Chart:
    """One stacked bar of spend by stage (preventive -> acute), labelled with shares."""
    fig, ax = new_figure((8.5, 2.6))
    left = 0.0
    for _, row in stages.iterrows():
        ax.barh([""], [row["share"]], left=left, color=STAGE_COLOURS[row["stage"]], label=row["stage"])
        if row["share"] > 0.04:
            name = row["stage"].replace(" ", "\n")  # "early intervention" ran into its neighbours on one line
            ax.text(left + row["share"] / 2, 0, f"{name}\n{fmt.share(row['share'], 0)}",
                    ha="center", va="center", fontsize=8.5,
                    color="white" if row["stage"] in ("reactive", "acute") else "black")
        left += row["share"]
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0%}"))
    ax.set_yticks([])
    ax.grid(False)
    set_titles(ax, title, subtitle)
    return finish(fig, source)


@passes_gaps
def peer_bars(table: pd.DataFrame, value: str, label: str, highlight: str, title: str, subtitle: str,
              source: str, reference: float | None = None, reference_label: str = "",
              money: bool = True) -> Chart:
    """Places ranked on one measure, the chosen place highlighted, an optional reference line."""
    t = table.sort_values(value, ascending=True)
    fig, ax = new_figure((8.5, max(3.0, 0.36 * len(t) + 1.6)))
    colours = [FOCUS[0] if v == highlight else FOCUS[1] for v in t[label]]
    ax.barh(t[label], t[value], color=colours)
    if reference is not None:
        ax.axvline(reference, color=PALETTE[1], linestyle="--", linewidth=1.5)
        ax.text(reference, len(t) - 0.4, f" {reference_label}", color=PALETTE[1], fontsize=8.5, va="bottom")
    if money:
        money_axis(ax, "x")
    else:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0%}"))
    set_titles(ax, title, subtitle)
    return finish(fig, source)


@passes_gaps
def stacked_bars(table: pd.DataFrame, label: str, parts: list[str], title: str, subtitle: str, source: str,
                 money: bool = True) -> Chart:
    """Horizontal stacked bars: one bar per ``label`` row, one segment per column in ``parts``."""
    t = table.iloc[::-1]
    fig, ax = new_figure((8.5, max(3.0, 0.42 * len(t) + 1.9)))
    left = pd.Series(0.0, index=t.index)
    for i, part in enumerate(parts):
        ax.barh(t[label], t[part], left=left, color=PALETTE[i % len(PALETTE)], label=part)
        left = left + t[part]
    if money:
        money_axis(ax, "x")
    else:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0%}"))
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, -0.32 - 0.02 * len(parts)), ncol=min(4, len(parts)),
              frameon=False, fontsize=8.5)
    set_titles(ax, title, subtitle)
    return finish(fig, source)


@passes_gaps
def ci_chart(bench: pd.DataFrame, highlight: str, title: str, subtitle: str, source: str,
             percent: bool = False) -> Chart:
    """Places ranked on an indicator with 95% confidence intervals; England as a dashed line."""
    eng = bench[bench["slug"] == "england"]
    t = bench[bench["slug"] != "england"].sort_values("value")
    fig, ax = new_figure((8.5, max(3.0, 0.36 * len(t) + 1.8)))
    colours = [FOCUS[0] if p == highlight else FOCUS[1] for p in t["place"]]
    ax.barh(t["place"], t["value"], color=colours)
    ax.errorbar(t["value"], range(len(t)), xerr=[t["value"] - t["lower"], t["upper"] - t["value"]], fmt="none",
                ecolor="black", elinewidth=1, capsize=3)
    if not eng.empty:
        ev = float(eng["value"].iloc[0])
        ax.axvline(ev, color=PALETTE[1], linestyle="--", linewidth=1.5)
        ax.text(ev, len(t) - 0.4, f" England {ev:.0%}" if percent else f" England {ev:,.0f}", color=PALETTE[1],
                fontsize=8.5, va="bottom")
    if percent:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0%}"))
    set_titles(ax, title, subtitle)
    return finish(fig, source)
