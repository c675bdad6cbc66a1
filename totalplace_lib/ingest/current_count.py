"""The count on current boundaries: every line of the 2014 count shared down to today's districts and unitaries.

The count (:mod:`.count`) is held for the 2014 upper-tier authorities, every year 2009/10 on. Today's local
authorities (2023 districts and unitaries) are unions of whole 2014 districts, so each lies in one 2014
upper-tier authority or holds several whole (Bournemouth, Christchurch and Poole holds Bournemouth and Poole
whole, and Christchurch, the part of Dorset's 2014 county that joined them). Each 2014 authority is cut into
*pieces*, its part in each current authority, and each of its lines is shared among its pieces:

- **A council's own accounts stay its own.** A county area's council line is its county council's figure plus
  its districts' (:func:`.own_accounts._merge_council_lines`); each district's own figure for the service
  (Revenue Outturn, ``body_outturn``) goes to its piece as ``reported``, and the rest (the county council's)
  is shared among the pieces by residents (``apportioned``). A line that is one council's alone (a new
  unitary's accounts shared among the 2014 areas it covers, or a council's return carried forward) goes
  whole to that council's piece, as does the rest of a county area's council line that merged such a share
  beside councils' own accounts where no county council reported (BCP's share of Dorset's 2014 county since
  2019: BCP and Dorset each hold their own council's accounts).
- **Every other line** (police, fire, NHS, central government's regional shares) is shared among the pieces
  by the residents the line's own driver names (children 0-17, people aged 65 and over...; residents of all
  ages otherwise), as ``apportioned`` with the driver written on the line.

Shares are exact in pence (largest remainder), so every 2014 authority is the sum of its pieces to the penny:
each current county equals the sum of its districts, and each region the sum of its authorities, as in the
2014 count. Years before a reorganisation are therefore built from the predecessors by the same rule: a
current authority's line in 2009/10 is its predecessor districts' own accounts plus their share of the county.

Pieces and their residents: :mod:`.current_pieces`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from totalplace_lib.core import reference
from totalplace_lib.core.basis import COUNTY_SHARE, part_suffix
from totalplace_lib.core.money import split_pence, split_pence_rows
from totalplace_lib.core.schema import ENGLAND_CODE
from totalplace_lib.ingest import vintage
from totalplace_lib.ingest.count_model import Classification
from totalplace_lib.ingest.current_pieces import (
    ALL_AGES,
    Piece,
    Residents,
    part_shares,
    pieces,
    population_table,
    residents,
    units,
)

logger = logging.getLogger(__name__)

SUFFIX = "-current"
"""A public dataset's companion on current boundaries is written beside it as ``<name>-current``."""
KEY = ["area_code", "year", "theme", "agency", "service", "spend_type"]


def _bands() -> list[tuple[str, tuple[int, int]]]:
    """Driver descriptions (longest first) with their ages: a line's driver text starts with one of them."""
    rows = reference.rows("apportionment_drivers.csv")
    bands = [(r["description"], (int(r["age_from"]), int(r["age_to"]))) for r in rows if r["weighting"] == ""]
    return sorted(bands, key=lambda b: -len(b[0]))


def band_of(driver: str, bands: list[tuple[str, tuple[int, int]]]) -> tuple[str, tuple[int, int]]:
    """The residents a line's own driver names (its description and ages); all ages if it names none."""
    for desc, ages in bands:
        if driver.startswith(desc):
            return desc, ages
    return "resident population of all ages", ALL_AGES


@dataclass
class Sharer:
    """Shares 2014 authorities' lines among their pieces, exactly in pence."""

    by_utla: dict[str, list[Piece]]
    res: Residents
    parts: dict[tuple[str, str], tuple[float, str]]
    names: dict[str, str]
    _cache: dict = field(default_factory=dict)

    def weights(self, utla: str, year: int, ages: tuple[int, int]) -> tuple[np.ndarray, str]:
        """Residents of each piece of a 2014 authority (in ``ages``) for a year, and the driver's words."""
        key = (utla, year, ages)
        if key not in self._cache:
            w, years, pyears, notes = [], set(), set(), []
            for p in self.by_utla[utla]:
                persons, y, py = self.res.band(p.current, year, ages)
                if (p.current, utla) in self.parts:
                    share, how = self.parts[p.current, utla]
                    persons *= share
                    notes.append(f"{self.names.get(p.current, p.current)}'s part: {how}")
                w.append(persons)
                years.add(y)
                if py is not None:
                    pyears.add(py)
            when = "/".join(f"mid-{y}" for y in sorted(years))
            if pyears:
                when += f" (ages as at {'/'.join(f'mid-{y}' for y in sorted(pyears))})"
            self._cache[key] = (np.array(w), when + (f"; {'; '.join(notes)}" if notes else ""))
        return self._cache[key]


