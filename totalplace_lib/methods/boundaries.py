"""What a place on current boundaries is made of, and how its years before a reorganisation are built.

On a dataset on current boundaries (``public-current``, :mod:`totalplace_lib.ingest.current_count`) each current
district or unitary is a union of whole 2014 districts. Its lines, every year 2009/10 on, are those of the 2014
upper-tier authorities it holds whole, plus its share of any it holds in part: district councils' own accounts as
reported, and the county council's and every other body's lines shared by residents. This module sets that out
for a report: one row per current authority and 2014 authority it draws on, with the change that made it.
"""

from __future__ import annotations

import pandas as pd

from totalplace_lib.core.gaps import Missing
from totalplace_lib.data.datasets import Dataset
from totalplace_lib.data.places import Place, current_areas, is_current

SHARED = ("its districts' own accounts as reported; the county council's accounts (the line less its districts') and "
          "every other body's lines shared by residents, in the age group each line's own driver names")
WHOLE = "held whole: its lines as the 2014 count has them"


def makeup(ds: Dataset, place: Place) -> pd.DataFrame | Missing:
    """One row per current authority of the place and 2014 upper-tier authority it draws on.

    Returns
    -------
    DataFrame
        ``authority``, ``formed`` (the change log's words, or "unchanged since 2014"), ``from_2014`` (the 2014
        authority), ``held`` (whole / part), ``districts_2014`` (the 2014 districts in it) and ``how``; a
        :class:`Missing` on a dataset of 2014 authorities (nothing is shared) or without the table.
    """
    if not is_current(ds.name):
        return Missing(f"{place.name} is made of whole 2014 upper-tier authorities, which the count holds as they "
                       "are: no line is shared below one (places on current boundaries read dataset "
                       "'public-current').")
    cur = current_areas(ds.name)
    if cur is None:
        return Missing(f"dataset '{ds.name}' has no table of current authorities (current_areas.csv).")
    rows = []
    for code in place.area_codes:
        if code not in cur.index:
            continue
        r = cur.loc[code]
        for u in sorted(r["utla14"]):
            whole = cur.loc[u, "districts14"] if u in cur.index else frozenset()
            part = r["districts14"] & whole
            names = dict(zip(sorted(r["districts14"]), str(r.get("districts14_names", "")).split("; "), strict=False))
            rows.append({"authority": f"{r['area_name']} ({code})",
                         "formed": r.get("change") or "unchanged since 2014",
                         "from_2014": f"{cur.loc[u, 'area_name']} ({u})" if u in cur.index else u,
                         "held": "whole" if part == whole else f"part ({len(part)} of its {len(whole)} districts)",
                         "districts_2014": ", ".join(names.get(d, d) for d in sorted(part)) if part != {u} else "",
                         "how": WHOLE if part == whole else SHARED})
    return pd.DataFrame(rows)


def changes_note(ds: Dataset, place: Place) -> str:
    """Plain English: each reorganisation inside the place and how its years before it are built ('' if none)."""
    m = makeup(ds, place)
    if isinstance(m, Missing) or m.empty:
        return ""
    out = []
    for authority, grp in m.groupby("authority", sort=False):
        formed = grp["formed"].iloc[0]
        parts = grp[grp["held"] != "whole"]
        wholes = grp[grp["held"] == "whole"]
        bits = []
        if len(wholes):
            bits.append(f"the whole of {', '.join(wholes['from_2014'])}")
        for _, p in parts.iterrows():
            bits.append(f"the part of {p['from_2014']} that is {p['districts_2014']}")
        series = "; ".join(bits)
        head = f"**{authority}**: {formed}." if formed != "unchanged since 2014" else f"**{authority}**: unchanged."
        out.append(f"{head} Every year of its series, 2009/10 on, is {series} in the 2014 count"
                   + (f" (a part's lines: {SHARED})" if len(parts) else "") + ".")
    return "\n\n".join(out)


def partly_held(ds: Dataset, codes: tuple[str, ...]) -> list[str]:
    """The 2014 upper-tier authorities a place on current boundaries holds only part of, as "Name (code)" in code
    order: what is published only for them cannot be its own ([] on a dataset of 2014 authorities, or for a place
    that holds each whole, such as a county's districts together)."""
    cur = current_areas(ds.name) if is_current(ds.name) else None
    if cur is None:
        return []
    mine = frozenset().union(*(cur.loc[c, "districts14"] for c in codes if c in cur.index))
    touched = sorted({u for c in codes if c in cur.index for u in cur.loc[c, "utla14"] if u in cur.index})
    return [f"{cur.loc[u, 'area_name']} ({u})" for u in touched if not cur.loc[u, "districts14"] <= mine]
