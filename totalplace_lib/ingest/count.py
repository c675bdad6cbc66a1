"""The real Total Place count: every public body's spending in every place, every year the CRA covers.

Stages, top to bottom (each a function below):

1. **Apportion** (:func:`apportioned`). England's identifiable HM Treasury CRA lines, by region, year,
   agency (``data/reference/cra_agencies.csv``), subfunction and capital/current, are shared among the
   region's authorities by the driver each subfunction names (``cra_subfunctions.csv``,
   ``apportionment_drivers.csv``), exactly in pence. Level ``region``, basis ``apportioned``.
2. **Own accounts** (:func:`own_accounts`). Every local body's Revenue Outturn, service by service, is
   placed in the areas it serves (:mod:`.bodies`): a council's in its own area (level ``council``, basis
   ``reported``), a police force's, fire authority's, the GLA's or a combined, transport or waste
   authority's or national park's shared among its councils by population (level ``local body``, basis
   ``apportioned``, the driver named). A body whose return is missing (``[x]``) is **carried forward**:
   its own latest accounts times the change in England's outturn on each service (level ``carried
   forward``, basis ``estimated``); a council that cannot be carried forward leaves its area's local
   government apportioned, and says so.
3. **Section 52** (:func:`with_section52`). In 2009/10 DfE's children's services lines split Revenue
   Outturn's one social care line: the children's lines as DfE publishes them, adults' as the rest.
4. **NHS by need** (:func:`nhs_by_need`). For years with ICB allocations, each ICB's allocation is shared
   among the authorities its GP practices serve by their needs-weighted population (level ``local body``)
   and replaces the same amount of the region's apportioned NHS lines.
5. **Carried shares** (:func:`carried_shares`). A year the CRA covers but no Revenue Outturn does (the
   latest) takes each region's CRA local-government totals and shares them by each authority's share of
   its region's latest outturn (level ``carried forward``, basis ``estimated``).
6. **Reconcile** (:func:`reconcile`). Own, carried and shared lines replace the apportioned
   local-government current lines of the same service group (``reconciliation.csv``) for that area and
   year -- never adding to them. Each replacement is a ``reconciliation`` row: apportioned against counted.

So for every region and year, the apportioned lines kept plus the apportioned amounts replaced equal
HM Treasury's identifiable figure to the penny.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from totalplace_lib.core import reference
from totalplace_lib.core.money import split_pence
from totalplace_lib.core.periods import fy_label
from totalplace_lib.core.schema import ENGLAND_CODE
from totalplace_lib.ingest.bodies import Bodies, Served
from totalplace_lib.ingest.cra import region_key, region_lookup
from totalplace_lib.ingest.drivers import (
    Populations,
    Weights,
    apportion_lines,
    describe,
    driver_weights,
    load_drivers,
    region_members,
)
from totalplace_lib.ingest.vintage import Vintage

logger = logging.getLogger(__name__)

COFOG = {"1": "General public services", "2": "Defence", "3": "Public order and safety", "4": "Economic affairs",
         "5": "Environment protection", "6": "Housing and community amenities", "7": "Health",
         "8": "Recreation, culture and religion", "9": "Education", "10": "Social protection"}
"""UN Classification of the Functions of Government (COFOG), level 0, as HM Treasury's CRA uses it."""
COUNCIL, LOCAL_BODY, CARRIED, REGION = "council", "local body", "carried forward", "region"
LEVELS = (COUNCIL, LOCAL_BODY, CARRIED, REGION)
"""Where a line's figure comes from: the place's own councils' accounts; a local body serving the place
(police force, fire authority, ICB, GLA...) shared within its own area; a body's latest accounts carried
forward; a regional total shared by a driver."""
SPEND_COLUMNS = ["area_code", "year", "theme", "agency", "service", "stage", "amount_gbp", "price_year", "source",
                 "discretionary", "basis", "spend_type", "driver", "function", "level"]
NHS_STAGES = {"core services": "reactive", "primary medical care": "early intervention",
              "other primary care": "early intervention", "specialised services": "acute",
              "pharmacy, optometry and dental": "early intervention"}
"""Stage of each ICB allocation component: core services (hospital, community, mental health, prescribing)
as CRA's medical services; primary care as help before need becomes acute; specialised services as acute."""


def function_of(subfunction: str) -> str:
    """COFOG function of a subfunction label or code (``10.4 Family...`` -> ``Social protection``)."""
    return COFOG.get(subfunction.split(".", 1)[0].strip(), "Other")


