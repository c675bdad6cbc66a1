"""Charts of a file-defined theme's report: spend by line, the series since 2009/10 beside England, the
nearest neighbours per head in scope, and the indicators as a spine against England's spread."""

from __future__ import annotations

import pandas as pd

from totalplace_lib.core import fmt
from totalplace_lib.core.gaps import Missing, passes_gaps
from totalplace_lib.core.periods import fy_label, fy_span
from totalplace_lib.report.charts.builders import hbar_money, peer_bars, stage_bar
from totalplace_lib.report.charts.layout import FOCUS, PALETTE, Chart, finish, money_axis, new_figure, set_titles


@passes_gaps
def theme_lines_chart(by_line: pd.DataFrame, place: str, what: str, price_year: str, source: str) -> Chart:
    """The theme's spend by line (all agencies), titled with the largest line's share."""
    t = by_line.groupby("line", as_index=False)["amount_gbp"].sum().sort_values("amount_gbp", ascending=False)
    top = t.iloc[0]
    return hbar_money(t, "line", title=f"{top['line']} is {fmt.share(top['amount_gbp'] / t['amount_gbp'].sum(), 0)}"
                                       f" of spend on {what} in {place}",
                      subtitle=f"Spend by line of the theme, all agencies, £, {price_year} prices", source=source)


@passes_gaps
def theme_series_chart(ser: pd.DataFrame, place: str, label: str, source: str) -> Chart:
    """Spend per head in scope, year by year in real terms, for the place and England (the place's real-terms
    total, said so, where the files hold no population for it)."""
    per_head = ser["per_head_real_gbp"].notna().any()
    value = "per_head_real_gbp" if per_head else "real_gbp"
    t = ser.dropna(subset=[value])
    fig, ax = new_figure((8.5, 4.6))
    ax.plot(t["year"], t[value].astype(float), color=FOCUS[0], linewidth=2.4, marker="o", label=place)
    if per_head:
        e = ser.dropna(subset=["england_per_head_real_gbp"])
        ax.plot(e["year"], e["england_per_head_real_gbp"].astype(float), color="#000000", linestyle="--",
                linewidth=1.8, label="England")
    money_axis(ax, "y")
    ax.set_ylim(0, None)
    ax.set_xticks(list(ser["year"]))
    ax.set_xticklabels([fy_label(int(y), short=True) for y in ser["year"]], fontsize=8)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, frameon=False, fontsize=8.5)
    a, b = t.iloc[0], t.iloc[-1]
    change = b[value] / a[value] - 1
    what = "Spend per head in scope" if per_head else "Spend on the theme"
    set_titles(ax, f"{what} in {place} {'rose' if change >= 0 else 'fell'} {fmt.share(abs(change), 0)} in real "
                   f"terms, {fy_span(int(a['year']), int(b['year']))}",
               f"£ per head of {label} a year at {ser.attrs['price_year']} prices (GDP deflator); dashed: England"
               if per_head else f"£ a year at {ser.attrs['price_year']} prices (GDP deflator); the files hold no "
                                "population for this place alone, so not per head")
    return finish(fig, source)


@passes_gaps
def theme_peers_chart(peers: pd.DataFrame, place: str, label: str, price_year: str, source: str) -> Chart:
    """The place among its nearest statistical neighbours on spend per head in scope, England as a line."""
    eng = peers[peers["slug"] == "england"]
    t = peers[peers["slug"] != "england"]
    if len(t) < 2:
        return Missing(f"no nearest statistical neighbour of {place} has both the theme's spend and a population "
                       "in this dataset, so the place is compared with England only (table below).")
    ref = float(eng["per_head_gbp"].iloc[0]) if len(eng) else None
    rank = int(t.loc[t["place"] == place, "rank_per_head"].iloc[0])
    return peer_bars(t, "per_head_gbp", "place", place,
                     title=f"{place} ranks {rank} of {len(t)} with its nearest statistical neighbours on "
                           "spend per head",
                     subtitle=f"£ per head of {label}, {price_year} prices; dashed: England",
                     source=source, reference=ref, reference_label="England")


@passes_gaps
def spine_chart(inds: pd.DataFrame, spread: pd.DataFrame, place: str, source: str) -> Chart:
    """Each indicator on one line: England's spread (range and middle half), England's value and the place's,
    oriented so that better is to the right; the place's marker is dark where better than England."""
    t = inds.merge(spread, on="indicator").dropna(subset=["value", "england"])
    fig, ax = new_figure((8.5, max(3.0, 0.55 * len(t) + 1.8)))
    better = 0
    for i, (_, r) in enumerate(t.iloc[::-1].iterrows()):
        flip = -1.0 if r["polarity"] == "lower is better" else 1.0
        half = max(abs(r["max"] - r["england"]), abs(r["min"] - r["england"])) or 1.0

        def pos(v, r=r, flip=flip, half=half):
            return flip * (v - r["england"]) / half
        lo, hi = sorted((pos(r["min"]), pos(r["max"])))
        q1, q3 = sorted((pos(r["q1"]), pos(r["q3"])))
        ax.barh(i, hi - lo, left=lo, color="#d9d9d9", height=0.6)
        ax.barh(i, q3 - q1, left=q1, color="#a6a6a6", height=0.6)
        good = pos(r["value"]) >= 0 if r["polarity"] != "neither" else True
        better += bool(good and r["polarity"] != "neither")
        colour = PALETTE[4] if r["polarity"] == "neither" else FOCUS[0] if good else PALETTE[3]
        ax.plot(pos(r["value"]), i, marker="o", markersize=9, color=colour,
                markeredgecolor="black")
    ax.axvline(0, color="#000000", linewidth=1.5)
    ax.set_yticks(range(len(t)))
    ax.set_yticklabels([f"{r['indicator'].replace('Health Index: ', '')} ({r['period']})"
                        for _, r in t.iloc[::-1].iterrows()], fontsize=8.5)
    ax.set_xlim(-1.05, 1.05)
    ax.set_xticks([-1, 0, 1])
    ax.set_xticklabels(["worse", "England", "better"])
    judged = int((t["polarity"] != "neither").sum())
    set_titles(ax, f"{place} is better than England on {better} of {judged} indicators",
               "Each indicator scaled to England's widest gap; bars: England's range (light) and middle half (dark); "
               "dot: this place (dark blue better than England, orange worse, grey where neither way is better)")
    return finish(fig, source)




@passes_gaps
def theme_stage_chart(stages: pd.DataFrame, place: str, preventive: float, price_year: str, source: str) -> Chart:
    """The theme's need-related spend by stage, titled with its preventive share."""
    universal = stages.attrs.get("universal_gbp", 0.0)
    return stage_bar(stages, title=f"{fmt.share(preventive, 0)} of need-related spend on the theme in {place} "
                                   "comes before crisis",
                     subtitle=f"Share by stage, {price_year}" + (
                         f"; {fmt.money(universal)} on universal entitlements left out" if universal else ""),
                     source=source)
