"""Where a place sits among England's authorities: the Open Innovations hex cartogram of upper-tier
authorities (``geography/uk_utla.hexjson`` in the real data folder, read in place; MIT layout, ONS codes).

Each authority is one equal hexagon, so a small city weighs as much as a county: the map shows the
pattern across places, not their areas. Authorities are matched by GSS code; a 2014 authority whose
code the 2020 layout no longer has (reorganised since) is left out of the map and counted in its note.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

from totalplace_lib.core import paths
from totalplace_lib.core.gaps import Missing

HEX_FILE = ("geography", "uk_utla.hexjson")
HEX_CURRENT = ("geography", "uk_lad_2023.hexjson")
"""The 2023 districts and unitaries, for datasets on current boundaries."""


@lru_cache(maxsize=1)
def _read(path: str) -> pd.DataFrame:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    rows = [{"area_code": code, "name": h.get("n") or h.get("name", code), "q": int(h["q"]), "r": int(h["r"])}
            for code, h in data["hexes"].items() if code.startswith("E")]
    out = pd.DataFrame(rows)
    out.attrs["layout"] = data.get("layout", "odd-r")
    return out


def hex_layout(current: bool = False) -> pd.DataFrame:
    """England's upper-tier authorities as hexes (``current``: the 2023 districts and unitaries): area_code,
    name, q (column), r (row); attrs['layout'].

    A :class:`~totalplace_lib.gaps.Missing` if the real data folder (``../shared/data/real`` or
    ``TOTALPLACE_REAL_DATA``) does not hold the layout.
    """
    file = HEX_CURRENT if current else HEX_FILE
    path = paths.real_data_dir().joinpath(*file)
    if not path.exists():
        return Missing(f"the hex map of England's authorities is read from {'/'.join(file)} in the real data "
                       f"folder ({paths.real_data_dir()}), which is not present here.")
    return _read(str(path)).copy()


def hex_centres(layout: pd.DataFrame) -> pd.DataFrame:
    """Hex centres in plot units (pointy-top hexagons of radius 1; odd-r: odd rows shifted right)."""
    odd = layout.attrs.get("layout", "odd-r") == "odd-r"
    shift = (layout["r"] % 2 == (1 if odd else 0)) * 0.5
    return layout.assign(x=(layout["q"] + shift) * 3 ** 0.5, y=layout["r"] * 1.5)


BOUNDARIES = ("geography", "uk_la_boundaries_2014_2023.topo.json")
"""ONS's super-generalised boundaries of every authority, 2014-2023 (TopoJSON, each feature with its years)."""


@lru_cache(maxsize=1)
def _topology(path: str) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _arcs(path: str) -> list:
    """The topology's arcs as (n, 2) arrays of longitude and latitude (quantised, delta-encoded arcs decoded)."""
    import numpy as np

    t = _topology(path)
    scale, shift = np.array(t["transform"]["scale"]), np.array(t["transform"]["translate"])
    return [np.cumsum(np.array(a, dtype=float), axis=0) * scale + shift for a in t["arcs"]]


def _ring(arcs: list, indices: list[int]):
    import numpy as np

    parts = [arcs[i] if i >= 0 else arcs[~i][::-1] for i in indices]
    return np.concatenate([parts[0], *(p[1:] for p in parts[1:])]) if parts else np.zeros((0, 2))


def boundaries(layer: str = "ltla", year: int = 2023) -> pd.DataFrame | Missing:
    """Authorities' boundaries in force in ``year``: one row per English authority of ``layer`` (``ltla``: districts
    and unitaries, ``utla``: the upper tier), with ``area_code``, ``name`` and ``rings`` (a list of (n, 2) arrays of
    longitude and latitude, outer rings and holes alike); a :class:`Missing` if the file is not here."""
    path = paths.real_data_dir().joinpath(*BOUNDARIES)
    if not path.exists():
        return Missing(f"the boundary map is drawn from {'/'.join(BOUNDARIES)} in the real data folder "
                       f"({paths.real_data_dir()}), which is not present here.")
    t, arcs = _topology(str(path)), _arcs(str(path))
    rows = []
    for g in t["objects"][layer]["geometries"]:
        p = g.get("properties", {})
        if not str(p.get("areacd", "")).startswith("E") or not p.get("start", 0) <= year <= p.get("end", 9999):
            continue
        polygons = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]] if g["type"] == "Polygon" else []
        rows.append({"area_code": p["areacd"], "name": p.get("areanm", p["areacd"]),
                     "rings": [_ring(arcs, ring) for poly in polygons for ring in poly]})
    return pd.DataFrame(rows)
