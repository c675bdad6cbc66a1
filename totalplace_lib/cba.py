"""The HM Treasury place-based cost-benefit engine (New Economy model, HMT 2014 guidance).

A *scenario* is plain data (a dict from params YAML): costs by funding agency and
year, and outcomes. For each outcome ``k`` and year ``t`` (year 0 = first year of
spend, undiscounted)::

    successes_k  = cohort x engagement x success x (1 - deadweight) x (1 - displacement) x (1 - leakage)
                   x attribution
    benefit_k,t  = successes_k x profile_k[t] x unit value (fiscal by agency, economic, social)
                   x (1 - optimism bias on benefits for the outcome's confidence grade)
                   (+ lifetime values, once per success in its first year of effect)
    profile_k[t] = sum over entry years j of share_j x persistence_k[t - j - lag]   (one cohort, or new
                   participants each year: ``cohort`` as a list by year)
    cost_t       = sum over agencies of (revenue + capital + in-kind)_a,t x (1 + optimism bias on costs
                   for the costs' grade) - receipts_a,t
    PV           = sum_t x_t x DF_t,  DF_t = prod_{i<=t} 1 / (1 + r_i)   (Green Book: 3.5% to year 30, then 3.0%)

Fiscal values are £ per success per year of effect, at the scenario's price year unless given as
``{value: ..., price_year: ...}`` (uprated with the GDP deflator); ``cashable`` says what share of an
outcome's fiscal benefit can be taken out of budgets (the rest is freed capacity).

Results: PV costs (by funder), PV benefits by type and by agency, NPV, BCR,
fiscal ROI, public-value ROI, payback year, value-for-money band, the who-pays /
who-benefits matrix, tornado, switching values and a seeded Monte Carlo.

All money is pounds at the scenario's ``price_year``. Arrays are vectorised over
draws, so a 10,000-draw Monte Carlo is one pass of numpy arithmetic.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
import pandas as pd

from . import paths
from .errors import ParamsError
from .gaps import Missing, guard
from .themes import period

logger = logging.getLogger(__name__)

VFM_BANDS = ((1.0, "poor"), (1.5, "low"), (2.0, "medium"), (4.0, "high"), (float("inf"), "very high"))
"""BCR upper bounds of value-for-money bands (DfT convention): <1 poor, 1-1.5 low, 1.5-2 medium, 2-4 high, >=4."""

OUTCOME_FIELDS = ("cohort", "engagement", "success", "deadweight", "displacement", "leakage", "attribution",
                  "value_scale")
RATE_FIELDS = ("engagement", "success", "deadweight", "displacement", "leakage", "attribution")
COST_KINDS = ("costs", "capital", "in_kind")
"""Kinds of cost a scenario can hold: revenue (``costs``), ``capital`` and ``in_kind`` (staff time or
assets given by a partner); each by funding agency and year, £, optimism bias applied. ``receipts``
(capital receipts, asset sales) are entered separately and reduce the net cost without adjustment."""
PRICE_YEAR_RE = re.compile(r"^(\d{4})/(\d{2})$")


# --- reference tables -----------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def discount_schedule() -> pd.DataFrame:
    """Green Book discount rates by year band (``from_year``, ``to_year``, ``rate``, ``source``)."""
    return pd.read_csv(paths.reference_dir() / "discount_rates.csv")


def discount_rates(years: int, flat: float | None = None) -> np.ndarray:
    """Rate applying in each year 0..years-1 (``flat`` overrides the schedule)."""
    if flat is not None:
        return np.full(years, float(flat))
    sched = discount_schedule()
    t = np.arange(years)
    rates = np.full(years, float(sched["rate"].iloc[-1]))
    for _, row in sched.iloc[::-1].iterrows():
        rates[(t >= row["from_year"]) & (t <= row["to_year"])] = row["rate"]
    return rates


def discount_factors(years: int, flat: float | np.ndarray | None = None) -> np.ndarray:
    """Discount factors DF_t for t = 0..years-1 (DF_0 = 1).

    With ``flat`` an array of n rates, returns an (n, years) array.
    """
    if isinstance(flat, np.ndarray):
        r = np.broadcast_to(flat[:, None], (flat.size, years)).copy()
        r[:, 0] = 0.0
        return 1.0 / np.cumprod(1.0 + r, axis=1)
    r = discount_rates(years, flat).copy()
    r[0] = 0.0
    return 1.0 / np.cumprod(1.0 + r)


@lru_cache(maxsize=1)
def optimism_bias_table() -> pd.DataFrame:
    """Optimism bias by confidence grade (1 best .. 5 worst): ``cost_uplift`` and ``benefit_reduction``."""
    return pd.read_csv(paths.reference_dir() / "optimism_bias.csv").set_index("confidence")


def cost_multiplier(grade: int, scale: float | np.ndarray = 1.0) -> float | np.ndarray:
    """Factor applied to costs of a confidence grade: 1 + scale x cost uplift."""
    return 1 + scale * float(optimism_bias_table().loc[grade, "cost_uplift"])


def benefit_kept(grade: int, scale: float | np.ndarray = 1.0) -> float | np.ndarray:
    """Share of benefits kept for a confidence grade: 1 - scale x benefit reduction."""
    return 1 - scale * float(optimism_bias_table().loc[grade, "benefit_reduction"])


def vfm_band(bcr: float) -> str:
    """Value-for-money band of a benefit-cost ratio (no net cost: 'very high (no net cost)')."""
    if not np.isfinite(bcr):
        return "very high (no net cost)"
    return next(label for bound, label in VFM_BANDS if bcr < bound)


# --- scenario as data -----------------------------------------------------------------------------------

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
    price_year: str = "2009/10"
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
        return [f"{self.start_year + t}/{str(self.start_year + t + 1)[-2:]}" for t in range(self.years)]


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
    m = PRICE_YEAR_RE.match(str(v)) if isinstance(v, str) else None
    if m is None or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
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
    from .costs import uprate

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
    price_year = _price_year(d.get("price_year", "2009/10"), "price_year")
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


def _is_rate(key: str) -> bool:
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
    if _is_rate(key) and not (0 <= lo and hi <= 1):
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


# --- evaluation ---------------------------------------------------------------------------------------

def _profile(o: Outcome, years: int) -> np.ndarray:
    """Effect in each year per success: each entry year's share of the cohort follows the persistence
    profile from its entry year plus the lag (cut at the horizon; the scenario's notes say so)."""
    p = np.zeros(years)
    pers = np.asarray(o.persistence)
    for j, share in enumerate(o.entries):
        start = j + o.lag
        n = max(0, min(pers.size, years - start))
        p[start: start + n] += share * pers[:n]
    return p


def _first_effect(o: Outcome, years: int) -> np.ndarray:
    """Share of successes whose first year of effect is each year (where lifetime values fall)."""
    p = np.zeros(years)
    for j, share in enumerate(o.entries):
        if j + o.lag < years:
            p[j + o.lag] += share
    return p


def evaluate(s: Scenario, levers: dict[str, float | np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Present values for a scenario, vectorised over draws of the levers.

    Parameters
    ----------
    levers : dict, optional
        Lever name -> value or array of n values (see :func:`central` for names).

    Returns
    -------
    dict of ndarray
        ``pv_costs``, ``pv_fiscal``, ``pv_economic``, ``pv_social``, ``pv_benefits``, ``npv`` (each shape (n,)),
        ``pv_costs_by_agency`` and ``pv_fiscal_by_agency`` (dicts of (n,) arrays).
    """
    lv = dict(levers or {})
    n = max([np.size(v) for v in lv.values()] + [1])

    def get(key: str) -> np.ndarray:
        v = lv.get(key)
        return np.broadcast_to(np.asarray(central(s, key) if v is None else v, dtype=float), (n,))

    rate = lv.get("discount_rate", s.discount_rate)
    if rate is None:
        df = np.broadcast_to(discount_factors(s.years), (n, s.years))
    else:
        df = discount_factors(s.years, np.broadcast_to(np.asarray(rate, dtype=float), (n,)).copy())
    ob = get("optimism_bias")
    cost_mult = get("costs") * cost_multiplier(s.cost_confidence, ob)
    pv_receipts = np.zeros(n) + sum((df @ s.receipts_of(a) for a in s.receipts), np.zeros(n))
    pv_costs_by = {a: cost_mult * (df @ s.gross_costs(a)) - df @ s.receipts_of(a) for a in s.funders}
    pv_fiscal_by = {a: np.zeros(n) for a in s.agencies}
    pv_cash = np.zeros(n)
    pv_econ = np.zeros(n)
    pv_soc = np.zeros(n)
    for o in s.outcomes:
        k = o.name
        succ = get(f"{k}.cohort") * get(f"{k}.engagement") * get(f"{k}.success") * (1 - get(f"{k}.deadweight")) \
            * (1 - get(f"{k}.displacement")) * (1 - get(f"{k}.leakage")) * get(f"{k}.attribution")
        keep = benefit_kept(o.confidence, ob) * get(f"{k}.value_scale")
        scale = succ * (df @ _profile(o, s.years)) * keep  # PV of every success's stream of £1 a year
        once = succ * (df @ _first_effect(o, s.years)) * keep  # PV of £1 once per success
        for agency in dict.fromkeys([*o.fiscal, *o.lifetime]):
            pv = scale * o.fiscal.get(agency, 0.0) + once * o.lifetime.get(agency, 0.0)
            pv_fiscal_by[agency] = pv_fiscal_by[agency] + pv
            pv_cash = pv_cash + pv * o.cashable_share(agency)
        pv_econ = pv_econ + scale * o.economic
        pv_soc = pv_soc + scale * o.social
    pv_costs = sum(pv_costs_by.values(), np.zeros(n))
    pv_fiscal = sum(pv_fiscal_by.values(), np.zeros(n))
    pv_benefits = pv_fiscal + pv_econ + pv_soc
    return {"pv_costs": pv_costs, "pv_fiscal": pv_fiscal, "pv_cashable": pv_cash, "pv_economic": pv_econ,
            "pv_social": pv_soc, "pv_benefits": pv_benefits, "npv": pv_benefits - pv_costs,
            "pv_receipts": pv_receipts, "pv_costs_by_agency": pv_costs_by, "pv_fiscal_by_agency": pv_fiscal_by}


def cash_flows(s: Scenario) -> pd.DataFrame:
    """Year-by-year flows at the central case (£, optimism bias applied).

    Columns: year, label, discount_factor, costs, fiscal, economic, social, net, and the
    cumulative discounted costs, fiscal benefits and net (all benefits) - the payback curve.
    """
    dfac = discount_factors(s.years, s.discount_rate)
    zero = np.zeros(s.years)
    costs, benefits = _cost_rows(s), _benefit_rows(s)
    gross = sum((f for _, kind, _, f in costs if kind != "receipts"), zero)
    receipts = -sum((f for _, kind, _, f in costs if kind == "receipts"), zero)
    fiscal = [(share, f) for _, _, kind, share, f in benefits if kind == "fiscal"]
    out = pd.DataFrame({"year": np.arange(s.years), "label": s.year_labels(), "discount_factor": dfac,
                        "gross_costs": gross, "receipts": receipts, "costs": gross - receipts,
                        "fiscal": sum((f for _, f in fiscal), zero),
                        "cashable": sum((f * share for share, f in fiscal), zero),
                        "economic": sum((f for _, _, kind, _, f in benefits if kind == "economic"), zero),
                        "social": sum((f for _, _, kind, _, f in benefits if kind == "social"), zero)})
    out["net"] = out["fiscal"] + out["economic"] + out["social"] - out["costs"]
    out["cum_pv_costs"] = (out["costs"] * dfac).cumsum()
    out["cum_pv_fiscal"] = (out["fiscal"] * dfac).cumsum()
    out["cum_pv_net"] = (out["net"] * dfac).cumsum()
    return out


def _cost_rows(s: Scenario) -> list[tuple[str, str, float, np.ndarray]]:
    """(agency, kind, optimism-bias factor, £ by year) for every cost schedule; receipts negative, unadjusted."""
    mult = cost_multiplier(s.cost_confidence, s.optimism_bias)
    rows = [(agency, label, mult, np.asarray(flow) * mult)
            for kind, label in (("costs", "revenue"), ("capital", "capital"), ("in_kind", "in kind"))
            for agency, flow in getattr(s, kind).items()]
    return rows + [(agency, "receipts", 1.0, -np.asarray(flow)) for agency, flow in s.receipts.items()]


def _benefit_rows(s: Scenario) -> list[tuple[str, str, str, float, np.ndarray]]:
    """(outcome, agency, kind, cashable share, £ by year) at the central case, optimism bias applied."""
    rows = []
    for o in s.outcomes:
        keep = benefit_kept(o.confidence, s.optimism_bias) * o.value_scale * o.successes
        flow, once = keep * _profile(o, s.years), keep * _first_effect(o, s.years)
        for agency in dict.fromkeys([*o.fiscal, *o.lifetime]):
            rows.append((o.name, agency, "fiscal", o.cashable_share(agency),
                         flow * o.fiscal.get(agency, 0.0) + once * o.lifetime.get(agency, 0.0)))
        rows += [(o.name, "(society)", kind, 0.0, flow * v) for kind, v in (("economic", o.economic),
                                                                            ("social", o.social)) if v]
    return rows


def cost_flows(s: Scenario) -> pd.DataFrame:
    """Costs by funder, kind and year as entered and with optimism bias (£; receipts negative, unadjusted).

    Columns: agency, kind (revenue, capital, in kind, receipts), optimism_bias_factor, then one per year label.
    """
    labels = s.year_labels()
    return pd.DataFrame([{"agency": a, "kind": k, "optimism_bias_factor": m, **dict(zip(labels, f, strict=True))}
                         for a, k, m, f in _cost_rows(s)],
                        columns=["agency", "kind", "optimism_bias_factor", *labels])


def benefit_flows(s: Scenario) -> pd.DataFrame:
    """Benefits by outcome, agency (or economic / social) and year at the central case (£, optimism bias applied).

    Columns: outcome, agency, kind (fiscal, economic, social), cashable share, then one per year label.
    """
    labels = s.year_labels()
    return pd.DataFrame([{"outcome": o, "agency": a, "kind": k, "cashable": c, **dict(zip(labels, f, strict=True))}
                         for o, a, k, c, f in _benefit_rows(s)],
                        columns=["outcome", "agency", "kind", "cashable", *labels])


@dataclass(frozen=True)
class Appraisal:
    """The central-case results of a scenario (pounds at ``price_year``, present values)."""

    scenario: str
    price_year: str
    pv_costs: float
    pv_fiscal: float
    pv_economic: float
    pv_social: float
    npv: float
    bcr: float
    fiscal_roi: float
    public_value_roi: float
    payback_year: int | None
    payback_label: str | None
    vfm: str
    costs_by_agency: dict[str, float]
    fiscal_by_agency: dict[str, float]
    annuity_factor: float = 1.0  # sum of discount factors over the horizon
    pv_cashable: float = 0.0
    pv_receipts: float = 0.0
    notes: tuple[str, ...] = ()
    cashable_stated: bool = False

    @property
    def annual_fiscal_saving(self) -> float:
        """Net fiscal saving (fiscal benefits minus costs) as an equivalent annual amount (£ a year, same PV)."""
        return self.fiscal_npv / self.annuity_factor

    @property
    def annual_cashable_saving(self) -> float:
        """Net *cashable* saving (cashable fiscal benefits minus costs) as an equivalent annual amount (£ a
        year): what could come out of budgets, the base of the Total Place 2% test. A gap when the scenario
        does not say which of its savings are cashable."""
        if not self.cashable_stated:
            from .gaps import Missing

            return Missing(f"the scenario '{self.scenario}' does not say which fiscal benefits are cashable "
                           "(give each outcome a 'cashable' share)")
        return (self.pv_cashable - self.pv_costs) / self.annuity_factor

    @property
    def cashable_share(self) -> float:
        """Share (0-1) of PV fiscal benefits that is cashable."""
        return self.pv_cashable / self.pv_fiscal if self.pv_fiscal else 0.0

    @property
    def pv_benefits(self) -> float:
        return self.pv_fiscal + self.pv_economic + self.pv_social

    @property
    def fiscal_npv(self) -> float:
        """Cashable-side NPV: fiscal benefits only, minus costs."""
        return self.pv_fiscal - self.pv_costs


def appraise(s: Scenario) -> Appraisal:
    """Central-case appraisal: NPV, BCR, ROIs, payback (first year cumulative discounted fiscal
    benefits reach cumulative discounted costs), VfM band and PVs by agency."""
    r = evaluate(s)
    cf = cash_flows(s)
    pay, label = payback(cf)
    pv_costs = float(r["pv_costs"][0])
    pv_ben = float(r["pv_benefits"][0])
    bcr = pv_ben / pv_costs if pv_costs > 0 else float("inf")
    return Appraisal(
        scenario=s.name, price_year=s.price_year, pv_costs=pv_costs, pv_fiscal=float(r["pv_fiscal"][0]),
        pv_economic=float(r["pv_economic"][0]), pv_social=float(r["pv_social"][0]), npv=float(r["npv"][0]),
        bcr=bcr, fiscal_roi=float(r["pv_fiscal"][0]) / pv_costs if pv_costs > 0 else float("inf"),
        public_value_roi=bcr, payback_year=pay, payback_label=label,
        vfm=vfm_band(bcr),
        costs_by_agency={a: float(v[0]) for a, v in r["pv_costs_by_agency"].items()},
        fiscal_by_agency={a: float(v[0]) for a, v in r["pv_fiscal_by_agency"].items() if v[0] != 0},
        annuity_factor=float(cf["discount_factor"].sum()), pv_cashable=float(r["pv_cashable"][0]),
        pv_receipts=float(r["pv_receipts"][0]), notes=tuple(s.notes),
        cashable_stated=any(o.cashable for o in s.outcomes),
    )


def payback(cf: pd.DataFrame) -> tuple[int | None, str | None]:
    """Payback: the first year, from the first year anything is spent, in which cumulative discounted
    fiscal benefits reach cumulative discounted net costs. (None, None) if never within the horizon;
    (None, 'no costs') when nothing is spent."""
    spent = cf.index[cf["gross_costs"] > 0]
    if not len(spent):
        return None, "no costs"
    paid = cf.index[(cf.index >= spent[0]) & (cf["cum_pv_fiscal"] >= cf["cum_pv_costs"])]
    if not len(paid):
        return None, None
    return int(cf.loc[paid[0], "year"]), str(cf.loc[paid[0], "label"])


def who_benefits(a: Appraisal) -> pd.DataFrame:
    """Who pays / who benefits: PV fiscal benefits by funding agency (rows) x benefiting agency (columns).

    Each benefiting agency's PV is shared among funders in proportion to their share of PV
    costs, so the matrix sums to the total PV fiscal benefit. Row sums against each funder's
    own costs show the 'wrong pocket': who pays without getting their money back.
    """
    total_cost = sum(a.costs_by_agency.values())
    rows = {f: {b: v * c / total_cost for b, v in a.fiscal_by_agency.items()} for f, c in a.costs_by_agency.items()}
    m = pd.DataFrame(rows).T.fillna(0.0)
    m.index.name = "funder"
    m.columns.name = "beneficiary"
    return m


def pockets(a: Appraisal) -> pd.DataFrame:
    """Per agency: PV it pays, PV fiscal benefit it receives, and its own net position (£)."""
    agencies = list(dict.fromkeys([*a.costs_by_agency, *a.fiscal_by_agency]))
    df = pd.DataFrame({"agency": agencies,
                       "pays": [a.costs_by_agency.get(x, 0.0) for x in agencies],
                       "receives": [a.fiscal_by_agency.get(x, 0.0) for x in agencies]})
    df["net"] = df["receives"] - df["pays"]
    return df.sort_values("receives", ascending=False).reset_index(drop=True)


# --- sensitivity ---------------------------------------------------------------------------------------

def tornado(s: Scenario, ranges: dict[str, tuple[float, float]] | None = None) -> pd.DataFrame:
    """NPV with each assumption at its low and high value, the others central; widest swing first.

    ``ranges`` defaults to the scenario's ``uncertainty`` (low, high).
    """
    ranges = ranges or {k: (v["low"], v["high"]) for k, v in s.uncertainty.items()}
    base = float(evaluate(s)["npv"][0])
    rows = []
    for key, (lo, hi) in ranges.items():
        npv = evaluate(s, {key: np.array([lo, hi])})["npv"]
        rows.append({"assumption": key, "low": lo, "central": central(s, key), "high": hi,
                     "npv_low": float(npv[0]), "npv_high": float(npv[1]), "npv_central": base})
    out = pd.DataFrame(rows)
    if not out.empty:
        out["swing"] = (out["npv_high"] - out["npv_low"]).abs()
        out = out.sort_values("swing", ascending=False).reset_index(drop=True)
    return out


def switching_value(s: Scenario, key: str, lo: float | None = None, hi: float | None = None) -> float | None:
    """Value of one assumption at which NPV = 0 (others central), or None if NPV keeps its sign.

    Searches ``[lo, hi]`` (default: 0..1 for rates, 0..10x central otherwise) by bisection.
    """
    c = central(s, key)
    lo = lo if lo is not None else 0.0
    hi = hi if hi is not None else (1.0 if _is_rate(key) else 10 * max(c, 1e-9))
    grid = np.linspace(lo, hi, 401)
    npv = evaluate(s, {key: grid})["npv"]
    sign = np.sign(npv)
    cross = np.nonzero(sign[:-1] * sign[1:] <= 0)[0]
    if not len(cross):
        return None
    a, b = grid[cross[0]], grid[cross[0] + 1]
    for _ in range(60):
        m = (a + b) / 2
        fa = float(evaluate(s, {key: a})["npv"][0])
        fm = float(evaluate(s, {key: m})["npv"][0])
        a, b = (a, m) if fa * fm <= 0 else (m, b)
    return float((a + b) / 2)


@dataclass(frozen=True)
class MonteCarlo:
    """Distribution of NPV over draws of the uncertain assumptions."""

    npv: np.ndarray
    bcr: np.ndarray
    p_benefit_exceeds_cost: float
    p_interval: tuple[float, float]
    draws: int
    seed: int

    def percentiles(self, q=(5, 50, 95)) -> dict[int, float]:
        """NPV percentiles (£)."""
        return {int(p): float(v) for p, v in zip(q, np.percentile(self.npv, q), strict=True)}


def sample_levers(s: Scenario, draws: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Draw each uncertain assumption: triangular(low, central, high) unless ``dist: uniform``."""
    out = {}
    for key, spec in s.uncertainty.items():
        lo, hi = float(spec["low"]), float(spec["high"])
        mode = float(spec.get("mode", central(s, key)))
        mode = min(max(mode, lo), hi)
        if spec.get("dist", "triangular") == "uniform" or lo == hi:
            out[key] = rng.uniform(lo, hi, draws) if lo < hi else np.full(draws, lo)
        else:
            out[key] = rng.triangular(lo, mode, hi, draws)
    return out


def carry_ranges(original: Scenario, edited: Scenario) -> Scenario:
    """``edited`` with each uncertainty range moved with its assumption: a range is scaled by the ratio of
    the edited central value to the original one (rates capped at 1), so a range stays around the value the
    analyst chose. Without this a success rate moved to 0% would still be drawn from its old range and the
    explorer would show P(benefits > costs) well above zero beside an NPV with no benefits.
    """
    moved = {}
    for key, spec in original.uncertainty.items():
        was, now = central(original, key), central(edited, key)
        if was == now or was == 0:
            moved[key] = spec
            continue
        top = 1.0 if _is_rate(key) else float("inf")
        moved[key] = {**spec, "low": min(float(spec["low"]) * now / was, top),
                      "high": min(float(spec["high"]) * now / was, top)}
        if "mode" in spec:
            moved[key]["mode"] = now
    return replace(edited, uncertainty=moved)


def monte_carlo(s: Scenario, draws: int = 10_000, seed: int = 2010) -> MonteCarlo:
    """Seeded Monte Carlo over the scenario's ``uncertainty``: NPV distribution and P(benefits > costs).

    The interval on the probability is the Wilson 95% interval (PHStatsMethods, the DHSC
    Fingertips implementation) for ``count(NPV > 0)`` of ``draws``: it reflects simulation
    error only, not model error.
    """
    from PHStatsMethods import wilson_lower, wilson_upper

    rng = np.random.default_rng(seed)
    r = evaluate(s, sample_levers(s, draws, rng))
    npv = np.broadcast_to(r["npv"], (draws,))
    costs = np.broadcast_to(r["pv_costs"], (draws,))
    ben = np.broadcast_to(r["pv_benefits"], (draws,))
    bcr = np.divide(ben, costs, out=np.full(draws, np.inf), where=costs > 0)
    k = int((npv > 0).sum())
    return MonteCarlo(npv=npv, bcr=bcr, p_benefit_exceeds_cost=k / draws,
                      p_interval=(float(wilson_lower(k, draws, 0.95)), float(wilson_upper(k, draws, 0.95))),
                      draws=draws, seed=seed)


# --- scenarios for a place and theme -------------------------------------------------------------------

FROM_DATA = "from data:"


def fill_from_data(d, values: dict, where: str = "scenario"):
    """Replace every ``"from data: <key>"`` string in a scenario template with ``values[key]``.

    Raises
    ------
    ParamsError
        If a template asks for a value the theme did not compute.
    """
    if isinstance(d, dict):
        return {k: fill_from_data(v, values, f"{where}.{k}") for k, v in d.items()}
    if isinstance(d, list):
        return [fill_from_data(v, values, f"{where}[{i}]") for i, v in enumerate(d)]
    if isinstance(d, str) and d.startswith(FROM_DATA):
        key = d[len(FROM_DATA):].strip()
        if key not in values:
            raise ParamsError(f"template asks for '{key}', which the notebook does not compute "
                              f"(available: {', '.join(sorted(values))})", column=where)
        return values[key]
    return d


def template_path(theme: str):
    """The default scenario template of a theme (``data/reference/scenarios/<theme>.yaml``)."""
    return paths.reference_dir() / "scenarios" / f"{theme}.yaml"


def scenario_for(place, theme: str, values: dict, year: int | None = None) -> tuple[Scenario, str]:
    """The redesign scenario for a place and theme, and where it came from.

    The place's params file wins (``scenarios: <theme>:``); otherwise the theme's template,
    with ``"from data: ..."`` placeholders filled from ``values`` (figures the notebook computed at the
    report's prices). With ``year``, a template's case starts the year after the report's and is priced
    at its price year, so the figures filled in and the scenario agree. A template part whose figure
    the data cannot give (a :class:`~totalplace_lib.gaps.Missing` value) is left out of the case and a
    note says so; if nothing is left, the gap is returned.
    """
    import yaml

    d = place.scenarios.get(theme)
    origin = f"params/{place.slug}.yaml (scenarios: {theme})"
    notes: list[str] = []
    if d is None and isinstance(values, Missing):  # the theme could not size its default case at all
        return values, values
    if isinstance(values, Missing):  # a params file's own case needs none of the theme's figures
        values = {}
    if d is None:
        path = template_path(theme)
        d = yaml.safe_load(path.read_text(encoding="utf-8"))
        origin = f"{paths.relative(path)} (default; placeholders filled from the place's data)"
        if year is not None:
            d["price_year"], d["start_year"] = period(year), year + 1
        d, notes = _without_gaps(d, values)
        if d is None:
            return notes, notes
    known = {k: v for k, v in values.items() if not isinstance(v, Missing)}  # the gaps' parts are left out
    sc = scenario_from_dict(fill_from_data(d, known, theme), name=theme)
    sc.notes.extend(notes)
    return sc, origin


def _placeholders(x):
    """The keys of every ``"from data: <key>"`` string in a template part (the strings :func:`fill_from_data`
    replaces)."""
    if isinstance(x, dict):
        x = list(x.values())
    if isinstance(x, list):
        for v in x:
            yield from _placeholders(v)
    elif isinstance(x, str) and x.startswith(FROM_DATA):
        yield x[len(FROM_DATA):].strip()


def _without_gaps(d: dict, values: dict) -> tuple[dict | None, list]:
    """A template without the outcomes and cost lines whose ``from data`` figure is a gap, and notes saying so."""
    def gap_in(x):
        return next((values[k] for k in _placeholders(x) if isinstance(values.get(k), Missing)), None)

    out, notes = dict(d), []
    kept = []
    for o in d.get("outcomes", []):
        g = gap_in(o)
        if g is None:
            kept.append(o)
        else:
            notes.append(f"Outcome '{o.get('name')}' is left out of the case: {g.reason}")
    out["outcomes"] = kept
    for kind in ("costs", "capital", "in_kind", "receipts"):
        if kind in d:
            out[kind] = {a: v for a, v in d[kind].items() if gap_in(v) is None}
            notes += [f"The {kind.replace('_', ' ')} of {a} is left out with it." for a, v in d[kind].items()
                      if gap_in(v) is not None]
    if not kept:
        first = next((v for v in values.values() if isinstance(v, Missing)), None)
        return None, first or Missing("no outcome of the case can be sized from the data.")
    unc = out.get("uncertainty", {})
    names = {o.get("name") for o in kept}
    out["uncertainty"] = {k: v for k, v in unc.items() if "." not in k or k.split(".")[0] in names}
    return out, notes


guard(globals(), keep=("scenario_for",))
