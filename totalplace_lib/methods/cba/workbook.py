"""A redesign scenario and its results as an Excel workbook a finance officer can check.

Laid out like the HM Treasury / New Economy CBA model: **Inputs** (every assumption, the optimism-bias
table used and what the engine adjusted), **Costs** and **Benefits** (flows by agency and year with the
discount factors, and each present value as a live ``SUMPRODUCT`` formula beside the engine's figure),
**Results** (NPV, BCR, ROI, payback, cashable saving) and **Who benefits** (funder x beneficiary).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from totalplace_lib.core.files import save_workbook
from totalplace_lib.core.fmt import EXCEL_MONEY as MONEY
from totalplace_lib.core.gaps import passes_gaps
from totalplace_lib.methods import cba


def _sheet_table(ws, top: int, df: pd.DataFrame, money_from: int | None = None) -> int:
    """Write a DataFrame at row ``top`` (header bold); return the next free row."""
    from openpyxl.styles import Font

    for j, col in enumerate(df.columns, start=1):
        ws.cell(top, j, str(col)).font = Font(bold=True)
    for i, row in enumerate(df.itertuples(index=False), start=top + 1):
        for j, v in enumerate(row, start=1):
            cell = ws.cell(i, j, v.item() if isinstance(v, np.generic) else v)
            if money_from is not None and j >= money_from and isinstance(cell.value, int | float):
                cell.number_format = MONEY
    return top + len(df) + 2


def _flows_sheet(ws, title: str, flows: pd.DataFrame, first_year_col: int, s: cba.Scenario,
                 engine_pv: list[float]) -> None:
    """Flows by year under a discount-factor row, with PV formulas and the engine's PV beside them."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=13)
    labels = s.year_labels()
    dfac = cba.discount_factors(s.years, s.discount_rate)
    ws.cell(3, first_year_col - 1, "discount factor").font = Font(bold=True)
    for k, (lab, d) in enumerate(zip(labels, dfac, strict=True)):
        ws.cell(2, first_year_col + k, lab).font = Font(bold=True)
        ws.cell(3, first_year_col + k, float(d)).number_format = "0.0000"
    head = list(flows.columns[: first_year_col - 1])
    for j, h in enumerate(head, start=1):
        ws.cell(5, j, h).font = Font(bold=True)
    pv_col = first_year_col + len(labels)
    ws.cell(5, pv_col, "PV (formula)").font = Font(bold=True)
    ws.cell(5, pv_col + 1, "PV (engine)").font = Font(bold=True)
    a, b = get_column_letter(first_year_col), get_column_letter(pv_col - 1)
    for i, (row, pv) in enumerate(zip(flows.itertuples(index=False), engine_pv, strict=True), start=6):
        for j, v in enumerate(row, start=1):
            c = ws.cell(i, j, v.item() if isinstance(v, np.generic) else v)
            if j >= first_year_col:
                c.number_format = MONEY
        ws.cell(i, pv_col, f"=SUMPRODUCT({a}{i}:{b}{i},{a}$3:{b}$3)").number_format = MONEY
        ws.cell(i, pv_col + 1, float(pv)).number_format = MONEY


