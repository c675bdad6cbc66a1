"""Estimates from published aggregates, for the figures the public files hold no count of.

The themes analyse counts the publishers do not give per authority (births, placements of
children looked after in recent years, recorded offences by type, alcohol-related admissions as a
count, dependent drinkers, the prolific cohort) and spend lines they publish only inside a bigger
line (alcohol and drugs inside public health, early years inside education). This stage, run by
ingest after the count, derives each from published aggregates by a documented method and writes it
to the same tidy tables with ``basis = estimated``, its method in ``source`` (and, for spend, in
``driver``). Nothing here is invented: every factor is in ``data/reference/estimate_factors.csv``
with its citation, or comes from the files themselves. An analyst's own records for the same key
replace an estimate (``--dataset public+<local>``).

Stages, top to bottom (each a function taking and returning tidy frames):

1. :func:`births_proxy` -- children aged 0 in a mid-year estimate, as the year's births;
2. :func:`placements` -- children looked after in recent years split by the authority's own
   placement mix at 31 March 2010 (the latest by placement in the files);
3. :func:`recorded_crime` -- Health Index crime rates (per 1,000) x population;
4. :func:`alcohol_counts` -- alcohol-related admissions (LAPE rate x population), alcohol-related
   crimes (personal crime x the CSEW alcohol share), dependent drinkers (prevalence x adults, scaled by
   the admissions rate against England's);
5. :func:`prolific_cohort` -- the Central Bedfordshire & Luton pilot's cohort per recorded offence;
6. :func:`substance_lines` -- council public health split by England's RO3 substance-misuse shares;
7. :func:`early_years_lines` -- council education split by the region's CRA under-fives share.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import numpy as np
import pandas as pd

from totalplace_lib.core import reference
from totalplace_lib.core.money import split_pence
from totalplace_lib.core.periods import fy_label
from totalplace_lib.core.schema import ENGLAND_CODE

logger = logging.getLogger(__name__)

ESTIMATED = "estimated"
CBL = ("E06000032", "E06000056")
"""Luton and Central Bedfordshire: the pilot whose published prolific cohort sizes the estimate."""
PERSONAL, LOW_LEVEL = "Health Index: Personal crime", "Health Index: Low-level crime"
ADMISSIONS = "Alcohol-related admissions (narrow) per 100,000"
CLA_TOTAL = "children looked after at 31 March each year"
PLACEMENT_PREFIX = "children looked after: "
PLACEMENT_YEAR = 2009
PUBLIC_HEALTH, EDUCATION = "Public health", "Education services (schools and early years)"
UNDER_FIVES = "9.1 of which: under fives"


@lru_cache(maxsize=1)
def factors() -> pd.DataFrame:
    """The cited factors estimates use (``data/reference/estimate_factors.csv``), indexed by name."""
    return reference.table("estimate_factors.csv").set_index("factor")


def factor(name: str) -> float:
    """One factor's value."""
    return float(factors().at[name, "value"])


def cite(name: str) -> str:
    """One factor's citation (shortened to its first clause)."""
    return str(factors().at[name, "source"]).split(":")[0]


def _activity(area: str, year: int, theme: str, measure: str, value: float, unit: str, source: str) -> dict:
    return {"area_code": area, "year": int(year), "theme": theme, "measure": measure, "value": float(value),
            "unit": unit, "source": f"estimated: {source}", "basis": ESTIMATED}


def _nearest_persons(pop: pd.DataFrame, year: int, lo: int, hi: int) -> tuple[pd.Series, int | None]:
    """Persons aged lo-hi by authority from the estimate nearest ``year``, and that year: single years of age,
    or for all ages (``lo`` 0, ``hi`` 90 or more) also a year's published total (ONS mid-2011 on)."""
    key = (id(pop), len(pop), year, lo, hi)
    if key not in _PERSONS:
        _PERSONS[key] = _persons(pop, year, lo, hi)
    return _PERSONS[key]


_PERSONS: dict[tuple, tuple[pd.Series, int | None]] = {}


