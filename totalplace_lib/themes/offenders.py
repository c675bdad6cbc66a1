"""Offenders theme: cost of crime, the prolific cohort, its cost and the integrated-offender-management case.

Money is pounds at the report's price year (2009/10 for the sample); Home Office costs of
crime (2015/16 prices) are deflated with the GDP deflator. Definitions:

* **prolific offender**: a person with at least ``threshold`` offences in the year (default 30);
* **cost of crime**: recorded offences x Home Office economic and social cost per offence, split
  by who bears it (victims and society, health services, police, criminal justice system);
* **cost per prolific offender**: the cost of the offences the cohort commits (offences x the
  place's average cost per offence, homicide and sexual offences excluded as untypical of prolific
  offending) plus every public-service contact they have, costed with unit costs
  (:mod:`journey`). This is the Central Bedfordshire & Luton method (£112m for 250 people).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from totalplace_lib.core import basis, fmt, reference
from totalplace_lib.core.figures import figure
from totalplace_lib.core.gaps import Missing, handles_gaps, passes_gaps, sentences
from totalplace_lib.core.periods import period_label
from totalplace_lib.data.datasets import activity_total
from totalplace_lib.methods import assumptions, comparison, concentration, costs, journey
from totalplace_lib.themes.redesign import case_figures

OFFENCE_COSTS = {
    "homicide": "HO_HOMICIDE", "rape": "HO_RAPE", "other sexual offences": "HO_OTHER_SEXUAL",
    "violence with injury": "HO_VIOLENCE_INJURY", "violence without injury": "HO_VIOLENCE_NO_INJURY",
    "robbery": "HO_ROBBERY", "domestic burglary": "HO_BURGLARY_DOMESTIC", "theft of vehicle": "HO_THEFT_OF_VEHICLE",
    "theft from vehicle": "HO_THEFT_FROM_VEHICLE", "theft from the person": "HO_THEFT_FROM_PERSON",
    "criminal damage": "HO_CRIMINAL_DAMAGE", "arson": "HO_ARSON",
    "personal crime": "HO_VIOLENCE_NO_INJURY", "low-level crime": "HO_CRIMINAL_DAMAGE",
}
"""Recorded-offence type -> Home Office (2018) unit cost id. The public files give crime only as the Health
Index's two groups: *personal crime* is costed as violence without injury (its commonest offence and, but for
theft from the person, its cheapest) and *low-level crime* as criminal damage, so the cost of crime they give
is a lower bound (docs/themes.md)."""

UNTYPICAL_OF_PROLIFIC = ("homicide", "rape", "other sexual offences")
PROLIFIC_THRESHOLD = 30
BEARERS = ("Victims and society", "Health services", "Police", "Criminal justice system")
FISCAL_BEARERS = {"Police": "Police", "Criminal justice system": "Prisons and courts", "Health services": "NHS / PCT"}
"""Bearers of crime costs that are public budgets, mapped to the agency names of the spend table."""


@lru_cache(maxsize=1)
def cost_split() -> pd.DataFrame:
    """Who bears the cost of an offence (shares summing to 1; ``data/reference/crime_cost_split.csv``)."""
    return reference.table("crime_cost_split.csv")


@passes_gaps
def recorded_offences(activity: pd.DataFrame) -> pd.DataFrame:
    """Recorded offences by type, summed over the authorities in ``activity``."""
    a = activity[(activity["theme"] == "offenders") & activity["measure"].str.startswith("recorded offences: ")]
    if a.empty:
        return Missing("recorded offences by type are not in the data for this place (the public files hold "
                       "no police recorded crime by local authority).")
    out = a.assign(offence=a["measure"].str.replace("recorded offences: ", "", regex=False))
    return out.groupby("offence", as_index=False)["value"].sum().rename(columns={"value": "offences"})


@passes_gaps
def crime_costs(activity: pd.DataFrame, price_year: str) -> pd.DataFrame:
    """Cost of recorded crime by offence type (£ at ``price_year``), split by who bears it.

    Returns
    -------
    DataFrame
        offence, offences, unit_cost_gbp, cost_gbp, one £ column per bearer, source; largest cost first.
        Homicide uses the Home Office's own police and CJS components; other offences the shares in
        ``crime_cost_split.csv``.
    """
    rec = recorded_offences(activity)
    unknown = sorted(set(rec["offence"]) - set(OFFENCE_COSTS))
    if unknown:
        raise ValueError(f"no Home Office unit cost for offence type(s): {', '.join(unknown)}")
    uc = costs.unit_costs(price_year).set_index("cost_id")
    rec["unit_cost_gbp"] = rec["offence"].map(lambda o: uc.loc[OFFENCE_COSTS[o], "cost_uprated_gbp"])
    rec["cost_gbp"] = rec["offences"] * rec["unit_cost_gbp"]
    split = cost_split().set_index("bearer")["share"]
    for b in BEARERS:
        rec[b] = rec["cost_gbp"] * split[b]
    hom = rec["offence"] == "homicide"
    if hom.any():
        police = uc.loc["HO_HOMICIDE_POLICE", "cost_uprated_gbp"] * rec.loc[hom, "offences"]
        cjs = uc.loc["HO_HOMICIDE_CJS", "cost_uprated_gbp"] * rec.loc[hom, "offences"]
        rec.loc[hom, "Police"], rec.loc[hom, "Criminal justice system"] = police, cjs
        rec.loc[hom, "Health services"] = 0.0
        rec.loc[hom, "Victims and society"] = rec.loc[hom, "cost_gbp"] - police - cjs
    rec["source"] = rec["offence"].map(lambda o: uc.loc[OFFENCE_COSTS[o], "source"])
    return rec.sort_values("cost_gbp", ascending=False).reset_index(drop=True)


@passes_gaps
def crime_indicators(year: int) -> list[tuple[str, str]]:
    """Recorded-crime indicators to benchmark, in order of preference: the sample's total per 1,000, then the
    Health Index's personal crime per 1,000 (public data, calendar years)."""
    return [("Recorded crime per 1,000 residents", period_label(year)),
            ("Health Index: Personal crime", period_label(year, "calendar"))]


