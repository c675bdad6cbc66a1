"""Key findings in plain English, written from the numbers (never typed into a notebook)."""

from __future__ import annotations

import pandas as pd
from IPython.display import Markdown

from totalplace_lib.core import fmt
from totalplace_lib.core.gaps import passes_gaps
from totalplace_lib.core.periods import fy_label, fy_span
from totalplace_lib.data.datasets import Dataset
from totalplace_lib.data.places import Place
from totalplace_lib.methods.comparison import group_of, rank_of
from totalplace_lib.methods.count import Count, basis_split, count_years


@passes_gaps
def markdown(lines: list[str] | str) -> Markdown:
    """Render findings (a list becomes bullets) as Markdown output."""
    if isinstance(lines, str):
        return Markdown(fmt.safe_markdown(lines))
    return Markdown(fmt.safe_markdown("\n".join(f"- {' '.join(line.splitlines())}" for line in lines)))


OPTIMISM_BIAS_NOTE = (" **Redesign case:** optimism bias is applied by evidence grade with the project's own labelled "
                      "default percentages (data/reference/optimism_bias.csv): HM Treasury's 2014 local-partnership "
                      "table has not been transcribed, so read optimism-bias-adjusted results with that in mind.")


@passes_gaps
def dataset_banner(ds: Dataset, place: Place, year: int, redesign: bool = False) -> Markdown:
    """A one-paragraph note on what data the report uses, shown at the top of every report (``redesign``: the
    report has a redesign case, so the optimism-bias caveat is said here too)."""
    if ds.illustrative:
        text = (
            f"> **Illustrative data.** This report for **{place.name}** ({fy_label(year)}) runs on the "
            "project's *synthetic sample*, calibrated to published Total Place headline figures "
            "(£82bn across the 13 pilots; about £350 a head of council discretionary spend). "
            "The method is real; the local numbers are not. Rerun with a public dataset for real figures."
        )
    else:
        layer = (f" with the analyst's own records from `data/{ds.local}/` layered on top (marked *local*)"
                 if ds.local else "")
        text = (
            f"> **Real public data.** This report for **{place.name}** ({fy_label(year)}) runs on dataset "
            f"**{ds.name}**, ingested from the publishers' own files{layer} (each figure's file is named in "
            "*Sources*). " + _spend_basis(ds, place, year) + _activity_basis(ds, place, year) +
            _upper_tier_only(ds, place) +
            " Where a section needs what the files cannot give (for example person-level records) it says so and "
            "gives the reason, and the figure is recorded as missing. Comparisons are with the place's nearest "
            "statistical neighbours (population, age structure and deprivation) and England."
        )
    return Markdown(fmt.safe_markdown(text + (OPTIMISM_BIAS_NOTE if redesign else "")))


def _upper_tier_only(ds: Dataset, place: Place) -> str:
    """On current boundaries, for a place holding part of a 2014 upper-tier authority: what is shared down to it
    and what, published for the upper tier only, is not ('' otherwise)."""
    from totalplace_lib.methods.boundaries import partly_held

    parts = partly_held(ds, place.area_codes)
    if not parts:
        return ""
    whole = " and ".join(parts)
    return (f" **On current boundaries**: {place.name} holds part of {whole}. The count is shared down to it "
            "(district councils' own accounts as reported; the county council's and every other body's lines by "
            "residents, each line's driver named in *Sources*). Activity counts and indicators published only for "
            f"the upper tier ({whole}) are not shared down to a part, and show as not available here; run {whole} "
            "for them.")


BASIS_WORDS = {"reported": "*reported* in the bodies' own accounts",
               "apportioned": "*apportioned*: a total for a larger area (HM Treasury's regional figures, or a police "
                              "force's, fire authority's or NHS board's own) shared out by a named driver",
               "estimated": "*estimated* from published aggregates by a documented method",
               "local": "from the analyst's own records (*local*)"}