def _persons(pop: pd.DataFrame, year: int, lo: int, hi: int) -> tuple[pd.Series, int | None]:
    single = pop[pop["age_to"].isna()] if "age_to" in pop else pop
    frames = [single]
    if lo == 0 and hi >= 90 and "age_to" in pop:  # a year's total of all ages counts as well as its single years
        frames.append(pop[(pop["age"] == 0) & (pop["age_to"] == 90)])
    usable = pd.concat(frames)
    years = sorted(set(usable["year"]), key=lambda y: (abs(y - year), y))
    if not years:
        return pd.Series(dtype=float), None
    y = int(years[0])
    rows = usable[(usable["year"] == y) & usable["age"].between(lo, hi)]
    if len(frames) > 1:  # an area with single years and a total for the same year: single years only
        has_single = set(single.loc[single["year"] == y, "area_code"])
        rows = rows[rows["age_to"].isna() | ~rows["area_code"].isin(has_single)]
    return rows.groupby("area_code")["persons"].sum().astype(float), y


def births_proxy(pop: pd.DataFrame) -> pd.DataFrame:
    """Births a year by authority: the children aged 0 in each mid-year single-year estimate.

    A mid-year estimate's age-0 count is the children born in the 12 months to 30 June who still live
    there; it stands for the year's births (it misses infant deaths and moves, about 1%).
    """
    single = pop[pop["age_to"].isna() & (pop["age"] == 0)] if "age_to" in pop else pop[pop["age"] == 0]
    return pd.DataFrame([_activity(r.area_code, r.year, "early_years", "births", r.persons, "births",
                                   f"ONS mid-{r.year} population aged 0 (born in the 12 months to 30 June "
                                   f"{r.year}) as the year's births") for r in single.itertuples()])


def placements(activity: pd.DataFrame) -> pd.DataFrame:
    """Children looked after by placement in years published only as a total, by the authority's own mix.

    The total at 31 March (DfE) is split in whole children (largest remainder) in the shares of the
    authority's placements at 31 March 2010 (DfE SFR27), the latest by placement in the files.
    """
    mix = activity[(activity["year"] == PLACEMENT_YEAR) & activity["measure"].str.startswith(PLACEMENT_PREFIX)]
    totals = activity[activity["measure"] == CLA_TOTAL]
    rows = []
    for area, m in mix.groupby("area_code"):
        weights = m.set_index("measure")["value"].astype(float)
        if weights.sum() <= 0:
            continue
        for t in totals[totals["area_code"] == area].itertuples():
            split = split_pence(np.array([int(round(t.value))]), weights.to_numpy())[0]
            for measure, n in zip(weights.index, split, strict=True):
                rows.append(_activity(area, t.year, "early_years", measure, n, "children",
                                      f"{int(t.value):,} children looked after at 31 March {t.year + 1} (DfE) split "
                                      "by the authority's own placement mix at 31 March 2010 (DfE SFR27/2010)"))
    return pd.DataFrame(rows)


