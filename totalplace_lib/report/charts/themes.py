"""The deep dives' charts: concentration, costs of crime and journeys, benchmarks and funnels, alcohol's
spend against harm and cost tree, the birth cohort and looked-after children."""

from __future__ import annotations

import pandas as pd
from matplotlib.ticker import FuncFormatter

from totalplace_lib.core import fmt
from totalplace_lib.core.gaps import Missing, known_rows, partial_note, passes_gaps
from totalplace_lib.methods import benchmark
from totalplace_lib.report.charts.builders import ci_chart, hbar_money, stacked_bars
from totalplace_lib.report.charts.layout import (
    FOCUS,
    PALETTE,
    Chart,
    finish,
    money_axis,
    new_figure,
    set_titles,
)
from totalplace_lib.themes import alcohol


@passes_gaps
def pareto_chart(curve: pd.DataFrame, table: pd.DataFrame, what: str, who: str, source: str) -> Chart:
    """Concentration curve: cumulative share of ``what`` against share of ``who`` (most active first)."""
    fig, ax = new_figure()
    ax.plot(curve["people_share"], curve["total_share"], color=PALETTE[0], linewidth=2.5, label=f"{who}, most first")
    ax.plot([0, 1], [0, 1], color=FOCUS[1], linestyle="--", linewidth=1, label="if everyone were equal")
    for _, r in table.iterrows():
        ax.plot(r["top_people_share"], r["total_share"], "o", color=PALETTE[1])
        ax.annotate(f"top {r['top_people_share']:.0%}: {r['total_share']:.0%}",
                    (r["top_people_share"], r["total_share"]), textcoords="offset points", xytext=(8, -12),
                    fontsize=8.5)
    pct = FuncFormatter(lambda v, _p: f"{v:.0%}")
    ax.xaxis.set_major_formatter(pct)
    ax.yaxis.set_major_formatter(pct)
    ax.set_xlabel(f"share of {who}")
    ax.set_ylabel(f"share of {what}")
    ax.legend(loc="lower right", frameon=False)
    two = table.loc[table["top_people_share"] == 0.02, "total_share"]
    lead = table.iloc[0] if two.empty else table[table["top_people_share"] == 0.02].iloc[0]
    set_titles(ax, f"The top {lead['top_people_share']:.0%} of {who} account for {lead['total_share']:.0%} of {what}",
            f"Cumulative share of {what} by share of {who}, ranked from the most to the least")
    return finish(fig, source)


@passes_gaps
def crime_cost_chart(cc: pd.DataFrame, bearers: tuple[str, ...], place: str, price_year: str) -> Chart:
    """Cost of recorded crime by offence type, split by who bears it."""
    top = cc.iloc[0]
    total = cc["cost_gbp"].sum()
    return stacked_bars(
        cc, "offence", list(bearers),
        title=f"{top['offence'].capitalize()} is {fmt.share(top['cost_gbp'] / total, 0)} of the cost of crime "
              f"in {place}",
        subtitle=f"Cost of recorded crime by offence and who bears it, £ at {price_year} prices "
                 f"(total {fmt.money(total)})",
        source=f"Recorded offences x Home Office (2018) costs of crime, deflated to {price_year}",
    )


@passes_gaps
def journey_chart(journey, place: str, per_offence: float, offences_per_person: float, price_year: str) -> Chart:
    """A prolific offender's year: each contact type's cost per person, plus the cost of their offences."""
    t = journey.assign(label=journey["event"] + " (" + journey["agency"] + ")",
                       amount_gbp=journey["cost_per_person_gbp"])[["label", "amount_gbp"]]
    t = pd.concat([t, pd.DataFrame([{"label": f"{offences_per_person:.0f} offences (harm and response)",
                                     "amount_gbp": per_offence * offences_per_person}])], ignore_index=True)
    t = t.groupby("label", as_index=False)["amount_gbp"].sum()
    total = t["amount_gbp"].sum()
    return hbar_money(
        t, "label",
        title=f"A prolific offender's year in {place} costs about {fmt.money(total)}",
        subtitle=f"Average cost per prolific offender a year by contact, £ at {price_year} prices",
        source="Person-level records x unit costs (Unit Cost Database; Home Office; DWP)",
    )


