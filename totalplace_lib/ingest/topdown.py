"""The real Total Place count: CRA apportioned top-down, reconciled with bodies' own accounts bottom-up.

Stages, top to bottom:

1. **Lines.** England's identifiable CRA rows are grouped by region, year, agency
   (``data/reference/cra_agencies.csv``: department and sector -> the agency a place recognises),
   subfunction and capital/current. Each subfunction has a service name, theme, stage and a
   **driver** (``data/reference/cra_subfunctions.csv``; drivers in ``apportionment_drivers.csv``).
2. **Drivers.** For each region, year and driver, the authorities' population in the driver's ages,
   from the population year nearest the spend year that covers every authority of the region (the
   report names the population year). Where the estimates cover several 2014 authorities only
   together (Bournemouth, Poole and Dorset from 2019), the group takes its joint share, which is
   split among its members by the nearest year in which each has its own estimate.
3. **Apportion** (:mod:`totalplace_lib.apportion`): each line is split in whole pence, so the
   authorities of a region sum exactly to the region's CRA figure.
4. **Police bodies.** Police and crime commissioners' Revenue Outturn is shared among the councils
   of their force area (ONS district -> police force area lookup) by population.
5. **Reconcile.** Where a council's own outturn exists for a year (Revenue Outturn; DfE Section 52
   for children's services), it replaces the apportioned local-government current lines of the same
   service group (``data/reference/reconciliation.csv``), so nothing is counted twice; every
   replacement is written to the ``reconciliation`` table (apportioned vs reported, difference).

Every spend line carries its ``basis`` (``reported`` or ``apportioned``) and, if apportioned, its
``driver`` in words.
"""

from __future__ import annotations

import csv
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import paths
from ..apportion import split_pence
from .cra import region_key, region_lookup
from .readers import fy_label
from .vintage import Vintage

logger = logging.getLogger(__name__)

COFOG = {"1": "General public services", "2": "Defence", "3": "Public order and safety", "4": "Economic affairs",
         "5": "Environment protection", "6": "Housing and community amenities", "7": "Health",
         "8": "Recreation, culture and religion", "9": "Education", "10": "Social protection"}
"""UN Classification of the Functions of Government (COFOG), level 0, as HM Treasury's CRA uses it."""


def function_of(subfunction: str) -> str:
    """COFOG function of a subfunction label or code (``10.4 Family...`` -> ``Social protection``)."""
    return COFOG.get(subfunction.split(".", 1)[0].strip(), "Other")


NOT_RECONCILED = {
    "RO:Fire_Rescue": "council-run fire and rescue is one part of fire spending: combined fire authorities have no "
                      "area lookup in the files, so CRA's apportioned local-government fire line is kept and this "
                      "council line is left out (it is inside that line)",
    "RO:Police": "councils' own police lines are small payments inside CRA's local-government police line; the "
                 "police and crime commissioner's outturn (or CRA's apportioned line) is counted instead",
}


