"""Local-authority code vintages: every code mapped to the 2014 upper-tier geography.

The chosen vintage is **2014 upper-tier authorities** (counties, unitaries, metropolitan and
London boroughs). Their boundaries equal the April 2009 structure, so they match the Total
Place year (2009/10), the pilots' params files and the DfE files of 2008-2011.

Rule for later changes (``geography/la_changes_2014_2023.csv``):

* a code that is a 2014 authority maps to itself; a 2014 district maps to its county;
* a newer code is traced back to the 2014 districts it was made from. If those all lie in one
  2014 upper-tier authority and cover all of it, the code maps to it one-to-one (Buckinghamshire
  2020, North Yorkshire and Somerset 2023);
* if they cover only part of it, the code is a *part*: additive values (people, pounds, counts)
  are summed over the parts, and only when every part is present (North + West
  Northamptonshire 2021 = Northamptonshire; Cumberland + Westmorland and Furness 2023 = Cumbria;
  a county council plus all its districts = the county area). Rates, percentages and scores are
  never summed: a part's rate is rejected with that reason;
* a code made from districts of *several* 2014 authorities cannot be mapped without splitting
  (Bournemouth, Christchurch and Poole 2019 took Christchurch from Dorset): its rows are
  rejected with the reason, and so are the rows of the other part of the same change (Dorset
  2019), because the 2014 Dorset county would be incomplete.

Old three-digit DfE (LEA) numbers are mapped to GSS codes with the ``old_la_code`` /
``new_la_code`` pairs DfE publishes in its children-looked-after files; numbers of authorities
that no longer existed by then are in ``data/reference/dfe_la_numbers.csv`` (with sources).
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass, field
from pathlib import Path

from totalplace_lib.core import paths, reference
from totalplace_lib.core.schema import ENGLAND_CODE

logger = logging.getLogger(__name__)



@dataclass(frozen=True)
class Target:
    """Where a source code's rows go: a 2014 upper-tier code, or why they cannot go anywhere."""

    code: str | None
    whole: bool = True  # the source area is the whole target (rates may map only when True)
    members: frozenset = frozenset()  # 2014 districts (or the council itself) the source covers
    reason: str = ""


@dataclass
class Vintage:
    """Lookups built from the ONS geography files (2014 districts, counties and later changes)."""

    county_of: dict[str, str] = field(default_factory=dict)  # 2014 LTLA -> 2014 UTLA
    names: dict[str, str] = field(default_factory=dict)  # 2014 UTLA/LTLA -> name
    regions: dict[str, str] = field(default_factory=dict)  # 2014 UTLA -> region name
    made_from: dict[str, set[str]] = field(default_factory=dict)  # newer code -> older codes
    dfe_numbers: dict[str, str] = field(default_factory=dict)  # "821" -> GSS code
    dfe_unmapped: dict[str, str] = field(default_factory=dict)  # "820" -> reason
    metcounty: dict[str, str] = field(default_factory=dict)  # 2014 metropolitan district -> its county (E11)
    _index: dict = field(default_factory=dict, repr=False, compare=False)  # derived lookups, rebuilt on change

    def _derived(self) -> dict:
        """Upper tier and districts by authority, rebuilt only when ``county_of`` changes (ingest asks
        hundreds of thousands of times)."""
        if self._index.get("n") != len(self.county_of):
            by: dict[str, set[str]] = {}
            for d, c in self.county_of.items():
                by.setdefault(c, set()).add(d)
            self._index.clear()
            self._index.update(n=len(self.county_of), upper={c for c in by if c.startswith("E")},
                               districts={c: frozenset(ds) for c, ds in by.items()})
        return self._index

    @property
    def upper_tier(self) -> set[str]:
        """English 2014 upper-tier authorities."""
        return self._derived()["upper"]

    def districts(self, utla: str) -> frozenset:
        return self._derived()["districts"].get(utla, frozenset())

    def metcounty_members(self, code: str) -> set[str]:
        """The metropolitan districts of a metropolitan county (``E11...``), 2014 codes."""
        return {d for d, c in self.metcounty.items() if c == code}

    def _members(self, code: str, seen: frozenset = frozenset()) -> set[str]:
        if code in self.county_of:
            return {code}
        if code in self.made_from and code not in seen:
            out: set[str] = set()
            for old in self.made_from[code]:
                out |= self._members(old, seen | {code})
            return out
        return set()

    def districts14(self, code: str) -> set[str]:
        """The 2014 districts (or the 2014 unitary itself) a code of any vintage 2014-2023 covers."""
        code = code.strip()
        if code in self.upper_tier and code not in self.county_of:  # a 2014 county: its districts
            return set(self.districts(code))
        return self._members(code)

    def upper_tier_of(self, code: str) -> set[str]:
        """The 2014 upper-tier authorities a code of any vintage 2014-2023 lies in (empty if none)."""
        code = code.strip()
        if code in self.upper_tier and code not in self.county_of:
            return {code}
        return {self.county_of[m] for m in self._members(code)}

    def target(self, code: str, council_only: bool = False) -> Target:
        """Map one source code (any vintage 2014-2023) to the 2014 upper tier (worked out once per code).

        ``council_only``: the row is a county council's own figure (Revenue Outturn), one part of the
        county area's total beside its districts, not the whole area.
        """
        memo = self._derived().setdefault("targets", {})
        key = (code, council_only)
        if key not in memo:
            memo[key] = self._target(code, council_only)
        return memo[key]

    def _target(self, code: str, council_only: bool = False) -> Target:
        """Map one source code (any vintage 2014-2023) to the 2014 upper tier.

        ``council_only``: the row is a county council's own figure (Revenue Outturn), one part of the
        county area's total beside its districts, not the whole area.
        """
        code = code.strip()
        if code == ENGLAND_CODE:
            return Target(ENGLAND_CODE)
        if code in self.upper_tier and code not in self.county_of:  # a 2014 county
            return Target(code, whole=not council_only, members=frozenset({code}))
        kind = _kind(code)
        if kind:
            return Target(None, reason=kind)
        members = self._members(code)
        if not members:
            return Target(None, reason=f"code {code} is not an English local authority of 2014-2023")
        utlas = {self.county_of[m] for m in members}
        if len(utlas) > 1:
            names = ", ".join(f"{self.names.get(u, u)} ({u})" for u in sorted(utlas))
            return Target(None, reason=f"{code} was formed from parts of several 2014 authorities ({names}); "
                                       "not split (see the vintage rule in docs/public-data.md)")
        utla = utlas.pop()
        if utla in members:  # a unitary, metropolitan or London borough: the district is the authority
            return Target(utla, whole=True, members=frozenset(members))
        return Target(utla, whole=members == set(self.districts(utla)), members=frozenset(members))

    def dfe(self, number: str) -> Target:
        """Map an old three-digit DfE LA number to the 2014 upper tier."""
        n = str(number).strip()
        if n in self.dfe_unmapped:
            return Target(None, reason=self.dfe_unmapped[n])
        if n not in self.dfe_numbers:
            return Target(None, reason=f"DfE LA number {n} is not in DfE's old_la_code/new_la_code list "
                                       "or data/reference/dfe_la_numbers.csv")
        t = self.target(self.dfe_numbers[n])
        # A DfE authority is the whole council area (county numbers cover the county area).
        if t.code and t.code in self.upper_tier:
            return Target(t.code, whole=True, members=frozenset({"<whole authority>"}))
        return t


