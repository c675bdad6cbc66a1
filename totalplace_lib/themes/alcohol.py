"""Alcohol theme: spend against harm, the cost of alcohol harm by agency, frequent attenders, and the case
for rebalancing towards prevention and treatment.

Money is pounds at the report's price year (2009/10 for the sample). Spend lines are split by
substance from the service name (``Alcohol: ...`` / ``Drugs: ...``). *Intervention* spend means
prevention, identification and brief advice, and treatment (the Leicester comparison); the rest
(admissions, A&E, enforcement, licensing) is the cost of responding to harm.

The **cost of alcohol harm** is a tree that adds up:

* NHS: the ten components of the Department of Health's £3.48bn for England (2009/10),
  apportioned by the place's share of England's alcohol-related admissions (narrow);
* police and criminal justice: alcohol-related crimes x the police and CJS part of the Home Office
  cost of a violent or criminal-damage offence;
* council and DWP: dependent drinkers x assumed shares (constants below, graded as assumptions).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from totalplace_lib.core import basis, fmt, reference
from totalplace_lib.core.figures import figure
from totalplace_lib.core.gaps import Missing, handles_gaps, known_rows, partial_note, passes_gaps, sentences
from totalplace_lib.core.schema import ENGLAND_CODE
from totalplace_lib.data.datasets import activity_total
from totalplace_lib.methods import assumptions, benchmark, concentration, costs, journey
from totalplace_lib.themes import offenders
from totalplace_lib.themes.redesign import case_figures

SUBSTANCES = ("Alcohol", "Drugs")
INTERVENTION_WORDS = ("prevention", "preventing", "brief advice", "treatment")
ADMISSIONS_INDICATOR = "Alcohol-related admissions (narrow) per 100,000"
VIOLENT_AND_DAMAGE = ("violence with injury", "violence without injury", "criminal damage", "arson", "personal crime")
ACQUISITIVE = ("domestic burglary", "robbery", "theft of vehicle", "theft from vehicle", "theft from the person",
               "low-level crime")
HARM_COST_ROW = "Cost of harm to public services (£)"
TREATMENT_COURSE_IDS = ("UCD_HE1_10_PSYCH_COURSE",)


@passes_gaps
def substance(service: str) -> str:
    """``Alcohol``, ``Drugs`` (from the service name's prefix) or ``Other``."""
    head = service.split(":", 1)[0].strip()
    return head if head in SUBSTANCES else "Other"


@passes_gaps
def is_intervention(service: str) -> bool:
    """True for prevention, identification and brief advice, and treatment lines."""
    return any(w in service.lower() for w in INTERVENTION_WORDS)


@passes_gaps
def with_substance(spend: pd.DataFrame) -> pd.DataFrame:
    """Spend lines with ``substance`` and ``intervention`` columns."""
    return spend.assign(substance=spend["service"].map(substance), intervention=spend["service"].map(is_intervention))


@passes_gaps
def calibrate_intervention_spend(spend: pd.DataFrame, codes: list[str], targets: dict[str, float]) -> pd.DataFrame:
    """Scale a place's alcohol and drug intervention lines so they total ``targets`` (£, by substance).

    Used by the sample generator for Leicester & Leicestershire (£4.9m alcohol, £13.4m drugs);
    amounts are rounded to £1,000 like the rest of the sample.
    """
    s = with_substance(spend)
    out = spend.copy()
    for sub, target in targets.items():
        mask = s["area_code"].isin(codes) & (s["theme"] == "alcohol") & s["intervention"] & \
            (s["substance"] == sub.capitalize())
        scale = target / s.loc[mask, "amount_gbp"].sum()
        out.loc[mask, "amount_gbp"] = (s.loc[mask, "amount_gbp"] * scale / 1000).round().astype("int64") * 1000
    return out


@passes_gaps
def spend_by_substance(spend: pd.DataFrame) -> pd.DataFrame:
    """Spend (£) by substance and whether it is intervention or response to harm."""
    s = with_substance(spend)
    s["kind"] = s["intervention"].map({True: "intervention", False: "response to harm"})
    out = s.groupby(["substance", "kind"], as_index=False)["amount_gbp"].sum()
    out["share"] = out["amount_gbp"] / out["amount_gbp"].sum()
    return out


@passes_gaps
def measure(activity: pd.DataFrame, name: str) -> float:
    """Sum of one alcohol-theme activity measure over the authorities in ``activity``."""
    return activity_total(activity, "alcohol", name)


@lru_cache(maxsize=1)
def nhs_england_tree() -> pd.DataFrame:
    """The ten components of the NHS cost of alcohol harm in England, 2009/10 (£; sum £3,480m)."""
    return reference.table("nhs_alcohol_costs.csv")


def _jsa_year(price_year: str) -> float:
    return costs.unit_cost("DWP_JSA_25PLUS_YEAR", price_year) + costs.unit_cost("UCD_EE1_10_JSA_CLAIM_YEAR", price_year)


@passes_gaps
def cost_tree(activity: pd.DataFrame, england_admissions: float, price_year: str) -> pd.DataFrame:
    """The cost of alcohol harm in a place by agency and component (£ a year at ``price_year``).

    Parameters
    ----------
    activity : DataFrame
        Activity rows of the place's authorities (alcohol and offenders themes).
    england_admissions : float
        England's alcohol-related admissions (narrow) in the same year, to apportion the NHS total.

    Returns
    -------
    DataFrame
        agency, component, cost_gbp, basis (how it was computed); the rows add up to the total.
    """
    rows = []
    share = measure(activity, "alcohol-related admissions (narrow)") / england_admissions
    for _, r in nhs_england_tree().iterrows():
        rows.append(("NHS / PCT", r["component"], costs.uprate(r["cost_gbp"], r["price_year"], price_year) * share,
                     f"England £{r['cost_gbp'] / 1e6:,.0f}m ({r['price_year']}) x place share of admissions "
                     f"{share:.3%}"))
    cc = offenders.crime_costs(activity, price_year)
    per = offenders.mean_cost_per_offence(cc, only=VIOLENT_AND_DAMAGE)
    crimes = measure(activity, "alcohol-related crimes")
    rows.append(("Police", "Response to alcohol-related crime", crimes * per["Police"],
                 f"{crimes:,.0f} crimes x £{per['Police']:,.0f} police cost per violent or damage offence"))
    rows.append(("Criminal justice system", "Courts, prisons and probation", crimes * per["Criminal justice system"],
                 f"{crimes:,.0f} crimes x £{per['Criminal justice system']:,.0f} CJS cost per offence"))
    dep = measure(activity, "dependent drinkers (estimated)")
    cin_share = assumptions.value("alcohol", "dependent_children_social_care_share")
    benefit_share = assumptions.value("alcohol", "dependent_on_benefits_share")
    cin = 2 * costs.unit_cost("UCD_SS5_0_CIN_6M", price_year)
    rows.append(("Council", "Children's social care for dependent drinkers' families",
                 dep * cin_share * cin,
                 f"{dep:,.0f} dependent drinkers x {cin_share:.0%} (assumption) x "
                 f"£{cin:,.0f} children-in-need case a year"))
    jsa = _jsa_year(price_year)
    rows.append(("DWP / Jobcentre Plus", "Out-of-work benefits and administration",
                 dep * benefit_share * jsa,
                 f"{dep:,.0f} dependent drinkers x {benefit_share:.0%} (assumption) x £{jsa:,.0f} "
                 "JSA a year"))
    return known_rows(pd.DataFrame(rows, columns=["agency", "component", "cost_gbp", "basis"]), "cost_gbp",
                      "component")


@passes_gaps
def drug_harm_cost(activity: pd.DataFrame, price_year: str) -> float:
    """Cost of drug harm to the same agencies, built the same way (£ a year): admissions, crime, benefits."""
    cc = offenders.crime_costs(activity, price_year)
    per = offenders.mean_cost_per_offence(cc, only=ACQUISITIVE)
    nhs = measure(activity, "drug-related admissions") * costs.unit_cost("UCD_NON_ELECTIVE_EPISODE", price_year)
    crime = measure(activity, "drug-related crimes") * (per["Police"] + per["Criminal justice system"])
    users = measure(activity, "problem drug users (estimated)")
    dwp = users * assumptions.value("alcohol", "dependent_on_benefits_share") * _jsa_year(price_year)
    return nhs + crime + dwp


@handles_gaps
def spend_against_harm(spend: pd.DataFrame, activity: pd.DataFrame, alcohol_cost: float,
                       drugs_cost: float) -> pd.DataFrame:
    """Alcohol's share of substance-misuse intervention spend beside its share of each harm (0-1).

    A harm the data do not hold keeps its row with :class:`~totalplace_lib.gaps.Missing` cells, so
    the table shows it as not available; :func:`harm_share` reads the cost row.

    Returns
    -------
    DataFrame
        measure, alcohol, drugs (amounts), alcohol_share; the first row is intervention spend.
    """
    if isinstance(spend, Missing):
        return spend
    s = spend_by_substance(spend)
    iv = s[s["kind"] == "intervention"].set_index("substance")["amount_gbp"]
    split = (iv.get("Alcohol", 0.0), iv.get("Drugs", 0.0))
    if not any(split):
        mixed = sorted(set(spend.loc[with_substance(spend)["substance"] == "Other", "service"]))
        split = (Missing("the spend lines do not separate alcohol from drugs interventions ("
                         + ("; ".join(mixed) or "no substance-misuse intervention lines") + ")."),) * 2
    rows = [("Intervention spend (£)", *split)]
    for label, a, d in (("Crimes", "alcohol-related crimes", "drug-related crimes"),
                        ("Hospital admissions", "alcohol-related admissions (broad)", "drug-related admissions"),
                        ("Deaths", "alcohol-specific deaths", "drug misuse deaths")):
        rows.append((label, measure(activity, a), measure(activity, d)))
    rows.append((HARM_COST_ROW, alcohol_cost, drugs_cost))
    out = pd.DataFrame(rows, columns=["measure", "alcohol", "drugs"])
    # row by row: numpy would take a gap (a Missing) in an arithmetic column for an empty sequence
    out["alcohol_share"] = [a if isinstance(a, Missing) else d if isinstance(d, Missing) else float(a) / (a + d)
                            for a, d in zip(out["alcohol"], out["drugs"], strict=True)]
    return out


@passes_gaps
def harm_share(sah: pd.DataFrame) -> float:
    """Alcohol's share (0-1) of the cost to public services of alcohol and drug harm together.

    The cost row weighs the harms by what they cost (admissions at NHS costs, crimes at police and justice
    costs, benefits), so it is the one share that sums them fairly; an unweighted mean of the crime,
    admission and death shares would count a death and a minor offence alike. A gap if either cost is
    not in the data.
    """
    row = sah[sah["measure"] == HARM_COST_ROW]
    share = row["alcohol_share"].iloc[0] if len(row) else Missing("the table has no cost-of-harm row.")
    if isinstance(share, Missing):
        return Missing("alcohol's share of harm is its share of the cost of alcohol and drug harm to public "
                       f"services, which needs both costs: {share.reason}")
    return float(share)


@handles_gaps
def england_admissions(ds, period: str) -> float:
    """England's alcohol-related admissions (narrow) for a period: the indicator's count, or else the
    activity table's (public data: estimated as England's rate x its residents, like each place's)."""
    t = ds.indicators[(ds.indicators["indicator"] == ADMISSIONS_INDICATOR) & (ds.indicators["period"] == period)
                      & (ds.indicators["area_code"] == ENGLAND_CODE)]
    if len(t) and pd.notna(t["numerator"].iloc[0]):
        return float(t["numerator"].iloc[0])
    a = ds.activity[(ds.activity["area_code"] == ENGLAND_CODE) & (ds.activity["year"] == int(period[:4]))]
    n = activity_total(a, "alcohol", "alcohol-related admissions (narrow)")
    if isinstance(n, Missing):
        return Missing(f"England's alcohol-related admissions for {period} are not in the data, so the NHS cost "
                       "cannot be apportioned.")
    return n


@dataclass(frozen=True)
class FrequentAttenders:
    """The most frequently admitted patients: their share of admissions and of hospital cost (£ a year)."""

    patients: int
    frequent: int
    admissions: float
    frequent_admissions: float
    cost_gbp_all: float
    frequent_cost_gbp: float

    @property
    def share(self) -> float:
        """Share of admissions (0-1)."""
        return self.frequent_admissions / self.admissions

    @property
    def cost_share(self) -> float:
        """Share of the admitted patients' hospital cost, admissions and A&E (0-1)."""
        return self.frequent_cost_gbp / self.cost_gbp_all

    @property
    def per_patient_gbp(self) -> float:
        return self.frequent_cost_gbp / self.frequent


@passes_gaps
def patient_costs(events: pd.DataFrame, price_year: str) -> pd.DataFrame:
    """Admissions and hospital cost (£: admissions and A&E attendances x unit costs) per admitted patient."""
    ev = events[events["theme"] == "alcohol"]
    costed = journey.contact_costs(ev, price_year)
    cost = costed.groupby(["area_code", "person_id"])["cost_gbp"].sum()
    adm = concentration.per_person(ev, "alcohol-related admission")
    return pd.DataFrame({"admissions": adm, "cost_gbp": cost.reindex(adm.index, fill_value=0.0)})


@passes_gaps
def frequent_attenders(patients: pd.DataFrame, top: float | None = None) -> FrequentAttenders:
    """The top ``top`` share of patients ranked by admissions (default the stated ``frequent_share``), with their
    admissions and cost."""
    top = assumptions.value("alcohol", "frequent_share") if top is None else top
    v = patients.sort_values(["admissions", "cost_gbp"], ascending=False)
    k = max(1, int(round(top * len(v))))
    return FrequentAttenders(patients=len(v), frequent=k, admissions=float(v["admissions"].sum()),
                             frequent_admissions=float(v["admissions"].iloc[:k].sum()),
                             cost_gbp_all=float(v["cost_gbp"].sum()),
                             frequent_cost_gbp=float(v["cost_gbp"].iloc[:k].sum()))


@handles_gaps
def scenario_values(activity: pd.DataFrame, tree: pd.DataFrame, fa: FrequentAttenders,
                    price_year: str) -> dict:
    """Figures the default alcohol scenario template is filled with.

    Without person-level admission records the frequent attenders are a gap, and so are the figures of
    the alcohol care team (the scenario then leaves that part out and says so).
    """
    if isinstance(activity, Missing) or isinstance(tree, Missing):
        return activity if isinstance(activity, Missing) else tree
    dep = measure(activity, "dependent drinkers (estimated)")
    if isinstance(dep, Missing):
        return dep
    extra = round(dep * assumptions.value("alcohol", "extra_treatment_share"))
    course = sum(costs.unit_cost(c, price_year) for c in TREATMENT_COURSE_IDS)
    hour = costs.unit_cost("UCD_HE1_12_ALCOHOL_WORKER_HOUR", price_year)
    per_dep = tree.groupby("agency")["cost_gbp"].sum() / dep
    values = {
        "extra_treatment_places": extra,
        "treatment_cost": round(extra * course),
        "saving_per_recovery": {a: float(v) for a, v in per_dep.items()},
    }
    if isinstance(fa, Missing):
        return {**values, "frequent_attenders": fa, "care_team_cost": fa, "saving_per_frequent_attender": fa}
    return {**values, "frequent_attenders": fa.frequent,
            "care_team_cost": round(fa.frequent * assumptions.value("alcohol", "care_team_hours_per_patient") * hour),
            "saving_per_frequent_attender": {"NHS / PCT": fa.per_patient_gbp}}


@sentences
def findings(place, c, sah: pd.DataFrame, tree: pd.DataFrame, fa: FrequentAttenders, bench: pd.DataFrame,
             trend_flag: str, a, mc) -> list[str]:
    """Key findings of the alcohol report, each sentence built from computed figures."""
    spend_share = sah["alcohol_share"].iloc[0]
    harm = sah.iloc[1:].set_index("measure")["alcohol_share"]
    iv = sah.iloc[0]
    row = bench[bench["slug"] == place.slug].iloc[0]
    vs = benchmark.versus_england(bench, place.slug)
    agency = tree.groupby("agency")["cost_gbp"].sum().sort_values(ascending=False)
    return [
        f"{place.name} spent **{fmt.money(iv['alcohol'])} on alcohol interventions and {fmt.money(iv['drugs'])} on "
        f"drugs** in {c.price_year}: alcohol had **{fmt.share(spend_share, 0)} of the intervention money**.",
        f"Alcohol caused {fmt.share(harm['Crimes'], 0)} of substance-related crime, "
        f"{fmt.share(harm['Hospital admissions'], 0)} of admissions and {fmt.share(harm['Deaths'], 0)} of deaths.",
        f"Alcohol harm cost public services about **{fmt.money(tree['cost_gbp'].sum())} a year**; "
        f"{agency.index[0]} bore {fmt.share(agency.iloc[0] / agency.sum(), 0)} of it.",
        f"Of all substance-misuse spend ({fmt.money(c.total_gbp)}), **{fmt.share(c.preventive_share, 0)}** was "
        "preventive or early intervention.",
        f"The most frequently admitted **{fmt.share(fa.frequent / fa.patients, 0)} of patients "
        f"({fmt.count(fa.frequent)})** accounted for **{fmt.share(fa.share, 0)} of alcohol-related admissions** "
        f"and {fmt.share(fa.cost_share, 0)} of their hospital cost ({fmt.money(fa.frequent_cost_gbp)} a year).",
        f"Alcohol-related admissions were **{row['value']:,.0f} per 100,000**, {vs}; "
        f"the recent trend is {trend_flag}.",
        f"Rebalancing towards {_case_words(fa)} would return **{a.bcr:.1f} for every £1** "
        f"(NPV {fmt.money(a.npv)}); benefits exceed costs in **{fmt.share(mc.p_benefit_exceeds_cost, 0)}** of "
        f"{mc.draws:,} simulations.",
    ]


def _case_words(fa) -> str:
    """What the default alcohol case includes, in words (its care team is left out without frequent attenders)."""
    if isinstance(fa, Missing):
        return "treatment (the alcohol care team is left out without admission records: see the redesign case)"
    return "treatment and an alcohol care team"


@handles_gaps
def key_figures(c, sah: pd.DataFrame, tree: pd.DataFrame, bench: pd.DataFrame, slug: str, fa: FrequentAttenders,
                a, mc, dataset: str, scenario_origin: str, spend: pd.DataFrame | None = None,
                activity: pd.DataFrame | None = None, events: pd.DataFrame | None = None) -> dict[str, dict]:
    """The alcohol report's recorded figures (value, unit, period, source and basis each)."""
    src = f"dataset '{dataset}': spend and activity tables; " + "; ".join(c.sources)
    tree_src = (f"{src}; Department of Health (2012) NHS cost of alcohol harm 2009/10; "
                "Home Office (2018) costs of crime")
    cba_src = f"CBA engine on {scenario_origin}; {src}"
    py = c.price_year
    iv = sah.iloc[0]
    row = bench[bench["slug"] == slug].iloc[0]
    b_spend = basis.of(spend) if isinstance(spend, pd.DataFrame) else None
    b_harm = basis.of_measures(activity, "alcohol", HARM_MEASURES)
    b_fa = None if isinstance(fa, Missing) else (basis.of(events) if isinstance(events, pd.DataFrame) else None)
    b_cba = basis.of(*(b for b in (b_harm, b_fa) if b))
    return {
        "substance_spend_gbp": figure(c.total_gbp, "GBP", py, src, "Substance-misuse spend", basis=b_spend),
        "alcohol_spend_gbp": figure(iv["alcohol"], "GBP", py, src, "Alcohol intervention spend", basis=b_spend),
        "drugs_spend_gbp": figure(iv["drugs"], "GBP", py, src, "Drugs intervention spend", basis=b_spend),
        "alcohol_share_of_substance_spend": figure(iv["alcohol_share"], "proportion", py, src,
                                                   "Alcohol share of intervention spend", basis=b_spend),
        "alcohol_share_of_substance_harm": figure(harm_share(sah), "proportion", py,
                                                  f"{tree_src}; share of the cost of alcohol and drug harm to "
                                                  "public services (harms weighted by their cost)",
                                                  "Alcohol share of the cost of harm", basis=b_harm),
        "alcohol_admissions_rate_per_100k": figure(row["value"], "per 100,000", py,
                                                   f"dataset '{dataset}': indicators table; {row['source']}",
                                                   "Alcohol admissions per 100,000",
                                                   basis="reported"),
        "cost_of_alcohol_harm_gbp": figure(tree["cost_gbp"].sum(), "GBP per year", py, tree_src + partial_note(tree),
                                           "Cost of alcohol harm", basis=b_harm),
        "frequent_attenders_share_of_admissions": figure(fa.share, "proportion", py, src,
                                                         "Admissions by the most admitted 5%", basis=b_fa),
        "frequent_attenders_share_of_cost": figure(fa.cost_share, "proportion", py, src,
                                                   "Hospital cost of the most admitted 5%", basis=b_fa),
        **case_figures(a, mc, cba_src, "Alcohol redesign", b_cba),
    }


HARM_MEASURES = ("alcohol-related admissions (narrow)", "alcohol-related crimes", "dependent drinkers (estimated)",
                 "alcohol-related admissions (broad)", "alcohol-specific deaths")
"""The activity measures the cost and share of alcohol harm rest on."""


UNIT_COST_IDS = ("ALC_INPATIENT_STAY", "UCD_AE_ATTENDANCE", "UCD_NON_ELECTIVE_EPISODE", "UCD_SS5_0_CIN_6M",
                 "DWP_JSA_25PLUS_YEAR",
                 "UCD_EE1_10_JSA_CLAIM_YEAR", "UCD_HE1_12_ALCOHOL_WORKER_HOUR", *TREATMENT_COURSE_IDS,
                 *offenders.OFFENCE_COSTS.values())
"""Every unit cost the alcohol report uses."""


@passes_gaps
def frequent_attender_summary(fa: FrequentAttenders) -> pd.DataFrame:
    """The frequent attenders in one small table (people, admissions, £ a year)."""
    rows = [
        ("Patients admitted (alcohol-related, narrow)", fa.patients, "persons"),
        ("Admissions", fa.admissions, "admissions"),
        ("Frequent attenders (most admitted 5%)", fa.frequent, "persons"),
        ("Their admissions", fa.frequent_admissions, "admissions"),
        ("Their share of admissions", fa.share, "proportion"),
        ("Hospital cost of all admitted patients a year (admissions and A&E)", fa.cost_gbp_all, "GBP"),
        ("Hospital cost of the frequent attenders a year", fa.frequent_cost_gbp, "GBP"),
        ("Their share of the cost", fa.cost_share, "proportion"),
    ]
    return pd.DataFrame(rows, columns=["measure", "value", "unit"])
