"""A redesign scenario as data, and its validation: costs by funder and year, outcomes, horizon and price
year, read from plain dicts (a params file's ``scenarios: <theme>:`` or a theme's template) with every
error naming the key path; and the named assumptions ("levers") that sensitivity and Monte Carlo move.

All money is pounds at the scenario's ``price_year``; a fiscal value given at another price year
(``{value: ..., price_year: ...}``) is uprated with the GDP deflator and a note says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from totalplace_lib.core import paths
from totalplace_lib.core.errors import ParamsError
from totalplace_lib.core.periods import fy_label, is_fy_label
from totalplace_lib.methods.cba.rates import discount_rates

OUTCOME_FIELDS = ("cohort", "engagement", "success", "deadweight", "displacement", "leakage", "attribution",
                  "value_scale")
RATE_FIELDS = ("engagement", "success", "deadweight", "displacement", "leakage", "attribution")
COST_KINDS = ("costs", "capital", "in_kind")
"""Kinds of cost a scenario can hold: revenue (``costs``), ``capital`` and ``in_kind`` (staff time or
assets given by a partner); each by funding agency and year, £, optimism bias applied. ``receipts``
(capital receipts, asset sales) are entered separately and reduce the net cost without adjustment."""


@dataclass
class Outcome:
    """One outcome of an intervention; values are £ per successful participant per year of effect."""

    name: str
    cohort: float
    engagement: float
    success: float
    deadweight: float
    attribution: float
    persistence: list[float]
    fiscal: dict[str, float]
    lag: int = 0
    economic: float = 0.0
    social: float = 0.0
    confidence: int = 3
    value_scale: float = 1.0
    displacement: float = 0.0
    leakage: float = 0.0
    entries: list[float] = field(default_factory=lambda: [1.0])  # share of the cohort entering in each year
    cashable: dict[str, float] = field(default_factory=dict)  # agency (or '*') -> share of fiscal value cashable
    lifetime: dict[str, float] = field(default_factory=dict)  # agency -> £ once per success (lifetime cost)

    @property
    def successes(self) -> float:
        """Net successes attributable to the intervention (all years' participants)."""
        return (self.cohort * self.engagement * self.success * (1 - self.deadweight) * (1 - self.displacement)
                * (1 - self.leakage) * self.attribution)

    def cashable_share(self, agency: str) -> float:
        """Share (0-1) of this outcome's fiscal benefit to ``agency`` that can be taken out of budgets."""
        return self.cashable.get(agency, self.cashable.get("*", 0.0))


@dataclass
class Scenario:
    """A redesign scenario: costs by funder and year, outcomes, horizon and price year."""

    name: str
    years: int
    costs: dict[str, list[float]]
    outcomes: list[Outcome]
    price_year: str
    cost_confidence: int = 3
    discount_rate: float | None = None  # None = Green Book schedule
    optimism_bias: float = 1.0  # scale on the optimism-bias table (0 = off)
    uncertainty: dict[str, dict] = field(default_factory=dict)
    start_year: int | None = None  # calendar/financial year of year 0, for labels
    description: str = ""
    capital: dict[str, list[float]] = field(default_factory=dict)
    in_kind: dict[str, list[float]] = field(default_factory=dict)
    receipts: dict[str, list[float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    """What the engine assumed or adjusted, in words (optimism bias, truncation, uprating)."""

    @property
    def funders(self) -> list[str]:
        """Agencies that pay (any kind of cost) or receive receipts."""
        return list(dict.fromkeys([*self.costs, *self.capital, *self.in_kind, *self.receipts]))

    @property
    def agencies(self) -> list[str]:
        """Every agency that pays or benefits, funders first."""
        out = self.funders
        for o in self.outcomes:
            out += [a for a in [*o.fiscal, *o.lifetime] if a not in out]
        return out

    def gross_costs(self, agency: str) -> np.ndarray:
        """Revenue + capital + in-kind costs of one agency by year (£, before optimism bias)."""
        total = np.zeros(self.years)
        for kind in COST_KINDS:
            total = total + np.asarray(getattr(self, kind).get(agency, [0.0] * self.years))
        return total

    def receipts_of(self, agency: str) -> np.ndarray:
        """Receipts of one agency by year (£, no optimism bias)."""
        return np.asarray(self.receipts.get(agency, [0.0] * self.years))

    def year_labels(self) -> list[str]:
        """``2010/11`` style labels when ``start_year`` is set, else ``year 0``..."""
        if self.start_year is None:
            return [f"year {t}" for t in range(self.years)]
        return [fy_label(self.start_year + t) for t in range(self.years)]


def _num(d: dict, key: str, where: str, lo: float | None = None, hi: float | None = None, default=None) -> float:
    if key not in d:
        if default is not None:
            return default
        raise ParamsError(f"{where}: '{key}' is required", column=f"{where}.{key}")
    v = d[key]
    if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v):
        raise ParamsError(f"{where}: '{key}' must be a number, got {v!r}", column=f"{where}.{key}")
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise ParamsError(f"{where}: '{key}' = {v} is outside {lo}..{hi}", column=f"{where}.{key}")
    return float(v)


def _price_year(v, where: str) -> str:
    """A financial year like ``2009/10`` (the second part the year after the first)."""
    if not is_fy_label(v):
        raise ParamsError(f"{where}: price year {v!r} is not a financial year like '2009/10'", column=where)
    return str(v)


def _flows(flows, years: int, where: str, kind: str) -> list[float]:
    """A list of £ by year, non-negative, within the horizon, padded with zeros."""
    if not isinstance(flows, list) or not all(isinstance(x, int | float) and not isinstance(x, bool)
                                              and np.isfinite(x) for x in flows):
        raise ParamsError(f"{where}: {kind} must be a list of £ by year (numbers)", column=where)
    if any(x < 0 for x in flows):
        hint = (" (a capital receipt or asset sale goes under 'receipts:', where it reduces the net cost)"
                if kind != "receipts" else "")
        raise ParamsError(f"{where}: {kind} must be £0 or more in every year{hint}", column=where)
    if len(flows) > years:
        raise ParamsError(f"{where}: {kind} run {len(flows)} years, beyond the {years}-year horizon", column=where)
    return [float(x) for x in flows] + [0.0] * (years - len(flows))


def _money_by_agency(d, where: str, price_year: str, notes: list[str]) -> dict[str, float]:
    """Agency -> £ (a number at the scenario's price year, or ``{value, price_year}`` uprated to it)."""
    from totalplace_lib.methods.costs import uprate

    if not isinstance(d, dict):
        raise ParamsError(f"{where} must map agency -> £ per success", column=where)
    out = {}
    for agency, v in d.items():
        if isinstance(v, dict):
            if set(v) - {"value", "price_year", "source"} or "value" not in v or "price_year" not in v:
                raise ParamsError(f"{where}.{agency}: give a number, or {{value: £, price_year: 'YYYY/YY'}}",
                                  column=f"{where}.{agency}")
            amount = _num(v, "value", f"{where}.{agency}")
            py = _price_year(v["price_year"], f"{where}.{agency}.price_year")
            if py != price_year:
                try:
                    amount = uprate(amount, py, price_year)
                except KeyError as exc:
                    raise ParamsError(f"{where}.{agency}: {exc.args[0]}", column=f"{where}.{agency}") from None
                notes.append(f"{where}.{agency}: £{v['value']:,.0f} at {py} prices uprated to £{amount:,.0f} at "
                             f"{price_year} (GDP deflator)")
            out[str(agency)] = amount
        elif isinstance(v, int | float) and not isinstance(v, bool) and np.isfinite(v):
            out[str(agency)] = float(v)
        else:
            raise ParamsError(f"{where}.{agency}: {v!r} is not £ per success", column=f"{where}.{agency}")
    return out


def _outcome(o, i: int, years: int, price_year: str, notes: list[str]) -> Outcome:
    where = f"outcomes[{i}]"
    if not isinstance(o, dict) or "name" not in o:
        raise ParamsError(f"{where} must be a mapping with a name", column=where)
    known = {"name", "cohort", "engagement", "success", "deadweight", "displacement", "leakage", "attribution",
             "persistence", "fiscal", "lag", "economic", "social", "confidence", "cashable", "lifetime",
             "value_scale"}
    extra = set(o) - known
    if extra:
        raise ParamsError(f"{where}: unknown key(s) {', '.join(sorted(extra))}; allowed: {', '.join(sorted(known))}",
                          column=f"{where}.{sorted(extra)[0]}")
    pers = o.get("persistence")
    if pers is None:
        pers = [1.0]
        notes.append(f"{where}: no persistence given, so one year of effect per success is assumed")
    if not isinstance(pers, list) or not pers or not all(
            isinstance(x, int | float) and not isinstance(x, bool) and 0 <= x <= 1 for x in pers):
        raise ParamsError(f"{where}: 'persistence' must be a list of shares 0-1 by year of effect",
                          column=f"{where}.persistence")
    lag = int(_num(o, "lag", where, 0, years, default=0.0))
    if lag >= years:
        raise ParamsError(f"{where}: a lag of {lag} years leaves no year of effect within the {years}-year horizon",
                          column=f"{where}.lag")
    cohort = o.get("cohort")
    if isinstance(cohort, list):  # new participants each year
        entries = _flows(cohort, years, f"{where}.cohort", "new participants")
        total = sum(entries)
        if total <= 0:
            raise ParamsError(f"{where}: the yearly cohort has nobody in it", column=f"{where}.cohort")
        last = max(j for j, x in enumerate(entries) if x > 0)
        shares = [x / total for x in entries[: last + 1]]
    else:
        total, shares = _num(o, "cohort", where, 0), [1.0]
    reach = len(shares) - 1 + lag + len(pers)
    if reach > years:
        notes.append(f"{where}: effects run to year {reach - 1} but the horizon ends at year {years - 1}: "
                     f"the last {reach - years} year(s) of effect are not counted")
    fiscal = _money_by_agency(o.get("fiscal", {}), f"{where}.fiscal", price_year, notes)
    lifetime = _money_by_agency(o.get("lifetime", {}), f"{where}.lifetime", price_year, notes)
    cashable = o.get("cashable", {})
    if isinstance(cashable, int | float) and not isinstance(cashable, bool):
        cashable = {"*": cashable}
    if not isinstance(cashable, dict) or not all(isinstance(v, int | float) and 0 <= v <= 1
                                                 for v in cashable.values()):
        raise ParamsError(f"{where}: 'cashable' must be a share 0-1, or agency -> share 0-1",
                          column=f"{where}.cashable")
    return Outcome(
        name=str(o["name"]), cohort=total,
        engagement=_num(o, "engagement", where, 0, 1), success=_num(o, "success", where, 0, 1),
        deadweight=_num(o, "deadweight", where, 0, 1), attribution=_num(o, "attribution", where, 0, 1),
        displacement=_num(o, "displacement", where, 0, 1, default=0.0),
        leakage=_num(o, "leakage", where, 0, 1, default=0.0),
        persistence=[float(x) for x in pers], fiscal=fiscal, lag=lag,
        economic=_num(o, "economic", where, default=0.0), social=_num(o, "social", where, default=0.0),
        confidence=int(_num(o, "confidence", where, 1, 5, default=3.0)),
        entries=shares, cashable={str(k): float(v) for k, v in cashable.items()}, lifetime=lifetime,
    )


SCENARIO_KEYS = {"name", "years", "costs", "capital", "in_kind", "receipts", "outcomes", "price_year",
                 "cost_confidence", "discount_rate", "optimism_bias", "uncertainty", "start_year", "description"}


def scenario_from_dict(d: dict, name: str = "scenario") -> Scenario:
    """Build and validate a scenario from plain data (e.g. ``scenarios: <theme>:`` in params YAML).

    Raises
    ------
    ParamsError
        Naming the key path (``outcomes[1] 'x'.success``) and what is wrong; never a numpy error.
    """
    if not isinstance(d, dict):
        raise ParamsError(f"scenario '{name}' must be a mapping")
    extra = set(d) - SCENARIO_KEYS
    if extra:
        raise ParamsError(f"scenario '{name}': unknown key(s) {', '.join(sorted(extra))}; allowed: "
                          f"{', '.join(sorted(SCENARIO_KEYS))}", column=sorted(extra)[0])
    years = int(_num(d, "years", name, 1, 125))
    if "price_year" not in d:
        raise ParamsError(f"{name}: 'price_year' is required: the financial year every £ of the case is at, "
                          "like '2024/25'", column="price_year")
    price_year = _price_year(d["price_year"], "price_year")
    start = d.get("start_year")
    if start is not None and (isinstance(start, bool) or not isinstance(start, int) or not 1900 <= start <= 2200):
        raise ParamsError(f"{name}: start_year must be a whole year like 2010, got {start!r}", column="start_year")
    flows: dict[str, dict[str, list[float]]] = {}
    for kind in (*COST_KINDS, "receipts"):
        given = d.get(kind, {}) if kind != "costs" else d.get("costs", {})
        if given is None:
            given = {}
        if not isinstance(given, dict):
            raise ParamsError(f"{name}: '{kind}' must map agency -> list of £ by year", column=kind)
        flows[kind] = {str(a): _flows(f, years, f"{kind}.{a}", kind) for a, f in given.items()}
    if "costs" not in d and not any(flows[k] for k in ("capital", "in_kind")):
        raise ParamsError(f"{name}: 'costs' must map funding agency -> list of £ by year (use costs: {{}} for a "
                          "case whose costs sit elsewhere)", column="costs")
    notes: list[str] = []
    outcomes = [_outcome(o, i, years, price_year, notes) for i, o in enumerate(d.get("outcomes") or [])]
    if not outcomes:
        raise ParamsError(f"{name}: at least one outcome is needed", column="outcomes")
    graded = "cost_confidence" in d or any("confidence" in o for o in d["outcomes"])
    if "optimism_bias" in d:
        ob = _num(d, "optimism_bias", name, 0, 2)
    elif graded:
        ob = 1.0
    else:
        ob = 0.0
        notes.append("optimism bias not applied: the scenario states neither 'optimism_bias' nor a confidence "
                     "grade (give 'cost_confidence' and each outcome's 'confidence' to apply it)")
    if not ob and "optimism_bias" in d:
        notes.append("optimism bias switched off (optimism_bias: 0), as the scenario states")
    if ob:
        notes.append(f"optimism bias applied (x{ob:g}) by confidence grade: PROJECT DEFAULT percentages "
                     "(data/reference/optimism_bias.csv), not yet the HM Treasury 2014 local-partnership table")
    s = Scenario(
        name=str(d.get("name", name)), years=years, costs=flows["costs"], outcomes=outcomes,
        price_year=price_year,
        cost_confidence=int(_num(d, "cost_confidence", name, 1, 5, default=3.0)),
        discount_rate=None if d.get("discount_rate") is None else _num(d, "discount_rate", name, 0, 0.5),
        optimism_bias=ob, uncertainty=d.get("uncertainty") or {}, start_year=start,
        description=str(d.get("description", "")).strip(), capital=flows["capital"], in_kind=flows["in_kind"],
        receipts=flows["receipts"], notes=notes,
    )
    if not isinstance(s.uncertainty, dict):
        raise ParamsError(f"{name}: 'uncertainty' must map assumption -> {{low, high}}", column="uncertainty")
    for key, spec in s.uncertainty.items():
        _check_range(s, key, spec)
    return s


def is_rate(key: str) -> bool:
    """True if a lever (``discount_rate`` or ``<outcome>.<field>``) is a rate, so lies within 0..1."""
    return key.rpartition(".")[2] in RATE_FIELDS or key == "discount_rate"


def _check_range(s: Scenario, key: str, spec) -> None:
    """An uncertainty range: known assumption, numbers, low <= central <= high, rates within 0-1."""
    where = f"uncertainty.{key}"
    _check_lever(s, key)
    if not isinstance(spec, dict) or not {"low", "high"} <= set(spec):
        raise ParamsError(f"{where}: needs low and high", column=where)
    lo, hi = _num(spec, "low", where), _num(spec, "high", where)
    if lo > hi:
        raise ParamsError(f"{where}: low {lo:g} is above high {hi:g}", column=where)
    fld = key.rpartition(".")[2]
    if is_rate(key) and not (0 <= lo and hi <= 1):
        raise ParamsError(f"{where}: {lo:g}..{hi:g} is outside 0..1 (a rate)", column=where)
    if key in ("costs", "optimism_bias") or fld in ("cohort", "value_scale"):
        if lo < 0:
            raise ParamsError(f"{where}: low {lo:g} is negative", column=where)
    mode = _num(spec, "mode", where, default=central(s, key)) if "mode" in spec else central(s, key)
    if not lo <= mode <= hi:
        raise ParamsError(f"{where}: the range {lo:g}..{hi:g} excludes the central value {mode:g}"
                          + ("" if "mode" in spec else " (give 'mode' if the range should not contain it)"),
                          column=where)
    if spec.get("dist", "triangular") not in ("triangular", "uniform"):
        raise ParamsError(f"{where}: dist must be 'triangular' or 'uniform'", column=where)


# --- levers: named assumptions that sensitivity and Monte Carlo can move -----------------------------------

def _check_lever(s: Scenario, key: str) -> None:
    if key in ("costs", "discount_rate", "optimism_bias"):
        return
    name, _, fld = key.rpartition(".")
    if fld not in OUTCOME_FIELDS or name not in {o.name for o in s.outcomes}:
        raise ParamsError(f"unknown assumption '{key}': use 'costs', 'discount_rate', 'optimism_bias' or "
                          f"'<outcome>.<{'|'.join(OUTCOME_FIELDS)}>'", column=f"uncertainty.{key}")


def central(s: Scenario, key: str) -> float:
    """Central value of a lever (``costs`` and ``<outcome>.value_scale`` are multipliers, 1 = central)."""
    _check_lever(s, key)
    if key == "costs":
        return 1.0
    if key == "discount_rate":
        return s.discount_rate if s.discount_rate is not None else float(discount_rates(1)[0])
    if key == "optimism_bias":
        return s.optimism_bias
    name, _, fld = key.rpartition(".")
    return float(getattr(next(o for o in s.outcomes if o.name == name), fld))


def check_scenarios(place, themes) -> None:
    """Check that every case a place's params file states is for a theme with a redesign case and validates.

    Parameters
    ----------
    place : Place
        The place (its ``scenarios`` from ``params/<slug>.yaml``).
    themes : iterable of str
        The themes that have a redesign case.

    Raises
    ------
    ParamsError
        Naming the params file, the line of ``scenarios:`` and the key path of what is wrong.
    """
    themes = list(themes)
    shown = paths.relative(place.file) if place.file else None
    for theme, scenario in place.scenarios.items():
        if theme not in themes:
            raise ParamsError(f"scenario for unknown theme '{theme}'; themes with a redesign case: "
                              f"{', '.join(themes)}", file=shown, line=place.line_of("scenarios"),
                              column=f"scenarios.{theme}")
        try:
            scenario_from_dict(scenario, name=theme)
        except ParamsError as exc:  # the params file is only reread to name the line when something is wrong
            raise ParamsError(exc.reason, file=shown, line=place.line_of("scenarios"),
                              column=f"scenarios.{theme}.{exc.column}" if exc.column else f"scenarios.{theme}"
                              ) from None
