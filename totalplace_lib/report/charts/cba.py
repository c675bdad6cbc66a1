"""The redesign case's charts: payback, who pays and who gains, the tornado and the Monte Carlo."""

from __future__ import annotations

import numpy as np
import pandas as pd

from totalplace_lib.core import fmt
from totalplace_lib.core.gaps import passes_gaps
from totalplace_lib.report.charts.layout import (
    PALETTE,
    Chart,
    finish,
    money_axis,
    new_figure,
    set_titles,
)


@passes_gaps
def payback_chart(cf: pd.DataFrame, a, source: str) -> Chart:
    """Cumulative discounted costs and fiscal benefits by year, payback year marked."""
    fig, ax = new_figure()
    ax.plot(cf["label"], cf["cum_pv_costs"], color=PALETTE[3], linewidth=2.5, label="costs (cumulative PV)")
    ax.plot(cf["label"], cf["cum_pv_fiscal"], color=PALETTE[0], linewidth=2.5,
            label="fiscal benefits (cumulative PV)")
    if a.payback_label is not None:
        ax.axvline(a.payback_label, color=PALETTE[1], linestyle="--", linewidth=1.5)
        ax.text(a.payback_label, ax.get_ylim()[1] * 0.95, f" pays back {a.payback_label}", color=PALETTE[1],
                fontsize=9, va="top")
    money_axis(ax, "y")
    ax.tick_params(axis="x", rotation=45)
    ax.legend(loc="upper left", frameon=False)
    title = (f"Fiscal benefits repay the costs by {a.payback_label}" if a.payback_label
             else "Fiscal benefits never repay the costs within the horizon")
    set_titles(ax, title, f"Cumulative present values, £ at {a.price_year} prices; NPV {fmt.money(a.npv)}, "
                       f"BCR {a.bcr:.1f}")
    return finish(fig, source)


@passes_gaps
def who_benefits_chart(matrix: pd.DataFrame, a, source: str) -> Chart:
    """Heatmap of PV fiscal benefit by funder (rows) and beneficiary (columns)."""
    import textwrap

    import seaborn as sns

    fig, ax = new_figure((8.5, 2.2 + 0.55 * len(matrix)))
    labels = matrix.map(fmt.money_tick)  # £98.8k: short enough for five columns
    sns.heatmap(matrix, annot=labels, fmt="", cmap="Blues", cbar=False, linewidths=1, ax=ax,
                annot_kws={"fontsize": 10})
    ax.set_xlabel("benefits to")
    ax.set_ylabel("paid for by")
    # agency names wrapped onto lines under their column, and read across beside their row
    ax.set_xticklabels(["\n".join(textwrap.wrap(str(c), 14)) for c in matrix.columns], rotation=0, fontsize=9.5)
    ax.set_yticklabels([str(r) for r in matrix.index], rotation=0, fontsize=9.5)
    top = max(a.fiscal_by_agency, key=a.fiscal_by_agency.get)
    funders = ", ".join(a.costs_by_agency)
    share = a.fiscal_by_agency[top] / a.pv_fiscal
    verb = "pays" if len(a.costs_by_agency) == 1 else "pay"
    title = (f"{top} gets {fmt.share(share, 0)} of the savings; {funders} {verb}" if top not in a.costs_by_agency
             else f"{top} gets {fmt.share(share, 0)} of the savings")
    set_titles(ax, title, f"Who pays, who benefits: PV fiscal benefit, £ at {a.price_year} prices")
    return finish(fig, source)


@passes_gaps
def tornado_chart(t: pd.DataFrame, source: str, price_year: str) -> Chart:
    """NPV range as each assumption moves low -> high, widest at the top."""
    t = t.iloc[::-1]
    fig, ax = new_figure((8.5, 1.6 + 0.5 * len(t)))
    base = float(t["npv_central"].iloc[0])
    for y, (_, r) in enumerate(t.iterrows()):
        lo, hi = sorted([r["npv_low"], r["npv_high"]])
        ax.barh(y, hi - lo, left=lo, color=PALETTE[0])
        ax.text(hi, y, f"  {r['low']:g} to {r['high']:g}", va="center", fontsize=8.5)
    ax.set_yticks(range(len(t)), t["assumption"])
    ax.axvline(base, color="black", linewidth=1)
    ax.axvline(0, color=PALETTE[3], linewidth=1.5, linestyle="--")
    money_axis(ax, "x")
    first = t.iloc[-1]
    set_titles(ax, f"The result is most sensitive to {first['assumption']}",
            f"NPV as each assumption moves across its range (others central), £ at {price_year} prices")
    return finish(fig, source)


@passes_gaps
def npv_distribution_chart(mc, source: str, price_year: str) -> Chart:
    """Histogram of Monte Carlo NPVs with zero and the 5th/95th percentiles marked."""
    fig, ax = new_figure()
    counts, edges = np.histogram(mc.npv, bins=60)
    ax.stairs(counts, edges, fill=True, color=PALETTE[0])  # one shape, not 60 bars measured and drawn one by one
    ax.axvline(0, color=PALETTE[3], linestyle="--", linewidth=1.5)
    pct = mc.percentiles()
    for q in (5, 95):
        ax.axvline(pct[q], color=PALETTE[1], linewidth=1)
    money_axis(ax, "x")
    ax.set_ylabel("draws")
    lo, hi = mc.p_interval
    set_titles(ax, f"Benefits exceed costs in {fmt.share(mc.p_benefit_exceeds_cost, 0)} of {mc.draws:,} simulations",
            f"NPV distribution, £ at {price_year} prices; 90% of draws between {fmt.money(pct[5])} and "
            f"{fmt.money(pct[95])} (P 95% CI {fmt.share(lo)}-{fmt.share(hi)})")
    return finish(fig, source)
