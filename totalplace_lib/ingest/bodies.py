"""Which places each local body's accounts belong to: councils, police, fire and the other shared bodies.

Every body in the Revenue Outturn is served to 2014 upper-tier authorities:

* a **council** to its own area (a district to its county's area; a unitary created since 2014 to the
  2014 authority it covers, or to the group of 2014 authorities it spans, such as Bournemouth, Christchurch
  and Poole with Dorset from 2019);
* a **police** body (police authority to 2012, police and crime commissioner since) to the councils of its
  police force area, from ONS's district -> police force area lookup, matched by code or by name;
* a **fire and rescue authority**, the **GLA**, a **combined**, **transport** or **waste** authority or a
  **national park** to the councils listed in ``data/reference/local_bodies.csv`` (each row cited);
* any other body to every authority of England by population, with its name on the line, so that no
  body's spending is dropped without a word.

A body serving several areas is shared among them by their population (the report names the driver).
"""

from __future__ import annotations

import csv
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from totalplace_lib.core import reference
from totalplace_lib.core.schema import ENGLAND_CODE
from totalplace_lib.ingest.vintage import Vintage

logger = logging.getLogger(__name__)

COUNCIL_CLASSES = {"SD", "SC", "UA", "MD", "L", "LB"}
KIND_NAMES = {
    "council": "council", "police": "police force", "fire": "fire and rescue authority",
    "GLA": "Greater London Authority",
    "combined": "combined authority", "transport": "transport authority", "waste": "waste authority",
    "park": "national park authority", "other": "other local body",
}
CITY_OF_LONDON = "E09000001"
"""The City of London has its own police force in its own accounts; the Metropolitan Police (in the GLA's
accounts) serves the other 32 London boroughs."""


@dataclass(frozen=True)
class Served:
    """The 2014 areas a body's accounts are counted in, and why.

    ``areas`` is empty when the body cannot be placed (``reason`` says why). ``own`` is True for a council:
    its lines are its area's own accounts rather than a share of a body serving several areas.
    """

    key: str
    name: str
    kind: str
    areas: tuple[str, ...] = ()
    own: bool = False
    reason: str = ""
    police_areas: tuple[str, ...] | None = None  # the GLA: its police lines serve these areas only

    def areas_for(self, service: str) -> tuple[str, ...]:
        if service == "Police" and self.police_areas is not None:
            return self.police_areas
        return self.areas

    @property
    def description(self) -> str:
        return f"{self.name} ({KIND_NAMES.get(self.kind, self.kind)})"


def _norm(name: str) -> str:
    t = name.lower().replace("&", " and ")
    t = re.sub(r"\(.*?\)", " ", t)
    for w in ("police and crime commissioner and chief constable", "police and crime commissioner", "police authority",
              "police, fire and crime commissioner", "police"):
        t = t.replace(w, " ")
    return " ".join(re.sub(r"[^a-z ]", " ", t).split())