@dataclass
class Classification:
    """The reference tables that turn CRA rows and Revenue Outturn lines into a place's spend lines."""

    subfunctions: dict[str, dict] = field(default_factory=dict)
    agencies: list[dict] = field(default_factory=list)
    drivers: dict[str, dict] = field(default_factory=dict)
    groups: list[dict] = field(default_factory=list)
    services: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Classification:
        return cls({_key(r["subfunction"]): r for r in reference.rows("cra_subfunctions.csv")},
                   reference.rows("cra_agencies.csv"), load_drivers(), reference.rows("reconciliation.csv"),
                   {r["column"]: r for r in reference.rows("ro_services.csv")})

    def subfunction(self, label: str) -> dict:
        """The row for a subfunction; an unseen one takes the first listed row with the same COFOG code
        (e.g. ``4.5 of which: trams`` -> as ``4.5 of which: local public transport``), saying so."""
        row = self.subfunctions.get(_key(label))
        if row is not None:
            return row
        code = label.split(" ", 1)[0]
        for r in self.subfunctions.values():
            if r["subfunction"].split(" ", 1)[0] == code:
                return {**r, "service": f"{label.split(' ', 1)[-1]} (classified as {r['service']})"}
        return {"subfunction": label, "service": f"{label} (not classified)", "theme": "general",
                "stage": "universal", "driver": "population",
                "reason": "subfunction not in data/reference/cra_subfunctions.csv: shared per head"}

    def agency(self, department: str, body: str, subfunction: str) -> str:
        for r in self.agencies:
            if r["department"] not in ("*", department) or r["body"] not in ("*", body):
                continue
            if r["subfunction_prefix"] == "*" or subfunction.startswith(r["subfunction_prefix"]):
                return r["agency"]
        return "Other central government"

    def group_of_tag(self) -> dict[str, str]:
        """Reported tag (``RO:Education``, ``S52``...) -> its service group."""
        return {g["reported"]: g["group"] for g in self.groups}

    def candidate_groups(self, subfunction: str) -> tuple[str, ...]:
        """The service groups whose reported lines may replace an apportioned local-government line of this
        subfunction, most specific first (children's social care before the combined social care line)."""
        out = []
        for g in self.groups:
            if g["group"] not in out and any(subfunction.startswith(p) for p in filter(None, g["replaces"].split(";"))):
                out.append(g["group"])
        return tuple(out)

    def function_of_group(self) -> dict[str, str]:
        return {g["group"]: function_of(g["replaces"].split(";")[0]) for g in self.groups}


def _key(label: str) -> str:
    return " ".join(label.lower().split())


@dataclass
class Inputs:
    """What the count is built from (all on 2014 upper-tier authorities)."""

    cra: list[dict]
    outturn: pd.DataFrame
    pops: Populations
    v: Vintage
    bodies: Bodies
    council_lines: list[dict] = field(default_factory=list)  # other councils' own lines (Section 52), mapped
    icb: pd.DataFrame = field(default_factory=pd.DataFrame)
    practices: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass
class Count:
    """What the build produced for the tidy tables and the manifest."""

    spend: pd.DataFrame = field(default_factory=pd.DataFrame)
    reconciliation: pd.DataFrame = field(default_factory=pd.DataFrame)
    apportionment: list[dict] = field(default_factory=list)
    missing_accounts: list[dict] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)
    notes: dict[str, object] = field(default_factory=dict)


def build(inp: Inputs) -> Count:
    """The count for every year the CRA covers (see the module's stages)."""
    cls = Classification.load()
    out = Count()
    years = sorted(int(y) for y in set(_cra_frame(inp.cra)["year"])) if len(inp.cra) else []
    if not years:
        return out
    regions = _region_codes()
    members = region_members(inp.v, regions.get)
    apport = apportioned(inp, cls, members, out)
    held = sorted(set(inp.outturn["year"])) if inp.outturn is not None and len(inp.outturn) else []
    own_years = sorted(set(years) | set(held))  # years before the CRA: the bodies' own accounts alone
    own = own_accounts(inp, cls, own_years, out)
    own = with_section52(own, inp.council_lines, own_years, out)
    apport, nhs = nhs_by_need(apport, inp, years, members, out)
    outturn_years = sorted(set(own["year"])) if len(own) else []
    out.notes["own_accounts_only_years"] = [fy_label(y) for y in outturn_years if y not in years]
    carried = carried_shares(apport, own, [y for y in years if y not in outturn_years], cls, out)
    spend, rec = reconcile(apport, pd.concat([own, carried], ignore_index=True), cls, out)
    out.spend = pd.concat([spend, nhs], ignore_index=True)[SPEND_COLUMNS]
    dup = out.spend.duplicated(["area_code", "year", "theme", "agency", "service", "spend_type"], keep=False)
    if dup.any():  # every line of the count is one area's, year's and service's: two would be dropped on writing
        raise AssertionError(f"the count has {int(dup.sum())} lines sharing a key, e.g. "
                             f"{out.spend[dup].iloc[0][['area_code', 'year', 'service']].to_dict()}")
    out.reconciliation = pd.concat([rec, out.reconciliation], ignore_index=True)
    out.notes["outturn_years"] = [fy_label(y) for y in outturn_years]
    out.notes["carried_years"] = {fy_label(y): fy_label(max([o for o in outturn_years if o < y], default=y))
                                  for y in years if y not in outturn_years}
    return out