def _reference(name: str) -> list[dict]:
    with open(paths.reference_dir() / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@dataclass
class Classification:
    """The reference tables that turn CRA rows into a place's spend lines."""

    subfunctions: dict[str, dict] = field(default_factory=dict)
    agencies: list[dict] = field(default_factory=list)
    drivers: dict[str, dict] = field(default_factory=dict)
    groups: list[dict] = field(default_factory=list)

    @classmethod
    def load(cls) -> Classification:
        return cls({_key(r["subfunction"]): r for r in _reference("cra_subfunctions.csv")},
                   _reference("cra_agencies.csv"),
                   {r["driver"]: r for r in _reference("apportionment_drivers.csv")},
                   _reference("reconciliation.csv"))

    def subfunction(self, label: str) -> dict:
        """The row for a subfunction; an unseen one takes the first listed row with the same COFOG code
        (e.g. ``4.5 of which: trams`` -> as ``4.5 of which: local public transport``), saying so."""
        row = self.subfunctions.get(_key(label))
        if row is not None:
            return row
        code = label.split(" ", 1)[0]
        for r in self.subfunctions.values():
            if r["subfunction"].split(" ", 1)[0] == code:
                return {**r, "service": f"{label.split(' ', 1)[-1]} (classified as {r['service']})"}
        return {"subfunction": label, "service": f"{label} (not classified)", "theme": "general",
                "stage": "universal", "driver": "population",
                "reason": "subfunction not in data/reference/cra_subfunctions.csv: shared per head"}

    def agency(self, department: str, body: str, subfunction: str) -> str:
        for r in self.agencies:
            if r["department"] not in ("*", department) or r["body"] not in ("*", body):
                continue
            if r["subfunction_prefix"] == "*" or subfunction.startswith(r["subfunction_prefix"]):
                return r["agency"]
        return "Other central government"


def _key(label: str) -> str:
    return " ".join(label.lower().split())


# ------------------------------------------------------------------------------------------------
# Drivers


@dataclass
class Populations:
    """Population rows by authority and year, plus groups estimated only together."""

    rows: dict[tuple[str, int], list[tuple[int, int, float]]] = field(default_factory=dict)
    groups: dict[tuple[str, ...], dict[int, dict[int, float]]] = field(default_factory=dict)

    @classmethod
    def build(cls, population: list[dict], groups: dict[tuple[str, ...], dict[int, dict[int, float]]]) -> Populations:
        rows: dict[tuple[str, int], list] = defaultdict(list)
        for r in population:
            to = r.get("age_to")
            rows[(r["area_code"], int(r["year"]))].append((int(r["age"]), int(to) if to not in (None, "") else
                                                           int(r["age"]), float(r["persons"])))
        return cls(dict(rows), groups)

    def persons(self, code: str, year: int, lo: int, hi: int) -> float | None:
        """People aged lo-hi in one authority and year, or None if the rows do not cover those ages."""
        rows = self.rows.get((code, year))
        if not rows:
            return None
        band = [p for a, b, p in rows if (a, b) == (lo, hi) and a != b]
        if band:
            return band[0]
        single = {a: p for a, b, p in rows if a == b and lo <= a <= hi}
        return sum(single.values()) if len(single) == hi - lo + 1 else None

    def group_persons(self, group: tuple[str, ...], year: int, lo: int, hi: int) -> float | None:
        ages = self.groups.get(group, {}).get(year)
        if not ages or any(a not in ages for a in range(lo, hi + 1)):
            return None
        return sum(ages[a] for a in range(lo, hi + 1))

    def years(self) -> list[int]:
        return sorted({y for _, y in self.rows} | {y for g in self.groups.values() for y in g})


@dataclass
class Weights:
    """A driver's weights over the units of an area set for one spend year."""

    units: list[tuple[str, ...]]  # each unit: one authority, or a group estimated together
    persons: np.ndarray
    population_year: int
    driver: str


def driver_weights(pops: Populations, codes: list[str], driver: dict, year: int) -> Weights:
    """Weights of ``codes`` for ``driver`` from the population year nearest ``year`` covering all of them.

    Raises
    ------
    LookupError
        If no population year covers every authority for the driver's ages.
    """
    lo, hi = int(driver["age_from"]), int(driver["age_to"])
    for y in sorted(pops.years(), key=lambda y: (abs(y - year), y)):
        units, persons, ok = [], [], True
        done: set[str] = set()
        for c in codes:
            if c in done:
                continue
            p = pops.persons(c, y, lo, hi)
            if p is not None:
                units.append((c,))
                persons.append(p)
                done.add(c)
                continue
            group = next((g for g in pops.groups if c in g), None)
            gp = pops.group_persons(group, y, lo, hi) if group else None
            if gp is None or not set(group) <= set(codes):
                ok = False
                break
            units.append(group)
            persons.append(gp)
            done |= set(group)
        if ok and sum(persons) > 0:
            return Weights(units, np.array(persons, float), y, driver["driver"])
    raise LookupError(f"no population year covers {driver['description']} for all of {', '.join(codes)}")


def _member_weights(pops: Populations, group: tuple[str, ...], year: int) -> tuple[np.ndarray, str]:
    """How a group's share is split among its members: each member's own population in the nearest
    year in which every member has one (whatever ages it covers)."""
    for y in sorted({yy for (c, yy) in pops.rows if c in group}, key=lambda y: (abs(y - year), y)):
        if all((c, y) in pops.rows for c in group):
            bands = {(a, b) for c in group for a, b, _ in pops.rows[(c, y)]}
            w = np.array([sum(p for _, _, p in pops.rows[(c, y)]) for c in group])
            ages = "all ages" if len(bands) > 1 else f"aged {min(a for a, _ in bands)}-{max(b for _, b in bands)}"
            return w, f"mid-{y} population {ages}"
    raise LookupError(f"no year with a population for each of {', '.join(group)}")


def apportion_lines(amounts_pence: np.ndarray, weights: Weights, pops: Populations, year: int
                    ) -> tuple[list[str], np.ndarray, dict[str, str]]:
    """Split amounts over a weights' units, then groups over their members; exact in pence.

    Returns the authority codes, the pence matrix (amount x authority) and a note per authority whose
    share came through a group.
    """
    per_unit = split_pence(amounts_pence, weights.persons)
    codes, cols, notes = [], [], {}
    for j, unit in enumerate(weights.units):
        if len(unit) == 1:
            codes.append(unit[0])
            cols.append(per_unit[:, j])
            continue
        w, how = _member_weights(pops, unit, year)
        sub = np.stack([split_pence(np.array([v]), w)[0] for v in per_unit[:, j]]) if len(per_unit) else \
            np.zeros((0, len(unit)), np.int64)
        for k, c in enumerate(unit):
            codes.append(c)
            cols.append(sub[:, k])
            notes[c] = (f"estimated together with {', '.join(x for x in unit if x != c)} (mid-"
                        f"{weights.population_year} estimates cover them only together), split by {how}")
    return codes, np.stack(cols, axis=1) if cols else np.zeros((len(amounts_pence), 0), np.int64), notes


# ------------------------------------------------------------------------------------------------
# The count


@dataclass
class Count:
    """What the top-down build produced for the tidy tables."""

    spend: pd.DataFrame = field(default_factory=pd.DataFrame)  # the count's spend lines (tidy spend columns)
    reconciliation: list[dict] = field(default_factory=list)
    apportionment: list[dict] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)