@passes_gaps
def cost_by_bearer(cc: pd.DataFrame) -> pd.DataFrame:
    """Total cost of crime (£) by who bears it, with shares."""
    out = pd.DataFrame({"bearer": list(BEARERS), "amount_gbp": [float(cc[b].sum()) for b in BEARERS]})
    out["share"] = out["amount_gbp"] / out["amount_gbp"].sum()
    return out


@passes_gaps
def mean_cost_per_offence(cc: pd.DataFrame, exclude: tuple[str, ...] = UNTYPICAL_OF_PROLIFIC,
                          only: tuple[str, ...] | None = None) -> pd.Series:
    """Average cost per recorded offence (£), total and by bearer: over ``only`` these offence types
    if given, otherwise over all but ``exclude``."""
    kept = cc[cc["offence"].isin(only)] if only is not None else cc[~cc["offence"].isin(exclude)]
    n = kept["offences"].sum()
    return pd.Series({"total": kept["cost_gbp"].sum() / n, **{b: kept[b].sum() / n for b in BEARERS}})


@dataclass(frozen=True)
class ProlificCost:
    """The prolific cohort of a place and what it costs a year (£ at ``price_year``)."""

    cohort: int
    offenders: int
    offences: float
    cohort_offences: float
    crime_cost_gbp: float
    services_cost_gbp: float
    threshold: int
    price_year: str
    journey: pd.DataFrame | Missing  # typical_year of the cohort's service contacts (a gap without records)
    crime_per_offence: pd.Series  # mean cost per offence, total and by bearer
    basis: str = "illustrative"
    method: str = ""  # how an estimated cohort was sized (its source), else ""

    @property
    def total_gbp(self) -> float:
        return self.crime_cost_gbp + self.services_cost_gbp

    @property
    def per_offender_gbp(self) -> float:
        return self.total_gbp / self.cohort

    @property
    def share_of_offences(self) -> float:
        return self.cohort_offences / self.offences

    def fiscal_per_desister(self) -> dict[str, float]:
        """Public cost one prolific offender no longer causes a year (£ by agency): the cohort's service
        contacts (arrests, courts, custody, probation, treatment; Unit Cost Database) plus only the *health*
        share of the Home Office cost per offence. The police and criminal-justice shares of that cost are
        the response to crime the contacts already cost, so adding them would count it twice."""
        per_person_offences = self.cohort_offences / self.cohort
        if isinstance(self.journey, Missing):  # no contacts: the response shares of the cost per offence instead
            return {FISCAL_BEARERS[b]: float(per_person_offences * self.crime_per_offence[b]) for b in FISCAL_BEARERS}
        rows = self.journey.groupby("agency")["cost_per_person_gbp"].sum().to_dict()
        health = FISCAL_BEARERS["Health services"]
        rows[health] = rows.get(health, 0.0) + per_person_offences * self.crime_per_offence["Health services"]
        return {str(a): float(v) for a, v in rows.items()}

    def by_agency(self) -> pd.DataFrame:
        """Cost per prolific offender a year by who bears it (£): services by agency plus crime by bearer."""
        rows = {} if isinstance(self.journey, Missing) else \
            self.journey.groupby("agency")["cost_per_person_gbp"].sum().to_dict()
        per_person_offences = self.cohort_offences / self.cohort
        for b in BEARERS:
            name = FISCAL_BEARERS.get(b, b)
            rows[name] = rows.get(name, 0.0) + per_person_offences * self.crime_per_offence[b]
        out = pd.DataFrame({"agency": list(rows), "amount_gbp": list(rows.values())})
        out["share"] = out["amount_gbp"] / out["amount_gbp"].sum()
        return out.sort_values("amount_gbp", ascending=False).reset_index(drop=True)


