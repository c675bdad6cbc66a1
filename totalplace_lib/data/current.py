"""Authorities on current boundaries, by code and by name: the table ingest writes of every current (2023) district,
unitary, county and combined authority and every 2014 upper-tier authority, with the 2014 districts each covers
(``current_areas.csv``, :mod:`totalplace_lib.ingest.current_areas`), and which datasets are on current boundaries.

Places are built from these in :mod:`totalplace_lib.data.places`.
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from typing import TYPE_CHECKING

from totalplace_lib.core import paths
from totalplace_lib.core.errors import ParamsError

if TYPE_CHECKING:
    import pandas as pd

CURRENT = "-current"
"""A public dataset's companion on current boundaries (districts and unitaries of 2023) is ``<name>-current``,
written by ingest beside it (:mod:`totalplace_lib.ingest.current_count`)."""


def is_current(dataset: str) -> bool:
    """True for a dataset on current boundaries (``public-current``, ``public-current+<local>``)."""
    return dataset.split("+", 1)[0].endswith(CURRENT)


def current_of(dataset: str) -> str:
    """The companion on current boundaries of a public dataset (``public`` -> ``public-current``, ``public+mine``
    -> ``public-current+mine``); a current dataset is its own."""
    if is_current(dataset):
        return dataset
    base, _, local = dataset.partition("+")
    return f"{base}{CURRENT}" + (f"+{local}" if local else "")


def current_areas(dataset: str) -> pd.DataFrame | None:
    """A public dataset's current and 2014 authorities with their 2014 districts (``current_areas.csv``, written
    by :mod:`totalplace_lib.ingest.current_areas`), indexed by code; None if the dataset has none."""
    path = paths.data_dir(dataset) / "current_areas.csv"
    if dataset.split("+", 1)[0] == "sample" or not path.exists():
        return None
    return _read_current(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _read_current(path: str, mtime_ns: int) -> pd.DataFrame:
    import pandas as pd

    t = pd.read_csv(path, dtype=str, keep_default_na=False)
    t["current"] = t["current"].str.lower() == "true"
    for col in ("districts14", "utla14"):
        t[col] = t[col].str.split("+").map(frozenset)
    return t.set_index("area_code", drop=False)


def codes_for_names(area: str, dataset: str) -> str:
    """GSS codes (``+``-joined) of places given by name (``Cumberland``, ``Burnley+Pendle``): current authorities
    first, then 2014 ones.

    Raises
    ------
    ParamsError
        Naming the name no authority has, with the authorities whose names are closest.
    """
    current = current_areas(dataset)
    if current is None:
        raise ParamsError(f"'{area}' is not a params file, and dataset '{dataset}' has no table of authorities "
                          "by name (run 'totalplace ingest' again)", column="area")
    ordered = current.sort_values("current", ascending=False, kind="stable")
    by_name: dict[str, str] = {}
    for code, name in zip(ordered["area_code"], ordered["area_name"], strict=True):
        by_name.setdefault(name.lower(), code)
    out = []
    for piece in (p.strip() for p in area.split("+")):
        code = by_name.get(piece.lower())
        if code is None:
            close = difflib.get_close_matches(piece.lower(), list(by_name), n=3, cutoff=0.6)
            hint = "; ".join(f"{current.loc[by_name[c], 'area_name']} ({by_name[c]}, "
                             f"{current.loc[by_name[c], 'tier']}, {current.loc[by_name[c], 'region']})"
                             for c in close)
            raise ParamsError(f"no params file or English authority is called '{piece}'"
                              + (f"; did you mean {hint}?" if hint else ""), column="area")
        out.append(code)
    return "+".join(out)