def _region_codes() -> dict[str, str]:
    """Region name (as in the 2014 lookup) -> ONS code."""
    lookup = region_lookup()
    return {name: r.code for name, r in ((n, lookup.get(region_key(n))) for n in _region_names()) if r and r.code}


def _region_names() -> list[str]:
    return [r["region_name"] for r in reference.rows("regions.csv") if r["region_code"].startswith("E12")]


# ------------------------------------------------------------------------------------------------
# 1. Apportion the CRA


def apportioned(inp: Inputs, cls: Classification, members: dict[str, list[str]], out: Count) -> pd.DataFrame:
    """England's identifiable CRA lines shared among each region's authorities: one row per line and
    authority, in pounds to the penny, with ``_lg_current`` (a local-government current line that a body's own
    accounts may replace), ``_sub`` (its subfunction) and ``_region``."""
    names = {r.code: r.name for r in region_lookup().values()}
    c = _cra_frame(inp.cra)
    c = c[c["identifiable"].astype(bool) & c["region_code"].astype(str).str.startswith("E12")]
    triples = {t: cls.agency(*t) for t in set(zip(c["department"], c["body"], c["subfunction"], strict=True))}
    c = c.assign(agency=[triples[t] for t in zip(c["department"], c["body"], c["subfunction"], strict=True)])
    lines = c.groupby(["region_code", "year", "agency", "subfunction", "capital_current", "body", "edition"])[
        "amount_gbp"].sum().to_dict()
    by_group: dict[tuple, list[tuple]] = defaultdict(list)
    for key in lines:
        by_group[(key[0], key[1], cls.subfunction(key[3])["driver"])].append(key)
    frames = []
    for (region, year, driver), keys in sorted(by_group.items()):
        d = cls.drivers[driver]
        w = driver_weights(inp.pops, members.get(region, []), d, year)
        pence = np.array([round(lines[k] * 100) for k in keys], dtype=np.int64)
        codes, matrix, notes = apportion_lines(pence, w, inp.pops, year)
        _record_shares(out, codes, w, notes, region, year, driver)
        subs = [cls.subfunction(k[3]) for k in keys]
        suffix = {"PC": " (public corporations)", "BOE": " (Bank of England)", "PSP": " (public sector pensions)"}
        meta = pd.DataFrame({
            "theme": [s["theme"] for s in subs], "agency": [k[2] for k in keys],
            "service": [s["service"] + suffix.get(k[5], "") for s, k in zip(subs, keys, strict=True)],
            "stage": [s["stage"] for s in subs], "function": [function_of(k[3]) for k in keys],
            "source": [f"HM Treasury {k[6]}, {names.get(region, region)}" for k in keys],
            "spend_type": ["capital" if k[4] == "CAP" else "current" for k in keys],
            "_lg_current": [k[5] == "LG" and k[4] == "CUR" for k in keys], "_sub": [k[3] for k in keys],
        })
        k = len(keys)  # one row per line and authority, authority by authority
        f = meta.iloc[np.tile(np.arange(k), len(codes))].reset_index(drop=True)
        f["area_code"], f["year"], f["amount_gbp"] = np.repeat(codes, k), year, matrix.T.reshape(-1) / 100
        how = describe(d, w, inp.pops)
        f["driver"] = np.repeat([how + (f"; {notes[c]}" if c in notes else "") for c in codes], k)
        f["_region"] = region
        frames.append(f)
    if not frames:
        return pd.DataFrame(columns=[*SPEND_COLUMNS, "_lg_current", "_sub", "_region"])
    df = pd.concat(frames, ignore_index=True)
    df["price_year"] = df["year"].map({y: fy_label(y) for y in df["year"].unique()})
    df["discretionary"], df["basis"], df["level"] = False, "apportioned", REGION
    return df


def _cra_frame(cra) -> pd.DataFrame:
    """CRA rows as a frame (the pipeline passes a frame; tests may pass a list of rows)."""
    return cra if isinstance(cra, pd.DataFrame) else pd.DataFrame(list(cra))


def _record_shares(out: Count, codes: list[str], w: Weights, notes: dict, region: str, year: int, driver: str) -> None:
    total = w.persons.sum()
    for code in codes:
        unit = next(u for u in w.units if code in u)
        out.apportionment.append({"area_code": code, "region_code": region, "year": year, "driver": driver,
                                  "population_year": w.population_year,
                                  "share": float(w.persons[w.units.index(unit)] / total), "note": notes.get(code, "")})


# ------------------------------------------------------------------------------------------------
# 2. Own accounts: every body placed in the areas it serves


