"""Birth-cohort projection: one year's births followed to age 18 through children's services.

A Markov model (``data/reference/cohort_model.yaml``): each year of age a child is in one state
(universal services only, child in need, protection plan, looked after by placement); between
years it moves with annual transition probabilities; add-on events (youth justice, NEET at 16-17)
happen with a probability that depends on age and state. Each state-year and event is costed with
unit costs (£ at the price year) and discounted to the year of birth (Green Book schedule).

:func:`project` gives expected numbers and costs (exact arithmetic); :func:`simulate` follows
individual children with a seeded random generator, for the concentration of cost among them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from totalplace_lib.core import paths, reference
from totalplace_lib.core.errors import ParamsError
from totalplace_lib.core.gaps import passes_gaps
from totalplace_lib.methods import cba, costs

UNIVERSAL = "universal services only"
AGES = 18


@dataclass(frozen=True)
class Addon:
    """An event on top of the state: probability a year by state, within an age range, and its cost a year."""

    name: str
    ages: tuple[int, int]
    probability: np.ndarray  # by state
    cost: dict[str, float]
    agency: str


@dataclass(frozen=True)
class Model:
    """States, annual transition matrix (rows sum to 1), state costs and add-on events."""

    states: tuple[str, ...]
    matrix: np.ndarray
    state_costs: tuple[dict[str, float], ...]  # cost_id -> quantity a year, by state
    addons: tuple[Addon, ...]
    source: str

    def state_cost_gbp(self, price_year: str) -> np.ndarray:
        """£ a year of one child in each state, at ``price_year`` prices."""
        return np.array([_cost(c, price_year) for c in self.state_costs])


def _cost(items: dict[str, float], price_year: str) -> float:
    return float(sum(q * costs.unit_cost(cid, price_year) for cid, q in items.items()))


@passes_gaps
def model_from_dict(d: dict, where: str = "cohort model") -> Model:
    """Build and check a model (rows of the transition matrix must not exceed 1)."""
    states = tuple(d["states"])
    idx = {s: i for i, s in enumerate(states)}
    m = np.zeros((len(states), len(states)))
    for frm, row in (d.get("transitions") or {}).items():
        for to, p in row.items():
            if frm not in idx or to not in idx:
                raise ParamsError(f"{where}: transition {frm} -> {to} names an unknown state", column="transitions")
            m[idx[frm], idx[to]] = float(p)
    for i in range(len(states)):
        out = m[i].sum() - m[i, i]
        if out > 1 + 1e-12 or (m[i] < 0).any():
            raise ParamsError(f"{where}: probabilities out of '{states[i]}' sum to {out:.3f} (> 1)",
                              column=f"transitions.{states[i]}")
        m[i, i] = 1 - out
    addons = tuple(
        Addon(name, tuple(a["ages"]), np.array([float(a["probability"].get(s, 0.0)) for s in states]),
              {k: float(v) for k, v in a["cost"].items()}, a["agency"])
        for name, a in (d.get("addons") or {}).items()
    )
    state_costs = tuple({k: float(v) for k, v in (d["states"][s] or {}).get("costs", {}).items()} for s in states)
    return Model(states, m, state_costs, addons, str(d.get("source", "")))


@lru_cache(maxsize=4)
def load_model(path: str | None = None) -> Model:
    """The cohort model from YAML (default ``data/reference/cohort_model.yaml``)."""
    p = Path(path) if path else reference.path("cohort_model.yaml")
    return model_from_dict(yaml.safe_load(p.read_text(encoding="utf-8")), paths.relative(p))


@passes_gaps
def scale_entry(model: Model, ratio: float) -> Model:
    """Scale every probability of leaving universal services by ``ratio`` (e.g. place / England CLA rate)."""
    m = model.matrix.copy()
    i = model.states.index(UNIVERSAL)
    out = m[i].copy()
    out[i] = 0.0
    out *= ratio
    if out.sum() > 1:
        raise ValueError(f"entry ratio {ratio:.2f} makes leaving universal services more likely than 1")
    m[i] = out
    m[i, i] = 1 - out.sum()
    return replace(model, matrix=m)


@passes_gaps
def project(model: Model, births: float, price_year: str, ages: int = AGES,
            discount_rate: float | None = None) -> pd.DataFrame:
    """Expected children and cost by age and state for one birth cohort.

    Year of age ``a`` (0 = the year of birth) starts with one transition from the state of the
    year before; every child starts in universal services before age 0.

    Returns
    -------
    DataFrame
        age, item (state or add-on event), kind (``state``/``event``), agency, children (expected),
        cost_gbp (undiscounted, £ at ``price_year``), discount_factor and pv_gbp.
    """
    v = np.zeros(len(model.states))
    v[model.states.index(UNIVERSAL)] = births
    unit = model.state_cost_gbp(price_year)
    df = cba.discount_factors(ages, discount_rate)
    rows = []
    for age in range(ages):
        v = v @ model.matrix
        for s, n, c in zip(model.states, v, unit, strict=True):
            rows.append((age, s, "state", "Council" if s != UNIVERSAL else "", n, n * c, df[age]))
        for a in model.addons:
            if a.ages[0] <= age <= a.ages[1]:
                n = float(v @ a.probability)
                rows.append((age, a.name, "event", a.agency, n, n * _cost(a.cost, price_year), df[age]))
    out = pd.DataFrame(rows, columns=["age", "item", "kind", "agency", "children", "cost_gbp", "discount_factor"])
    out["pv_gbp"] = out["cost_gbp"] * out["discount_factor"]
    return out


@passes_gaps
def simulate(model: Model, births: int, price_year: str, seed: int = 2010, ages: int = AGES,
             discount_rate: float | None = None) -> np.ndarray:
    """Discounted lifetime cost to 18 (£) of each of ``births`` children, simulated (seeded)."""
    rng = np.random.default_rng(seed)
    state = np.full(births, model.states.index(UNIVERSAL))
    cum = np.cumsum(model.matrix, axis=1)
    unit = model.state_cost_gbp(price_year)
    addon_cost = [_cost(a.cost, price_year) for a in model.addons]
    df = cba.discount_factors(ages, discount_rate)
    total = np.zeros(births)
    for age in range(ages):
        u = rng.random(births)
        state = np.minimum((u[:, None] > cum[state]).sum(axis=1), len(model.states) - 1)
        total += unit[state] * df[age]
        for a, c in zip(model.addons, addon_cost, strict=True):
            if a.ages[0] <= age <= a.ages[1]:
                total += (rng.random(births) < a.probability[state]) * c * df[age]
    return total


@passes_gaps
def summary(proj: pd.DataFrame) -> pd.DataFrame:
    """Expected child-years, undiscounted and present-value cost (£) by item over the cohort's childhood."""
    out = proj.groupby(["item", "kind", "agency"], as_index=False)[["children", "cost_gbp", "pv_gbp"]].sum()
    out = out.rename(columns={"children": "child_years"})
    return out.sort_values("pv_gbp", ascending=False).reset_index(drop=True)