def _kind(code: str) -> str:
    """Reason a non-authority code is not used (region, police body...), or ''."""
    prefixes = {
        "E12": "a region total, not a local authority", "E13": "a region total, not a local authority",
        "E23": "a police force body: its spend covers a force area; the public files give no force-area "
               "to local-authority lookup, so it is not apportioned",
        "E31": "a fire and rescue authority: its spend covers a fire area; the public files give no "
               "fire-area to local-authority lookup, so it is not apportioned",
        "E26": "a national park authority, not a local authority area",
        "E47": "a combined authority: its spend and figures overlap its member councils",
        "E50": "a waste disposal authority: spread over several councils, not apportioned",
        "E11": "a metropolitan county total (its boroughs have their own rows)",
        "W": "a Welsh authority (the workbooks cover England)", "S": "a Scottish area (England only)",
        "N": "a Northern Ireland area (England only)", "K": "a UK or GB total, not England",
    }
    for p, why in prefixes.items():
        if code.startswith(p):
            return why
    if not code[:1] == "E" or len(code) != 9:
        return f"'{code}' is not a GSS area code (a class or group total)"
    return ""


def _read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def load(real_dir: Path | None = None) -> Vintage:
    """Build the lookups from the geography files and DfE's code pairs.

    Raises
    ------
    FileNotFoundError
        Naming the lookup file that is missing.
    """
    real = real_dir or paths.real_data_dir()
    v = Vintage()
    for r in _read(real / "geography" / "ltla14_lookup.csv"):
        if not r["ltlacd"].startswith("E"):
            continue
        cty = r["ctycd"] or r["ltlacd"]
        v.county_of[r["ltlacd"]] = cty
        v.names[r["ltlacd"]] = r["ltlanm"]
        v.names.setdefault(cty, r["ctynm"] or r["ltlanm"])
        v.regions[cty] = r["rgnnm"]
        if r.get("mctycd"):
            v.metcounty[r["ltlacd"]] = r["mctycd"]
    for r in _read(real / "geography" / "la_changes_2014_2023.csv"):
        if r["type"] in ("merger", "new_code") and r["newcd"] and not r["newcd"].startswith("E47"):
            v.made_from.setdefault(r["newcd"], set()).add(r["oldcd"])
    dfe_pairs = real / "early_years" / "dfe_cla_number_and_rate_per_10k_2020_2024.csv"
    if dfe_pairs.exists():  # without it, old DfE numbers map only through data/reference/dfe_la_numbers.csv
        for r in _read(dfe_pairs):
            if r["old_la_code"] and r["new_la_code"]:
                v.dfe_numbers[r["old_la_code"].strip()] = r["new_la_code"].strip()
    else:
        logger.warning("%s not found: old DfE LA numbers map only through data/reference/dfe_la_numbers.csv",
                       dfe_pairs)
    for r in reference.rows("dfe_la_numbers.csv"):
        if r["gss_code"]:
            v.dfe_numbers[r["la_number"]] = r["gss_code"]
        else:
            v.dfe_unmapped[r["la_number"]] = r["note"]
    logger.info("vintage lookups: %d 2014 upper-tier authorities, %d later codes, %d DfE numbers",
                len(v.upper_tier), len(v.made_from), len(v.dfe_numbers))
    return v