def _pence(x) -> np.ndarray:
    return np.round(np.asarray(x, dtype=float) * 100).astype(np.int64)


def body_pieces(body: pd.DataFrame, by_utla: dict[str, list[Piece]], v: vintage.Vintage
                ) -> dict[tuple, tuple[str, bool]]:
    """(2014 authority, body name) -> (the current authority whose piece holds the body's part of it, whether the
    body lies wholly inside the 2014 authority): a district council, or a unitary made since 2014, in a 2014
    authority shared among several (Bournemouth, Christchurch and Poole's part of Dorset's 2014 county is
    Christchurch; Dorset's 2019 council lies wholly inside it)."""
    out = {}
    for code, name in body[["ons_code", "name"]].drop_duplicates().itertuples(index=False, name=None):
        covered = v.districts14(code) if code else set()
        if not covered:
            continue
        for u, ps in by_utla.items():
            if len(ps) < 2:
                continue
            everything = set().union(*(p.districts for p in ps))
            mine = covered & everything  # a body across 2014 authorities (BCP) counts for its part in each
            inside = [p for p in ps if mine and mine <= p.districts]
            if len(inside) == 1 and mine != everything:
                out[u, name] = (inside[0].current, covered <= everything)
    return out


@dataclass
class Owners:
    """Whose accounts a county area's council line sums (:func:`own_parts`)."""

    own: dict[tuple, dict[str, float]]
    """(2014 authority, year, service) -> {current authority: its councils' own net spending (£, above zero)}."""
    across: dict[tuple, set[str]]
    """(2014 authority, year, service) -> the pieces of bodies across 2014 authorities with a return (BCP)."""
    counties: set[tuple[str, int]]
    """(2014 authority, year) with a return of a council over all of it (the county council)."""

    def rest_goes_to(self, key: tuple) -> str | None:
        """The piece that takes a council line's rest (beyond the councils' own inside it): the one body across
        2014 authorities with a part here, where no county council reports (BCP's share of Dorset's 2014 county
        since 2019); None where the rest is a county council's, shared by residents."""
        pieces = self.across.get(key, set())
        return next(iter(pieces)) if len(pieces) == 1 and (key[0], key[1]) not in self.counties else None


def own_parts(body: pd.DataFrame, places: dict[tuple, tuple[str, bool]], cls: Classification) -> Owners:
    """Whose accounts each county area's council line sums: the councils wholly inside one piece (a district,
    a unitary made since 2014) with their own reported net spending by service, the bodies across 2014 authorities
    with a return (their share in the line is what the count placed there), and the years a county council
    reported (:func:`body_pieces`)."""
    names = {k: r["service"] for k, r in cls.services.items() if r["agency"] == "Council"}
    rows = body[(body["status"] == "reported") & body["service"].isin(set(names))]
    counties = {(c, int(y)) for c, y in zip(rows["ons_code"], rows["year"], strict=True) if c.startswith("E10")}
    by_name: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)
    for (u, name), (code, inside) in places.items():
        by_name[name].append((u, code, inside))
    rows = rows[rows["name"].isin(set(by_name))]
    out: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    across: dict[tuple, set[str]] = defaultdict(set)
    for name, year, service, amount in zip(rows["name"], rows["year"].astype(int), rows["service"],
                                           rows["amount_gbp"].astype(float), strict=True):
        for u, code, inside in by_name[name]:
            if inside:
                out[u, year, names[service]][code] += amount
            else:
                across[u, year, names[service]].add(code)
    own = {k: {c: a for c, a in d.items() if a > 0} for k, d in out.items()}
    return Owners(own, dict(across), counties)


def share(spend: pd.DataFrame, sharer: Sharer, owners: Owners, places: dict[tuple, tuple[str, bool]]
          ) -> pd.DataFrame:
    """Every line of the 2014 count on current authorities (see the module's rules); England's lines as they are.

    Raises
    ------
    ValueError
        If a 2014 authority with lines has no piece in any current authority.
    """
    by_utla = sharer.by_utla
    eng = spend[spend["area_code"] == ENGLAND_CODE]
    s = spend[spend["area_code"] != ENGLAND_CODE]
    lost = sorted(set(s["area_code"]) - set(by_utla))
    if lost:
        raise ValueError(f"2014 authorities {', '.join(lost)} lie in no current authority (current_areas.csv)")
    single = {u: ps[0].current for u, ps in by_utla.items() if len(ps) == 1}
    frames = [eng]
    kept = s[s["area_code"].isin(set(single))]
    frames.append(kept.assign(area_code=kept["area_code"].map(single)))
    bands = _bands()
    for u, ps in sorted(by_utla.items()):
        if len(ps) < 2:
            continue
        frames += _share_one(s[s["area_code"] == u], u, ps, sharer, owners, places, bands)
    out = pd.concat(frames, ignore_index=True)
    return _one_line_per_key(out)