class Written:
    """What :func:`write` wrote: ``path``; shows as one stable line (no temporary folder in it), so reruns
    give identical notebooks."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"redesign workbook written: {self.path.name}"


@passes_gaps
def write(s: cba.Scenario, a: cba.Appraisal, path: Path, origin: str = "") -> Written:
    """Write the workbook atomically to ``path`` (``.xlsx``); return a :class:`Written` (``.path``)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Inputs"
    ws["A1"] = f"Redesign case: {s.name}"
    ws["A1"].font = Font(bold=True, size=13)
    settings = pd.DataFrame([
        ("Assumptions from", origin or "scenario data"), ("Description", s.description),
        ("Price year", s.price_year), ("Horizon (years)", s.years),
        ("First year", s.year_labels()[0]),
        ("Discount rate", "Green Book schedule (3.5% to year 30, 3.0% after)" if s.discount_rate is None
         else s.discount_rate),
        ("Optimism bias scale", s.optimism_bias), ("Costs' confidence grade", s.cost_confidence),
    ], columns=["setting", "value"])
    row = _sheet_table(ws, 3, settings)
    outcomes = pd.DataFrame([{
        "outcome": o.name, "cohort": o.cohort, "entry years": len(o.entries), "engagement": o.engagement,
        "success": o.success, "deadweight": o.deadweight, "displacement": o.displacement, "leakage": o.leakage,
        "attribution": o.attribution, "net successes": o.successes, "lag": o.lag, "confidence grade": o.confidence,
        "persistence": ", ".join(f"{x:g}" for x in o.persistence),
        "fiscal £ per success a year": "; ".join(f"{k} {v:,.0f}" for k, v in o.fiscal.items()),
        "lifetime £ per success": "; ".join(f"{k} {v:,.0f}" for k, v in o.lifetime.items()),
        "cashable": "; ".join(f"{k} {v:.0%}" for k, v in o.cashable.items()) or "not stated",
        "economic £": o.economic, "social £": o.social} for o in s.outcomes])
    row = _sheet_table(ws, row, outcomes)
    ob = cba.optimism_bias_table().reset_index()
    ws.cell(row, 1, "Optimism bias by confidence grade (data/reference/optimism_bias.csv)").font = Font(bold=True)
    row = _sheet_table(ws, row + 1, ob)
    ws.cell(row, 1, "What the engine assumed or adjusted").font = Font(bold=True)
    for k, note in enumerate(s.notes or ["nothing"], start=row + 1):
        ws.cell(k, 1, note)

    cf_costs = cba.cost_flows(s)
    dfac = cba.discount_factors(s.years, s.discount_rate)
    pv_c = [float(np.asarray(r[s.year_labels()], float) @ dfac) for _, r in cf_costs.iterrows()]
    _flows_sheet(wb.create_sheet("Costs"), f"Costs by funder and year (£ at {s.price_year} prices, optimism bias "
                 "applied; receipts negative)", cf_costs, 4, s, pv_c)
    bf = cba.benefit_flows(s)
    pv_b = [float(np.asarray(r[s.year_labels()], float) @ dfac) for _, r in bf.iterrows()]
    _flows_sheet(wb.create_sheet("Benefits"), f"Benefits by outcome, agency and year (£ at {s.price_year} prices, "
                 "optimism bias applied)", bf, 5, s, pv_b)

    res = wb.create_sheet("Results")
    res["A1"] = "Results (present values)"
    res["A1"].font = Font(bold=True, size=13)
    results = pd.DataFrame([
        ("PV costs (net of receipts)", a.pv_costs), ("PV receipts", a.pv_receipts), ("PV fiscal benefits", a.pv_fiscal),
        ("PV cashable fiscal benefits", a.pv_cashable), ("PV economic benefits", a.pv_economic),
        ("PV social benefits", a.pv_social), ("NPV", a.npv),
        ("Benefit-cost ratio", a.bcr if np.isfinite(a.bcr) else "no net cost"),
        ("Fiscal ROI", a.fiscal_roi if np.isfinite(a.fiscal_roi) else "no net cost"),
        ("Value for money", a.vfm), ("Payback", a.payback_label or "not within the horizon"),
        ("Net fiscal saving a year (equivalent annual)", a.annual_fiscal_saving),
        ("Net cashable saving a year (equivalent annual)",
         a.annual_cashable_saving if a.cashable_stated else "cashable share not stated"),
    ], columns=["measure", "value"])
    end = _sheet_table(res, 3, results, money_from=2)
    for r in range(4, end):
        if res.cell(r, 1).value in ("Benefit-cost ratio", "Fiscal ROI") and isinstance(res.cell(r, 2).value, float):
            res.cell(r, 2).number_format = "0.00"
    wb_ = wb.create_sheet("Who benefits")
    wb_["A1"] = "Who pays, who benefits: PV fiscal benefit by funder (rows) and beneficiary (columns)"
    wb_["A1"].font = Font(bold=True, size=13)
    m = cba.who_benefits(a).reset_index()
    _sheet_table(wb_, 3, m, money_from=2)
    for sheet in wb.worksheets:
        sheet.column_dimensions["A"].width = 34

    return Written(save_workbook(wb, path))
