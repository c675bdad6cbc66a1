"""The place overview's charts (the count by agency, service and stage, peers, the series since
2009/10, the hex map) and the synthesis's."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from totalplace_lib.core import fmt
from totalplace_lib.core.gaps import passes_gaps
from totalplace_lib.core.periods import fy_label, fy_span
from totalplace_lib.methods import comparison
from totalplace_lib.report.charts.builders import hbar_money, peer_bars, stage_bar
from totalplace_lib.report.charts.layout import (
    FOCUS,
    PALETTE,
    Chart,
    finish,
    money_axis,
    new_figure,
    set_titles,
)


def _src(c) -> str:
    return "; ".join(c.sources)


@passes_gaps
def spend_by_agency_chart(by_agency: pd.DataFrame, c, what: str = "public spend") -> Chart:
    """Spend by agency for a place, titled with the largest agency's share of ``what``."""
    top = by_agency.iloc[0]
    return hbar_money(
        by_agency, "agency",
        title=f"{top['agency']} accounts for {fmt.share(top['share'], 0)} of {what} in {c.place}",
        subtitle=f"Spend by agency, £, {c.price_year} prices (total {fmt.money(c.total_gbp)})",
        source=_src(c),
    )


@passes_gaps
def spend_by_service_chart(by_service: pd.DataFrame, c, top: int = 12) -> Chart:
    """The largest services in a place, titled with the largest."""
    first = by_service.iloc[0]
    return hbar_money(
        by_service, "service", top=top,
        title=f"The largest single line is {first['service'].split(' (')[0]}",
        subtitle=f"{top} largest services by spend, £, {c.price_year} prices",
        source=_src(c),
    )


@passes_gaps
def stage_chart(stages: pd.DataFrame, c, what: str = "public spend") -> Chart:
    """Stage split for a place, titled with the preventive share (of need-related spend where universal
    services and entitlements are in the count)."""
    universal = stages.attrs.get("universal_gbp", 0.0)
    if universal:
        what = f"need-related {what}"
    return stage_bar(
        stages,
        title=f"{fmt.share(c.preventive_share, 0)} of {what} in {c.place} comes before crisis",
        subtitle=f"Share of {what} by stage, {c.price_year}" + (
            f"; {fmt.money(universal)} on universal services and entitlements (schools, pensions, roads) left out"
            if universal else ""),
        source=_src(c),
    )


@passes_gaps
def peers_per_head_chart(peers: pd.DataFrame, c, slug: str, pooled_per_head: float,
                         what: str = "Public spend per resident") -> Chart:
    """Spend per head across the places compared (pilots, or similar authorities on public data), this place
    highlighted, pooled average marked."""
    group = comparison.group_of(peers)
    return peer_bars(
        peers, "per_head_gbp", "place", c.place,
        title=f"{c.place} ranks {fmt.ordinal(comparison.rank_of(peers, slug))} of {len(peers)} {group} on "
              f"{what.lower()}",
        subtitle=f"{what}, £, {c.price_year} prices",
        source=_src(c), reference=pooled_per_head,
        reference_label=f"{group}' average {fmt.money(pooled_per_head)}",
    )


