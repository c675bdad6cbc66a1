"""Today's authorities as pieces of the 2014 ones, and their residents: what the count on current boundaries
(:mod:`.current_count`) is shared by.

Every current district and unitary is a union of whole 2014 districts, so it lies in one 2014 upper-tier authority
or holds several whole; each 2014 authority is cut into *pieces*, its part in each current authority. Residents of
a piece: the current authority's own ONS mid-year estimate (mid-2011 to mid-2023 on 2023 boundaries; the nearest
year outside that range), with its ages from the nearest year estimated by single year of age (mid-2020, mid-2023).
Christchurch, which ONS no longer publishes, is Bournemouth, Christchurch and Poole's residents less Bournemouth's
and Poole's, as a share of the whole held at its mid-2017 value (``data/reference/population_splits.csv``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from totalplace_lib.core import reference
from totalplace_lib.core.schema import ENGLAND_CODE
from totalplace_lib.ingest import vintage

ALL_AGES = (0, 90)
UNIONS = ("county", "combined authority")
"""Tiers of current authority that are unions of current districts and unitaries."""


@dataclass(frozen=True)
class Piece:
    """The part of one 2014 upper-tier authority that lies in one current authority."""

    current: str
    utla14: str
    districts: frozenset
    whole: bool
    """True if the current authority holds the 2014 authority whole (no sharing needed)."""


@dataclass
class Residents:
    """Residents of current authorities: totals by year and single-year ages for the years that have them."""

    totals: dict[str, dict[int, float]] = field(default_factory=lambda: defaultdict(dict))
    ages: dict[str, dict[int, np.ndarray]] = field(default_factory=lambda: defaultdict(dict))

    def total(self, code: str, year: int) -> tuple[float, int]:
        """Residents (persons) of a current authority in the nearest year held, and that year."""
        held = self.totals.get(code)
        if not held:
            raise KeyError(f"no residents for {code}")
        y = min(held, key=lambda h: (abs(h - year), h))
        return held[y], y

    def band(self, code: str, year: int, ages: tuple[int, int]) -> tuple[float, int, int | None]:
        """Residents aged ``ages`` (inclusive; 90 = 90 and over): the year's total times the age profile of the
        nearest year held by single year of age. Returns (persons, total's year, profile's year or None)."""
        total, y = self.total(code, year)
        if ages == ALL_AGES:
            return total, y, None
        profiles = self.ages.get(code)
        if not profiles:
            raise KeyError(f"no ages for {code}")
        py = min(profiles, key=lambda h: (abs(h - year), h))
        p = profiles[py]
        return total * float(p[ages[0]:ages[1] + 1].sum() / p.sum()), y, py


def units(current: pd.DataFrame) -> pd.DataFrame:
    """The current districts and unitaries (the units of the count on current boundaries): current authorities
    that are neither counties nor combined authorities (those are unions of them)."""
    return current[current["current"] & ~current["tier"].isin(UNIONS)]


def pieces(current: pd.DataFrame) -> dict[str, list[Piece]]:
    """2014 upper-tier authority -> its pieces in the current authorities (districts and unitaries of 2023)."""
    cur = units(current)
    whole_of = {c: d for c, d in zip(current["area_code"], current["districts14"], strict=True)}
    out: dict[str, list[Piece]] = defaultdict(list)
    for code, districts, utlas in zip(cur["area_code"], cur["districts14"], cur["utla14"], strict=True):
        for u in sorted(utlas):
            part = frozenset(districts & whole_of[u])
            out[u].append(Piece(code, u, part, part == whole_of[u]))
    return dict(out)


def residents(table: pd.DataFrame) -> Residents:
    """Residents of every current district and unitary by year, from the population table on current authorities
    (:func:`population_table`): a year's total is its total of all ages, or the sum of its single years."""
    r = Residents()
    t = table[table["area_code"] != ENGLAND_CODE]
    to = pd.to_numeric(t["age_to"], errors="coerce")
    single = t[(to.isna() | (to == t["age"])).to_numpy()]
    total = t[((t["age"] == 0) & (to == 90)).fillna(False).to_numpy()]
    for (code, year), grp in single.groupby(["area_code", "year"]):
        arr = np.zeros(91)
        np.add.at(arr, np.minimum(grp["age"].astype(int).to_numpy(), 90), grp["persons"].astype(float).to_numpy())
        r.ages[code][int(year)] = arr
        r.totals[code][int(year)] = float(arr.sum())
    for code, year, persons in zip(total["area_code"], total["year"].astype(int), total["persons"].astype(float),
                                   strict=True):
        r.totals[code].setdefault(year, persons)
    return r


def _splits() -> dict[str, tuple[int, float]]:
    """2014 code -> (mid-year, residents) from ``data/reference/population_splits.csv``."""
    return {r["area_code"]: (int(r["year"]), float(r["persons"])) for r in reference.rows("population_splits.csv")}


