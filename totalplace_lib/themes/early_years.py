"""Early-years theme: the 0-5 count, a birth cohort's cost to 18, looked-after children, and the
invest-to-save case for earlier help.

Money is pounds at the report's price year (2009/10 for the sample). *Children's services* here
means council children's social care (safeguarding, children in need, looked-after children);
the count for children 0-5 is the ``early_years`` spend lines per child aged 0-5, and 0-17 adds
the ``children`` lines (schools, social care and benefits for older children).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from totalplace_lib.core import basis, fmt
from totalplace_lib.core.figures import figure
from totalplace_lib.core.gaps import Missing, handles_gaps, passes_gaps, sentences
from totalplace_lib.data.datasets import activity_total
from totalplace_lib.methods import assumptions, benchmark, cohort, concentration, costs
from totalplace_lib.themes.redesign import case_figures

CLA_INDICATOR = "Children looked after per 10,000 aged 0-17"
PLACEMENTS = {
    "foster care": {"UCD_SS2_0_FOSTER_WEEK": 52},
    "residential care": {"UCD_SS3_0_RESIDENTIAL_WEEK": 52},
    "placed with parents": {"UCD_SS5_0_CIN_6M": 2},
    "other placements": {"UCD_SS1_0_LAC_YEAR": 1},
    "placement suppressed (1-5 children per cell)": {"UCD_SS1_0_LAC_YEAR": 1},
}
"""Placement type -> unit costs (id: quantity a year) of one child looked after for a year."""
OPTIONAL_PLACEMENT = "placement suppressed (1-5 children per cell)"
"""DfE suppresses cells of 1-5 children; their total (all children less the published cells) is costed
at the average cost of a looked-after child."""
SOCIAL_CARE_WORDS = ("social care", "safeguarding", "looked-after")


@passes_gaps
def activity_value(activity: pd.DataFrame, measure: str) -> float:
    """Sum of one early-years activity measure over the authorities in ``activity``."""
    return activity_total(activity, "early_years", measure)


@passes_gaps
def looked_after(activity: pd.DataFrame, price_year: str) -> pd.DataFrame:
    """Children looked after by placement type with the cost of a year in each (£ at ``price_year``)."""
    rows = []
    for placement, items in PLACEMENTS.items():
        measure = f"children looked after: {placement}"
        if placement == OPTIONAL_PLACEMENT and measure not in set(activity["measure"]):
            continue  # only published tables suppress small cells
        n = activity_value(activity, measure)
        if isinstance(n, Missing):  # a placement count the data lack: the whole split is a gap, never a part
            return Missing(f"{n.reason} Children looked after are costed by placement, and the data hold no "
                           "placement split for this place and year.")
        unit = sum(q * costs.unit_cost(cid, price_year) for cid, q in items.items())
        rows.append({"placement": placement, "children": n, "unit_cost_gbp": unit, "amount_gbp": n * unit,
                     "unit_costs": ", ".join(items)})
    out = pd.DataFrame(rows)
    out["share"] = out["amount_gbp"] / out["amount_gbp"].sum()
    return out


@passes_gaps
def childrens_social_care_spend(spend: pd.DataFrame) -> float:
    """Council children's social care spend (£) in the early_years and children spend lines."""
    s = spend[spend["theme"].isin(("early_years", "children")) & (spend["agency"] == "Council")]
    mask = s["service"].str.lower().map(lambda x: any(w in x for w in SOCIAL_CARE_WORDS))
    return float(s.loc[mask, "amount_gbp"].sum())


LAC_SPEND_WORDS = ("looked-after", "looked after")
CONSISTENCY_TOLERANCE = 0.10
"""Relative difference between two figures that should agree beyond which the report says so."""