def _spend_basis(ds: Dataset, place: Place, year: int) -> str:
    """What the place's spend lines for the year rest on, and any the publishers' lines leave unclassified."""
    s = ds.rows("spend", place.area_codes, year)
    total = s["amount_gbp"].sum()
    if s.empty or not total:
        return "The data hold no spend lines for this place and year."
    shares = basis_split(s).set_index("basis")["share"]
    parts = [f"{fmt.share(v, 0)} {BASIS_WORDS[b]}" for b, v in shares.items() if b in BASIS_WORDS and v > 0]
    out = "Its spend lines are " + (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]) + "."
    years = count_years(ds)
    if year not in years:
        span = fy_span(years[0], years[-1]) if years else "no year"
        out += (" Only the bodies' own accounts cover this year: HM Treasury's regional analysis, which the "
                f"multi-agency count apportions, covers {span} in these files.")
    unclassified = float(s.loc[s["theme"] == "unclassified", "amount_gbp"].sum())
    if unclassified:
        out += (f" {fmt.money(unclassified)} of the publishers' lines are not classified to a theme by the project's "
                "tables or rules: they are in the total and listed as *Unclassified* in the spend tables.")
    return out


def _activity_basis(ds: Dataset, place: Place, year: int) -> str:
    """One sentence on how many of the counts behind the report are estimated or the analyst's own."""
    a = ds.rows("activity", place.area_codes, year)
    if a.empty or "basis" not in a:
        return ""
    n = a["basis"].value_counts()
    est, loc = int(n.get("estimated", 0)), int(n.get("local", 0))
    if not (est or loc):
        return ""
    words = [f"{est} *estimated* from published aggregates (each with its method in *Sources*)" if est else "",
             f"{loc} from the analyst's own records" if loc else ""]
    return f" Of the {len(a)} activity counts for this year, " + " and ".join(w for w in words if w) + "."


