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
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from totalplace_lib.core.gaps import passes_gaps
from totalplace_lib.methods.cba.rates import benefit_kept, cost_multiplier, discount_factors, vfm_band
from totalplace_lib.methods.cba.scenario import Outcome, Scenario, central, is_rate

logger = logging.getLogger(__name__)

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


@passes_gaps
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


@passes_gaps
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


@passes_gaps
def cost_flows(s: Scenario) -> pd.DataFrame:
    """Costs by funder, kind and year as entered and with optimism bias (£; receipts negative, unadjusted).

    Columns: agency, kind (revenue, capital, in kind, receipts), optimism_bias_factor, then one per year label.
    """
    labels = s.year_labels()
    return pd.DataFrame([{"agency": a, "kind": k, "optimism_bias_factor": m, **dict(zip(labels, f, strict=True))}
                         for a, k, m, f in _cost_rows(s)],
                        columns=["agency", "kind", "optimism_bias_factor", *labels])


@passes_gaps
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
            from totalplace_lib.core.gaps import Missing

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


@passes_gaps
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


@passes_gaps(returns=2)
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


@passes_gaps
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


@passes_gaps
def pockets(a: Appraisal) -> pd.DataFrame:
    """Per agency: PV it pays, PV fiscal benefit it receives, and its own net position (£)."""
    agencies = list(dict.fromkeys([*a.costs_by_agency, *a.fiscal_by_agency]))
    df = pd.DataFrame({"agency": agencies,
                       "pays": [a.costs_by_agency.get(x, 0.0) for x in agencies],
                       "receives": [a.fiscal_by_agency.get(x, 0.0) for x in agencies]})
    df["net"] = df["receives"] - df["pays"]
    return df.sort_values("receives", ascending=False).reset_index(drop=True)


# --- sensitivity ---------------------------------------------------------------------------------------

@passes_gaps
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


@passes_gaps
def switching_value(s: Scenario, key: str, lo: float | None = None, hi: float | None = None) -> float | None:
    """Value of one assumption at which NPV = 0 (others central), or None if NPV keeps its sign.

    Searches ``[lo, hi]`` (default: 0..1 for rates, 0..10x central otherwise) by bisection.
    """
    c = central(s, key)
    lo = lo if lo is not None else 0.0
    hi = hi if hi is not None else (1.0 if is_rate(key) else 10 * max(c, 1e-9))
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


@passes_gaps
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


@passes_gaps
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
        top = 1.0 if is_rate(key) else float("inf")
        moved[key] = {**spec, "low": min(float(spec["low"]) * now / was, top),
                      "high": min(float(spec["high"]) * now / was, top)}
        if "mode" in spec:
            moved[key]["mode"] = now
    return replace(edited, uncertainty=moved)


@passes_gaps
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