@passes_gaps
def consistency(lac: pd.DataFrame, c17, bench: pd.DataFrame, slug: str, spend: pd.DataFrame) -> list[str]:
    """Checks that the looked-after figures agree with each other, in words (one reassuring line when they do).

    - the count against the published rate: count / children aged 0-17 x 10,000;
    - the placement costs worked out (count x unit costs) against all children's social care spend;
    - the implied cost per child (looked-after spend lines / count) against the unit cost of a year in care.
    """
    out = []
    n = float(lac["children"].sum())
    row = bench[bench["slug"] == slug]
    pop = c17.population
    if len(row) and isinstance(pop, int | float) and pop > 0 and n > 0:
        implied, published = n / pop * 1e4, float(row["value"].iloc[0])
        if abs(implied / published - 1) > CONSISTENCY_TOLERANCE:
            out.append(f"**The count and the rate disagree:** {fmt.count(n)} children looked after among "
                       f"{fmt.count(pop)} children is {implied:.0f} per 10,000, but the rate given is {published:.0f} "
                       "per 10,000; one of them is for another area, year or population.")
    csc = childrens_social_care_spend(spend)
    worked = float(lac["amount_gbp"].sum())
    if csc > 0 and worked > csc:
        out.append(f"**The placement costs exceed the spend:** {fmt.count(n)} children at unit costs come to "
                   f"{fmt.money(worked)} a year, {fmt.share(worked / csc, 0)} of the {fmt.money(csc)} children's "
                   "social care spend in the data; the spend lines are partial or the count is not the same year.")
    s = spend[spend["service"].str.lower().map(lambda x: any(w in x for w in LAC_SPEND_WORDS))]
    lac_spend = float(s["amount_gbp"].sum())
    if lac_spend > 0 and n > 0:
        per_child, unit = lac_spend / n, worked / n
        if per_child < unit / 4 or per_child > unit * 4:
            out.append(f"**The looked-after spend and the count do not fit:** {fmt.money(lac_spend)} of "
                       f"looked-after spend for {fmt.count(n)} children is {fmt.money(per_child)} a child, against "
                       f"about {fmt.money(unit)} for a year in care at unit costs; one of them is probably partial.")
    return out or ["The count, the rate and the spend agree (the rate within 10%; the costs within a factor of 4)."]


@passes_gaps(returns=2)
def universal_cost_per_child(spend: pd.DataFrame, kids_0_5: int, kids_6_17: int) -> tuple[float, float]:
    """Preventive and early-intervention spend per child a year (£): ages 0-5 and 6-17."""
    pre = spend[spend["stage"].isin(("preventive", "early intervention"))]
    young = pre.loc[pre["theme"] == "early_years", "amount_gbp"].sum() / kids_0_5
    older = pre.loc[pre["theme"] == "children", "amount_gbp"].sum() / kids_6_17
    return float(young), float(older)


@passes_gaps
def cohort_projection(model: cohort.Model, births: float, universal: tuple[float, float],
                      price_year: str) -> pd.DataFrame:
    """Expected cost by age of one birth cohort: targeted services (the model) plus universal services."""
    proj = cohort.project(model, births, price_year)
    ages = np.arange(cohort.AGES)
    uni = pd.DataFrame({"age": ages, "item": "universal services (preventive and early help)", "kind": "universal",
                        "agency": "Council and NHS", "children": births,
                        "cost_gbp": births * np.where(ages <= 5, universal[0], universal[1])})
    uni["discount_factor"] = proj.groupby("age")["discount_factor"].first().to_numpy()
    uni["pv_gbp"] = uni["cost_gbp"] * uni["discount_factor"]
    return pd.concat([uni, proj], ignore_index=True)


@passes_gaps
def cost_by_age(proj: pd.DataFrame) -> pd.DataFrame:
    """Present-value cost (£) by age, universal vs targeted (for the stacked chart)."""
    p = proj.assign(group=np.where(proj["kind"] == "universal", "universal services", "targeted and statutory"))
    return p.pivot_table(index="age", columns="group", values="pv_gbp", aggfunc="sum").reset_index()