def own_accounts(inp: Inputs, cls: Classification, years: list[int], out: Count) -> pd.DataFrame:
    """Every body's Revenue Outturn for the count's years, in the areas it serves (carried forward where the
    body's return is missing); one row per area, year and line, with ``_tag`` (``RO:<service>``)."""
    o = inp.outturn
    if o is None or o.empty:
        return _empty_lines()
    o = o[o["year"].isin(years)]
    served = {k: inp.bodies.serve(*k) for k in
              o[["ecode", "ons_code", "name", "body_class"]].drop_duplicates().itertuples(index=False, name=None)}
    o = o.assign(_key=[served[k].key for k in zip(o["ecode"], o["ons_code"], o["name"], o["body_class"], strict=True)])
    by_key = {served[k].key: served[k] for k in served}
    reported = o[(o["status"] == "reported") & (o["service"] != "")]
    england = reported.groupby(["year", "service"])["amount_gbp"].sum()
    rows: list[dict] = []
    for (key, year), grp in reported.groupby(["_key", "year"], sort=False):
        rows += _place(by_key[key], int(year), dict(zip(grp["service"], grp["amount_gbp"], strict=True)), inp, cls, out,
                       basis="reported", source=grp["source"].iloc[0])
    rows += _carry_forward(o, reported, by_key, inp, cls, out)
    rows += _england_lines(england, cls)
    lines = pd.DataFrame(rows) if rows else _empty_lines()
    return _merge_council_lines(lines)


def _place(s: Served, year: int, amounts: dict[str, float], inp: Inputs, cls: Classification, out: Count, *,
           basis: str, source: str, driver: str = "") -> list[dict]:
    """One body's lines for a year in the areas it serves (pounds; exact to the penny when shared)."""
    if not s.areas:
        out.left_out[f"{s.description}: {s.reason}"] = out.left_out.get(f"{s.description}: {s.reason}", 0) + 1
        return []
    rows = []
    by_areas: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for service in amounts:
        by_areas[s.areas_for(service)].append(service)
    for areas, services in by_areas.items():
        if s.own and len(areas) == 1:
            for k in services:
                rows.append(_line(areas[0], year, k, amounts[k], cls, basis=basis, level=COUNCIL if basis == "reported"
                                  else CARRIED, source=source, driver=driver, body=""))
            continue
        w = driver_weights(inp.pops, list(areas), cls.drivers["population"], year)
        codes, matrix, notes = apportion_lines(np.array([round(amounts[k] * 100) for k in services], np.int64), w,
                                               inp.pops, year)
        what = "councils" if s.kind == "council" else "area"
        how = (f"{s.name}'s accounts shared among its {what} by {describe(cls.drivers['population'], w, inp.pops)}"
               if len(areas) > 1 else f"{s.name}'s own accounts")
        for j, code in enumerate(codes):
            d = "; ".join(filter(None, [driver, how, notes.get(code, "")]))
            for i, k in enumerate(services):
                rows.append(_line(code, year, k, matrix[i, j] / 100, cls,
                                  basis="apportioned" if basis == "reported" and len(areas) > 1 else basis,
                                  level=(COUNCIL if s.kind == "council" else LOCAL_BODY) if basis == "reported"
                                  else CARRIED, source=source, driver=d, body="" if s.kind == "council" else s.name))
    return rows


def _line(area: str, year: int, service_key: str, amount: float, cls: Classification, *, basis: str, level: str,
          source: str, driver: str, body: str) -> dict:
    svc = cls.services[service_key]
    return {"area_code": area, "year": year, "theme": svc["theme"], "agency": svc["agency"],
            "service": f"{svc['service']} ({body})" if body else svc["service"], "stage": svc["stage"],
            "amount_gbp": amount, "price_year": fy_label(year), "source": source,
            "discretionary": svc["discretionary"] == "true", "basis": basis, "spend_type": "current", "driver": driver,
            "level": level, "_tag": f"RO:{service_key}"}


def _empty_lines() -> pd.DataFrame:
    return pd.DataFrame(columns=[*SPEND_COLUMNS, "_tag"])


def _merge_council_lines(lines: pd.DataFrame) -> pd.DataFrame:
    """One line per area, year and service for the councils' own accounts (a county area's line is its
    county council's figure plus its districts')."""
    if lines.empty:
        return lines
    keys = ["area_code", "year", "service", "basis", "level", "_tag"]
    own = lines["level"].eq(COUNCIL) & lines["basis"].eq("reported")
    first = {c: "first" for c in lines.columns if c not in (*keys, "amount_gbp")}
    merged = lines[own].groupby(keys, as_index=False, sort=False).agg({"amount_gbp": "sum", **first})
    n = lines[own].groupby(keys, sort=False).size().to_numpy()  # several councils' returns on one line
    merged["source"] = [s if k == 1 else f"{s.split(' (file')[0]}: {k} councils' returns"
                        for s, k in zip(merged["source"], n, strict=True)]
    return pd.concat([merged, lines[~own]], ignore_index=True)