class Bodies:
    """Resolves Revenue Outturn bodies (by ONS code, E-code or name) to the 2014 areas they serve."""

    def __init__(self, v: Vintage, pfa_lookup: Path | None, rows: list[dict] | None = None):
        self.v = v
        self.reference: dict[str, dict] = {}
        for row in reference.rows("local_bodies.csv"):
            for code in filter(None, row["code"].split("|")):
                self.reference[code] = row
            if row["ecode"]:
                self.reference[row["ecode"]] = row
        self.forces: dict[str, tuple[str, tuple[str, ...]]] = {}  # PFA code -> (name, 2014 areas)
        self.force_names: dict[str, str] = {}  # normalised force name -> PFA code
        if pfa_lookup is not None and pfa_lookup.exists():
            areas: dict[str, set[str]] = {}
            names: dict[str, str] = {}
            with open(pfa_lookup, encoding="utf-8-sig", newline="") as fh:
                for r in csv.DictReader(fh):
                    if not r["LAD17CD"].startswith("E"):
                        continue
                    t = v.target(r["LAD17CD"])
                    if t.code is None:
                        continue
                    areas.setdefault(r["PFA17CD"], set()).add(t.code)
                    names[r["PFA17CD"]] = r["PFA17NM"]
            self.forces = {c: (names[c], tuple(sorted(a))) for c, a in areas.items()}
            self.force_names = {_norm(n): c for c, n in names.items()}
        self.ecode_to_ons = ecode_pairs(rows or [], self.known)
        self._london = tuple(sorted(c for c in v.upper_tier if c.startswith("E09")))
        self._metcounties: dict[str, tuple[str, ...]] = {}
        self._cache: dict[tuple, Served] = {}

    # ------------------------------------------------------------------------------------------
    def known(self, code: str) -> bool:
        """True if an ONS code is one this module can place (a council of 2014-2023, a police force area, or a
        body in the reference table); the Revenue Outturn sometimes prints a stale code (North Yorkshire's
        county council as E10000022 in some years)."""
        return bool(code in self.reference or code in self.forces or self.v.target(code).code
                    or self.v._members(code))

    def key(self, ecode: str, ons_code: str) -> str:
        """A body's identity across years: its ONS code where known and valid (from the row or, for years
        before 2014-15, through the E-code's ONS code in later files), else its E-code."""
        if ons_code and self.known(ons_code):
            return ons_code
        return self.ecode_to_ons.get(ecode, ons_code or ecode)

    def serve(self, ecode: str, ons_code: str, name: str, body_class: str) -> Served:
        """The areas a body serves (memoised: ingest asks once per row)."""
        k = (ecode, ons_code, name, body_class)
        if k not in self._cache:
            self._cache[k] = self._serve(ecode, ons_code, name, body_class)
        return self._cache[k]

    def _serve(self, ecode: str, ons_code: str, name: str, body_class: str) -> Served:
        key = self.key(ecode, ons_code)
        code = key if re.fullmatch(r"E\d{8}", key) else ""
        ref = self.reference.get(code) or self.reference.get(ecode)
        if ref is not None:
            return self._from_reference(key, ref, name)
        if body_class in COUNCIL_CLASSES or code[:3] in ("E06", "E07", "E08", "E09", "E10"):
            return self._council(key, code, name)
        if code.startswith("E23") or re.fullmatch(r"E(60|70)\d\d", ecode) or "police" in name.lower():
            return self._police(key, code, name)
        return Served(key, name or key, "other", self._england(), reason=(
            "no table says which councils it serves: shared among every English authority by population"))

    def _council(self, key: str, code: str, name: str) -> Served:
        if not code:
            return Served(key, name, "council", reason=f"no ONS code for E-code {key} in any later Revenue Outturn "
                                                         "file (a council abolished before 2014-15)")
        members = self.v._members(code)
        utlas = tuple(sorted({self.v.county_of[m] for m in members}))
        if not utlas:
            if code in self.v.upper_tier:
                utlas = (code,)
            else:
                return Served(key, name, "council", reason=f"{code} is not an English council of 2014-2023")
        return Served(key, name or self.v.names.get(code, code), "council", utlas, own=True)

    def _police(self, key: str, code: str, name: str) -> Served:
        force = code if code in self.forces else self.force_names.get(_norm(name))
        if force is None:
            return Served(key, name, "police", reason="not a police force area in ONS's district -> police force "
                                                      "area lookup (by code or name)")
        force_name, areas = self.forces[force]
        return Served(force, name or force_name, "police", areas)

    def _from_reference(self, key: str, ref: dict, name: str) -> Served:
        areas: list[str] = []
        for m in filter(None, ref["members"].split(";")):
            areas.extend(self._expand(m))
        areas_t = tuple(sorted(set(areas)))
        police = tuple(a for a in areas_t if a != CITY_OF_LONDON) if ref["kind"] == "GLA" else None
        return Served(key, name or ref["name"], ref["kind"], areas_t, police_areas=police)

    def _expand(self, code: str) -> list[str]:
        if code == "E12000007":
            return list(self._london)
        if code.startswith("E11"):
            if code not in self._metcounties:
                self._metcounties[code] = tuple(sorted(self.v.metcounty_members(code)))
            return list(self._metcounties[code])
        t = self.v.target(code)
        return [t.code] if t.code else []

    def _england(self) -> tuple[str, ...]:
        return tuple(sorted(c for c in self.v.upper_tier if c != ENGLAND_CODE))


def ecode_pairs(rows: list[dict], known=lambda code: True) -> dict[str, str]:
    """E-code -> ONS code, from the Revenue Outturn rows that carry both (2014-15 on), counting only codes
    ``known`` accepts; an E-code seen with two valid ONS codes (two combined authorities swapped E-codes
    between editions) is left out."""
    seen: dict[str, set[str]] = {}
    for r in rows:
        if r.get("ecode") and r.get("ons_code") and known(r["ons_code"]):
            seen.setdefault(r["ecode"], set()).add(r["ons_code"])
    return {e: next(iter(c)) for e, c in seen.items() if len(c) == 1}