@passes_gaps
def place_findings(place: Place, count: Count, by_agency: pd.DataFrame, peers: pd.DataFrame,
                   pilot_totals: dict[str, float]) -> list[str]:
    """Key findings of the place overview, each a sentence built from computed figures.

    Parameters
    ----------
    count : Count
        The place's high-level count.
    by_agency : DataFrame
        Output of ``count.spend_by(spend, "agency")``.
    peers : DataFrame
        Output of ``comparison.compare_places`` for the pilots or similar authorities (includes this place).
    pilot_totals : dict
        Output of ``comparison.peer_summary(peers)``.
    """
    top = by_agency.iloc[0]
    top3 = by_agency[by_agency["amount_gbp"] > 0].head(3)
    rank, n, group = rank_of(peers, place.slug), len(peers), group_of(peers)
    diff = count.per_head_gbp / pilot_totals["per_head_gbp"] - 1
    direction = "above" if diff >= 0 else "below"
    py = count.price_year
    who = "Public bodies" if len(top3) > 1 else \
        f"The {str(top['agency']).lower()} (the only body with spend in the data)"
    note = count.population_note
    lines = [
        f"{who} spent **{fmt.money(count.total_gbp)}** in {place.name} in {py} "
        f"(£ at {py} prices): **{fmt.money(count.per_head_gbp)} for each of its "
        f"{fmt.count(count.population)} residents**" + (f" ({note})." if note else "."),
        f"That is {fmt.share(abs(diff))} {direction} the {group}' pooled average of "
        f"{fmt.money(pilot_totals['per_head_gbp'])} a head; {place.name} ranks {fmt.ordinal(rank)} of {n} {group} "
        "on spend per head.",
        f"**{top['agency']}** is the largest spender ({fmt.money(top['amount_gbp'])}, {fmt.share(top['share'], 0)}); "
        f"the {'three' if len(top3) == 3 else 'two'} largest agencies ({', '.join(top3['agency'])}) account for "
        f"{fmt.share(top3['share'].sum(), 0)} of all spend.",
        f"{'Only ' if count.preventive_share < 0.5 else ''}**{fmt.share(count.preventive_share, 0)}** of "
        f"{'need-related ' if count.apportioned_share else ''}spend is preventive or early intervention; "
        "the rest responds to need once it has arisen (reactive or acute)"
        + (" (universal services and entitlements, such as schools, pensions and roads, are left out of this "
           "share)." if count.apportioned_share else "."),
        f"The council's discretionary slice is **{fmt.money(count.council_discretionary_gbp)}** "
        f"({fmt.money(count.discretionary_per_head_gbp)} a head, {fmt.share(count.discretionary_share_of_total)} "
        "of all public spend in the place): most money is committed by statute or controlled elsewhere, "
        "so redesign needs partners' budgets too.",
    ]
    if count.local_share is not None:
        lines.append(f"**{fmt.share(count.reported_share, 0)}** of this count comes from {place.name}'s own councils' "
                     f"accounts and **{fmt.share(count.local_share, 0)}** from those plus the local bodies serving it "
                     "(police force, fire authority, NHS integrated care board, GLA or combined authority), each "
                     "shared within its own area by a named driver; the other "
                     f"{fmt.share(1 - count.local_share, 0)} is HM Treasury's regional totals shared among the "
                     "region's authorities (population, children, people over 65, need...). "
                     f"{count.agencies} agencies have spend here; {fmt.money(count.capital_gbp)} of the total is "
                     "capital.")
    elif count.apportioned_share:
        lines.append(f"**{fmt.share(count.apportioned_share, 0)}** of this count is *apportioned*: HM Treasury's "
                     "regional figures shared among the region's authorities by a named driver; the other "
                     f"{fmt.share(1 - count.apportioned_share, 0)} is *reported* in the councils' own accounts. "
                     f"{count.agencies} agencies have spend here; {fmt.money(count.capital_gbp)} of the total is "
                     "capital.")
    if isinstance(count.big_three_share, float):
        lines.append(f"Social protection, education and health take **{fmt.share(count.big_three_share, 0)}** of "
                     "it (the Total Place pilots found 70-80%).")
    out = lines if len(top3) > 1 else [lines[0], lines[1], *lines[3:]]  # one agency: no "largest agencies"
    if count.scope is not None and count.scope.kind == "partial":
        out.insert(1, f"**This is not the whole count.** {count.scope.note}")
    return out


@passes_gaps
def count_heading(count: Count) -> Markdown:
    """The count's total under its honest title: 'the Total Place count' only when every agency is in it."""
    title = count.title[:1].upper() + count.title[1:]
    text = f"**{title} for {count.place}, {count.price_year}: {fmt.money(count.total_gbp)}**"
    if count.scope is not None and count.scope.note and count.scope.kind != "count":
        text += f". {count.scope.note}"
    elif count.scope is not None and count.scope.note:
        text += f" ({count.scope.note})."
    return Markdown(fmt.safe_markdown(text))


@passes_gaps
def series_findings(place: Place, totals: pd.DataFrame, england: pd.DataFrame) -> list[str]:
    """How the place's count moved since the first year held, in real terms, beside England's."""
    t = totals.dropna(subset=["per_head_real_gbp"])
    t = t[t["scope"] == "the Total Place count"] if (t["scope"] == "the Total Place count").any() else t
    if len(t) < 2:
        return [f"The files hold no population for {place.name} alone in enough years to follow its spending per "
                "resident; its totals by year are in *The count since 2009/10*."]
    first, last = t.iloc[0], t.iloc[-1]
    py = totals.attrs["price_year"]
    change = last["per_head_real_gbp"] / first["per_head_real_gbp"] - 1
    eng = england.groupby("period")["per_head_real_gbp"].sum()
    words = [f"Public spending per resident in {place.name} was **{fmt.money(last['per_head_real_gbp'])}** in "
             f"{last['period']} against {fmt.money(first['per_head_real_gbp'])} in {first['period']} (both at "
             f"{py} prices): **{'up' if change >= 0 else 'down'} {fmt.share(abs(change), 0)}** in real terms."]
    if first["period"] in eng.index and last["period"] in eng.index:
        e = eng[last["period"]] / eng[first["period"]] - 1
        words.append(f"England's moved {'up' if e >= 0 else 'down'} {fmt.share(abs(e), 0)} over the same years "
                     f"(from {fmt.money(eng[first['period']])} to {fmt.money(eng[last['period']])} a resident).")
    return words


