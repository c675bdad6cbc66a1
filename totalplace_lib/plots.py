"""House chart style and the charts the reports show.

One style for every chart: the UK Government Analysis Function style and accessible
palette (``afcharts``), money axes in £, titles that state the finding and subtitles
that give the unit, year and source. Every function returns a :class:`Chart` (a closed
Figure with alt text), so a notebook cell that ends with the call shows it exactly once.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from afcharts.af_colours import get_af_colours
from matplotlib.ticker import FuncFormatter

from . import fmt
from .schema import STAGES

_STYLE_APPLIED = False
PALETTE = get_af_colours("categorical", number_of_colours=6)
FOCUS = get_af_colours("focus")  # [highlight, grey]
STAGE_COLOURS = dict(zip(STAGES, get_af_colours("sequential", number_of_colours=4)[::-1], strict=True))


def apply_style() -> None:
    """Apply the Analysis Function chart style once (fixed size and DPI for reproducible output)."""
    global _STYLE_APPLIED
    if _STYLE_APPLIED:
        return
    plt.style.use("afcharts.afcharts")
    plt.rcParams.update({"figure.figsize": (8.5, 4.8), "figure.dpi": 100, "savefig.dpi": 100,
                         "axes.titlesize": 13, "axes.titleweight": "bold", "axes.titlelocation": "left"})
    _STYLE_APPLIED = True


def money_axis(ax, axis: str = "x") -> None:
    """Format an axis in pounds (£m/£bn/£ as appropriate)."""
    f = FuncFormatter(lambda v, _pos: fmt.money_tick(v))
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(f)


class Chart:
    """A finished chart: shows as a PNG with alt text (title and subtitle) in notebooks and HTML.

    ``chart.fig`` is the matplotlib Figure (``chart.fig.savefig(...)`` to export).
    """

    def __init__(self, fig: plt.Figure, title: str, subtitle: str) -> None:
        self.fig = fig
        self.title = title
        self.alt = f"Chart: {title}. {subtitle}."

    def png(self) -> bytes:
        """The chart as PNG bytes."""
        import io

        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", bbox_inches="tight")
        return buf.getvalue()

    def _repr_mimebundle_(self, include=None, exclude=None):
        import base64

        data = {"image/png": base64.b64encode(self.png()).decode("ascii"), "text/plain": self.title}
        return data, {"image/png": {"alt": self.alt}}


def _titles(ax, title: str, subtitle: str) -> None:
    ax.figure._tp_titles = (title, subtitle)
    ax.set_title(title, pad=26)
    ax.text(0, 1.02, subtitle, transform=ax.transAxes, fontsize=9.5, color="#3D3D3D", va="bottom")


def _finish(fig, source: str) -> Chart:
    fig.text(0.01, 0.005, f"Source: {source}", fontsize=8, color="#3D3D3D", ha="left", va="bottom", wrap=True)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    plt.close(fig)
    return Chart(fig, *fig._tp_titles)


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
    apply_style()
    t = table.sort_values("amount_gbp", ascending=False)
    if top:
        t = t.head(top)
    t = t.iloc[::-1]
    fig, ax = plt.subplots(figsize=(8.5, max(3.0, 0.38 * len(t) + 1.6)))
    colours = [FOCUS[0] if (highlight is None or v == highlight) else FOCUS[1] for v in t[label]]
    ax.barh(t[label], t["amount_gbp"], color=colours)
    total = table["amount_gbp"].sum()
    for y, v in enumerate(t["amount_gbp"]):
        ax.text(v, y, f" {fmt.money(v)} ({fmt.share(v / total, 0)})", va="center", fontsize=8.5)
    money_axis(ax, "x")
    ax.set_xlim(0, t["amount_gbp"].max() * 1.3)
    ax.set_ylabel("")
    _titles(ax, title, subtitle)
    return _finish(fig, source)


def stage_bar(stages: pd.DataFrame, title: str, subtitle: str, source: str) -> Chart:
    """One stacked bar of spend by stage (preventive -> acute), labelled with shares."""
    apply_style()
    fig, ax = plt.subplots(figsize=(8.5, 2.6))
    left = 0.0
    for _, row in stages.iterrows():
        ax.barh([""], [row["share"]], left=left, color=STAGE_COLOURS[row["stage"]], label=row["stage"])
        if row["share"] > 0.04:
            ax.text(left + row["share"] / 2, 0, f"{row['stage']}\n{fmt.share(row['share'], 0)}",
                    ha="center", va="center", fontsize=8.5,
                    color="white" if row["stage"] in ("reactive", "acute") else "black")
        left += row["share"]
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0%}"))
    ax.set_yticks([])
    ax.grid(False)
    _titles(ax, title, subtitle)
    return _finish(fig, source)


def peer_bars(table: pd.DataFrame, value: str, label: str, highlight: str, title: str, subtitle: str,
              source: str, reference: float | None = None, reference_label: str = "",
              money: bool = True) -> Chart:
    """Places ranked on one measure, the chosen place highlighted, an optional reference line."""
    apply_style()
    t = table.sort_values(value, ascending=True)
    fig, ax = plt.subplots(figsize=(8.5, max(3.0, 0.36 * len(t) + 1.6)))
    colours = [FOCUS[0] if v == highlight else FOCUS[1] for v in t[label]]
    ax.barh(t[label], t[value], color=colours)
    if reference is not None:
        ax.axvline(reference, color=PALETTE[1], linestyle="--", linewidth=1.5)
        ax.text(reference, len(t) - 0.4, f" {reference_label}", color=PALETTE[1], fontsize=8.5, va="bottom")
    if money:
        money_axis(ax, "x")
    else:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0%}"))
    _titles(ax, title, subtitle)
    return _finish(fig, source)


# --- Place overview charts ------------------------------------------------------------------------

def _src(c) -> str:
    return "; ".join(c.sources)


def spend_by_agency_chart(by_agency: pd.DataFrame, c) -> Chart:
    """Spend by agency for a place, titled with the largest agency's share."""
    top = by_agency.iloc[0]
    return hbar_money(
        by_agency, "agency",
        title=f"{top['agency']} accounts for {fmt.share(top['share'], 0)} of public spend in {c.place}",
        subtitle=f"Spend by agency, £, {c.price_year} prices (total {fmt.money(c.total_gbp)})",
        source=_src(c),
    )