@passes_gaps
def offences_per_person(events: pd.DataFrame) -> pd.Series:
    """Offences per offender (one value per person)."""
    return concentration.per_person(events[events["theme"] == "offenders"], "offences")


@handles_gaps
def prolific_cost(events: pd.DataFrame, activity: pd.DataFrame, threshold: int, price_year: str) -> ProlificCost:
    """Identify the prolific cohort (>= ``threshold`` offences) and cost its year across agencies.

    Without person-level records (public data) the cohort is the estimate the data hold
    (:func:`estimated_prolific_cost`), or the records' gap if there is none.
    """
    if isinstance(activity, Missing):
        return activity
    if isinstance(events, Missing) or not (events["theme"] == "offenders").any():
        est = estimated_prolific_cost(activity, price_year, threshold)
        return events if isinstance(est, Missing) and isinstance(events, Missing) else est
    per = offences_per_person(events)
    cohort_ids = per[per >= threshold].index
    if len(cohort_ids) == 0:
        raise ValueError(f"no offender has {threshold} or more offences; lower the threshold")
    ev = events[events["theme"] == "offenders"].set_index(["area_code", "person_id"])
    contacts = ev[ev.index.isin(cohort_ids) & (ev["event"] != "offences")].reset_index()
    costed = journey.contact_costs(contacts, price_year)
    cpo = mean_cost_per_offence(crime_costs(activity, price_year))
    cohort_offences = float(per.loc[cohort_ids].sum())
    return ProlificCost(
        cohort=len(cohort_ids), offenders=len(per), offences=float(per.sum()), cohort_offences=cohort_offences,
        crime_cost_gbp=cohort_offences * float(cpo["total"]), services_cost_gbp=float(costed["cost_gbp"].sum()),
        threshold=threshold, price_year=price_year, journey=journey.typical_year(costed, len(cohort_ids)),
        crime_per_offence=cpo, basis=basis.of(events) or "illustrative",
    )