@passes_gaps
def scenario_values(births: float, proj: pd.DataFrame, price_year: str) -> dict:
    """Figures the default early-years scenario template is filled with (£ at ``price_year``, the projection's)."""
    targeted = proj[(proj["kind"] != "universal") & (proj["item"] != cohort.UNIVERSAL)]
    child_years = proj.loc[(proj["kind"] == "state") & (proj["item"] != cohort.UNIVERSAL), "children"].sum()
    if not child_years > 0:
        return Missing("the cohort model puts no child of this place in targeted services (its looked-after rate "
                       "is 0), so earlier help has no cost to save that the data can size.")
    saving = (targeted.groupby("agency")["cost_gbp"].sum() / child_years).to_dict()
    values = {"births": round(births), "saving_per_child_year": {a: float(v) for a, v in saving.items()}}
    engaged = births * assumptions.value("early_years", "engaged_share")
    per_family = assumptions.value("early_years", "family_cost_per_year", price_year)  # £ a year at report prices
    for agency, share in assumptions.value("early_years", "programme_funding").items():
        values[f"programme_cost:{agency}"] = round(engaged * per_family * share)
    return values


@sentences
def findings(place, c0, c17, lac: pd.DataFrame, lac_share: float, bench: pd.DataFrame, bc: BirthCohort,
             a, mc, cf: pd.DataFrame) -> list[str]:
    """Key findings of the early-years report, each sentence built from computed figures."""
    row = bench[bench["slug"] == place.slug].iloc[0]
    vs = f"; {benchmark.versus_england(bench, place.slug)}"
    cum = cf["fiscal"].cumsum() - cf["costs"].cumsum()
    end = cf["label"].iloc[-1]
    return [
        f"Public bodies spent **{fmt.money(c0.total_gbp)}** on {place.name}'s children under six in "
        f"{c0.price_year}; {fmt.share(c0.preventive_share, 0)} of it was preventive or early intervention.",
        f"That is **{fmt.money(c0.per_head_gbp)} for each of {fmt.count(c0.population)} children under six**.",
        f"Across all children aged 0-17 in {place.name}, public spend was {fmt.money(c17.per_head_gbp)} a child "
        f"in {c17.price_year}.",
        f"One year's {fmt.count(bc.births)} births will cost public services about **{fmt.money(bc.total_pv)}** by "
        f"age 18 (present value at birth); the highest-need **5% of children account for "
        f"{fmt.share(bc.high_need_share, 0)}** of the {fmt.money(bc.targeted_pv)} "
        "cost of targeted and statutory services.",
        f"**{fmt.count(lac['children'].sum())} children are looked after** ({row['value']:.0f} per 10,000{vs}), "
        f"at about {fmt.money(lac['amount_gbp'].sum())} a year: {fmt.share(lac_share, 0)} of children's social care "
        f"spend; residential care is {fmt.share(lac.set_index('placement').loc['residential care', 'share'], 0)} "
        "of that cost.",
        f"Earlier help would save **{fmt.money(cum.iloc[-1])} net by {end}** when the cohort turns 18 "
        f"(NPV {fmt.money(a.npv)}, BCR {a.bcr:.1f}, pays back "
        f"{a.payback_label or 'not within the horizon'}); benefits exceed costs in "
        f"**{fmt.share(mc.p_benefit_exceeds_cost, 0)}** of {mc.draws:,} simulations.",
    ]