def region_members(v: Vintage) -> dict[str, list[str]]:
    """ONS region code -> its 2014 upper-tier authorities."""
    regions = region_lookup()
    out: dict[str, list[str]] = defaultdict(list)
    for code in sorted(v.upper_tier):
        r = regions.get(region_key(v.regions.get(code, "")))
        if r is not None and r.code:
            out[r.code].append(code)
    return dict(out)


def police_force_areas(lookup: Path, v: Vintage) -> dict[str, tuple[str, list[str]]]:
    """Police force area code -> (name, its 2014 upper-tier authorities), from the ONS LAD17 lookup."""
    out: dict[str, tuple[str, set[str]]] = {}
    with open(lookup, encoding="utf-8-sig", newline="") as fh:
        for r in csv.DictReader(fh):
            if not r["LAD17CD"].startswith("E"):
                continue
            t = v.target(r["LAD17CD"])
            if t.code is None:
                continue
            out.setdefault(r["PFA17CD"], (r["PFA17NM"], set()))[1].add(t.code)
    return {k: (n, sorted(c)) for k, (n, c) in out.items()}


def build(cra_rows: list[dict], pops: Populations, v: Vintage, reported: list[dict], police: list[dict],
          pfa_lookup: Path | None) -> Count:
    """Apportion England's identifiable CRA spend to authorities and reconcile it with reported lines.

    Parameters
    ----------
    cra_rows : list of dict
        ``regional_spend`` rows (one edition per year already chosen).
    pops : Populations
        Population by authority and year (drivers).
    v : Vintage
        The 2014 upper-tier geography.
    reported : list of dict
        Council spend lines from bodies' own accounts (Revenue Outturn, Section 52), each with
        ``_group`` (``RO:<column>`` or ``S52``). Lines of years the CRA covers are reconciled.
    police : list of dict
        Police and crime commissioners' outturn: ``pfa_code, year, amount_gbp, source``.
    pfa_lookup : Path or None
        The ONS district -> police force area lookup (police bodies are left out without it).
    """
    cls = Classification.load()
    out = Count()
    apportioned = _apportioned(cra_rows, pops, v, cls, out)
    rep = pd.DataFrame([*reported, *_police_lines(police, pops, v, pfa_lookup, cls, out)])
    if rep.empty:
        rep = pd.DataFrame(columns=["area_code", "year", "amount_gbp", "_group", "service"])
    for col, default in (("basis", "reported"), ("spend_type", "current"), ("driver", "")):
        rep[col] = rep[col].fillna(default) if col in rep else default
    tag_group = {g["reported"]: g["group"] for g in cls.groups}
    rep["_recon"] = rep["_group"].map(tag_group)
    first_prefix = {g["reported"]: function_of(g["replaces"]) for g in cls.groups}
    rep["function"] = rep["_group"].map(first_prefix).fillna(rep["_group"].map(
        {"RO:Police": COFOG["3"], "RO:Fire_Rescue": COFOG["3"]})).fillna("Other")
    cra_years = set(apportioned["year"]) if len(apportioned) else set()
    in_cra = rep["year"].isin(cra_years)
    # Reported lines in a reconciliation group replace the apportioned LG current lines of that group.
    replaced = rep.loc[in_cra & rep["_recon"].notna(), ["area_code", "year", "_recon"]].drop_duplicates()
    if len(apportioned):
        a = apportioned.merge(replaced.assign(_gone=True), on=["area_code", "year", "_recon"], how="left")
        gone = a["_gone"].fillna(False).astype(bool) & a["_lg_current"]
        out.reconciliation = _reconciliation(a[gone], rep[in_cra], cls)
        apportioned = a[~gone].drop(columns="_gone")
    counted = pd.concat([apportioned, rep[~in_cra | rep["_recon"].notna()]], ignore_index=True)
    keys = ["area_code", "year", "theme", "agency", "service", "spend_type"]
    first = {c: "first" for c in ("stage", "price_year", "source", "discretionary", "basis", "driver", "function")}
    spend = counted.groupby(keys, as_index=False, sort=False).agg({"amount_gbp": "sum", **first})
    spend = spend[(spend["amount_gbp"] != 0) | (spend["basis"] != "apportioned")]
    spend["amount_gbp"] = spend["amount_gbp"].round(2)
    out.spend = spend.reset_index(drop=True)
    return out