def _england_lines(england: pd.Series, cls: Classification) -> list[dict]:
    """England's outturn by service (every body), for estimates that need England's shares."""
    return [_line(ENGLAND_CODE, int(y), k, float(v), cls, basis="reported", level=COUNCIL, driver="",
                  source=f"MHCLG Revenue Outturn {fy_label(int(y))}, every English local body", body="")
            for (y, k), v in england.items()]


def _carry_forward(o: pd.DataFrame, reported: pd.DataFrame, by_key: dict[str, Served], inp: Inputs,
                   cls: Classification, out: Count) -> list[dict]:
    """Bodies whose return is missing: their own nearest accounts times England's change on each service."""
    rows: list[dict] = []
    missing = o[o["status"] == "missing"]
    all_reported = reported  # the years held; a body's history may lie outside the count's years
    if inp.outturn is not None and len(inp.outturn):
        full = inp.outturn[(inp.outturn["status"] == "reported") & (inp.outturn["service"] != "")]
        full = full.assign(_key=[inp.bodies.serve(*k).key for k in
                                 zip(full["ecode"], full["ons_code"], full["name"], full["body_class"], strict=True)])
        all_reported = full
    for (key, year), _ in missing.groupby(["_key", "year"]):
        s, year = by_key[key], int(year)
        mine = all_reported[all_reported["_key"] == key]
        held = sorted(set(mine["year"]), key=lambda y: (y > year, abs(y - year)))
        entry = {"body": s.name, "kind": s.kind, "year": fy_label(year), "areas": list(s.areas)}
        if not held:
            entry["fallback"] = ("no accounts of this body in any year: its area's local government stays "
                                 "apportioned from HM Treasury's regional totals" if s.kind == "council" else
                                 "no accounts of this body in any year: not counted")
            out.missing_accounts.append(entry)
            if s.kind == "council":
                out.notes.setdefault("uncovered", []).append({"areas": list(s.areas), "year": year})
            continue
        y0 = held[0]
        base = mine[mine["year"] == y0].groupby("service")["amount_gbp"].sum()
        both = set(all_reported.loc[all_reported["year"] == year, "_key"]) & set(
            all_reported.loc[all_reported["year"] == y0, "_key"])
        eng = all_reported[all_reported["_key"].isin(both)].groupby(["year", "service"])["amount_gbp"].sum()
        amounts, ratios = {}, []
        for k, v in base.items():
            now, then = eng.get((year, k), 0.0), eng.get((y0, k), 0.0)
            g = now / then if then else 1.0
            amounts[k] = float(v) * g
            ratios.append(f"{cls.services[k]['service'].lower()} x{g:.3f}")
        driver = (f"{s.name}'s {fy_label(y0)} accounts carried forward to {fy_label(year)} (its {fy_label(year)} "
                  f"return is missing) by the change in England's outturn on each service between the two years, "
                  f"bodies with both returns: {', '.join(ratios[:6])}{'...' if len(ratios) > 6 else ''}")
        rows += _place(s, year, amounts, inp, cls, out, basis="estimated", driver=driver,
                       source=f"estimated from MHCLG Revenue Outturn {fy_label(y0)} and {fy_label(year)}")
        entry["fallback"] = f"its own {fy_label(y0)} accounts carried forward by England's change on each service"
        out.missing_accounts.append(entry)
    return rows


# ------------------------------------------------------------------------------------------------
# 3. Section 52 in 2009/10: children's lines out of the one social care line


def with_section52(own: pd.DataFrame, council_lines: list[dict], years: list[int], out: Count) -> pd.DataFrame:
    """Councils' other own lines (DfE Section 52) added for the count's years. Where a council's Revenue
    Outturn gives one social care line (to 2010/11) and Section 52 gives its children's services, the line is
    split: Section 52's children's lines as published and adults' social care as the rest."""
    s52 = pd.DataFrame([r for r in council_lines if r["year"] in years])
    if s52.empty:
        return own
    s52 = s52.assign(level=COUNCIL, basis=s52["basis"].fillna("reported") if "basis" in s52 else "reported",
                     spend_type="current", driver="", _tag=s52.get("_group", "S52"))
    s52 = s52[[c for c in [*SPEND_COLUMNS, "_tag"] if c in s52.columns]]
    combined = own[(own["_tag"] == "RO:Social_Care") & own["level"].eq(COUNCIL)]
    children = s52.groupby(["area_code", "year"])["amount_gbp"].sum()
    keep_s52 = pd.Series(True, index=s52.index)
    drop_own, add = [], []
    for idx, line in combined.iterrows():
        k = (line["area_code"], line["year"])
        if k not in children.index:
            continue
        rest = float(line["amount_gbp"]) - float(children[k])
        if rest < 0:  # children's services above the whole social care line: the published line is kept
            keep_s52 &= ~((s52["area_code"] == k[0]) & (s52["year"] == k[1]))
            out.left_out[f"Section 52 lines of {k[0]} {fy_label(k[1])}: above its Revenue Outturn social care line, "
                          "which is counted instead"] = 1
            continue
        drop_own.append(idx)
        add.append({**line.to_dict(), "service": "Adult social care (social care less Section 52 children's services)",
                    "amount_gbp": round(rest, 2), "_tag": "RO:Adult_Social_Care",
                    "source": f"{line['source']}, less DfE Section 52 children's services"})
    out.notes["section52_split"] = len(drop_own)
    return pd.concat([own.drop(index=drop_own), pd.DataFrame(add), s52[keep_s52]], ignore_index=True)


