"""Rates published only for districts, kept on their own codes with the population that weights them.

The ONS Health Index is published for the 2021 lower-tier authorities. A rate is never summed, so the
2014 upper-tier tables keep it only where a district is a whole authority (a unitary, a metropolitan or
London borough). This stage keeps every such value on its own code as well, with:

* ``weight``: the district's resident population (all ages) of ``weight_year`` -- the mid-2020 estimates on
  2021 codes, the year the Health Index's districts are drawn for;
* ``covers``: the 2014 upper-tier authorities the district lies in, ``+``-joined (Bournemouth, Christchurch
  and Poole covers parts of Bournemouth, Poole and Dorset).

A place whose authorities are exactly a set of whole districts (a county from its districts; Dorset, Poole &
Bournemouth from BCP and Dorset 2019; England from all of them) can then be given the population-weighted
mean, an *estimate* that the reports name as one (:mod:`totalplace_lib.methods.district_values`).
"""

from __future__ import annotations

import logging
from collections import defaultdict

import pandas as pd

from totalplace_lib.ingest import vintage
from totalplace_lib.ingest.readers import Read

logger = logging.getLogger(__name__)

TABLE = "district_indicators"
POPULATION = "district_population"
POP_COLUMNS = ("area_code", "year", "age", "age_to", "persons", "source", "covers")
POP_FAMILIES = ("ONS mid-year estimates (CSV)", "ONS mid-year estimates (workbook)")
COLUMNS = ("area_code", "indicator", "period", "value", "unit", "source", "weight", "weight_year", "covers")
WEIGHT_FAMILY = "ONS mid-year estimates (CSV)"
RATE_FAMILY = "ONS Health Index"


def values_of(read: Read) -> list[dict]:
    """A Health Index file's indicator rows on their own (2021 district) codes, before codes are mapped."""
    return [{k: r.get(k) for k in ("area_code", "indicator", "period", "value", "unit", "source")}
            for r in read.rows.get("indicators", [])]


def add_weights(read: Read, weights: dict[tuple[str, int], float]) -> None:
    """Add a single-year-of-age file's residents (all ages) by (code, year); a code-year already held from an
    earlier file is kept, so two files never add up the same people."""
    mine: dict[tuple[str, int], float] = defaultdict(float)
    for r in read.rows.get("population", []):
        mine[(r["area_code"], int(r["year"]))] += float(r["persons"])
    for key, persons in mine.items():
        weights.setdefault(key, persons)


def keep_population(read: Read, v: vintage.Vintage, kept: list[dict]) -> None:
    """Keep a population file's rows for the authorities the 2014 geography cannot hold whole (Bournemouth,
    Christchurch and Poole and Dorset since 2019; the districts of later unitaries), on their own codes, so a
    place made of whole districts still has residents (:mod:`totalplace_lib.methods.district_values`)."""
    for r in read.rows.get("population", []):
        t = v.target(r["area_code"])
        if t.code is None or not t.whole:
            utlas = v.upper_tier_of(r["area_code"])
            if utlas:
                kept.append({"area_code": r["area_code"], "year": int(r["year"]), "age": int(r["age"]),
                             "age_to": r.get("age_to"), "persons": r["persons"], "source": r["source"],
                             "covers": "+".join(sorted(utlas))})


def population_table(kept: list[dict]) -> pd.DataFrame:
    """The ``district_population`` table: the first file's row for each code, year and age band."""
    df = pd.DataFrame(kept, columns=list(POP_COLUMNS))
    df["age_to"] = df["age_to"].astype("Int64")
    return df.drop_duplicates(["area_code", "year", "age", "age_to"], keep="first")


def build(values: list[dict], weights: dict[tuple[str, int], float], v: vintage.Vintage,
          weight_year: int = 2020) -> tuple[pd.DataFrame, dict]:
    """The ``district_indicators`` table and a manifest note (codes left out, and why).

    Parameters
    ----------
    values : list of dict
        Rows from :func:`values_of`.
    weights : dict
        Residents by (code, mid-year) from :func:`add_weights`.
    weight_year : int
        Mid-year whose residents weight each district (the nearest year held for a code otherwise).
    """
    if not values:
        return pd.DataFrame(columns=list(COLUMNS)), {"rows": 0}
    years_of: dict[str, list[int]] = defaultdict(list)
    for code, year in weights:
        years_of[code].append(year)
    chosen: dict[str, tuple[float, int] | None] = {}
    covers: dict[str, str] = {}
    left_out: dict[str, str] = {}
    for code in {r["area_code"] for r in values}:
        held = sorted(years_of.get(code, []), key=lambda y: (abs(y - weight_year), y))
        chosen[code] = (weights[(code, held[0])], held[0]) if held else None
        utlas = v.upper_tier_of(code)
        covers[code] = "+".join(sorted(utlas))
        if chosen[code] is None:
            left_out[code] = "no resident population for this code in any file read"
        elif not utlas:
            left_out[code] = "not an English local authority of 2014-2023"
    rows = [{**r, "weight": chosen[r["area_code"]][0], "weight_year": chosen[r["area_code"]][1],
             "covers": covers[r["area_code"]]} for r in values if r["area_code"] not in left_out]
    for code, why in sorted(left_out.items()):
        logger.warning("district values for %s left out: %s", code, why)
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    df = df.drop_duplicates(["area_code", "indicator", "period"], keep="first")  # two files, one value: the first
    return df, {"rows": len(df), "districts": int(df["area_code"].nunique()), "weight_year": weight_year,
                "left_out": left_out}