def _apportioned(cra_rows: list[dict], pops: Populations, v: Vintage, cls: Classification, out: Count
                 ) -> pd.DataFrame:
    """England's identifiable CRA lines shared among each region's authorities (one row per line and
    authority, in pounds to the penny; ``_lg_current`` and ``_recon`` mark lines a council's own
    outturn may replace)."""
    members = region_members(v)
    names = {r.code: r.name for r in region_lookup().values()}
    lines: dict[tuple, float] = defaultdict(float)
    for r in cra_rows:
        if r["identifiable"] and r["region_code"].startswith("E12"):
            agency = cls.agency(r["department"], r["body"], r["subfunction"])
            lines[(r["region_code"], r["year"], agency, r["subfunction"], r["capital_current"], r["body"],
                   r["edition"])] += r["amount_gbp"]
    by_group: dict[tuple, list[tuple]] = defaultdict(list)
    for key in lines:
        by_group[(key[0], key[1], cls.subfunction(key[3])["driver"])].append(key)
    recon = {}
    for g in cls.groups:
        for prefix in filter(None, g["replaces"].split(";")):
            recon[prefix] = g["group"]
    frames = []
    for (region, year, driver), keys in sorted(by_group.items()):
        d = cls.drivers[driver]
        w = driver_weights(pops, members.get(region, []), d, year)
        pence = np.array([round(lines[k] * 100) for k in keys], dtype=np.int64)
        codes, matrix, notes = apportion_lines(pence, w, pops, year)
        for code in codes:
            unit = next(u for u in w.units if code in u)
            out.apportionment.append({"area_code": code, "region_code": region, "year": year, "driver": driver,
                                      "population_year": w.population_year,
                                      "share": float(w.persons[w.units.index(unit)] / w.persons.sum()),
                                      "note": notes.get(code, "")})
        subs = [cls.subfunction(k[3]) for k in keys]
        meta = pd.DataFrame({
            "theme": [s["theme"] for s in subs], "agency": [k[2] for k in keys],
            "service": [s["service"] + (" (public corporations)" if k[5] == "PC" else " (Bank of England)"
                                        if k[5] == "BOE" else "") for s, k in zip(subs, keys, strict=True)],
            "stage": [s["stage"] for s in subs],
            "function": [function_of(k[3]) for k in keys],
            "source": [f"HM Treasury {k[6]}, {names.get(region, region)}" for k in keys],
            "spend_type": ["capital" if k[4] == "CAP" else "current" for k in keys],
            "_lg_current": [k[5] == "LG" and k[4] == "CUR" for k in keys],
            "_recon": [next((g for p, g in recon.items() if k[3].startswith(p)), None) for k in keys],
        })
        k = len(keys)  # one row per line and authority, authority by authority
        f = meta.iloc[np.tile(np.arange(k), len(codes))].reset_index(drop=True)
        f["area_code"], f["year"], f["amount_gbp"] = np.repeat(codes, k), year, matrix.T.reshape(-1) / 100
        f["driver"] = np.repeat([f"{d['description']}, mid-{w.population_year}"
                                 + (f"; {notes[code]}" if code in notes else "") for code in codes], k)
        frames.append(f)
    if not frames:
        return pd.DataFrame()
    df = pd.concat(frames, ignore_index=True)
    df["price_year"] = df["year"].map(fy_label)
    df["discretionary"], df["basis"] = False, "apportioned"
    return df


