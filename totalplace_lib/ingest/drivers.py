"""Drivers: the populations by which a total known for a larger area is shared among its authorities.

A driver (``data/reference/apportionment_drivers.csv``) is the population of some ages (all ages,
children 0-17, people 65+...), optionally weighted by need (the NHS's needs-weighted population of the
area's GP practices over their registered list). For a spend year the driver uses the population of that
mid-year where the files hold it; for ages, single years of age where published, otherwise the year's
total population times the area's age profile from the nearest year with single years of age (named in
the line's driver). If no year covers every authority asked for, the nearest year that does is used.

Authorities whose estimates exist only together (Bournemouth, Poole and Dorset, covered from 2019 by
Bournemouth, Christchurch and Poole and the new Dorset) form a *group*: the group takes its joint share,
which is then split among its members by the nearest year in which each has its own figure.

Every split is exact in whole pence (:func:`~totalplace_lib.core.money.split_pence`), so the shares
always add back to the total.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from totalplace_lib.core import reference
from totalplace_lib.core.money import split_pence
from totalplace_lib.ingest.vintage import Vintage

MAX_AGE = 90
Unit = tuple[str, ...]
"""One authority ``(code,)`` or a group of authorities estimated only together."""


def load_drivers() -> dict[str, dict]:
    """Driver name -> its row of ``data/reference/apportionment_drivers.csv``."""
    return {r["driver"]: r for r in reference.rows("apportionment_drivers.csv")}


@dataclass
class Populations:
    """Population by unit (an authority or a group) and year: single years of age and/or published bands."""

    single: dict[tuple[Unit, int], np.ndarray] = field(default_factory=dict)  # 91 ages, 90 = 90 and over
    bands: dict[tuple[Unit, int], dict[tuple[int, int], float]] = field(default_factory=dict)
    groups: list[Unit] = field(default_factory=list)
    need: dict[Unit, float] = field(default_factory=dict)  # needs-weighted / registered population
    need_source: str = ""
    _years: dict[Unit, list[int]] = field(default_factory=dict, repr=False)
    _profile_years: dict[Unit, list[int]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, population: list[dict], groups: dict[Unit, dict[int, dict]]) -> Populations:
        """From tidy population rows (2014 codes) and :func:`population_groups`' group rows."""
        p = cls(groups=list(groups))
        singles: dict[tuple[Unit, int], dict[int, float]] = defaultdict(dict)

        def add(unit: Unit, year: int, age: int, to: int | None, persons: float) -> None:
            if to is None or to == age:
                singles[(unit, year)][age] = singles[(unit, year)].get(age, 0.0) + persons
            else:
                band = p.bands.setdefault((unit, year), {})
                band[(age, to)] = band.get((age, to), 0.0) + persons

        for r in population:
            to = r.get("age_to")
            add((r["area_code"],), int(r["year"]), int(r["age"]), int(to) if to not in (None, "") else None,
                float(r["persons"]))
        for g, years in groups.items():
            for y, rows in years.items():
                for (age, to), persons in rows.items():
                    add(g, int(y), age, to, persons)
        for key, ages in singles.items():
            if len(ages) == MAX_AGE + 1:
                p.single[key] = np.array([ages[a] for a in range(MAX_AGE + 1)])
            else:  # a partial set of single years: kept as bands of one year each
                for a, v in ages.items():
                    p.bands.setdefault(key, {})[(a, a)] = v
        for unit, y in [*p.single, *p.bands]:
            p._years.setdefault(unit, []).append(y)
        for unit, y in p.single:
            p._profile_years.setdefault(unit, []).append(y)
        return p

    def years(self) -> list[int]:
        return sorted({y for ys in self._years.values() for y in ys})

    def persons(self, unit: Unit, year: int, lo: int, hi: int) -> tuple[float, str] | None:
        """People aged lo-hi in a unit and year, and how they were found; None if the year cannot say.

        Single years of age are summed; a published band is taken if it is exactly lo-hi; otherwise the
        year's total (0-90+) is shared by the age profile of the nearest year with single years of age.
        """
        ages = self.single.get((unit, year))
        if ages is not None:
            return float(ages[lo:hi + 1].sum()), f"mid-{year}"
        bands = self.bands.get((unit, year), {})
        if (lo, hi) in bands:
            return bands[(lo, hi)], f"mid-{year}"
        total = bands.get((0, MAX_AGE))
        if total is None:
            return None
        if (lo, hi) == (0, MAX_AGE):
            return total, f"mid-{year}"
        prof = sorted(self._profile_years.get(unit, []), key=lambda y: (abs(y - year), y))
        if not prof:
            return None
        ages = self.single[(unit, prof[0])]
        return total * float(ages[lo:hi + 1].sum() / ages.sum()), f"mid-{year} (total x the mid-{prof[0]} age profile)"

    def total(self, unit: Unit, year: int) -> float | None:
        got = self.persons(unit, year, 0, MAX_AGE)
        return None if got is None else got[0]


@dataclass
class Weights:
    """A driver's weights over the units of an area set for one spend year."""

    units: list[Unit]
    persons: np.ndarray
    population_year: int
    driver: str
    how: str = ""


