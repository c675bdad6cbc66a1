"""Theme tables of the illustrative sample: activity, person-level events and indicators.

Synthetic, seeded, and shaped (not measured): rates per head are round illustrative
values scaled by each authority's ``need`` index. Two published figures are calibrated
to exactly, as the theme issues ask:

* Central Bedfordshire & Luton: about 250 prolific offenders costing about £112m a year,
  £448,000 each (publicnet, 18 Feb 2010; domain research §5.2);
* Leicester & Leicestershire: £4.9m on alcohol interventions against £13.4m on drug
  misuse (seed 000; domain research §5.5), applied to the spend table in :mod:`sample`.

The England rows are an illustrative comparator built the same way with need = 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from totalplace_lib.core.schema import ENGLAND_CODE

PRICE_YEAR = "2009/10"
"""The sample's price year: the pilots' own year, in which the published figures it is calibrated to are."""

PROLIFIC_THRESHOLD = 30
"""Offences a year from which an offender counts as prolific (the offenders notebook's default)."""

CBL = "central-bedfordshire-luton"
CBL_PROLIFIC_COST = (112e6, 250, "publicnet (18 Feb 2010) 'Total Place pilot delivers better services in "
                                 "Bedfordshire': 250 persistent offenders cost £112m a year")
LEICESTER = "leicester-leicestershire"
LEICESTER_SPEND = ({"alcohol": 4.9e6, "drugs": 13.4e6},
                   "Leicester & Leicestershire Total Place pilot, as reported in seed 000: £4.9m on alcohol "
                   "interventions, £13.4m on drug misuse")

OFFENCE_RATES = {
    "homicide": 0.012, "rape": 0.28, "other sexual offences": 0.55, "violence with injury": 7.5,
    "violence without injury": 7.0, "robbery": 1.4, "domestic burglary": 5.0, "theft of vehicle": 2.0,
    "theft from vehicle": 5.5, "theft from the person": 1.8, "criminal damage": 15.0, "arson": 0.6,
}
"""Recorded offences per 1,000 residents at need 1 (illustrative; roughly the 2009/10 mix)."""

ENGLAND_POPULATION = 51_810_000  # ONS mid-2009 estimate for England, rounded
ENGLAND_CHILDREN = 11_050_000  # aged 0-17, ONS mid-2009, rounded
PERIODS = ("2005/06", "2006/07", "2007/08", "2008/09", "2009/10")


def _act(code, theme, measure, value, unit, source):
    return (code, 2009, theme, measure, float(value), unit, source)


def _ind(code, indicator, period, num, den, unit, mult, source):
    """An indicator row with Byar (rates) or Wilson (proportions) 95% limits from PHStatsMethods."""
    from PHStatsMethods import byars_lower, byars_upper, wilson_lower, wilson_upper

    if unit == "proportion":
        value, lo, hi = num / den, wilson_lower(num, den, 0.95), wilson_upper(num, den, 0.95)
    else:
        value, lo, hi = num / den * mult, byars_lower(num) / den * mult, byars_upper(num) / den * mult
    return (code, indicator, period, round(value, 6), unit, round(float(lo), 6), round(float(hi), 6), source,
            float(num), float(den))


def offenders(rng, la, persons, source):
    """Recorded offences by type, offenders' person-level records and crime indicators for one authority."""
    pop = int(persons.sum())
    act, ind, ev = [], [], []
    recorded = {}
    for offence, rate in OFFENCE_RATES.items():
        n = rng.poisson(rate * pop / 1000 * la.need**1.6 * rng.lognormal(0, 0.08))
        recorded[offence] = n
        act.append(_act(la.code, "offenders", f"recorded offences: {offence}", n, "offences", source))
    total = sum(recorded.values())
    ind.append(_ind(la.code, "Recorded crime per 1,000 residents", "2009/10", total, pop, "per 1,000", 1000, source))
    n_prolific = int(round(0.571 * pop / 1000 * la.need**1.5 * rng.lognormal(0, 0.05)))
    n_other = int(round(0.010 * pop * la.need))
    offences = np.concatenate([
        np.maximum(PROLIFIC_THRESHOLD, np.round(rng.lognormal(np.log(80), 0.45, n_prolific))),
        np.minimum(PROLIFIC_THRESHOLD - 1, rng.geometric(0.2, n_other)),
    ]).astype(int)
    for i, n in enumerate(offences):
        ev.append([la.code, "offenders", f"O{i + 1:05d}", "offences", "Police", int(n)])
    contacts = (("arrest", "Police", lambda: rng.poisson(8)),
                ("court event", "Prisons and courts", lambda: rng.poisson(3)),
                ("custody month", "Prisons and courts", lambda: rng.binomial(12, 0.35)),
                ("probation supervision year", "Probation", lambda: rng.binomial(1, 0.8)),
                ("A&E attendance", "NHS / PCT", lambda: rng.poisson(3)),
                ("structured drug treatment year", "NHS / PCT", lambda: rng.binomial(1, 0.5)),
                ("JSA claim year", "DWP / Jobcentre Plus", lambda: rng.binomial(1, 0.7)))
    for i in range(n_prolific):
        for event, agency, draw in contacts:
            k = int(draw())
            if k:
                ev.append([la.code, "offenders", f"O{i + 1:05d}", event, agency, k])
    reoffenders = rng.binomial(len(offences), min(0.9, 0.26 * la.need**0.5))
    ind.append(_ind(la.code, "Proven reoffending rate", "2009/10", reoffenders, len(offences), "proportion", 1, source))
    act.append(_act(la.code, "offenders", "offenders (person-level records)", len(offences), "persons", source))
    return act, ind, ev, recorded


def early_years(rng, la, persons, source):
    """Births, children's social care activity and outcome indicators for one authority."""
    kids = int(persons[:18].sum())
    act, ind = [], []
    act.append(_act(la.code, "early_years", "births", persons[0], "births", source))
    cin = rng.poisson(330 / 1e4 * kids * la.need**1.6)
    cpp = rng.poisson(35 / 1e4 * kids * la.need**1.6)
    cla = rng.poisson(55 / 1e4 * kids * la.need**1.8)
    act.append(_act(la.code, "early_years", "children in need", cin, "children", source))
    act.append(_act(la.code, "early_years", "child protection plans", cpp, "children", source))
    split = rng.multinomial(cla, [0.73, 0.10, 0.09, 0.08])
    for placement, n in zip(("foster care", "residential care", "placed with parents", "other placements"), split,
                            strict=True):
        act.append(_act(la.code, "early_years", f"children looked after: {placement}", n, "children", source))
    act.append(_act(la.code, "early_years", "children looked after aged under 6", rng.binomial(cla, 0.27),
                    "children", source))
    ind.append(_ind(la.code, "Children looked after per 10,000 aged 0-17", "2010", cla, kids, "per 10,000", 1e4,
                    source))
    age5 = int(persons[5])
    gld = rng.binomial(age5, min(0.9, max(0.2, 0.52 - 0.12 * (la.need - 1))))
    ind.append(_ind(la.code, "Good level of development at age 5", "2009/10", gld, age5, "proportion", 1, source))
    u16 = int(persons[:16].sum())
    low = rng.binomial(u16, min(0.6, 0.21 * la.need**1.8))
    ind.append(_ind(la.code, "Children in low-income families", "2009", low, u16, "proportion", 1, source))
    return act, ind


def alcohol(rng, la, persons, recorded, source):
    """Alcohol and drug harm activity, admitted patients' records and the admissions trend for one authority."""
    pop = int(persons.sum())
    adults = int(persons[18:].sum())
    act, ind, ev = [], [], []
    narrow_target = 600 / 1e5 * pop * la.need**1.6 * rng.lognormal(0, 0.05)
    counts = np.minimum(rng.zipf(2.7, int(narrow_target / 1.6)), 60)
    ae = rng.poisson(1.3 * counts)  # A&E attendances in the year, more for the more often admitted
    for i, (n, k) in enumerate(zip(counts, ae, strict=True)):
        ev.append([la.code, "alcohol", f"A{i + 1:05d}", "alcohol-related admission", "NHS / PCT", int(n)])
        if k:
            ev.append([la.code, "alcohol", f"A{i + 1:05d}", "A&E attendance", "NHS / PCT", int(k)])
    narrow = int(counts.sum())
    violence = recorded["violence with injury"] + recorded["violence without injury"] + recorded["criminal damage"]
    acquisitive = sum(recorded[k] for k in ("domestic burglary", "robbery", "theft of vehicle", "theft from vehicle",
                                            "theft from the person"))
    rows = (
        ("alcohol-related admissions (narrow)", narrow, "admissions"),
        ("alcohol-related admissions (broad)", round(narrow * 3.4), "admissions"),
        ("alcohol-related A&E attendances", round(narrow * 2.9), "attendances"),
        ("alcohol-related crimes", round(0.45 * violence), "offences"),
        ("alcohol-specific deaths", rng.poisson(13 / 1e5 * pop * la.need**1.5), "deaths"),
        ("dependent drinkers (estimated)", round(0.012 * adults * la.need), "persons"),
        ("drug-related admissions", rng.poisson(90 / 1e5 * pop * la.need**2), "admissions"),
        ("drug-related crimes", round(0.30 * acquisitive), "offences"),
        ("drug misuse deaths", rng.poisson(4.5 / 1e5 * pop * la.need**2), "deaths"),
        ("problem drug users (estimated)", round(0.0085 * int(persons[15:65].sum()) * la.need**1.5), "persons"),
    )
    for measure, value, unit in rows:
        act.append(_act(la.code, "alcohol", measure, value, unit, source))
    growth = rng.normal(0.045, 0.02)
    for k, period in enumerate(PERIODS):
        n = narrow if period == "2009/10" else int(round(narrow / (1 + growth) ** (len(PERIODS) - 1 - k)))
        ind.append(_ind(la.code, "Alcohol-related admissions (narrow) per 100,000", period, n, pop, "per 100,000",
                        1e5, source))
    return act, ind, ev


def england(rng, source):
    """Illustrative England comparator rows (need = 1) for every indicator the themes benchmark."""
    ind = []
    pop, kids = ENGLAND_POPULATION, ENGLAND_CHILDREN
    ind.append(_ind(ENGLAND_CODE, "Recorded crime per 1,000 residents", "2009/10",
                    round(sum(OFFENCE_RATES.values()) * pop / 1000), pop, "per 1,000", 1000, source))
    ind.append(_ind(ENGLAND_CODE, "Proven reoffending rate", "2009/10", round(0.26 * 0.01 * pop), round(0.01 * pop),
                    "proportion", 1, source))
    ind.append(_ind(ENGLAND_CODE, "Children looked after per 10,000 aged 0-17", "2010", round(55e-4 * kids), kids,
                    "per 10,000", 1e4, source))
    ind.append(_ind(ENGLAND_CODE, "Good level of development at age 5", "2009/10", round(0.52 * kids / 18),
                    round(kids / 18), "proportion", 1, source))
    ind.append(_ind(ENGLAND_CODE, "Children in low-income families", "2009", round(0.21 * kids * 16 / 18),
                    round(kids * 16 / 18), "proportion", 1, source))
    for k, period in enumerate(PERIODS):
        n = round(600e-5 * pop / 1.045 ** (len(PERIODS) - 1 - k))
        ind.append(_ind(ENGLAND_CODE, "Alcohol-related admissions (narrow) per 100,000", period, n, pop,
                        "per 100,000", 1e5, source))
    return ind


def calibrate_prolific(events: pd.DataFrame, activity: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """Scale prolific offenders' offence counts (everywhere) so the CBL cohort costs £448,000 each.

    Uses the offenders notebook's own costing (:func:`totalplace_lib.offenders.prolific_cost`), so
    the calibration is the method run backwards, not a number typed into the data.
    """
    from totalplace_lib.themes import offenders as off

    total, cohort, _ = CBL_PROLIFIC_COST
    target = total / cohort
    ev = events.copy()
    for _ in range(3):  # rounding to whole offences: iterate to within a fraction of a per cent
        pc = off.prolific_cost(ev[ev["area_code"].isin(codes)], activity[activity["area_code"].isin(codes)],
                               PROLIFIC_THRESHOLD, PRICE_YEAR)
        crime_part = pc.crime_cost_gbp / pc.cohort
        scale = (target - pc.services_cost_gbp / pc.cohort) / crime_part
        mask = (ev["event"] == "offences") & (ev["count"] >= PROLIFIC_THRESHOLD)
        ev.loc[mask, "count"] = np.maximum(PROLIFIC_THRESHOLD, np.round(ev.loc[mask, "count"] * scale)).astype(int)
    return ev