def spend_by_service_chart(by_service: pd.DataFrame, c, top: int = 12) -> Chart:
    """The largest services in a place, titled with the largest."""
    first = by_service.iloc[0]
    return hbar_money(
        by_service, "service", top=top,
        title=f"The largest single line is {first['service'].split(' (')[0]}",
        subtitle=f"{top} largest services by spend, £, {c.price_year} prices",
        source=_src(c),
    )


def stage_chart(stages: pd.DataFrame, c) -> Chart:
    """Stage split for a place, titled with the preventive share."""
    return stage_bar(
        stages,
        title=f"{fmt.share(c.preventive_share, 0)} of spend in {c.place} comes before crisis",
        subtitle=f"Share of public spend by stage, {c.price_year}",
        source=_src(c),
    )


def peers_per_head_chart(peers: pd.DataFrame, c, slug: str, pooled_per_head: float) -> Chart:
    """Spend per head across the pilots, this place highlighted, pooled average marked."""
    rank = int(peers.loc[peers["slug"] == slug, "rank_per_head"].iloc[0])
    return peer_bars(
        peers, "per_head_gbp", "place", c.place,
        title=f"{c.place} ranks {fmt.ordinal(rank)} of {len(peers)} pilots on spend per head",
        subtitle=f"Public spend per resident, £, {c.price_year} prices",
        source=_src(c), reference=pooled_per_head,
        reference_label=f"pilots' average {fmt.money(pooled_per_head)}",
    )


# --- Redesign case (CBA) charts -------------------------------------------------------------------

def payback_chart(cf: pd.DataFrame, a, source: str) -> Chart:
    """Cumulative discounted costs and fiscal benefits by year, payback year marked."""
    apply_style()
    fig, ax = plt.subplots()
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
    _titles(ax, title, f"Cumulative present values, £ at {a.price_year} prices; NPV {fmt.money(a.npv)}, "
                       f"BCR {a.bcr:.1f}")
    return _finish(fig, source)


def who_benefits_chart(matrix: pd.DataFrame, a, source: str) -> Chart:
    """Heatmap of PV fiscal benefit by funder (rows) and beneficiary (columns)."""
    import seaborn as sns

    apply_style()
    fig, ax = plt.subplots(figsize=(8.5, 1.6 + 0.6 * len(matrix)))
    labels = matrix.map(fmt.money)
    sns.heatmap(matrix, annot=labels, fmt="", cmap="Blues", cbar=False, linewidths=1, ax=ax)
    ax.set_xlabel("benefits to")
    ax.set_ylabel("paid for by")
    ax.tick_params(axis="x", rotation=0)
    top = max(a.fiscal_by_agency, key=a.fiscal_by_agency.get)
    funders = ", ".join(a.costs_by_agency)
    share = a.fiscal_by_agency[top] / a.pv_fiscal
    title = (f"{top} gets {fmt.share(share, 0)} of the savings; {funders} pays" if top not in a.costs_by_agency
             else f"{top} gets {fmt.share(share, 0)} of the savings")
    _titles(ax, title, f"Who pays, who benefits: PV fiscal benefit, £ at {a.price_year} prices")
    return _finish(fig, source)


def tornado_chart(t: pd.DataFrame, source: str, price_year: str) -> Chart:
    """NPV range as each assumption moves low -> high, widest at the top."""
    apply_style()
    t = t.iloc[::-1]
    fig, ax = plt.subplots(figsize=(8.5, 1.6 + 0.5 * len(t)))
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
    _titles(ax, f"The result is most sensitive to {first['assumption']}",
            f"NPV as each assumption moves across its range (others central), £ at {price_year} prices")
    return _finish(fig, source)


def npv_distribution_chart(mc, source: str, price_year: str) -> Chart:
    """Histogram of Monte Carlo NPVs with zero and the 5th/95th percentiles marked."""
    apply_style()
    fig, ax = plt.subplots()
    ax.hist(mc.npv, bins=60, color=PALETTE[0])
    ax.axvline(0, color=PALETTE[3], linestyle="--", linewidth=1.5)
    pct = mc.percentiles()
    for q in (5, 95):
        ax.axvline(pct[q], color=PALETTE[1], linewidth=1)
    money_axis(ax, "x")
    ax.set_ylabel("draws")
    lo, hi = mc.p_interval
    _titles(ax, f"Benefits exceed costs in {fmt.share(mc.p_benefit_exceeds_cost, 0)} of {mc.draws:,} simulations",
            f"NPV distribution, £ at {price_year} prices; 90% of draws between {fmt.money(pct[5])} and "
            f"{fmt.money(pct[95])} (P 95% CI {fmt.share(lo)}-{fmt.share(hi)})")
    return _finish(fig, source)
