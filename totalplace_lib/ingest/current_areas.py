"""Places as people know them today: every current authority, with the 2014 authorities and districts it is made
of, so a place on current boundaries can be counted wherever it is a whole of the 2014 geography.

The count is held for the 2014 upper-tier authorities (:mod:`.vintage`). A current authority is written with the
2014 districts it covers (``districts14``) and the 2014 upper-tier authorities they lie in (``utla14``); the
2014 authorities themselves are written too, with their districts. A place (one code, or several joined by ``+``)
is a whole of the 2014 geography when its districts are all the districts of the 2014 authorities they lie in:
Buckinghamshire (2020) is the 2014 county, North Yorkshire (2023) the 2014 county, Cumberland with Westmorland
and Furness is Cumbria, Bournemouth, Christchurch and Poole with Dorset (2019) is the pilot Dorset, Poole &
Bournemouth (:func:`totalplace_lib.data.places.code_place`).

Current districts and unitaries come from the Open Innovations hex layout of 2023 districts (ONS codes and
names); current counties are the 2014 counties the change log does not end.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd

from totalplace_lib.ingest import vintage

TABLE = "current_areas"
HEX_2023 = ("geography", "uk_lad_2023.hexjson")
CHANGES = ("geography", "la_changes_2014_2023.csv")
TIERS = {"E06": "unitary", "E07": "district", "E08": "metropolitan borough", "E09": "London borough",
         "E10": "county"}


def _log(real: Path) -> list[dict]:
    """The change log's rows (read once for the table), in the order of their start year."""
    with open(real.joinpath(*CHANGES), encoding="utf-8-sig", newline="") as fh:
        return sorted(csv.DictReader(fh), key=lambda r: r["start"])


def _changes(log: list[dict]) -> dict[str, str]:
    """Code -> what the change log says made it (``2023: Allerdale, Carlisle and Copeland merged``)."""
    made: dict[str, dict] = {}
    for r in log:
        if r["type"] in ("merger", "new_code") and r["newcd"].startswith("E0"):
            m = made.setdefault(r["newcd"], {"year": r["start"], "type": r["type"], "old": []})
            m["old"].append(r["oldnm"])
    out = {}
    for code, m in made.items():
        olds = m["old"]
        listed = ", ".join(olds[:-1]) + f" and {olds[-1]}" if len(olds) > 1 else olds[0]
        out[code] = (f"April {m['year']}: formed from {listed}" if m["type"] == "merger" else
                     f"April {m['year']}: new code for {listed} (boundary change)")
    return out


def _ended(log: list[dict]) -> set[str]:
    """2014 codes the change log ends (terminated counties, merged districts and unitaries)."""
    return {r["oldcd"] for r in log if r["type"] in ("termination", "merger")}


def build(v: vintage.Vintage, real: Path) -> pd.DataFrame:
    """The ``current_areas`` table: current authorities and 2014 upper-tier authorities, with their 2014 districts.

    Returns
    -------
    DataFrame
        ``area_code``, ``area_name``, ``tier``, ``region``, ``current`` (exists in 2023), ``districts14`` and
        ``utla14`` (``+``-joined 2014 codes), ``districts14_names`` and ``change`` (what the change log says made
        it, if anything); empty if the hex layout of 2023 districts is not in ``real``.
    """
    path = real.joinpath(*HEX_2023)
    if not path.exists():
        return pd.DataFrame(columns=["area_code", "area_name", "tier", "region", "current", "districts14", "utla14",
                                     "districts14_names", "change"])
    hexes = json.loads(path.read_text(encoding="utf-8"))["hexes"]
    log = _log(real)
    ended, changes = _ended(log), _changes(log)
    rows = []

    def add(code: str, name: str, tier: str, current: bool, members: set[str] | None = None) -> None:
        members = sorted(v.districts14(code) if members is None else members)
        utlas = sorted({v.county_of[m] for m in members})
        if not members or not utlas:
            return
        rows.append({"area_code": code, "area_name": name, "tier": tier,
                     "region": v.regions.get(utlas[0], ""), "current": current,
                     "districts14": "+".join(members), "utla14": "+".join(utlas),
                     "districts14_names": "; ".join(v.names.get(m, m) for m in members),
                     "change": changes.get(code, "")})

    for code in sorted(v.upper_tier):  # the 2014 upper tier, current unless the change log ends it
        add(code, v.names[code], TIERS.get(code[:3], "authority"), code not in ended)
    seen = {r["area_code"] for r in rows}
    for code, h in sorted(hexes.items()):  # current districts and unitaries (2023)
        if code.startswith("E") and code not in seen:
            add(code, h.get("n", code), TIERS.get(code[:3], "authority"), True)
    for code, (name, members, year) in sorted(_combined(v, real, log).items()):  # named unions of authorities
        add(code, name, COMBINED, True, members)
        rows[-1]["change"] = f"combined authority{f' since {year}' if year else ''}, {len(members)} 2014 districts"
    return pd.DataFrame(rows)


COMBINED = "combined authority"


def _combined(v: vintage.Vintage, real: Path, log: list[dict]) -> dict[str, tuple[str, set[str], str]]:
    """Combined authorities (``E47``) -> (name, their 2014 districts, since when): the 2014 lookup's, then the change
    log's new ones and mergers (the North East of 2024 is North of Tyne and the 2018 North East together)."""
    out: dict[str, tuple[str, set[str], str]] = {}
    with open(real / "geography" / "ltla14_lookup.csv", encoding="utf-8-sig", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["ltlacd"].startswith("E") and r.get("cauthcd", "").startswith("E47"):
                name, members, year = out.get(r["cauthcd"], (r["cauthnm"], set(), ""))
                out[r["cauthcd"]] = (name, members | {r["ltlacd"]}, year)
    ended = set()
    for r in log:
        if not r["newcd"].startswith("E47") or r["type"] not in ("new_geo", "merger"):
            continue
        name, members, _ = out.get(r["newcd"], (r["newnm"], set(), r["start"]))
        if r["oldcd"].startswith("E47"):  # a merger of combined authorities
            members = members | out.get(r["oldcd"], ("", set(), ""))[1]
            ended.add(r["oldcd"])
        else:
            members = members | v.districts14(r["oldcd"])
        out[r["newcd"]] = (r["newnm"], members, r["start"])
    later = set().union(*(m for c, (_, m, y) in out.items() if y and c not in ended))
    superseded = {c for c, (_, m, y) in out.items() if not y and m <= later}  # the lookup's North East of 2014
    return {c: x for c, x in out.items() if c not in ended | superseded and x[1]}