def rate_counts(ind: pd.DataFrame, pop: pd.DataFrame, indicator: str, per: float,
                districts: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Counts a year by upper-tier authority from a published rate: rate / ``per`` x residents.

    An authority with its own rate uses it with its residents (the single-year estimate nearest the
    rate's year); a county whose rate is published only for its districts is the sum over every one of
    its districts of each district's rate x its residents (a county with a district missing gets none).

    Returns
    -------
    DataFrame
        area_code, year, period, count, residents, population_year, how (the method in words).
    """
    rows = []
    sel = ind[ind["indicator"] == indicator] if len(ind) else ind
    done = set()
    for period, g in sel.groupby("period") if len(sel) else []:
        y = int(str(period)[:4])
        persons, py = _nearest_persons(pop, y, 0, 200)
        for r in g.itertuples():
            n = persons.sum() if r.area_code == ENGLAND_CODE else persons.get(r.area_code)
            if n is None or pd.isna(n):
                continue
            done.add((r.area_code, str(period)))
            rows.append({"area_code": r.area_code, "year": y, "period": str(period), "count": float(r.value) * n / per,
                         "residents": float(n), "population_year": py,
                         "how": f"rate {float(r.value):,.1f} per {per:,.0f} ({period}) x mid-{py} residents {n:,.0f}"
                                + (" (all authorities)" if r.area_code == ENGLAND_CODE else "")})
    if districts is not None and len(districts[0]) and len(districts[1]):
        dind, dpop = districts
        dsel = dind[dind["indicator"] == indicator]
        members = dpop.groupby("area_code")["district"].agg(lambda x: set(x))
        by_district = dpop.assign(area_code=dpop["district"])
        for (county, period), g in dsel.groupby(["area_code", "period"]):
            if (county, str(period)) in done or county not in members.index:
                continue
            y = int(str(period)[:4])
            persons, py = _nearest_persons(by_district, y, 0, 200)
            rates = g.drop_duplicates("district").set_index("district")["value"].astype(float)
            if not members[county] <= set(rates.index) or not set(rates.index) <= set(persons.index):
                continue
            n = float(sum(rates[d] * persons[d] / per for d in members[county]))
            residents = float(sum(persons[d] for d in members[county]))
            rows.append({"area_code": county, "year": y, "period": str(period), "count": n, "residents": residents,
                         "population_year": py,
                         "how": f"the sum over its {len(members[county])} districts of each district's rate "
                                f"({period}) per {per:,.0f} x its mid-{py} residents"})
    return pd.DataFrame(rows)


def recorded_crime(indicators: pd.DataFrame, pop: pd.DataFrame, districts=None) -> pd.DataFrame:
    """Recorded personal and low-level crimes a year by authority: Health Index rates per 1,000 x residents.

    The Health Index builds both indicators from police recorded crime (docs/themes.md).
    """
    rows = []
    for indicator, offence in ((PERSONAL, "personal crime"), (LOW_LEVEL, "low-level crime")):
        for r in rate_counts(indicators, pop, indicator, 1000, districts).itertuples():
            how = f"ONS Health Index {r.year} '{offence}' (police recorded crime): {r.how}"
            rows.append(_activity(r.area_code, r.year, "offenders", f"recorded offences: {offence}", round(r.count),
                                  "offences", how))
    return pd.DataFrame(rows)


def alcohol_counts(indicators: pd.DataFrame, pop: pd.DataFrame, crime: pd.DataFrame, districts=None) -> pd.DataFrame:
    """Alcohol-related admissions, alcohol-related crimes and dependent drinkers by authority and year.

    - admissions (narrow): the LAPE directly standardised rate per 100,000 x residents;
    - alcohol-related crimes: recorded personal crime x the share of violent incidents in which the
      victim believed the offender had been drinking (CSEW);
    - dependent drinkers: adults 18+ x England's prevalence of alcohol dependence, scaled by the
      authority's admissions per resident against England's.
    """
    rows = []
    prevalence = factor("alcohol_dependence_prevalence")
    adm = rate_counts(indicators, pop, ADMISSIONS, 1e5, districts)
    for period, g in adm.groupby("period") if len(adm) else []:
        y = int(str(period)[:4])
        adults, _ = _nearest_persons(pop, y, 18, 200)
        eng = g[g["area_code"] == ENGLAND_CODE]
        for r in g.itertuples():
            rows.append(_activity(r.area_code, y, "alcohol", "alcohol-related admissions (narrow)", round(r.count),
                                  "admissions", f"LAPE alcohol-related admissions (narrow): {r.how}"))
            a = adults.sum() if r.area_code == ENGLAND_CODE else adults.get(r.area_code)
            if len(eng) and a is not None and not pd.isna(a):
                ratio = (r.count / r.residents) / float(eng["count"].iloc[0] / eng["residents"].iloc[0])
                rows.append(_activity(r.area_code, y, "alcohol", "dependent drinkers (estimated)",
                                      round(a * prevalence * ratio), "persons",
                                      f"adults 18+ {a:,.0f} x {prevalence:.2%} dependent "
                                      f"({cite('alcohol_dependence_prevalence')}) x admissions per resident "
                                      f"{ratio:.2f} times England's ({period})"))
    share = factor("alcohol_share_of_violent_incidents")
    personal = crime[crime["measure"] == "recorded offences: personal crime"] if len(crime) else crime
    for r in personal.itertuples():
        n = round(r.value * share)
        rows.append(_activity(r.area_code, r.year, "alcohol", "alcohol-related crimes", n,
                              "offences", f"{r.value:,.0f} recorded personal crimes x {share:.0%} of violent "
                              "incidents involving a drinking offender "
                              f"({cite('alcohol_share_of_violent_incidents')})"))
    return pd.DataFrame(rows)


def prolific_cohort(crime: pd.DataFrame) -> pd.DataFrame:
    """The prolific cohort and its recorded offences, at the Central Bedfordshire & Luton pilot's ratio.

    The pilot found 250 prolific offenders committing about a quarter of offences. Assuming the same
    offences per prolific offender as in Central Bedfordshire & Luton in the same year, a place's cohort
    is 250 x its recorded crime / theirs, and it commits a quarter of the place's recorded crime.
    """
    if crime.empty:
        return crime
    total = crime.groupby(["area_code", "year"])["value"].sum()
    cohort, share = factor("prolific_cohort_cbl"), factor("prolific_share_of_offences_cbl")
    rows = []
    for year, t in total.groupby(level="year"):
        t = t.droplevel("year")
        if not all(c in t.index for c in CBL):
            continue
        cbl = float(t[list(CBL)].sum())
        for area, n in t.items():
            how = (f"{n:,.0f} recorded crimes ({year}) / Central Bedfordshire & Luton's {cbl:,.0f}, at the pilot's "
                   f"{cohort:.0f} prolific offenders committing {share:.0%} of offences "
                   f"({cite('prolific_cohort_cbl')})")
            rows.append(_activity(area, year, "offenders", "prolific offenders (estimated)", round(cohort * n / cbl),
                                  "persons", how))
            rows.append(_activity(area, year, "offenders", "offences by prolific offenders (estimated)",
                                  round(share * n), "offences", how))
    return pd.DataFrame(rows)


def _split_line(line: pd.Series, parts: list[tuple[dict, float]], rest_service: str) -> list[dict]:
    """A reported spend line split into estimated parts (shares of it) and the reported rest, in whole pence."""
    pence = int(round(float(line["amount_gbp"]) * 100))
    weights = np.array([s for _, s in parts] + [max(0.0, 1 - sum(s for _, s in parts))])
    cut = split_pence(np.array([pence]), weights)[0]
    out = []
    for (fields, _), p in zip(parts, cut[:-1], strict=True):
        out.append({**line.to_dict(), **fields, "amount_gbp": p / 100, "basis": ESTIMATED})
    out.append({**line.to_dict(), "service": rest_service, "amount_gbp": cut[-1] / 100})
    return out


def substance_lines(spend: pd.DataFrame) -> pd.DataFrame:
    """Councils' public health lines with the substance-misuse parts split out by England's RO3 shares.

    Revenue Outturn gives each council's public health spend as one line; RO3 gives England's
    substance-misuse lines (adult alcohol, adult drugs, young people's services). Each council's line
    is split in England's shares of the same year, so a place's alcohol and drugs lines are estimated
    and the rest of public health stays reported; the parts add up to the reported line exactly.
    """
    ph = spend[(spend["service"] == PUBLIC_HEALTH) & (_basis(spend) == "reported")]
    ro3 = spend[(spend["area_code"] == ENGLAND_CODE) & (spend["theme"] == "alcohol")]
    out, drop = [], []
    for year, lines in ro3.groupby("year"):
        eng = ph[(ph["area_code"] == ENGLAND_CODE) & (ph["year"] == year)]["amount_gbp"].sum()
        if eng <= 0:
            continue
        label = fy_label(int(year))
        parts = [({"theme": "alcohol", "service": r.service, "stage": r.stage,
                   "driver": f"England's RO3 {r.service.split(':')[0].lower()} line as a share of England's public "
                             f"health spend {label} ({r.amount_gbp / eng:.2%})",
                   "source": f"estimated: the council's Revenue Outturn public health {label} x England's RO3 share "
                             "(MHCLG RO3 England totals)"}, float(r.amount_gbp) / eng) for r in lines.itertuples()]
        for idx, line in ph[(ph["year"] == year) & (ph["area_code"] != ENGLAND_CODE)].iterrows():
            out += _split_line(line, parts, "Public health (other than substance misuse)")
            drop.append(idx)
    return _replace(spend, drop, out)


def early_years_lines(spend: pd.DataFrame, regional: pd.DataFrame, apportionment: pd.DataFrame) -> pd.DataFrame:
    """Councils' education lines with the early-years part split out by their region's CRA under-fives share.

    Revenue Outturn gives council education (schools and early years) as one line; HM Treasury's CRA gives
    each region's local-government education by subfunction, including *under fives*. The council's
    line is split in its region's share of the same year, or of the latest CRA year for later years.
    """
    edu = spend[(spend["service"] == EDUCATION) & (_basis(spend) == "reported") & (spend["area_code"] != ENGLAND_CODE)]
    if edu.empty or regional.empty or apportionment.empty:
        return spend
    lg = regional[(regional["body"] == "LG") & (regional["capital_current"] == "CUR")
                  & regional["function"].astype(str).str.startswith("9.")]
    total = lg.groupby(["region_code", "year"])["amount_gbp"].sum()
    under5 = lg[lg["subfunction"] == UNDER_FIVES].groupby(["region_code", "year"])["amount_gbp"].sum()
    share = (under5 / total).dropna()
    region = apportionment.drop_duplicates("area_code").set_index("area_code")["region_code"]
    cra_years = sorted({y for _, y in share.index})
    out, drop = [], []
    for idx, line in edu.iterrows():
        r = region.get(line["area_code"])
        y = max([c for c in cra_years if c <= line["year"]], default=None)
        if r is None or y is None or (r, y) not in share.index:
            continue
        s = float(share[(r, y)])
        when = fy_label(y) + ("" if y == line["year"] else f", the latest CRA year, for {fy_label(int(line['year']))}")
        fields = {"theme": "early_years", "service": "Early years education and childcare (share of council education)",
                  "stage": "preventive", "driver": f"the region's CRA local-government under-fives share of education "
                                                    f"{when} ({s:.1%})",
                  "source": f"estimated: the council's Revenue Outturn education x its region's CRA under-fives share "
                            f"({when})"}
        out += _split_line(line, [(fields, s)], "Education services (schools and other)")
        drop.append(idx)
    return _replace(spend, drop, out)


def _basis(spend: pd.DataFrame) -> pd.Series:
    """Each line's basis (ingest marks the unmarked lines 'reported' when it writes the table)."""
    return spend["basis"].fillna("reported") if "basis" in spend else pd.Series("reported", index=spend.index)


def _replace(frame: pd.DataFrame, drop: list, rows: list[dict]) -> pd.DataFrame:
    if not drop:
        return frame
    return pd.concat([frame.drop(index=drop), pd.DataFrame(rows)], ignore_index=True)


def derive(tables: dict) -> dict:
    """Add every estimate to the ingest's tables (in place); return what the manifest says about them."""
    _PERSONS.clear()
    # the same key from two files (an authority in both the district and the county estimates): first wins
    pop = _numeric(tables.get("population", []), ("area_code", "year", "age"))
    ind = _numeric(tables.get("indicators", []), ("area_code", "indicator", "period"))
    act = _numeric(tables.get("activity", []))
    if pop.empty:
        return {"note": "no population table: no estimates"}
    districts = (_numeric(tables.pop("_district_indicators", []), ("district", "indicator", "period")),
                 _numeric(tables.pop("_district_population", []), ("district", "year", "age")))
    crime = recorded_crime(ind, pop, districts) if not ind.empty else pd.DataFrame()
    made = [births_proxy(pop), placements(act) if not act.empty else pd.DataFrame(), crime,
            alcohol_counts(ind, pop, crime, districts) if not ind.empty else pd.DataFrame(), prolific_cohort(crime)]
    made = [m for m in made if len(m)]
    new = pd.concat(made, ignore_index=True) if made else pd.DataFrame()
    tables["activity"] = list(tables.get("activity", [])) + new.to_dict("records")
    note = {"activity": new.groupby("measure").size().to_dict() if len(new) else {}}
    spend = tables.get("spend")
    if isinstance(spend, pd.DataFrame) and len(spend):
        before = len(spend)
        spend = substance_lines(spend)
        spend = early_years_lines(spend, _frame(tables.get("regional_spend")), _frame(tables.get("apportionment")))
        tables["spend"] = spend
        note["spend_lines_split"] = int(len(spend) - before)
    note["method"] = "docs/themes.md, 'Estimates from published aggregates'"
    logger.info("estimates: %s", note)
    return note


def _numeric(rows: list[dict], key: tuple[str, ...] = ()) -> pd.DataFrame:
    """Ingest rows as a frame with their numbers as numbers, one row per ``key`` (the first wins)."""
    df = pd.DataFrame(rows)
    for c in ("year", "age", "persons", "value", "age_to"):
        if c in df:
            df[c] = pd.to_numeric(df[c])
    return df.drop_duplicates(list(key)) if key and len(df) else df


def _frame(rows) -> pd.DataFrame:
    return rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows or [])