@handles_gaps
def key_figures(c0, lac: pd.DataFrame, bench: pd.DataFrame, slug: str, bc: BirthCohort, a, mc, dataset: str,
                scenario_origin: str, spend: pd.DataFrame | None = None,
                activity: pd.DataFrame | None = None) -> dict[str, dict]:
    """The early-years report's recorded figures (value, unit, period, source and basis each)."""
    src = f"dataset '{dataset}': spend, population and activity tables; " + "; ".join(c0.sources)
    cohort_src = f"{src}; cohort model {cohort.load_model().source[:60]}...; unit costs uprated (GDP deflator)"
    cba_src = f"CBA engine on {scenario_origin}; {src}"
    row = bench[bench["slug"] == slug].iloc[0]
    py = c0.price_year
    march = f"31 March {c0.year + 1}" if isinstance(c0.year, int) else py
    own = "reported"  # a publisher's count for the place (record.write marks the sample's figures illustrative)
    b_spend = basis.of(spend[spend["theme"] == "early_years"]) if isinstance(spend, pd.DataFrame) else None
    b_births = basis.of_measures(activity, "early_years", ("births",))
    b_cohort = basis.of(*(b for b in (b_births, b_spend, own) if b))
    pay = figure(a.payback_year, "years from start", a.price_year, cba_src, "Payback year", basis=b_cohort) \
        if a.payback_year is not None else figure(None, "years from start", a.price_year, cba_src, "Payback year",
                                                  missing="fiscal benefits do not repay the costs within the horizon")
    return {
        "children_0_5": figure(c0.population, "persons", str(c0.population_year or c0.year), src, "Children aged 0-5",
                               basis=own),
        "early_years_spend_gbp": figure(c0.total_gbp, "GBP", py, src, "Spend on children 0-5", basis=b_spend),
        "spend_per_child_0_5_gbp": figure(c0.per_head_gbp, "GBP per child", py, src, "Spend per child 0-5",
                                          basis=b_spend),
        "children_looked_after": figure(lac["children"].sum(), "persons", march, src, "Children looked after",
                                        basis=own),
        "cla_rate_per_10k": figure(row["value"], "per 10,000 aged 0-17", march,
                                   f"dataset '{dataset}': indicators table; {row['source']}", "CLA per 10,000",
                                   basis=own),
        "cohort_cost_to_18_gbp": figure(bc.total_pv, "GBP (present value at birth)", py, cohort_src,
                                        "Cost of one birth cohort to 18", basis=b_cohort),
        "cohort_high_need_share": figure(bc.high_need_share, "proportion", py, cohort_src,
                                         "Share of targeted cost by the highest-need 5%", basis=b_cohort),
        **case_figures(a, mc, cba_src, "Earlier-help", b_cohort),
        "cba_payback_year": pay,
    }


@passes_gaps
def entry_ratio(bench: pd.DataFrame, slug: str) -> float:
    """The place's looked-after rate relative to England's (scales entry into children's services)."""
    v = bench.set_index("slug")["value"]
    return float(v[slug] / v["england"]) if "england" in v.index else 1.0


@dataclass(frozen=True)
class BirthCohort:
    """One year's births followed to 18: expected costs (£, PV at birth) and their concentration."""

    births: float
    projection: pd.DataFrame
    per_child_targeted_pv: np.ndarray
    entry_ratio: float

    @property
    def total_pv(self) -> float:
        return float(self.projection["pv_gbp"].sum())

    @property
    def targeted_pv(self) -> float:
        return float(self.projection.loc[self.projection["kind"] != "universal", "pv_gbp"].sum())

    @property
    def high_need_share(self) -> float:
        """Share of targeted-services cost borne by the highest-need 5% of children (simulated)."""
        return concentration.top_share(self.per_child_targeted_pv,
                                       assumptions.value("early_years", "high_need_share"))


@passes_gaps
def birth_cohort(activity: pd.DataFrame, spend: pd.DataFrame, c0, c17, bench: pd.DataFrame, slug: str,
                 seed: int = 2010) -> BirthCohort:
    """Project the place's births to 18 with the cohort model scaled to its looked-after rate.

    ``spend`` holds the early_years and children spend lines; ``c0``/``c17`` their counts for 0-5 and 0-17.
    """
    ratio = entry_ratio(bench, slug)
    model = cohort.scale_entry(cohort.load_model(), ratio)
    births = activity_value(activity, "births")
    if isinstance(births, Missing):  # no births count (public data): the cohort cannot be sized
        return births
    universal = universal_cost_per_child(spend, c0.population, c17.population - c0.population)
    proj = cohort_projection(model, births, universal, c0.price_year)
    per_child = cohort.simulate(model, int(round(births)), c0.price_year, seed)
    return BirthCohort(births, proj, per_child, ratio)


@passes_gaps
def unit_cost_ids() -> list[str]:
    """Every unit cost the early-years report uses (placements and the cohort model)."""
    m = cohort.load_model()
    ids = [cid for items in PLACEMENTS.values() for cid in items]
    ids += [cid for c in m.state_costs for cid in c] + [cid for a in m.addons for cid in a.cost]
    return sorted(set(ids))
