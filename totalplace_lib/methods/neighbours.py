"""Nearest statistical neighbours of an authority, from real indicators.

Method (documented in ``docs/public-data.md``): each English upper-tier authority is described
by four features from the public files: size (log of the mid-2020 resident population), age
structure (shares aged 0-17 and 65 and over, mid-2020) and deprivation (IMD 2019 average
score). Each feature is standardised to z-scores across authorities; the distance between two
authorities is the root mean square difference over the features both have (so an authority
missing one feature, e.g. after a boundary change, is still compared on the rest); the
neighbours are the ``k`` closest. This mirrors the idea of CIPFA's nearest-neighbour model with
open inputs; it is not CIPFA's model.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import numpy as np
import pandas as pd

from totalplace_lib.core.schema import ENGLAND_CODE
from totalplace_lib.data.datasets import Dataset, remembered

logger = logging.getLogger(__name__)

K = 5
FEATURE_YEAR = 2020
IMD = ("IMD average score", "2019")
FEATURES = ("log population", "share aged 0-17", "share aged 65+", "IMD average score")


def features(ds: Dataset) -> pd.DataFrame:
    """One row per authority: the four features (NaN where the public files lack one)."""
    p = ds.population[(ds.population["year"] == FEATURE_YEAR)]
    if "age_to" in p.columns:
        p = p[p["age_to"].isna() | (p["age_to"] == p["age"])]
    total = p.groupby("area_code")["persons"].sum()
    kids = p[p["age"] <= 17].groupby("area_code")["persons"].sum()
    old = p[p["age"] >= 65].groupby("area_code")["persons"].sum()
    ind = ds.indicators
    imd = ind[(ind["indicator"] == IMD[0]) & (ind["period"] == IMD[1])].set_index("area_code")["value"]
    codes = [c for c in ds.areas["area_code"] if c != ENGLAND_CODE]
    together = unions(ds)
    for union, members in together.items():  # current counties: the sum of their districts
        codes.append(union)
        for t in (total, kids, old):
            t[union] = t.reindex(list(members)).sum()
    out = pd.DataFrame(index=pd.Index(codes, name="area_code"))
    out["log population"] = np.log(total.reindex(codes))
    out["share aged 0-17"] = (kids / total).reindex(codes)
    out["share aged 65+"] = (old / total).reindex(codes)
    out["IMD average score"] = imd.reindex(codes)
    if together:  # districts have no IMD summary here: their deprivation is the Health Index's child poverty
        out[DISTRICT_DEPRIVATION] = _child_poverty(ds).reindex(codes)
    return out


DISTRICT_DEPRIVATION = "child poverty (Health Index, districts)"


def _child_poverty(ds: Dataset) -> pd.Series:
    """Districts' latest Health Index child poverty value (current codes), for comparing districts on current
    boundaries (IMD 2019 is held for the upper tier only)."""
    from totalplace_lib.methods import district_values

    t = district_values.table(ds)
    t = t[t["indicator"] == "Health Index: Child poverty"]
    if t.empty:
        return pd.Series(dtype=float)
    t = t[t["period"] == max(t["period"])]
    return t[t["area_code"].str.startswith("E07")].set_index("area_code")["value"].astype(float)


@lru_cache(maxsize=4)
def _distances(feats: tuple) -> pd.DataFrame:
    """Distance matrix of a features table given as (codes, rows, columns) tuples, so it can be cached."""
    f = pd.DataFrame(list(feats[1]), index=list(feats[0]), columns=list(feats[2]))
    z = (f - f.mean()) / f.std(ddof=0)
    a = z.to_numpy()
    diff = a[:, None, :] - a[None, :, :]
    both = ~np.isnan(diff)
    sq = np.where(both, diff ** 2, 0.0).sum(axis=2)
    n = both.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.sqrt(sq / n)
    return pd.DataFrame(d, index=f.index, columns=f.index)


def distances(ds: Dataset) -> pd.DataFrame:
    """Authority x authority distance matrix (standardised feature units)."""
    def make() -> pd.DataFrame:
        f = features(ds)
        return _distances((tuple(f.index), tuple(map(tuple, f.to_numpy())), tuple(f.columns)))

    return remembered(ds, ("distances",), make)


def unions(ds: Dataset) -> dict[str, tuple[str, ...]]:
    """On a dataset on current boundaries: each current county (code) -> its districts; {} otherwise."""
    from totalplace_lib.data.places import current_areas, is_current

    def make() -> dict[str, tuple[str, ...]]:
        cur = current_areas(ds.name) if is_current(ds.name) else None
        if cur is None:
            return {}
        units = set(ds.areas["area_code"])
        out = {}
        for code in cur.index[cur["current"] & (cur["tier"] == "county")]:
            whole = cur.loc[code, "districts14"]
            out[code] = tuple(sorted(c for c in units if c in cur.index and cur.loc[c, "districts14"] <= whole))
        return out
    return remembered(ds, ("county unions",), make)  # asked several times a report: worked out once


KINDS = {"E07": "district", "E06": "upper tier", "E08": "upper tier", "E09": "upper tier", "E10": "upper tier"}
"""Which authorities compare with which on current boundaries: districts with districts; unitaries, metropolitan
and London boroughs and counties (a county as the sum of its districts) with one another."""


def _kind(codes: tuple[str, ...], together: dict[str, tuple[str, ...]]) -> tuple[str, str | None]:
    """(kind, the code standing for the place) on a dataset on current boundaries (``together``: :func:`unions`):
    a county's districts stand as the county; any other union of several authorities compares with the upper tier
    as a whole."""
    for union, members in together.items():
        if set(members) == set(codes):
            return "upper tier", union
    if len(codes) == 1:
        return KINDS.get(codes[0][:3], "upper tier"), codes[0]
    return "upper tier", None


def nearest(ds: Dataset, codes: tuple[str, ...], k: int = K) -> pd.DataFrame:
    """The ``k`` authorities nearest to a place (for several authorities: the mean distance to them).

    On a dataset on current boundaries, among authorities of the same kind (:data:`KINDS`): a district's
    neighbours are districts, a unitary's or county's the upper tier (counties as the sum of their districts).

    Returns
    -------
    DataFrame
        area_code, area_name, distance (standardised units), closest first; the place's own
        authorities are excluded.
    """
    d = distances(ds)
    together = unions(ds)
    if together:
        kind, stands = _kind(codes, together)
        same = [c for c in d.index if KINDS.get(c[:3], "upper tier") == kind]
        if stands is not None and stands in d.index:
            own = [stands]
        else:  # a union of authorities: the mean distance from its members, among the upper tier
            own = [c for c in codes if c in d.index]
        mine = {*own, *codes, *together.get(stands or "", ())}
        if not own:
            return pd.DataFrame(columns=["area_code", "area_name", "distance"])
        dist = d.loc[own, same].mean(axis=0).drop(labels=[c for c in same if c in mine]).dropna().sort_values()
    else:
        own = [c for c in codes if c in d.index]
        if not own:
            return pd.DataFrame(columns=["area_code", "area_name", "distance"])
        dist = d.loc[own].mean(axis=0).drop(labels=own).dropna().sort_values()
    names = ds.areas.set_index("area_code")["area_name"]
    if together:
        from totalplace_lib.data.places import current_areas

        names = pd.concat([names, current_areas(ds.name)["area_name"]])
        names = names[~names.index.duplicated()]
    out = pd.DataFrame({"area_code": dist.index[:k], "distance": dist.to_numpy()[:k]})
    out.insert(1, "area_name", names.reindex(out["area_code"]).to_numpy())
    return out