@passes_gaps
def funnel_chart(limits: pd.DataFrame, points: pd.DataFrame, highlight: str, unit: str, indicator: str,
                 source: str) -> Chart:
    """Funnel plot: each place's rate against its population, with 95% and 99.8% control limits."""
    fig, ax = new_figure()
    # The axes fit the places: limits are drawn over their population range only (at tiny populations the
    # upper limit runs off to hundreds of thousands per 100,000 and would flatten every point).
    x_lo, x_hi = points["denominator"].min() * 0.5, points["denominator"].max() * 1.5
    ys = [points["value"]]
    for lim, style in (("2s", "--"), ("3s", ":")):
        for side in ("lower", "upper"):
            x = limits[f"{side}_{lim}_population_1_year"]
            y = limits[f"{side}_{lim}_limit"]
            ok = (x >= x_lo) & (x <= x_hi)
            ys.append(y[ok])
            ax.plot(x[ok], y[ok], color=FOCUS[1], linestyle=style, linewidth=1,
                    label=f"{'95%' if lim == '2s' else '99.8%'} limits" if side == "lower" else None)
    y_all = pd.concat(ys)
    pad = (y_all.max() - y_all.min()) * 0.08 or abs(float(y_all.max())) * 0.1 or 1.0
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(max(0.0, y_all.min() - pad), y_all.max() + pad)
    ax.axhline(float(limits["baseline"].iloc[0]), color=PALETTE[1], linewidth=1, label="average of the places compared")
    colours = [FOCUS[0] if p == highlight else PALETTE[0] for p in points["place"]]
    ax.scatter(points["denominator"], points["value"], color=colours, zorder=3)
    for _, r in points.iterrows():
        if r["place"] == highlight:
            ax.annotate(r["place"], (r["denominator"], r["value"]), textcoords="offset points", xytext=(6, 6),
                        fontsize=8.5)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v / 1e6:.1f}m" if v >= 1e6 else f"{v / 1e3:.0f}k"))
    ax.set_xlabel("population")
    ax.set_ylabel(unit)
    ax.legend(loc="upper right", frameon=False, fontsize=8.5)
    sig = points.loc[points["place"] == highlight, "significance"]
    where = "inside" if len(sig) and sig.iloc[0] == "Not significant" else "outside"
    out = int((points["significance"] != "Not significant").sum())
    set_titles(ax, f"{highlight} lies {where} the funnel; {out} of {len(points)} places compared lie outside it",
            f"{indicator} against population; 95% (dashed) and 99.8% (dotted) limits around the average of the "
            f"places compared: {limits.attrs.get('method', 'exact limits')}")
    return finish(fig, source)


@passes_gaps
def trend_chart(tr: pd.DataFrame, unit: str, title: str, subtitle: str, source: str) -> Chart:
    """Indicator by period with 95% confidence bands, one line per place (place first, then England)."""
    fig, ax = new_figure()
    for name, g in tr.groupby("place", sort=False):
        colour = PALETTE[0] if name != "England" else FOCUS[1]
        ax.plot(g["period"], g["value"], marker="o", color=colour, linewidth=2, label=name)
        ax.fill_between(g["period"], g["lower"], g["upper"], color=colour, alpha=0.15)
    ax.set_ylabel(unit)
    ax.legend(loc="upper left", frameon=False)
    set_titles(ax, title, subtitle)
    return finish(fig, source)


@passes_gaps
def share_comparison_chart(sah: pd.DataFrame, place: str, price_year: str) -> Chart:
    """Alcohol's share against drugs' share of intervention spend and of each harm (100% bars)."""
    harm = alcohol.harm_share(sah)
    known = known_rows(sah, ("alcohol", "drugs"), "measure")
    if isinstance(known, Missing):
        return known
    t = known.assign(drugs_share=1 - known["alcohol_share"])[["measure", "alcohol_share", "drugs_share"]]
    t = t.rename(columns={"alcohol_share": "alcohol", "drugs_share": "drugs"})
    spend = float(t["alcohol"].iloc[0])
    if len(t) < 2:  # no harm with both substances known: the comparison has nothing to compare with
        return Missing("no harm is known for both alcohol and drugs here, so shares of harm cannot be compared. "
                       + (harm.reason if isinstance(harm, Missing) else ""))
    headline = (f"Alcohol gets {fmt.share(spend, 0)} of the money but causes {fmt.share(harm, 0)} of the cost of harm"
                if not isinstance(harm, Missing) else f"Alcohol gets {fmt.share(spend, 0)} of the intervention money")
    return stacked_bars(
        t, "measure", ["alcohol", "drugs"],
        title=headline,
        subtitle=f"{place}, {price_year}: shares of intervention spend and of each harm, alcohol vs "
                 f"drugs{partial_note(known)}",
        source="Spend and activity tables; cost of harm built in this report", money=False,
    )


