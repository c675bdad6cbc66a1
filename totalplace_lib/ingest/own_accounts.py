"""Stages 2 and 3 of the count (:mod:`.count`): every local body's own accounts placed in the areas it serves,
carried forward where a return is missing, and DfE's Section 52 children's lines in 2009/10."""

from __future__ import annotations

import logging
from collections import defaultdict

import numpy as np
import pandas as pd

from totalplace_lib.core.periods import fy_label
from totalplace_lib.core.schema import ENGLAND_CODE
from totalplace_lib.ingest.bodies import Served
from totalplace_lib.ingest.count_model import (
    CARRIED,
    COUNCIL,
    LOCAL_BODY,
    SPEND_COLUMNS,
    Classification,
    Count,
    Inputs,
    empty_lines,
)
from totalplace_lib.ingest.drivers import apportion_lines, describe, driver_weights

logger = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------------------
# 2. Own accounts: every body placed in the areas it serves


def own_accounts(inp: Inputs, cls: Classification, years: list[int], out: Count) -> pd.DataFrame:
    """Every body's Revenue Outturn for the count's years, in the areas it serves (carried forward where the
    body's return is missing); one row per area, year and line, with ``_tag`` (``RO:<service>``)."""
    o = inp.outturn
    if o is None or o.empty:
        return empty_lines()
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
    lines = pd.DataFrame(rows) if rows else empty_lines()
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