@passes_gaps
def missing_accounts(entries: list[dict], place: Place, year: int, carried: dict[str, str] | None = None) -> Markdown:
    """Bodies serving the place whose accounts are missing for the year, and what was counted instead
    (``carried``: years with no Revenue Outturn at all -> the year whose accounts are carried forward)."""
    if carried and fy_label(year) in carried:
        return Markdown(fmt.safe_markdown(
            f"The Revenue Outturn in these files ends before {fy_label(year)}: every local body's lines for "
            f"{place.name} are its share of its region's {carried[fy_label(year)]} outturn, carried forward to HM "
            f"Treasury's {fy_label(year)} local-government totals (basis *estimated*, driver named in Sources)."))
    mine = [e for e in entries if e.get("year") == fy_label(year) and set(e.get("areas", [])) & set(place.area_codes)]
    if not mine:
        return Markdown(fmt.safe_markdown(
            f"Every body serving {place.name} submitted its {fy_label(year)} accounts to the Revenue Outturn."))
    lines = [f"**{e['body']}** ({e['kind']}): its {e['year']} accounts are missing from the Revenue Outturn; "
             f"{e['fallback']}." for e in mine]
    return markdown(lines)


@passes_gaps
def scenario_summary(s, origin: str) -> Markdown:
    """The redesign scenario in words: what it is, who pays what, and each outcome's assumptions."""
    from totalplace_lib.core import fmt

    def flows(kind: dict[str, list[float]], label: str) -> str:
        return "; ".join(f"{label}{a} {fmt.money(sum(v))} over {sum(1 for x in v if x)} years" for a, v in kind.items())

    costs = "; ".join(x for x in (flows(s.costs, ""), flows(s.capital, "capital: "), flows(s.in_kind, "in kind: "),
                                  flows(s.receipts, "receipts (less): ")) if x) or "none (the costs sit elsewhere)"
    lines = [f"**{s.name}.** {s.description}", "",
             f"*Assumptions from* `{origin}`. Horizon {s.years} years from "
             f"{s.year_labels()[0]}, £ at {s.price_year} prices, optimism bias x{s.optimism_bias:g}. "
             f"Costs (undiscounted): {costs}.", ""]
    for o in s.outcomes:
        extra = "".join(f", {k} {v:.0%}" for k, v in (("displacement", o.displacement), ("leakage", o.leakage)) if v)
        cash = ", ".join(f"{a} {v:.0%}" for a, v in o.cashable.items()).replace("* ", "all ")
        lines.append(f"- **{o.name}**: cohort {fmt.count(o.cohort)}"
                     + (f" joining over {len(o.entries)} years" if len(o.entries) > 1 else "")
                     + f", engagement {o.engagement:.0%}, success {o.success:.0%}, deadweight {o.deadweight:.0%}"
                     f"{extra}, attribution {o.attribution:.0%}, evidence grade {o.confidence}; "
                     f"{fmt.count(o.successes)} net successes; saves "
                     + (", ".join(f"{a} {fmt.money(v)}" for a, v in o.fiscal.items()) or "nothing")
                     + " a year per success"
                     + ("".join(f", plus {a} {fmt.money(v)} once (lifetime cost)" for a, v in o.lifetime.items()))
                     + (f", plus {fmt.money(o.social)} social value" if o.social else "")
                     + (f"; cashable: {cash}" if cash else "; cashable share not stated") + ".")
    if s.notes:
        lines += ["", "**What the engine assumed or adjusted:**", *(f"- {n}" for n in s.notes)]
    return Markdown(fmt.safe_markdown("\n".join(lines)))