ESTIMATED_COHORT = ("prolific offenders (estimated)", "offences by prolific offenders (estimated)")


@passes_gaps
def estimated_prolific_cost(activity: pd.DataFrame, price_year: str,
                            threshold: int = PROLIFIC_THRESHOLD) -> ProlificCost | Missing:
    """The prolific cohort sized from aggregates (ingest's estimate) and the cost of its recorded offences.

    The cohort and its offences come from the activity rows ``prolific offenders (estimated)`` and
    ``offences by prolific offenders (estimated)``; each offence is costed at the place's average Home
    Office cost (harm plus the police and criminal-justice response), so there is no separate
    contact-by-contact cost: that needs person-level records (a local overlay).
    """
    cohort = activity_total(activity, "offenders", ESTIMATED_COHORT[0])
    offences = activity_total(activity, "offenders", ESTIMATED_COHORT[1])
    if isinstance(cohort, Missing) or isinstance(offences, Missing) or cohort <= 0:
        return Missing("person-level offending records are not published and the data hold no estimate of the "
                       "prolific cohort for this place and year.")
    cc = crime_costs(activity, price_year)
    if isinstance(cc, Missing):
        return cc
    cpo = mean_cost_per_offence(cc)
    gap = Missing("contact-by-contact costs (arrests, courts, custody, probation, treatment) need person-level "
                  "records, which are not published; the cost of the cohort's offences already includes the police "
                  "and criminal-justice response. Add the cohort's records as a local overlay to see them.")
    return ProlificCost(
        cohort=int(round(cohort)), offenders=Missing("the number of offenders is not published by authority."),
        offences=float(cc["offences"].sum()), cohort_offences=float(offences),
        crime_cost_gbp=float(offences) * float(cpo["total"]), services_cost_gbp=0.0, threshold=threshold,
        price_year=price_year, journey=gap, crime_per_offence=cpo, basis="estimated",
        method="; ".join(basis.sources_of(activity, "offenders", ESTIMATED_COHORT)[:1]),
    )


@passes_gaps
def per_offender_check(total_gbp: float, cohort: int, quoted_per_offender_gbp: float | None = None) -> pd.DataFrame:
    """Arithmetic check of a published 'cost per offender': total ÷ cohort against the quoted figure.

    A ratio far from 1 (e.g. 10.2 for Luton's £112m ÷ 250 = £448,000 against a printed £44,000)
    exposes a slip in the published figure.
    """
    implied = total_gbp / cohort
    rows = [{"check": "total ÷ cohort", "value_gbp": implied, "ratio_to_implied": 1.0}]
    if quoted_per_offender_gbp:
        rows.append({"check": "quoted per offender", "value_gbp": quoted_per_offender_gbp,
                     "ratio_to_implied": quoted_per_offender_gbp / implied})
        rows.append({"check": "quoted x cohort (implied total)", "value_gbp": quoted_per_offender_gbp * cohort,
                     "ratio_to_implied": quoted_per_offender_gbp / implied})
    return pd.DataFrame(rows)


@passes_gaps
def scenario_values(pc: ProlificCost) -> dict:
    """Figures the default IOM scenario template is filled with (cohort, costs, savings per desister)."""
    by = pc.by_agency().set_index("agency")["amount_gbp"]
    values = {"prolific_offenders": pc.cohort, "fiscal_saving_per_desister": pc.fiscal_per_desister(),
              "victim_cost_per_desister": float(by.get("Victims and society", 0.0))}
    per_head = assumptions.value("offenders", "iom_cost_per_head", pc.price_year)  # £ a year at the report's prices
    for agency, share in assumptions.value("offenders", "iom_funding").items():
        values[f"iom_cost:{agency}"] = round(pc.cohort * per_head * share)
    return values


