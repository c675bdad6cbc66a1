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

import numpy as np
import pandas as pd

from totalplace_lib.core import reference
from totalplace_lib.core.money import split_pence
from totalplace_lib.core.periods import fy_label
from totalplace_lib.core.schema import ENGLAND_CODE
from totalplace_lib.ingest.count_model import (
    CARRIED,
    LOCAL_BODY,
    NHS_STAGES,
    REGION,
    SPEND_COLUMNS,
    Classification,
    Count,
    Inputs,
    empty_lines,
    function_of,
)
from totalplace_lib.ingest.cra import region_key, region_lookup
from totalplace_lib.ingest.drivers import (
    Weights,
    apportion_lines,
    describe,
    driver_weights,
    region_members,
)
from totalplace_lib.ingest.own_accounts import own_accounts, with_section52
from totalplace_lib.ingest.vintage import Vintage

logger = logging.getLogger(__name__)


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
# 4. The NHS by need (stages 2 and 3, the bodies' own accounts and Section 52, are in :mod:`.own_accounts`)


def nhs_by_need(apport: pd.DataFrame, inp: Inputs, years: list[int], members: dict[str, list[str]], out: Count
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ICB allocations shared among authorities by their practices' needs-weighted population; the same
    amount taken out of each region's apportioned NHS current lines (pro rata). Returns both frames."""
    icb, practices = inp.icb, inp.practices
    if icb is None or icb.empty or practices is None or practices.empty:
        return apport, empty_lines()
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
    nhs = pd.DataFrame(lines) if lines else empty_lines()
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
        return empty_lines()
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
    return pd.DataFrame(rows).drop(columns=["_group", "_region"], errors="ignore") if rows else empty_lines()


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