def part_shares(by_utla: dict[str, list[Piece]], res: Residents) -> dict[tuple[str, str], tuple[float, str]]:
    """(current, 2014 authority) -> the share of the current authority's residents in a part it holds beside
    whole 2014 authorities (Christchurch in Bournemouth, Christchurch and Poole), and how it was found.

    Raises
    ------
    ValueError
        If a current authority holding whole 2014 authorities and a part has no split for the whole ones.
    """
    holds: dict[str, list[Piece]] = defaultdict(list)
    for ps in by_utla.values():
        for p in ps:
            holds[p.current].append(p)
    splits = _splits()
    out = {}
    for code, ps in holds.items():
        parts = [p for p in ps if not p.whole]
        wholes = [p for p in ps if p.whole]
        if not parts or not wholes:
            continue
        if len(parts) > 1 or any(w.utla14 not in splits for w in wholes):
            raise ValueError(f"{code}: holds {', '.join(w.utla14 for w in wholes)} whole and parts of "
                             f"{', '.join(p.utla14 for p in parts)}; data/reference/population_splits.csv needs the "
                             "whole ones' residents in one year to find the part's")
        year = splits[wholes[0].utla14][0]
        mine, _ = res.total(code, year)
        rest = mine - sum(splits[w.utla14][1] for w in wholes)
        share = rest / mine
        how = (f"its residents less {' and '.join(f'{w.utla14}' for w in wholes)}'s, {share:.1%} of the whole at "
               f"mid-{year} (the last year ONS published them apart; data/reference/population_splits.csv), held "
               "at that share")
        out[code, parts[0].utla14] = (share, how)
    return out


def population_table(population: pd.DataFrame, district_population: pd.DataFrame, current: pd.DataFrame,
                     v: vintage.Vintage) -> pd.DataFrame:
    """The population table on current authorities: the 2014 table's rows for authorities whose code is current,
    ``district_population``'s for the rest, and the single years of age of districts that no longer exist
    (mid-2020, on 2021 codes) summed into the authority they now form."""
    cur = units(current)
    codes = set(cur["area_code"])
    holder = {d: c for c, ds in zip(cur["area_code"], cur["districts14"], strict=True) for d in ds}
    # the 2014 authorities a current one is the whole of (the same code, or a county since made a unitary)
    same_as = {u: c for c, ds in zip(cur["area_code"], cur["districts14"], strict=True)
               for u in current.loc[current["districts14"] == ds, "area_code"] if u != c or u in codes}
    same = population[population["area_code"].isin(set(same_as) | {ENGLAND_CODE})]
    same = same.assign(area_code=same["area_code"].map(lambda c: same_as.get(c, c)))
    direct = district_population[district_population["area_code"].isin(codes)].drop(columns="covers")
    older = district_population[~district_population["area_code"].isin(codes)]
    into = {c: {holder.get(d) for d in v.districts14(c)} for c in set(older["area_code"])}
    into = {c: h.pop() for c, h in into.items() if len(h) == 1 and None not in h}
    older = older[older["area_code"].isin(set(into))]
    older = older.assign(area_code=older["area_code"].map(into))
    summed = older.groupby(["area_code", "year", "age", "age_to"], as_index=False, dropna=False).agg(
        persons=("persons", "sum"), source=("source", "first"))
    summed["source"] = summed["source"] + ", summed over the districts it was formed from"
    out = pd.concat([same, direct, summed], ignore_index=True)
    out["age_to"] = pd.to_numeric(out["age_to"], errors="coerce").astype("Int64")
    single = (out["age_to"].isna() | (out["age_to"] == out["age"])).fillna(True).astype(bool)
    by_age = set(zip(out.loc[single, "area_code"], out.loc[single, "year"], strict=True))
    total = ((out["age"] == 0) & (out["age_to"] == 90)).fillna(False).astype(bool)
    keys = pd.Series(list(zip(out["area_code"], out["year"], strict=True)), index=out.index)
    dup = total & keys.map(lambda k: k in by_age).astype(bool)
    # A year held both ways (mid-2020: ages from the 2020 release, the total from the 2023 release, revised to the
    # 2021 census): the ages are scaled to the revised total, so the series has no break at 2020 and nothing counts
    # twice.
    totals = dict(zip(keys[dup], out.loc[dup, "persons"].astype(float), strict=True))
    sums = out[single].groupby(["area_code", "year"])["persons"].sum().to_dict()
    scale = keys.map(lambda k: totals[k] / sums[k] if k in totals and sums.get(k) else 1.0)
    scaled = single & (scale != 1.0)
    out.loc[scaled, "persons"] = (out.loc[scaled, "persons"].astype(float) * scale[scaled]).round().astype(int)
    out.loc[scaled, "source"] = out.loc[scaled, "source"] + (
        ", scaled to the mid-year's total as revised in the ONS mid-2023 release")
    out = out[~dup]
    return out.drop_duplicates(["area_code", "year", "age", "age_to"], keep="first").reset_index(drop=True)