@sentences
def findings(place, c, pc: ProlificCost, conc: pd.DataFrame, crime: pd.DataFrame, a, mc, peers) -> list[str]:
    """Key findings of the offenders report, each sentence built from computed figures."""
    top2 = conc.loc[conc["top_people_share"] == 0.02, "total_share"].iloc[0]
    by = pc.by_agency()
    lead = by.iloc[0]
    bearer = "victims and society" if lead["agency"] == "Victims and society" else lead["agency"]
    rank, group = comparison.rank_of(peers, place.slug), comparison.group_of(peers)
    return [
        f"Public bodies spent **{fmt.money(c.total_gbp)}** on crime and justice in {place.name} in {c.price_year}; "
        f"**{fmt.share(c.preventive_share, 0)}** of it was preventive or early intervention.",
        f"That is {fmt.money(c.per_head_gbp)} a resident"
        + (f" ({c.population_note})" if getattr(c, "population_note", "") else "")
        + f", the {fmt.ordinal(rank)} highest of the {len(peers)} {group} compared.",
        f"Offending is concentrated: the most active **2% of offenders committed {fmt.share(top2, 0)} of offences**.",
        (f"An estimated **{fmt.count(pc.cohort)} prolific offenders** (sized at the Central Bedfordshire & Luton "
         f"pilot's ratio; see method) commit about {fmt.share(pc.share_of_offences, 0)} of recorded offences, "
         f"costing **{fmt.money(pc.total_gbp)} a year: {fmt.money(pc.per_offender_gbp)} each** in harm and response "
         f"(recorded offences only, so a lower bound), {fmt.share(lead['share'], 0)} of it borne by {bearer}."
         if getattr(pc, "basis", "") == "estimated" else
         f"**{fmt.count(pc.cohort)} prolific offenders** ({pc.threshold}+ offences a year, "
         f"{fmt.share(pc.cohort / pc.offenders)} of offenders) committed {fmt.share(pc.share_of_offences, 0)} of "
         f"offences and cost **{fmt.money(pc.total_gbp)} a year: {fmt.money(pc.per_offender_gbp)} each**, "
         f"{fmt.share(lead['share'], 0)} of it borne by {bearer}."),
        f"Recorded crime cost the place about **{fmt.money(crime['cost_gbp'].sum())}** "
        f"(Home Office costs of crime at {c.price_year} prices), most of it harm to victims.",
        f"Integrated offender management with coordinated resettlement would return **{a.bcr:.1f} for every £1** "
        f"(NPV {fmt.money(a.npv)}, {a.vfm} value for money); benefits exceed costs in "
        f"**{fmt.share(mc.p_benefit_exceeds_cost, 0)}** of {mc.draws:,} simulations.",
    ]