@passes_gaps
def series_chart(by_agency: pd.DataFrame, england: pd.DataFrame, place: str, source: str, top: int = 6) -> Chart:
    """Spend per resident by agency, year by year in real terms (stacked areas), with England's total as a
    dashed line; titled with the change from the first to the last year.

    Parameters
    ----------
    by_agency : DataFrame
        :func:`series.series` output (``attrs['price_year']`` gives the prices).
    england : DataFrame
        :func:`series.england_series` output at the same prices.
    """
    py = by_agency.attrs["price_year"]
    per_head = by_agency["per_head_real_gbp"].notna().any()
    value = "per_head_real_gbp" if per_head else "real_gbp"  # no population for the place: totals, said so
    t = by_agency.dropna(subset=[value]).copy()
    t[value] = t[value].astype(float)
    last = t[t["year"] == t["year"].max()].sort_values(value, ascending=False)
    keep = list(last["agency"].head(top))
    t["group"] = t["agency"].where(t["agency"].isin(keep), "Other agencies")
    wide = t.pivot_table(index="year", columns="group", values=value, aggfunc="sum").fillna(0.0)
    wide = wide[[c for c in [*keep, "Other agencies"] if c in wide.columns]]
    fig, ax = new_figure((8.5, 4.9))
    colours = [*PALETTE, FOCUS[1]]
    ax.stackplot(wide.index, *[wide[c] for c in wide.columns], labels=list(wide.columns),
                 colors=[colours[i % len(colours)] for i in range(len(wide.columns))], alpha=0.9)
    if per_head:
        eng = england[england["year"].isin(wide.index)].groupby("year")["per_head_real_gbp"].sum()
        ax.plot(eng.index, eng.values, color="#000000", linestyle="--", linewidth=1.8, label="England (all agencies)")
    money_axis(ax, "y")
    ax.set_xticks(list(wide.index))
    ax.set_xticklabels([fy_label(y, short=True) for y in wide.index], fontsize=8)
    ax.set_xlim(wide.index.min(), wide.index.max())
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, frameon=False, fontsize=8.5)
    total = wide.sum(axis=1)
    change = total.iloc[-1] / total.iloc[0] - 1
    first, lastyr = int(wide.index.min()), int(wide.index.max())
    what = "Public spending per resident in" if per_head else "Public spending in"
    title = (f"{what} {place} {'rose' if change >= 0 else 'fell'} {fmt.share(abs(change), 0)} in real terms, "
             f"{fy_span(first, lastyr)}")
    subtitle = (f"£ a resident a year at {py} prices (GDP deflator), by agency; dashed: England" if per_head else
                f"£ a year at {py} prices (GDP deflator), by agency; the files hold no population for this place "
                "alone, so not per resident")
    set_titles(ax, title, subtitle)
    return finish(fig, source)


@passes_gaps
def hex_map_chart(layout: pd.DataFrame, values: pd.DataFrame, codes: tuple[str, ...], place: str,
                  what: str, period: str, source: str) -> Chart:
    """England's upper-tier authorities as equal hexagons coloured by ``values['per_head_gbp']`` (£ a
    resident), the place outlined; titled with where the place ranks."""
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import RegularPolygon

    from totalplace_lib.data.geography import hex_centres

    h = hex_centres(layout).merge(values[["area_code", "per_head_gbp"]], on="area_code", how="left")
    known = h["per_head_gbp"].dropna()
    lo, hi = float(known.quantile(0.02)), float(known.quantile(0.98))
    cmap = mpl.colormaps["Blues"]
    fig, ax = new_figure((7.5, 8.2))
    unit = RegularPolygon((0, 0), numVertices=6, radius=1.0, orientation=0)
    corners = unit.get_patch_transform().transform(unit.get_path().vertices[:-1])
    colours = ["#e5e5e5" if pd.isna(v) else cmap(0.15 + 0.85 * min(1.0, max(0.0, (v - lo) / (hi - lo or 1))))
               for v in h["per_head_gbp"]]
    mine = h["area_code"].isin(codes).to_numpy()
    for outlined, edge, width in ((False, "white", 0.6), (True, "#F46A25", 3)):  # one collection each: the
        which = np.flatnonzero(mine == outlined)  # place's hexagons drawn last, over their neighbours' edges
        ax.add_collection(PolyCollection([corners + (h["x"].iat[i], h["y"].iat[i]) for i in which],
                                         facecolors=[colours[i] for i in which], edgecolors=edge, linewidths=width,
                                         joinstyle="miter", zorder=3 if outlined else 2), autolim=False)
    ax.set_xlim(h["x"].min() - 1.5, h["x"].max() + 1.5)
    ax.set_ylim(h["y"].min() - 1.5, h["y"].max() + 1.5)
    ax.set_aspect("equal")
    ax.axis("off")
    sm = mpl.cm.ScalarMappable(cmap=cmap, norm=mpl.colors.Normalize(lo, hi))
    bar = fig.colorbar(sm, ax=ax, fraction=0.035, pad=0.02)
    bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt.money_tick(v)))
    bar.set_label(f"{what}, £ a resident")
    mine = values[values["area_code"].isin(codes)]
    ranked = values.sort_values("per_head_gbp", ascending=False).reset_index(drop=True)
    if len(mine) == 1:
        rank = int(ranked.index[ranked["area_code"] == mine["area_code"].iloc[0]][0]) + 1
        title = (f"{place} ranks {fmt.ordinal(rank)} of {len(ranked)} authorities on {what.lower()} a resident "
                 f"({fmt.money(float(mine['per_head_gbp'].iloc[0]))})")
    else:
        title = f"{place} (outlined) among England's authorities: {what.lower()} a resident"
    missing = int(h["per_head_gbp"].isna().sum())
    years = sorted(set(values["population_year"]))
    residents = f"residents mid-{years[0]}" if len(years) == 1 else f"residents mid-{years[0]} to mid-{years[-1]}"
    set_titles(ax, title, f"{what} per resident ({residents}), {period}; one hexagon per upper-tier authority, "
                       f"{place} outlined"
                       + (f"; grey: {missing} with no figure (e.g. reorganised since 2014)" if missing else ""))
    return finish(fig, source=f"{source}; hex layout Open Innovations (MIT), ONS codes")