def _reconciliation(gone: pd.DataFrame, rep: pd.DataFrame, cls: Classification) -> list[dict]:
    """One row per authority, year and service group: apportioned LG current (replaced) vs reported."""
    notes = {g["group"]: g["note"] for g in cls.groups}
    a = gone.groupby(["area_code", "year", "_recon"])["amount_gbp"].sum()
    rows = []
    for (area, year, tag), grp in rep.groupby(["area_code", "year", "_group"], dropna=False):
        amount = float(grp["amount_gbp"].sum())
        group = grp["_recon"].iloc[0]
        if pd.isna(group):
            rows.append({"area_code": area, "year": year, "group": grp["service"].iloc[0],
                         "reported_from": _reported_from(tag), "apportioned_gbp": None, "reported_gbp": amount,
                         "difference_gbp": None, "counted": "apportioned",
                         "note": NOT_RECONCILED.get(tag, f"no reconciliation group for '{tag}' in "
                                                        "data/reference/reconciliation.csv")})
            continue
        replaced = float(a.get((area, year, group), 0.0))
        rows.append({"area_code": area, "year": year, "group": group, "reported_from": _reported_from(tag),
                     "apportioned_gbp": round(replaced, 2), "reported_gbp": round(amount, 2),
                     "difference_gbp": round(amount - replaced, 2), "counted": "reported", "note": notes[group]})
    return rows


def _police_lines(police: list[dict], pops: Populations, v: Vintage, lookup: Path | None, cls: Classification,
                  out: Count) -> list[dict]:
    """Each police and crime commissioner's outturn shared among its force area's councils by population."""
    if not police:
        return []
    if lookup is None or not lookup.exists():
        out.left_out["police bodies (no police force area lookup)"] = len(police)
        return []
    forces = police_force_areas(lookup, v)
    driver = cls.drivers["population"]
    lines = []
    for p in police:
        if p["pfa_code"] not in forces:
            out.left_out[f"police body {p['pfa_code']} not in the force-area lookup"] = 1
            continue
        name, codes = forces[p["pfa_code"]]
        w = driver_weights(pops, codes, driver, p["year"])
        area_codes, matrix, notes = apportion_lines(np.array([round(p["amount_gbp"] * 100)]), w, pops, p["year"])
        for j, code in enumerate(area_codes):
            lines.append({
                "area_code": code, "year": p["year"], "theme": "offenders", "agency": "Police",
                "service": "Police (police and crime commissioner's outturn)", "stage": "reactive",
                "amount_gbp": matrix[0, j] / 100, "price_year": fy_label(p["year"]), "source": p["source"],
                "discretionary": False, "basis": "apportioned", "spend_type": "current",
                "driver": f"population of the {name} police force area, mid-{w.population_year}"
                          + (f"; {notes[code]}" if code in notes else ""),
                "_group": "RO:PCC",
            })
    return lines


def _reported_from(tag: str) -> str:
    if str(tag).startswith("S52"):
        return "DfE Section 52 outturn"
    if tag == "RO:PCC":
        return "Revenue Outturn, police and crime commissioner (shared by population)"
    return "MHCLG Revenue Outturn"


def population_groups(rows: list[dict], v: Vintage) -> dict[tuple[str, ...], dict[int, dict[int, float]]]:
    """Population of 2014 authorities that newer estimates cover only together, by year and age.

    A newer code formed from parts of several 2014 authorities (Bournemouth, Christchurch and Poole
    2019) links them; the codes covering the rest of them (Dorset 2019) join the group. A group is kept
    only if its codes cover every district of its authorities, so its total is exact.
    """
    touched: dict[str, set[str]] = {}
    for r in rows:
        code = str(r.get("area_code", "")).strip()
        if code in touched or not code:
            continue
        t = v.target(code)
        if t.code is not None and t.whole:
            continue
        utlas = {v.county_of[m] for m in v._members(code) if m in v.county_of}
        if utlas:
            touched[code] = utlas
    merged: list[tuple[set[str], set[str]]] = []  # (authorities, codes)
    for code, utlas in touched.items():
        hits = [g for g in merged if g[0] & utlas]
        group = (set(utlas), {code})
        for g in hits:
            group[0].update(g[0])
            group[1].update(g[1])
            merged.remove(g)
        merged.append(group)
    out: dict[tuple[str, ...], dict[int, dict[int, float]]] = {}
    for utlas, codes in merged:
        if len(utlas) < 2:
            continue
        covered = set().union(*(v._members(c) for c in codes))
        if covered != set().union(*(v.districts(u) or {u} for u in utlas)):
            continue
        ages: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
        for r in rows:
            if str(r.get("area_code", "")).strip() in codes and r.get("age_to") in (None, "", r["age"]):
                ages[int(r["year"])][int(r["age"])] += float(r["persons"])
        out[tuple(sorted(utlas))] = {y: dict(a) for y, a in ages.items()}
    return out