@handles_gaps
def key_figures(c, pc: ProlificCost, conc: pd.DataFrame, crime: pd.DataFrame, a, mc, dataset: str,
                scenario_origin: str, spend: pd.DataFrame | None = None,
                activity: pd.DataFrame | None = None) -> dict[str, dict]:
    """The offenders report's recorded figures (value, unit, period, source and basis each)."""
    src = f"dataset '{dataset}': spend, activity and events tables; " + "; ".join(c.sources)
    uc = f"{src}; unit costs uprated to {c.price_year} (GDP deflator)"
    cba_src = f"CBA engine on {scenario_origin}; {uc}"
    top2 = conc.loc[conc["top_people_share"] == 0.02, "total_share"].iloc[0]
    py = c.price_year
    b_spend = basis.of(spend) if isinstance(spend, pd.DataFrame) else None
    b_crime = basis.of_prefix(activity, "offenders", "recorded offences: ")
    b_pc = None if isinstance(pc, Missing) else pc.basis
    b_cba = basis.of(*(b for b in (b_pc, b_crime) if b))
    if isinstance(pc, ProlificCost) and pc.method:
        uc = f"{uc}; cohort {pc.method}"
    return {
        "offenders_spend_gbp": figure(c.total_gbp, "GBP", py, src, "Crime and justice spend", basis=b_spend),
        "offenders_spend_per_head_gbp": figure(c.per_head_gbp, "GBP per head", py, src, "Crime and justice per head",
                                               basis=b_spend),
        "offenders_preventive_share": figure(c.preventive_share, "proportion", py, src, "Preventive share",
                                             basis=b_spend),
        "top2pct_share_of_offences": figure(top2, "proportion", py, src, "Share of offences by top 2% of offenders",
                                            basis=b_pc),
        "prolific_offenders": figure(pc.cohort, "persons", py, src, f"Prolific offenders ({pc.threshold}+ offences)",
                                     basis=b_pc),
        "cost_per_prolific_offender_gbp": figure(pc.per_offender_gbp, "GBP per person per year", py, uc,
                                                 "Cost per prolific offender", basis=b_pc),
        "prolific_cohort_cost_gbp": figure(pc.total_gbp, "GBP per year", py, uc, "Cost of the prolific cohort",
                                           basis=b_pc),
        "cost_of_crime_gbp": figure(crime["cost_gbp"].sum(), "GBP per year", py,
                                    f"{uc}; Home Office (2018) costs of crime", "Cost of recorded crime",
                                    basis=b_crime),
        **case_figures(a, mc, cba_src, "IOM redesign", b_cba),
    }


PUBLISHED_LUTON = {"total_gbp": 112e6, "cohort": 250, "printed_per_offender_gbp": 44_000,
                   "source": "publicnet (18 Feb 2010) 'Total Place pilot delivers better services in Bedfordshire'"}
"""The Central Bedfordshire & Luton figures as published (the printed per-person figure is a factor-of-ten slip)."""


@passes_gaps
def published_check() -> pd.DataFrame:
    """:func:`per_offender_check` on the published Luton figures."""
    p = PUBLISHED_LUTON
    return per_offender_check(p["total_gbp"], p["cohort"], p["printed_per_offender_gbp"])


@passes_gaps
def cohort_summary(pc: ProlificCost) -> pd.DataFrame:
    """The prolific cohort in one small table (people, offences, £ a year)."""
    rows = [
        ("Offenders with records", pc.offenders, "persons"),
        (f"Prolific offenders ({pc.threshold}+ offences a year)", pc.cohort, "persons"),
        ("Share of offenders who are prolific", pc.cohort / pc.offenders, "proportion"),
        ("Offences by all offenders", pc.offences, "offences"),
        ("Share of offences by the prolific cohort", pc.share_of_offences, "proportion"),
        ("Cost of the cohort's offences (harm and response)", pc.crime_cost_gbp, "GBP"),
        ("Cost of the cohort's contacts with services", pc.services_cost_gbp, "GBP"),
        ("Total cost of the cohort a year", pc.total_gbp, "GBP"),
        ("Cost per prolific offender a year", pc.per_offender_gbp, "GBP"),
    ]
    if pc.basis == "estimated":  # sized from aggregates: no records of offenders or their contacts
        rows = [(m, v, u) for m, v, u in rows
                if not isinstance(v, Missing) and "contacts" not in m and m != "Offences by all offenders"]
        rows[0] = ("Prolific offenders (estimated; see method)", pc.cohort, "persons")
        rows.insert(1, ("Recorded offences in the place", pc.offences, "offences"))
    return pd.DataFrame(rows, columns=["measure", "value", "unit"])


@passes_gaps
def unit_cost_ids(pc: ProlificCost) -> list[str]:
    """Every unit cost the offenders report uses (crime costs and journey contacts)."""
    return [*OFFENCE_COSTS.values(), "HO_HOMICIDE_POLICE", "HO_HOMICIDE_CJS", *pc.journey["cost_id"]]