def _share_one(sub: pd.DataFrame, u: str, ps: list[Piece], sharer: Sharer, owners: Owners, places: dict,
               bands: list) -> list[pd.DataFrame]:
    """The lines of one shared 2014 authority on its pieces."""
    codes = [p.current for p in ps]
    uname = sharer.names.get(u, u)
    frames = []
    # a line that is one council's alone (a unitary's accounts shared among 2014 areas, a return carried forward)
    owner = sub["driver"].fillna("").str.split("'s ", n=1).str[0].map(lambda n: places.get((u, n), (None,))[0])
    whole = sub[owner.notna()]
    if len(whole):
        frames.append(whole.assign(area_code=owner[owner.notna()].to_numpy()))
    sub = sub[owner.isna()]
    base = sub["service"].str.removesuffix(" (own accounts)")
    council = (sub["agency"] == "Council") & (sub["level"] == "council") & (sub["basis"] == "reported")
    keyed = [(u, int(y), b) if c else None for y, b, c in zip(sub["year"], base, council, strict=True)]
    has_own = pd.Series([k is not None and (k in owners.own or k in owners.across) for k in keyed], index=sub.index,
                        dtype=bool)
    rows = []
    for i in np.nonzero(has_own.to_numpy())[0]:
        line = sub.iloc[i]
        parts = owners.own.get(keyed[i], {})
        total = int(_pence(line["amount_gbp"]))
        mine = {c: int(_pence(a)) for c, a in parts.items()}
        for c, p in mine.items():
            rows.append({**line.to_dict(), "area_code": c, "amount_gbp": p / 100,
                         "driver": f"{sharer.names.get(c, c)}'s councils' own accounts (MHCLG Revenue Outturn)"})
        rest = total - sum(mine.values())
        to = owners.rest_goes_to(keyed[i])
        if rest and to is not None:  # the share of a council across 2014 authorities that the count put here
            rows.append({**line.to_dict(), "area_code": to, "amount_gbp": rest / 100, "basis": "apportioned",
                         "driver": f"{sharer.names.get(to, to)}'s accounts: its share placed in {uname} by the 2014 "
                                   "count (the line less the councils' own inside it)"})
        elif rest:
            w, when = sharer.weights(u, int(line["year"]), ALL_AGES)
            split = split_pence(np.array([rest]), w)[0]
            for j, c in enumerate(codes):
                if split[j]:
                    rows.append({**line.to_dict(), "area_code": c, "amount_gbp": split[j] / 100,
                                 "service": line["service"] + COUNTY_SHARE, "basis": "apportioned",
                                 "driver": f"{uname}'s county council line less its districts' own accounts, "
                                           f"shared among its current authorities by residents of all ages, {when}"})
    if rows:
        frames.append(pd.DataFrame(rows))
    rest = sub[~has_own]
    if rest.empty:
        return frames
    drivers = rest["driver"].fillna("")
    named = drivers.map({d: band_of(d, bands) for d in drivers.unique()})
    keys = list(zip(rest["year"].astype(int), named, strict=True))
    found = {k: sharer.weights(u, k[0], k[1][1]) for k in dict.fromkeys(keys)}
    weights = np.stack([found[k][0] for k in keys])
    how = pd.Series([f"{uname}'s line shared among its current authorities by {k[1][0]}, {found[k][1]}"
                     for k in keys], index=rest.index)
    matrix = split_pence_rows(_pence(rest["amount_gbp"]), weights)
    m = len(codes)
    out = rest.loc[rest.index.repeat(m)].assign(
        area_code=np.tile(codes, len(rest)), amount_gbp=matrix.ravel() / 100,
        driver=np.repeat(np.where(drivers != "", drivers + "; " + how, how), m),
        basis=np.repeat(rest["basis"].where(rest["basis"] != "reported", "apportioned").to_numpy(), m))
    frames.append(out[matrix.ravel() != 0])
    return frames


def _one_line_per_key(lines: pd.DataFrame) -> pd.DataFrame:
    """One line per authority, year and service: parts of the same basis summed (Bournemouth's, Poole's and
    Christchurch's police lines are one line of Bournemouth, Christchurch and Poole); parts of different bases
    kept apart, the service naming the basis."""
    first = {c: "first" for c in lines.columns if c not in (*KEY, "basis", "amount_gbp")}
    g = lines.groupby([*KEY, "basis"], as_index=False, sort=False, dropna=False).agg({"amount_gbp": "sum", **first})
    clash = g.duplicated(KEY, keep=False)
    g.loc[clash, "service"] = g.loc[clash, "service"] + g.loc[clash, "basis"].map(part_suffix)
    g["amount_gbp"] = g["amount_gbp"].round(2)
    return g