@passes_gaps
def place_map_chart(ds, place) -> Chart:
    """The place on the map: its region's authorities in outline and the place's filled, on the boundaries of the
    dataset's geography (current districts and unitaries in 2023 on a dataset on current boundaries; else the
    2014 upper tier)."""
    from matplotlib.collections import PolyCollection

    from totalplace_lib.core.gaps import Missing
    from totalplace_lib.data.geography import boundaries
    from totalplace_lib.data.places import is_current
    from totalplace_lib.methods.count import region_of

    current = is_current(ds.name)
    year = 2023 if current else 2014
    b = boundaries("ltla" if current else "utla", year)
    if isinstance(b, Missing):
        return b
    region = region_of(ds, place)
    around = set(ds.areas.loc[ds.areas["region"] == region, "area_code"]) | set(place.area_codes)
    b = b[b["area_code"].isin(around)]
    mine = b["area_code"].isin(place.area_codes)
    if not mine.any():
        return Missing(f"no boundary of {place.name}'s authorities in the {year} boundaries.")
    fig, ax = new_figure((7.5, 7.0))
    for is_mine, face, edge, width in ((False, "#e5e5e5", "white", 0.8), (True, FOCUS[0], "#F46A25", 1.6)):
        rings = [r for rs in b.loc[mine == is_mine, "rings"] for r in rs]
        ax.add_collection(PolyCollection(rings, facecolors=face, edgecolors=edge, linewidths=width,
                                         zorder=3 if is_mine else 2))
    pts = np.concatenate([r for rs in b["rings"] for r in rs])
    ax.set_xlim(pts[:, 0].min() - 0.05, pts[:, 0].max() + 0.05)
    ax.set_ylim(pts[:, 1].min() - 0.05, pts[:, 1].max() + 0.05)
    ax.set_aspect(1 / np.cos(np.radians(pts[:, 1].mean())))  # degrees of longitude shrink with latitude
    ax.axis("off")
    kind = "districts and unitaries" if current else "upper-tier authorities"
    set_titles(ax, f"Where {place.name} is: {int(mine.sum())} of {region}'s {len(b)} {kind}",
               f"{place.name} filled, the rest of {region} in outline; boundaries in force in {year}")
    return finish(fig, source="ONS, local authority boundaries 2014-2023 (super-generalised), via ONSvisual "
                              "uk-topojson; contains OS data © Crown copyright and database right")


@passes_gaps
def savings_share_chart(red: pd.DataFrame, target: float = 0.02, target_source: str = "") -> Chart:
    """Each redesign's net fiscal saving a year as a share of its theme's spend, against the 2% benchmark
    (``target_source`` cites it under the chart)."""
    t = red.assign(case=red["place"] + " - " + red["theme"].str.replace("_", " "))
    n = int((t["saving_share_of_theme_spend"] >= target).sum())
    return peer_bars(
        t, "saving_share_of_theme_spend", "case", highlight="",
        title=f"{n} of {len(t)} redesign cases would save {target:.0%} of their theme's spend or more",
        subtitle="Net fiscal saving a year (equivalent annual) as a share of the theme's spend in the place",
        source="Recorded figures of every theme report (reports/<place>/<theme>.json)"
               + (f"; benchmark: {target_source}" if target_source else ""),
        reference=target, reference_label=f"{target:.0%} (Total Place final report)", money=False,
    )


@passes_gaps
def pilots_per_head_chart(overview: pd.DataFrame) -> Chart:
    """Spend per head of every pilot (synthesis), pooled average marked."""
    pooled = overview["total_spend_gbp"].sum() / overview["population"].sum()
    hi, lo = overview["spend_per_head_gbp"].max(), overview["spend_per_head_gbp"].min()
    return peer_bars(overview, "spend_per_head_gbp", "place", highlight="",
                     title=f"Public spend per head ranges from {fmt.money(lo)} to {fmt.money(hi)} across the pilots",
                     subtitle="Public spend per resident by pilot, £", source="Place overview records",
                     reference=pooled, reference_label=f"pooled average {fmt.money(pooled)}")