def driver_weights(pops: Populations, codes: list[str] | tuple[str, ...], driver: dict, year: int) -> Weights:
    """Weights of ``codes`` for ``driver`` from the population year nearest ``year`` that covers all of them.

    A code with no figures of its own is covered by its group if the group's other members are among
    ``codes`` too. A ``need`` driver multiplies each unit's population by its need ratio (1 where unknown).

    Raises
    ------
    LookupError
        If no population year covers every authority for the driver's ages.
    """
    lo, hi = int(driver["age_from"]), int(driver["age_to"])
    weighted = driver.get("weighting", "") == "nhs need"
    codes = list(codes)
    for y in sorted(pops.years(), key=lambda y: (abs(y - year), y)):
        units, persons, hows, ok = [], [], set(), True
        done: set[str] = set()
        for c in codes:
            if c in done:
                continue
            got = pops.persons((c,), y, lo, hi)
            unit: Unit = (c,)
            if got is None:
                group = next((g for g in pops.groups if c in g), None)
                got = pops.persons(group, y, lo, hi) if group and set(group) <= set(codes) else None
                unit = group if got is not None else unit
            if got is None:
                ok = False
                break
            value, how = got
            if weighted:
                value *= pops.need.get(unit, 1.0)
            units.append(unit)
            persons.append(value)
            hows.add(how)
            done |= set(unit)
        if ok and sum(persons) > 0:
            how = sorted(hows, key=len)[-1]
            return Weights(units, np.array(persons, float), y, driver["driver"], how)
    raise LookupError(f"no population year covers {driver['description']} for all of {', '.join(codes)}")


def describe(driver: dict, w: Weights, pops: Populations) -> str:
    """A line's driver in words: '<driver description>, mid-2020 (...)'."""
    text = f"{driver['description']}, {w.how or f'mid-{w.population_year}'}"
    if driver.get("weighting", "") == "nhs need":
        text += f" x need ({pops.need_source})" if pops.need else " (no GP practice populations read: by head)"
    return text


def population_splits() -> dict[str, tuple[int, float, str]]:
    """Authority -> (year, persons, source) from ``data/reference/population_splits.csv``: the last populations
    published for authorities that later estimates cover only together (each row cited)."""
    return {r["area_code"]: (int(r["year"]), float(r["persons"]), r["source"])
            for r in reference.rows("population_splits.csv")}


def _member_weights(pops: Populations, group: Unit, year: int) -> tuple[np.ndarray, str]:
    """How a group's share is split among its members: the last all-ages populations ONS published for them
    separately (``population_splits.csv``), else each member's own population in the nearest year in which every
    member has one (whatever ages it covers)."""
    splits = population_splits()
    if all(c in splits for c in group):
        y = splits[group[0]][0]
        return (np.array([splits[c][1] for c in group]),
                f"ONS mid-{y} populations of all ages (the last published for each separately; "
                "data/reference/population_splits.csv)")
    years = sorted({y for (u, y) in [*pops.single, *pops.bands] if len(u) == 1 and u[0] in group},
                   key=lambda y: (abs(y - year), y))
    for y in years:
        vals, bands = [], set()
        for c in group:
            if ((c,), y) in pops.single:
                vals.append(float(pops.single[((c,), y)].sum()))
                bands.add((0, MAX_AGE))
            elif ((c,), y) in pops.bands:
                b = pops.bands[((c,), y)]
                vals.append(sum(b.values()))
                bands |= set(b)
            else:
                break
        else:
            ages = "all ages" if len(bands) != 1 else \
                f"aged {min(a for a, _ in bands)}-{max(b for _, b in bands)}".replace("-90", "+")
            return np.array(vals), f"mid-{y} population {ages}"
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
        sub = split_pence(per_unit[:, j], w) if len(per_unit) else np.zeros((0, len(unit)), np.int64)
        for k, c in enumerate(unit):
            codes.append(c)
            cols.append(sub[:, k])
            notes[c] = (f"estimated together with {', '.join(x for x in unit if x != c)} (the population estimates "
                        f"cover them only together), split by {how}")
    return codes, np.stack(cols, axis=1) if cols else np.zeros((len(amounts_pence), 0), np.int64), notes


def population_groups(rows: list[dict], v: Vintage) -> dict[Unit, dict[int, dict[tuple[int, int | None], float]]]:
    """Population of 2014 authorities that newer estimates cover only together, by year and age (or band).

    A newer code formed from parts of several 2014 authorities (Bournemouth, Christchurch and Poole 2019)
    links them; the codes covering the rest of them (Dorset 2019) join the group. A group is kept only if
    its codes cover every district of its authorities, so its total is exact.
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
    out: dict[Unit, dict[int, dict]] = {}
    for utlas, codes in merged:
        if len(utlas) < 2:
            continue
        covered = set().union(*(v._members(c) for c in codes))
        if covered != set().union(*(v.districts(u) or {u} for u in utlas)):
            continue
        ages: dict[int, dict] = defaultdict(lambda: defaultdict(float))
        seen: dict[int, set[str]] = defaultdict(set)
        for r in rows:
            c = str(r.get("area_code", "")).strip()
            if c in codes:
                to = r.get("age_to")
                to = None if to in (None, "") else int(to)
                ages[int(r["year"])][(int(r["age"]), to if to != int(r["age"]) else None)] += float(r["persons"])
                seen[int(r["year"])].add(c)
        out[tuple(sorted(utlas))] = {y: dict(a) for y, a in ages.items() if seen[y] == codes}
    return out


def region_members(v: Vintage, region_of_label) -> dict[str, list[str]]:
    """ONS region code -> its 2014 upper-tier authorities (``region_of_label``: region name -> code)."""
    out: dict[str, list[str]] = defaultdict(list)
    for code in sorted(v.upper_tier):
        r = region_of_label(v.regions.get(code, ""))
        if r:
            out[r].append(code)
    return dict(out)