# ------------------------------------------------------------------------------------------------
# 4. The NHS by need


def nhs_by_need(apport: pd.DataFrame, inp: Inputs, years: list[int], members: dict[str, list[str]], out: Count
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ICB allocations shared among authorities by their practices' needs-weighted population; the same
    amount taken out of each region's apportioned NHS current lines (pro rata). Returns both frames."""
    icb, practices = inp.icb, inp.practices
    if icb is None or icb.empty or practices is None or practices.empty:
        return apport, _empty_lines()
    region_of = {c: r for r, codes in members.items() for c in codes}
    lines = []
    plan_years = sorted(set(icb["year"]) - set(years))
    out.notes["icb_plan_years"] = [fy_label(y) for y in plan_years]
    for (year, code, component), grp in icb[icb["year"].isin(years)].groupby(["year", "icb_code", "component"]):
        py = min(set(practices["year"]), key=lambda y: (abs(y - year), -y))
        p = practices[(practices["year"] == py) & (practices["icb_code"] == code)]
        if p.empty:
            out.left_out[f"ICB {code} {fy_label(year)}: no GP practices in the practice file"] = 1
            continue
        col = grp["shared_by"].iloc[0]
        by_unit = p.groupby("_unit")[col].sum()
        w = Weights(list(by_unit.index), by_unit.to_numpy(float), py, "nhs need")
        pence = np.array([round(float(grp["amount_gbp"].sum()) * 100)], np.int64)
        codes, matrix, notes = apportion_lines(pence, w, inp.pops, year)
        name = grp["icb_name"].iloc[0]
        for j, area in enumerate(codes):
            lines.append({
                "area_code": area, "year": int(year), "theme": "general", "agency": "NHS",
                "service": f"NHS: {_short_icb(name)}, {component}", "stage": NHS_STAGES.get(component, "reactive"),
                "amount_gbp": matrix[0, j] / 100, "price_year": fy_label(year),
                "source": grp["source"].iloc[0], "discretionary": False, "basis": "apportioned",
                "spend_type": "current", "function": "Health", "level": LOCAL_BODY,
                "driver": "; ".join(filter(None, [
                    f"{name}'s {component} allocation shared among its authorities by the needs-weighted population "
                    f"of their GP practices ({'PMC' if col == 'pmc_weighted' else 'final'} weighted population, "
                    f"{fy_label(py)}, NHS England)", notes.get(area, "")])),
                "_region": region_of.get(area, "")})
    nhs = pd.DataFrame(lines) if lines else _empty_lines()
    if nhs.empty:
        return apport, nhs
    icb_by_region = nhs.groupby(["_region", "year"])["amount_gbp"].sum()
    is_nhs = apport["agency"].eq("NHS") & apport["spend_type"].eq("current") & apport["year"].isin(nhs["year"])
    total = apport[is_nhs].groupby(["_region", "year"])["amount_gbp"].sum()
    frac = (icb_by_region / total).clip(upper=1.0)
    f = pd.Series(list(zip(apport.loc[is_nhs, "_region"], apport.loc[is_nhs, "year"], strict=True)),
                  index=apport.index[is_nhs]).map(frac).fillna(0.0)
    replaced = (apport.loc[is_nhs, "amount_gbp"] * f).round(2)
    apport = apport.copy()
    apport.loc[is_nhs, "amount_gbp"] = (apport.loc[is_nhs, "amount_gbp"] - replaced).round(2)
    apport.loc[is_nhs, "service"] = apport.loc[is_nhs, "service"] + " (outside ICB allocations)"
    gone = pd.DataFrame({"area_code": apport.loc[is_nhs, "area_code"], "year": apport.loc[is_nhs, "year"],
                         "apportioned_gbp": replaced})
    a = gone.groupby(["area_code", "year"])["apportioned_gbp"].sum()
    r = nhs.groupby(["area_code", "year"])["amount_gbp"].sum()
    rec = pd.concat([a, r.rename("reported_gbp")], axis=1).fillna(0.0).reset_index()
    rec["group"], rec["reported_from"] = "NHS (ICB allocations)", "NHS England allocations to ICBs, shared by need"
    rec["counted"], rec["difference_gbp"] = "apportioned", (rec["reported_gbp"] - rec["apportioned_gbp"]).round(2)
    rec["note"] = ("the ICBs' allocations, shared by their practices' needs-weighted populations, replace the same "
                   "amount of HM Treasury's regional NHS current spending shared by population x need")
    out.reconciliation = pd.concat([out.reconciliation, rec], ignore_index=True)
    out.notes["icb_share_of_cra_nhs_current"] = {f"{r} {fy_label(y)}": round(float(v), 4) for (r, y), v in frac.items()}
    return apport, nhs


def _short_icb(name: str) -> str:
    """'NHS Leicester, Leicestershire and Rutland ICB' -> 'Leicester, Leicestershire and Rutland ICB'."""
    name = name.strip()
    name = name[4:] if name.startswith("NHS ") else name
    return name if name.endswith("ICB") else f"{name} ICB"


# ------------------------------------------------------------------------------------------------
# 5. Years after the latest accounts: each authority's latest share of its region's outturn


def carried_shares(apport: pd.DataFrame, own: pd.DataFrame, years: list[int], cls: Classification, out: Count
                   ) -> pd.DataFrame:
    """For CRA years without Revenue Outturn: each region's CRA local-government current total of a service
    group shared among its authorities' lines in their shares of the latest outturn year's group total."""
    if not years or own.empty:
        return _empty_lines()
    tag_group = cls.group_of_tag()
    own = own[own["area_code"] != ENGLAND_CODE].assign(_group=own["_tag"].map(tag_group))
    region_of = apport.drop_duplicates("area_code").set_index("area_code")["_region"]
    own = own.assign(_region=own["area_code"].map(region_of))
    lg = apport[apport["_lg_current"]]
    rows = []
    held = sorted(set(own["year"]))
    for year in years:
        y0 = max([y for y in held if y < year], default=None) or min(held, key=lambda y: abs(y - year))
        base = own[own["year"] == y0]
        present = set(base["_group"].dropna())
        cand = {s: next((g for g in cls.candidate_groups(s) if g in present), None) for s in set(lg["_sub"])}
        mine = lg[lg["year"] == year]
        mine = mine.assign(_group=mine["_sub"].map(cand))
        totals = mine.groupby(["_region", "_group"])["amount_gbp"].sum()
        for (region, group), total in totals.items():
            src = base[(base["_region"] == region) & (base["_group"] == group)]
            weights = src["amount_gbp"].clip(lower=0).to_numpy(float)
            if src.empty or weights.sum() <= 0:
                continue
            pence = split_pence(np.array([round(float(total) * 100)], np.int64), weights)[0]
            edition = mine["source"].iloc[0].split(",")[0]
            for (_, line), p in zip(src.iterrows(), pence, strict=True):
                rows.append({**line.to_dict(), "year": year, "amount_gbp": p / 100, "price_year": fy_label(year),
                             "basis": "estimated", "level": CARRIED,
                             "driver": f"this line's share of {region_lookup_name(region)}'s {group.lower()} "
                                       "outturn in "
                                       f"{fy_label(y0)} (the latest Revenue Outturn), applied to {edition}'s "
                                       f"{fy_label(year)} local-government total for the region",
                             "source": f"estimated from MHCLG Revenue Outturn {fy_label(y0)} and {edition}"})
    return pd.DataFrame(rows).drop(columns=["_group", "_region"], errors="ignore") if rows else _empty_lines()


def region_lookup_name(code: str) -> str:
    return next((r.name for r in region_lookup().values() if r.code == code), code)


# ------------------------------------------------------------------------------------------------
# 6. Reconcile: own lines replace apportioned local-government lines, never add to them


def reconcile(apport: pd.DataFrame, own: pd.DataFrame, cls: Classification, out: Count
              ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The count's lines (apportioned lines not replaced, plus own lines of the count's years) and the
    reconciliation rows (per area, year and group: apportioned replaced against counted)."""
    tag_group = cls.group_of_tag()
    years = set(apport["year"])
    england = own[own["area_code"] == ENGLAND_CODE]
    own = own[own["area_code"] != ENGLAND_CODE].assign(_group=lambda d: d["_tag"].map(tag_group))
    for tag in sorted(set(own.loc[own["_group"].isna(), "_tag"])):
        out.left_out[f"lines tagged {tag}: no service group in data/reference/reconciliation.csv"] = int(
            (own["_tag"] == tag).sum())
    own = own[own["_group"].notna()]
    uncovered = {(a, u["year"]) for u in out.notes.get("uncovered", []) for a in u["areas"]}
    if uncovered:  # a council without accounts: its area's local government stays apportioned
        keep = [(a, y) not in uncovered for a, y in zip(own["area_code"], own["year"], strict=True)]
        own = own[keep]
    present = own[["area_code", "year", "_group"]].drop_duplicates()
    lg = apport[apport["_lg_current"]]
    cand = {s: cls.candidate_groups(s) for s in set(lg["_sub"])}
    exploded = pd.DataFrame([(i, g, rank) for i, s in zip(lg.index, lg["_sub"], strict=True)
                             for rank, g in enumerate(cand[s])], columns=["_row", "_group", "_rank"])
    exploded = exploded.join(apport[["area_code", "year"]], on="_row")
    hit = exploded.merge(present, on=["area_code", "year", "_group"]).sort_values("_rank").drop_duplicates("_row")
    gone = apport.loc[hit["_row"]].assign(_group=hit["_group"].to_numpy())
    kept = apport.drop(index=hit["_row"])
    fn = cls.function_of_group()
    own = own.assign(function=own["_group"].map(fn).fillna("Other"))
    rec = _reconciliation(gone, own[own["year"].isin(years)], cls)
    england = england.assign(function=england["_tag"].map(tag_group).map(fn).fillna("Other"))
    keys = ["area_code", "year", "theme", "agency", "service", "spend_type"]
    first = {c: "first" for c in ("stage", "price_year", "source", "discretionary", "basis", "driver", "function",
                                  "level")}
    own = pd.concat([own, england], ignore_index=True).groupby(keys, as_index=False, sort=False).agg(
        {"amount_gbp": "sum", **first})
    kept = kept.groupby(keys, as_index=False, sort=False).agg({"amount_gbp": "sum", **first})
    clash = own.set_index(keys).index.isin(kept.set_index(keys).index)
    own.loc[clash, "service"] = own.loc[clash, "service"] + " (own accounts)"  # e.g. the City's police beside the
    # Home Office's apportioned police line: two lines, never one that mixes a body's accounts with a regional share
    lines = pd.concat([kept[[*keys, "amount_gbp", *first]], own], ignore_index=True)
    negative = (lines["amount_gbp"] < 0) & (lines["basis"] != "apportioned")
    for (svc, lvl), n in lines[negative].groupby(["service", "level"]).size().items():
        out.left_out[f"{svc} ({lvl}): net income above spending in an area, left out at £0"] = int(n)
    lines = lines[~negative]
    lines = lines[(lines["amount_gbp"] != 0) | (lines["basis"] != "apportioned")]
    lines["amount_gbp"] = lines["amount_gbp"].round(2)
    return lines.reset_index(drop=True), rec


def _reconciliation(gone: pd.DataFrame, own: pd.DataFrame, cls: Classification) -> pd.DataFrame:
    """Per area, year and group: the apportioned local-government current spending replaced and what was
    counted instead (its source and basis)."""
    a = gone.groupby(["area_code", "year", "_group"])["amount_gbp"].sum().rename("apportioned_gbp")
    own = own.assign(_from=[_counted_from(t, lvl) for t, lvl in zip(own["_tag"], own["level"], strict=True)])
    keys = ["area_code", "year", "_group"]
    amount = own.groupby(keys)["amount_gbp"].sum().rename("reported_gbp")
    by_basis = own.groupby([*keys, "basis"])["amount_gbp"].sum().reset_index()
    counted = by_basis.sort_values("amount_gbp").drop_duplicates(keys, keep="last").set_index(keys)["basis"]
    froms = own[[*keys, "_from"]].drop_duplicates().sort_values("_from")
    reported_from = froms.groupby(keys)["_from"].agg("; ".join).rename("reported_from")
    r = pd.concat([amount, reported_from, counted.rename("counted")], axis=1)
    rec = pd.concat([a, r], axis=1).reset_index().rename(columns={"_group": "group"})
    rec["apportioned_gbp"] = rec["apportioned_gbp"].fillna(0.0).round(2)
    rec["reported_gbp"] = rec["reported_gbp"].fillna(0.0).round(2)
    rec["difference_gbp"] = (rec["reported_gbp"] - rec["apportioned_gbp"]).round(2)
    notes = {g["group"]: g["note"] for g in cls.groups}
    rec["note"] = rec["group"].map(notes)
    rec["counted"] = rec["counted"].fillna("apportioned")
    return rec


def _counted_from(tag: str, level: str) -> str:
    if tag == "S52":
        return "DfE Section 52 outturn"
    if level == CARRIED:
        return "MHCLG Revenue Outturn, carried forward"
    if level == LOCAL_BODY:
        return "MHCLG Revenue Outturn, local bodies shared among their councils"
    return "MHCLG Revenue Outturn"


def unit_of(code: str, v: Vintage, groups: list[tuple[str, ...]]) -> tuple[str, ...] | None:
    """The 2014 unit (one authority, or a group estimated only together) a code of any vintage lies in."""
    members = v._members(code)
    utlas = {v.county_of[m] for m in members if m in v.county_of}
    group = next((g for g in groups if utlas & set(g)), None)
    if group is not None:  # a part of a group (Dorset's 2019 council) counts with the whole group
        return group
    t = v.target(code)
    return (t.code,) if t.code is not None else None