def areas_table(current: pd.DataFrame, pilot_codes: set[str]) -> pd.DataFrame:
    """Current districts and unitaries (and England) as an areas table."""
    from totalplace_lib.ingest.output import _slug

    cur = units(current)
    rows = [{"area_code": c, "area_name": n, "slug": _slug(n), "region": r, "pilot": bool(u) and u <= pilot_codes}
            for c, n, r, u in zip(cur["area_code"], cur["area_name"], cur["region"], cur["utla14"], strict=True)]
    rows.append({"area_code": ENGLAND_CODE, "area_name": "England", "slug": "england", "region": "England",
                 "pilot": False})
    return pd.DataFrame(rows)


def _read(folder, table: str, **kw) -> pd.DataFrame:
    return pd.read_csv(folder / f"{table}.csv", dtype={"area_code": str}, **kw)


def write_dataset(public, v: vintage.Vintage, out=None) -> dict:
    """Write ``<public>-current``: the public dataset's count, population and upper-tier indicators on current
    districts and unitaries, beside it (atomically, as ingest writes). Returns its manifest's ``current`` note.

    Parameters
    ----------
    public : Path
        The ingested public dataset's folder (``data/processed/public``).
    out : Path, optional
        Folder to write (default: ``public`` with :data:`SUFFIX`).
    """
    import json
    import time
    from pathlib import Path

    from totalplace_lib.data.current import _read_current
    from totalplace_lib.data.places import load_places
    from totalplace_lib.ingest.output import write

    t0 = time.perf_counter()
    public = Path(public)
    out = Path(out) if out else public.with_name(public.name + SUFFIX)
    cur = _read_current(str(public / "current_areas.csv"), (public / "current_areas.csv").stat().st_mtime_ns)
    cur = cur.reset_index(drop=True)
    spend = _read(public, "spend")
    pop, dpop = _read(public, "population"), _read(public, "district_population")
    body = _read(public, "body_outturn", keep_default_na=False).astype({"ons_code": str, "name": str})
    body["amount_gbp"] = pd.to_numeric(body["amount_gbp"], errors="coerce")
    by_utla = pieces(cur)
    people = population_table(pop, dpop, cur, v)
    res = residents(people)
    names = dict(zip(cur["area_code"], cur["area_name"], strict=True))
    sharer = Sharer(by_utla, res, part_shares(by_utla, res), names)
    places = body_pieces(body, by_utla, v)
    lines = share(spend, sharer, own_parts(body, places, Classification.load()), places)
    codes = set(units(cur)["area_code"])
    whole = {p.current: u for u, ps in by_utla.items() for p in ps if len(ps) == 1}  # the same authority, 2014 and now

    def same_rows(table: str) -> pd.DataFrame:
        t = _read(public, table)
        back = {u: c for c, u in whole.items()}  # 2014 code -> the current code of the same authority
        t = t[t["area_code"].isin(set(back) | {ENGLAND_CODE})]
        return t.assign(area_code=t["area_code"].map(lambda c: back.get(c, c)))

    pilots = {c for p in load_places() for c in p.area_codes}
    tables = {"spend": lines, "population": people,
              "indicators": same_rows("indicators"), "activity": same_rows("activity"),
              "district_indicators": _read(public, "district_indicators"), "district_population": dpop,
              "current_areas": _read(public, "current_areas")}
    split = {u: [p.current for p in ps] for u, ps in sorted(by_utla.items()) if len(ps) > 1}
    manifest = json.loads((public / "manifest.json").read_text(encoding="utf-8"))
    note = {"method": "totalplace_lib/ingest/current_count.py (docs/public-data.md, 'Places on current boundaries')",
            "from": str(public.name), "authorities": len(codes),
            "shared_2014_authorities": {u: len(c) for u, c in split.items()},
            "parts": {f"{c} in {u}": how for (c, u), (_, how) in sharer.parts.items()},
            "own_accounts_bodies": len(places),
            "indicators_and_activity": "upper-tier figures kept for authorities the 2014 geography already held "
                                       "whole; districts' own indicators are the Health Index (district_indicators)",
            "seconds_to_share": round(time.perf_counter() - t0, 1)}
    manifest.update({"dataset": out.name, "vintage": "current (2023) districts and unitaries; the 2014 count shared "
                     "down to them (current_count.py)", "current": note})
    write(out, tables, v, manifest, areas=areas_table(cur, pilots))
    logger.info("%s: %d lines for %d current authorities", out.name, len(lines), len(codes))
    return note
