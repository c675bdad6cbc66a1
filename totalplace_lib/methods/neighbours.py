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
    out = pd.DataFrame(index=pd.Index(codes, name="area_code"))
    out["log population"] = np.log(total.reindex(codes))
    out["share aged 0-17"] = (kids / total).reindex(codes)
    out["share aged 65+"] = (old / total).reindex(codes)
    out["IMD average score"] = imd.reindex(codes)
    return out


@lru_cache(maxsize=4)
def _distances(feats: tuple) -> pd.DataFrame:
    """Distance matrix of a features table given as (codes, rows) tuples, so it can be cached."""
    f = pd.DataFrame(list(feats[1]), index=list(feats[0]), columns=list(FEATURES))
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
        return _distances((tuple(f.index), tuple(map(tuple, f.to_numpy()))))

    return remembered(ds, ("distances",), make)


def nearest(ds: Dataset, codes: tuple[str, ...], k: int = K) -> pd.DataFrame:
    """The ``k`` authorities nearest to a place (for several authorities: the mean distance to them).

    Returns
    -------
    DataFrame
        area_code, area_name, distance (standardised units), closest first; the place's own
        authorities are excluded.
    """
    d = distances(ds)
    own = [c for c in codes if c in d.index]
    if not own:
        return pd.DataFrame(columns=["area_code", "area_name", "distance"])
    dist = d.loc[own].mean(axis=0).drop(labels=own).dropna().sort_values()
    names = ds.areas.set_index("area_code")["area_name"]
    out = pd.DataFrame({"area_code": dist.index[:k], "distance": dist.to_numpy()[:k]})
    out.insert(1, "area_name", names.reindex(out["area_code"]).to_numpy())
    return out