@passes_gaps
def cost_tree_chart(tree: pd.DataFrame, place: str, price_year: str) -> Chart:
    """The cost of alcohol harm as a tree: each component's bar, grouped by the agency that bears it."""
    t = tree.assign(label=tree["agency"] + ": " + tree["component"], amount_gbp=tree["cost_gbp"])
    by = tree.groupby("agency")["cost_gbp"].sum().sort_values(ascending=False)
    return hbar_money(
        t, "label",
        title=f"Alcohol harm costs public services in {place} {fmt.money(by.sum())} a year; "
              f"{by.index[0]} bears {fmt.share(by.iloc[0] / by.sum(), 0)}",
        subtitle=f"Cost of alcohol harm by agency and component, £ at {price_year} prices (components add up "
                 f"to the total){partial_note(tree)}",
        source="Department of Health (2012) NHS cost of alcohol harm 2009/10; Home Office (2018); DWP; assumptions "
               "as stated",
    )


@passes_gaps
def cohort_cost_chart(by_age: pd.DataFrame, place: str, births: float, price_year: str) -> Chart:
    """Present-value cost of one birth cohort by age, universal vs targeted services (stacked bars)."""
    fig, ax = new_figure()
    bottom = None
    cols = [c for c in by_age.columns if c != "age"]
    for i, col in enumerate(cols):
        ax.bar(by_age["age"], by_age[col], bottom=bottom, color=PALETTE[i], label=col)
        bottom = by_age[col] if bottom is None else bottom + by_age[col]
    money_axis(ax, "y")
    ax.set_xticks(range(0, int(by_age["age"].max()) + 1))
    ax.set_xlabel("age (years)")
    ax.legend(loc="upper right", frameon=False)
    total = float(by_age[cols].to_numpy().sum())
    set_titles(ax, f"One year's {births:,.0f} births in {place} will cost {fmt.money(total)} by age 18",
            f"Present value at birth of public spend on the cohort by age, £ at {price_year} prices")
    return finish(fig, source="Cohort model (data/reference/cohort_model.yaml) x unit costs; place spend per child")


@passes_gaps
def benchmark_chart(bench: pd.DataFrame, place: str, indicator: str, period: str) -> Chart:
    """An indicator across the places compared with 95% CIs, titled with how the place compares with England."""
    row = bench[bench["place"] == place].iloc[0]
    unit = str(row["unit"])
    percent = unit == "proportion"
    value = fmt.share(row["value"], 0) if percent else f"{row['value']:,.0f} {unit}"
    verdict = benchmark.versus_england(bench, str(row["slug"]))
    return ci_chart(bench, place, title=f"{place}: {value}, {verdict}",
                    subtitle=f"{indicator}, {period}, with 95% confidence intervals",
                    source=str(row["source"]), percent=percent)


@passes_gaps
def looked_after_chart(lac: pd.DataFrame, place: str, price_year: str) -> Chart:
    """Cost a year of children looked after, by placement type."""
    top = lac.sort_values("amount_gbp", ascending=False).iloc[0]
    return hbar_money(
        lac.assign(label=lac["placement"] + " (" + lac["children"].map("{:,.0f}".format) + " children)"), "label",
        title=f"{fmt.count(lac['children'].sum())} children in care in {place} cost "
              f"{fmt.money(lac['amount_gbp'].sum())} a year; {top['placement']} is {fmt.share(top['share'], 0)}",
        subtitle=f"Cost a year by placement type, £ at {price_year} prices (children x unit cost a year)",
        source="Activity table x Unit Cost Database placement costs",
    )
